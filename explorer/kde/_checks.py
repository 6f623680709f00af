"""Input checks of the KDE package: every error names the parameter."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def as_data(x: Any, name: str = "x") -> np.ndarray:
    """Data as a float array of shape (n,) (1-D) or (n, d), d ≥ 2; n ≥ 2, finite, not constant."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"parameter {name!r} must be numeric, got {type(x).__name__}") from None
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim not in (1, 2):
        raise ValueError(f"parameter {name!r} must have shape (n,) or (n, d), got {arr.shape}")
    if arr.shape[0] < 2:
        raise ValueError(f"parameter {name!r} must hold at least 2 points, got {arr.shape[0]}")
    lo, hi = arr.min(axis=0), arr.max(axis=0)        # NaN propagates into min/max: one check
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        raise ValueError(f"parameter {name!r} contains NaN or infinite values")
    if arr.ndim == 1:
        if lo == hi:
            raise ValueError(f"parameter {name!r}: all values are equal; a density cannot be estimated")
    elif np.any(lo == hi):
        raise ValueError(f"parameter {name!r}: a column is constant; a density cannot be estimated")
    return arr


def as_weights(weights: Any, n: int, name: str = "weights") -> np.ndarray | None:
    """Weights normalised to sum 1 (``None`` stays ``None``: equal weights)."""
    if weights is None:
        return None
    try:
        w = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"parameter {name!r} must be numeric") from None
    if w.shape != (n,):
        raise ValueError(f"parameter {name!r} must have shape ({n},), got {w.shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(f"parameter {name!r} must be finite and non-negative")
    total = float(w.sum())
    if total <= 0:
        raise ValueError(f"parameter {name!r} must have a positive sum")
    return w / total


def effective_n(n: int, w: np.ndarray | None) -> float:
    """Kish's effective sample size 1/Σw² (n for equal weights)."""
    return float(n) if w is None else 1.0 / float(np.sum(w * w))


def as_positive(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"parameter {name!r} must be a number, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"parameter {name!r} must be a number, got {value!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"parameter {name!r} must be finite and > 0, got {v}")
    return v
