r"""Finite mixtures of distributions of one dimension, evaluated in log space."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from explorer._numerics import logsumexp
from explorer._validation import as_probability_vector, as_rng, as_sample_count
from explorer.distributions.base import Distribution, RngLike, _fmt

__all__ = ['Mixture']


class Mixture(Distribution):
    r"""Finite mixture :math:`p(x) = \sum_k w_k\, p_k(x)`, evaluated with ``logsumexp``.

    Parameters
    ----------
    components : sequence of Distribution
        Components, all of the same dimension.
    weights : array_like of shape (K,), optional
        Mixture weights, non-negative and summing to 1 (default: equal weights).

    Examples
    --------
    >>> from explorer.distributions import Gaussian
    >>> m = Mixture([Gaussian(-1, 1), Gaussian(1, 1)], [0.25, 0.75])
    >>> round(float(m.mean), 3)
    0.5
    """

    def __init__(self, components: Sequence[Distribution], weights: Any = None):
        comps = list(components)
        if not comps:
            raise ValueError("components must not be empty")
        for c in comps:
            if not isinstance(c, Distribution):
                raise ValueError(f"components must be Distribution objects, got {type(c).__name__}")
        dims = {c.dim for c in comps}
        if len(dims) != 1:
            raise ValueError(f"components must share one dimension, got dims {sorted(dims)}")
        self.dim = dims.pop()
        if weights is None:
            weights = np.full(len(comps), 1.0 / len(comps))
        w = as_probability_vector(weights, "weights")
        if w.size != len(comps):
            raise ValueError(f"weights has {w.size} entries for {len(comps)} components")
        self.components = comps
        self.weights = w
        with np.errstate(divide="ignore"):
            self._logw = np.log(w)

    def logpdf(self, x: Any) -> np.ndarray:
        x = self._points(x)
        terms = [lw + c.logpdf(x) for lw, c in zip(self._logw, self.components, strict=True)
                 if lw > -math.inf]
        return logsumexp(np.stack(terms), axis=0)

    def sample(self, n: int, rng: RngLike = None) -> np.ndarray:
        n = as_sample_count(n)
        g = as_rng(rng)
        counts = g.multinomial(n, self.weights)
        parts = [c.sample(int(k), g) for c, k in zip(self.components, counts, strict=True) if k > 0]
        out = np.concatenate(parts, axis=0)
        return out[g.permutation(n)]

    @property
    def mean(self) -> Any:
        means = [np.asarray(c.mean, dtype=float) for c in self.components]
        m = sum(w * mu for w, mu in zip(self.weights, means, strict=True))
        return float(m) if self.dim == 1 else np.asarray(m)

    @property
    def cov(self) -> np.ndarray:
        mu = np.atleast_1d(np.asarray(self.mean, dtype=float))
        out = np.zeros((self.dim, self.dim))
        for w, c in zip(self.weights, self.components, strict=True):
            mk = np.atleast_1d(np.asarray(c.mean, dtype=float))
            out += w * (c.cov + np.outer(mk - mu, mk - mu))
        return out

    def cdf(self, x: Any) -> np.ndarray:
        return sum(w * c.cdf(x) for w, c in zip(self.weights, self.components, strict=True))

    def sf(self, x: Any) -> np.ndarray:
        return sum(w * c.sf(x) for w, c in zip(self.weights, self.components, strict=True))

    def resolution(self) -> float:
        return min(c.resolution() for c in self._active())

    def breakpoints(self) -> tuple[float, ...]:
        return tuple(sorted({b for c in self.components for b in c.breakpoints()}))

    @property
    def support(self) -> tuple[float, float]:
        sup = [c.support for c in self._active()]
        return (min(s[0] for s in sup), max(s[1] for s in sup))

    def _active(self) -> list[Distribution]:
        return [c for w, c in zip(self.weights, self.components, strict=True) if w > 0]

    def _union(self, ranges: list[Any]) -> Any:
        if self.dim == 1:
            return (min(r[0] for r in ranges), max(r[1] for r in ranges))
        return tuple(
            (min(r[i][0] for r in ranges), max(r[i][1] for r in ranges)) for i in range(self.dim)
        )

    def plot_range(self) -> Any:
        return self._union([c.plot_range() for c in self._active()])

    def quad_range(self) -> Any:
        return self._union([c.quad_range() for c in self._active()])

    def smoothed(self, s: float) -> Distribution | None:
        parts = [c.smoothed(s) for c in self.components]
        if any(c is None for c in parts):
            return None
        return Mixture(parts, self.weights)

    def _gm_parts(self):
        parts = [c._gm_parts() for c in self.components]
        if any(p is None for p in parts):
            return None
        w = np.concatenate([wk * p[0] for wk, p in zip(self.weights, parts, strict=True)])
        return w, np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts])

    def describe(self) -> str:
        parts = zip(self.weights, self.components, strict=True)
        return " + ".join(f"{_fmt(w)}·{c.describe()}" for w, c in parts)

