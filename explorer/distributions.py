r"""Probability distributions: densities, samplers, moments and plotting ranges.

Every continuous distribution implements the same small interface, so the divergence
registry, the fitting code and the UI can treat them alike:

``logpdf(x)``
    log-density (natural log). For a 1-D distribution ``x`` has any shape and the result has
    the same shape; for a ``d``-dimensional one ``x`` has shape ``(..., d)`` and the result
    shape ``(...)``. Outside the support the log-density is ``-inf`` (never NaN).
``sample(n, rng)``
    ``n`` independent draws, shape ``(n,)`` in 1-D and ``(n, d)`` otherwise. ``rng`` is ``None``,
    an integer seed or a :class:`numpy.random.Generator`.
``mean``, ``var`` / ``cov``
    moments (``nan`` where a moment is undefined, ``inf`` where it is infinite).
``plot_range()``
    a sensible window to draw the density in.

1-D distributions also have ``cdf``/``sf`` (used by the Wasserstein quadrature) and describe
where their density has kinks or jumps (``breakpoints``) and how narrow its features are
(``resolution``), which the quadrature in :mod:`explorer.divergences` uses to place its grid.

:class:`Categorical` is the discrete case (a probability vector on an ordered support).

Examples
--------
>>> from explorer.distributions import Gaussian, Mixture
>>> p = Mixture([Gaussian(-2, 0.5), Gaussian(2, 0.5)], [0.5, 0.5])
>>> round(float(p.mean), 6), round(float(p.var), 6)
(0.0, 4.25)
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import special

from explorer._numerics import logsumexp
from explorer._validation import (
    as_finite_array,
    as_finite_float,
    as_positive_float,
    as_probability_vector,
    as_rng,
    as_sample_count,
)

__all__ = [
    "Affine",
    "Bijection",
    "Categorical",
    "Distribution",
    "Empirical",
    "Exp",
    "Gaussian",
    "Laplace",
    "Mixture",
    "Sinh",
    "StudentT",
    "Transformed",
    "Uniform",
    "gaussian_mixture_parts",
    "silverman_bandwidth",
]

_LOG_2PI = math.log(2.0 * math.pi)
RngLike = None | int | np.random.Generator


class Distribution(ABC):
    """Abstract base class of the continuous distributions.

    Subclasses set ``dim`` and implement :meth:`logpdf`, :meth:`sample`, :attr:`mean`,
    :attr:`cov` and :meth:`plot_range`; 1-D subclasses also implement :meth:`cdf` and
    :meth:`sf`.
    """

    dim: int = 1

    # -- interface ---------------------------------------------------------------------------
    @abstractmethod
    def logpdf(self, x: Any) -> np.ndarray:
        """Natural log of the density at ``x`` (``-inf`` outside the support)."""

    @abstractmethod
    def sample(self, n: int, rng: RngLike = None) -> np.ndarray:
        """Draw ``n`` samples: shape ``(n,)`` in 1-D, ``(n, d)`` otherwise."""

    @property
    @abstractmethod
    def mean(self) -> Any:
        """Mean (float in 1-D, array of shape ``(d,)`` otherwise; ``nan`` if undefined)."""

    @property
    @abstractmethod
    def cov(self) -> np.ndarray:
        """Covariance matrix, shape ``(d, d)`` (``[[var]]`` in 1-D)."""

    @abstractmethod
    def plot_range(self) -> Any:
        """A window that shows the density: ``(lo, hi)`` in 1-D, ``((x0, x1), (y0, y1))`` in 2-D."""

    @abstractmethod
    def describe(self) -> str:
        """Short human-readable description, e.g. ``'N(0, 1²)'``."""

    # -- derived -----------------------------------------------------------------------------
    def pdf(self, x: Any) -> np.ndarray:
        """Density at ``x`` (``exp(logpdf(x))``)."""
        return np.exp(self.logpdf(x))

    @property
    def var(self) -> Any:
        """Variance (1-D) or the vector of marginal variances (d-D)."""
        c = self.cov
        return float(c[0, 0]) if self.dim == 1 else np.diag(c).copy()

    def cdf(self, x: Any) -> np.ndarray:  # pragma: no cover - overridden by all 1-D classes
        """Cumulative distribution function (1-D only)."""
        raise NotImplementedError(f"{type(self).__name__} has no cdf")

    def sf(self, x: Any) -> np.ndarray:
        """Survival function ``1 - cdf(x)``, accurate in the right tail (1-D only)."""
        return 1.0 - self.cdf(x)

    def cdf_sf(self, x: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(cdf(x), sf(x))`` in one call (subclasses may share work between the two)."""
        return self.cdf(x), self.sf(x)

    def resolution(self) -> float:
        """Width of the narrowest feature of the density (sets the quadrature step)."""
        return float(np.sqrt(np.min(np.linalg.eigvalsh(self.cov))))

    def breakpoints(self) -> tuple[float, ...]:
        """Points where the 1-D density jumps or has a kink (quadrature grid nodes)."""
        return ()

    def quad_range(self) -> Any:
        """Range the quadrature grid must resolve finely; tails beyond it are handled apart."""
        return self.plot_range()

    @property
    def support(self) -> tuple[float, float]:
        """Closed interval outside which the 1-D density is zero."""
        return (-math.inf, math.inf)

    def _gm_parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()}>"

    # helpers for subclasses
    def _points(self, x: Any) -> np.ndarray:
        """Validate evaluation points: any shape in 1-D, ``(..., d)`` in d-D."""
        arr = np.asarray(x, dtype=float)
        if self.dim > 1 and (arr.ndim == 0 or arr.shape[-1] != self.dim):
            raise ValueError(
                f"x must have shape (..., {self.dim}) for a {self.dim}-D distribution, "
                f"got {arr.shape}"
            )
        if np.any(np.isnan(arr)):
            raise ValueError("x contains NaN")
        return arr


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def gaussian_mixture_parts(dist: Distribution) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Exact Gaussian-mixture form of ``dist`` or ``None``.

    Returns ``(weights (K,), means (K, d), covs (K, d, d))`` for a :class:`Gaussian`, a
    :class:`Mixture` of Gaussians and a Gaussian-kernel :class:`Empirical` (KDE); these admit
    closed forms for MMD and the Cauchy–Schwarz divergence.
    """
    return dist._gm_parts()


# =============================================================================================
# Gaussian
# =============================================================================================
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
            self._mu = as_finite_float(mean, "mean")
            self.std = as_positive_float(1.0 if std is None else std, "std")
            self._cov = np.array([[self.std**2]])
            return
        cov_arr = as_finite_array(cov, "cov")
        if cov_arr.ndim == 0:
            cov_arr = cov_arr.reshape(1, 1)
        if cov_arr.ndim != 2 or cov_arr.shape[0] != cov_arr.shape[1]:
            raise ValueError(f"cov must be a square matrix, got shape {cov_arr.shape}")
        mu = as_finite_array(mean, "mean").reshape(-1)
        d = cov_arr.shape[0]
        if mu.shape != (d,):
            raise ValueError(f"mean has {mu.size} entries but cov is {d}x{d}")
        if not np.allclose(cov_arr, cov_arr.T, rtol=1e-10, atol=1e-12):
            raise ValueError("cov must be symmetric")
        try:
            chol = np.linalg.cholesky(cov_arr)
        except np.linalg.LinAlgError:
            raise ValueError("cov must be positive definite") from None
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


# =============================================================================================
# Mixture
# =============================================================================================
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

    def _gm_parts(self):
        parts = [c._gm_parts() for c in self.components]
        if any(p is None for p in parts):
            return None
        w = np.concatenate([wk * p[0] for wk, p in zip(self.weights, parts, strict=True)])
        return w, np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts])

    def describe(self) -> str:
        parts = zip(self.weights, self.components, strict=True)
        return " + ".join(f"{_fmt(w)}·{c.describe()}" for w, c in parts)


# =============================================================================================
# Student t, Laplace, Uniform (1-D)
# =============================================================================================
class StudentT(Distribution):
    r"""Student's t (1-D), heavy-tailed: :math:`p(x) \propto (1 + z^2/\nu)^{-(\nu+1)/2}`, :math:`z=(x-\mu)/s`.

    ``df = 1`` is the Cauchy distribution. The mean is ``nan`` (undefined) for ``df <= 1``; the
    variance is ``inf`` for ``1 < df <= 2`` and ``nan`` for ``df <= 1``.
    """

    dim = 1

    def __init__(self, df: float, loc: float = 0.0, scale: float = 1.0):
        self.df = as_positive_float(df, "df")
        self.loc = as_finite_float(loc, "loc")
        self.scale = as_positive_float(scale, "scale")
        nu = self.df
        self._c = (
            special.gammaln((nu + 1) / 2) - special.gammaln(nu / 2)
            - 0.5 * math.log(nu * math.pi) - math.log(self.scale)
        )

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
        self.loc = as_finite_float(loc, "loc")
        self.scale = as_positive_float(scale, "scale")

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

    def plot_range(self) -> tuple[float, float]:
        return (self.loc - 6 * self.scale, self.loc + 6 * self.scale)

    def describe(self) -> str:
        return f"Laplace({_fmt(self.loc)}, {_fmt(self.scale)})"


class Uniform(Distribution):
    """Uniform on the closed interval ``[low, high]`` (1-D); ``logpdf`` is ``-inf`` outside."""

    dim = 1

    def __init__(self, low: float = 0.0, high: float = 1.0):
        self.low = as_finite_float(low, "low")
        self.high = as_finite_float(high, "high")
        if not self.high > self.low:
            raise ValueError(f"high must be > low, got low={self.low}, high={self.high}")

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


# =============================================================================================
# Empirical (KDE)
# =============================================================================================
def _logsumexp_rows(a: np.ndarray) -> np.ndarray:
    """Row-wise log-sum-exp of a finite 2-D array (faster than scipy's general version)."""
    m = a.max(axis=1)
    a -= m[:, None]
    np.exp(a, out=a)
    return m + np.log(a.sum(axis=1))


def silverman_bandwidth(x: Any) -> float:
    r"""Silverman's rule of thumb :math:`h = 0.9\,\min(\hat\sigma, \mathrm{IQR}/1.34)\, n^{-1/5}`.

    Silverman (1986), *Density Estimation for Statistics and Data Analysis*, eq. (3.31).
    Falls back to :math:`\hat\sigma` when the IQR is zero.
    """
    x = as_finite_array(x, "samples", ndim=1)
    n = x.size
    sigma = float(np.std(x, ddof=1))
    q75, q25 = np.percentile(x, [75, 25])
    iqr = float(q75 - q25) / 1.34
    spread = min(sigma, iqr) if iqr > 0 else sigma
    if spread <= 0:
        raise ValueError("samples have zero spread; a bandwidth cannot be chosen")
    return 0.9 * spread * n ** (-0.2)


class Empirical(Distribution):
    r"""Distribution of a data set: samples plus a Gaussian kernel density estimate.

    The density is the KDE :math:`\hat p(x) = \frac1n\sum_i \mathcal N(x; x_i, H)`, evaluated
    with ``logsumexp``; :meth:`sample` draws from that same density (smoothed bootstrap), so
    ``logpdf`` and ``sample`` describe one distribution. The raw data stay in ``samples``, and
    sample-based divergence estimators use them directly.

    Parameters
    ----------
    samples : array_like, shape (n,) or (n, d)
        The data (at least 2 points, finite, not all equal).
    bandwidth : float or {"silverman", "scott"}, optional
        1-D: the kernel standard deviation :math:`h` in data units, or a rule; default
        Silverman's rule of thumb :math:`0.9\min(\hat\sigma, \mathrm{IQR}/1.34)n^{-1/5}`.
        d-D: a float gives the isotropic kernel :math:`H = h^2 I`; the default ``"scott"`` gives
        :math:`H = n^{-2/(d+4)}\hat\Sigma` (Scott 1992).
    name : str, optional
        Label shown in plots.

    Attributes
    ----------
    bandwidth_ : float
        Resolved 1-D bandwidth (d-D: the square root of the smallest kernel eigenvalue).
    kernel_cov : ndarray, shape (d, d)
        Kernel covariance :math:`H`.
    """

    def __init__(self, samples: Any, bandwidth: Any = None, name: str | None = None):
        x = as_finite_array(samples, "samples")
        if x.ndim == 1 or (x.ndim == 2 and x.shape[1] == 1):
            x = x.reshape(-1)
            self.dim = 1
        elif x.ndim == 2:
            self.dim = x.shape[1]
        else:
            raise ValueError(f"samples must have shape (n,) or (n, d), got {x.shape}")
        n = x.shape[0]
        if n < 2:
            raise ValueError(f"samples must hold at least 2 points, got {n}")
        self.samples = x
        self.name = name
        if self.dim == 1:
            if np.ptp(x) == 0:
                raise ValueError("samples are all equal; a density cannot be estimated")
            if bandwidth is None or bandwidth == "silverman":
                h = silverman_bandwidth(x)
                self.bandwidth_rule = "Silverman's rule of thumb 0.9·min(σ, IQR/1.34)·n^(−1/5)"
            elif bandwidth == "scott":
                h = 1.06 * float(np.std(x, ddof=1)) * n ** (-0.2)
                self.bandwidth_rule = "Scott's rule 1.06·σ·n^(−1/5)"
            elif isinstance(bandwidth, str):
                raise ValueError(f"bandwidth must be a float, 'silverman' or 'scott', got {bandwidth!r}")
            else:
                h = as_positive_float(bandwidth, "bandwidth")
                self.bandwidth_rule = "fixed"
            self.bandwidth_ = h
            self.kernel_cov = np.array([[h * h]])
            self._sorted = np.sort(x)
        else:
            if bandwidth is None or bandwidth == "scott":
                sigma = np.cov(x, rowvar=False)
                H = n ** (-2.0 / (self.dim + 4)) * sigma
                self.bandwidth_rule = "Scott's rule H = n^(−2/(d+4))·Σ̂"
            elif isinstance(bandwidth, str):
                raise ValueError(f"bandwidth must be a float or 'scott' in {self.dim}-D, got {bandwidth!r}")
            else:
                h = as_positive_float(bandwidth, "bandwidth")
                H = h * h * np.eye(self.dim)
                self.bandwidth_rule = "fixed isotropic"
            try:
                self._chol = np.linalg.cholesky(H)
            except np.linalg.LinAlgError:
                raise ValueError("samples are degenerate (singular covariance)") from None
            self.kernel_cov = H
            self.bandwidth_ = float(np.sqrt(np.min(np.linalg.eigvalsh(H))))

    @property
    def n(self) -> int:
        """Number of data points."""
        return int(self.samples.shape[0])

    # 1-D evaluation points further than _FAR bandwidths from every sample only "see" the
    # samples within one bandwidth of the nearest extreme: every other kernel term is below
    # e^-40 of the largest, so dropping them changes the log-density by < n·e^-40.
    _FAR = 40.0

    def _split_1d(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        h = self.bandwidth_
        lo, hi = self._sorted[0], self._sorted[-1]
        left = flat < lo - self._FAR * h
        right = flat > hi + self._FAR * h
        return left, right, ~(left | right)

    def _lse_1d(self, x: np.ndarray, centres: np.ndarray) -> np.ndarray:
        out = np.empty(x.size)
        block = max(1, 4_000_000 // centres.size)
        for s in range(0, x.size, block):
            z = (x[s:s + block, None] - centres[None, :]) / self.bandwidth_
            out[s:s + block] = _logsumexp_rows(-0.5 * z * z)
        return out

    def logpdf(self, x: Any) -> np.ndarray:
        x = self._points(x)
        n = self.n
        if self.dim == 1:
            flat = x.reshape(-1)
            h = self.bandwidth_
            out = np.empty(flat.size)
            left, right, near = self._split_1d(flat)
            srt = self._sorted
            out[near] = self._lse_1d(flat[near], srt)
            out[left] = self._lse_1d(flat[left], srt[srt < srt[0] + h])
            out[right] = self._lse_1d(flat[right], srt[srt > srt[-1] - h])
            out += -math.log(n) - math.log(h) - 0.5 * _LOG_2PI
            return out.reshape(x.shape)
        flat = x.reshape(-1, self.dim)
        Linv = np.linalg.inv(self._chol)
        ys = self.samples @ Linv.T
        logdet = 2.0 * float(np.sum(np.log(np.diag(self._chol))))
        const = -math.log(n) - 0.5 * (logdet + self.dim * _LOG_2PI)
        out = np.empty(flat.shape[0])
        block = max(1, 4_000_000 // n)
        for s in range(0, flat.shape[0], block):
            xs = flat[s:s + block] @ Linv.T
            d2 = (
                np.sum(xs * xs, axis=1)[:, None] + np.sum(ys * ys, axis=1)[None, :]
                - 2.0 * xs @ ys.T
            )
            out[s:s + block] = _logsumexp_rows(-0.5 * np.maximum(d2, 0.0)) + const
        return out.reshape(x.shape[:-1])

    def sample(self, n: int, rng: RngLike = None) -> np.ndarray:
        n = as_sample_count(n)
        g = as_rng(rng)
        idx = g.integers(0, self.n, n)
        if self.dim == 1:
            return self.samples[idx] + self.bandwidth_ * g.standard_normal(n)
        return self.samples[idx] + g.standard_normal((n, self.dim)) @ self._chol.T

    @property
    def mean(self) -> Any:
        m = self.samples.mean(axis=0)
        return float(m) if self.dim == 1 else m

    @property
    def cov(self) -> np.ndarray:
        """Covariance of the KDE: the data covariance (ddof=0) plus the kernel covariance."""
        if self.dim == 1:
            return np.array([[float(np.var(self.samples)) + self.bandwidth_**2]])
        return np.cov(self.samples, rowvar=False, ddof=0) + self.kernel_cov

    def cdf_sf(self, x: Any) -> tuple[np.ndarray, np.ndarray]:
        """KDE cdf and survival function, each accurate in its own tail, in one pass."""
        x = self._points(x)
        flat = x.reshape(-1)
        left, right, near = self._split_1d(flat)
        cdf, sf = np.where(right, 1.0, 0.0), np.where(left, 1.0, 0.0)  # Φ(±40) is 0 or 1 in float64
        idx = np.flatnonzero(near)
        block = max(1, 4_000_000 // self.n)
        for s in range(0, idx.size, block):
            sel = idx[s:s + block]
            z = (flat[sel, None] - self.samples[None, :]) / self.bandwidth_
            tail = special.ndtr(-np.abs(z))  # the small one of Φ(z), 1 − Φ(z)
            neg = z < 0
            cdf[sel] = np.where(neg, tail, 1.0 - tail).mean(axis=1)
            sf[sel] = np.where(neg, 1.0 - tail, tail).mean(axis=1)
        return cdf.reshape(x.shape), sf.reshape(x.shape)

    def cdf(self, x: Any) -> np.ndarray:
        return self.cdf_sf(x)[0]

    def sf(self, x: Any) -> np.ndarray:
        return self.cdf_sf(x)[1]

    def resolution(self) -> float:
        return self.bandwidth_

    def plot_range(self) -> Any:
        if self.dim == 1:
            return (float(self.samples.min()) - 3 * self.bandwidth_,
                    float(self.samples.max()) + 3 * self.bandwidth_)
        sd = np.sqrt(np.diag(self.kernel_cov))
        return tuple(
            (float(self.samples[:, i].min() - 3 * sd[i]), float(self.samples[:, i].max() + 3 * sd[i]))
            for i in range(self.dim)
        )

    def _gm_parts(self):
        n = self.n
        return (
            np.full(n, 1.0 / n),
            self.samples.reshape(n, self.dim),
            np.broadcast_to(self.kernel_cov, (n, self.dim, self.dim)),
        )

    def describe(self) -> str:
        label = self.name or "data"
        return f"KDE of {label} (n={self.n}, h={_fmt(self.bandwidth_)})"


# =============================================================================================
# Pushforward through a monotone bijection (1-D)
# =============================================================================================
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
        self.shift = as_finite_float(shift, "shift")
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


# =============================================================================================
# Categorical (discrete)
# =============================================================================================
class Categorical:
    r"""A probability vector on an ordered support ``values[0] < values[1] < ...``.

    Parameters
    ----------
    probs : array_like of shape (K,)
        Non-negative, summing to 1 (within 1e-8).
    values : array_like of shape (K,), optional
        Strictly increasing support points (default ``0, 1, ..., K-1``); the Wasserstein
        distances use them as positions.
    labels : sequence of str, optional
        Category names for display.
    """

    dim = 0

    def __init__(self, probs: Any, values: Any = None, labels: Sequence[str] | None = None):
        self.probs = as_probability_vector(probs, "probs")
        k = self.probs.size
        if values is None:
            self.values = np.arange(k, dtype=float)
        else:
            v = as_finite_array(values, "values", ndim=1)
            if v.size != k:
                raise ValueError(f"values has {v.size} entries for {k} probabilities")
            if np.any(np.diff(v) <= 0):
                raise ValueError("values must be strictly increasing")
            self.values = v
        if labels is not None and len(labels) != k:
            raise ValueError(f"labels has {len(labels)} entries for {k} probabilities")
        self.labels = list(labels) if labels is not None else [str(i) for i in range(k)]

    @property
    def k(self) -> int:
        """Number of categories."""
        return int(self.probs.size)

    def logpmf(self, x: Any) -> np.ndarray:
        """Log-probability of support values ``x`` (``-inf`` off the support)."""
        x = np.asarray(x, dtype=float)
        idx = np.searchsorted(self.values, x)
        idx_c = np.clip(idx, 0, self.k - 1)
        on = self.values[idx_c] == x
        with np.errstate(divide="ignore"):
            return np.where(on, np.log(self.probs[idx_c]), -np.inf)

    logpdf = logpmf

    def sample(self, n: int, rng: RngLike = None) -> np.ndarray:
        n = as_sample_count(n)
        return as_rng(rng).choice(self.values, size=n, p=self.probs)

    @property
    def mean(self) -> float:
        return float(np.dot(self.probs, self.values))

    @property
    def var(self) -> float:
        return float(np.dot(self.probs, (self.values - self.mean) ** 2))

    def entropy(self) -> float:
        """Shannon entropy in nats."""
        p = self.probs[self.probs > 0]
        return float(-np.sum(p * np.log(p)))

    def describe(self) -> str:
        return "Cat(" + ", ".join(_fmt(v) for v in self.probs) + ")"

    def __repr__(self) -> str:
        return f"<Categorical {self.describe()}>"
