r"""The interface every distribution implements, and the helpers shared by the modules.

Every distribution implements the same small interface, so the divergence registry, the
fitting code and the UI can treat them alike:

``logpdf(x)``
    log-density (natural log; log-mass for a discrete distribution). For a 1-D distribution
    ``x`` has any shape and the result has the same shape; for a ``d``-dimensional one ``x`` has
    shape ``(..., d)`` and the result shape ``(...)``. Outside the support the log-density is
    ``-inf`` (never NaN).
``sample(n, rng)``
    ``n`` independent draws, shape ``(n, *batch_shape, *event_shape)``: ``(n,)`` in 1-D and
    ``(n, d)`` otherwise. ``rng`` is ``None``, an integer seed or a :class:`numpy.random.Generator`.
``mean``, ``var`` / ``cov``
    moments (``nan`` where a moment is undefined, ``inf`` where it is infinite).
``plot_range()``
    a sensible window to draw the density in.

Two capability fields say what a caller may do with a distribution, so that callers never test
class names or hard-code dimensions:

``discrete``
    ``True`` for a probability mass function on a finite support
    (:class:`~explorer.distributions.Categorical`, :class:`~explorer.distributions.Joint`);
    these have ``dim = 0`` (no continuous coordinates).
``batch_shape``
    ``()`` for one distribution; ``(B, ...)`` for a batch of independent distributions of one
    family held in one object (a batch of categorical rows, e.g. the softmax outputs of a model).
``on_grid``
    ``True`` when the density can be evaluated on a grid: continuous and ``dim`` in
    :data:`GRID_DIMS` (quadrature, density plots); beyond that, only samples are practical.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

__all__ = ["GRID_DIMS", "Distribution", "RngLike", "gaussian_mixture_parts"]

_LOG_2PI = math.log(2.0 * math.pi)
RngLike = None | int | np.random.Generator

GRID_DIMS: tuple[int, ...] = (1, 2)
"""Dimensions in which a density is evaluated on a grid (quadrature, plots); the one place this
limit is written. A grid of m points per axis costs m^d evaluations: beyond d = 2 the sample
estimators take over."""


class Distribution(ABC):
    """Abstract base class of every distribution (continuous and discrete).

    Subclasses set ``dim`` and implement :meth:`logpdf`, :meth:`sample`, :attr:`mean`,
    :attr:`cov`, :meth:`plot_range` and :meth:`describe`; continuous 1-D subclasses also
    implement :meth:`cdf` and :meth:`sf`. Discrete subclasses set ``discrete = True`` and
    ``dim = 0``; batched subclasses override :attr:`batch_shape`.
    """

    dim: int = 1
    discrete: bool = False

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Shape of the batch of independent distributions held (``()`` for one)."""
        return ()

    @property
    def event_shape(self) -> tuple[int, ...]:
        """Shape of one draw: ``()`` in 1-D (and for a categorical), ``(d,)`` otherwise."""
        return () if self.dim <= 1 else (self.dim,)

    @property
    def on_grid(self) -> bool:
        """Whether the density can be evaluated on a grid (continuous, ``dim`` in :data:`GRID_DIMS`)."""
        return not self.discrete and self.dim in GRID_DIMS

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

    def smoothed(self, s: float) -> Distribution | None:
        r"""The distribution of :math:`X + sZ`, Z ~ N(0, I) independent (the density convolved with a
        Gaussian of standard deviation ``s``), where it has a closed form; else ``None``. See
        :mod:`explorer.distributions.smoothed`."""
        return None

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

