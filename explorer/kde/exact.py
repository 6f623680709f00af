r"""Exact kernel density evaluation at arbitrary points, in log space.

.. math:: \log\hat f(x) = \log\sum_i w_i\,|H|^{-1/2} K\big(|H^{-1/2}(x - x_i)|^2\big),

computed block by block (memory ≈ 32 MB whatever n and the number of points) with a
log-sum-exp, so no term underflows. With a compact kernel a point beyond every kernel's support
gets ``-inf`` (never NaN). Reflection at a boundary a (Schuster 1985; Silverman 1986 §2.10)
adds the mirrored points 2a − x_i; the density is 0 (log ``-inf``) outside [lo, hi].
This is the density :class:`explorer.distributions.Empirical` uses (one KDE in the package).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from explorer.kde._checks import as_data, as_weights
from explorer.kde.bandwidth import _resolve
from explorer.kde.kernels import Kernel, get_kernel

__all__ = ["as_boundary", "log_density", "reflect"]

_BLOCK = 4_000_000
#: 1-D Gaussian kernel, no boundary: a point further than _FAR·h from every data point only
#: sees the data within h of the nearest extreme (the others are below e^-40 of the largest).
_FAR = 40.0


def as_boundary(boundary: Any, d: int) -> tuple[float, float] | None:
    """``None``, a lower bound ``a`` or a pair ``(lo, hi)`` (``None`` for an open side), 1-D only."""
    if boundary is None:
        return None
    if d != 1:
        raise ValueError("parameter 'boundary': reflection is implemented for 1-D data only")
    if isinstance(boundary, int | float | np.integer | np.floating):
        lo, hi = float(boundary), math.inf
    else:
        try:
            lo_, hi_ = boundary
        except (TypeError, ValueError):
            raise ValueError("parameter 'boundary' must be a number (lower bound) "
                             "or a pair (lo, hi)") from None
        lo = -math.inf if lo_ is None else float(lo_)
        hi = math.inf if hi_ is None else float(hi_)
    if math.isnan(lo) or math.isnan(hi) or lo >= hi:
        raise ValueError(f"parameter 'boundary' must satisfy lo < hi, got ({lo}, {hi})")
    return lo, hi


def reflect(x: np.ndarray, w: np.ndarray, boundary: tuple[float, float] | None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Data and weights with the mirror images across each finite bound appended."""
    if boundary is None:
        return x, w
    lo, hi = boundary
    if x.min() < lo or x.max() > hi:
        raise ValueError(f"parameter 'boundary': data lie outside [{lo}, {hi}]")
    xs, ws = [x], [w]
    if math.isfinite(lo):
        xs.append(2 * lo - x)
        ws.append(w)
    if math.isfinite(hi):
        xs.append(2 * hi - x)
        ws.append(w)
    return np.concatenate(xs), np.concatenate(ws)


def _lse_rows(a: np.ndarray) -> np.ndarray:
    """Row-wise log-sum-exp; rows that are all -inf give -inf (not NaN). Overwrites ``a``."""
    m = a.max(axis=1)
    finite = np.isfinite(m)
    shift = np.where(finite, m, 0.0)
    a -= shift[:, None]
    np.exp(a, out=a)
    with np.errstate(divide="ignore"):
        return np.where(finite, shift + np.log(a.sum(axis=1)), -np.inf)


