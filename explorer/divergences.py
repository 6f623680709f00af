r"""One registry of divergences between probability distributions.

``compute(name, p, q)`` is :math:`D(p\|q)` - the first argument is the *target* / reference
distribution and the second the *model* when fitting. Hence **forward KL** is
``compute("kl", target, model)`` = KL(target‖model) and **reverse KL** is
``compute("reverse_kl", target, model)`` = KL(model‖target). Values are the true divergence
(never a surrogate such as a cross-entropy), in **nats** for the log-based ones unless a
``base`` is given, and ``inf`` where the divergence is truly infinite (e.g. disjoint supports);
never NaN.

How a value is obtained (``method``):

``"closed_form"``
    exact formulas for Gaussian pairs (KL, Rényi/α, χ², Hellinger, Bhattacharyya, W2, 1-D W1 and
    TV) and for Gaussian mixtures and KDEs (MMD, Cauchy–Schwarz).
``"quadrature"``
    log-space Simpson quadrature on a shared grid with infinite-tail detection (1-D and 2-D;
    see :mod:`explorer._quadrature`); exact sums for :class:`~explorer.distributions.Categorical`.
``"monte_carlo"``
    importance sampling of the same integrand from :math:`(p+q)/2` (densities needed).
``"samples"``
    estimators from samples only (k-NN KL, unbiased MMD², exact OT, Parzen CS); used when
    ``p`` and ``q`` are arrays of samples. Divergences without a dedicated estimator fall back
    to a Gaussian-KDE plug-in (``"kde"``).
``"auto"``
    closed form if one exists for the pair, else quadrature (densities), exact sums
    (categorical) or the sample estimator (arrays).

Examples
--------
>>> from explorer.distributions import Gaussian
>>> from explorer import divergences as dv
>>> round(dv.compute("kl", Gaussian(0, 1), Gaussian(1, 1)), 6)
0.5
>>> round(dv.compute("kl", Gaussian(0, 1), Gaussian(1, 1), method="quadrature"), 6)
0.5
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import special

from explorer import _notes
from explorer import _quadrature as quad
from explorer._backend import NEG_INF, ops_for, torch_single_thread
from explorer._backend import NP as NP_OPS
from explorer._numerics import logsumexp
from explorer._validation import as_finite_array, as_rng, as_sample_count
from explorer.distributions import (
    Categorical,
    Distribution,
    Empirical,
    Gaussian,
    gaussian_mixture_parts,
    silverman_bandwidth,
)

__all__ = [
    "REGISTRY",
    "Divergence",
    "DivergenceValue",
    "Param",
    "compute",
    "compute_all",
    "compute_both",
    "evaluate",
    "get",
    "names",
    "register",
]

LOG2 = math.log(2.0)
_END_TOL = 1e-6  # |alpha - 0|, |alpha - 1|, |order - 1| below which the KL limit is used
DEFAULT_MC_SAMPLES = 20_000
DEFAULT_SAMPLES = 2_000


# =============================================================================================
# Registry data model
# =============================================================================================
@dataclass(frozen=True)
class Param:
    """A continuous parameter of a divergence (e.g. the α of the α-divergence).

    ``scale`` is the power of the length unit of x that the parameter carries: 0 for a
    dimensionless one (α, a Rényi order), 1 for a length (an MMD bandwidth, a Parzen window), 2
    for a squared length (Sinkhorn's ε). ``default`` and ``slider`` are given for x in units of
    order one; a UI whose x-axis has length unit ``u`` multiplies them by ``u**scale``.
    """

    name: str
    default: float
    low: float = -math.inf
    high: float = math.inf
    slider: tuple[float, float] = (0.0, 1.0)
    doc: str = ""
    log_slider: bool = False
    scale: int = 0

    def check(self, value: Any) -> float:
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"parameter {self.name!r} must be a number, got {value!r}") from None
        if math.isnan(v) or not (self.low <= v <= self.high):
            raise ValueError(f"parameter {self.name!r} must lie in [{self.low}, {self.high}], got {v}")
        return v


@dataclass(frozen=True)
class Divergence:
    """One registry entry: the divergence, what is known about it, and how to compute it.

    ``measure(m, **params)`` works on a quadrature grid *or* a categorical pair (an object
    with ``lp``, ``lq``, ``integrate`` and ``integrate_log``); ``grid``/``categorical`` override
    it where positions matter (Wasserstein, MMD). ``closed_form(p, q, **params)`` returns a
    float or ``None`` if the pair has no closed form; ``samples(x, y, rng, **params)`` is the
    sample estimator. ``weight(log_r, **params)`` is ``log h(r)`` with ``h(r) = r² f''(r)``, the
    factor by which an f-divergence weights the score difference in its gradient (f-distill);
    ``fit_samples(xp, wp, xq, wq, **params)`` is a differentiable (numpy/torch) objective between
    weighted samples, used by :mod:`explorer.fitting`. For kernel discrepancies (MMD, energy)
    ``gm_kernel(a, b, **params)`` is the kernel inner product ⟨μ_a, μ_b⟩ of two Gaussian
    mixtures in torch (a sample set is a mixture of point masses), so that
    D = ⟨μ_p,μ_p⟩ − 2⟨μ_p,μ_q⟩ + ⟨μ_q,μ_q⟩ can be fitted exactly.
    """

    name: str
    label: str
    formula: str
    description: str
    reference: str
    symmetric: bool
    metric: bool
    sqrt_metric: bool
    f_divergence: bool
    behaviour: str | Callable[[Mapping[str, float]], str]
    units: str = "nats"
    log_based: bool = True
    bounded: str = ""
    generator: Callable[..., Any] | None = None
    generator_text: str = ""
    params: tuple[Param, ...] = ()
    measure: Callable[..., float] | None = None
    integrand: Callable[..., np.ndarray] | None = None
    grid: Callable[..., float] | None = None
    categorical: Callable[..., float] | None = None
    closed_form: Callable[..., float | None] | None = None
    samples: Callable[..., float] | None = None
    sample_estimator: str = ""
    sample_estimator_params: tuple[Param, ...] = ()
    weight: Callable[..., Any] | None = None
    weight_text: str = ""
    fit_samples: Callable[..., Any] | None = None
    gm_kernel: Callable[..., Any] | None = None
    notes: str = ""

    def resolve_params(self, given: Mapping[str, Any]) -> dict[str, float]:
        """Defaults merged with ``given``; unknown names and out-of-range values raise."""
        valid = {p.name: p for p in (*self.params, *self.sample_estimator_params)}
        unknown = set(given) - set(valid)
        if unknown:
            allowed = ", ".join(sorted(valid)) or "none"
            raise ValueError(
                f"unknown parameter(s) {sorted(unknown)} for {self.name!r}; valid: {allowed}"
            )
        out = {p.name: p.default for p in self.params}
        for k, v in given.items():
            out[k] = valid[k].check(v)
        return out

    def behaviour_for(self, params: Mapping[str, float] | None = None) -> str:
        """'mode-seeking', 'mode-covering' or 'balanced' (when fitting q to a target p)."""
        if callable(self.behaviour):
            return self.behaviour(self.resolve_params(params or {}))
        return self.behaviour

    def direction(self, p_name: str = "p", q_name: str = "q") -> str:
        sep = ", " if self.symmetric else "‖"
        return f"{self.label}({p_name}{sep}{q_name})"


@dataclass(frozen=True)
class DivergenceValue:
    """The result of :func:`evaluate`: the number and exactly what it is."""

    name: str
    label: str
    value: float
    units: str
    method: str
    note: str = ""
    params: Mapping[str, float] = field(default_factory=dict)

    @property
    def is_infinite(self) -> bool:
        return math.isinf(self.value)

    def __float__(self) -> float:
        return self.value


REGISTRY: dict[str, Divergence] = {}


def register(div: Divergence) -> Divergence:
    """Add ``div`` to the registry (the UI, tests and docs pick it up from there)."""
    if div.name in REGISTRY:
        raise ValueError(f"divergence {div.name!r} is already registered")
    REGISTRY[div.name] = div
    return div


def names() -> list[str]:
    """Names of all registered divergences, in registration order."""
    return list(REGISTRY)


def get(name: str) -> Divergence:
    """The registry entry called ``name`` (``ValueError`` listing the valid names otherwise)."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown divergence {name!r}; choose one of: {', '.join(REGISTRY)}") from None


# =============================================================================================
# Log-space integrands  q·f(p/q)  (lp, lq: log densities, may contain -inf; never NaN out)
# =============================================================================================
def _log_abs_expm1(d: Any) -> Any:
    """``log|e^d - 1|`` without overflow or cancellation (``-inf`` at ``d = 0``)."""
    ops = ops_for(d)
    with ops.quiet():
        return ops.log(-ops.expm1(-ops.abs(d))) + ops.maximum(d, 0.0)


def _exp_times_expm1_sq(la: Any, d: Any) -> Any:
    """``e^la · (e^d − 1)²`` in log space where it is large, directly where ``|d| < 1``.

    The split keeps both torch branches finite (no ``0·inf`` in gradients at ``d = 0``) and
    numpy free of ``0 · inf`` when ``e^la`` underflows while ``e^d`` overflows.
    """
    ops = ops_for(la, d)
    small = ops.abs(d) < 1.0
    d_small = ops.where(small, d, 0.0)
    d_big = ops.where(small, 1.0, d)
    return ops.where(small, ops.exp(la) * ops.square(ops.expm1(d_small)),
                     ops.exp(la + 2.0 * _log_abs_expm1(d_big)))


def _f_integrand(core: Callable[..., Any], f0: Any, fstar: Any) -> Callable[..., Any]:
    r"""Wrap the interior formula ``core`` with the boundary conventions of f-divergences.

    Where :math:`q = 0 < p` the integrand is :math:`p\, f^*(0)` with
    :math:`f^*(0) = \lim_{t\to\infty} f(t)/t`; where :math:`p = 0 < q` it is :math:`q f(0)`;
    where both vanish it is 0 (Liese & Vajda 2006). ``f0``/``fstar`` may depend on params.
    Works on numpy arrays and (batched, differentiable) torch tensors alike.
    """

    def integrand(lp: Any, lq: Any, **params: float) -> Any:
        ops = ops_for(lp, lq)
        lp, lq = ops.asarray(lp), ops.asarray(lq)
        pz, qz = lp == NEG_INF, lq == NEG_INF
        inner = ~(pz | qz)
        with ops.quiet():
            val = core(ops.where(inner, lp, 0.0), ops.where(inner, lq, 0.0), **params)
            a0 = f0(**params) if callable(f0) else f0
            a1 = fstar(**params) if callable(fstar) else fstar
            only_p = qz & ~pz
            only_q = pz & ~qz
            val = ops.where(only_p, math.inf if math.isinf(a1) else ops.exp(lp) * a1, val)
            val = ops.where(only_q, math.inf if math.isinf(a0) else ops.exp(lq) * a0, val)
            val = ops.where(pz & qz, 0.0, val)
        return val

    return integrand


def _kl_core(lp, lq):
    return ops_for(lp).exp(lp) * (lp - lq)


def _rkl_core(lp, lq):
    return ops_for(lq).exp(lq) * (lq - lp)


def _jeffreys_core(lp, lq):
    ops = ops_for(lp)
    return (ops.exp(lp) - ops.exp(lq)) * (lp - lq)


def _js_core(lp, lq):
    # log(p/m) = log 2 − log(1 + q/p) from the difference d = log q − log p: exactly 0 where
    # p = q. (lp − logaddexp(lp, lq) cancels two numbers of size |log p|; near the singular edge
    # of a log-Laplace that left noise of 1e-8 where the integrand is 0, which the tail test
    # then took for a divergent integral: JS(p, p) = inf.)
    ops = ops_for(lp, lq)
    d = lq - lp
    return 0.5 * (ops.exp(lp) * (LOG2 - ops.logaddexp(0.0, d))
                  + ops.exp(lq) * (LOG2 - ops.logaddexp(0.0, -d)))


def _hellinger_core(lp, lq):
    ops = ops_for(lp, lq)
    return 0.5 * ops.square(ops.exp(0.5 * lp) - ops.exp(0.5 * lq))


def _tv_core(lp, lq):
    ops = ops_for(lp, lq)
    return 0.5 * ops.abs(ops.exp(lp) - ops.exp(lq))


def _chi2_core(lp, lq):
    return _exp_times_expm1_sq(lq, lp - lq)


def _neyman_core(lp, lq):
    return _exp_times_expm1_sq(lp, lq - lp)


def _alpha_core_upper(lp, lq, a):
    """``q f_a(p/q)`` for ``a >= 1/2``: ``[p E(a-1, lp-lq) - (p - q)] / a``, E(b,r)=expm1(b r)/b."""
    ops = ops_for(lp, lq)
    b = a - 1.0
    lr = lp - lq
    if b == 0.0:
        pe = ops.exp(lp) * lr
    else:
        y = b * lr
        small = ops.abs(y) < 1.0
        y_small = ops.where(small, y, 0.0)
        y_big = ops.where(small, 1.0, y)
        pe = ops.where(
            small,
            ops.exp(lp) * ops.expm1(y_small) / b,
            ops.sign(y_big / b) * ops.exp(lp + _log_abs_expm1(y_big) - math.log(abs(b))),
        )
    return (pe - (ops.exp(lp) - ops.exp(lq))) / a


def _alpha_core(lp, lq, alpha):
    # q f_a(p/q) = p f_{1-a}(q/p): use the form whose leading factor is stable
    if alpha >= 0.5:
        return _alpha_core_upper(lp, lq, alpha)
    return _alpha_core_upper(lq, lp, 1.0 - alpha)


def _alpha_f0(alpha):
    return math.inf if alpha <= 0 else 1.0 / alpha


def _alpha_fstar(alpha):
    return math.inf if alpha >= 1 else 1.0 / (1.0 - alpha)


KL_INTEGRAND = _f_integrand(_kl_core, 0.0, math.inf)
RKL_INTEGRAND = _f_integrand(_rkl_core, math.inf, 0.0)
JEFFREYS_INTEGRAND = _f_integrand(_jeffreys_core, math.inf, math.inf)
JS_INTEGRAND = _f_integrand(_js_core, 0.5 * LOG2, 0.5 * LOG2)
HELLINGER_INTEGRAND = _f_integrand(_hellinger_core, 0.5, 0.5)
TV_INTEGRAND = _f_integrand(_tv_core, 0.5, 0.5)
CHI2_INTEGRAND = _f_integrand(_chi2_core, 1.0, math.inf)
NEYMAN_INTEGRAND = _f_integrand(_neyman_core, math.inf, 1.0)
_ALPHA_GENERIC = _f_integrand(_alpha_core, _alpha_f0, _alpha_fstar)


