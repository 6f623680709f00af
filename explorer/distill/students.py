r"""Deliberately limited students: families of distributions over V tokens that cannot copy the teacher.

Each :class:`Family` maps learnable tensors θ to logits of shape ``(C, V)`` (one row per teacher
context). Capacity is a parameter (a :class:`~explorer.params.Param`) where the family has one.

``unimodal``
    a discretised Gaussian over the token positions, ``z_i = −(x_i − μ)²/(2σ²)``: one mode.
``mixture``
    a discretised mixture of ``components`` Gaussians (capacity = number of modes).
``smooth``
    logits in the span of the first ``rank`` cosine (DCT-II) functions of the token index:
    smooth logits, an exponential family (forward KL is convex in θ).
``lowrank``
    rows share a learnt rank-``rank`` factorisation, ``Z = U W + b`` (U: C×r, W: r×V): the
    classic limited-softmax-bottleneck student for a teacher with many contexts.
``temperature``
    ``softmax(log(base)/τ)`` with only τ learnt, ``base = (1−mix)·teacher + mix/V``: how much a
    divergence wants the student sharper or flatter than a (smoothed) copy of the teacher.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.params import Param, ParamSet

__all__ = ["FAMILIES", "Family", "get", "names"]


@dataclass(frozen=True)
class Family:
    """A student family: ``init(ctx) -> {name: tensor}`` and ``logits(theta, ctx) -> (C, V)``.

    ``ctx`` carries ``teacher`` (C×V float64 tensor), ``x`` (token positions scaled to [0, 1]),
    ``rng`` (numpy Generator) and the resolved ``params``.
    """

    name: str
    label: str
    description: str
    init: Callable[[Mapping[str, Any]], dict[str, Any]]
    logits: Callable[[Mapping[str, Any], Mapping[str, Any]], Any]
    params: ParamSet = field(default_factory=ParamSet)
    needs_ordered: bool = False
    needs_rows: int = 1

    def resolve(self, given: Mapping[str, Any]) -> dict[str, float]:
        return self.params.resolve(given, owner=self.name)


FAMILIES: dict[str, Family] = {}


def names() -> list[str]:
    return list(FAMILIES)


def get(name: str) -> Family:
    try:
        return FAMILIES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown student family {name!r}; choose one of: {', '.join(FAMILIES)}") from None


def _register(f: Family) -> None:
    FAMILIES[f.name] = f


def _tensor(a: Any, grad: bool = True) -> Any:
    import torch

    return torch.tensor(np.asarray(a, dtype=float), dtype=torch.float64, requires_grad=grad)


# positions are scaled to x ∈ [0, 1]: μ and log σ live on the scale of Adam's step size
def _init_unimodal(ctx):
    c = ctx["teacher"].shape[0]
    rng = ctx["rng"]
    return {"mu": _tensor(rng.uniform(0.1, 0.9, size=c)), "log_sigma": _tensor(np.full(c, math.log(0.05)))}


def _logits_unimodal(th, ctx):
    x = ctx["x"]
    sig = th["log_sigma"].exp()[:, None]
    return -0.5 * ((x[None, :] - th["mu"][:, None]) / sig) ** 2


def _init_mixture(ctx):
    c = ctx["teacher"].shape[0]
    k = int(ctx["params"]["components"])
    rng = ctx["rng"]
    return {"mu": _tensor(rng.uniform(0.05, 0.95, size=(c, k))),
            "log_sigma": _tensor(np.full((c, k), math.log(0.25 / k))),
            "logit_w": _tensor(np.zeros((c, k)))}


def _logits_mixture(th, ctx):
    import torch

    x = ctx["x"]
    sig = th["log_sigma"].exp()[:, :, None]
    comp = -0.5 * ((x[None, None, :] - th["mu"][:, :, None]) / sig) ** 2 - th["log_sigma"][:, :, None]
    lw = torch.log_softmax(th["logit_w"], -1)[:, :, None]
    return torch.logsumexp(lw + comp, dim=1)


def _dct(v: int, k: int) -> Any:
    import torch

    i = torch.arange(v, dtype=torch.float64)
    m = torch.arange(k, dtype=torch.float64)
    return torch.cos(math.pi * m[:, None] * (i[None, :] + 0.5) / v)  # (k, V)


def _init_smooth(ctx):
    c, _v = ctx["teacher"].shape
    return {"coef": _tensor(np.zeros((c, int(ctx["params"]["rank"]))))}


def _logits_smooth(th, ctx):
    basis = ctx.setdefault("_basis", _dct(ctx["teacher"].shape[1], th["coef"].shape[1]))
    return 4.0 * th["coef"] @ basis  # 4x: O(1) logit changes per Adam step of 0.05


def _init_lowrank(ctx):
    c, v = ctx["teacher"].shape
    r = int(ctx["params"]["rank"])
    rng = ctx["rng"]
    return {"u": _tensor(rng.normal(0.0, 0.3, size=(c, r))), "w": _tensor(rng.normal(0.0, 0.3, size=(r, v))),
            "b": _tensor(np.zeros(v))}


def _logits_lowrank(th, ctx):
    return 4.0 * (th["u"] @ th["w"] + th["b"][None, :])


def _init_temperature(ctx):
    c = ctx["teacher"].shape[0]
    return {"log_tau": _tensor(np.zeros(c))}


def _logits_temperature(th, ctx):
    import torch

    if "_log_base" not in ctx:
        t = ctx["teacher"]
        mix = float(ctx["params"]["mix"])
        ctx["_log_base"] = torch.log((1.0 - mix) * t + mix / t.shape[1])
    return ctx["_log_base"] / th["log_tau"].exp()[:, None]


_register(Family(
    name="unimodal", label="unimodal (discretised Gaussian)",
    description="One discretised Gaussian bump over the ordered tokens: it cannot represent two modes.",
    init=_init_unimodal, logits=_logits_unimodal, needs_ordered=True,
))
_register(Family(
    name="mixture", label="mixture of K bumps",
    description="A discretised mixture of K Gaussian bumps: capacity = K modes.",
    init=_init_mixture, logits=_logits_mixture, needs_ordered=True,
    params=ParamSet([Param("components", 2, 1, 10, doc="number of bumps K", label="K", integer=True,
                           slider=(1, 6))]),
))
_register(Family(
    name="smooth", label="smooth logits (K cosines)",
    description="Logits spanned by the first K cosine functions of the token index: smooth, "
                "an exponential family.",
    init=_init_smooth, logits=_logits_smooth,
    params=ParamSet([Param("rank", 4, 1, 200, doc="number of cosine basis functions K", label="K",
                           integer=True, slider=(1, 30))]),
))
_register(Family(
    name="lowrank", label="low-rank logits (rank r)",
    description="Contexts share a learnt rank-r factorisation of the logit matrix (softmax bottleneck).",
    init=_init_lowrank, logits=_logits_lowrank, needs_rows=2,
    params=ParamSet([Param("rank", 2, 1, 64, doc="rank r of the logit matrix", label="r", integer=True,
                           slider=(1, 16))]),
))
_register(Family(
    name="temperature", label="temperature only",
    description="A smoothed copy of the teacher with one learnt temperature τ per row.",
    init=_init_temperature, logits=_logits_temperature,
    params=ParamSet([Param("mix", 0.1, 0.0, 1.0, low_open=True, doc="uniform share mixed into the base",
                           label="mix", slider=(0.01, 0.5))]),
))
