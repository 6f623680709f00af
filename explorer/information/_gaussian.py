r"""Mutual information and entropy under a Gaussian assumption (from sample covariances).

.. math:: I(X;Y) = \tfrac12\log\frac{\det\Sigma_X\det\Sigma_Y}{\det\Sigma} = -\tfrac12\sum_i\log(1-\rho_i^2)

with :math:`\rho_i` the canonical correlations (singular values of
:math:`\Sigma_X^{-1/2}\Sigma_{XY}\Sigma_Y^{-1/2}`, pseudo-inverse roots on the non-null
eigenspaces, so a duplicated column is harmless). Exact for jointly Gaussian data; for other
laws it is the MI of the Gaussian with the same covariance, a lower bound when the marginals
are fixed (the Gaussian channel is the worst case). A canonical correlation of 1 (one variable a
linear function of the other) gives ``inf``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["canonical_correlations", "gaussian_entropy", "gaussian_mi"]

#: eigenvalues below this fraction of the largest count as zero (rank-deficient covariance)
RANK_TOL = 1e-10
#: canonical correlations this close to 1 count as exact linear dependence
ONE_TOL = 1e-12


def _inv_sqrt(c: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh(c)
    keep = w > RANK_TOL * max(float(w.max()), 0.0)
    return v[:, keep] / np.sqrt(w[keep])


def canonical_correlations(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Canonical correlations of samples ``x`` (n, dx) and ``y`` (n, dy), descending."""
    xc, yc = x - x.mean(axis=0), y - y.mean(axis=0)
    n = x.shape[0]
    cxx, cyy, cxy = xc.T @ xc / (n - 1), yc.T @ yc / (n - 1), xc.T @ yc / (n - 1)
    m = _inv_sqrt(cxx).T @ cxy @ _inv_sqrt(cyy)
    return np.clip(np.linalg.svd(m, compute_uv=False), 0.0, 1.0)


def gaussian_mi(x: np.ndarray, y: np.ndarray) -> tuple[float, str]:
    """Gaussian MI (nats) and a note (why it is infinite, if it is)."""
    rho = canonical_correlations(x, y)
    if rho.size and rho[0] >= 1.0 - ONE_TOL:
        return math.inf, ("infinite: a canonical correlation is 1 "
                          "(one variable is a linear function of the other)")
    return float(-0.5 * np.sum(np.log1p(-rho**2))), ""


def gaussian_entropy(x: np.ndarray) -> tuple[float, str]:
    """Differential entropy (nats) of the Gaussian with the sample covariance of ``x``."""
    d = x.shape[1]
    c = np.atleast_2d(np.cov(x, rowvar=False))
    sign, logdet = np.linalg.slogdet(c)
    w = np.linalg.eigvalsh(c)
    if sign <= 0 or w.min() <= RANK_TOL * w.max():
        return -math.inf, "-inf: the sample covariance is singular (the data lie on a subspace)"
    return float(0.5 * (d * math.log(2 * math.pi * math.e) + logdet)), ""