def ALPHA_INTEGRAND(lp, lq, alpha):
    """α-divergence integrand; the KL limits are used within 1e-6 of α = 1 and α = 0."""
    if abs(alpha - 1.0) < _END_TOL:
        return KL_INTEGRAND(lp, lq)
    if abs(alpha) < _END_TOL:
        return RKL_INTEGRAND(lp, lq)
    return _ALPHA_GENERIC(lp, lq, alpha=alpha)


def _log_chernoff_integrand(lp: Any, lq: Any, a: float) -> Any:
    """``log(p^a q^(1-a))`` with the limits 0^a and 0^(1-a) spelled out (never NaN)."""
    ops = ops_for(lp, lq)
    pz, qz = lp == NEG_INF, lq == NEG_INF
    with ops.quiet():
        v = a * ops.where(pz, 0.0, lp) + (1.0 - a) * ops.where(qz, 0.0, lq)

    def zero_power(exponent: float) -> float:  # log(0 ** exponent)
        return NEG_INF if exponent > 0 else (math.inf if exponent < 0 else 0.0)

    with ops.quiet():
        if a != 0.0:
            v = ops.where(pz & ~qz, zero_power(a), v)
        if a != 1.0:
            v = ops.where(qz & ~pz, zero_power(1.0 - a), v)
    return ops.where(pz & qz, NEG_INF, v)


# =============================================================================================
# Measures: a quadrature grid or a pair of probability vectors, behind one interface
# =============================================================================================
class _Discrete:
    """Two probability vectors on one support, with the integration interface of a grid."""

    def __init__(self, p: Categorical, q: Categorical):
        self.p, self.q = p, q
        with np.errstate(divide="ignore"):
            self.lp, self.lq = np.log(p.probs), np.log(q.probs)

    @staticmethod
    def integrate(g: np.ndarray) -> float:
        if np.any(np.isnan(g)):
            raise FloatingPointError("NaN in a categorical sum (please report this)")
        with np.errstate(over="ignore"):
            s = float(np.sum(g))
        return math.inf if math.isnan(s) else s

    @staticmethod
    def integrate_log(lg: np.ndarray) -> float:
        if np.any(np.isposinf(lg)):
            return math.inf
        return float(logsumexp(lg))

    def swapped(self) -> _Discrete:
        return _Discrete(self.q, self.p)


def _tv_measure(m: Any) -> float:
    """TV: exact from the CDFs at the crossing points on a 1-D grid (:meth:`Grid1D.tv_exact`), else
    the integral of ½|p − q|."""
    if isinstance(m, quad.Grid1D):
        return m.tv_exact()
    return m.integrate(TV_INTEGRAND(m.lp, m.lq))


def _from_integrand(integrand: Callable[..., np.ndarray]) -> Callable[..., float]:
    def measure(m: Any, **params: float) -> float:
        return m.integrate(integrand(m.lp, m.lq, **params))

    return measure


def _log_chernoff(m: Any, a: float) -> Any:
    """``log ∫ p^a q^(1-a)`` normalised by the grid masses of p and q (exact for p = q).

    Branch-free, so it also runs batched in torch (``m.lq`` of shape (R, m)).
    """
    li = m.integrate_log(_log_chernoff_integrand(m.lp, m.lq, a))
    zp = _log_mass(m.integrate_log(m.lp))
    zq = _log_mass(m.integrate_log(m.lq))
    return li - a * zp - (1.0 - a) * zq


def _log_mass(z: Any) -> Any:
    """A density's log-mass on a grid; ``+inf`` (a tail too heavy for the grid to judge, e.g. a
    Student t with ν = 0.01, half of whose mass lies beyond 1e30) is read as its true mass, 1."""
    return 0.0 if isinstance(z, float) and z == math.inf else z


def _renyi_measure(m: Any, order: float) -> Any:
    if abs(order - 1.0) < _END_TOL:
        return m.integrate(KL_INTEGRAND(m.lp, m.lq))
    if order == 0.0:
        # D_0 = -log Q(p > 0)
        ops = ops_for(m.lp, m.lq)
        lq_on = ops.where(m.lp > NEG_INF, m.lq, NEG_INF)
        return -(m.integrate_log(lq_on) - m.integrate_log(m.lq))
    # log I = +inf (order > 1, diverging) or -inf (disjoint, order < 1) both give +inf here
    return _log_chernoff(m, order) / (order - 1.0)


def _bhattacharyya_measure(m: Any) -> Any:
    return -_log_chernoff(m, 0.5)


def _cs_measure(m: Any) -> Any:
    """−log ∫pq + ½ log ∫p² + ½ log ∫q² (+inf when ∫pq = 0)."""
    lpq = m.integrate_log(m.lp + m.lq)
    lpp = m.integrate_log(2.0 * m.lp)
    lqq = m.integrate_log(2.0 * m.lq)
    return -lpq + 0.5 * (lpp + lqq)


# -- Wasserstein and MMD on a grid / on categorical vectors ------------------------------------
def _needs_1d(g: Any, what: str) -> None:
    if not isinstance(g, quad.Grid1D):
        raise NotImplementedError(f"{what} by quadrature is 1-D only")


def _w1_grid(g: quad.Grid1D) -> float:
    _needs_1d(g, "W1")
    return g.integrate(g.cdf_gap())


def _w2_grid(g: quad.Grid1D) -> float:
    """W2² = ∫ (x − T(x))² p(x) dx with T = Q_q∘F_p, integrated in both directions.

    The two integrals are equal when finite. Each sees the far tail of its own variable, so
    if either diverges W2 is infinite. Otherwise the *smaller* one is the reliable value:
    where one density stops at a finite edge (a uniform) while the other's quantile runs off
    to infinity, T has an integrable log singularity at that edge, which the Simpson node next
    to it turns into a large overestimate (taking the larger value gave W2(U[0,1], N(0,1)) =
    2.02 instead of 0.877); the other direction is smooth there. Apart from that, the error of
    the interpolated map T is ~1e-4 relative or less.
    """
    _needs_1d(g, "W2")
    vals = []
    for h in (g, g.swapped()):
        t = h.transport_map()
        with np.errstate(divide="ignore", over="ignore"):
            integrand = np.exp(h.lp + 2.0 * np.log(np.abs(h.x - t)))
        vals.append(h.integrate(integrand))
    if any(math.isinf(v) for v in vals):
        return math.inf
    return math.sqrt(max(min(vals), 0.0))


def _ot_1d(xa: np.ndarray, wa: np.ndarray, xb: np.ndarray, wb: np.ndarray, power: float) -> float:
    """Exact 1-D optimal transport cost ``(∫|Q_a(u) - Q_b(u)|^power du)^(1/power)``.

    Atoms ``xa`` (weights ``wa``) and ``xb`` (``wb``); the monotone (quantile) coupling is
    optimal for convex costs in 1-D.
    """
    ia, ib = np.argsort(xa, kind="stable"), np.argsort(xb, kind="stable")
    xa, wa, xb, wb = xa[ia], wa[ia], xb[ib], wb[ib]
    ca, cb = np.cumsum(wa), np.cumsum(wb)
    ca[-1] = cb[-1] = 1.0
    u = np.union1d(ca, cb)
    du = np.diff(np.concatenate([[0.0], u]))
    mid = u - 0.5 * du
    qa = xa[np.minimum(np.searchsorted(ca, mid), xa.size - 1)]
    qb = xb[np.minimum(np.searchsorted(cb, mid), xb.size - 1)]
    return float(np.dot(du, np.abs(qa - qb) ** power) ** (1.0 / power))


def _w1_categorical(m: _Discrete) -> float:
    cp, cq = np.cumsum(m.p.probs), np.cumsum(m.q.probs)
    return float(np.sum(np.abs(cp - cq)[:-1] * np.diff(m.p.values)))


def _w2_categorical(m: _Discrete) -> float:
    return _ot_1d(m.p.values, m.p.probs, m.q.values, m.q.probs, 2.0)


def _rbf(d2: np.ndarray, bandwidth: float) -> np.ndarray:
    return np.exp(-0.5 * d2 / bandwidth**2)


def _mmd_categorical(m: _Discrete, bandwidth: float) -> float:
    v = m.p.values
    d = m.p.probs - m.q.probs
    k = _rbf((v[:, None] - v[None, :]) ** 2, bandwidth)
    return max(float(d @ k @ d), 0.0)


def _mmd_grid(g: Any, bandwidth: float) -> float:
    """MMD² = ∬ k(x,y) (p-q)(x) (p-q)(y): masses linearly binned, then an FFT convolution."""
    _needs_1d(g, "MMD")
    mass = g.w * (np.exp(g.lp) - np.exp(g.lq))
    lo, hi = g.lo - 6 * bandwidth, g.hi + 6 * bandwidth
    step = min(g.step, bandwidth / 40.0)
    nb = int(min(max((hi - lo) / step, 64), 1 << 17))
    step = (hi - lo) / nb
    pos = np.clip((g.x - lo) / step, 0.0, nb - 1e-9)
    i0 = np.floor(pos).astype(int)
    frac = pos - i0
    bins = np.zeros(nb + 1)
    np.add.at(bins, i0, mass * (1 - frac))
    np.add.at(bins, i0 + 1, mass * frac)
    lags = np.arange(-nb, nb + 1) * step
    kern = _rbf(lags**2, bandwidth)
    size = 1 << math.ceil(math.log2(bins.size + kern.size))
    conv = np.fft.irfft(np.fft.rfft(bins, size) * np.fft.rfft(kern, size), size)
    smoothed = conv[nb: nb + bins.size]
    return max(float(bins @ smoothed), 0.0)


# =============================================================================================
# Closed forms
# =============================================================================================
def _gauss_pair(p: Any, q: Any) -> tuple[Gaussian, Gaussian] | None:
    if isinstance(p, Gaussian) and isinstance(q, Gaussian) and p.dim == q.dim:
        return p, q
    return None


def _moments(g: Gaussian) -> tuple[np.ndarray, np.ndarray]:
    return np.atleast_1d(np.asarray(g.mean, dtype=float)), g.cov


def _gauss_kl(p, q) -> float | None:
    """KL(N_p‖N_q) = ½[tr(Σq⁻¹Σp) + Δᵀ Σq⁻¹ Δ − d + ln det Σq/det Σp]."""
    if _gauss_pair(p, q) is None:
        return None
    mp, sp = _moments(p)
    mq, sq = _moments(q)
    d = mp.size
    sq_inv = np.linalg.inv(sq)
    diff = mq - mp
    _, ldp = np.linalg.slogdet(sp)
    _, ldq = np.linalg.slogdet(sq)
    return float(0.5 * (np.trace(sq_inv @ sp) + diff @ sq_inv @ diff - d + ldq - ldp))


def _gauss_log_chernoff(p, q, a: float) -> float | None:
    """log ∫ p^a q^(1-a) for Gaussians (Gil, Alajaji & Linder 2013); +inf if it diverges."""
    if _gauss_pair(p, q) is None:
        return None
    mp, sp = _moments(p)
    mq, sq = _moments(q)
    sa = a * sq + (1.0 - a) * sp
    eig = np.linalg.eigvalsh(sa)
    if np.any(eig <= 0):
        return math.inf
    diff = mp - mq
    _, lda = np.linalg.slogdet(sa)
    _, ldp = np.linalg.slogdet(sp)
    _, ldq = np.linalg.slogdet(sq)
    maha = float(diff @ np.linalg.solve(sa, diff))
    return float(-0.5 * a * (1.0 - a) * maha - 0.5 * (lda - (1.0 - a) * ldp - a * ldq))


def _closed_kl(p, q):
    return _gauss_kl(p, q)


def _closed_rkl(p, q):
    return _gauss_kl(q, p)


def _closed_jeffreys(p, q):
    a = _gauss_kl(p, q)
    return None if a is None else a + _gauss_kl(q, p)


def _closed_renyi(p, q, order):
    if _gauss_pair(p, q) is None:
        return None
    if abs(order - 1.0) < _END_TOL:
        return _gauss_kl(p, q)
    if order == 0.0:
        return 0.0
    li = _gauss_log_chernoff(p, q, order)
    return math.inf if li == math.inf else li / (order - 1.0)


def _closed_alpha(p, q, alpha):
    if _gauss_pair(p, q) is None:
        return None
    if abs(alpha - 1.0) < _END_TOL:
        return _gauss_kl(p, q)
    if abs(alpha) < _END_TOL:
        return _gauss_kl(q, p)
    li = _gauss_log_chernoff(p, q, alpha)
    if li == math.inf:
        return math.inf
    return float(-np.expm1(li) / (alpha * (1.0 - alpha)))


def _closed_hellinger(p, q):
    li = _gauss_log_chernoff(p, q, 0.5)
    return None if li is None else float(-np.expm1(li))


def _closed_bhattacharyya(p, q):
    li = _gauss_log_chernoff(p, q, 0.5)
    return None if li is None else -li


def _closed_chi2(p, q):
    li = _gauss_log_chernoff(p, q, 2.0)
    if li is None:
        return None
    return math.inf if li == math.inf else float(np.expm1(li))


def _closed_neyman(p, q):
    return _closed_chi2(q, p)


def _closed_w2(p, q):
    """W2² = |Δμ|² + tr(Σp + Σq − 2(Σq^½ Σp Σq^½)^½) (Dowson & Landau 1982)."""
    if _gauss_pair(p, q) is None:
        return None
    mp, sp = _moments(p)
    mq, sq = _moments(q)
    if mp.size == 1:
        return float(math.hypot(mp[0] - mq[0], math.sqrt(sp[0, 0]) - math.sqrt(sq[0, 0])))
    root_q = _sqrtm_psd(sq)
    cross = _sqrtm_psd(root_q @ sp @ root_q)
    w2sq = float(np.sum((mp - mq) ** 2) + np.trace(sp + sq - 2.0 * cross))
    return math.sqrt(max(w2sq, 0.0))


