r"""Distillation losses between a teacher and a student over a vocabulary: one registry, ``loss(...)``.

Every loss is a divergence :math:`D(t \| s)` between the teacher's distribution ``t`` (the
target, first argument, as everywhere in :mod:`explorer.divergences`) and the student's ``s =
softmax(z / T)``, row by row over the last axis of tensors of shape ``[..., V]``, in nats.
**Forward KL** is ``kl`` = KL(t‖s) (mode-covering); **reverse KL** is ``reverse_kl`` = KL(s‖t)
(mode-seeking). Values are the true divergences of the (temperature-softened) distributions:
they agree with ``explorer.divergences`` on the same probability vectors (a test runs over this
registry), they are ``inf`` where the divergence is infinite (reverse KL against a teacher with
exact zeros: pass ``floor=`` for a documented clamp), and never NaN.

Temperature ``T`` softens both sides: ``s = softmax(z/T)`` and ``t ∝ t^{1/T}`` (the teacher's
exact zeros stay zeros). No ``T²`` factor is applied (Hinton et al. 2015 multiply by it to keep
gradient sizes comparable across T; do it yourself if you want it).

Examples
--------
>>> import torch
>>> from explorer.distill import loss
>>> t = torch.tensor([0.5, 0.5, 0.0], dtype=torch.float64)
>>> z = torch.zeros(3, dtype=torch.float64)            # uniform student
>>> round(float(loss("kl", z, t)), 6)                 # log(1/ (1/3)) - log 2 = log 1.5
0.405465
>>> float(loss("reverse_kl", z, t))                   # the student has mass where t = 0
inf
>>> round(float(loss("reverse_kl", z, t, floor=1e-3)), 4)
1.6671
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.params import Param, ParamSet

__all__ = ["LOSSES", "Loss", "get", "loss", "names", "per_row", "per_row_fn", "prepare", "registry_value"]

LOG2 = math.log(2.0)
_END_TOL = 1e-6  # |alpha - 0|, |alpha - 1| below which the KL limit is used (as the registry)
REDUCTIONS = ("mean", "sum", "none")
SEEKING, COVERING, BALANCED = "mode-seeking", "mode-covering", "balanced"


@dataclass(frozen=True)
class Loss:
    """One registry entry: the loss, what it is, and how to check it against the divergence registry.

    ``fn(t, lt, s, ls, **params)`` returns the per-row values (shape ``[...]``) from the teacher's
    probabilities/log-probabilities (``lt = -inf`` at exact zeros) and the student's.
    ``registry(t, s, **params)`` computes the same number from ``explorer.divergences`` on numpy
    probability vectors (the independent check), or is ``None`` when there is no categorical
    form (never for the built-in entries). ``needs_cost``: the loss takes a ``cost`` matrix over the
    vocabulary (optimal transport) and keeps solver state across training steps.
    """

    name: str
    label: str
    formula: str
    description: str
    reference: str
    behaviour: str | Callable[[Mapping[str, float]], str]
    fn: Callable[..., Any]
    registry: Callable[..., float] | None
    params: ParamSet = field(default_factory=ParamSet)
    symmetric: bool = False
    finite_on_teacher_zeros: bool = True
    units: str = "nats"
    needs_cost: bool = False

    def resolve(self, given: Mapping[str, Any]) -> dict[str, float]:
        return self.params.resolve(given, owner=self.name)

    def behaviour_for(self, params: Mapping[str, float] | None = None) -> str:
        if callable(self.behaviour):
            return self.behaviour(self.resolve(params or {}))
        return self.behaviour


LOSSES: dict[str, Loss] = {}


def register(entry: Loss) -> Loss:
    if entry.name in LOSSES:
        raise ValueError(f"loss {entry.name!r} is already registered")
    LOSSES[entry.name] = entry
    return entry


def names() -> list[str]:
    """Registered loss names, in registration order."""
    return list(LOSSES)


def get(name: str) -> Loss:
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown loss {name!r}; choose one of: {', '.join(LOSSES)}") from None


# -- the per-row formulas (torch) ----------------------------------------------------------------
def _xlogratio(w: Any, lw: Any, lm: Any, positive: bool | None = None) -> Any:
    """Σ w (log w − log m) with 0·log 0 = 0 (where w = 0 the term and its gradient are 0).

    ``positive``: whether every w > 0, when already known (a fixed teacher); None checks.
    """
    import torch

    if positive is None:
        positive = bool((w > 0).all())
    if positive:  # the common case (a student, a floored teacher): 1 op instead of 7, same value
        return (w * (lw - lm)).sum(-1)
    pos = w > 0
    lw_safe = torch.where(pos, lw, torch.zeros_like(lw))
    lm_safe = torch.where(pos, lm, torch.zeros_like(lm))
    return torch.where(pos, w * (lw_safe - lm_safe), torch.zeros_like(w)).sum(-1)


def _kl(t, lt, s, ls):
    return _xlogratio(t, lt, ls)


def _rkl(t, lt, s, ls):
    return _xlogratio(s, ls, lt)  # +inf where s > 0 = t


def _mix_log(lx: Any, ly: Any, w: float) -> Any:
    """log(w·x + (1−w)·y) from log x, log y."""
    import torch

    if w <= 0.0:
        return ly
    if w >= 1.0:
        return lx
    return torch.logaddexp(lx + math.log(w), ly + math.log1p(-w))


def _js_given_mix(t, lt, s, ls, lm, t_positive=None):
    return 0.5 * (_xlogratio(t, lt, lm, t_positive) + _xlogratio(s, ls, lm))


def _js(t, lt, s, ls):
    return _js_given_mix(t, lt, s, ls, _mix_log(lt, ls, 0.5))


def _gjs_given_mix(t, lt, s, ls, lm, beta, t_positive=None):
    return beta * _xlogratio(t, lt, lm, t_positive) + (1.0 - beta) * _xlogratio(s, ls, lm)


def _generalized_js(t, lt, s, ls, beta):
    if beta <= 0.0:
        return _kl(t, lt, s, ls)
    if beta >= 1.0:
        return _rkl(t, lt, s, ls)
    return _gjs_given_mix(t, lt, s, ls, _mix_log(lt, ls, beta), beta)


def _skew_kl(t, lt, s, ls, skew):
    return _xlogratio(t, lt, _mix_log(lt, ls, skew))


def _skew_rkl(t, lt, s, ls, skew):
    return _xlogratio(s, ls, _mix_log(ls, lt, skew))


def _tv(t, lt, s, ls):
    return 0.5 * (t - s).abs().sum(-1)


def _alpha(t, lt, s, ls, alpha):
    r"""Σ s f_α(t/s), f_α(u) = (u^α − αu − (1−α))/(α(α−1)), written termwise as
    s·[expm1(α r) − α expm1(r)]/(α(α−1)), r = log t − log s (each term ≥ 0: no cancellation
    between terms). t = 0 gives f_α(0) = 1/α (α > 0) or +inf (α < 0)."""
    import torch

    if abs(alpha - 1.0) < _END_TOL:
        return _kl(t, lt, s, ls)
    if abs(alpha) < _END_TOL:
        return _rkl(t, lt, s, ls)
    r = lt - ls
    pos_s = s > 0
    r = torch.where(pos_s, r, torch.zeros_like(r))
    term = s * (torch.expm1(alpha * r) - alpha * torch.expm1(r)) / (alpha * (alpha - 1.0))
    # s = 0: the term is t·f*(0) with f*(0) = lim f(u)/u = 1/(1−α) for α < 1, +inf for α > 1
    at_zero = t / (1.0 - alpha) if alpha < 1.0 else torch.where(t > 0, math.inf, 0.0)
    return torch.where(pos_s, term, at_zero).sum(-1)


def _entropy(w: Any, lw: Any) -> Any:
    return -_xlogratio(w, lw, 0.0 * lw)


def _balanced_kl(t, lt, s, ls, sharpness):
    import torch

    w_rev = torch.sigmoid(sharpness * (_entropy(s, ls) - _entropy(t, lt)))
    fwd, rev = _kl(t, lt, s, ls), _rkl(t, lt, s, ls)
    return (1.0 - w_rev) * fwd + torch.where(w_rev > 0, w_rev * rev, torch.zeros_like(rev))


def _sinkhorn(t, lt, s, ls, epsilon, cost=None, state=None, **solver):
    from explorer.ot.batched import sinkhorn_divergence

    return sinkhorn_divergence(t, s, cost, epsilon, state=state, **solver)


# -- the same numbers from explorer.divergences (numpy, independent) ------------------------------
def _cat(p: np.ndarray) -> Any:
    from explorer.distributions import Categorical

    p = np.asarray(p, dtype=float)
    return Categorical(p / p.sum())


def _dv(name: str, p: np.ndarray, q: np.ndarray, **params: float) -> float:
    from explorer import divergences as dv

    return dv.compute(name, _cat(p), _cat(q), **params)


def _np_entropy(p: np.ndarray) -> float:
    return _cat(p).entropy()


def _reg_generalized_js(t, s, beta):
    if beta <= 0.0:
        return _dv("kl", t, s)
    if beta >= 1.0:
        return _dv("kl", s, t)
    m = beta * t + (1.0 - beta) * s
    return beta * _dv("kl", t, m) + (1.0 - beta) * _dv("kl", s, m)


def _reg_balanced(t, s, sharpness):
    w = 1.0 / (1.0 + math.exp(-sharpness * (_np_entropy(s) - _np_entropy(t))))
    rev = _dv("reverse_kl", t, s)
    return (1.0 - w) * _dv("kl", t, s) + (w * rev if w > 0 else 0.0)


def _alpha_behaviour(params: Mapping[str, float]) -> str:
    a = params["alpha"]
    return SEEKING if a <= 0.25 else (COVERING if a >= 0.75 else BALANCED)


def _beta_behaviour(params: Mapping[str, float]) -> str:
    b = params["beta"]
    return COVERING if b <= 0.25 else (SEEKING if b >= 0.75 else BALANCED)


def _skew(name: str) -> Param:
    return Param("skew", 0.1, 0.0, 1.0, doc=f"mixing weight λ of the {name} side's own distribution "
                 "in the second argument (0: plain KL; DistiLLM uses 0.1)", label="skew λ", slider=(0.0, 0.9))


_GKD = "Agarwal, Vieillard, Zhou, Stanczyk, Ramos, Geist & Bachem (2024), \"On-policy distillation of " \
       "language models: learning from self-generated mistakes\" (GKD), ICLR."
_DISTILLM = "Ko, Kim, Chen & Yun (2024), \"DistiLLM: towards streamlined distillation for large language " \
            "models\", ICML."

register(Loss(
    name="kl", label="KL(t‖s)", formula="KL(t‖s) = Σ t log(t/s)",
    description="Forward KL, the classic distillation loss (Hinton et al. 2015): the student pays "
                "for every token the teacher likes and it misses, so a limited student spreads "
                "over all modes (mode averaging / covering).",
    reference="Hinton, Vinyals & Dean (2015), \"Distilling the knowledge in a neural network\"; "
              "Kullback & Leibler (1951).",
    behaviour=COVERING, fn=_kl, registry=lambda t, s: _dv("kl", t, s),
))
register(Loss(
    name="reverse_kl", label="KL(s‖t)", formula="RKL = KL(s‖t) = Σ s log(s/t)",
    description="Reverse KL: the student pays only where it puts mass, so a limited student "
                "picks one mode and drops the others (mode collapsing / seeking, MiniLLM). "
                "Infinite when the student has mass where the teacher has none (use floor=).",
    reference="Gu, Dong, Wei & Huang (2024), \"MiniLLM: knowledge distillation of large language "
              "models\", ICLR.",
    behaviour=SEEKING, fn=_rkl, registry=lambda t, s: _dv("reverse_kl", t, s),
    finite_on_teacher_zeros=False,
))
register(Loss(
    name="js", label="JS", formula="JS(t,s) = ½KL(t‖m) + ½KL(s‖m),  m = (t+s)/2",
    description="Jensen–Shannon: bounded by log 2, finite on any supports; between the two KLs "
                "(reported to under-estimate minor modes).",
    reference="Lin (1991), IEEE Trans. Inf. Theory 37(1); Wen, Li, Du & Mou (2023), \"f-divergence "
              "minimization for sequence-level knowledge distillation\", ACL.",
    behaviour=BALANCED, fn=_js, registry=lambda t, s: _dv("js", t, s), symmetric=True,
))
register(Loss(
    name="generalized_js", label="JSD(β)",
    formula="JSD(β) = β KL(t‖m) + (1−β) KL(s‖m),  m = βt + (1−β)s;  β=0: KL(t‖s), β=1: KL(s‖t)",
    description="Generalised JS of GKD: β = 0 is forward KL, β = ½ is JS, β = 1 is reverse KL "
                "(the endpoints are the limits of JSD(β)/β and JSD(β)/(1−β)); sweeping β moves a "
                "limited student from covering to seeking.",
    reference=_GKD,
    behaviour=_beta_behaviour, fn=_generalized_js, registry=_reg_generalized_js,
    params=ParamSet([Param("beta", 0.5, 0.0, 1.0, doc="0 = forward KL, ½ = JS, 1 = reverse KL",
                           label="β", slider=(0.0, 1.0), step=0.05)]),
    finite_on_teacher_zeros=False,
))
register(Loss(
    name="tv", label="TV", formula="TV(t,s) = ½ Σ |t − s|",
    description="Total variation: bounded by 1, ignores how far probability moves and how small "
                "the probabilities are.",
    reference="Wen, Li, Du & Mou (2023), ACL (TVD distillation); Csiszár (1967).",
    behaviour=BALANCED, fn=_tv, registry=lambda t, s: _dv("tv", t, s), symmetric=True,
))
register(Loss(
    name="skew_kl", label="SKL_λ", formula="SKL_λ(t‖s) = KL(t ‖ λt + (1−λ)s)",
    description="Skew forward KL (DistiLLM): the student's zeros are softened by a λ share of the "
                "teacher, which bounds the loss and its gradient.",
    reference=_DISTILLM, behaviour=COVERING, fn=_skew_kl,
    registry=lambda t, s, skew: _dv("kl", t, skew * t + (1.0 - skew) * s),
    params=ParamSet([_skew("teacher")]),
))
register(Loss(
    name="skew_reverse_kl", label="SRKL_λ", formula="SRKL_λ(t‖s) = KL(s ‖ λs + (1−λ)t)",
    description="Skew reverse KL (DistiLLM): mode-seeking like reverse KL, but finite against a "
                "teacher's zeros for λ > 0.",
    reference=_DISTILLM, behaviour=SEEKING, fn=_skew_rkl,
    registry=lambda t, s, skew: _dv("kl", s, skew * s + (1.0 - skew) * t),
    params=ParamSet([_skew("student")]), finite_on_teacher_zeros=False,
))
register(Loss(
    name="alpha", label="D_α", formula="D_α(t‖s) = (1 − Σ t^α s^(1−α)) / (α(1−α))",
    description="Amari α-divergence, registry convention: α → 1 is forward KL(t‖s) "
                "(covering), α → 0 is reverse KL(s‖t) (seeking), α = ½ is 4·Hellinger².",
    reference="Amari (1985); Cichocki & Amari (2010), Entropy 12:1532–1568; Wang, Gong, Wei et al. "
              "(2023) \"α-divergence for knowledge distillation\".",
    behaviour=_alpha_behaviour, fn=_alpha,
    registry=lambda t, s, alpha: _dv("alpha", t, s, alpha=alpha),
    params=ParamSet([Param("alpha", 0.5, -2.0, 3.0, doc="1 = forward KL, 0 = reverse KL, ½ = 4·H²",
                           label="α", slider=(-1.0, 2.0))]),
    finite_on_teacher_zeros=False,
))
register(Loss(
    name="balanced_kl", label="BKL",
    formula="BKL = (1−w)·KL(t‖s) + w·KL(s‖t),  w = σ(κ (H(s) − H(t)))",
    description="Forward/reverse KL with a per-row adaptive weight after BD-KD: a student less "
                "confident than the teacher (higher entropy) is pushed by reverse KL to sharpen, an "
                "over-confident one by forward KL to spread. Our weight is the smooth version "
                "σ(κ·entropy gap) of that rule, differentiated through.",
    reference="Amara, Sepahvand, Meyer, Gross & Clark (2022), \"BD-KD: balancing the divergences "
              "for online knowledge distillation\", arXiv:2212.12965.",
    behaviour=BALANCED, fn=_balanced_kl, registry=_reg_balanced,
    params=ParamSet([Param("sharpness", 5.0, 0.0, 1e3, label="κ", slider=(0.0, 20.0),
                           doc="κ: 0 gives the half-Jeffreys ½KL + ½RKL; large κ switches by the sign "
                               "of the entropy gap")]),
    finite_on_teacher_zeros=False,
))
register(Loss(
    name="sinkhorn", label="S_ε",
    formula="S_ε(t,s) = OT_ε(t,s) − ½OT_ε(t,t) − ½OT_ε(s,s),  OT_ε = min ⟨π,C⟩ + ε KL(π‖t⊗s)",
    description="Debiased Sinkhorn divergence over the vocabulary with cost C (default (i − j)² on "
                "the token indices, the registry's categorical convention): finite and informative "
                "when the supports barely overlap (SinKD). Pass cost= for another cost.",
    reference="Cui, Yang, Zhang, Xia, Zhang & Yan (2024), \"SinKD: Sinkhorn distance minimization "
              "for knowledge distillation\", IEEE TNNLS; Feydy et al. (2019), AISTATS.",
    behaviour=BALANCED, fn=_sinkhorn, needs_cost=True,
    registry=lambda t, s, epsilon: _dv("sinkhorn", t, s, epsilon=epsilon), symmetric=True,
    params=ParamSet([Param("epsilon", 0.5, 1e-3, math.inf, doc="entropic regularisation ε (units of "
                           "the cost)", label="ε", slider=(0.05, 50.0), log=True, unit=2,
                           low_open=False)]),
    units="cost units",
))


# -- validation and the public function ----------------------------------------------------------
def _as_tensor(x: Any, name: str, like: Any = None) -> Any:
    import torch

    if isinstance(x, torch.Tensor):
        t = x
    else:
        try:
            t = torch.tensor(np.asarray(x, dtype=float))
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a numeric tensor or array, got {type(x).__name__}") from None
    if not (t.dtype.is_floating_point):
        t = t.to(torch.float64)
    if like is not None:
        t = t.to(like.dtype)
    if t.ndim < 1 or t.shape[-1] < 1:
        raise ValueError(f"{name} must have shape [..., V] with V ≥ 1, got {tuple(t.shape)}")
    if bool(torch.isnan(t).any()):
        raise ValueError(f"{name} contains NaN")
    return t


def _check_logits(z: Any, name: str) -> None:
    import torch

    if bool(torch.isposinf(z).any()):
        raise ValueError(f"{name} contains +inf")
    if bool(torch.isneginf(z).all(-1).any()):
        raise ValueError(f"{name}: a row has every logit -inf (no distribution)")


def prepare(student_logits: Any, teacher: Any, temperature: float = 1.0, teacher_logits: bool = False,
            floor: float = 0.0) -> tuple[Any, Any, Any, Any]:
    """Validated ``(t, lt, s, ls)``: softened teacher and student probabilities and their logs.

    Raises ``ValueError`` for wrong shapes, NaN, negative probabilities, rows not summing to 1,
    a non-positive temperature or a floor outside [0, 1/V].
    """
    import torch

    z = _as_tensor(student_logits, "student_logits")
    _check_logits(z, "student_logits")
    tt = _as_tensor(teacher, "teacher", like=z)
    v = z.shape[-1]
    if tt.shape[-1] != v:
        raise ValueError(f"teacher has {tt.shape[-1]} tokens on its last axis, the student {v}")
    try:
        np.broadcast_shapes(tuple(tt.shape), tuple(z.shape))
    except ValueError:
        raise ValueError(f"teacher shape {tuple(tt.shape)} does not broadcast with student shape "
                         f"{tuple(z.shape)}") from None
    if not (isinstance(temperature, int | float) and not isinstance(temperature, bool)
            and math.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}")
    if not (isinstance(floor, int | float) and 0.0 <= floor <= 1.0 / v):
        raise ValueError(f"floor must be a number in [0, 1/V] = [0, {1.0 / v:g}], got {floor!r}")
    if teacher_logits:
        _check_logits(tt, "teacher")
        lt = torch.log_softmax(tt / temperature, dim=-1)
    else:
        if bool(torch.isinf(tt).any()):
            raise ValueError("teacher probabilities contain inf")
        if bool((tt < 0).any()):
            raise ValueError(f"teacher probabilities must be non-negative, got min {float(tt.min()):.3g}")
        sums = tt.sum(-1)
        atol = 1e-6 if tt.dtype == torch.float64 else 1e-4
        if bool(((sums - 1.0).abs() > atol).any()):
            worst = float(sums[(sums - 1.0).abs().argmax()] if sums.ndim else sums)
            raise ValueError(f"teacher rows must sum to 1 (within {atol:g}), got a row summing to "
                             f"{worst:.8g} (pass teacher_logits=True for logits)")
        if floor > 0:
            tt = torch.clamp(tt, min=floor)
        tt = tt / tt.sum(-1, keepdim=True)
        pos = tt > 0
        lt = torch.where(pos, torch.log(torch.where(pos, tt, torch.ones_like(tt))), -math.inf)
        if temperature != 1.0:
            lt = torch.log_softmax(lt / temperature, dim=-1)
    if teacher_logits and floor > 0:
        lt = torch.log(torch.clamp(lt.exp(), min=floor))
        lt = lt - torch.logsumexp(lt, -1, keepdim=True)
    ls = torch.log_softmax(z / temperature, dim=-1)
    return lt.exp(), lt, ls.exp(), ls


def per_row(entry: Loss, t: Any, lt: Any, s: Any, ls: Any, params: Mapping[str, float],
            **extra: Any) -> Any:
    """The loss per row (shape ``[...]``) from prepared inputs, without validation (training loops)."""
    return entry.fn(t, lt, s, ls, **params, **extra)


@functools.cache
def _mixture_divergence_fn() -> Any:
    """The autograd Function of the β-mixture divergences (JS, generalised JS), built on first use.

    Forward: the registry formula, unchanged (the same operations, so the same value). Backward:
    the gradient in closed form instead of through ~12 autograd nodes. With m = βt + (1−β)s,
    ∂/∂s_i [β Σ t log(t/m) + (1−β) Σ s log(s/m)] = (1−β)(log s_i − log m_i) (the 1/m terms cancel),
    so the gradient with respect to the student's log-probabilities is (1−β)·s·(log s − log m):
    finite wherever ls is (teacher zeros give log m = log((1−β)s)), zero where s underflows.
    """
    import torch
    from torch.autograd.function import once_differentiable

    class MixtureDivergence(torch.autograd.Function):
        @staticmethod
        def forward(ctx, ls, value, lt_w, log_1mw, student_weight):
            s = ls.exp()
            lm = torch.logaddexp(lt_w, ls + log_1mw)  # = _mix_log(lt, ls, β), lt + log β precomputed
            ctx.save_for_backward(s, ls, lm)
            ctx.student_weight = student_weight
            return value(s, ls, lm)

        @staticmethod
        @once_differentiable
        def backward(ctx, grad):
            s, ls, lm = ctx.saved_tensors
            return grad.unsqueeze(-1) * (ctx.student_weight * s * (ls - lm)), None, None, None, None

    return MixtureDivergence


def per_row_fn(entry: Loss, t: Any, lt: Any, params: Mapping[str, float],
               **extra: Any) -> Callable[[Any], Any]:
    """The per-row loss against a fixed teacher as a function of the student's log-probabilities.

    For training loops, where the teacher stays and the student changes every step: teacher-only
    work (whether it has zeros, ``log t + log β``) is done once here, and JS and the generalised JS
    get their gradient in closed form (one autograd node instead of ~12; see
    :func:`_mixture_divergence_fn`). Values equal :func:`per_row` on the same inputs; gradients
    agree to rounding. No validation.

    Parameters
    ----------
    entry : Loss
        A registry entry (:func:`get`).
    t, lt : torch.Tensor of shape ``[..., V]``
        The prepared teacher's probabilities and log-probabilities (:func:`prepare`).
    params : mapping
        The loss's resolved parameters (:meth:`Loss.resolve`).
    **extra
        Passed to the loss (``cost``, solver ``state``... of ``sinkhorn``).

    Returns
    -------
    callable
        ``f(ls)`` → per-row values (shape ``[...]``), differentiable in ``ls``, the student's
        log-probabilities ``log_softmax(z / T)`` (the same shape as ``t``).
    """
    t_positive = bool((t > 0).all())
    beta = {_js: 0.5, _generalized_js: params.get("beta")}.get(entry.fn)
    if entry.fn is _kl or (entry.fn is _generalized_js and beta <= 0.0):
        return lambda ls: _xlogratio(t, lt, ls, t_positive)
    if beta is not None and 0.0 < beta < 1.0:
        fn = _mixture_divergence_fn()
        lt_w, log_1mw = lt + math.log(beta), math.log1p(-beta)
        if entry.fn is _js:
            def value(s, ls, lm):
                return _js_given_mix(t, lt, s, ls, lm, t_positive)
        else:
            def value(s, ls, lm):
                return _gjs_given_mix(t, lt, s, ls, lm, beta, t_positive)
        return lambda ls: fn.apply(ls, value, lt_w, log_1mw, 1.0 - beta)
    return lambda ls: entry.fn(t, lt, ls.exp(), ls, **params, **extra)


def loss(name: str, student_logits: Any, teacher: Any, temperature: float = 1.0, reduction: str = "mean",
         teacher_logits: bool = False, *, floor: float = 0.0, cost: Any = None, **params: Any) -> Any:
    r"""Distillation loss :math:`D(t\|s)` between a teacher and the student ``softmax(z/T)``.

    Parameters
    ----------
    name : str
        A registered loss (:func:`names`): ``kl``, ``reverse_kl``, ``js``, ``generalized_js``,
        ``tv``, ``skew_kl``, ``skew_reverse_kl``, ``alpha``, ``balanced_kl``, ``sinkhorn``.
    student_logits : torch.Tensor of shape ``[..., V]``
        Gradients flow to it.
    teacher : torch.Tensor or array_like broadcastable to ``[..., V]``
        Probabilities (non-negative, rows summing to 1 within 1e-6; exact zeros allowed), or
        logits with ``teacher_logits=True``.
    temperature : float
        T > 0; softens both: ``s = softmax(z/T)``, ``t ∝ t^{1/T}``.
    reduction : {"mean", "sum", "none"}
        Over the leading axes (``"none"`` returns shape ``[...]``).
    floor : float
        Documented clamp: teacher probabilities below ``floor`` are raised to it and the rows
        renormalised (before the temperature). 0 (default) keeps the exact, possibly infinite,
        divergences.
    cost : torch.Tensor of shape ``[V, V]``, optional
        Cost matrix of ``sinkhorn`` (default ``(i − j)²``); ignored by the other losses.
    **params
        The loss's parameters (``beta``, ``skew``, ``alpha``, ``sharpness``, ``epsilon``).

    Returns
    -------
    torch.Tensor
        In nats (cost units for ``sinkhorn``); ``inf`` where the divergence is infinite.
    """
    entry = get(name)
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    resolved = entry.resolve(params)
    t, lt, s, ls = prepare(student_logits, teacher, temperature, teacher_logits, floor)
    extra = {"cost": cost} if entry.needs_cost else {}
    values = per_row(entry, t, lt, s, ls, resolved, **extra)
    if reduction == "none":
        return values
    return values.sum() if reduction == "sum" else values.mean()


def registry_value(name: str, teacher: Any, student: Any, **params: Any) -> float:
    """The loss between two probability vectors computed by ``explorer.divergences`` (numpy)."""
    entry = get(name)
    if entry.registry is None:
        raise ValueError(f"loss {name!r} has no categorical form in explorer.divergences")
    return float(entry.registry(np.asarray(teacher, dtype=float), np.asarray(student, dtype=float),
                                **entry.resolve(params)))
