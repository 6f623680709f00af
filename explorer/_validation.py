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


MIN_SCALE, MAX_SCALE = 1e-150, 1e150
"""Range of the scale parameters (standard deviations, widths, bandwidths) a distribution accepts.

Outside it the maths overflows or underflows in float64 before any divergence is computed: a
variance of (1e200)² is ``inf``, a std of 1e-320 is sub-normal and 1/std overflows. Squares of
values in this range (variances, squared distances) stay normal numbers."""
MAX_LOCATION = 1e150
"""Largest magnitude of a location parameter (mean, loc, low/high, a data point): the distance
between two such locations and its square stay finite."""


def as_scale(value: Any, name: str) -> float:
    """A finite scale in ``[MIN_SCALE, MAX_SCALE]`` (``ValueError`` naming ``name`` otherwise).

    >>> as_scale(1e-320, "std")
    Traceback (most recent call last):
    ...
    ValueError: std must be within [1e-150, 1e+150], got 1e-320
    """
    out = as_positive_float(value, name)
    if not MIN_SCALE <= out <= MAX_SCALE:
        raise ValueError(f"{name} must be within [{MIN_SCALE:g}, {MAX_SCALE:g}], got {out:g}")
    return out


def as_location(value: Any, name: str) -> float:
    """A finite location with ``|value| <= MAX_LOCATION`` (``ValueError`` naming ``name`` otherwise)."""
    out = as_finite_float(value, name)
    if abs(out) > MAX_LOCATION:
        raise ValueError(f"{name} must be within ±{MAX_LOCATION:g}, got {out:g}")
    return out


def check_locations(arr: np.ndarray, name: str) -> np.ndarray:
    """``arr`` (finite) with every entry within ±``MAX_LOCATION``, else a ``ValueError`` naming ``name``."""
    if arr.size and float(np.max(np.abs(arr))) > MAX_LOCATION:
        raise ValueError(f"{name} must be within ±{MAX_LOCATION:g}, got {float(np.max(np.abs(arr))):g}")
    return arr


def as_points(value: Any, name: str) -> np.ndarray:
    """Sample points as a finite array of shape ``(n,)`` or ``(n, d)`` with ``d >= 1`` (``ValueError``
    naming ``name`` otherwise: NaN/inf, a shape ``(n, 0)`` of points without coordinates, 3-D arrays)."""
    arr = as_finite_array(value, name)
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must have shape (n,) or (n, d), got {arr.shape}")
    if arr.ndim == 2 and arr.shape[1] == 0:
        raise ValueError(f"{name} must have at least one coordinate per point, got shape {arr.shape}")
    return arr


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


def to_numpy(value: Any) -> Any:
    """A torch tensor (anything with ``detach``) as a NumPy array; anything else unchanged.

    Lets the numpy API accept tensors without importing torch.
    """
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        return value.detach().cpu().numpy()
    return value


def _sum_tolerance(arr: np.ndarray, atol: float, n_terms: int) -> float:
    """``atol``, widened for inputs that came in a lower precision than float64 (float32 softmax)."""
    if np.issubdtype(arr.dtype, np.floating) and np.finfo(arr.dtype).eps > np.finfo(float).eps:
        return max(atol, 4.0 * n_terms * float(np.finfo(arr.dtype).eps))
    return atol


def as_probability_array(value: Any, name: str, atol: float = 1e-8, ndim: int | None = None,
                         axis: int | None = -1) -> np.ndarray:
    """Probabilities of shape ``[..., V]`` summing to 1 along ``axis`` (``None``: over all entries).

    Accepts torch tensors. Entries must be finite and non-negative; each sum must be within
    ``atol`` of 1 (wider for float32/float16 input); the result is renormalised exactly. The
    ``ValueError`` names ``name`` and, for a batch, the first offending batch index.
    """
    raw = to_numpy(value)
    try:
        src = np.asarray(raw)
        arr = np.asarray(src, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric, got {value!r}") from None
    if arr.ndim == 0:
        raise ValueError(f"{name} must have at least 1 dimension, got a scalar")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative, got min {arr.min():.3g}")
    n_terms = arr.size if axis is None else arr.shape[axis]
    tol = _sum_tolerance(src if np.issubdtype(src.dtype, np.floating) else arr, atol, n_terms)
    total = arr.sum(axis=axis, keepdims=axis is not None)
    bad = np.abs(total - 1.0) > tol
    if np.any(bad):
        if axis is None or arr.ndim == 1:
            raise ValueError(f"{name} must sum to 1, got {float(np.sum(arr)):.10g}")
        where = tuple(int(i) for i in np.argwhere(np.squeeze(bad, axis=axis))[0])
        raise ValueError(f"{name} must sum to 1 along axis {axis}, got "
                         f"{float(np.squeeze(total, axis=axis)[where]):.10g} at batch index {where}")
    return arr / total
