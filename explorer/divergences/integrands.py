r"""Log-space integrands of the f-divergences and their gradient weights.

Each integrand maps log densities ``lp``, ``lq`` (which may hold ``-inf``) to
:math:`q\,f(p/q)` at every node, never NaN: the boundary conventions of Liese & Vajda (2006) are
spelled out where p or q vanishes. They run on numpy arrays (the calculator) and on batched,
differentiable torch tensors (fitting) through :func:`explorer._backend.ops_for`.

``weight_*`` give :math:`\log h(r)` with :math:`h(r) = r^2 f''(r)`, the factor by which an
f-divergence weights the score difference in its gradient (Xu, Nie et al. 2025, f-distill).

Reference: F. Liese and I. Vajda (2006), "On divergences and informations in statistics and
information theory", IEEE Trans. Inf. Theory 52(10):4394–4412.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from explorer._backend import NEG_INF, ops_for

__all__ = ["ALPHA_INTEGRAND", "CHI2_INTEGRAND", "END_TOL", "HELLINGER_INTEGRAND", "JEFFREYS_INTEGRAND",
           "JS_INTEGRAND", "KL_INTEGRAND", "LOG2", "NEYMAN_INTEGRAND", "RKL_INTEGRAND", "TV_INTEGRAND",
           "log_chernoff_integrand", "weight_alpha", "weight_chi2", "weight_hellinger", "weight_jeffreys",
           "weight_js", "weight_kl", "weight_neyman", "weight_reverse_kl"]

LOG2 = math.log(2.0)
END_TOL = 1e-6
"""|α − 0|, |α − 1|, |order − 1| below which the KL limit is used."""


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
    if abs(alpha - 1.0) < END_TOL:
        return KL_INTEGRAND(lp, lq)
    if abs(alpha) < END_TOL:
        return RKL_INTEGRAND(lp, lq)
    return _ALPHA_GENERIC(lp, lq, alpha=alpha)


def log_chernoff_integrand(lp: Any, lq: Any, a: float) -> Any:
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


def weight_kl(lr: Any) -> Any:
    """Forward KL: h(r) = r."""
    return lr


def weight_reverse_kl(lr: Any) -> Any:
    """Reverse KL: h(r) = 1."""
    return 0.0 * lr


def weight_jeffreys(lr: Any) -> Any:
    """Jeffreys: h(r) = 1 + r."""
    return ops_for(lr).logaddexp(0.0, lr)


def weight_js(lr: Any) -> Any:
    """Jensen–Shannon: h(r) = r / (2(1 + r))."""
    return lr - LOG2 - ops_for(lr).logaddexp(0.0, lr)


def weight_hellinger(lr: Any) -> Any:
    """Squared Hellinger (½ convention): h(r) = √r / 4."""
    return 0.5 * lr - math.log(4.0)


def weight_chi2(lr: Any) -> Any:
    """Pearson χ²: h(r) = 2r²."""
    return LOG2 + 2.0 * lr


def weight_neyman(lr: Any) -> Any:
    """Neyman χ²: h(r) = 2/r."""
    return LOG2 - lr


def weight_alpha(lr: Any, alpha: float) -> Any:
    """α-divergence: h(r) = r^α."""
    return alpha * lr
