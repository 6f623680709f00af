"""Small numerical helpers: a fast log-sum-exp for real arrays, points as an (n, d) array, a unit frame
for two point sets."""

from __future__ import annotations

import math

import numpy as np


def logsumexp(a: np.ndarray, axis: int | None = None) -> np.ndarray | float:
    """``log(sum(exp(a)))`` for real arrays, without overflow; ``-inf``/``+inf`` entries allowed.

    A lean replacement for :func:`scipy.special.logsumexp` (whose per-call overhead dominates
    on the small arrays of a slider update).
    """
    a = np.asarray(a, dtype=float)
    if axis is None:
        if a.size == 0:
            return -math.inf
        m = float(np.max(a))
        if not math.isfinite(m):
            return m
        return m + math.log(float(np.sum(np.exp(a - m))))
    m = np.max(a, axis=axis, keepdims=True)
    finite = np.isfinite(m)
    safe = m if finite.all() else np.where(finite, m, 0.0)
    work = a - safe
    np.exp(work, out=work)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(work, axis=axis, keepdims=True))
    out += safe
    if not finite.all():
        out = np.where(finite, out, m)
    return np.squeeze(out, axis=axis)


def as_2d(x: np.ndarray) -> np.ndarray:
    """Points as an ``(n, d)`` array: a 1-D array of n numbers becomes ``(n, 1)``."""
    return x.reshape(-1, 1) if x.ndim == 1 else x


def unit_frame(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """``(x', y', s)`` with ``x = s·x' + c``, ``y = s·y' + c``: both point sets centred on their pooled
    midrange and divided by the largest coordinate, so squared distances are normal numbers whatever
    the data's scale (samples ×1e200 overflowed, ×1e-200 underflowed). Translation-invariant
    discrepancies are then computed on (x', y') with the length scales divided by ``s``."""
    both = np.concatenate([x, y], axis=0)
    mid = 0.5 * both.min(axis=0) + 0.5 * both.max(axis=0)  # halves first: no overflow
    x, y = x - mid, y - mid  # |x - mid| <= (max - min)/2: cannot overflow
    s = max(float(np.max(np.abs(x))), float(np.max(np.abs(y)))) or 1.0
    return x / s, y / s, s
