"""Linear binning onto regular grids (1-D and 2-D), the first step of every binned/FFT path.

Linear binning (Jones & Lotwick 1983; Wand & Jones 1995, Appendix D) splits each point's weight
between its two neighbouring grid nodes in proportion to proximity, so a kernel sum evaluated
on the binned counts has an error of order δ²/h² (δ the grid step) instead of δ/h for simple
binning. Points outside the grid are dropped (callers extend the grid by the kernel's reach).
"""

from __future__ import annotations

import numpy as np

__all__ = ["linear_bin_1d", "linear_bin_2d"]


_CHUNK = 1 << 15      # points per pass: the temporaries stay in cache (2-3× faster than whole arrays)


def linear_bin_1d(x: np.ndarray, start: float, step: float, m: int,
                  weights: np.ndarray | None = None) -> np.ndarray:
    """Counts (or summed weights) of ``x`` linearly binned on ``start + step·k``, k < m."""
    inv = 1.0 / step
    off = start * inv
    counts = np.zeros(m + 1)
    frac = np.zeros(m + 1)
    ubuf = np.empty(min(_CHUNK, x.size))
    ibuf = np.empty(ubuf.size, dtype=np.intp)
    for s in range(0, x.size, _CHUNK):
        xs = x[s:s + _CHUNK]
        u, i = ubuf[: xs.size], ibuf[: xs.size]
        np.multiply(xs, inv, out=u)
        u -= off
        w = None if weights is None else weights[s:s + _CHUNK]
        if u.min() < 0 or u.max() > m - 1:
            keep = (u >= 0) & (u <= m - 1)
            u = u[keep]
            i = i[: u.size]
            w = None if w is None else w[keep]
        i[...] = u                        # truncation = floor for u ≥ 0
        np.subtract(u, i, out=u, casting="unsafe")   # fractional part: share of the right node
        if w is None:
            counts += np.bincount(i, minlength=m + 1)
            frac += np.bincount(i, u, minlength=m + 1)
        else:
            counts += np.bincount(i, w, minlength=m + 1)
            u *= w
            frac += np.bincount(i, u, minlength=m + 1)
    counts -= frac
    counts[1:] += frac[:-1]
    return counts[:m]


def linear_bin_2d(x: np.ndarray, starts: tuple[float, float], steps: tuple[float, float],
                  shape: tuple[int, int], weights: np.ndarray | None = None) -> np.ndarray:
    """Bilinear binning of points ``x`` (n, 2) on a regular (mx, my) grid; returns (mx, my)."""
    mx, my = shape
    u = (x[:, 0] - starts[0]) / steps[0]
    v = (x[:, 1] - starts[1]) / steps[1]
    keep = (u >= 0) & (u <= mx - 1) & (v >= 0) & (v <= my - 1)
    w = np.ones(x.shape[0]) if weights is None else weights
    if not keep.all():
        u, v, w = u[keep], v[keep], w[keep]
    i = u.astype(np.intp)
    j = v.astype(np.intp)
    fu, fv = u - i, v - j
    stride = my + 1
    base = i * stride + j
    size = (mx + 1) * stride
    out = (np.bincount(base, w * (1 - fu) * (1 - fv), minlength=size)
           + np.bincount(base + stride, w * fu * (1 - fv), minlength=size)
           + np.bincount(base + 1, w * (1 - fu) * fv, minlength=size)
           + np.bincount(base + stride + 1, w * fu * fv, minlength=size))
    return out.reshape(mx + 1, my + 1)[:mx, :my]
