"""What a fit returns: the best model, every distinct optimum, and the full history."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from explorer.distributions import Distribution
from explorer.fitting.families import ModelFamily

__all__ = ["FitHistory", "FitResult", "Optimum"]


@dataclass(frozen=True)
class Optimum:
    """A distinct local optimum: the fitted q, its true divergence and the restarts that found it.

    ``grad_norm`` is the norm of the objective's gradient there (scaled coordinates: locations in
    units of the scene width; ``0`` for an exact solution, ``nan`` where not computed);
    ``stationary`` is False only for the best point of a fit none of whose restarts reached a
    stationary point (it is then reported, flagged, rather than nothing).
    """

    q: Distribution
    value: float
    restarts: tuple[int, ...]
    objective: float
    grad_norm: float = float("nan")
    stationary: bool = True

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

    ``optima`` are the distinct stationary end points of the restarts, best first, each with its
    true divergence: for smooth objectives (quadrature, kernel, likelihood) the end points are
    polished by Newton steps and kept only if the gradient norm is below
    :data:`~explorer.fitting.polish.GRAD_TOL`; on the sample paths, those whose objective had
    settled (changed by < 1e-4 relative over the last 20 steps). ``unsettled`` lists the other
    restarts (e.g. stuck where the divergence is infinite); ``grad_norms`` the gradient norm of
    every restart's end point.
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
    grad_norms: np.ndarray | None = None

    def summary(self) -> str:
        lines = [f"{self.divergence} fit ({self.path}), best D = {self.value:.6g}, "
                 f"{len(self.optima)} distinct optimum/optima in {self.seconds:.2f} s"]
        for o in self.optima:
            flag = "" if o.stationary else " (not stationary)"
            lines.append(f"  D = {o.value:.6g}  found by {o.count} restart(s), |grad| = {o.grad_norm:.1e}"
                         f"{flag}: {o.q.describe()}")
        if self.unsettled:
            lines.append(f"  {len(self.unsettled)} restart(s) had not settled: {list(self.unsettled)}")
        return "\n".join(lines)
