r"""The d → ∞ theory of Gaussian-kernel density estimation in large dimension.

G. Biroli & M. Mézard, "Kernel Density Estimators in Large Dimensions", arXiv:2408.05807 (2024).
With n = e^{αd} points of N(0, σ²I_d) and a test point from the same law, the KDE
:math:`\hat\rho_h(x) = (2\pi h^2)^{-d/2}\frac1n\sum_i e^{-|x-y_i|^2/(2h^2)}` is a sum of
exponentially many exponentially varying terms — a Random Energy Model. The formulas below are
derived through that mapping (they reproduce every statement of the paper's abstract and the
REM fluctuation theory of Bovier, Kurkova & Löwe, Ann. Probab. 30 (2002) 605) and are the
**d → ∞ limits**: at d ≈ 20–40 the finite-size crossovers sit 10–15 % higher in h.

With s ∈ (0, 1) (σ = 1, test point of typical norm, q = |x|²/d = 1):

* :math:`\alpha(s; q) = -\tfrac12\ln s - \tfrac{1-s}2 + \tfrac q2(1-s)^2`
  (q = 1: :math:`-\tfrac12\ln s - s(1-s)/2`), decreasing from ∞ to 0;
* condensation threshold :math:`h_G^2 = s/(1-s)`; CLT threshold :math:`h_{CLT}^2 = 2h_G^2`;
* stable-law index :math:`\mu(h, \alpha) = h^2/h_G^2`: μ > 2 Gaussian fluctuations (CLT),
  1 < μ < 2 a one-sided μ-stable law, μ < 1 extreme-value (a few nearest points carry the sum,
  :math:`E\sum p_i^2 \to 1 - \mu`);
* nearest-neighbour distance :math:`u_{min} = s + qs^2` and the KL-optimal bandwidth
  :math:`h_{KL}^2 = u_{min}` (< h_G: the optimum lies in the extreme-value regime);
* :math:`\mathrm{KL}/d \to \tfrac12\ln(1+h^2) + \frac{1}{2(1+h^2)} - \tfrac12` for h ≥ h_G and
  :math:`\tfrac12\ln h^2 + \alpha + u_{min}/(2h^2) - \tfrac12` below, minimal
  :math:`\tfrac12\ln(1+s) - s(1-s)/2` at h_KL.

General covariance (``eigenvalues`` λ_k of Σ): with
:math:`\Lambda(t) = \frac1d\sum_k[-\tfrac12\ln(1-2t\lambda_k) + t\lambda_k/(1-2t\lambda_k)]` and
:math:`G(t) = t\Lambda'(t) - \Lambda(t)`, the tilt t* < 0 solving G(t*) = α gives
:math:`h_G^2 = -1/(2t^*)`, :math:`h_{CLT}^2 = 2h_G^2`, :math:`h_{KL}^2 = \Lambda'(t^*)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize

__all__ = [
    "REGIMES",
    "Thresholds",
    "kl_per_dim",
    "log_density_per_dim",
    "participation_limit",
    "regime",
    "stable_index",
    "thresholds",
]

#: The three regimes, from large to small h, with what each means for choosing a bandwidth.
REGIMES: dict[str, str] = {
    "CLT": "μ > 2 (h > h_CLT): every data point contributes a little; the estimate fluctuates like a "
           "Gaussian around its mean, but that mean is the data law smoothed by h — an O(1) bias per "
           "dimension.",
    "stable": "1 < μ < 2 (h_G < h < h_CLT): the estimate still converges to its mean, but its fluctuations "
              "are set by the few largest terms and follow a one-sided μ-stable law; variance-based "
              "error bars are meaningless here.",
    "extreme-value": "μ < 1 (h < h_G): a handful of nearest data points carry the sum (Σp_i² → 1 − μ); "
                     "the estimate is exponentially smaller than its mean. The KL-optimal bandwidth "
                     "h_KL lies here.",
}


def _check_alpha(alpha: Any) -> np.ndarray:
    a = np.asarray(alpha, dtype=float)
    if np.any(~np.isfinite(a)) or np.any(a <= 0):
        raise ValueError(f"parameter 'alpha' must be finite and > 0, got {alpha!r}")
    return a


def _check_positive(v: Any, name: str) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"parameter {name!r} must be a number, got {v!r}") from None
    if not math.isfinite(f) or f <= 0:
        raise ValueError(f"parameter {name!r} must be finite and > 0, got {v!r}")
    return f


def _alpha_of_eps(eps: float, q: float) -> float:
    # α(s; q) with s = 1 − ε, accurate as ε → 0 (α ≈ (1/4 + q/2) ε²)
    return -0.5 * math.log1p(-eps) - 0.5 * eps + 0.5 * q * eps * eps


def _solve_s(alpha: float, q: float) -> float:
    f = lambda le: _alpha_of_eps(-math.expm1(le), q) - alpha  # noqa: E731  (ε = 1 − e^{le}, le = ln s)
    lo = -2.0 * alpha - 4.0 - abs(q)
    le = optimize.brentq(f, lo, -1e-300 if alpha > 1e-8 else -1e-12, xtol=1e-300, rtol=1e-15)
    return math.exp(le)


def _solve_tilt(alpha: float, lam: np.ndarray) -> tuple[float, float]:
    """t* < 0 with G(t*) = α for eigenvalues lam, and Λ'(t*)."""
    def parts(t: float) -> tuple[float, float]:
        a = 1.0 - 2.0 * t * lam
        big = -0.5 * np.log(a) + t * lam / a
        deriv = lam / a + lam / (a * a)
        return float(np.mean(big)), float(np.mean(deriv))

    def g(tau: float) -> float:          # G(−τ) − α, increasing in τ
        lam_t, dlam = parts(-tau)
        return -tau * dlam - lam_t - alpha

    hi = 1.0
    while g(hi) < 0:
        hi *= 4.0
        if hi > 1e300:
            raise ValueError("parameter 'alpha': no tilt solves G(t) = alpha")
    lo = hi / 4.0 if hi > 1.0 else 0.0
    tau = optimize.brentq(g, lo, hi, xtol=1e-300, rtol=1e-15)
    return -tau, parts(-tau)[1]


