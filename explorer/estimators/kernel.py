r"""Kernel discrepancies: MMD² with an RBF kernel and the energy distance.

* :func:`mmd2_unbiased`, :func:`energy_unbiased` — unbiased U-statistics from two sample arrays
  (Gretton et al. 2012, JMLR 13:723–773, eq. 3; Székely & Rizzo 2013, J. Stat. Plan. Inference
  143:1249–1272).
* :func:`mmd2_weighted`, :func:`energy_weighted` — V-statistics between weighted empirical
  measures, batched over models and differentiable in torch (fitting objectives).
* :func:`gm_kernel_rbf`, :func:`gm_kernel_energy` — the kernel mean inner product ⟨μ_a, μ_b⟩ of two
  Gaussian mixtures in closed form (torch, batched): D = ⟨μ_p,μ_p⟩ − 2⟨μ_p,μ_q⟩ + ⟨μ_q,μ_q⟩ can
  then be fitted exactly (a sample set is a mixture of point masses).
"""

from __future__ import annotations

import math

import numpy as np

from explorer._backend import NP as NP_OPS
from explorer._backend import ops_for
from explorer._numerics import as_2d, unit_frame
from explorer._validation import as_points

__all__ = ["energy_unbiased", "energy_weighted", "gm_kernel_energy", "gm_kernel_rbf", "gm_log_gauss_cross",
           "mmd2_unbiased", "mmd2_weighted", "rbf"]


def rbf(d2: np.ndarray, bandwidth: float) -> np.ndarray:
    """The RBF kernel exp(−d²/2ℓ²) of squared distances ``d2``."""
    return np.exp(-0.5 * d2 / bandwidth**2)


