r"""k-nearest-neighbour estimation of KL(P‖Q) from samples (Wang, Kulkarni & Verdú 2009).

Reference: Q. Wang, S. R. Kulkarni and S. Verdú (2009), "Divergence estimation for
multidimensional densities via k-nearest-neighbor distances", IEEE Trans. Inf. Theory
55(5):2392–2405.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from explorer._numerics import as_2d, unit_frame
from explorer._validation import as_points, as_rng

__all__ = ["knn_kl"]


def _break_ties(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Add a tiny jitter (1e-9 of the common unit frame) when points repeat, so k-NN distances are > 0."""
    if np.unique(x, axis=0).shape[0] == x.shape[0]:
        return x
    return x + 1e-9 * rng.standard_normal(x.shape)


def knn_kl(x: np.ndarray, y: np.ndarray, k: int = 5, rng: Any = 0) -> float:
    r"""k-nearest-neighbour estimate of KL(P‖Q) from samples (Wang, Kulkarni & Verdú 2009).

    .. math:: \hat D = \frac{d}{n}\sum_{i=1}^n \log\frac{\nu_k(i)}{\rho_k(i)} + \log\frac{m}{n-1}

    :math:`\rho_k(i)`: distance from :math:`x_i` to its k-th nearest neighbour among the other
    x's; :math:`\nu_k(i)`: to its k-th nearest neighbour among the ``m`` y's. The estimate is
    invariant under a common affine map of x and y, so both are first brought to a unit frame
    (any scale from 1e-150 to 1e150 gives the same value). Repeated points are separated by a
    jitter of 1e-9 of that frame; a side whose points are all equal (a point mass, no density)
    is refused with a ``ValueError``. Consistent as n, m → ∞; biased at small n.
    """
    from scipy.spatial import cKDTree

    g = as_rng(rng)
    x = as_2d(as_points(x, "x"))
    y = as_2d(as_points(y, "y"))
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have the same dimension, got {x.shape[1]} and {y.shape[1]}")
    for name, v in (("x", x), ("y", y)):
        if v.shape[0] > 0 and np.all(v == v[0]):
            raise ValueError(f"{name} samples are all equal (a point mass has no density): the k-NN KL "
                             "estimator needs samples of a continuous distribution")
    n, d = x.shape
    m = y.shape[0]
    if n <= k or m < k:
        raise ValueError(f"k-NN KL needs more than k={k} samples on each side (got {n} and {m})")
    x, y, _ = unit_frame(x, y)
    both = _break_ties(np.concatenate([x, y], axis=0), g)  # ties within or across the sets
    x, y = both[:n], both[n:]
    rho = cKDTree(x).query(x, k=k + 1)[0][:, -1]
    nu = cKDTree(y).query(x, k=k)[0]
    nu = nu[:, -1] if nu.ndim == 2 else nu
    with np.errstate(divide="ignore"):
        est = d * float(np.mean(np.log(nu) - np.log(rho))) + math.log(m / (n - 1))
    return est
