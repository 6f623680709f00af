"""What a fit returns: the best model, every distinct optimum, and the full history."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from explorer.distributions import Distribution
from explorer.fitting.families import ModelFamily

__all__ = ["FitHistory", "FitResult", "Optimum"]


@dataclass(frozen=True)
class Optimum:
    """A distinct local optimum: the fitted q, its true divergence and the restarts that found it."""

    q: Distribution
    value: float
    restarts: tuple[int, ...]
    objective: float

    @property
    def count(self) -> int:
        return len(self.restarts)


@dataclass(frozen=True)
class FitHistory:
    """Parameters and objective of every restart at every step (for animation).

    ``theta[s, r]`` are the unconstrained parameters of restart ``r`` after ``s`` steps and
    ``loss[s, r]`` the objective there (the quadrature/sample objective, not the final
    re-evaluated value).
    """

    theta: np.ndarray
    loss: np.ndarray
    family: ModelFamily = field(repr=False)

    @property
    def steps(self) -> int:
        return self.theta.shape[0] - 1

    def q(self, step: int, restart: int) -> Distribution:
        """The model of ``restart`` after ``step`` steps."""
        return self.family.distribution(self.theta[step, restart])


@dataclass(frozen=True)
class FitResult:
    """Outcome of :func:`fit`: the best q, all distinct optima, and the full history.

    ``optima`` are the distinct end points of the restarts whose objective had settled (changed
    by < 1e-4 relative over the last 20 steps), best first, each with its true divergence;
    ``unsettled`` lists restarts that had not (e.g. stuck where the divergence is infinite).
    """

    q: Distribution
    value: float
    divergence: str
    params: dict
    family: str
    path: str
    optima: tuple[Optimum, ...]
    history: FitHistory
    best_restart: int
    converged: bool
    unsettled: tuple[int, ...]
    seconds: float

    def summary(self) -> str:
        lines = [f"{self.divergence} fit ({self.path}), best D = {self.value:.6g}, "
                 f"{len(self.optima)} distinct optimum/optima in {self.seconds:.2f} s"]
        for o in self.optima:
            lines.append(f"  D = {o.value:.6g}  found by {o.count} restart(s): {o.q.describe()}")
        if self.unsettled:
            lines.append(f"  {len(self.unsettled)} restart(s) had not settled: {list(self.unsettled)}")
        return "\n".join(lines)