def _log_sum(points: np.ndarray, centres: np.ndarray, logw: np.ndarray | None, kern: Kernel,
             d: int) -> np.ndarray:
    """log Σ_i w_i exp(log_profile(|p − c_i|²)) for whitened points/centres (shape (m, d), (n, d))."""
    n = centres.shape[0]
    out = np.empty(points.shape[0])
    block = max(1, _BLOCK // max(n, 1))
    c2 = np.sum(centres * centres, axis=1) if d > 1 else None
    for s in range(0, points.shape[0], block):
        p = points[s:s + block]
        if d == 1:
            r2 = (p[:, 0, None] - centres[None, :, 0]) ** 2
        else:
            r2 = np.sum(p * p, axis=1)[:, None] + c2[None, :] - 2.0 * (p @ centres.T)
            np.maximum(r2, 0.0, out=r2)
        a = kern.log_profile(r2, d) if kern.compact else np.multiply(r2, -0.5, out=r2)
        if logw is not None:
            a += logw[None, :]
        out[s:s + block] = _lse_rows(a)
    return out


def log_density(x_eval: Any, data: Any, bandwidth: Any = None, kernel: str | Kernel = "gaussian",
                weights: Any = None, boundary: Any = None) -> np.ndarray:
    r"""Exact log-density of the KDE of ``data`` at ``x_eval`` (natural log).

    Parameters
    ----------
    x_eval : array_like
        1-D data: any shape (result has that shape). d-D data: shape (..., d) (result (...)).
    data : array_like, shape (n,) or (n, d)
        The sample (n ≥ 2, finite, not constant).
    bandwidth : None, str, float, (d, d) array or Bandwidth
        As :func:`explorer.kde.resolve_bandwidth` (resolve once and pass the
        :class:`~explorer.kde.Bandwidth` when evaluating many times).
    kernel : str
        A name from :data:`explorer.kde.KERNELS`.
    weights : array_like, optional
        Non-negative weights of the data points.
    boundary : None, float or (lo, hi)
        1-D reflection boundary (data must lie inside); density 0 outside.

    Returns
    -------
    ndarray
        log f̂ (``-inf`` where the density is exactly 0; never NaN).
    """
    data = as_data(data, "data")
    d = 1 if data.ndim == 1 else data.shape[1]
    w = as_weights(weights, data.shape[0])
    bw = _resolve(data, bandwidth, w)
    kern = get_kernel(kernel)
    bnd = as_boundary(boundary, d)
    try:
        xe = np.asarray(x_eval, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("parameter 'x_eval' must be numeric") from None
    if np.any(np.isnan(xe)):
        raise ValueError("parameter 'x_eval' contains NaN")
    n = data.shape[0]
    wn = np.full(n, 1.0 / n) if w is None else w
    centres, cw = reflect(data, wn, bnd)
    logw = None
    if w is not None or bnd is not None:
        with np.errstate(divide="ignore"):          # zero weight: log 0 = -inf, that point drops out
            logw = np.log(cw)
    if d == 1:
        shape = xe.shape
        flat = xe.reshape(-1)
        h = bw.h
        const = kern.log_norm(1) - math.log(h) + (-math.log(n) if logw is None else 0.0)
        pts, cen = (flat / h)[:, None], (centres / h)[:, None]
        out = np.full(flat.shape, -np.inf)
        ok = np.isfinite(flat)
        if bnd is not None:
            ok &= (flat >= bnd[0]) & (flat <= bnd[1])
        if logw is None and not kern.compact:
            # far points see only the data within h of the nearest extreme
            srt = np.sort(centres)
            left = ok & (flat < srt[0] - _FAR * h)
            right = ok & (flat > srt[-1] + _FAR * h)
            near = ok & ~(left | right)
            for sel, cset in ((left, srt[srt < srt[0] + h]), (right, srt[srt > srt[-1] - h]), (near, srt)):
                if sel.any():
                    out[sel] = _log_sum(pts[sel], (cset / h)[:, None], None, kern, 1)
        elif ok.any():
            out[ok] = _log_sum(pts[ok], cen, logw, kern, 1)
        out[ok] += const
        return out.reshape(shape)
    if xe.shape[-1:] != (d,):
        raise ValueError(f"parameter 'x_eval' must have shape (..., {d}), got {xe.shape}")
    flat = xe.reshape(-1, d)
    linv = np.linalg.inv(bw.chol)
    logdet = 2.0 * float(np.sum(np.log(np.diag(bw.chol))))
    const = kern.log_norm(d) - 0.5 * logdet + (-math.log(n) if logw is None else 0.0)
    ok = np.all(np.isfinite(flat), axis=1)
    out = np.full(flat.shape[0], -np.inf)
    if ok.any():
        out[ok] = _log_sum(flat[ok] @ linv.T, centres @ linv.T, logw, kern, d) + const
    return out.reshape(xe.shape[:-1])