@dataclass(frozen=True)
class Thresholds:
    """Regime thresholds at α (arrays when α is an array).

    Attributes
    ----------
    alpha, s : float or ndarray
        α = (ln n)/d and the Gibbs tilt s = h_G²/(σ² + h_G²) (σ = 1 units).
    h_G, h_CLT, h_KL : float or ndarray
        Condensation, CLT and KL-optimal bandwidths, in data units (σ multiplies them).
    u_min : float or ndarray
        Typical squared nearest-neighbour distance divided by d (σ = 1 units) = h_KL²/σ².
    kl_min_per_dim : float or ndarray
        The minimal KL(ρ‖ρ̂)/d, at h_KL (isotropic case; nan for a general spectrum).
    sigma, q : float
        Data scale and |x|²/(dσ²) of the test point.
    """

    alpha: Any
    s: Any
    h_G: Any
    h_CLT: Any
    h_KL: Any
    u_min: Any
    kl_min_per_dim: Any
    sigma: float = 1.0
    q: float = 1.0


def thresholds(alpha: Any, sigma: float = 1.0, q: float = 1.0, eigenvalues: Any = None) -> Thresholds:
    r"""h_G(α), h_CLT(α) = √2·h_G, h_KL(α) for Gaussian data and a Gaussian kernel (d → ∞ limit).

    Parameters
    ----------
    alpha : float or array_like
        (ln n)/d, > 0.
    sigma : float
        Data scale (data N(0, σ²I)): every bandwidth is multiplied by σ.
    q : float
        |x|²/(dσ²) of the test point (1 = typical).
    eigenvalues : array_like, optional
        Spectrum of the data covariance (general recipe; ``sigma`` and ``q`` then unused).

    Examples
    --------
    >>> t = thresholds(0.2)
    >>> round(t.h_G, 4), round(t.h_CLT, 4), round(t.h_KL, 4)
    (1.0457, 1.4788, 0.8917)
    """
    a = _check_alpha(alpha)
    sigma = _check_positive(sigma, "sigma")
    q = _check_positive(q, "q")
    flat = a.reshape(-1)
    s = np.empty(flat.size)
    hg2 = np.empty(flat.size)
    umin = np.empty(flat.size)
    klmin = np.empty(flat.size)
    if eigenvalues is not None:
        lam = np.asarray(eigenvalues, dtype=float).reshape(-1)
        if lam.size == 0 or np.any(~np.isfinite(lam)) or np.any(lam < 0) or lam.max() <= 0:
            raise ValueError("parameter 'eigenvalues' must be finite, ≥ 0 and not all 0")
        for i, al in enumerate(flat):
            t, dl = _solve_tilt(float(al), lam)
            hg2[i] = -0.5 / t
            umin[i] = dl
        s = hg2 / (1 + hg2)
        klmin[:] = np.nan
        sig = 1.0
    else:
        for i, al in enumerate(flat):
            s[i] = _solve_s(float(al), q)
        hg2 = s / (1 - s)
        umin = s + q * s * s
        klmin = 0.5 * np.log1p(s) - 0.5 * s * (1 - s)
        sig = sigma

    def shape(v: np.ndarray) -> Any:
        return float(v[0]) if a.ndim == 0 else v.reshape(a.shape)

    hg = np.sqrt(hg2)
    return Thresholds(alpha=shape(flat), s=shape(s), h_G=shape(sig * hg),
                      h_CLT=shape(sig * math.sqrt(2) * hg),
                      h_KL=shape(sig * np.sqrt(umin)), u_min=shape(umin), kl_min_per_dim=shape(klmin),
                      sigma=sig, q=q)


