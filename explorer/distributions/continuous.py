r"""Parametric continuous families: Gaussian (1-D and d-D), Student t, Laplace, uniform."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

from explorer._validation import (
    MAX_SCALE,
    MIN_SCALE,
    as_finite_array,
    as_location,
    as_positive_float,
    as_rng,
    as_sample_count,
    as_scale,
    check_locations,
)
from explorer.distributions.base import _LOG_2PI, Distribution, RngLike, _fmt

__all__ = ['Gaussian', 'Laplace', 'StudentT', 'Uniform']


class Gaussian(Distribution):
    r"""Normal distribution, 1-D ``Gaussian(mean, std)`` or d-D ``Gaussian(mean=[..], cov=[[..]])``.

    .. math:: \log p(x) = -\tfrac12 (x-\mu)^\top\Sigma^{-1}(x-\mu) - \tfrac12\log\det(2\pi\Sigma)

    Parameters
    ----------
    mean : float or array_like of shape (d,)
        Mean :math:`\mu`.
    std : float, optional
        Standard deviation (1-D form). Defaults to 1 when ``cov`` is not given.
    cov : array_like of shape (d, d), optional
        Covariance matrix, symmetric positive definite (d-D form).

    Raises
    ------
    ValueError
        If ``std <= 0``, ``cov`` is not symmetric positive definite, shapes disagree, or any
        parameter is NaN/infinite.

    Examples
    --------
    >>> Gaussian(1.0, 2.0).var
    4.0
    >>> Gaussian(mean=[0, 0], cov=[[1, 0.5], [0.5, 1]]).dim
    2
    """

    def __init__(self, mean: Any = 0.0, std: Any = None, *, cov: Any = None):
        if std is not None and cov is not None:
            raise ValueError("give either std (1-D) or cov (d-D), not both")
        if cov is None:
            self.dim = 1
            self._mu = as_location(mean, "mean")
            self.std = as_scale(1.0 if std is None else std, "std")
            self._cov = np.array([[self.std**2]])
            return
        cov_arr = as_finite_array(cov, "cov")
        if cov_arr.ndim == 0:
            cov_arr = cov_arr.reshape(1, 1)
        if cov_arr.ndim != 2 or cov_arr.shape[0] != cov_arr.shape[1]:
            raise ValueError(f"cov must be a square matrix, got shape {cov_arr.shape}")
        mu = check_locations(as_finite_array(mean, "mean").reshape(-1), "mean")
        d = cov_arr.shape[0]
        if mu.shape != (d,):
            raise ValueError(f"mean has {mu.size} entries but cov is {d}x{d}")
        if not np.allclose(cov_arr, cov_arr.T, rtol=1e-10, atol=1e-12):
            raise ValueError("cov must be symmetric")
        try:
            chol = np.linalg.cholesky(cov_arr)
        except np.linalg.LinAlgError:
            raise ValueError("cov must be positive definite") from None
        eig = np.linalg.eigvalsh(cov_arr)
        if not (MIN_SCALE**2 <= eig[0] and eig[-1] <= MAX_SCALE**2):
            raise ValueError(f"cov eigenvalues must be within [{MIN_SCALE**2:g}, {MAX_SCALE**2:g}] "
                             f"(standard deviations within [{MIN_SCALE:g}, {MAX_SCALE:g}]), "
                             f"got {eig[0]:g} … {eig[-1]:g}")
        if d == 1:
            self.dim = 1
            self._mu = float(mu[0])
            self.std = float(math.sqrt(cov_arr[0, 0]))
            self._cov = cov_arr.copy()
            return
        self.dim = d
        self._mu = mu
        self._cov = 0.5 * (cov_arr + cov_arr.T)
        self._chol = chol
        self._chol_inv = np.linalg.inv(chol)  # L⁻¹: Mahalanobis distances by one matmul
        self._logdet = 2.0 * float(np.sum(np.log(np.diag(chol))))

    @property
    def mean(self) -> Any:
        return self._mu if self.dim == 1 else self._mu.copy()

    @property
    def cov(self) -> np.ndarray:
        return self._cov.copy()

    def logpdf(self, x: Any) -> np.ndarray:
        x = self._points(x)
        if self.dim == 1:
            z = (x - self._mu) / self.std
            return -0.5 * z * z - math.log(self.std) - 0.5 * _LOG_2PI
        diff = x - self._mu
        flat = diff.reshape(-1, self.dim)
        sol = self._chol_inv @ flat.T  # L^{-1}(x - mu)
        maha = np.sum(sol * sol, axis=0).reshape(diff.shape[:-1])
        return -0.5 * (maha + self._logdet + self.dim * _LOG_2PI)

    def sample(self, n: int, rng: RngLike = None) -> np.ndarray:
        n = as_sample_count(n)
        g = as_rng(rng)
        if self.dim == 1:
            return self._mu + self.std * g.standard_normal(n)
        return self._mu + g.standard_normal((n, self.dim)) @ self._chol.T

    def cdf(self, x: Any) -> np.ndarray:
        return special.ndtr((self._points(x) - self._mu) / self.std)

    def sf(self, x: Any) -> np.ndarray:
        return special.ndtr((self._mu - self._points(x)) / self.std)

    def ppf(self, u: Any) -> np.ndarray:
        """Quantile function (1-D)."""
        return self._mu + self.std * special.ndtri(np.asarray(u, dtype=float))

    def resolution(self) -> float:
        return self.std if self.dim == 1 else super().resolution()

    def smoothed(self, s: float) -> Gaussian:
        if self.dim == 1:
            return Gaussian(self._mu, math.hypot(self.std, s))
        return Gaussian(mean=self._mu, cov=self._cov + s * s * np.eye(self.dim))

    def plot_range(self) -> Any:
        if self.dim == 1:
            return (self._mu - 4 * self.std, self._mu + 4 * self.std)
        s = np.sqrt(np.diag(self._cov))
        return tuple((float(m - 4 * si), float(m + 4 * si)) for m, si in zip(self._mu, s, strict=True))

    def _gm_parts(self):
        return (
            np.ones(1),
            np.atleast_1d(np.asarray(self._mu, dtype=float)).reshape(1, self.dim),
            self._cov.reshape(1, self.dim, self.dim).copy(),
        )

    def describe(self) -> str:
        if self.dim == 1:
            return f"N({_fmt(self._mu)}, {_fmt(self.std)}²)"
        return f"N(μ={np.round(self._mu, 3).tolist()}, Σ={np.round(self._cov, 3).tolist()})"



_T_SERIES_DF = 100.0
"""From this ν on, the Student-t normalising constant is taken from its large-ν series (exact to
round-off there; the difference of two gammaln's of size ν log ν loses ~ν·1e-16)."""


def _log_t_constant(nu: float) -> float:
    r"""Log of the normalising constant :math:`Γ(\tfrac{ν+1}2) / (Γ(\tfrac ν2)\sqrt{νπ})` of a unit Student t.

    For large ν the gammaln difference cancels (ν = 1e8 lost 1e-8, making KL(t_ν‖N) = 1e-8 instead of
    ~1e-16); there, with :math:`x = ν/2`, the asymptotic series
    :math:`\log Γ(x+\tfrac12) − \log Γ(x) = \tfrac12\log x − \tfrac1{8x} + \tfrac1{192x^3}
    − \tfrac1{640x^5} + \tfrac{17}{14336x^7} + O(x^{-9})` (from Stirling's series; DLMF 5.11.13)
    gives the constant as :math:`−\tfrac12\log 2π` plus a small correction, exact to round-off for
    ν ≥ 100 and tending to the Gaussian's.

    >>> abs(_log_t_constant(1e8) + 0.5 * math.log(2 * math.pi)) < 1e-8
    True
    """
    if nu < _T_SERIES_DF:
        return float(special.gammaln((nu + 1) / 2) - special.gammaln(nu / 2) - 0.5 * math.log(nu * math.pi))
    x = 0.5 * nu
    corr = -1 / (8 * x) + 1 / (192 * x**3) - 1 / (640 * x**5) + 17 / (14336 * x**7)
    return -0.5 * _LOG_2PI + corr


class StudentT(Distribution):
    r"""Student's t (1-D), heavy-tailed: :math:`p(x) \propto (1 + z^2/\nu)^{-(\nu+1)/2}`, :math:`z=(x-\mu)/s`.

    ``df = 1`` is the Cauchy distribution. The mean is ``nan`` (undefined) for ``df <= 1``; the
    variance is ``inf`` for ``1 < df <= 2`` and ``nan`` for ``df <= 1``.
    """

    dim = 1

    def __init__(self, df: float, loc: float = 0.0, scale: float = 1.0):
        self.df = as_positive_float(df, "df")
        self.loc = as_location(loc, "loc")
        self.scale = as_scale(scale, "scale")
        self._c = _log_t_constant(self.df) - math.log(self.scale)

    def logpdf(self, x: Any) -> np.ndarray:
        z = (self._points(x) - self.loc) / self.scale
        # log(1 + z²/ν) as logaddexp(0, 2 log|z| − log ν): z² overflows for |z| > 1.3e154
        with np.errstate(divide="ignore"):
            log_z2 = 2.0 * np.log(np.abs(z)) - math.log(self.df)
        return self._c - 0.5 * (self.df + 1) * np.logaddexp(0.0, log_z2)

    def sample(self, n: int, rng: RngLike = None) -> np.ndarray:
        return self.loc + self.scale * as_rng(rng).standard_t(self.df, as_sample_count(n))

    @property
    def mean(self) -> float:
        return self.loc if self.df > 1 else math.nan

    @property
    def cov(self) -> np.ndarray:
        if self.df > 2:
            v = self.scale**2 * self.df / (self.df - 2)
        elif self.df > 1:
            v = math.inf
        else:
            v = math.nan
        return np.array([[v]])

    def cdf(self, x: Any) -> np.ndarray:
        return special.stdtr(self.df, (self._points(x) - self.loc) / self.scale)

    def sf(self, x: Any) -> np.ndarray:
        return special.stdtr(self.df, (self.loc - self._points(x)) / self.scale)

    def resolution(self) -> float:
        return self.scale

    def plot_range(self) -> tuple[float, float]:
        half = self.scale * min(float(special.stdtrit(self.df, 0.99)), 12.0)
        half = max(half, 4 * self.scale)
        return (self.loc - half, self.loc + half)

    def describe(self) -> str:
        return f"t(ν={_fmt(self.df)}, {_fmt(self.loc)}, {_fmt(self.scale)})"


class Laplace(Distribution):
    r"""Laplace (double exponential), :math:`p(x) = \frac{1}{2b} e^{-|x-\mu|/b}` (1-D)."""

    dim = 1

    def __init__(self, loc: float = 0.0, scale: float = 1.0):
        self.loc = as_location(loc, "loc")
        self.scale = as_scale(scale, "scale")

    def logpdf(self, x: Any) -> np.ndarray:
        return -np.abs(self._points(x) - self.loc) / self.scale - math.log(2 * self.scale)

    def sample(self, n: int, rng: RngLike = None) -> np.ndarray:
        return as_rng(rng).laplace(self.loc, self.scale, as_sample_count(n))

    @property
    def mean(self) -> float:
        return self.loc

    @property
    def cov(self) -> np.ndarray:
        return np.array([[2 * self.scale**2]])

    def cdf(self, x: Any) -> np.ndarray:
        z = (self._points(x) - self.loc) / self.scale
        return np.where(z < 0, 0.5 * np.exp(np.minimum(z, 0)), 1 - 0.5 * np.exp(-np.maximum(z, 0)))

    def sf(self, x: Any) -> np.ndarray:
        z = (self._points(x) - self.loc) / self.scale
        return np.where(z > 0, 0.5 * np.exp(-np.maximum(z, 0)), 1 - 0.5 * np.exp(np.minimum(z, 0)))

    def resolution(self) -> float:
        return self.scale

    def breakpoints(self) -> tuple[float, ...]:
        return (self.loc,)

    def smoothed(self, s: float) -> Distribution:
        from explorer.distributions.smoothed import SmoothedLaplace

        return SmoothedLaplace(self.loc, self.scale, s)

    def plot_range(self) -> tuple[float, float]:
        return (self.loc - 6 * self.scale, self.loc + 6 * self.scale)

    def describe(self) -> str:
        return f"Laplace({_fmt(self.loc)}, {_fmt(self.scale)})"


class Uniform(Distribution):
    """Uniform on the closed interval ``[low, high]`` (1-D); ``logpdf`` is ``-inf`` outside."""

    dim = 1

    def __init__(self, low: float = 0.0, high: float = 1.0):
        self.low = as_location(low, "low")
        self.high = as_location(high, "high")
        if not self.high > self.low:
            raise ValueError(f"high must be > low, got low={self.low}, high={self.high}")
        as_scale(self.high - self.low, "high - low")

    def logpdf(self, x: Any) -> np.ndarray:
        x = self._points(x)
        inside = (x >= self.low) & (x <= self.high)
        return np.where(inside, -math.log(self.high - self.low), -np.inf)

    def sample(self, n: int, rng: RngLike = None) -> np.ndarray:
        return as_rng(rng).uniform(self.low, self.high, as_sample_count(n))

    @property
    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    @property
    def cov(self) -> np.ndarray:
        return np.array([[(self.high - self.low) ** 2 / 12]])

    def cdf(self, x: Any) -> np.ndarray:
        return np.clip((self._points(x) - self.low) / (self.high - self.low), 0.0, 1.0)

    def sf(self, x: Any) -> np.ndarray:
        return np.clip((self.high - self._points(x)) / (self.high - self.low), 0.0, 1.0)

    def resolution(self) -> float:
        return (self.high - self.low) / 4

    def breakpoints(self) -> tuple[float, ...]:
        return (self.low, self.high)

    def smoothed(self, s: float) -> Distribution:
        from explorer.distributions.smoothed import SmoothedUniform

        return SmoothedUniform(self.low, self.high, s)

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def plot_range(self) -> tuple[float, float]:
        pad = 0.15 * (self.high - self.low)
        return (self.low - pad, self.high + pad)

    def quad_range(self) -> tuple[float, float]:
        return (self.low, self.high)

    def describe(self) -> str:
        return f"U[{_fmt(self.low)}, {_fmt(self.high)}]"

