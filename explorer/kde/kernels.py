r"""Kernel registry: gaussian, epanechnikov, tophat, biweight (all scaled to unit variance).

Every kernel is radial in the whitened coordinates :math:`u = H^{-1/2}(x - x_i)`:

.. math:: K_d(u) = c_{d,p}\,(1 - |u|^2/R_{d,p}^2)^p \ \text{for}\ |u| < R_{d,p}, \qquad
          R_{d,p} = \sqrt{d + 2p + 2},

with :math:`p = 0` (tophat), 1 (Epanechnikov) and 2 (biweight); the Gaussian is
:math:`(2\pi)^{-d/2} e^{-|u|^2/2}`. The radius makes each coordinate's variance 1
(:math:`E|u|^2 = R^2 d/(d + 2p + 2)`), so **the bandwidth is the kernel's standard deviation**
whatever the kernel (KDEpy's convention; scikit-learn's ``KernelDensity`` uses the support radius
instead). The normalising constant is
:math:`c_{d,p}^{-1} = R^d\,\pi^{d/2}\,\Gamma(p+1)/\Gamma(d/2 + p + 1)`.

References: Silverman (1986), *Density Estimation for Statistics and Data Analysis*, §3.3.2
and Table 3.1; Wand & Jones (1995), *Kernel Smoothing*, §2.7 and §4.5.

Examples
--------
>>> from explorer.kde.kernels import get_kernel
>>> k = get_kernel("epanechnikov")
>>> round(k.radius(1), 6)     # sqrt(5): unit variance
2.236068
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["GAUSSIAN_CUTOFF", "KERNELS", "Kernel", "get_kernel", "kernel_names"]

#: Gaussian kernels are cut at this many standard deviations on binned (FFT) paths; the kernel
#: there is e^-32 ≈ 1e-14 of its peak, below the FFT's own round-off.
GAUSSIAN_CUTOFF = 8.0


@dataclass(frozen=True)
class Kernel:
    """One kernel: its profile and the constants that make it a unit-variance density.

    Attributes
    ----------
    name, title : str
        Registry key and display name.
    power : int or None
        ``p`` of the profile :math:`(1 - r^2/R^2)^p`; ``None`` for the Gaussian.
    formula : str
        The 1-D kernel in words (unit variance).
    efficiency : float
        Asymptotic efficiency relative to Epanechnikov (Wand & Jones 1995, Table 2.1).
    compact : bool
        Finite support (density exactly 0 beyond ``radius``: log-density ``-inf``).
    """

    name: str
    title: str
    power: int | None
    formula: str
    efficiency: float

    @property
    def compact(self) -> bool:
        return self.power is not None

    def radius(self, d: int = 1) -> float:
        """Support radius in standard deviations (``inf`` for the Gaussian)."""
        if self.power is None:
            return math.inf
        return math.sqrt(d + 2 * self.power + 2)

    def cutoff(self, d: int = 1) -> float:
        """Radius at which binned paths truncate the kernel (the support, or GAUSSIAN_CUTOFF)."""
        return GAUSSIAN_CUTOFF if self.power is None else self.radius(d)

    def log_norm(self, d: int = 1) -> float:
        """log of the constant :math:`c_{d,p}` in front of the profile (unit covariance)."""
        if self.power is None:
            return -0.5 * d * math.log(2.0 * math.pi)
        p, r = self.power, self.radius(d)
        return -(d * math.log(r) + 0.5 * d * math.log(math.pi) + math.lgamma(p + 1)
                 - math.lgamma(0.5 * d + p + 1))

    def log_profile(self, r2: np.ndarray, d: int = 1) -> np.ndarray:
        """log of the unnormalised profile at squared whitened distance ``r2`` (``-inf`` outside)."""
        r2 = np.asarray(r2, dtype=float)
        if self.power is None:
            return -0.5 * r2
        t = 1.0 - r2 / (d + 2 * self.power + 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.power == 0:
                return np.where(t > 0, 0.0, -np.inf)
            return np.where(t > 0, self.power * np.log(np.maximum(t, 1e-300)), -np.inf)

    def log_kernel(self, r2: np.ndarray, d: int = 1) -> np.ndarray:
        """log K at squared whitened distance ``r2`` (unit covariance, d dimensions)."""
        return self.log_profile(r2, d) + self.log_norm(d)

    def kernel(self, r2: np.ndarray, d: int = 1) -> np.ndarray:
        """K at squared whitened distance ``r2`` (unit covariance, d dimensions)."""
        r2 = np.asarray(r2, dtype=float)
        c = math.exp(self.log_norm(d))
        if self.power is None:
            return c * np.exp(-0.5 * r2)
        t = np.clip(1.0 - r2 / (d + 2 * self.power + 2), 0.0, None)
        if self.power == 0:
            return c * (t > 0)
        return c * t**self.power


KERNELS: dict[str, Kernel] = {
    k.name: k
    for k in (
        Kernel("gaussian", "Gaussian", None, "exp(-u²/2)/√(2π)", 0.951),
        Kernel("epanechnikov", "Epanechnikov", 1, "(3/(4√5))(1 - u²/5) for u² < 5", 1.0),
        Kernel("tophat", "Top hat (uniform)", 0, "1/(2√3) for u² < 3", 0.930),
        Kernel("biweight", "Biweight (quartic)", 2, "(15/(16√7))(1 - u²/7)² for u² < 7", 0.994),
    )
}


def kernel_names() -> list[str]:
    """Names of the registered kernels."""
    return list(KERNELS)


def get_kernel(name: str | Kernel) -> Kernel:
    """The registry entry for ``name``; an unknown name raises ``ValueError`` listing the valid ones."""
    if isinstance(name, Kernel):
        return name
    try:
        return KERNELS[name]
    except (KeyError, TypeError):
        raise ValueError(f"parameter 'kernel': unknown kernel {name!r}; "
                         f"valid: {', '.join(KERNELS)}") from None
