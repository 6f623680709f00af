"""The two shapes the divergence code is written against, as typing Protocols.

This module imports nothing of the package (as bmi's ``interface.py``): a new estimator or a new
kind of measure is written against these signatures without pulling in the registry.

``SampleEstimator``
    ``estimator(x, y, rng, **params) -> float``: a divergence estimated from two sample arrays
    ``x`` ~ p and ``y`` ~ q of shape ``(n,)`` or ``(n, d)``; ``rng`` is a numpy ``Generator`` for
    any randomness (tie-breaking jitter); ``params`` are the divergence's and the estimator's
    parameters (``bandwidth``, ``k``, ...).
``Measure``
    What a divergence "measure" function integrates over: log densities (or log masses) ``lp``,
    ``lq`` at some nodes and two reductions, ``integrate(g) = Σ wᵢ gᵢ`` and
    ``integrate_log(lg) = log Σ wᵢ e^{lgᵢ}``. A quadrature grid, a pair of probability vectors,
    an importance sample and the batched torch grid of fitting all have this shape, so each
    divergence formula is written once.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["Measure", "SampleEstimator"]


@runtime_checkable
class SampleEstimator(Protocol):
    """A divergence estimated from samples: ``estimator(x, y, rng, **params) -> float``."""

    def __call__(self, x: Any, y: Any, rng: Any, /, **params: float) -> float: ...


@runtime_checkable
class Measure(Protocol):
    """Log densities at nodes with their integration rule (numpy or batched torch)."""

    lp: Any
    lq: Any

    def integrate(self, g: Any) -> Any:
        """``Σ wᵢ gᵢ`` over the nodes (last axis)."""
        ...

    def integrate_log(self, lg: Any) -> Any:
        """``log Σ wᵢ exp(lgᵢ)`` over the nodes (last axis); ``+inf`` if ``lg`` holds ``+inf``."""
        ...
