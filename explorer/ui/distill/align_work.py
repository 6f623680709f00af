"""The Alignment tab's long work, without widgets: the alignment–diversity frontier, one divergence at a
time (each one a :func:`explorer.alignment.frontier` over the β grid), streamed as it grows.

Frontiers already computed for the same problem and capacity are kept, so adding a divergence
only fits that one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from explorer.alignment import problem as P
from explorer.ui.widgets import Cancelled, Job

__all__ = ["BETAS", "PROBLEMS", "AlignSpec", "Progress", "make_problem", "run"]

BETAS = tuple(float(f"{b:.3g}") for b in np.geomspace(0.05, 2.0, 20))
PROBLEMS = {
    "reward": "toy reward r(x) (KL-regularised RL: p ∝ a·exp(r/β))",
    "preference": "toy preference b(x) ∈ {0, 1} (distributional control: p ∝ a·exp(b/β) → a·b)",
}
STEPS = 200


def make_problem(kind: str) -> P.AlignmentProblem:
    """The toy problem of :func:`explorer.alignment.toy` (300 items) of this kind."""
    return P.toy(kind=kind)


@dataclass(frozen=True)
class AlignSpec:
    kind: str
    capacity: int
    divergences: tuple[str, ...]

    def key(self) -> tuple:
        return (self.kind, self.capacity)


@dataclass(frozen=True)
class Progress:
    fraction: float
    doing: str
    frontiers: dict


def run(job: Job, problem: P.AlignmentProblem, spec: AlignSpec, done: Mapping) -> dict:
    """``{divergence: Frontier}`` for every divergence of ``spec`` (those in ``done`` kept)."""
    from explorer.alignment import fdpg

    out = dict(done)
    todo = [d for d in spec.divergences if d not in out]
    for i, d in enumerate(todo):
        job.emit(Progress(i / len(todo), d, dict(out)))
        fr = fdpg.frontier(
            problem,
            [d],
            BETAS,
            capacity=spec.capacity,
            steps=STEPS,
            vendi=True,
            should_stop=lambda: job.cancelled,
        )
        if fr.stopped:
            raise Cancelled
        out[d] = fr
    return out
