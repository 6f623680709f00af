r"""Train a limited student against a teacher under one loss: :func:`distill`, and :func:`sweep` over a
loss parameter (β of the generalised JS, the temperature...) for sliders on precomputed results.

Training is full-batch Adam in double precision on the exact loss (no sampling): the student's
logits for every teacher row, the loss summed over rows weighted by the teacher's context
weights, ``steps`` steps with the learning rate cosine-decayed to 5 % (so the last steps settle).
``converged`` is True when the loss changed by less than ``tol`` (relative, and absolute below
1) over the last tenth of the steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.distill import losses as L
from explorer.distill import metrics as M
from explorer.distill import students as S
from explorer.distill._adam import minimise
from explorer.distill.teachers import Teacher, from_probs

__all__ = ["DistillResult", "DistillSweep", "distill", "sweep"]

DEFAULT_TOL = 1e-3
SINKHORN_TRAIN_TOL = 1e-6
"""Marginal error at which a training step's Sinkhorn stops (warm-started from the previous step)."""
SINKHORN_TRAIN_SWEEPS = 5
"""At most this many sweeps per step (the potentials keep improving across steps)."""


@dataclass(frozen=True)
class DistillResult:
    """A fitted student and how it got there.

    Attributes
    ----------
    student : ndarray, shape like the teacher's probs
        The fitted student's probabilities (at temperature 1).
    loss_history : ndarray (steps,)
        Loss after each step (nats, weighted mean over rows, at the training temperature).
    snapshot_steps, snapshots : ndarray
        Steps at which the student was recorded and the students then (for animation).
    metrics : DistillMetrics or None
    converged : bool
    stopped : bool
        ``should_stop`` ended the run early.
    """

    teacher: Teacher
    loss: str
    loss_params: Mapping[str, float]
    family: str
    family_params: Mapping[str, float]
    temperature: float
    seed: int
    student: np.ndarray
    final_loss: float
    loss_history: np.ndarray
    snapshot_steps: np.ndarray
    snapshots: np.ndarray
    converged: bool
    metrics: M.DistillMetrics | None = None
    stopped: bool = False
    units: str = "nats"
    note: str = ""
    theta: Mapping[str, np.ndarray] = field(default_factory=dict)


def _as_teacher(teacher: Any) -> Teacher:
    if isinstance(teacher, Teacher):
        return teacher
    return from_probs(teacher)