def stable_index(h: Any, alpha: Any, sigma: float = 1.0) -> Any:
    """μ(h, α) = h²/h_G(α)²: > 2 CLT, 1–2 stable, < 1 extreme-value."""
    h = np.asarray(h, dtype=float)
    if np.any(~np.isfinite(h)) or np.any(h <= 0):
        raise ValueError(f"parameter 'h' must be finite and > 0, got {h!r}")
    hg = np.asarray(thresholds(alpha, sigma).h_G)
    mu = h**2 / hg**2
    return float(mu) if np.ndim(mu) == 0 else mu


def regime(h: Any, alpha: Any, sigma: float = 1.0) -> Any:
    """The regime name(s) at (h, α): ``"CLT"``, ``"stable"`` or ``"extreme-value"``."""
    mu = np.asarray(stable_index(h, alpha, sigma))
    out = np.where(mu > 2, "CLT", np.where(mu > 1, "stable", "extreme-value"))
    return str(out) if out.ndim == 0 else out


def participation_limit(h: Any, alpha: Any, sigma: float = 1.0) -> Any:
    """d → ∞ limit of E Σp_i²: 1 − μ below h_G (Poisson–Dirichlet PD(μ, 0)), 0 above."""
    mu = np.asarray(stable_index(h, alpha, sigma))
    out = np.clip(1.0 - mu, 0.0, None)
    return float(out) if out.ndim == 0 else out


def _branches(h: Any, alpha: float, sigma: float):
    t = thresholds(alpha, sigma)
    x2 = (np.asarray(h, dtype=float) / sigma) ** 2
    if np.any(~np.isfinite(x2)) or np.any(x2 <= 0):
        raise ValueError("parameter 'h' must be finite and > 0")
    return t, x2, x2 >= (t.h_G / sigma) ** 2


def kl_per_dim(h: Any, alpha: float, sigma: float = 1.0) -> Any:
    """d → ∞ limit of KL(ρ‖ρ̂_h)/d (annealed above h_G, condensed below)."""
    t, x2, above = _branches(h, alpha, sigma)
    with np.errstate(divide="ignore"):
        annealed = 0.5 * np.log1p(x2) + 0.5 / (1 + x2) - 0.5
        condensed = 0.5 * np.log(x2) + t.alpha + t.u_min / (2 * x2) - 0.5
    out = np.where(above, annealed, condensed)
    return float(out) if out.ndim == 0 else out


def log_density_per_dim(h: Any, alpha: float, sigma: float = 1.0) -> Any:
    """d → ∞ limit of (1/d) ln ρ̂_h(x) at a typical test point (σ = 1 units plus −ln σ)."""
    t, x2, above = _branches(h, alpha, sigma)
    annealed = -0.5 * np.log(2 * np.pi * (1 + x2)) - 0.5 / (1 + x2)
    condensed = -0.5 * np.log(2 * np.pi * x2) - t.alpha - t.u_min / (2 * x2)
    out = np.where(above, annealed, condensed) - math.log(sigma)
    return float(out) if out.ndim == 0 else out
