r"""A real high-dimensional data set on the regime map: scikit-learn's handwritten digits.

``load_digits`` ships with scikit-learn (1,797 images of 8 × 8 pixels, d = 64; a copy of the UCI
"Optical Recognition of Handwritten Digits" test set, Alpaydin & Kaynak 1998, CC BY 4.0) and is
read from the installed package — nothing is downloaded. :func:`digits` standardises each pixel
(constant pixels stay 0). :func:`place` puts any (n, d) data set on the (α, h/σ) map: α = ln n / d,
the isotropic Scott and Silverman bandwidths (factors n^{-1/(d+4)} and
(4/((d+2)n))^{1/(d+4)} times the RMS coordinate sd σ), the thresholds of the isotropic theory at
that σ and of the general-spectrum recipe with the data's covariance eigenvalues, and the
regime each rule falls in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.kde.regimes.theory import Thresholds, thresholds

__all__ = ["Placement", "digits", "place"]


def digits() -> np.ndarray:
    """scikit-learn's digits (1797, 64), each pixel standardised (constant pixels left at 0)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - scikit-learn is a dependency
        raise ImportError("the digits data set needs scikit-learn (pip install scikit-learn)") from exc
    x = load_digits().data.astype(float)
    sd = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


@dataclass(frozen=True)
class Placement:
    """Where a data set sits on the regime map.

    Attributes
    ----------
    n, d : int
    alpha : float
    sigma : float
        RMS coordinate standard deviation.
    h : dict
        ``{"scott": h, "silverman": h}`` isotropic bandwidths in data units.
    mu : dict
        Stable index of each (isotropic theory at σ).
    regime : dict
        Regime name of each (isotropic theory).
    iso : Thresholds
        Isotropic theory (N(0, σ²I)).
    spectrum : Thresholds
        General recipe with the data's covariance spectrum.
    mu_spectrum, regime_spectrum : dict
        The same with the spectrum thresholds.
    """

    n: int
    d: int
    alpha: float
    sigma: float
    h: dict[str, float]
    mu: dict[str, float]
    regime: dict[str, str]
    iso: Thresholds
    spectrum: Thresholds
    mu_spectrum: dict[str, float]
    regime_spectrum: dict[str, str]


def _name(mu: float) -> str:
    return "CLT" if mu > 2 else ("stable" if mu > 1 else "extreme-value")


def place(x: Any) -> Placement:
    """Put data ``x`` (n, d) on the regime map (see the module docstring)."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[0] < 3 or x.shape[1] < 1 or not np.all(np.isfinite(x)):
        raise ValueError("parameter 'x' must be a finite (n, d) array with n ≥ 3")
    n, d = x.shape
    cov = np.atleast_2d(np.cov(x, rowvar=False))
    sigma = math.sqrt(float(np.mean(np.diag(cov))))
    if sigma == 0:
        raise ValueError("parameter 'x' is constant")
    alpha = math.log(n) / d
    h = {"scott": n ** (-1.0 / (d + 4)) * sigma,
         "silverman": (4.0 / ((d + 2) * n)) ** (1.0 / (d + 4)) * sigma}
    iso = thresholds(alpha, sigma)
    spec = thresholds(alpha, eigenvalues=np.clip(np.linalg.eigvalsh(cov), 0.0, None))
    mu = {k: (v / iso.h_G) ** 2 for k, v in h.items()}
    mu_s = {k: (v / spec.h_G) ** 2 for k, v in h.items()}
    return Placement(n=n, d=d, alpha=alpha, sigma=sigma, h=h, mu=mu,
                     regime={k: _name(v) for k, v in mu.items()}, iso=iso, spectrum=spec, mu_spectrum=mu_s,
                     regime_spectrum={k: _name(v) for k, v in mu_s.items()})
