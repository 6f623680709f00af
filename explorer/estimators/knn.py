r"""k-nearest-neighbour estimation of KL(P‖Q) from samples (Wang, Kulkarni & Verdú 2009).

Reference: Q. Wang, S. R. Kulkarni and S. Verdú (2009), "Divergence estimation for
multidimensional densities via k-nearest-neighbor distances", IEEE Trans. Inf. Theory
55(5):2392–2405.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from explorer._numerics import as_2d
from explorer._validation import as_rng

__all__ = ["knn_kl"]


def _break_ties(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Add a tiny jitter (1e-9 of the spread) when points repeat, so k-NN distances are > 0."""
    if np.unique(x, axis=0).shape[0] == x.shape[0]:
        return x
    scale = np.std(x, axis=0) + 1e-300
    return x + 1e-9 * scale * rng.standard_normal(x.shape)


def knn_kl(x: np.ndarray, y: np.ndarray, k: int = 5, rng: Any = 0) -> float:
    r"""k-nearest-neighbour estimate of KL(P‖Q) from samples (Wang, Kulkarni & Verdú 2009).

    .. math:: \hat D = \frac{d}{n}\sum_{i=1}^n \log\frac{\nu_k(i)}{\rho_k(i)} + \log\frac{m}{n-1}

    :math:`\rho_k(i)`: distance from :math:`x_i` to its k-th nearest neighbour among the other
    x's; :math:`\nu_k(i)`: to its k-th nearest neighbour among the ``m`` y's. Repeated points
    are separated by a 1e-9 jitter. Consistent as n, m → ∞; biased at small n.
    """
    from scipy.spatial import cKDTree

    g = as_rng(rng)
    x = _break_ties(as_2d(x), g)
    y = _break_ties(as_2d(y), g)
    n, d = x.shape
    m = y.shape[0]
    if n <= k or m < k:
        raise ValueError(f"k-NN KL needs more than k={k} samples on each side (got {n} and {m})")
    rho = cKDTree(x).query(x, k=k + 1)[0][:, -1]
    nu = cKDTree(y).query(x, k=k)[0]
    nu = nu[:, -1] if nu.ndim == 2 else nu
    with np.errstate(divide="ignore"):
        est = d * float(np.mean(np.log(nu) - np.log(rho))) + math.log(m / (n - 1))
    return est
