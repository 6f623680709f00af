r"""Gaussian-smoothed densities :math:`p_s = p * \mathcal N(0, s^2)` in closed form.

``dist.smoothed(s)`` returns the distribution of :math:`X + sZ` (Z standard normal, independent)
where its density has a closed form, else ``None``: a Gaussian widens, a mixture smooths each
component, a KDE widens its kernel, and a uniform or a Laplace becomes one of the classes below.
The RBF MMD between densities uses it (:func:`explorer.divergences.measures.mmd_grid`): with
:math:`s = ℓ/\sqrt2`, :math:`\mathrm{MMD}^2 = \sqrt{2π}\,ℓ \int (p_s − q_s)^2\,dx`, a smooth
non-negative integrand whatever ℓ (the Gaussian kernel of variance ℓ² is the convolution of two
of variance ℓ²/2).

Both classes describe the windows where their smoothed jumps and kinks need nodes at the scale s
(``feature_windows``), which the 1-D quadrature adds to its per-component windows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

from explorer._validation import as_rng, as_sample_count
from explorer.distributions.base import Distribution, RngLike, _fmt

__all__ = ["SmoothedLaplace", "SmoothedUniform"]

FEATURE_HALF_WIDTH = 12.0
"""A smoothed jump or kink is resolved finely within this many s of it (Φ(−12) ≈ 2e-33)."""


def _log_gauss_interval(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """``log(Φ(β) − Φ(α))`` for ``α < β``, without cancellation in either tail."""
    with np.errstate(divide="ignore", invalid="ignore"):
        right = alpha > 0  # both in the right tail: Φ(−α) − Φ(−β)
        left = beta < 0  # both in the left tail: Φ(β) − Φ(α)
        la, lb = special.log_ndtr(-alpha), special.log_ndtr(-beta)
        r = la + np.log1p(-np.exp(lb - la))
        la2, lb2 = special.log_ndtr(beta), special.log_ndtr(alpha)
        lft = la2 + np.log1p(-np.exp(lb2 - la2))
        mid = np.log1p(-(special.ndtr(alpha) + special.ndtr(-beta)))
    return np.where(right, r, np.where(left, lft, mid))


class SmoothedUniform(Distribution):
    r"""``Uniform(low, high)`` convolved with :math:`\mathcal N(0, s^2)`:
    :math:`p_s(x) = [Φ((b − x)/s) − Φ((a − x)/s)] / (b − a)`."""

    dim = 1

    def __init__(self, low: float, high: float, s: float):
        self.low, self.high, self.s = float(low), float(high), float(s)

    def logpdf(self, x: Any) -> np.ndarray:
        x = self._points(x)
        return _log_gauss_interval((self.low - x) / self.s, (self.high - x) / self.s) - math.log(
            self.high - self.low)

    def sample(self, n: int, rng: RngLike = None) -> np.ndarray:
        g = as_rng(rng)
        n = as_sample_count(n)
        return g.uniform(self.low, self.high, n) + self.s * g.standard_normal(n)

    @property
    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    @property
    def cov(self) -> np.ndarray:
        return np.array([[(self.high - self.low) ** 2 / 12 + self.s**2]])

    def cdf(self, x: Any) -> np.ndarray:  # pragma: no cover - not needed by the MMD quadrature
        raise NotImplementedError("SmoothedUniform has no cdf")

    def resolution(self) -> float:
        return max((self.high - self.low) / 4, self.s)

    def feature_windows(self) -> list[tuple[float, float, float]]:
        h = FEATURE_HALF_WIDTH * self.s
        return [(e - h, e + h, self.s / 24) for e in (self.low, self.high)]

    def plot_range(self) -> tuple[float, float]:
        return (self.low - 4 * self.s, self.high + 4 * self.s)

    def quad_range(self) -> tuple[float, float]:
        return (self.low - 6 * self.s, self.high + 6 * self.s)

    def describe(self) -> str:
        return f"U[{_fmt(self.low)}, {_fmt(self.high)}] * N(0, {_fmt(self.s)}²)"


class SmoothedLaplace(Distribution):
    r"""``Laplace(μ, b)`` convolved with :math:`\mathcal N(0, s^2)`; with z = x − μ,

    .. math:: p_s(x) = \frac1{4b}\Big[\mathrm{erfcx}(w_-) + \mathrm{erfcx}(w_+)\Big] e^{-z^2/2s^2},
        \quad w_\mp = \frac{s^2/b \mp z}{\sqrt2\, s},

    each term switching to :math:`e^{s^2/2b^2 \mp z/b}\,\mathrm{erfc}(w_\mp)` where :math:`w_\mp < 0`
    (no overflow either way)."""

    dim = 1

    def __init__(self, loc: float, scale: float, s: float):
        self.loc, self.scale, self.s = float(loc), float(scale), float(s)

    def _log_term(self, z: np.ndarray) -> np.ndarray:
        b, s = self.scale, self.s
        w = (s * s / b - z) / (math.sqrt(2.0) * s)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            pos = np.log(special.erfcx(np.maximum(w, 0.0))) - 0.5 * (z / s) ** 2
            neg = 0.5 * (s / b) ** 2 - z / b + np.log(special.erfc(np.minimum(w, 0.0)))
        return np.where(w >= 0, pos, neg)

    def logpdf(self, x: Any) -> np.ndarray:
        z = self._points(x) - self.loc
        return np.logaddexp(self._log_term(z), self._log_term(-z)) - math.log(4 * self.scale)

    def sample(self, n: int, rng: RngLike = None) -> np.ndarray:
        g = as_rng(rng)
        n = as_sample_count(n)
        return g.laplace(self.loc, self.scale, n) + self.s * g.standard_normal(n)

    @property
    def mean(self) -> float:
        return self.loc

    @property
    def cov(self) -> np.ndarray:
        return np.array([[2 * self.scale**2 + self.s**2]])

    def cdf(self, x: Any) -> np.ndarray:  # pragma: no cover - not needed by the MMD quadrature
        raise NotImplementedError("SmoothedLaplace has no cdf")

    def resolution(self) -> float:
        return max(self.scale, self.s)

    def feature_windows(self) -> list[tuple[float, float, float]]:
        h = FEATURE_HALF_WIDTH * self.s
        return [(self.loc - h, self.loc + h, self.s / 24)]

    def plot_range(self) -> tuple[float, float]:
        w = 6 * self.scale + 4 * self.s
        return (self.loc - w, self.loc + w)

    def describe(self) -> str:
        return f"Laplace({_fmt(self.loc)}, {_fmt(self.scale)}) * N(0, {_fmt(self.s)}²)"
