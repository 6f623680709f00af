r"""Tasks with known mutual information, and the bias/spread of an estimator on them.

Ideas from the "Beyond Normal" benchmark (Czyż, Grabowski, Vogt, Beerenwinkel & Marx 2023,
NeurIPS): every task knows its true MI, so estimators are judged against truth.

* Correlated Gaussians: X, Y ∈ ℝ^d, pairs (X_i, Y_i) with correlation ρ, independent across i:
  :math:`I = -\frac d2\log(1-\rho^2)`.
* Invertible transforms of those (each coordinate mapped by a smooth bijection): the MI is
  unchanged, so a fair estimator should be too.
* Student-t: (X, Y) multivariate t with ν degrees of freedom and scale matrix Σ. The marginals
  are t with the same ν, and with :math:`g(d) = \log\frac{\Gamma(\nu/2)(\nu\pi)^{d/2}}{\Gamma((\nu+d)/2)}
  + \frac{\nu+d}2[\psi(\frac{\nu+d}2) - \psi(\frac\nu2)]` (the entropy of a standard d-variate t,
  Kotz & Nadarajah 2004),
  :math:`I = I_{\mathrm{Gauss}}(\Sigma) + g(d_x) + g(d_y) - g(d_x+d_y) > 0` even when Σ = I.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import digamma, gammaln

from explorer.information.estimators import get, mutual_information

__all__ = ["EvaluationResult", "MITask", "benchmark_tasks", "evaluate", "student_t_mi"]


@dataclass(frozen=True)
class MITask:
    """A sampler with a known mutual information.

    Attributes
    ----------
    name : str
    true_mi : float
        I(X;Y) in nats.
    dim_x, dim_y : int
    sampler : callable
        ``sampler(n, rng) -> (x, y)`` with shapes (n, dim_x), (n, dim_y).
    description : str
    """

    name: str
    true_mi: float
    dim_x: int
    dim_y: int
    sampler: Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]] = field(repr=False)
    description: str = ""

    def sample(self, n: int, rng: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """``n`` paired samples ``(x, y)``."""
        return self.sampler(int(n), np.random.default_rng(rng))


def _gauss_sampler(d: int, rho: float, fx: Callable | None = None, fy: Callable | None = None):
    def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.standard_normal((n, d))
        y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, d))
        return (x if fx is None else fx(x)), (y if fy is None else fy(y))
    return sample


def _t_entropy_term(nu: float, d: int) -> float:
    return float(gammaln(nu / 2) + 0.5 * d * math.log(nu * math.pi) - gammaln((nu + d) / 2)
                 + (nu + d) / 2 * (digamma((nu + d) / 2) - digamma(nu / 2)))


def student_t_mi(nu: float, dx: int, dy: int, rho: float = 0.0) -> float:
    """True MI (nats) of a (dx+dy)-variate Student t, ν dof, pairs (X_i, Y_i) with scale correlation ρ."""
    gauss = -0.5 * min(dx, dy) * math.log(1 - rho**2)
    return gauss + _t_entropy_term(nu, dx) + _t_entropy_term(nu, dy) - _t_entropy_term(nu, dx + dy)


def _t_sampler(d: int, nu: float, rho: float):
    def sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x, y = _gauss_sampler(d, rho)(n, rng)
        w = np.sqrt(nu / rng.chisquare(nu, size=(n, 1)))
        return x * w, y * w
    return sample


def _gauss_mi(d: int, rho: float) -> float:
    return -0.5 * d * math.log(1 - rho**2)


def benchmark_tasks() -> dict[str, MITask]:
    """The known-MI tasks by name (Gaussians in several dimensions, transforms, Student t)."""
    tasks = [
        MITask("gauss-1x1-rho0.5", _gauss_mi(1, 0.5), 1, 1, _gauss_sampler(1, 0.5),
               "bivariate Gaussian, ρ = 0.5"),
        MITask("gauss-1x1-rho0.9", _gauss_mi(1, 0.9), 1, 1, _gauss_sampler(1, 0.9),
               "bivariate Gaussian, ρ = 0.9"),
        MITask("gauss-3x3-rho0.6", _gauss_mi(3, 0.6), 3, 3, _gauss_sampler(3, 0.6),
               "3 independent pairs with ρ = 0.6"),
        MITask("gauss-5x5-rho0.6", _gauss_mi(5, 0.6), 5, 5, _gauss_sampler(5, 0.6),
               "5 independent pairs with ρ = 0.6"),
        MITask("cubed-1x1-rho0.9", _gauss_mi(1, 0.9), 1, 1, _gauss_sampler(1, 0.9, np.cbrt, lambda y: y**3),
               "ρ = 0.9 Gaussian with x ↦ x^(1/3), y ↦ y³ (invertible: same MI)"),
        MITask("asinh-3x3-rho0.6", _gauss_mi(3, 0.6), 3, 3,
               _gauss_sampler(3, 0.6, np.arcsinh, lambda y: np.exp(y)),
               "3-pair ρ = 0.6 Gaussian with x ↦ asinh x, y ↦ exp y (invertible: same MI)"),
        MITask("student-1x1-nu3", student_t_mi(3, 1, 1), 1, 1, _t_sampler(1, 3.0, 0.0),
               "bivariate Student t, ν = 3, Σ = I (uncorrelated yet dependent)"),
        MITask("student-2x2-nu5-rho0.5", student_t_mi(5, 2, 2, 0.5), 2, 2, _t_sampler(2, 5.0, 0.5),
               "4-variate Student t, ν = 5, pairs with scale correlation 0.5"),
    ]
    return {t.name: t for t in tasks}


@dataclass(frozen=True, eq=False)
class EvaluationResult:
    """Estimates of one method on one task: ``estimates[rep, j]`` at ``ns[j]`` samples."""

    method: str
    task: str
    true_mi: float
    ns: np.ndarray
    estimates: np.ndarray
    seconds: np.ndarray
    params: dict = field(default_factory=dict)
    units: str = "nats"

    @property
    def mean(self) -> np.ndarray:
        return self.estimates.mean(axis=0)

    @property
    def std(self) -> np.ndarray:
        return self.estimates.std(axis=0, ddof=1) if self.estimates.shape[0] > 1 else np.zeros(self.ns.size)

    @property
    def bias(self) -> np.ndarray:
        return self.mean - self.true_mi

    @property
    def rmse(self) -> np.ndarray:
        return np.sqrt(np.mean((self.estimates - self.true_mi) ** 2, axis=0))


def evaluate(method: str, task: str | MITask, n: int | Sequence[int] = 1000, reps: int = 5, seed: int = 0,
             callback: Callable[[int, int], None] | None = None,
             should_stop: Callable[[], bool] | None = None, **params: Any) -> EvaluationResult:
    """Run ``method`` on ``reps`` independent samples of ``task`` at each sample size ``n``.

    Parameters
    ----------
    method : str
        A registry name.
    task : str or MITask
        A name from :func:`benchmark_tasks` or a task.
    n : int or sequence of int
        Sample size(s).
    reps : int
        Independent repetitions per size.
    seed : int
        Root seed (sample ``(rep, j)`` uses its own child seed).
    callback, should_stop : callable, optional
        Progress ``callback(done, total)``; cooperative cancellation (stops before the next
        estimate; the result holds the completed repetitions only).
    **params
        Passed to :func:`~explorer.information.mutual_information`.
    """
    import time

    get(method)
    tasks = benchmark_tasks()
    if isinstance(task, str):
        if task not in tasks:
            raise ValueError(f"unknown task {task!r}; choose one of: {', '.join(tasks)}")
        task = tasks[task]
    ns = np.atleast_1d(np.asarray(n))
    if ns.size == 0 or not np.issubdtype(ns.dtype, np.integer) or np.any(ns < 2):
        raise ValueError(f"n must be an integer >= 2 or a sequence of them, got {n!r}")
    if isinstance(reps, bool) or not isinstance(reps, int | np.integer) or reps < 1:
        raise ValueError(f"reps must be a positive integer, got {reps!r}")
    est = np.full((reps, ns.size), np.nan)
    sec = np.zeros((reps, ns.size))
    seeds = np.random.SeedSequence(seed).spawn(reps * ns.size)
    done_reps = 0
    for r in range(reps):
        if should_stop is not None and should_stop():
            break
        for j, nj in enumerate(ns):
            rng = np.random.default_rng(seeds[r * ns.size + j])
            x, y = task.sample(int(nj), rng)
            t0 = time.perf_counter()
            est[r, j] = float(mutual_information(x, y, method, seed=int(rng.integers(2**31)), **params))
            sec[r, j] = time.perf_counter() - t0
            if callback is not None:
                callback(r * ns.size + j + 1, reps * ns.size)
        done_reps += 1
    if done_reps == 0:
        raise RuntimeError("evaluate was stopped before any repetition finished")
    return EvaluationResult(method, task.name, task.true_mi, ns.astype(int), est[:done_reps], sec[:done_reps],
                            dict(params))
