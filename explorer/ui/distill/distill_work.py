"""The Distillation tab's long work, without widgets: every chosen loss trained at every temperature of
the grid and the generalised-JS β sweep, the most wanted first, streamed as cumulative snapshots.

The order makes each control answer as soon as possible: the chosen losses at the temperature on
screen, then the β sweep (at T = 1), then the other temperatures, nearest first (each
warm-started from its neighbour, so the students move continuously along the slider). Results
already computed for the same teacher and settings are kept, so a slider revisiting a value costs
nothing. All numbers come from :func:`explorer.distill.distill` and :func:`explorer.distill.sweep`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.distill import losses as L
from explorer.ui.widgets import Cancelled, Job

__all__ = [
    "BETAS",
    "FLOOR",
    "STEPS",
    "SWEEP_LOSS",
    "SWEEP_METRICS",
    "SWEEP_TEMPERATURE",
    "TEMPERATURES",
    "FitSpec",
    "Snapshot",
    "floor_for",
    "run",
]

TEMPERATURES = (0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0)
BETAS = tuple(float(b) for b in np.round(np.linspace(0.0, 1.0, 21), 3))
SWEEP_LOSS, SWEEP_PARAMETER = "generalized_js", "beta"
SWEEP_TEMPERATURE = 1.0
STEPS = 300
SWEEP_STEPS = 200
FLOOR = 1e-6
"""Teacher clamp for losses that are infinite against its exact zeros (the library's ``floor=``)."""
EMIT_EVERY = 10  # training steps between two progress reports
SWEEP_METRICS = ("kl", "reverse_kl")
"""Registry divergences computed along the β sweep (diversity metrics always are)."""


def floor_for(loss: str, teacher: Any, params: Mapping[str, float] | None = None) -> float:
    """:data:`FLOOR` when ``loss`` is infinite against the teacher's exact zeros, else 0.

    The registry entry says whether the loss can be infinite there; with ``params`` (the loss's
    parameters) it is also evaluated against a uniform student, which has mass on every zero: a
    loss finite there at those parameters (skew reverse KL with a skew > 0) needs no clamp.
    """
    probs = np.asarray(teacher.probs, dtype=float)
    if L.get(loss).finite_on_teacher_zeros or not np.any(probs == 0):
        return 0.0
    if params is not None:
        import torch

        uniform = torch.zeros(probs.shape, dtype=torch.float64)
        if math.isfinite(float(L.loss(loss, uniform, probs, **params))):
            return 0.0
    return FLOOR


@dataclass(frozen=True)
class FitSpec:
    """What the students are: family and its parameters, the losses and their parameters."""

    family: str
    family_params: Mapping[str, float]
    losses: tuple[str, ...]
    loss_params: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    steps: int = STEPS
    seed: int = 0

    def key(self) -> tuple:
        """Everything a trained student depends on except the loss and the temperature."""
        return (self.family, tuple(sorted(self.family_params.items())), self.steps, self.seed)

    def params_of(self, loss: str) -> dict[str, float]:
        return dict(self.loss_params.get(loss, {}))


@dataclass(frozen=True)
class Snapshot:
    """Everything computed so far (``fits[(loss, T, params)]``, ``sweeps[T]``) and what is next."""

    fits: dict
    sweeps: dict
    fraction: float
    doing: str


def fit_key(loss: str, temperature: float, params: Mapping[str, float]) -> tuple:
    return (loss, float(temperature), tuple(sorted(params.items())))


def _distance(t: float, t0: float) -> float:
    return abs(math.log(t / t0))


def plan(spec: FitSpec, temperature: float, fits: Mapping, sweeps: Mapping) -> list[tuple[str, float]]:
    """``[(what, T)]`` still to compute, most wanted first: ``what`` is a loss or ``"sweep"``."""
    todo = [
        (name, temperature)
        for name in spec.losses
        if fit_key(name, temperature, spec.params_of(name)) not in fits
    ]
    if SWEEP_TEMPERATURE not in sweeps:
        todo.append(("sweep", SWEEP_TEMPERATURE))
    for t in sorted(TEMPERATURES, key=lambda t: _distance(t, temperature)):
        if t != temperature:
            todo += [(name, t) for name in spec.losses if fit_key(name, t, spec.params_of(name)) not in fits]
    return todo


def _warm(spec: FitSpec, name: str, t: float, fits: Mapping) -> dict | None:
    """θ of the same loss at the nearest temperature already trained (continuity along T)."""
    near = [k for k in fits if k[0] == name and k[2] == fit_key(name, t, spec.params_of(name))[2]]
    if not near:
        return None
    best = min(near, key=lambda k: _distance(k[1], t))
    return fits[best].theta


def run(
    job: Job, teacher: Any, spec: FitSpec, temperature: float, fits: Mapping, sweeps: Mapping
) -> Snapshot:
    """Compute what :func:`plan` lists, emitting a :class:`Snapshot` after every piece (and progress
    inside each), so the page draws each student as soon as it exists."""
    from explorer import distill

    fits, sweeps = dict(fits), dict(sweeps)
    todo = plan(spec, temperature, fits, sweeps)
    units = [len(BETAS) if what == "sweep" else 1 for what, _ in todo]
    total = max(sum(units), 1)
    done = 0.0

    def stop() -> bool:
        return job.cancelled

    for (what, t), size in zip(todo, units, strict=True):
        doing = (
            f"β sweep of {L.get(SWEEP_LOSS).label} at T = {t:g}"
            if what == "sweep"
            else f"{L.get(what).label} at T = {t:g}"
        )
        job.emit(Snapshot(dict(fits), dict(sweeps), done / total, doing))
        if what == "sweep":
            count = [0]

            def progress(
                step: int, _loss: float, count: list = count, start: float = done, doing: str = doing
            ) -> None:
                if step == 1:
                    count[0] += 1
                job.check()
                if step % EMIT_EVERY:
                    return
                frac = (start + count[0] - 1 + step / SWEEP_STEPS) / total
                job.emit(Snapshot(dict(fits), dict(sweeps), min(frac, 1.0), doing))

            result = distill.sweep(
                teacher,
                SWEEP_PARAMETER,
                BETAS,
                loss=SWEEP_LOSS,
                student=spec.family,
                student_params=spec.family_params,
                steps=SWEEP_STEPS,
                seed=spec.seed,
                temperature=t,
                floor=floor_for(SWEEP_LOSS, teacher),
                metrics=list(SWEEP_METRICS),
                callback=progress,
                should_stop=stop,
            )
            if result.stopped:
                raise Cancelled
            sweeps[t] = result
        else:
            params = spec.params_of(what)

            def progress(step: int, _loss: float, start: float = done, doing: str = doing) -> None:
                job.check()
                if step % EMIT_EVERY == 0:
                    job.emit(Snapshot(dict(fits), dict(sweeps), (start + step / spec.steps) / total, doing))

            result = distill.distill(
                teacher,
                student=spec.family,
                loss=what,
                steps=spec.steps,
                seed=spec.seed,
                temperature=t,
                floor=floor_for(what, teacher, params),
                student_params=spec.family_params,
                loss_params=params,
                init=_warm(spec, what, t, fits),
                callback=progress,
                should_stop=stop,
            )
            if result.stopped:
                raise Cancelled
            fits[fit_key(what, t, params)] = result
        done += size
    return Snapshot(fits, sweeps, 1.0, "")