def distill(
    teacher_probs: Any,
    student: str = "unimodal",
    loss: str = "kl",
    steps: int = 500,
    seed: int = 0,
    *,
    lr: float = 0.05,
    temperature: float = 1.0,
    floor: float = 0.0,
    student_params: Mapping[str, Any] | None = None,
    loss_params: Mapping[str, Any] | None = None,
    record_every: int = 10,
    metrics: bool | Sequence[str] = True,
    init: Mapping[str, np.ndarray] | None = None,
    callback: Callable[[int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    tol: float = DEFAULT_TOL,
) -> DistillResult:
    r"""Fit a limited ``student`` family to the teacher by minimising ``loss``.

    Parameters
    ----------
    teacher_probs : Teacher or array_like of shape (V,) or (C, V)
        Arrays are taken as ordered tokens ``0..V−1``.
    student : str
        A family of :mod:`explorer.distill.students` (``unimodal``, ``mixture``, ``smooth``,
        ``lowrank``, ``temperature``); its parameters in ``student_params``.
    loss : str
        A loss of :mod:`explorer.distill.losses`; its parameters in ``loss_params``.
    steps, seed, lr : int, int, float
        Adam steps, the seed of the initialisation, the initial learning rate.
    temperature, floor : float
        As in :func:`explorer.distill.loss` (the teacher is softened by the same T).
    record_every : int
        Snapshot interval (steps) of the student, for replay.
    metrics : bool or list of str
        Compute :class:`~explorer.distill.metrics.DistillMetrics` (True: every registry
        divergence; a list: those divergences).
    init : dict, optional
        Initial θ (e.g. ``previous.theta``: warm start along a sweep).
    callback : callable(step, loss), optional
        Called after every step (progress bars, streaming plots).
    should_stop : callable() -> bool, optional
        Polled every step; True ends training early (``stopped=True`` in the result).

    Raises
    ------
    ValueError
        Unknown names, bad parameters, a family that needs ordered tokens or several rows, or a
        loss that is infinite at the start (reverse-type losses against a teacher with exact
        zeros: pass ``floor=``).
    """
    import torch

    from explorer._backend import torch_single_thread

    tch = _as_teacher(teacher_probs)
    entry = L.get(loss)
    fam = S.get(student)
    lparams = entry.resolve(loss_params or {})
    fparams = fam.resolve(student_params or {})
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if not (isinstance(lr, int | float) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if not (isinstance(record_every, int) and record_every >= 1):
        raise ValueError(f"record_every must be a positive integer, got {record_every!r}")
    if fam.needs_ordered and not tch.ordered:
        raise ValueError(f"student {student!r} needs ordered tokens; this teacher's are not ordered "
                         f"(choose one of: {', '.join(n for n in S.names() if not S.get(n).needs_ordered)})")
    rows = tch.rows
    if rows.shape[0] < fam.needs_rows:
        raise ValueError(f"student {student!r} needs a teacher with ≥ {fam.needs_rows} rows (contexts)")
    v = tch.vocab_size
    with torch_single_thread():
        t_rows = torch.tensor(rows, dtype=torch.float64)
        x = torch.tensor(tch.positions, dtype=torch.float64)
        x = (x - x[0]) / (x[-1] - x[0])
        rng = np.random.default_rng(seed)
        ctx: dict[str, Any] = {"teacher": t_rows, "x": x, "rng": rng, "params": fparams}
        theta = fam.init(ctx)
        if init is not None:
            for k, val in init.items():
                if k in theta and np.shape(val) == tuple(theta[k].shape):
                    theta[k] = torch.tensor(np.asarray(val, dtype=float), dtype=torch.float64)
        w_rows = torch.tensor(tch.weights, dtype=torch.float64)
        probe = torch.zeros(v, dtype=torch.float64)
        t, lt, _, _ = L.prepare(probe.expand_as(t_rows), t_rows, temperature, False, floor)
        extra: dict[str, Any] = {}
        if entry.needs_cost:
            from explorer.ot.batched import SinkhornState, squared_index_cost

            extra = {"cost": squared_index_cost(v, positions=tch.positions), "state": SinkhornState(),
                     "tol": SINKHORN_TRAIN_TOL, "max_iter": SINKHORN_TRAIN_SWEEPS, "warn": False}

        row_loss = L.per_row_fn(entry, t, lt, lparams, **extra)  # teacher-only work done once
        unit_temperature = temperature == 1.0

        def objective() -> Any:
            z = fam.logits(theta, ctx)
            ls = torch.log_softmax(z if unit_temperature else z / temperature, dim=-1)  # z/1 == z
            return (w_rows * row_loss(ls)).sum()

        with torch.no_grad():
            first = float(objective())
        if not math.isfinite(first):
            raise ValueError(f"loss {loss!r} is infinite at the start: the student has mass where the "
                             "teacher is exactly zero; pass floor= (e.g. 1e-6) to clamp the teacher")
        names_, shapes = list(theta), [tuple(th.shape) for th in theta.values()]
        sizes = [int(np.prod(sh)) if sh else 1 for sh in shapes]
        flat = torch.cat([th.detach().reshape(-1) for th in theta.values()]).requires_grad_(True)

        def unpack(vec: Any) -> None:
            for k, part, sh in zip(names_, torch.split(vec, sizes), shapes, strict=True):
                theta[k] = part.reshape(sh)

        unpack(flat)
        snap_steps, snaps = [0], [torch.softmax(fam.logits(theta, ctx), -1).detach().numpy().copy()]

        def snapshot(step: int, vec: Any) -> None:
            if step % record_every == 0 or step == steps:
                with torch.no_grad():
                    unpack(vec)
                    snap_steps.append(step)
                    snaps.append(torch.softmax(fam.logits(theta, ctx), -1).numpy().copy())

        def flat_objective(vec: Any) -> Any:
            unpack(vec)
            return objective()

        flat, history, stopped = minimise(flat_objective, flat, steps, lr, callback=callback,
                                          should_stop=should_stop, on_step=snapshot)
        done = history.size
        unpack(flat.detach())
        with torch.no_grad():
            final_probs = torch.softmax(fam.logits(theta, ctx), -1).numpy().copy()
            final = float(objective())
    tail = history[-max(2, done // 10):]
    change = abs(float(tail[0] - final))
    converged = bool(not stopped and math.isfinite(final) and change <= tol * max(1.0, abs(final)))
    shape = tch.probs.shape
    student_probs = final_probs.reshape(shape)
    snapshots = np.stack(snaps).reshape((len(snaps), *shape))
    met = None
    if metrics:
        which = None if metrics is True else list(metrics)
        met = M.evaluate(tch.probs, student_probs, ordered=tch.ordered, positions=tch.positions,
                         weights=tch.weights, which=which)
    note = f"{fam.label} under {entry.label}; Adam, {done} steps, lr {lr:g} (cosine-decayed)"
    if not converged and not stopped:
        note += f"; not converged (loss moved {change:.2g} over the last tenth)"
    return DistillResult(
        teacher=tch, loss=entry.name, loss_params=lparams, family=fam.name, family_params=fparams,
        temperature=float(temperature), seed=int(seed), student=student_probs, final_loss=final,
        loss_history=history, snapshot_steps=np.array(snap_steps), snapshots=snapshots,
        converged=converged, metrics=met, stopped=stopped, units=entry.units, note=note,
        theta={k: th.detach().numpy().copy() for k, th in theta.items()},
    )


@dataclass(frozen=True)
class DistillSweep:
    """Students fitted along a grid of one parameter; :meth:`at` picks the nearest (slider moves)."""

    parameter: str
    values: np.ndarray
    results: tuple[DistillResult, ...]
    stopped: bool = False

    def at(self, value: float) -> DistillResult:
        """The result fitted at the grid value nearest to ``value`` (O(log n): for sliders)."""
        if not self.results:
            raise ValueError("the sweep is empty")
        i = int(np.abs(self.values[: len(self.results)] - float(value)).argmin())
        return self.results[i]

    def curve(self, metric: str) -> np.ndarray:
        """One metric (a :meth:`DistillMetrics.as_row` column, or ``final_loss``) along the grid."""
        if metric == "final_loss":
            return np.array([r.final_loss for r in self.results])
        return np.array([r.metrics.as_row()[metric] if r.metrics else math.nan for r in self.results])


def sweep(
    teacher_probs: Any,
    parameter: str,
    values: Sequence[float],
    *,
    loss: str = "generalized_js",
    student: str = "unimodal",
    warm_start: bool = False,
    progress: bool = False,
    should_stop: Callable[[], bool] | None = None,
    **kwargs: Any,
) -> DistillSweep:
    """Fit one student per value of ``parameter`` (a loss parameter, or ``"temperature"``).

    Each fit starts from the same seeded initialisation; with ``warm_start`` it starts from the
    previous fit instead (smoother paths, but a mode-seeking loss then keeps a covering student
    found at the previous value: reverse KL has such local optima). ``progress`` shows a tqdm bar;
    ``should_stop`` is polled between fits and inside each. Other keywords go to :func:`distill`.
    """
    vals = np.asarray(values, dtype=float)
    if vals.ndim != 1 or vals.size < 1 or not np.all(np.isfinite(vals)):
        raise ValueError("values must be a non-empty 1-D sequence of finite numbers")
    entry = L.get(loss)
    if parameter != "temperature" and parameter not in entry.params.names():
        raise ValueError(f"parameter {parameter!r} is not a parameter of loss {loss!r}; valid: "
                         f"{', '.join(['temperature', *entry.params.names()])}")
    iterator: Any = range(vals.size)
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(iterator, desc=f"{loss}: {parameter}", leave=False)
    base_params = dict(kwargs.pop("loss_params", {}) or {})
    results: list[DistillResult] = []
    prev = None
    stopped = False
    for i in iterator:
        if should_stop is not None and should_stop():
            stopped = True
            break
        kw = dict(kwargs)
        lp = dict(base_params)
        if parameter == "temperature":
            kw["temperature"] = float(vals[i])
        else:
            lp[parameter] = float(vals[i])
        if warm_start and prev is not None:
            kw["init"] = prev.theta
        res = distill(teacher_probs, student=student, loss=loss, loss_params=lp, should_stop=should_stop,
                      **kw)
        results.append(res)
        prev = res
    return DistillSweep(parameter, vals, tuple(results), stopped)