def _sample_pair(x: np.ndarray, y: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = as_2d(as_points(x, "x")), as_2d(as_points(y, "y"))
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have the same dimension, got {x.shape[1]} and {y.shape[1]}")
    if x.shape[0] < 2 or y.shape[0] < 2:
        raise ValueError(f"{what} needs at least 2 samples on each side")
    return x, y


def mmd2_unbiased(x: np.ndarray, y: np.ndarray, bandwidth: float) -> float:
    r"""Unbiased U-statistic estimate of MMD² with an RBF kernel (Gretton et al. 2012, eq. 3).

    .. math:: \widehat{\mathrm{MMD}}^2_u = \frac{1}{n(n-1)}\sum_{i\ne j}k(x_i,x_j)
        + \frac{1}{m(m-1)}\sum_{i\ne j}k(y_i,y_j) - \frac{2}{nm}\sum_{i,j}k(x_i,y_j)

    It is unbiased, so it can be slightly negative when P = Q. Computed in the unit frame of
    :func:`unit_frame` with the bandwidth divided by the same scale (the value is unchanged by a
    common change of units of x, y and ℓ), so data at any scale give a finite value.
    """
    x, y = _sample_pair(x, y, "MMD")
    n, m = x.shape[0], y.shape[0]
    x, y, s = unit_frame(x, y)
    with np.errstate(over="ignore"):
        inv = s / float(bandwidth)  # 1/ℓ in the unit frame (inf: every distinct pair is far apart)

    def kernel(d2):
        if math.isinf(inv):
            return (d2 == 0).astype(float)
        with np.errstate(over="ignore", under="ignore"):
            return np.exp(-0.5 * np.square(np.sqrt(d2) * inv))

    def ksum(a, b):
        total = 0.0
        block = max(1, 2_000_000 // b.shape[0])
        bb = np.sum(b * b, axis=1)
        for st in range(0, a.shape[0], block):
            aa = a[st:st + block]
            d2 = np.sum(aa * aa, axis=1)[:, None] + bb[None, :] - 2 * aa @ b.T
            total += float(np.sum(kernel(np.maximum(d2, 0.0))))
        return total

    kxx = (ksum(x, x) - n) / (n * (n - 1))
    kyy = (ksum(y, y) - m) / (m * (m - 1))
    kxy = ksum(x, y) / (n * m)
    return kxx + kyy - 2 * kxy


def energy_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    r"""Unbiased (U-statistic) energy distance (Székely & Rizzo 2013).

    .. math:: \hat E = \frac{2}{nm}\sum_{i,j}|x_i - y_j| - \frac{1}{n(n-1)}\sum_{i\ne j}|x_i - x_j|
        - \frac{1}{m(m-1)}\sum_{i\ne j}|y_i - y_j|

    Unbiased, so it can be slightly negative when P = Q. 1-homogeneous: computed in the unit frame
    of :func:`unit_frame` and multiplied back by its scale (finite for data at any scale).
    """
    x, y = _sample_pair(x, y, "the energy distance")
    n, m = x.shape[0], y.shape[0]
    x, y, s = unit_frame(x, y)
    dxy = np.sqrt(NP_OPS.sqdist(x, y)).mean()
    dxx = np.sqrt(NP_OPS.sqdist(x, x)).sum() / (n * (n - 1))
    dyy = np.sqrt(NP_OPS.sqdist(y, y)).sum() / (m * (m - 1))
    with np.errstate(over="ignore"):
        out = float(2 * dxy - dxx - dyy) * s
    return out


def _weighted_kernel_sums(xp, wp, xq, wq, kernel):
    ops = ops_for(xq)
    kqq = ops.sum(ops.sum(kernel(ops.sqdist(xq, xq)) * wq[..., :, None] * wq[..., None, :], -1), -1)
    kpq = ops.sum(ops.sum(kernel(ops.sqdist(xq, xp[None])) * wq[..., :, None] * wp[None, None, :], -1), -1)
    kpp = ops.sum(kernel(ops.sqdist(xp, xp)) * wp[:, None] * wp[None, :])
    return kpp, kpq, kqq


def mmd2_weighted(xp, wp, xq, wq, bandwidth: float = 1.0):
    r"""MMD² (RBF, V-statistic) between weighted empirical measures: exact for those measures."""
    ops = ops_for(xq)
    kpp, kpq, kqq = _weighted_kernel_sums(xp, wp, xq, wq, lambda d2: ops.exp(-0.5 * d2 / bandwidth**2))
    return ops.maximum(kpp - 2.0 * kpq + kqq, 0.0)


def energy_weighted(xp, wp, xq, wq):
    r"""Energy distance 2E|X−Y| − E|X−X'| − E|Y−Y'| between weighted empirical measures."""
    ops = ops_for(xq)
    kpp, kpq, kqq = _weighted_kernel_sums(xp, wp, xq, wq, lambda d2: ops.sqrt(ops.maximum(d2, 1e-30)))
    return ops.maximum(2.0 * kpq - kpp - kqq, 0.0)


def gm_log_gauss_cross(a, b, extra: float = 0.0):
    r"""Torch, batched: log Σ_ij w_i v_j N(m_i − m_j; 0, S_i + S_j + extra·I) for d ≤ 2.

    ``a``/``b`` are ``(w (..., K), m (..., K, d), S (..., K, d, d))``; leading axes broadcast.
    A component with S = 0 is a point mass, so a sample set is a valid (zero-covariance) mixture.
    """
    import torch

    (wa, ma, sa), (wb, mb, sb) = a, b
    diff = ma[..., :, None, :] - mb[..., None, :, :]
    s = sa[..., :, None, :, :] + sb[..., None, :, :, :]
    d = diff.shape[-1]
    if d == 1:
        var = s[..., 0, 0] + extra
        logn = -0.5 * (diff[..., 0] ** 2 / var + torch.log(2 * math.pi * var))
    elif d == 2:
        s00, s01, s11 = s[..., 0, 0] + extra, s[..., 0, 1], s[..., 1, 1] + extra
        det = s00 * s11 - s01 * s01
        d0, d1 = diff[..., 0], diff[..., 1]
        maha = (s11 * d0 * d0 - 2 * s01 * d0 * d1 + s00 * d1 * d1) / det
        logn = -0.5 * (maha + torch.log(det) + 2 * math.log(2 * math.pi))
    else:
        raise ValueError(f"Gaussian-mixture kernel terms support d ≤ 2, got d = {d}")
    lw = torch.log(wa)[..., :, None] + torch.log(wb)[..., None, :]
    return torch.logsumexp((logn + lw).flatten(-2), dim=-1)


def gm_kernel_rbf(a, b, bandwidth: float = 1.0):
    r"""⟨μ_a, μ_b⟩ for the RBF kernel: E k(X,Y) = (2πℓ²)^{d/2} E N(X−Y; 0, ℓ²I) (torch, batched)."""
    d = a[1].shape[-1]
    return (0.5 * d * math.log(2 * math.pi * bandwidth**2) + gm_log_gauss_cross(a, b, bandwidth**2)).exp()


def gm_kernel_energy(a, b):
    r"""⟨μ_a, μ_b⟩ for the (conditionally p.d.) energy kernel −|x−y|, 1-D: −E|X−Y| (torch, batched).

    X − Y ~ N(Δ, s²) per component pair and E|X−Y| = s√(2/π) e^{−Δ²/2s²} + Δ(1 − 2Φ(−Δ/s)), which
    tends to |Δ| as s → 0 (point masses).
    """
    import torch

    (wa, ma, sa), (wb, mb, sb) = a, b
    if ma.shape[-1] != 1:
        raise ValueError("the Gaussian-mixture energy term is 1-D only")
    diff = ma[..., :, None, 0] - mb[..., None, :, 0]
    s = torch.sqrt(torch.clamp(sa[..., :, None, 0, 0] + sb[..., None, :, 0, 0], min=1e-300))
    mabs = s * math.sqrt(2 / math.pi) * torch.exp(-0.5 * (diff / s) ** 2) \
        + diff * (1 - 2 * torch.special.ndtr(-diff / s))
    return -(wa[..., :, None] * wb[..., None, :] * mabs).sum(dim=(-2, -1))
