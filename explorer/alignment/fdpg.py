r"""f-DPG: fit a restricted policy to the target under any divergence, and the alignment–diversity frontier.

Go, Korbak, Kruszewski, Rozen, Ryu & Dymetman (2023), "Aligning language models with
preferences through f-divergence minimization", ICML: approximate the target p (see
:mod:`explorer.alignment.problem`) by a policy π_θ of limited capacity by minimising
:math:`D(p\|π_θ)` for a chosen divergence — here any loss of :mod:`explorer.distill.losses`, so
forward KL (DPG), reverse KL (RL with a KL penalty), JS, TV, α, … with the same, tested code.
Their finding: no divergence is best on every metric; JS often balances alignment and diversity.

Policy family: :math:`π_θ(x) ∝ a(x)\,\exp(Σ_{k<K} θ_k φ_k(x))` with φ_k the first K cosine
functions of the item position (K = ``capacity``): it can shift mass smoothly but cannot pick out
single items, so the divergence decides which part of the target it gives up.

Fits are exact (sums over all items, no sampling) by L-BFGS (scipy, torch gradients, float64),
one target at a time (θ of sharp and flat targets differ by orders of magnitude: one joint run
over a β grid is badly conditioned), each β warm-started from the previous one; ``steps`` is
the iteration limit and ``converged`` L-BFGS's success flag.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize

from explorer.alignment.problem import AlignmentProblem
from explorer.distill import losses as L
from explorer.distill.metrics import entropy, vendi_score

__all__ = ["AlignmentMetrics", "FitResult", "Frontier", "coverage", "fit", "frontier", "metrics"]

DEFAULT_CAPACITY = 6
COVERAGE_RATIO = 0.1
"""An item of the target's support is covered when π gives it at least this share of p(x)."""
SUPPORT_CUTOFF = 1e-6
"""Items with p(x) below this share of max p are outside the target's (numerical) support."""


@dataclass(frozen=True)
class AlignmentMetrics:
    """Alignment (E_π[r] or π(b=1)), diversity (entropy in nats, Vendi, coverage) and D(p‖π)."""

    alignment: float
    entropy: float
    vendi: float
    coverage: float
    divergence: float
    divergence_name: str
    units: str = "nats"

    def as_row(self) -> dict[str, float]:
        return {"alignment": self.alignment, "entropy": self.entropy, "vendi": self.vendi,
                "coverage": self.coverage, f"D[{self.divergence_name}]": self.divergence}


def coverage(target: np.ndarray, policy: np.ndarray, ratio: float = COVERAGE_RATIO) -> np.ndarray:
    """Share of the target's mass on items where ``policy ≥ ratio · target`` (per row)."""
    p, q = np.atleast_2d(target), np.atleast_2d(policy)
    support = p > SUPPORT_CUTOFF * p.max(-1, keepdims=True)
    ok = support & (q >= ratio * p)
    return np.squeeze(np.sum(np.where(ok, p, 0.0), -1) / np.sum(np.where(support, p, 0.0), -1))


def metrics(problem: AlignmentProblem, target: np.ndarray, policy: np.ndarray, divergence: str = "kl",
            **params: Any) -> AlignmentMetrics:
    """:class:`AlignmentMetrics` of one policy against one target (Vendi over item positions)."""
    policy = np.asarray(policy, dtype=float)
    return AlignmentMetrics(
        alignment=float(problem.alignment(policy)), entropy=float(entropy(policy)),
        vendi=vendi_score(policy, problem.positions), coverage=float(coverage(target, policy)),
        divergence=L.registry_value(divergence, target, policy, **params), divergence_name=divergence,
        units=L.get(divergence).units,
    )


def _features(problem: AlignmentProblem, capacity: int) -> Any:
    import torch

    x = problem.positions
    u = (x - x.min()) / (x.max() - x.min())
    k = np.arange(1, capacity + 1)
    return torch.tensor(np.cos(math.pi * k[None, :] * u[:, None]), dtype=torch.float64)  # (n, K)


def _check_capacity(capacity: Any) -> int:
    if isinstance(capacity, bool) or not isinstance(capacity, int | np.integer) or not 1 <= capacity <= 200:
        raise ValueError(f"capacity must be an integer in [1, 200], got {capacity!r}")
    return int(capacity)


