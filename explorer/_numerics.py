"""Small numerical helpers (fast log-sum-exp for real arrays)."""

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
    safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(a - safe), axis=axis, keepdims=True)) + safe
    out = np.where(np.isfinite(m), out, m)
    return np.squeeze(out, axis=axis)
