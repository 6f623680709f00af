"""Input validation helpers shared by the public API (clear ``ValueError`` messages)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def as_finite_float(value: Any, name: str) -> float:
    """Return ``value`` as a finite float or raise ``ValueError`` naming ``name``."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {value!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {out}")
    return out


def as_positive_float(value: Any, name: str) -> float:
    """Return ``value`` as a finite float > 0 or raise ``ValueError`` naming ``name``."""
    out = as_finite_float(value, name)
    if out <= 0:
        raise ValueError(f"{name} must be > 0, got {out}")
    return out


def as_finite_array(value: Any, name: str, ndim: int | None = None) -> np.ndarray:
    """Return ``value`` as a float array with only finite entries."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric, got {value!r}") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def as_probability_vector(value: Any, name: str, atol: float = 1e-8) -> np.ndarray:
    """Return a 1-D probability vector (non-negative, sums to 1 within ``atol``)."""
    p = as_finite_array(value, name, ndim=1)
    if p.size == 0:
        raise ValueError(f"{name} must not be empty")
    if np.any(p < 0):
        raise ValueError(f"{name} must be non-negative, got min {p.min():.3g}")
    total = float(p.sum())
    if abs(total - 1.0) > atol:
        raise ValueError(f"{name} must sum to 1, got {total:.10g}")
    return p / total


def as_rng(rng: Any) -> np.random.Generator:
    """Turn ``None``, an int seed or a Generator into a ``numpy.random.Generator``."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, int | np.integer):
        return np.random.default_rng(rng)
    raise ValueError(f"rng must be None, an int seed or a numpy Generator, got {type(rng).__name__}")


def as_sample_count(n: Any, name: str = "n") -> int:
    """Return ``n`` as a positive int."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    if n < 1:
        raise ValueError(f"{name} must be >= 1, got {n}")
    return int(n)