def _sqrtm_psd(a: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh(0.5 * (a + a.T))
    return (vecs * np.sqrt(np.maximum(vals, 0.0))) @ vecs.T


def _closed_w1(p, q):
    """1-D Gaussians: W1 = E|Δμ + Δσ Z| = |b|√(2/π) e^{−a²/2b²} + a(1 − 2Φ(−a/|b|))."""
    if _gauss_pair(p, q) is None or p.dim != 1:
        return None
    a = p.mean - q.mean
    b = abs(p.std - q.std)
    if b == 0:
        return abs(a)
    spread = b * math.sqrt(2 / math.pi) * math.exp(-0.5 * (a / b) ** 2)
    return float(spread + a * (1 - 2 * special.ndtr(-a / b)))


def _closed_tv(p, q):
    """1-D Gaussians: ½∫|p−q| from the crossing points; d-D equal covariances: 2Φ(δ/2)−1."""
    if _gauss_pair(p, q) is None:
        return None
    if p.dim > 1:
        mp, sp = _moments(p)
        mq, sq = _moments(q)
        if not np.allclose(sp, sq, rtol=1e-12, atol=1e-14):
            return None
        diff = mp - mq
        delta = math.sqrt(float(diff @ np.linalg.solve(sp, diff)))
        return float(2 * special.ndtr(delta / 2) - 1)
    m1, s1, m2, s2 = p.mean, p.std, q.mean, q.std
    # roots of log p(x) = log q(x): A x² + B x + C = 0
    A = 0.5 / s2**2 - 0.5 / s1**2
    B = m1 / s1**2 - m2 / s2**2
    C = 0.5 * m2**2 / s2**2 - 0.5 * m1**2 / s1**2 + math.log(s2 / s1)
    if abs(A) < 1e-14 * max(1 / s1**2, 1 / s2**2):
        if B == 0:
            return 0.0
        roots = [-C / B]
    else:
        disc = B * B - 4 * A * C
        if disc <= 0:
            return 0.0
        r = math.sqrt(disc)
        roots = sorted([(-B - r) / (2 * A), (-B + r) / (2 * A)])
    edges = [-math.inf, *roots, math.inf]
    tv = 0.0
    for lo, hi in itertools.pairwise(edges):
        mid = (lo + hi) / 2 if math.isfinite(lo + hi) else (hi - 1 if math.isfinite(hi) else lo + 1)
        if p.logpdf(mid) > q.logpdf(mid):
            tv += (p.cdf(hi) - p.cdf(lo)) - (q.cdf(hi) - q.cdf(lo))
    return float(tv)


_GM_MAX_PAIRS = 4_000_000


def _gm_log_cross(a, b, extra: float = 0.0) -> float:
    """log Σ_ij w_i v_j N(m_i − m_j; 0, S_i + S_j + extra·I)."""
    wa, ma, sa = a
    wb, mb, sb = b
    d = ma.shape[1]
    diff = ma[:, None, :] - mb[None, :, :]
    same_a = np.allclose(sa, sa[0])
    same_b = np.allclose(sb, sb[0])
    if same_a and same_b:
        s = sa[0] + sb[0] + extra * np.eye(d)
        sinv = np.linalg.inv(s)
        _, logdet = np.linalg.slogdet(s)
        maha = np.einsum("ijk,kl,ijl->ij", diff, sinv, diff)
        logn = -0.5 * (maha + logdet + d * math.log(2 * math.pi))
    else:
        s = sa[:, None] + sb[None, :] + extra * np.eye(d)
        sinv = np.linalg.inv(s)
        _, logdet = np.linalg.slogdet(s)
        maha = np.einsum("ijk,ijkl,ijl->ij", diff, sinv, diff)
        logn = -0.5 * (maha + logdet + d * math.log(2 * math.pi))
    return float(logsumexp(logn + np.log(wa)[:, None] + np.log(wb)[None, :]))


def _gm_log_gauss_cross(a, b, extra: float = 0.0):
    r"""Torch, batched: log Σ_ij w_i v_j N(m_i − m_j; 0, S_i + S_j + extra·I) for d ≤ 2.

    ``a``/``b`` are ``(w (..., K), m (..., K, d), S (..., K, d, d))``; leading axes broadcast.
    A component with S = 0 is a point mass, so a sample set is a valid (zero-covariance) mixture.
    """
    import torch

    (wa, ma, sa), (wb, mb, sb) = a, b
    diff = ma[..., :, None, :] - mb[..., None, :, :]
    s = sa[..., :, None, :, :] + sb[..., None, :, :, :]
    d = diff.shape[-1]
    if d == 1:
        var = s[..., 0, 0] + extra
        logn = -0.5 * (diff[..., 0] ** 2 / var + torch.log(2 * math.pi * var))
    elif d == 2:
        s00, s01, s11 = s[..., 0, 0] + extra, s[..., 0, 1], s[..., 1, 1] + extra
        det = s00 * s11 - s01 * s01
        d0, d1 = diff[..., 0], diff[..., 1]
        maha = (s11 * d0 * d0 - 2 * s01 * d0 * d1 + s00 * d1 * d1) / det
        logn = -0.5 * (maha + torch.log(det) + 2 * math.log(2 * math.pi))
    else:
        raise ValueError(f"Gaussian-mixture kernel terms support d ≤ 2, got d = {d}")
    lw = torch.log(wa)[..., :, None] + torch.log(wb)[..., None, :]
    return torch.logsumexp((logn + lw).flatten(-2), dim=-1)


def _gm_kernel_rbf(a, b, bandwidth: float = 1.0):
    r"""⟨μ_a, μ_b⟩ for the RBF kernel: E k(X,Y) = (2πℓ²)^{d/2} E N(X−Y; 0, ℓ²I) (torch, batched)."""
    d = a[1].shape[-1]
    return (0.5 * d * math.log(2 * math.pi * bandwidth**2) + _gm_log_gauss_cross(a, b, bandwidth**2)).exp()


def _gm_kernel_energy(a, b):
    r"""⟨μ_a, μ_b⟩ for the (conditionally p.d.) energy kernel −|x−y|, 1-D: −E|X−Y| (torch, batched).

    X − Y ~ N(Δ, s²) per component pair and E|X−Y| = s√(2/π) e^{−Δ²/2s²} + Δ(1 − 2Φ(−Δ/s)), which
    tends to |Δ| as s → 0 (point masses).
    """
    import torch

    (wa, ma, sa), (wb, mb, sb) = a, b
    if ma.shape[-1] != 1:
        raise ValueError("the Gaussian-mixture energy term is 1-D only")
    diff = ma[..., :, None, 0] - mb[..., None, :, 0]
    s = torch.sqrt(torch.clamp(sa[..., :, None, 0, 0] + sb[..., None, :, 0, 0], min=1e-300))
    mabs = s * math.sqrt(2 / math.pi) * torch.exp(-0.5 * (diff / s) ** 2) \
        + diff * (1 - 2 * torch.special.ndtr(-diff / s))
    return -(wa[..., :, None] * wb[..., None, :] * mabs).sum(dim=(-2, -1))


def _gm_parts_pair(p, q):
    if not (isinstance(p, Distribution) and isinstance(q, Distribution)) or p.dim != q.dim:
        return None
    a, b = gaussian_mixture_parts(p), gaussian_mixture_parts(q)
    if a is None or b is None:
        return None
    big = max(a[0].size, b[0].size)
    if big * big > _GM_MAX_PAIRS:
        return None
    return a, b


def _closed_cs(p, q):
    """Cauchy–Schwarz for Gaussian mixtures in closed form (Kampa, Hasanbelliu & Principe 2011)."""
    pair = _gm_parts_pair(p, q)
    if pair is None:
        return None
    a, b = pair
    return -_gm_log_cross(a, b) + 0.5 * (_gm_log_cross(a, a) + _gm_log_cross(b, b))


def _closed_mmd(p, q, bandwidth):
    """MMD² with the RBF kernel between Gaussian mixtures: E k(X,Y) = (2πℓ²)^{d/2} N(Δ; 0, S+ℓ²I)."""
    pair = _gm_parts_pair(p, q)
    if pair is None:
        return None
    a, b = pair
    d = a[1].shape[1]
    c = 0.5 * d * math.log(2 * math.pi * bandwidth**2)
    e = [math.exp(c + _gm_log_cross(u, v, bandwidth**2)) for u, v in ((a, a), (a, b), (b, b))]
    return max(e[0] - 2 * e[1] + e[2], 0.0)


# =============================================================================================
# Sample estimators
# =============================================================================================
def _as_2d(x: np.ndarray) -> np.ndarray:
    return x.reshape(-1, 1) if x.ndim == 1 else x


def _break_ties(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Add a tiny jitter (1e-9 of the spread) when points repeat, so k-NN distances are > 0."""
    if np.unique(x, axis=0).shape[0] == x.shape[0]:
        return x
    scale = np.std(x, axis=0) + 1e-300
    return x + 1e-9 * scale * rng.standard_normal(x.shape)


def knn_kl(x: np.ndarray, y: np.ndarray, k: int = 5, rng: Any = 0) -> float:
    r"""k-nearest-neighbour estimate of KL(P‖Q) from samples (Wang, Kulkarni & Verdú 2009).

    .. math:: \hat D = \frac{d}{n}\sum_{i=1}^n \log\frac{\nu_k(i)}{\rho_k(i)} + \log\frac{m}{n-1}

    :math:`\rho_k(i)`: distance from :math:`x_i` to its k-th nearest neighbour among the other
    x's; :math:`\nu_k(i)`: to its k-th nearest neighbour among the ``m`` y's. Repeated points
    are separated by a 1e-9 jitter. Consistent as n, m → ∞; biased at small n.
    """
    from scipy.spatial import cKDTree

    g = as_rng(rng)
    x = _break_ties(_as_2d(x), g)
    y = _break_ties(_as_2d(y), g)
    n, d = x.shape
    m = y.shape[0]
    if n <= k or m < k:
        raise ValueError(f"k-NN KL needs more than k={k} samples on each side (got {n} and {m})")
    rho = cKDTree(x).query(x, k=k + 1)[0][:, -1]
    nu = cKDTree(y).query(x, k=k)[0]
    nu = nu[:, -1] if nu.ndim == 2 else nu
    with np.errstate(divide="ignore"):
        est = d * float(np.mean(np.log(nu) - np.log(rho))) + math.log(m / (n - 1))
    return est


def mmd2_unbiased(x: np.ndarray, y: np.ndarray, bandwidth: float) -> float:
    r"""Unbiased U-statistic estimate of MMD² with an RBF kernel (Gretton et al. 2012, eq. 3).

    .. math:: \widehat{\mathrm{MMD}}^2_u = \frac{1}{n(n-1)}\sum_{i\ne j}k(x_i,x_j)
        + \frac{1}{m(m-1)}\sum_{i\ne j}k(y_i,y_j) - \frac{2}{nm}\sum_{i,j}k(x_i,y_j)

    It is unbiased, so it can be slightly negative when P = Q.
    """
    x, y = _as_2d(x), _as_2d(y)
    n, m = x.shape[0], y.shape[0]
    if n < 2 or m < 2:
        raise ValueError("MMD needs at least 2 samples on each side")

    def ksum(a, b):
        total = 0.0
        block = max(1, 2_000_000 // b.shape[0])
        bb = np.sum(b * b, axis=1)
        for s in range(0, a.shape[0], block):
            aa = a[s:s + block]
            d2 = np.sum(aa * aa, axis=1)[:, None] + bb[None, :] - 2 * aa @ b.T
            total += float(np.sum(_rbf(np.maximum(d2, 0.0), bandwidth)))
        return total

    kxx = (ksum(x, x) - n) / (n * (n - 1))
    kyy = (ksum(y, y) - m) / (m * (m - 1))
    kxy = ksum(x, y) / (n * m)
    return kxx + kyy - 2 * kxy


def ot_distance(x: np.ndarray, y: np.ndarray, power: int) -> float:
    """Exact Wasserstein-``power`` distance between two empirical measures (uniform weights).

    1-D: the quantile coupling (exact, O(n log n)). d-D: the network-simplex solver of POT
    (``ot.emd2``), O(n³) - keep n below a few thousand.
    """
    x, y = _as_2d(x), _as_2d(y)
    if x.shape[1] == 1:
        return _ot_1d(x[:, 0], np.full(x.shape[0], 1 / x.shape[0]),
                      y[:, 0], np.full(y.shape[0], 1 / y.shape[0]), float(power))
    import ot  # POT, imported lazily (slow to import)

    cost = ot.dist(x, y, metric="sqeuclidean" if power == 2 else "euclidean")
    a = np.full(x.shape[0], 1 / x.shape[0])
    b = np.full(y.shape[0], 1 / y.shape[0])
    val = float(ot.emd2(a, b, cost, numItermax=1_000_000))
    return math.sqrt(max(val, 0.0)) if power == 2 else val


def parzen_cs(x: np.ndarray, y: np.ndarray, bandwidth: float | None = None) -> float:
    r"""Parzen-window estimate of the Cauchy–Schwarz divergence (Principe 2010, ch. 2).

    With Gaussian windows of width σ the "information potentials" are
    :math:`\hat V(x,y) = \frac{1}{nm}\sum_{ij} N(x_i - y_j; 0, 2σ^2 I)` and
    :math:`\hat D_{CS} = -\log \hat V(x,y) + \tfrac12\log\hat V(x,x) + \tfrac12\log\hat V(y,y)`.
    Default σ: Silverman's rule on the pooled first coordinate.
    """
    x, y = _as_2d(x), _as_2d(y)
    if bandwidth is None:
        bandwidth = silverman_bandwidth(np.concatenate([x[:, 0], y[:, 0]]))
    s2 = 2 * bandwidth**2
    d = x.shape[1]

    def log_v(a, b):
        d2 = np.sum(a * a, 1)[:, None] + np.sum(b * b, 1)[None, :] - 2 * a @ b.T
        logk = -0.5 * np.maximum(d2, 0) / s2 - 0.5 * d * math.log(2 * math.pi * s2)
        return float(logsumexp(logk) - math.log(a.shape[0] * b.shape[0]))

    return -log_v(x, y) + 0.5 * (log_v(x, x) + log_v(y, y))


def _samples_kl(x, y, rng, k=5):
    return knn_kl(x, y, int(k), rng)


def _samples_rkl(x, y, rng, k=5):
    return knn_kl(y, x, int(k), rng)


def _samples_jeffreys(x, y, rng, k=5):
    return knn_kl(x, y, int(k), rng) + knn_kl(y, x, int(k), rng)


def _samples_w1(x, y, rng):
    return ot_distance(x, y, 1)


def _samples_w2(x, y, rng):
    return ot_distance(x, y, 2)


def _samples_mmd(x, y, rng, bandwidth=1.0):
    return mmd2_unbiased(x, y, bandwidth)


def _samples_cs(x, y, rng, window=None):
    return parzen_cs(x, y, window)


# =============================================================================================
# Differentiable objectives between weighted samples (numpy or torch; batched over restarts)
# =============================================================================================
# xp (n, d) with weights wp (n,): samples of p.  xq (R, m, d) with weights wq (R, m): samples of
# R models at once. Each returns an array of R values.
def _weighted_kernel_sums(xp, wp, xq, wq, kernel):
    ops = ops_for(xq)
    kqq = ops.sum(ops.sum(kernel(ops.sqdist(xq, xq)) * wq[..., :, None] * wq[..., None, :], -1), -1)
    kpq = ops.sum(ops.sum(kernel(ops.sqdist(xq, xp[None])) * wq[..., :, None] * wp[None, None, :], -1), -1)
    kpp = ops.sum(kernel(ops.sqdist(xp, xp)) * wp[:, None] * wp[None, :])
    return kpp, kpq, kqq


def mmd2_weighted(xp, wp, xq, wq, bandwidth: float = 1.0):
    r"""MMD² (RBF, V-statistic) between weighted empirical measures: exact for those measures."""
    ops = ops_for(xq)
    kpp, kpq, kqq = _weighted_kernel_sums(xp, wp, xq, wq, lambda d2: ops.exp(-0.5 * d2 / bandwidth**2))
    return ops.maximum(kpp - 2.0 * kpq + kqq, 0.0)


def energy_weighted(xp, wp, xq, wq):
    r"""Energy distance 2E|X−Y| − E|X−X'| − E|Y−Y'| between weighted empirical measures."""
    ops = ops_for(xq)
    kpp, kpq, kqq = _weighted_kernel_sums(xp, wp, xq, wq, lambda d2: ops.sqrt(ops.maximum(d2, 1e-30)))
    return ops.maximum(2.0 * kpq - kpp - kqq, 0.0)


def _uniform(w) -> bool:
    w = np.asarray(w.detach() if hasattr(w, "detach") else w)
    return bool(np.ptp(w) <= 1e-12 * np.max(w))


class _OTFit:
    """Exact W_power for fitting, by majorisation–minimisation on the transport plan.

    In 1-D the exact cost is cheap (sorted pairing, or POT's quantile functions) at every call.
    Otherwise the optimal plan π* (POT's network simplex) gives the objective
    (Σ π*_ij |x_i − y_j|^power)^(1/power), with the exact gradient (envelope theorem; q's dual
    potential for its weights). The registry's instance solves for π* at every call; the copy
    :mod:`explorer.fitting` takes per fit with ``fresh()`` re-solves only every ``REPLAN`` calls,
    in between an upper bound of W_power that Adam can follow (it touches W when fresh).
    """

    REPLAN = 4

    def __init__(self, power: int, replan: int = 1) -> None:
        self.power = power
        self.replan = replan
        self.calls = 0
        self.plan: Any = None

    def fresh(self) -> _OTFit:
        return type(self)(self.power, self.REPLAN)

    def __call__(self, xp, wp, xq, wq):
        ops = ops_for(xq)
        r, _, d = xq.shape
        if d == 1:
            return _ot_1d_weighted(xp, wp, xq, wq, self.power)
        import ot  # ~1 s to import: only where it is needed

        xqn, xpn, a, b = (np.asarray(ops.detach(v), dtype=float) for v in (xq, xp, wq, wp))
        if self.plan is None or self.calls % self.replan == 0 or self.plan.shape != (r, len(a[0]), len(b)):
            cn = NP_OPS.sqdist(xqn, xpn[None])
            if self.power == 1:
                cn = np.sqrt(cn)
            solved = [ot.emd(a[i], b, cn[i], log=True) for i in range(r)]
            self.plan = np.stack([s[0] for s in solved])
            self.plan_t = ops.asarray(self.plan)  # for W₁, whose cost has no such split
            # dual potential of q's side: the derivative of the cost in q's weights (mixtures)
            self.u = ops.asarray(np.stack([s[1]["u"] for s in solved]))
            # for W₂, Σ π|x − y|² = Σ_i r_i|x_i|² − 2Σ_i x_i·(πy)_i + Σ_j s_j|y_j|²: with π fixed,
            # only these O(n·d) terms of q's points carry gradients, not the n×m cost matrix
            self.rows = ops.asarray(self.plan.sum(-1))
            self.py = ops.asarray(self.plan @ xpn)
            self.yy = float(np.sum(b * np.sum(xpn * xpn, -1)))
        self.calls += 1
        if self.power == 2:
            xx, xy = ops.sum(xq * xq, -1), ops.sum(xq * self.py, -1)
            cost = ops.sum(self.rows * xx - 2.0 * xy, -1) + self.yy
        else:
            c = ops.sqrt(ops.maximum(ops.sqdist(xq, xp[None]), 1e-30))
            cost = ops.sum(ops.sum(self.plan_t * c, -1), -1)
        cost = cost + ops.sum((wq - ops.detach(wq)) * self.u, -1)
        return ops.maximum(cost, 0.0) ** (1.0 / self.power)


def _ot_1d_weighted(xp, wp, xq, wq, power: int):
    """Exact 1-D W_power between weighted samples (batched over q's leading axis; autograd)."""
    ops = ops_for(xq)
    r, n, _ = xq.shape
    if n == xp.shape[0] and _uniform(wq) and _uniform(wp):
        # equal uniform weights: the monotone coupling pairs the sorted samples
        diff = ops.abs(ops.t.sort(xq[..., 0], dim=-1)[0] - ops.t.sort(xp[:, 0])[0][None]) \
            if ops.name == "torch" else np.abs(np.sort(xq[..., 0], -1) - np.sort(xp[:, 0])[None])
        return (ops.sum(diff**power, -1) / n) ** (1.0 / power)
    import ot  # ~1 s to import: only where it is needed

    u = xq[..., 0].T
    uw = wq.T
    if ops.name == "torch":
        v, vw = xp[:, :1].expand(-1, r), wp[:, None].expand(-1, r)
    else:
        v, vw = np.broadcast_to(xp[:, :1], (xp.shape[0], r)), np.broadcast_to(wp[:, None], (wp.size, r))
    return ot.wasserstein_1d(u, v, uw, vw, p=power) ** (1.0 / power)


def _marginal_error(log_w, pot, pot_t, e, dims: Any = -1):
    """Σ_i w_i |exp((pot_i − T_i)/ε) − 1| over ``dims`` (torch): the L1 error of one marginal of
    the plan with potential ``pot`` when the other side's softmin gives ``pot_t``."""
    import torch

    r = torch.clamp((pot - pot_t) / e, max=50.0)
    return (log_w.exp() * torch.expm1(r).abs()).sum(dims)


NEWTON_MAX_SIZE = 600  # Sinkhorn–Newton polish only where an m×m solve is cheap
NEWTON_AFTER = 50  # sweeps before a small problem that has not converged switches to Newton
SINKHORN_OMEGA = 1.8  # over-relaxation of the final (target-ε) phase, see _sinkhorn_potentials


def _sinkhorn_newton(c, la, lb, eps, g, tol, steps=60):
    r"""Newton's method on the semi-dual :math:`Φ(g) = ⟨a, f(g)⟩ + ⟨b, g⟩`, f = T(g) (batched).

    Sinkhorn–Newton (Brauer, Clason, Lorenz & Wirth 2017, "A Sinkhorn–Newton method for entropic
    optimal transport"): with P the row-conditional plan, ∇Φ = b − Pᵀa and
    −ε∇²Φ = diag(Pᵀa) − Pᵀ diag(a) P, positive semi-definite with null vector 1 (the gauge
    g → g + t, fixed by adding 11ᵀ/m since ∇Φ ⊥ 1). Quadratic convergence where Sinkhorn stalls;
    steps halve until Φ does not decrease. Returns (f, g, converged).
    """
    import torch

    m = c.shape[-1]
    a, b = la.exp(), lb.exp()

    def semi_dual(g):
        z = lb[..., None, :] + (g[..., None, :] - c) / eps
        f = -eps * torch.logsumexp(z, dim=-1)
        return f, torch.softmax(z, dim=-1), (a * f).sum(-1) + (b * g).sum(-1)

    gauge = torch.full((m, m), 1.0 / m, dtype=c.dtype)
    f, p_rows, phi = semi_dual(g)
    for _ in range(steps):
        column = (a[..., :, None] * p_rows).sum(-2)
        if float((b - column).abs().sum(-1).max()) < tol:
            g_t = -eps * torch.logsumexp(((f + eps * la)[..., :, None] - c) / eps, dim=-2)
            return f, g, bool(float(_marginal_error(lb, g, g_t, eps).max()) < tol)
        # + a small ridge: near-deterministic plans (cost ≫ ε) make the Hessian nearly singular
        plan_gram = p_rows.transpose(-1, -2) @ (a[..., :, None] * p_rows)
        hess = torch.diag_embed(column * (1.0 + 1e-9)) - plan_gram + gauge
        step, info = torch.linalg.solve_ex(hess, (b - column)[..., None])
        if bool((info != 0).any()) or not bool(torch.isfinite(step).all()):
            return f, g, False  # Sinkhorn sweeps carry on
        step = eps * step[..., 0]
        t = 1.0
        while True:
            f_new, p_new, phi_new = semi_dual(g + t * step)
            if bool((phi_new >= phi - 1e-15 * phi.abs()).all()) or t < 1e-6:
                break
            t *= 0.5
        g, f, p_rows, phi = g + t * step, f_new, p_new, phi_new
    return f, g, False


def _sinkhorn_sweeps(softmin, la, lb, f, g, e, n_iter, stop, omega=1.0, symmetric=False, dims: Any = -1):
    """``n_iter`` log-domain Sinkhorn sweeps at temperature ``e`` (torch), over-relaxed by ``omega``.

    ``softmin(h, e, rows)`` is the c-transform: with ``rows`` the new f from h = g + ε log b,
    else the new g from h = f + ε log a (a dense cost matrix, or the separable grid kernel). The
    symmetric problem (a = b) averages f with its transform instead. With ``stop`` > 0, returns as
    soon as the L1 error of the marginals (summed over ``dims``) is below it. Returns (f, g,
    converged)."""
    for _ in range(n_iter):
        f_t = softmin(g + e * lb, e, True)
        if symmetric:
            f_new = 0.5 * (f + f_t)
            g_new = f_new
        else:
            f_new = (1.0 - omega) * f + omega * f_t
            g_t = softmin(f_new + e * la, e, False)
            g_new = (1.0 - omega) * g + omega * g_t
        if stop > 0:
            err = _marginal_error(la, f, f_t, e, dims)
            if not symmetric:
                err = err + _marginal_error(lb, g, g_t, e, dims)
            if float(err.max()) < stop:
                return f_new, g_new, True
        f, g = f_new, g_new
    return f, g, False


def _sinkhorn_potentials(c, la, lb, eps, f=None, g=None, iters=20000, tol=None, symmetric=False,
                         warn=True):
    """Log-domain Sinkhorn: potentials (f, g) of entropic OT with cost ``c`` (batched).

    ``la``/``lb`` are log-weights. Without a warm start, ε is annealed from the squared diameter
    of the problem down to the target (ε-scaling, as in Feydy et al. 2019), which needs far fewer
    iterations than starting at a small ε. Symmetric mode (a = b) averages successive iterates;
    otherwise the final phase is over-relaxed, f ← (1−ω)f + ω T(g) with ω = 1.8 (Thibault,
    Chizat, Dossal & Papadakis 2017, "Overrelaxed Sinkhorn–Knopp algorithm"), which reaches the
    same fixed point 5–10x faster at small ε. Small problems (m ≤ ``NEWTON_MAX_SIZE``) not
    converged after ``NEWTON_AFTER`` sweeps are finished by Sinkhorn–Newton (:func:`_sinkhorn_newton`).
    Stops when the marginals of the plan are within ``tol`` of ``a`` and ``b`` in L1 (POT's
    criterion; unlike the change of the potentials it ignores the near-null directions along
    which nearly degenerate problems drift without changing the plan or the value). Default
    ``tol``: 1e-10 up to NEWTON_MAX_SIZE² cost entries (cheap there, and a point of tiny mass
    needs it), 1e-6 beyond (the value's error is second order in the marginals'). Warns if
    ``iters`` sweeps were not enough.
    """
    import torch

    ops = ops_for(c)
    if tol is None:  # tight where cheap (a point of tiny mass needs it), 1e-6 on large problems
        tol = 1e-10 if c.shape[-1] * c.shape[-2] <= NEWTON_MAX_SIZE**2 else 1e-6
    if ops.name == "numpy":  # torch's logsumexp is ~5x faster than numpy's exp here
        def tt(v):
            return None if v is None else torch.as_tensor(np.asarray(v, dtype=float))

        with torch_single_thread():
            f_t, g_t = _sinkhorn_potentials(tt(c), tt(la), tt(lb), eps, tt(f), tt(g), iters, tol, symmetric,
                                            warn)
        return f_t.numpy(), g_t.numpy()

    def softmin(h, e, rows):  # rows: f_i = −ε log Σ_j exp((h_j − C_ij)/ε); else g_j from h_i
        if rows:
            return -e * ops.logsumexp((h[..., None, :] - c) / e, axis=-1)
        return -e * ops.logsumexp((h[..., :, None] - c) / e, axis=-2)

    def sweep(f, g, e, n_iter, stop, omega=1.0):
        return _sinkhorn_sweeps(softmin, la, lb, f, g, e, n_iter, stop, omega, symmetric)

    if f is None or g is None:
        f, g = 0.0 * la, 0.0 * lb
        e = max(float(ops.detach(c).max()), eps)
        while e > eps:  # a few sweeps per scale: the potentials only need to follow ε down
            f, g, _ = sweep(f, g, e, 2, 1e-4)
            e = max(0.5 * e, eps)
    newton = tol > 0 and c.shape[-1] <= NEWTON_MAX_SIZE
    first = min(iters, NEWTON_AFTER if newton else 2000)
    f, g, converged = sweep(f, g, eps, first, tol, omega=SINKHORN_OMEGA)
    if not converged and newton:
        # nearly disconnected blocks (cost ≫ ε) make Sinkhorn's contraction factor ≈ 1 − e^{−C/ε}
        f, g, converged = _sinkhorn_newton(c, la, lb, eps, g, tol)
        if not converged:
            f, g, converged = sweep(f, g, eps, min(iters, 2000) - NEWTON_AFTER, tol, omega=SINKHORN_OMEGA)
    if not converged and iters > 2000:  # over-relaxation can stall on degenerate problems
        f, g, converged = sweep(f, g, eps, iters - 2000, tol, omega=1.0)
    if not converged and warn:
        warnings.warn(f"Sinkhorn did not converge in {iters} iterations at ε = {eps:g}; "
                      "the value may be inaccurate (try a larger ε)", RuntimeWarning, stacklevel=3)
    return f, g


def sinkhorn_ot(x, a, y, b, eps: float, warm=None, symmetric: bool = False, iters: int | None = None):
    r"""Entropic OT cost :math:`OT_ε(a,b) = \min_π ⟨π, C⟩ + ε\,KL(π\|a⊗b)`, C = |x−y|².

    Solved in the log domain to convergence without autograd, then one last Sinkhorn step with
    autograd (the envelope theorem makes its gradient exact at the fixed point). Returns the
    value ⟨a, f⟩ + ⟨b, g⟩ and the potentials (for warm starts). Batched over leading axes.
    With a warm start and ``iters``, only that many sweeps are made (no convergence test) by
    :func:`_sinkhorn_warm_ot`: used while fitting, where the potentials track a slowly moving
    optimum across steps. Without a warm start, ``iters`` caps the sweeps of the cold solve
    (no warning: the caller checks the marginals, e.g. :func:`sinkhorn_divergence`).
    """
    ops = ops_for(x)
    if warm is not None and iters is not None:
        return _sinkhorn_warm_ot(x, a, y, b, eps, warm, symmetric, iters)
    with ops.quiet():
        la, lb = ops.log(a), ops.log(b)
    c = ops.sqdist(x, y)
    with ops.no_grad():
        f0, g0 = (None, None) if warm is None else warm
        cap = {} if iters is None else {"iters": iters, "warn": False}
        f, g = _sinkhorn_potentials(ops.detach(c), ops.detach(la), ops.detach(lb), eps, f0, g0,
                                    symmetric=symmetric, **cap)
    f = -eps * ops.logsumexp(lb[..., None, :] + (g[..., None, :] - c) / eps, axis=-1)
    g = -eps * ops.logsumexp(la[..., :, None] + (f[..., :, None] - c) / eps, axis=-2)
    value = ops.sum(a * f, -1) + ops.sum(b * g, -1)
    return value, (ops.detach(f), ops.detach(g))



def _sinkhorn_warm_ot(x, a, y, b, eps: float, warm, symmetric: bool, sweeps: int):
    r"""``sweeps`` warm-started Sinkhorn sweeps in the scaling domain; value and gradient from the dual.

    With warm potentials (f⁰, g⁰) the plan :math:`P⁰_{ij} = a_i b_j e^{(f⁰_i + g⁰_j − C_{ij})/ε}`
    is already close to optimal (entries O(a_i b_j), no under/overflow), so the sweeps are
    matrix–vector products on P⁰, u ← a / (P⁰v), v ← b / (P⁰ᵀu) (over-relaxed), instead of
    log-sum-exps: the "absorption" stabilisation of Schmitzer (2019), "Stabilized sparse scaling
    algorithms for entropy regularized transport problems", SIAM J. Sci. Comput. Then
    f = f⁰ + ε log u, g = g⁰ + ε log v, π = diag(u) P⁰ diag(v), and the value is the dual function

    .. math:: D(f, g) = ⟨a, f⟩ + ⟨b, g⟩ − ε\,(⟨π, 1⟩ − 1),

    whose derivatives at fixed (f, g) are exact without differentiating through the sweeps:
    ∂D/∂C = π, ∂D/∂a_i = f_i − ε (π1)_i / a_i, ∂D/∂b_j = g_j − ε (πᵀ1)_j / b_j (at the
    optimum they are the envelope-theorem gradients of OT_ε). They are attached to the value by
    a first-order surrogate, so autograd only runs through the cost and the weights. Should the
    warm start be too stale for the scaling form (a row or column of P⁰ underflows or
    overflows), the problem is solved from scratch in the log domain.
    """
    ops = ops_for(x)

    def npy(t):  # the sweeps run in numpy: its batched mat-vecs are ~8x faster than torch's here
        return np.asarray(t.detach() if hasattr(t, "detach") else t, dtype=float)

    xd, yd, ad, bd, f0, g0 = (npy(t) for t in (x, y, a, b, *warm))
    with np.errstate(all="ignore"):
        lad, lbd = np.log(ad), np.log(bd)
        cd = NP_OPS.sqdist(xd, yd)

        def kernel(f, g):  # P⁰ = a_i b_j exp((f_i + g_j − C_ij)/ε)
            return np.exp(((f + eps * lad)[..., :, None] - cd + (g + eps * lbd)[..., None, :]) / eps)

        def times(m, w):  # P⁰ w and P⁰ᵀ w, batched
            return (m @ w[..., None])[..., 0]

        def t_times(m, w):
            return (w[..., None, :] @ m)[..., 0, :]

        p0 = kernel(f0, g0)
        u, v = np.ones_like(f0), np.ones_like(g0)
        for _ in range(sweeps):
            if symmetric:  # the geometric mean of u and its update: ½(f + T(f)) in the log domain
                u = v = np.sqrt(u * ad / times(p0, u))
            else:
                u = u ** (1.0 - SINKHORN_OMEGA) * (ad / times(p0, v)) ** SINKHORN_OMEGA
                v = v ** (1.0 - SINKHORN_OMEGA) * (bd / t_times(p0, u)) ** SINKHORN_OMEGA
        if all(np.isfinite(w).all() and (w > 0).all() for w in (u, v)):
            f, g = f0 + eps * np.log(u), g0 + eps * np.log(v)
        else:  # a warm start too stale for the scaling form: solve from scratch in the log domain
            f, g = _sinkhorn_potentials(cd, lad, lbd, eps, symmetric=symmetric, warn=False)
            p0, u, v = kernel(f, g), np.ones_like(f), np.ones_like(g)
        # π = diag(u) P⁰ diag(v) is never formed: its marginals and products are mat-vecs
        rows, cols = u * times(p0, v), v * t_times(p0, u)
        value = np.sum(ad * f, -1) + np.sum(bd * g, -1) - eps * (np.sum(rows, -1) - 1.0)
    if ops.name == "numpy":
        return value, (f, g)
    # first-order surrogate: the value, with the dual's exact derivatives attached for autograd;
    # C_ij = |x_i − y_j|², so ∂⟨π, C⟩/∂x_i = 2(r_i x_i − (πy)_i) and ∂/∂y_j = 2(s_j y_j − (πᵀx)_j)
    py = u[..., None] * (p0 @ (v[..., None] * yd))
    ptx = v[..., None] * np.swapaxes(np.swapaxes(u[..., None] * xd, -1, -2) @ p0, -1, -2)
    torch = ops.t
    grads = {
        "x": (x, xd, 2.0 * (rows[..., None] * xd - py), (-2, -1)),
        "y": (y, yd, 2.0 * (cols[..., None] * yd - ptx), (-2, -1)),
        "a": (a, ad, f - eps * rows / ad, -1),
        "b": (b, bd, g - eps * cols / bd, -1),
    }
    out = torch.as_tensor(value)
    for t, td, grad, dims in grads.values():
        if t.requires_grad:
            out = out + (torch.as_tensor(grad) * (t - torch.as_tensor(td))).sum(dims)
    return out, (f, g)


def sinkhorn_divergence(x, a, y, b, eps: float, iters: int | None = None) -> float:
    r"""Debiased Sinkhorn divergence :math:`S_ε = OT_ε(a,b) − ½OT_ε(a,a) − ½OT_ε(b,b)` (≥ 0).

    Each cloud is first centred on its own weighted mean: :math:`|x-y|^2 = |\tilde x - \tilde y|^2
    + 2Δ·(\tilde x - \tilde y) + |Δ|^2` with Δ the difference of the means, and the middle term
    has the same integral under every coupling, so :math:`S_ε(a, b) = S_ε(\tilde a, \tilde b) +
    |Δ|^2` exactly. Far-apart clouds then cost no more sweeps than overlapping ones (uncentred,
    the 2Δ·(x − y) term acts like an ε shrunk by |Δ| and Sinkhorn crawls).
    ``iters`` caps the sweeps of each of the three solves (a time bound); a solve that stops
    unconverged adds an "approximate" note (:mod:`explorer._notes`) stating the marginal error.

    Feydy, Séjourné, Vialard, Amari, Trouvé & Peyré (2019), "Interpolating between optimal
    transport and MMD using Sinkhorn divergences", AISTATS.
    """
    ma = (a[..., :, None] * x).sum(-2) / a.sum(-1)[..., None]
    mb = (b[..., :, None] * y).sum(-2) / b.sum(-1)[..., None]
    x, y = x - ma[..., None, :], y - mb[..., None, :]
    shift = ((ma - mb) ** 2).sum(-1)
    ab, (f, g) = sinkhorn_ot(x, a, y, b, eps, iters=iters)
    aa = sinkhorn_ot(x, a, x, a, eps, symmetric=True, iters=iters)[0]
    bb = sinkhorn_ot(y, b, y, b, eps, symmetric=True, iters=iters)[0]
    if iters is not None:
        err = sinkhorn_marginal_error(x, a, y, b, eps, f, g)
        if err > SINKHORN_MARGINAL_TOL:
            _notes.add(f"approximate: Sinkhorn stopped after {iters} sweeps at ε = {eps:g} with a "
                       f"marginal error of {err:.1e} (a larger ε converges faster)")
    return ab - 0.5 * (aa + bb) + shift


SINKHORN_MARGINAL_TOL = 1e-6
"""L1 error of the plan's marginals above which a capped Sinkhorn solve is called approximate."""


def sinkhorn_marginal_error(x, a, y, b, eps: float, f, g) -> float:
    """L1 distance between the marginals of the entropic plan of potentials ``(f, g)`` and ``(a, b)``
    (the plan's second marginal is exact after the final g-update of :func:`sinkhorn_ot`)."""
    xa = np.asarray(x, dtype=float).reshape(len(a), -1)
    yb = np.asarray(y, dtype=float).reshape(len(b), -1)
    c = ((xa[:, None, :] - yb[None, :, :]) ** 2).sum(-1)
    f, g = np.asarray(f, dtype=float), np.asarray(g, dtype=float)
    with np.errstate(divide="ignore"):
        lb = np.log(np.asarray(b, dtype=float))
    row = np.exp(logsumexp(lb[None, :] + (f[:, None] + g[None, :] - c) / eps, axis=1))
    return float(np.sum(np.abs(np.asarray(a, dtype=float) * row - np.asarray(a, dtype=float))))


class _SinkhornFit:
    """Sinkhorn objective for fitting: OT_ε(p,p) computed once; after a converged first solve,
    each step makes ``SWEEPS`` warm-started sweeps (the optimum moves little between steps).
    Only the copy :mod:`explorer.fitting` takes per fit with ``fresh()`` keeps that state; the
    registry's instance solves every call from scratch."""

    SWEEPS = 3

    def __init__(self, stateful: bool = False) -> None:
        self.stateful = stateful
        self.cache: dict[str, Any] = {}

    def fresh(self) -> _SinkhornFit:
        return type(self)(stateful=True)

    def __call__(self, xp, wp, xq, wq, epsilon: float = 0.5):
        if not self.stateful:
            self.cache = {}
        ops = ops_for(xq)
        r = xq.shape[0]
        xpb = xp[None].expand(r, -1, -1) if ops.name == "torch" else np.broadcast_to(xp, (r, *xp.shape))
        wpb = wp[None].expand(r, -1) if ops.name == "torch" else np.broadcast_to(wp, (r, wp.size))
        key = (id(xp), epsilon, tuple(xq.shape))
        if self.cache.get("key") != key:
            self.cache = {"key": key, "pp": sinkhorn_ot(xp, wp, xp, wp, epsilon, symmetric=True)[0]}
        ab, self.cache["w_ab"] = sinkhorn_ot(xq, wq, xpb, wpb, epsilon, self.cache.get("w_ab"),
                                             iters=self.SWEEPS)
        bb, self.cache["w_bb"] = sinkhorn_ot(xq, wq, xq, wq, epsilon, self.cache.get("w_bb"), symmetric=True,
                                             iters=self.SWEEPS)
        return ab - 0.5 * (self.cache["pp"] + bb)


def _samples_energy(x, y, rng):
    """Unbiased (U-statistic) energy distance (Székely & Rizzo 2013)."""
    x, y = _as_2d(x), _as_2d(y)
    n, m = x.shape[0], y.shape[0]
    dxy = np.sqrt(NP_OPS.sqdist(x, y)).mean()
    dxx = np.sqrt(NP_OPS.sqdist(x, x)).sum() / (n * (n - 1))
    dyy = np.sqrt(NP_OPS.sqdist(y, y)).sum() / (m * (m - 1))
    return float(2 * dxy - dxx - dyy)


def _samples_sinkhorn(x, y, rng, epsilon=0.5):
    x, y = _as_2d(x), _as_2d(y)
    a = np.full(x.shape[0], 1.0 / x.shape[0])
    b = np.full(y.shape[0], 1.0 / y.shape[0])
    return max(float(sinkhorn_divergence(x, a, y, b, epsilon)), 0.0)


def _energy_grid(g: Any) -> float:
    _needs_1d(g, "the energy distance")
    return g.integrate(2.0 * np.square(g.cdf_gap()))


def _energy_categorical(m: Any) -> float:
    cp, cq = np.cumsum(m.p.probs), np.cumsum(m.q.probs)
    return float(2.0 * np.sum((cp - cq)[:-1] ** 2 * np.diff(m.p.values)))


def _mean_abs_gauss(mu: np.ndarray, var: np.ndarray) -> np.ndarray:
    """E|Z| for Z ~ N(mu, var)."""
    s = np.sqrt(var)
    return s * math.sqrt(2 / math.pi) * np.exp(-0.5 * mu**2 / var) + mu * (1 - 2 * special.ndtr(-mu / s))


def _closed_energy(p, q):
    """1-D Gaussian mixtures: energy distance from E|X−Y| of Gaussian differences."""
    pair = _gm_parts_pair(p, q)
    if pair is None or p.dim != 1:
        return None

    def cross(u, v):
        (wu, mu, su), (wv, mv, sv) = u, v
        diff = mu[:, 0][:, None] - mv[:, 0][None, :]
        var = su[:, 0, 0][:, None] + sv[:, 0, 0][None, :]
        return float(wu @ _mean_abs_gauss(diff, var) @ wv)

    a, b = pair
    return max(2 * cross(a, b) - cross(a, a) - cross(b, b), 0.0)


def _gauss_entropic_ot(mp, sp, mq, sq, eps: float) -> float:
    """OT_ε between Gaussians in closed form (Janati, Muzellec, Peyré & Cuturi 2020, Thm 1).

    With ε = 2σ²: OT = |Δμ|² + tr A + tr B − tr D + dσ²(1 − log 2σ²) + σ² log det(D + σ²I),
    D = (4 A^½ B A^½ + σ⁴ I)^½.
    """
    d = mp.size
    s2 = eps / 2.0
    ra = _sqrtm_psd(sp)
    dm = _sqrtm_psd(4.0 * ra @ sq @ ra + s2**2 * np.eye(d))
    _, logdet = np.linalg.slogdet(dm + s2 * np.eye(d))
    return float(np.sum((mp - mq) ** 2) + np.trace(sp) + np.trace(sq) - np.trace(dm)
                 + d * s2 * (1 - math.log(2 * s2)) + s2 * logdet)


def _closed_sinkhorn(p, q, epsilon):
    if _gauss_pair(p, q) is None:
        return None
    (mp, sp), (mq, sq) = _moments(p), _moments(q)
    ab = _gauss_entropic_ot(mp, sp, mq, sq, epsilon)
    aa = _gauss_entropic_ot(mp, sp, mp, sp, epsilon)
    bb = _gauss_entropic_ot(mq, sq, mq, sq, epsilon)
    return max(ab - 0.5 * (aa + bb), 0.0)


def _sinkhorn_hist(xs: np.ndarray, a: np.ndarray, b: np.ndarray, eps: float) -> float:
    # bins with negligible mass only slow Sinkhorn down (their potentials settle last)
    keep = (a > 1e-14) | (b > 1e-14)
    xs, a, b = xs[keep], a[keep], b[keep]
    x = xs.reshape(len(xs), -1)
    pos_a, pos_b = a > 0, b > 0
    return max(float(sinkhorn_divergence(x[pos_a], a[pos_a], x[pos_b], b[pos_b], eps)), 0.0)


SINKHORN_GRID_2D = 64
"""Cells per axis of the regular grid on which S_ε between 2-D densities is computed."""
SINKHORN_BOX = 1.5
"""That grid spans the joint plot ranges (±4σ) enlarged by this factor (±6σ)."""


def _separable_softmin(h, cx, cy, e):
    r"""``−ε log Σ_kl exp((h_kl − |x_i − x_k|² − |y_j − y_l|²)/ε)`` on a regular grid, as two 1-D
    log-sum-exps (the Gibbs kernel of the squared distance factorises over the axes: Solomon et
    al. 2015, "Convolutional Wasserstein distances"). O(n³) for an n×n grid instead of O(n⁴)."""
    import torch

    a = torch.logsumexp((h[:, None, :] - cy[None, :, :]) / e, dim=-1)        # (k, j): sum over l
    return -e * torch.logsumexp(a[None, :, :] - cx[:, :, None] / e, dim=1)   # (i, j): sum over k


def _sinkhorn_ot_grid(la, lb, cx, cy, eps: float, symmetric: bool, tol: float = 1e-6,
                      iters: int = 5000) -> float:
    """OT_ε between two measures with log-masses ``la``, ``lb`` on one regular 2-D grid (axis
    cost matrices ``cx``, ``cy``): ε-scaling, then over-relaxed (ω = 1.5) log-domain sweeps until
    the marginals are within ``tol`` in L1, as in :func:`_sinkhorn_potentials`."""
    import torch

    f, g = torch.zeros_like(la), torch.zeros_like(lb)

    def softmin(h, e, rows):  # the cost is the same in both directions on one grid
        return _separable_softmin(h, cx, cy, e)

    def sweep(f, g, e, n_iter, stop, omega):
        return _sinkhorn_sweeps(softmin, la, lb, f, g, e, n_iter, stop, omega, symmetric, dims=(-2, -1))

    e = max(float(cx.max() + cy.max()), eps)
    while e > eps:  # ε-scaling: two sweeps per scale
        f, g, _ = sweep(f, g, e, 2, 0.0, 1.0)
        e = max(0.5 * e, eps)
    # over-relaxed, then plain sweeps if that has not converged (ω = 1.8 stalls on targets of
    # many narrow modes here; 1.5 reached the same value 4x faster than ω = 1 on the ring)
    f, g, converged = sweep(f, g, eps, min(iters, 500), tol, 1.5)
    if not converged and iters > 500:
        f, g, converged = sweep(f, g, eps, iters - 500, tol, 1.0)
    if not converged:
        warnings.warn(f"Sinkhorn did not converge in {iters} iterations at ε = {eps:g}; "
                      "the value may be inaccurate (try a larger ε)", RuntimeWarning, stacklevel=3)
    g = _separable_softmin(f + eps * la, cx, cy, eps)  # exact column marginals for the value
    f = _separable_softmin(g + eps * lb, cx, cy, eps)
    return float((la.exp() * f).sum() + (lb.exp() * g).sum())


def _sinkhorn_grid_2d(g: Any, epsilon: float) -> float:
    """2-D densities: p and q at the centres of a SINKHORN_GRID_2D² grid over both plot ranges
    (cells far finer than the blur √ε of the usual ε), then the debiased S_ε of the two
    histograms by separable log-domain Sinkhorn."""
    import torch

    rp, rq = g.p.plot_range(), g.q.plot_range()
    axes = []
    for i in range(2):
        lo, hi = min(rp[i][0], rq[i][0]), max(rp[i][1], rq[i][1])
        mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo) * SINKHORN_BOX  # tails matter: cost grows as x²
        edges = np.linspace(mid - half, mid + half, SINKHORN_GRID_2D + 1)
        axes.append(0.5 * (edges[1:] + edges[:-1]))
    gx, gy = np.meshgrid(axes[0], axes[1], indexing="ij")
    pts = np.stack([gx.ravel(), gy.ravel()], axis=1)
    shape = (SINKHORN_GRID_2D, SINKHORN_GRID_2D)
    la, lb = (torch.as_tensor(lw - logsumexp(lw), dtype=torch.float64).reshape(shape)
              for lw in (g.p.logpdf(pts), g.q.logpdf(pts)))
    cx, cy = (torch.as_tensor((v[:, None] - v[None, :]) ** 2, dtype=torch.float64) for v in axes)
    with torch_single_thread():
        ab = _sinkhorn_ot_grid(la, lb, cx, cy, epsilon, symmetric=False)
        aa = _sinkhorn_ot_grid(la, la, cx, cy, epsilon, symmetric=True)
        bb = _sinkhorn_ot_grid(lb, lb, cx, cy, epsilon, symmetric=True)
    return max(ab - 0.5 * (aa + bb), 0.0)


SINKHORN_ATOMS = 128
"""Atoms per distribution of the quantile discretisation of S_ε between 1-D densities."""
SINKHORN_SWEEPS = 1000
"""Cap on the Sinkhorn sweeps of each solve between densities (a time bound: ≲ 1 s at the smallest ε)."""


def _sinkhorn_grid(g: Any, epsilon: float) -> float:
    r"""S_ε between 1-D densities: a tail-resolving quantile discretisation plus an exact correction.

    p and q are replaced by ``SINKHORN_ATOMS`` weighted atoms at their quantiles
    (:meth:`~explorer._quadrature.Grid1D.quantile_atoms`: levels crowding into both tails down to
    1e-17 instead of piling the tails into edge bins), S_ε of the atoms is computed by the same
    log-domain solver as the sample path, and the discretisation error of its dominant part is
    removed with W₂² as a control variate:

    .. math:: S_ε(p, q) ≈ S_ε(\hat p, \hat q) + W_2^2(p, q) − W_2^2(\hat p, \hat q),

    with :math:`W_2^2(p, q)` by quadrature of the quantile functions (exact to the grid's accuracy)
    and :math:`W_2^2(\hat p, \hat q) = Σ_i m_i (x^p_i − x^q_i)^2` (equal masses, sorted atoms). The
    far tails, where S_ε and W₂² coincide (atoms farther apart than √ε), are thus counted exactly;
    S_ε(p, p(· − τ)) = τ² holds exactly. 2-D: see :func:`_sinkhorn_grid_2d`.
    """
    if isinstance(g, quad.Grid2D):
        return _sinkhorn_grid_2d(g, epsilon)
    _needs_1d(g, "the Sinkhorn divergence")
    w2 = _w2_grid(g)
    if math.isinf(w2):
        return math.inf  # no coupling of finite quadratic cost: OT_ε(p, q) is infinite too
    xp, xq, mass = g.quantile_atoms(SINKHORN_ATOMS)
    s_hat = float(sinkhorn_divergence(xp[:, None], mass, xq[:, None], mass, epsilon, iters=SINKHORN_SWEEPS))
    w2_hat = float(np.dot(mass, (xp - xq) ** 2))
    return max(s_hat + w2 * w2 - w2_hat, 0.0)


def _sinkhorn_categorical(m: Any, epsilon: float) -> float:
    return _sinkhorn_hist(m.p.values, m.p.probs, m.q.probs, epsilon)


# -- log h(r) = log(r² f''(r)): the gradient weights of the f-divergences -----------------------
def _weight_alpha(lr, alpha):
    return alpha * lr


def _weight_js(lr):
    ops = ops_for(lr)
    return lr - LOG2 - ops.logaddexp(0.0, lr)


def _weight_jeffreys(lr):
    ops = ops_for(lr)
    return ops.logaddexp(0.0, lr)


# =============================================================================================
# Behaviour labels
# =============================================================================================
SEEKING, COVERING, BALANCED = "mode-seeking", "mode-covering", "balanced"


def _alpha_behaviour(params: Mapping[str, float]) -> str:
    a = params.get("alpha", params.get("order", 0.5))
    if a <= 0.25:
        return SEEKING
    if a >= 0.75:
        return COVERING
    return BALANCED


# =============================================================================================
# The entries
# =============================================================================================
_K_PARAM = Param("k", 5, 1, 100, (1, 20), "number of nearest neighbours of the k-NN estimator")
_A = "α"

register(Divergence(
    name="kl", label="KL", formula="KL(p‖q) = ∫ p log(p/q) dx",
    description="Forward KL = KL(target‖model): infinite wherever the model misses target mass, "
                "so a fitted model spreads over every mode.",
    reference="Kullback & Leibler (1951), Ann. Math. Statist. 22(1):79–86.",
    symmetric=False, metric=False, sqrt_metric=False, f_divergence=True, behaviour=COVERING,
    generator=lambda t: t * np.log(t), generator_text="f(t) = t log t",
    measure=_from_integrand(KL_INTEGRAND), integrand=KL_INTEGRAND, closed_form=_closed_kl,
    weight=lambda lr: lr, weight_text="h(r) = r",
    samples=_samples_kl, sample_estimator="k-NN (Wang, Kulkarni & Verdú 2009)",
    sample_estimator_params=(_K_PARAM,),
))
register(Divergence(
    name="reverse_kl", label="RKL", formula="RKL(p‖q) = KL(q‖p) = ∫ q log(q/p) dx",
    description="Reverse KL = KL(model‖target): infinite wherever the model puts mass the target "
                "lacks, so a fitted model hides inside one mode.",
    reference="Kullback & Leibler (1951); its mode-seeking use: Minka (2005), 'Divergence measures "
              "and message passing', MSR-TR-2005-173.",
    symmetric=False, metric=False, sqrt_metric=False, f_divergence=True, behaviour=SEEKING,
    generator=lambda t: -np.log(t), generator_text="f(t) = −log t",
    measure=_from_integrand(RKL_INTEGRAND), integrand=RKL_INTEGRAND, closed_form=_closed_rkl,
    weight=lambda lr: 0.0 * lr, weight_text="h(r) = 1",
    samples=_samples_rkl, sample_estimator="k-NN (Wang, Kulkarni & Verdú 2009), arguments swapped",
    sample_estimator_params=(_K_PARAM,),
))
register(Divergence(
    name="jeffreys", label="Jeffreys", formula="J(p,q) = KL(p‖q) + KL(q‖p)",
    description="Symmetrised KL; inherits the infinities of both directions.",
    reference="Jeffreys (1946), Proc. R. Soc. A 186:453–461.",
    symmetric=True, metric=False, sqrt_metric=False, f_divergence=True, behaviour=COVERING,
    generator=lambda t: (t - 1) * np.log(t), generator_text="f(t) = (t − 1) log t",
    measure=_from_integrand(JEFFREYS_INTEGRAND), integrand=JEFFREYS_INTEGRAND,
    weight=_weight_jeffreys, weight_text="h(r) = 1 + r",
    closed_form=_closed_jeffreys, samples=_samples_jeffreys,
    sample_estimator="k-NN KL both ways", sample_estimator_params=(_K_PARAM,),
))
register(Divergence(
    name="js", label="JS", formula="JS(p,q) = ½KL(p‖m) + ½KL(q‖m),  m = (p+q)/2",
    description="Jensen–Shannon: bounded by log 2 (reached for disjoint supports); its square root "
                "is a metric.",
    reference="Lin (1991), IEEE Trans. Inf. Theory 37(1):145–151; metric: Endres & Schindelin (2003).",
    symmetric=True, metric=False, sqrt_metric=True, f_divergence=True, behaviour=BALANCED,
    bounded="≤ log 2",
    generator=lambda t: 0.5 * (t * np.log(t) - (1 + t) * np.log((1 + t) / 2)),
    generator_text="f(t) = ½[t log t − (1+t) log((1+t)/2)]",
    measure=_from_integrand(JS_INTEGRAND), integrand=JS_INTEGRAND,
    weight=_weight_js, weight_text="h(r) = r / (2(1 + r))",
))
register(Divergence(
    name="hellinger", label="H²", formula="H²(p,q) = ½∫(√p − √q)² dx = 1 − ∫√(pq) dx",
    description="Squared Hellinger distance with the ½ convention, so 0 ≤ H² ≤ 1; H is a metric.",
    reference="Hellinger (1909), J. reine angew. Math. 136:210–271.",
    symmetric=True, metric=False, sqrt_metric=True, f_divergence=True, behaviour=BALANCED,
    units="", log_based=False, bounded="≤ 1",
    generator=lambda t: 0.5 * (np.sqrt(t) - 1) ** 2, generator_text="f(t) = ½(√t − 1)²",
    measure=_from_integrand(HELLINGER_INTEGRAND), integrand=HELLINGER_INTEGRAND,
    weight=lambda lr: 0.5 * lr - math.log(4.0), weight_text="h(r) = √r / 4",
    closed_form=_closed_hellinger,
))
register(Divergence(
    name="tv", label="TV", formula="TV(p,q) = ½∫|p − q| dx = sup_A |P(A) − Q(A)|",
    description="Total variation distance: the largest difference in probability of any event; a "
                "metric bounded by 1.",
    reference="e.g. Tsybakov (2009), Introduction to Nonparametric Estimation, §2.4.",
    symmetric=True, metric=True, sqrt_metric=True, f_divergence=True, behaviour=BALANCED,
    units="", log_based=False, bounded="≤ 1",
    generator=lambda t: 0.5 * np.abs(t - 1), generator_text="f(t) = ½|t − 1|",
    measure=_tv_measure, integrand=TV_INTEGRAND, closed_form=_closed_tv,
))
register(Divergence(
    name="chi2", label="χ²", formula="χ²(p‖q) = ∫ (p − q)²/q dx",
    description="Pearson χ²: explodes where the model q is small under target mass - strongly "
                "mode-covering.",
    reference="Pearson (1900), Phil. Mag. 50:157–175; Liese & Vajda (2006).",
    symmetric=False, metric=False, sqrt_metric=False, f_divergence=True, behaviour=COVERING,
    units="", log_based=False,
    generator=lambda t: (t - 1) ** 2, generator_text="f(t) = (t − 1)²",
    measure=_from_integrand(CHI2_INTEGRAND), integrand=CHI2_INTEGRAND, closed_form=_closed_chi2,
    weight=lambda lr: LOG2 + 2.0 * lr, weight_text="h(r) = 2r²",
))
register(Divergence(
    name="neyman_chi2", label="Neyman χ²", formula="χ²_N(p‖q) = ∫ (p − q)²/p dx = χ²(q‖p)",
    description="Neyman χ²: explodes where the model puts mass the target lacks - mode-seeking.",
    reference="Neyman (1949), Proc. Berkeley Symp. 1:239–273.",
    symmetric=False, metric=False, sqrt_metric=False, f_divergence=True, behaviour=SEEKING,
    units="", log_based=False,
    generator=lambda t: (1 - t) ** 2 / t, generator_text="f(t) = (1 − t)²/t",
    measure=_from_integrand(NEYMAN_INTEGRAND), integrand=NEYMAN_INTEGRAND,
    weight=lambda lr: LOG2 - lr, weight_text="h(r) = 2/r",
    closed_form=_closed_neyman,
))
register(Divergence(
    name="alpha", label="D_α",
    formula="D_α(p‖q) = (1 − ∫ p^α q^(1−α) dx) / (α(1−α))",
    description="Amari α-divergence. Convention: α → 1 gives KL(p‖q) (forward, mode-covering), "
                "α → 0 gives KL(q‖p) (reverse, mode-seeking), α = ½ gives 4·H². Defined for "
                "every real α; α ≥ 1 and α ≤ 0 can be infinite.",
    reference="Amari (1985), Differential-Geometrical Methods in Statistics; Cichocki & Amari "
              "(2010), Entropy 12:1532–1568; Minka (2005).",
    symmetric=False, metric=False, sqrt_metric=False, f_divergence=True,
    behaviour=_alpha_behaviour, units="", log_based=False,
    generator=lambda t, alpha=0.5: (t**alpha - alpha * t - (1 - alpha)) / (alpha * (alpha - 1)),
    generator_text="f_α(t) = (t^α − αt − (1−α)) / (α(α−1))",
    params=(Param("alpha", 0.5, -math.inf, math.inf, (-1.0, 2.0),
                  "α: 1 = forward KL, 0 = reverse KL, ½ = 4·Hellinger²"),),
    measure=lambda m, alpha: m.integrate(ALPHA_INTEGRAND(m.lp, m.lq, alpha)),
    integrand=ALPHA_INTEGRAND, closed_form=_closed_alpha,
    weight=_weight_alpha, weight_text="h(r) = r^α",
))
register(Divergence(
    name="renyi", label="Rényi",
    formula="D_a(p‖q) = log(∫ p^a q^(1−a) dx) / (a − 1)",
    description="Rényi divergence of order a ≥ 0: a → 1 is KL(p‖q), a = ½ is twice the "
                "Bhattacharyya distance, a = 2 is log(1 + χ²). Non-decreasing in a.",
    reference="Rényi (1961), Proc. 4th Berkeley Symp. 1:547–561; van Erven & Harremoës (2014), "
              "IEEE Trans. Inf. Theory 60(7); Gaussian closed form: Gil, Alajaji & Linder (2013).",
    symmetric=False, metric=False, sqrt_metric=False, f_divergence=False,
    behaviour=_alpha_behaviour,
    params=(Param("order", 2.0, 0.0, math.inf, (0.0, 5.0), "order a ≥ 0 (a = 1 is KL)"),),
    measure=lambda m, order: _renyi_measure(m, order), closed_form=_closed_renyi,
))
register(Divergence(
    name="bhattacharyya", label="Bhattacharyya", formula="D_B(p,q) = −log ∫ √(p q) dx",
    description="Bhattacharyya distance: −log of the overlap coefficient; ½ of Rényi order ½.",
    reference="Bhattacharyya (1943), Bull. Calcutta Math. Soc. 35:99–109.",
    symmetric=True, metric=False, sqrt_metric=False, f_divergence=False, behaviour=BALANCED,
    measure=lambda m: _bhattacharyya_measure(m), closed_form=_closed_bhattacharyya,
))
register(Divergence(
    name="w1", label="W₁", formula="W₁(p,q) = inf_π E|X − Y| = ∫ |F_p(x) − F_q(x)| dx (1-D)",
    description="Wasserstein-1 (earth mover's) distance, in units of x: how far mass must move. "
                "Finite even for disjoint supports.",
    reference="Villani (2009), Optimal Transport: Old and New, ch. 6; Kantorovich (1942).",
    symmetric=True, metric=True, sqrt_metric=True, f_divergence=False, behaviour=BALANCED,
    units="x", log_based=False,
    grid=lambda g: _w1_grid(g), categorical=lambda m: _w1_categorical(m),
    closed_form=_closed_w1, samples=_samples_w1, sample_estimator="exact OT (sorting in 1-D, POT emd2)",
    fit_samples=_OTFit(1),
))
register(Divergence(
    name="w2", label="W₂", formula="W₂(p,q) = (inf_π E|X − Y|²)^½ = (∫₀¹ |Q_p(u) − Q_q(u)|² du)^½ (1-D)",
    description="Wasserstein-2 distance, in units of x; closed form for Gaussians (Dowson & Landau).",
    reference="Dowson & Landau (1982), J. Multivar. Anal. 12:450–455; Villani (2009).",
    symmetric=True, metric=True, sqrt_metric=True, f_divergence=False, behaviour=BALANCED,
    units="x", log_based=False,
    grid=lambda g: _w2_grid(g), categorical=lambda m: _w2_categorical(m),
    closed_form=_closed_w2, samples=_samples_w2, sample_estimator="exact OT (sorting in 1-D, POT emd2)",
    fit_samples=_OTFit(2),
))
register(Divergence(
    name="cs", label="CS", formula="D_CS(p,q) = −log ∫pq + ½log ∫p² + ½log ∫q²",
    description="Cauchy–Schwarz divergence: symmetric, 0 iff p = q, closed form for Gaussian "
                "mixtures; not a metric.",
    reference="Principe (2010), Information Theoretic Learning, ch. 2; mixtures: Kampa, "
              "Hasanbelliu & Principe (2011), IJCNN.",
    symmetric=True, metric=False, sqrt_metric=False, f_divergence=False, behaviour=BALANCED,
    measure=lambda m: _cs_measure(m), closed_form=_closed_cs, samples=_samples_cs,
    sample_estimator="Parzen windows (Principe 2010)",
    sample_estimator_params=(Param("window", 0.3, 1e-6, math.inf, (0.01, 3.0),
                                   "Parzen window width σ", log_slider=True, scale=1),),
))
register(Divergence(
    name="mmd", label="MMD²",
    formula="MMD²(p,q) = E k(X,X') − 2E k(X,Y) + E k(Y,Y'),  k = exp(−|x−y|²/2ℓ²)",
    description="Squared maximum mean discrepancy with an RBF kernel of bandwidth ℓ; MMD is a "
                "metric on distributions; bounded, blind to differences much finer than ℓ.",
    reference="Gretton, Borgwardt, Rasch, Schölkopf & Smola (2012), JMLR 13:723–773.",
    symmetric=True, metric=False, sqrt_metric=True, f_divergence=False, behaviour=BALANCED,
    units="", log_based=False, bounded="≤ 2",
    params=(Param("bandwidth", 1.0, 1e-6, math.inf, (0.05, 5.0), "RBF kernel bandwidth ℓ",
                  log_slider=True, scale=1),),
    grid=lambda g, bandwidth: _mmd_grid(g, bandwidth),
    categorical=lambda m, bandwidth: _mmd_categorical(m, bandwidth),
    closed_form=_closed_mmd, samples=_samples_mmd, sample_estimator="unbiased U-statistic",
    fit_samples=mmd2_weighted, gm_kernel=_gm_kernel_rbf,
))

register(Divergence(
    name="energy", label="Energy",
    formula="E(p,q) = 2E|X−Y| − E|X−X'| − E|Y−Y'| = 2∫ (F_p − F_q)² dx (1-D)",
    description="Energy distance: MMD with the distance kernel −|x−y|; its square root is a "
                "metric, in units of √x. Sensitive to location at every scale, unlike an RBF MMD.",
    reference="Székely & Rizzo (2013), J. Stat. Plan. Inference 143:1249–1272; Sejdinovic et al. "
              "(2013), Ann. Statist. 41(5) (equivalence with MMD).",
    symmetric=True, metric=False, sqrt_metric=True, f_divergence=False, behaviour=BALANCED,
    units="x", log_based=False,
    grid=lambda g: _energy_grid(g), categorical=lambda m: _energy_categorical(m),
    closed_form=_closed_energy, samples=_samples_energy, sample_estimator="unbiased U-statistic",
    fit_samples=energy_weighted, gm_kernel=_gm_kernel_energy,
))
register(Divergence(
    name="sinkhorn", label="S_ε",
    formula="S_ε(p,q) = OT_ε(p,q) − ½OT_ε(p,p) − ½OT_ε(q,q),  OT_ε = min_π ⟨π,|x−y|²⟩ + ε KL(π‖p⊗q)",
    description="Debiased Sinkhorn divergence: entropic optimal transport with the self-transport "
                "bias removed; ε → 0 approaches W₂², large ε an MMD. Non-negative, 0 iff p = q.",
    reference="Feydy, Séjourné, Vialard, Amari, Trouvé & Peyré (2019), AISTATS; Cuturi (2013), "
              "NeurIPS; Gaussian closed form: Janati, Muzellec, Peyré & Cuturi (2020), NeurIPS.",
    symmetric=True, metric=False, sqrt_metric=False, f_divergence=False, behaviour=BALANCED,
    units="x²", log_based=False,
    params=(Param("epsilon", 0.5, 1e-4, math.inf, (0.01, 10.0), "entropic regularisation ε (units of x²)",
                  log_slider=True, scale=2),),
    grid=lambda g, epsilon: _sinkhorn_grid(g, epsilon),
    categorical=lambda m, epsilon: _sinkhorn_categorical(m, epsilon), closed_form=_closed_sinkhorn,
    samples=_samples_sinkhorn, sample_estimator="log-domain Sinkhorn on the samples",
    fit_samples=_SinkhornFit(),
))


# =============================================================================================
# Evaluation
# =============================================================================================
def _kind(p: Any, q: Any) -> str:
    if isinstance(p, Categorical) and isinstance(q, Categorical):
        if p.k != q.k or not np.array_equal(p.values, q.values):
            raise ValueError("categorical p and q must share the same support (values)")
        return "categorical"
    if isinstance(p, Distribution) and isinstance(q, Distribution):
        if p.dim != q.dim:
            raise ValueError(f"p is {p.dim}-D but q is {q.dim}-D")
        return "density"
    if isinstance(p, Categorical | Distribution) or isinstance(q, Categorical | Distribution):
        raise ValueError("p and q must both be distributions, both categorical, or both sample arrays")
    return "samples"


def _sample_arrays(p: Any, q: Any) -> tuple[np.ndarray, np.ndarray]:
    x = as_finite_array(p, "p samples")
    y = as_finite_array(q, "q samples")
    if x.ndim not in (1, 2) or y.ndim not in (1, 2):
        raise ValueError("sample arrays must have shape (n,) or (n, d)")
    if _as_2d(x).shape[1] != _as_2d(y).shape[1]:
        raise ValueError(f"sample dimensions differ: {_as_2d(x).shape[1]} vs {_as_2d(y).shape[1]}")
    if x.shape[0] < 2 or y.shape[0] < 2:
        raise ValueError("need at least 2 samples of each distribution")
    return x, y


def _make_grid(p: Distribution, q: Distribution, scale: float = 1.0) -> Any:
    if p.dim == 1:
        return quad.Grid1D(p, q)
    if p.dim == 2:
        return quad.Grid2D(p, q, scale=scale)
    raise ValueError(f"quadrature supports 1-D and 2-D distributions, got {p.dim}-D")


def _quadrature(div: Divergence, p: Distribution, q: Distribution, params: dict, grid: Any = None) -> float:
    fn = div.grid or div.measure
    if fn is None:
        raise ValueError(f"{div.name!r} has no quadrature method")
    g = grid if grid is not None else _make_grid(p, q)
    scale = 1.0
    for _ in range(quad.MAX_DOUBLINGS + 1):
        try:
            return _within_f_bound(div, g, fn(g, **params), params)
        except quad.NonConvergence:
            scale *= 2.0
            g = _make_grid(p, q, scale)
    return math.inf


BOUND_ROUNDOFF = 1e-6
"""Relative excess over an f-divergence's bound f(0) + f'(∞) still read as round-off (and clamped)."""


def f_bound(div: Divergence) -> tuple[float, float] | None:
    """``(f(0), f'(∞))`` of an f-divergence whose both are finite (then D_f ≤ f(0) + f'(∞), reached
    by disjoint supports: TV 1, H² 1, JS log 2), else ``None``."""
    if not div.f_divergence or div.generator is None or div.params:
        return None
    with np.errstate(all="ignore"):
        f0 = float(div.generator(np.float64(0.0)))
        if math.isnan(f0):  # 0·log 0 written literally: the limit t → 0
            f0 = float(div.generator(np.float64(1e-300)))
        f_inf = float(div.generator(np.float64(1e20))) / 1e20
        f_far = float(div.generator(np.float64(1e40))) / 1e40
    # f(t)/t must settle (KL's t log t / t = log t does not)
    if not (math.isfinite(f0) and math.isfinite(f_far) and abs(f_far - f_inf) <= 1e-8 * max(1.0, abs(f_far))):
        return None
    return f0, f_far


def _within_f_bound(div: Divergence, g: Any, value: float, params: dict) -> float:
    """A bounded f-divergence (finite f(0) and f'(∞)) in 1-D is computed with its tails counted by
    mass (:meth:`Grid1D.f_divergence_split`: right for tails no grid can hold, e.g. a Student t with
    ν = 0.01) and never leaves ``[0, f(0) + f'(∞)]``: an excess within round-off is clamped, a
    larger one is a bug and raised."""
    fb = f_bound(div)
    if fb is None or not isinstance(g, quad.Grid1D):
        return value
    top = fb[0] + fb[1]
    if div.integrand is not None and div.measure is not _tv_measure:
        value = g.f_divergence_split(div.integrand(g.lp, g.lq, **params), *fb)
    if not value <= top * (1.0 + BOUND_ROUNDOFF) + 1e-12:
        raise FloatingPointError(f"{div.name} = {value!r} exceeds its bound {top:g} (please report this)")
    return min(max(value, 0.0), top)


def _monte_carlo(div: Divergence, p: Distribution, q: Distribution, params: dict,
                 n: int, rng: np.random.Generator) -> float:
    """Importance sampling of the quadrature integrand from the mixture m = (p + q)/2."""
    fn = div.measure
    if fn is None:
        raise ValueError(f"{div.name!r} has no Monte Carlo method; use method='samples'")
    half = n // 2
    z = np.concatenate([p.sample(half, rng), q.sample(n - half, rng)], axis=0)
    lp, lq = p.logpdf(z), q.logpdf(z)
    lw = -(np.logaddexp(lp, lq) - LOG2) - math.log(n)  # log(1/(n m(z)))

    class _MC:
        pass

    m = _MC()
    m.lp, m.lq = lp, lq
    m.integrate = lambda g: _Discrete.integrate(np.exp(lw) * g)
    m.integrate_log = lambda lg: _Discrete.integrate_log(lg + lw)
    return fn(m, **params)


def _clean(value: float, div: Divergence, method: str) -> float:
    """No NaN ever leaves; round-off below zero is clipped for non-negative divergences."""
    if value is None or math.isnan(value):
        raise FloatingPointError(f"{div.name} via {method} produced NaN (please report this)")
    if value < 0 and method != "samples":
        if value > -1e-9 or (method == "monte_carlo"):
            return 0.0 if method != "monte_carlo" else value
        raise FloatingPointError(f"{div.name} via {method} gave {value} < 0 (please report this)")
    return float(value)


def _infinite_note(p: Any, q: Any) -> str:
    """Why a value came out infinite, in words for the UI."""
    sp = getattr(p, "support", None)
    sq = getattr(q, "support", None)
    if isinstance(p, Categorical):
        only_p = np.any((p.probs > 0) & (q.probs == 0))
        only_q = np.any((q.probs > 0) & (p.probs == 0))
    elif sp is not None and sq is not None:
        if sp[1] < sq[0] or sq[1] < sp[0]:
            return "infinite: the supports are disjoint"
        only_p = sp[0] < sq[0] or sp[1] > sq[1]
        only_q = sq[0] < sp[0] or sq[1] > sp[1]
    else:
        only_p = only_q = False
    if only_p and only_q:
        return "infinite: each puts mass where the other is zero"
    if only_p:
        return "infinite: p has mass where q is zero"
    if only_q:
        return "infinite: q has mass where p is zero"
    return "infinite: the integral diverges (the tails differ too much)"


def evaluate(
    name: str,
    p: Any,
    q: Any,
    method: str = "auto",
    *,
    base: float | None = None,
    rng: Any = None,
    n_samples: int | None = None,
    _grid: Any = None,
    **params: Any,
) -> DivergenceValue:
    """Compute :math:`D(p\\|q)` and say how: value, units, method and a note (e.g. why ∞).

    Parameters
    ----------
    name : str
        A registered divergence (see :func:`names`).
    p, q : Distribution, Categorical or array_like
        Two distributions of the same dimension, two categorical distributions on one support,
        or two sample arrays of shape ``(n,)``/``(n, d)``.
    method : {"auto", "closed_form", "quadrature", "monte_carlo", "samples", "kde"}
        See the module docstring. ``"samples"`` with distributions draws ``n_samples`` from each
        (an :class:`~explorer.distributions.Empirical` uses its data); ``"kde"`` with sample
        arrays fits Gaussian KDEs and integrates them.
    base : float, optional
        Logarithm base for log-based divergences (``2`` for bits); default nats.
    rng : None, int or numpy Generator
        Randomness for ``"monte_carlo"`` and ``"samples"`` (default seed 0: reproducible).
    n_samples : int, optional
        Sample size for ``"monte_carlo"`` (default 20 000) and ``"samples"`` (default 2 000).
    **params
        Divergence parameters (``alpha``, ``order``, ``bandwidth``) and estimator parameters
        (``k``, ``window``).

    Returns
    -------
    DivergenceValue
        ``note`` says why a value is infinite, which estimator was used, and "approximate: ..."
        where a grid or solver could not meet its tolerance.
    """
    with _notes.collect() as notes:
        result = _evaluate(name, p, q, method, base=base, rng=rng, n_samples=n_samples, _grid=_grid,
                           **params)
    if notes:
        note = "; ".join(n for n in (result.note, *notes) if n)
        result = replace(result, note=note)
    return result


def _evaluate(name: str, p: Any, q: Any, method: str, *, base: float | None, rng: Any,
              n_samples: int | None, _grid: Any, **params: Any) -> DivergenceValue:
    div = get(name)
    allp = div.resolve_params(params)
    dparams = {p_.name: allp[p_.name] for p_ in div.params}
    eparams = {k: v for k, v in allp.items() if k not in dparams}
    kind = _kind(p, q)
    methods = ("auto", "closed_form", "quadrature", "monte_carlo", "samples", "kde")
    if method not in methods:
        raise ValueError(f"method must be one of {methods}, got {method!r}")
    if base is not None and (not isinstance(base, int | float) or isinstance(base, bool)
                             or not math.isfinite(base) or base <= 0 or base == 1):
        raise ValueError(f"base must be a positive number other than 1, got {base!r}")
    generator = as_rng(0 if rng is None else rng)
    note = ""

    if kind == "categorical":
        if method not in ("auto", "quadrature", "closed_form"):
            raise ValueError(f"method {method!r} does not apply to categorical distributions")
        m = _Discrete(p, q)
        fn = div.categorical or div.measure
        value, used = fn(m, **dparams), "exact sum"
    elif kind == "samples":
        x, y = _sample_arrays(p, q)
        if method in ("auto", "samples") and div.samples is not None:
            value = div.samples(x, y, generator, **dparams, **eparams)
            used, note = "samples", div.sample_estimator
        elif method in ("auto", "kde", "samples"):
            pk, qk = Empirical(x), Empirical(y)
            value = _auto_density(div, pk, qk, dparams)[0]
            used, note = "kde", "plug-in: Gaussian KDEs (Silverman/Scott bandwidth), then integrated"
        else:
            raise ValueError(f"method {method!r} needs densities; with sample arrays use 'samples' or 'kde'")
    else:
        if method == "auto":
            value, used = _auto_density(div, p, q, dparams, _grid)
        elif method == "closed_form":
            value = div.closed_form(p, q, **dparams) if div.closed_form else None
            if value is None:
                pair = f"{type(p).__name__} and {type(q).__name__}"
                raise ValueError(f"no closed form for {div.name!r} between {pair}")
            used = "closed form"
        elif method == "quadrature":
            try:
                value, used = _quadrature(div, p, q, dparams, _grid), "quadrature"
            except NotImplementedError as exc:
                raise ValueError(f"{div.name!r}: {exc}; use method='samples' or 'closed_form'") from None
        elif method == "monte_carlo":
            n = as_sample_count(n_samples or DEFAULT_MC_SAMPLES, "n_samples")
            value, used = _monte_carlo(div, p, q, dparams, n, generator), "monte_carlo"
            note = f"importance sampling, n={n}"
        elif method == "samples":
            if div.samples is None:
                raise ValueError(f"{div.name!r} has no sample estimator; use 'kde' or 'quadrature'")
            n = as_sample_count(n_samples or DEFAULT_SAMPLES, "n_samples")
            x = p.samples if isinstance(p, Empirical) else p.sample(n, generator)
            y = q.samples if isinstance(q, Empirical) else q.sample(n, generator)
            value, used = div.samples(x, y, generator, **dparams, **eparams), "samples"
            note = f"{div.sample_estimator}, n={len(x)} and {len(y)}"
        else:
            raise ValueError("method 'kde' applies to sample arrays")
        if used == "samples (fallback)":
            note = f"no closed form or quadrature in {p.dim}-D: {div.sample_estimator}, n={DEFAULT_SAMPLES}"
    value = _clean(value, div, "samples" if used.startswith("samples") else used)
    if math.isinf(value):
        note = _infinite_note(p, q) if kind != "samples" else "infinite"
    if base is not None and div.log_based and math.isfinite(value):
        value = value / math.log(base)
    units = div.units
    if div.log_based and base is not None:
        units = "bits" if base == 2 else f"log base {base:g}"
    return DivergenceValue(div.name, div.label, value, units, used, note, dparams)


def _auto_density(div: Divergence, p: Distribution, q: Distribution, dparams: dict,
                  grid: Any = None) -> tuple[float, str]:
    if div.closed_form is not None:
        v = div.closed_form(p, q, **dparams)
        if v is not None:
            return v, "closed form"
    fn = div.grid or div.measure
    if fn is not None and p.dim <= 2:
        try:
            return _quadrature(div, p, q, dparams, grid), "quadrature"
        except NotImplementedError:
            pass
    if div.samples is None:
        raise ValueError(f"{div.name!r} cannot be computed for {p.dim}-D {type(p).__name__}")
    g = np.random.default_rng(0)
    x = p.samples if isinstance(p, Empirical) else p.sample(DEFAULT_SAMPLES, g)
    y = q.samples if isinstance(q, Empirical) else q.sample(DEFAULT_SAMPLES, g)
    return div.samples(x, y, g, **dparams), "samples (fallback)"


def compute(name: str, p: Any, q: Any, method: str = "auto", **kwargs: Any) -> float:
    """:math:`D(p\\|q)` as a float (``inf`` when infinite). See :func:`evaluate` for arguments.

    Examples
    --------
    >>> from explorer.distributions import Gaussian, Uniform
    >>> compute("kl", Uniform(0, 2), Uniform(0, 1))
    inf
    >>> round(compute("js", Uniform(0, 1), Uniform(2, 3)), 6)  # disjoint: log 2
    0.693147
    """
    return evaluate(name, p, q, method, **kwargs).value


def compute_all(
    p: Any,
    q: Any,
    which: list[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    base: float | None = None,
) -> dict[str, DivergenceValue]:
    """Every divergence in ``which`` (default: all) for one pair, sharing one quadrature grid.

    ``params`` maps a divergence name to its parameters, e.g. ``{"alpha": {"alpha": 0.3}}``.
    This is what the calculator app calls on every slider move.
    """
    which = list(which) if which is not None else names()
    params = params or {}
    grid = None
    if isinstance(p, Distribution) and isinstance(q, Distribution) and p.dim == q.dim and p.dim in (1, 2):
        grid = _make_grid(p, q)
    return {n: evaluate(n, p, q, base=base, _grid=grid, **dict(params.get(n, {}))) for n in which}


def compute_both(
    p: Any,
    q: Any,
    which: list[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    base: float | None = None,
) -> dict[str, tuple[DivergenceValue, DivergenceValue | None]]:
    """``{name: (D(p‖q), D(q‖p))}`` sharing one grid; the second is ``None`` for symmetric ones."""
    which = list(which) if which is not None else names()
    params = params or {}
    grid = None
    if isinstance(p, Distribution) and isinstance(q, Distribution) and p.dim == q.dim and p.dim in (1, 2):
        grid = _make_grid(p, q)
    out: dict[str, tuple[DivergenceValue, DivergenceValue | None]] = {}
    for n in which:
        kw = dict(params.get(n, {}))
        fwd = evaluate(n, p, q, base=base, _grid=grid, **kw)
        rev = None
        if not get(n).symmetric:
            rev = evaluate(n, q, p, base=base, _grid=None if grid is None else grid.swapped(), **kw)
        out[n] = (fwd, rev)
    return out