def _fit_batch(problem: AlignmentProblem, targets: np.ndarray, divergence: str, params: Mapping[str, float],
               capacity: int, steps: int, floor: float,
               callback: Callable[[int, float], None] | None,
               should_stop: Callable[[], bool] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Policies (B, n) fitted to the rows of ``targets`` (B, n); also θ, the loss history, stopped."""
    import torch

    from explorer._backend import torch_single_thread

    entry = L.get(divergence)
    resolved = entry.resolve(params)
    with torch_single_thread():
        phi = _features(problem, capacity)
        log_a = torch.log(torch.tensor(problem.base, dtype=torch.float64))
        tt = torch.tensor(targets, dtype=torch.float64)
        t, lt, _, _ = L.prepare(torch.zeros_like(tt), tt, 1.0, False, floor)
        b = targets.shape[0]

        def logits(flat: Any) -> Any:
            return log_a + phi @ flat

        pols, thetas, history = [], [], []
        stopped, ok_all = False, True
        flat = torch.zeros(capacity, dtype=torch.float64)
        for row in range(b):  # one L-BFGS per row, warm-started from the previous row's θ
            tr, ltr = t[row], lt[row]

            def objective(v: Any, tr: Any = tr, ltr: Any = ltr) -> Any:
                ls = torch.log_softmax(logits(v), -1)
                return L.per_row(entry, tr, ltr, ls.exp(), ls, resolved)

            with torch.no_grad():
                if not math.isfinite(float(objective(flat))):
                    raise ValueError(f"divergence {divergence!r} is infinite at the start (the target has "
                                     "exact zeros where the policy has mass): pass floor=")
            flat, hist, st, ok = _lbfgs(objective, flat, steps, callback, should_stop)
            with torch.no_grad():
                pols.append(torch.softmax(logits(flat), -1).numpy())
            thetas.append(flat.numpy())
            history.append(hist)
            ok_all = ok_all and ok
            if st:
                stopped = True
                break
    pol = np.full((b, problem.n), np.nan)
    theta = np.full((b, capacity), np.nan)
    pol[: len(pols)], theta[: len(thetas)] = pols, thetas
    return pol, theta, np.concatenate(history), stopped, ok_all


def _lbfgs(objective: Callable[[Any], Any], flat0: Any, max_iter: int,
           callback: Callable[[int, float], None] | None,
           should_stop: Callable[[], bool] | None) -> tuple[Any, np.ndarray, bool, bool]:
    """L-BFGS (scipy) with torch gradients; the rows of a batch are independent blocks of θ, so one
    run fits them all. Returns (θ, loss per iteration, stopped, converged)."""
    import torch

    history: list[float] = []
    state = {"stopped": False}

    def fun(v: np.ndarray) -> tuple[float, np.ndarray]:
        vt = torch.tensor(v, requires_grad=True)
        val = objective(vt)
        (grad,) = torch.autograd.grad(val, vt)
        return float(val.detach()), grad.numpy()

    def each(xk: np.ndarray) -> None:
        history.append(state["last"])  # L-BFGS-B's last evaluation is the accepted point xk
        if callback is not None:
            callback(len(history), history[-1])
        if should_stop is not None and should_stop():
            state["stopped"] = True
            raise StopIteration

    def fun_tracked(v: np.ndarray) -> tuple[float, np.ndarray]:
        out = fun(v)
        state["last"] = out[0]
        return out

    res = optimize.minimize(fun_tracked, flat0.numpy(), jac=True, method="L-BFGS-B", callback=each,
                            options={"maxiter": max_iter, "ftol": 1e-10, "gtol": 1e-6})
    ok = bool(res.success) and not state["stopped"]
    return torch.tensor(res.x), np.asarray(history), state["stopped"], ok


@dataclass(frozen=True)
class FitResult:
    """A restricted policy fitted to one target under one divergence."""

    problem: AlignmentProblem
    beta: float | None
    divergence: str
    params: Mapping[str, float]
    capacity: int
    target: np.ndarray
    policy: np.ndarray
    theta: np.ndarray
    loss_history: np.ndarray
    converged: bool
    metrics: AlignmentMetrics
    target_metrics: AlignmentMetrics
    stopped: bool = False
    note: str = ""


def fit(problem: AlignmentProblem, divergence: str = "js", beta: float | None = 0.1, *,
        capacity: int = DEFAULT_CAPACITY, steps: int = 500, floor: float = 0.0,
        params: Mapping[str, Any] | None = None, callback: Callable[[int, float], None] | None = None,
        should_stop: Callable[[], bool] | None = None) -> FitResult:
    """Fit π_θ (capacity K) to the target p_β by minimising ``divergence`` D(p‖π_θ) (f-DPG)."""
    capacity = _check_capacity(capacity)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    params = L.get(divergence).resolve(params or {})
    p = problem.target(beta)
    pol, theta, hist, stopped, ok = _fit_batch(problem, p[None, :], divergence, params, capacity, steps,
                                               floor, callback, should_stop)
    return FitResult(problem, beta, divergence, params, capacity, p, pol[0], theta[0], hist, ok,
                     metrics(problem, p, pol[0], divergence, **params),
                     metrics(problem, p, p, divergence, **params), stopped,
                     note=f"π ∝ a·exp(Σ_k θ_k cos(πkx)), K = {capacity}; L-BFGS, {hist.size} iterations")


@dataclass(frozen=True)
class Frontier:
    """Alignment and diversity of policies fitted over a grid of β, one row per divergence.

    Arrays are ``(len(divergences), len(betas))`` (``policies``: ``(D, B, n)``); ``target_*`` are
    the unrestricted targets' values (one per β). :meth:`point` is an O(1) lookup for sliders.
    """

    problem: AlignmentProblem
    betas: np.ndarray
    divergences: tuple[str, ...]
    capacity: int
    alignment: np.ndarray
    entropy: np.ndarray
    vendi: np.ndarray
    coverage: np.ndarray
    divergence_to_target: np.ndarray
    policies: np.ndarray
    targets: np.ndarray
    target_alignment: np.ndarray
    target_entropy: np.ndarray
    converged: np.ndarray
    stopped: bool = False
    params: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def point(self, divergence: str, beta: float) -> dict[str, Any]:
        """Values at the grid β nearest to ``beta`` for one divergence."""
        if divergence not in self.divergences:
            raise ValueError(f"divergence {divergence!r} is not in this frontier: "
                             f"{', '.join(self.divergences)}")
        i, j = self.divergences.index(divergence), int(np.abs(self.betas - beta).argmin())
        vs = float(self.vendi[i, j])
        if math.isnan(vs) and not math.isnan(self.alignment[i, j]):
            vs = vendi_score(self.policies[i, j], self.problem.positions)
        return {"beta": float(self.betas[j]), "alignment": float(self.alignment[i, j]),
                "entropy": float(self.entropy[i, j]), "vendi": vs,
                "coverage": float(self.coverage[i, j]), "policy": self.policies[i, j],
                "target": self.targets[j], "divergence": float(self.divergence_to_target[i, j])}


FRONTIER_DIVERGENCES = ("kl", "reverse_kl", "js", "tv", "alpha")


def frontier(problem: AlignmentProblem, divergences: Sequence[str] = FRONTIER_DIVERGENCES,
             betas: Sequence[float] | None = None, *, capacity: int = DEFAULT_CAPACITY, steps: int = 200,
             floor: float = 0.0, params: Mapping[str, Mapping[str, Any]] | None = None,
             progress: bool = False, should_stop: Callable[[], bool] | None = None,
             vendi: bool = False) -> Frontier:
    """The alignment–diversity frontier: for each divergence, policies fitted to p_β over ``betas``.

    The β of one divergence are fitted in order, each warm-started from the previous. Vendi scores cost one
    n×n eigenproblem per policy (≈ 15 ms at n = 300): with ``vendi=False`` (default) the array is
    NaN and :meth:`Frontier.point` computes the one it shows. ``progress`` shows a tqdm
    bar over the divergences; ``should_stop`` is polled every step (a stopped frontier keeps the
    divergences finished so far; the rest are NaN and ``stopped`` is True).
    """
    capacity = _check_capacity(capacity)
    b = np.geomspace(0.05, 2.0, 20) if betas is None else np.asarray(betas, dtype=float)
    if b.ndim != 1 or b.size < 1 or np.any(~np.isfinite(b)) or np.any(b <= 0):
        raise ValueError("betas must be a non-empty 1-D sequence of finite numbers > 0")
    divs = tuple(divergences)
    for d in divs:
        L.get(d)
    params = {d: L.get(d).resolve((params or {}).get(d, {})) for d in divs}
    targets = np.stack([problem.target(float(x)) for x in b])
    shape = (len(divs), b.size)
    out = {k: np.full(shape, np.nan) for k in ("alignment", "entropy", "vendi", "coverage", "div")}
    policies = np.full((*shape, problem.n), np.nan)
    conv = np.zeros(shape, dtype=bool)
    iterator: Any = range(len(divs))
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(iterator, desc="frontier", leave=False)
    stopped = False
    for i in iterator:
        if should_stop is not None and should_stop():
            stopped = True
            break
        pol, _, _, st, ok = _fit_batch(problem, targets, divs[i], params[divs[i]], capacity, steps, floor,
                                       None, should_stop)
        policies[i] = pol
        out["alignment"][i] = problem.alignment(pol)
        out["entropy"][i] = entropy(pol)
        out["coverage"][i] = coverage(targets, pol)
        out["vendi"][i] = [vendi_score(r, problem.positions) for r in pol] if vendi else np.nan
        out["div"][i] = [L.registry_value(divs[i], t, r, **params[divs[i]]) for t, r in zip(targets, pol,
                                                                                             strict=True)]
        conv[i] = ok
        if st:
            stopped = True
            break
    return Frontier(problem, b, divs, capacity, out["alignment"], out["entropy"], out["vendi"],
                    out["coverage"], out["div"], policies, targets, problem.alignment(targets),
                    entropy(targets), conv, stopped,
                    params)
