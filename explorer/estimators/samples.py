"""The one sample-estimation helper: draw from p and q, run a registered estimator, describe it.

Every path that estimates a divergence from samples goes through here — ``evaluate`` on sample
arrays, ``method="samples"`` on distributions, the sample fallback of ``method="auto"`` beyond
2-D, and :func:`explorer.estimators.study` — so each honours the estimator's parameters (``k``,
``window``), the random generator and the sample size in the same way.

Order of the draws: ``n`` samples of p, then ``n`` of q, from one generator (an
:class:`~explorer.distributions.Empirical` contributes its data instead of drawing); the estimator
then gets the same generator (for its tie-breaking jitter).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.distributions import Empirical

__all__ = ["DEFAULT_SAMPLES", "SampleEstimate", "draw", "estimate", "run_estimator"]

DEFAULT_SAMPLES = 2_000
"""Samples per side when a distribution must be sampled and no ``n_samples`` is given."""


@dataclass(frozen=True)
class SampleEstimate:
    """An estimate and where it came from: ``n_p``, ``n_q`` samples, the estimator's description."""

    value: float
    n_p: int
    n_q: int
    estimator: str

    @property
    def note(self) -> str:
        return f"{self.estimator}, n={self.n_p} and {self.n_q}"


def draw(dist: Any, n: int, rng: np.random.Generator, use_data: bool = True) -> np.ndarray:
    """``n`` samples of ``dist``; with ``use_data`` an :class:`~explorer.distributions.Empirical`
    gives its data instead (a study of the sample size sets it False: it needs exactly n)."""
    if use_data and isinstance(dist, Empirical):
        return dist.samples
    return dist.sample(n, rng)


def run_estimator(div: Any, x: np.ndarray, y: np.ndarray, rng: np.random.Generator,
                  params: Mapping[str, Any]) -> float:
    """The registered sample estimator of ``div`` on ``x`` ~ p and ``y`` ~ q.

    ``params`` may hold divergence and estimator parameters; both are checked and passed on
    (``ValueError`` for unknown names, out-of-range values, or an entry without an estimator).
    """
    if div.samples is None:
        raise ValueError(f"{div.name!r} has no sample estimator; use 'kde' or 'quadrature'")
    dparams, eparams = div.split_params(params)
    return div.samples(x, y, rng, **dparams, **eparams)


def estimate(div: Any, p: Any, q: Any, rng: np.random.Generator, n: int = DEFAULT_SAMPLES,
             params: Mapping[str, Any] | None = None) -> SampleEstimate:
    """Draw ``n`` samples of ``p`` then of ``q`` with ``rng`` and run the estimator of ``div``."""
    x = draw(p, n, rng)
    y = draw(q, n, rng)
    value = run_estimator(div, x, y, rng, params or {})
    return SampleEstimate(float(value), len(x), len(y), div.sample_estimator)
