r"""Pushforwards of a 1-D distribution through a smooth monotone bijection (affine, exp, sinh)."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from explorer._validation import as_finite_float, as_location, as_scale
from explorer.distributions.base import Distribution, RngLike, _fmt

__all__ = ['Affine', 'Bijection', 'Exp', 'Sinh', 'Transformed']


class Bijection(ABC):
    """A smooth strictly monotone map of the real line (or an interval) onto its image."""

    increasing: bool = True

    @abstractmethod
    def forward(self, x: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def inverse(self, y: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def log_abs_dinverse(self, y: np.ndarray) -> np.ndarray:
        """``log |d inverse(y) / dy|``."""

    @abstractmethod
    def describe(self) -> str: ...

    def image(self, lo: float, hi: float) -> tuple[float, float]:
        a, b = self.forward(np.array([lo, hi], dtype=float))
        return (float(min(a, b)), float(max(a, b)))


class Affine(Bijection):
    """``y = scale * x + shift`` (``scale != 0``; negative reflects)."""

    def __init__(self, scale: float = 1.0, shift: float = 0.0):
        self.scale = as_finite_float(scale, "scale")
        if self.scale == 0:
            raise ValueError("scale must be non-zero")
        as_scale(abs(self.scale), "|scale|")
        self.shift = as_location(shift, "shift")
        self.increasing = self.scale > 0

    def forward(self, x):
        return self.scale * x + self.shift

    def inverse(self, y):
        return (y - self.shift) / self.scale

    def log_abs_dinverse(self, y):
        return np.full(np.shape(y), -math.log(abs(self.scale)))

    def describe(self) -> str:
        return f"{_fmt(self.scale)}·x+{_fmt(self.shift)}"


class Exp(Bijection):
    """``y = exp(x)`` onto ``(0, inf)`` (turns a Gaussian into a log-normal)."""

    def forward(self, x):
        return np.exp(x)

    def inverse(self, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(y > 0, np.log(np.where(y > 0, y, 1.0)), -np.inf)

    def log_abs_dinverse(self, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(y > 0, -np.log(np.where(y > 0, y, 1.0)), -np.inf)

    def describe(self) -> str:
        return "exp"


class Sinh(Bijection):
    """``y = sinh(x)``: smooth, onto the real line, stretches the tails."""

    def forward(self, x):
        return np.sinh(x)

    def inverse(self, y):
        return np.arcsinh(y)

    def log_abs_dinverse(self, y):
        # -log sqrt(1 + y²) via hypot: squaring y overflows for |y| > 1.3e154
        return -np.log(np.hypot(1.0, y))

    def describe(self) -> str:
        return "sinh"


class Transformed(Distribution):
    r"""Pushforward :math:`Y = T(X)` of a 1-D distribution through a monotone bijection ``T``.

    :math:`\log p_Y(y) = \log p_X(T^{-1}(y)) + \log|dT^{-1}/dy|`. f-divergences are invariant
    under such maps, :math:`D_f(T_\#p\|T_\#q) = D_f(p\|q)`, which the tests check.
    """

    dim = 1

    def __init__(self, base: Distribution, transform: Bijection):
        if not isinstance(base, Distribution) or base.dim != 1:
            raise ValueError("base must be a 1-D Distribution")
        if not isinstance(transform, Bijection):
            raise ValueError("transform must be a Bijection")
        self.base = base
        self.transform = transform

    def logpdf(self, y: Any) -> np.ndarray:
        y = self._points(y)
        lo, hi = self.support
        inside = (y >= lo) & (y <= hi)
        safe = float(self.transform.forward(np.array(0.5 * sum(self.base.plot_range()))))
        ys = np.where(inside, y, safe)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            val = self.base.logpdf(self.transform.inverse(ys)) + self.transform.log_abs_dinverse(ys)
        return np.where(inside & np.isfinite(val), val, -np.inf)

    def sample(self, n: int, rng: RngLike = None) -> np.ndarray:
        return self.transform.forward(self.base.sample(n, rng))

    def _mc_moments(self) -> tuple[float, float]:
        s = self.sample(200_000, 12345)
        return float(np.mean(s)), float(np.var(s))

    @property
    def mean(self) -> float:
        """Mean, estimated by Monte Carlo (200 000 draws, fixed seed)."""
        return self._mc_moments()[0]

    @property
    def cov(self) -> np.ndarray:
        """Variance, estimated by Monte Carlo (200 000 draws, fixed seed)."""
        return np.array([[self._mc_moments()[1]]])

    def cdf(self, y: Any) -> np.ndarray:
        y = self._points(y)
        lo, hi = self.support
        with np.errstate(divide="ignore", invalid="ignore"):
            x = self.transform.inverse(np.clip(y, lo, hi))
            c = self.base.cdf(x) if self.transform.increasing else self.base.sf(x)
        return np.where(y < lo, 0.0, np.where(y > hi, 1.0, c))

    def sf(self, y: Any) -> np.ndarray:
        y = self._points(y)
        lo, hi = self.support
        with np.errstate(divide="ignore", invalid="ignore"):
            x = self.transform.inverse(np.clip(y, lo, hi))
            s = self.base.sf(x) if self.transform.increasing else self.base.cdf(x)
        return np.where(y < lo, 1.0, np.where(y > hi, 0.0, s))

    @property
    def support(self) -> tuple[float, float]:
        lo, hi = self.base.support
        with np.errstate(over="ignore"):
            return self.transform.image(lo, hi)

    def plot_range(self) -> tuple[float, float]:
        lo, hi = self.base.plot_range()
        return self.transform.image(lo, hi)

    def resolution(self) -> float:
        lo, hi = self.base.plot_range()
        xs = np.linspace(lo, hi, 257)
        ys = self.transform.forward(xs)
        slope = np.abs(np.diff(ys) / np.diff(xs))
        return float(self.base.resolution() * max(slope.min(), 1e-12))

    def breakpoints(self) -> tuple[float, ...]:
        bps = self.base.breakpoints()
        if not bps:
            return ()
        return tuple(sorted(float(v) for v in self.transform.forward(np.asarray(bps, dtype=float))))

    def describe(self) -> str:
        return f"{self.transform.describe()}({self.base.describe()})"

