r"""The information plane of a training network: I(X;T) and I(T;Y) of every layer, every few epochs.

:func:`information_plane` trains a small torch MLP and, every ``every`` epochs, records each
layer T (the hidden layers and the softmax output) on a fixed evaluation set (all inputs), then
estimates I(X;T) and I(T;Y) with every chosen registry estimator. The rules come from each
entry's capability fields, never from its name:

* estimators that ``discretizes`` (binning, adaptive): the layer is a deterministic function of
  distinct inputs, so I(X;T) is the entropy of the binned layer, ≤ log n (Shwartz-Ziv & Tishby
  2017); I(T;Y) is the plug-in MI of the binned layer with the labels.
* estimators with a ``noise_param`` (kde): I(X; T+ε) with their own noise variance (Saxe et al.
  2018): the pairwise bound on h(T+ε) minus h(ε).
* the other continuous ones: noise ε ~ N(0, σ²I) (``noise_variance``) is added, as in a noisy
  network, so that I(X; T+ε) is finite: h(T+ε) − h(ε) with the entry's own entropy estimator
  where it has one, else the MI of the inputs with T+ε directly.

Data sets
---------
``"szt"``: the 12-bit task of Shwartz-Ziv & Tishby (2017), **generated from the paper's
description** (their files are under a non-redistribution licence): 12 inputs are 12 points
spread uniformly on the 2-sphere (here the vertices of an icosahedron), each of the 4,096
binary patterns says which points are on; the label is :math:`y = \Theta(f(x) - \theta)` with a
rotation-invariant (O(3)-symmetric) f: the number of points on minus the length of their vector
sum, :math:`f(x) = \sum_i x_i - \lVert\sum_i x_i v_i\rVert`, and θ the threshold that splits the
patterns most evenly. :func:`szt_joint` gives the soft version
:math:`p(y=1|x) = \sigma(\gamma(f(x)-\theta))` as a joint pmf for the IB curve, with γ set so that
I(X;Y) ≈ 0.99 bits as in the paper.
``"digits"``: scikit-learn's bundled handwritten digits (1,797 8×8 images, 10 classes; real).
A visitor's own labelled data: a :class:`~explorer.information.labelled.PlaneData` made by
:func:`~explorer.information.labelled.plane_data` (checked, capped, standardised); the run's
``config["dataset"]`` is then its :attr:`~explorer.information.labelled.PlaneData.key`.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from explorer.information import _kde
from explorer.information._data import as_variable
from explorer.information.estimators import get, mutual_information
from explorer.information.labelled import PlaneData

__all__ = ["ACTIVATIONS", "DATASETS", "PlaneResult", "information_plane", "load_dataset", "load_precomputed",
           "szt_joint", "szt_task"]

ACTIVATIONS = ("tanh", "relu", "sigmoid", "elu", "softsign", "linear")
DATASETS = ("szt", "digits")
PRECOMPUTED_DIR = Path(__file__).resolve().parents[2] / "data" / "information_plane"


def _icosahedron() -> np.ndarray:
    g = (1 + math.sqrt(5)) / 2
    v = []
    for a in (-1, 1):
        for b in (-g, g):
            v += [(0, a, b), (a, b, 0), (b, 0, a)]
    v = np.array(v, float)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _szt_f() -> tuple[np.ndarray, np.ndarray]:
    bits = ((np.arange(4096)[:, None] >> np.arange(12)[None, :]) & 1).astype(float)
    f = bits.sum(1) - np.linalg.norm(bits @ _icosahedron(), axis=1)
    return bits, f


def _balanced_threshold(f: np.ndarray) -> float:
    vals = np.unique(f)
    mids = (vals[1:] + vals[:-1]) / 2
    frac = np.array([(f > m).mean() for m in mids])
    return float(mids[np.argmin(np.abs(frac - 0.5))])


def szt_task() -> dict[str, Any]:
    """The generated 12-bit task: ``x`` (4096, 12) float 0/1, ``y`` (4096,) int labels, ``f``, ``theta``."""
    bits, f = _szt_f()
    theta = _balanced_threshold(f)
    return {"x": bits, "y": (f > theta).astype(np.int64), "f": f, "theta": theta}


def szt_joint(bits_target: float = 0.99) -> np.ndarray:
    """p(x, y) (4096, 2) of the soft 12-bit task, uniform x, I(X;Y) = ``bits_target`` bits."""
    from scipy.optimize import brentq
    from scipy.special import expit

    _, f = _szt_f()
    theta = _balanced_threshold(f)

    def joint(gamma: float) -> np.ndarray:
        p1 = expit(gamma * (f - theta))
        return np.column_stack([1 - p1, p1]) / f.size

    def bits(gamma: float) -> float:
        p = joint(gamma)
        py = p.sum(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(p > 0, p * np.log2(p / (py[None, :] / f.size)), 0.0)
        return float(terms.sum())

    cap = bits(1e3)
    if not 0 < bits_target < cap:
        raise ValueError(f"bits_target must be in (0, {cap:.4f}), got {bits_target!r}")
    return joint(brentq(lambda g: bits(g) - bits_target, 1e-3, 1e3))


def load_dataset(name: str | PlaneData) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (n, d) float and integer labels (n,) of ``"szt"``, ``"digits"`` or a :class:`PlaneData`."""
    if isinstance(name, PlaneData):
        return name.x.copy(), name.y.copy()  # writable: torch wraps the arrays
    if name == "szt":
        t = szt_task()
        return t["x"], t["y"]
    if name == "digits":
        from sklearn.datasets import load_digits

        x, y = load_digits(return_X_y=True)
        return x / 16.0, y.astype(np.int64)
    raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)} (or your own data "
                     "as a PlaneData, made by plane_data)")


@dataclass(frozen=True, eq=False)
class PlaneResult:
    """Information-plane trajectories of a training run.

    Attributes
    ----------
    epochs : ndarray of int, shape (m,)
        Epochs at which the layers were recorded (0 = before training).
    layers : tuple of str
        Layer names (hidden layers then ``"output"``).
    estimators : tuple of str
        Registry names.
    I_XT, I_TY : ndarray, shape (len(estimators), m, len(layers))
        In nats.
    train_acc, test_acc, loss : ndarray, shape (m,)
    config : dict
        Everything needed to rerun (dataset, layers, activation, seed, ...).
    H_X, I_XY : float
        log n_eval (the ceiling of I(X;T)) and the plug-in I(X;Y) = H(Y) of the labels.
    seconds : float
    stopped : bool
        Cancelled before ``epochs`` (the arrays hold what was done).
    """

    epochs: np.ndarray
    layers: tuple[str, ...]
    estimators: tuple[str, ...]
    I_XT: np.ndarray
    I_TY: np.ndarray
    train_acc: np.ndarray
    test_acc: np.ndarray
    loss: np.ndarray
    config: dict[str, Any] = field(default_factory=dict)
    H_X: float = math.nan
    I_XY: float = math.nan
    seconds: float = 0.0
    stopped: bool = False
    units: str = "nats"

    @property
    def generalization_gap(self) -> np.ndarray:
        """Train minus test accuracy, per recorded epoch."""
        return self.train_acc - self.test_acc

    def trajectory(self, estimator: str, layer: int | str) -> tuple[np.ndarray, np.ndarray]:
        """(I_XT, I_TY) over the recorded epochs of one layer under one estimator."""
        if estimator not in self.estimators:
            raise ValueError(f"estimator {estimator!r} not in this run; choose one of: {self.estimators}")
        e = self.estimators.index(estimator)
        li = self.layers.index(layer) if isinstance(layer, str) else int(layer)
        return self.I_XT[e, :, li], self.I_TY[e, :, li]

    def save(self, path: str | Path) -> None:
        """Write the run to ``path`` (.npz, float32 arrays, the config as JSON)."""
        import json

        np.savez_compressed(
            path, epochs=self.epochs, layers=np.array(self.layers), estimators=np.array(self.estimators),
            I_XT=self.I_XT.astype(np.float32), I_TY=self.I_TY.astype(np.float32),
            train_acc=self.train_acc.astype(np.float32), test_acc=self.test_acc.astype(np.float32),
            loss=self.loss.astype(np.float32), config=np.array(json.dumps(self.config)),
            scalars=np.array([self.H_X, self.I_XY, self.seconds, float(self.stopped)]))

    @classmethod
    def load(cls, path: str | Path) -> PlaneResult:
        """Read a run written by :meth:`save`."""
        import json

        with np.load(path, allow_pickle=False) as z:
            s = z["scalars"]
            return cls(z["epochs"], tuple(str(v) for v in z["layers"]),
                       tuple(str(v) for v in z["estimators"]),
                       z["I_XT"].astype(float), z["I_TY"].astype(float), z["train_acc"].astype(float),
                       z["test_acc"].astype(float), z["loss"].astype(float), json.loads(str(z["config"])),
                       float(s[0]), float(s[1]), float(s[2]), bool(s[3]))


def load_precomputed(name: str = "szt_tanh") -> PlaneResult:
    """A shipped run (``data/information_plane/<name>.npz``; ``scripts/make_information_plane.py``)."""
    path = PRECOMPUTED_DIR / f"{name}.npz"
    if not path.exists():
        have = sorted(p.stem for p in PRECOMPUTED_DIR.glob("*.npz"))
        raise ValueError(f"no precomputed run {name!r}; available: {', '.join(have) or 'none'}")
    return PlaneResult.load(path)


Job = Callable[[], tuple[float, float]]


def _plane_job(entry: Any, x_ids: np.ndarray, x_feat: np.ndarray, t: np.ndarray, y: np.ndarray,
               noise_variance: float, rng: np.random.Generator, seed: int) -> Job:
    """The estimate of I(X;T), I(T;Y) of one layer under one registry entry, as a job to run later.

    The rules are in the module docstring. The noise of a continuous estimator is drawn from
    ``rng`` now, so that the stream of draws (and every estimate) is the same whatever thread
    runs the job and whenever; the rest depends on its arguments and ``seed`` only.
    """
    tv = as_variable(t, "T", False, allow_constant=True)
    if np.all(tv.values == tv.values[0]):
        return lambda: (0.0, 0.0)  # a collapsed layer carries no information
    if entry.discretizes or entry.noise_param:
        return lambda: (float(mutual_information(x_ids, t, entry.name, seed=seed)),
                        float(mutual_information(t, y, entry.name, seed=seed)))
    noisy = t + math.sqrt(noise_variance) * rng.standard_normal(t.shape)

    def job() -> tuple[float, float]:
        if entry.entropy is not None:
            h = entry.entropy(as_variable(noisy, "T"), entry.resolve({}), np.random.default_rng(seed))[0]
            ixt = float(h) - _kde.noise_entropy(t.shape[1], noise_variance)
        else:
            ixt = float(mutual_information(x_feat, noisy, entry.name, seed=seed))
        return ixt, float(mutual_information(noisy, y, entry.name, seed=seed))

    return job


class _Trainer:
    """The MLP of :func:`information_plane`, its Adam optimiser and the data split (torch).

    Construct and use inside ``torch_single_thread()``; construction seeds torch's global
    generator (the initialisation draws from it).
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, tr: np.ndarray, widths: Sequence[int], activation: str,
                 seed: int, lr: float, batch_size: int | None) -> None:
        import torch

        self.torch = torch
        act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "elu": torch.nn.ELU,
               "softsign": torch.nn.Softsign, "linear": torch.nn.Identity}[activation]
        torch.manual_seed(seed)
        self.gen = torch.Generator().manual_seed(seed)
        blocks, d_in = [], x.shape[1]
        for w in widths:
            blocks.append(torch.nn.Sequential(torch.nn.Linear(d_in, w), act()))
            d_in = w
        blocks.append(torch.nn.Linear(d_in, int(y.max()) + 1))
        self.net = torch.nn.ModuleList(blocks)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=lr)
        self.xt = torch.as_tensor(x, dtype=torch.float32)
        self.yt = torch.as_tensor(y)
        self.tr_t = torch.as_tensor(tr)
        self.batch_size = batch_size
        # full batch: the training rows once, not gathered again every epoch
        self.x_tr, self.y_tr = self.xt[self.tr_t], self.yt[self.tr_t]

    def forward(self, inp: Any) -> list[Any]:
        """Outputs of every block (the hidden layers, then the logits)."""
        outs = []
        h = inp
        for b in self.net:
            h = b(h)
            outs.append(h)
        return outs

    def _step(self, xb: Any, yb: Any) -> None:
        loss = self.torch.nn.functional.cross_entropy(self.forward(xb)[-1], yb)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()

    def epoch(self) -> None:
        """One epoch: one Adam step on the training rows, or one per minibatch of a fresh order."""
        if self.batch_size is None:
            self._step(self.x_tr, self.y_tr)
            return
        order = self.tr_t[self.torch.randperm(self.tr_t.numel(), generator=self.gen)]
        step = int(self.batch_size)
        for s in range(0, order.numel(), step):
            idx = order[s:s + step]
            self._step(self.xt[idx], self.yt[idx])

    def snapshot(self) -> tuple[list[np.ndarray], float, np.ndarray]:
        """Every layer on all inputs (float64; the softmax for the output), the training loss and
        the predicted classes."""
        torch = self.torch
        with torch.inference_mode():
            outs = self.forward(self.xt)
            logits = outs[-1]
            loss = float(torch.nn.functional.cross_entropy(logits[self.tr_t], self.y_tr))
            pred = logits.argmax(1).numpy()
            acts = [o.double().numpy() for o in outs[:-1]] + [torch.softmax(logits, 1).double().numpy()]
        return acts, loss, pred


def _estimate_pool(entries: Sequence[Any]) -> tuple[Any, int]:
    """A thread pool for the estimates and its size, or (None, 1): one core, or only torch estimators.

    Torch estimators seed torch's global generator and set its thread count: they run in the
    caller's thread, in order. The others release the GIL in their array work.
    """
    from concurrent.futures import ThreadPoolExecutor

    from explorer.information._knn import _workers

    workers = _workers()
    if workers < 2 or all(e.uses_torch for e in entries):
        return None, 1
    return ThreadPoolExecutor(workers, thread_name_prefix="plane-estimate"), workers


def _pooled(job: Job) -> Job:
    """``job`` with the k-NN queries on its own thread (the pool spreads the jobs)."""
    from explorer.information._knn import single_thread

    def run() -> tuple[float, float]:
        with single_thread():
            return job()

    return run


class _Done:
    """A finished job, with the ``done``/``result`` of a future."""

    def __init__(self, value: tuple[float, float]) -> None:
        self.value = value

    def done(self) -> bool:
        return True

    def result(self) -> tuple[float, float]:
        return self.value


def information_plane(layers: Sequence[int] = (10, 7, 5, 4, 3), activation: str = "tanh",
                      dataset: str | PlaneData = "szt", epochs: int = 3000,
                      estimators: Sequence[str] = ("binning", "ksg"),
                      every: int = 10, seed: int = 0, lr: float = 1e-3, train_fraction: float = 0.85,
                      batch_size: int | None = None, noise_variance: float = 0.1, progress: bool = False,
                      callback: Callable[[int, PlaneResult], None] | None = None,
                      should_stop: Callable[[], bool] | None = None) -> PlaneResult:
    """Train an MLP and record the information plane of every layer.

    Parameters
    ----------
    layers : sequence of int
        Hidden layer widths (the SZT network is 12-10-7-5-4-3-2: ``(10, 7, 5, 4, 3)``).
    activation : str
        One of :data:`ACTIVATIONS` for the hidden layers.
    dataset : {"szt", "digits"} or PlaneData
        A shipped set by name, or the visitor's data (see the module docstring); the run's
        ``config["dataset"]`` is the name or :attr:`PlaneData.key`.
    epochs : int
        Training epochs (full batch by default: one Adam step per epoch).
    estimators : sequence of str
        Registry names; each gives its own I(X;T), I(T;Y).
    every : int
        Record every ``every`` epochs (and epoch 0).
    seed : int
        Seed of the split, the initialisation, minibatches and the noise.
    lr : float
        Adam learning rate.
    train_fraction : float
        Fraction of the samples used for training (the rest measures the generalisation gap);
        the information is measured on all samples.
    batch_size : int, optional
        Minibatch size (``None``: full batch).
    noise_variance : float
        Variance of the noise added to a layer for continuous estimators without their own.
    progress : bool
        Show a tqdm progress bar.
    callback : callable, optional
        ``callback(epoch, partial_result)`` after each recording's estimates, in epoch order
        (streaming to a UI).
    should_stop : callable, optional
        Polled every epoch; True stops training and returns what was recorded.

    Notes
    -----
    Training (torch, one thread) and the estimates overlap: a recording snapshots the layers and
    hands its estimates (numpy estimators) to a pool of one thread per core, while training goes
    on; at most a few recordings wait at a time. The numbers are those of running everything in
    turn (each estimate depends on its layer, its noise, drawn in order, and ``seed`` only).
    """
    from explorer._backend import torch_single_thread

    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of: {', '.join(ACTIVATIONS)}")
    entries = [get(e) for e in estimators]
    if not entries:
        raise ValueError("estimators must name at least one registry estimator")
    widths = [int(w) for w in layers]
    if not widths or any(w < 1 for w in widths):
        raise ValueError(f"layers must be a non-empty sequence of positive widths, got {layers!r}")
    for name, v, lo in (("epochs", epochs, 0), ("every", every, 1)):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction!r}")
    if not noise_variance > 0:
        raise ValueError(f"noise_variance must be > 0, got {noise_variance!r}")
    x, y = load_dataset(dataset)
    n = x.shape[0]
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    n_train = int(round(train_fraction * n))
    tr, te = np.sort(perm[:n_train]), np.sort(perm[n_train:])
    x_ids = np.arange(n)
    names = (*(f"layer {i + 1} ({w})" for i, w in enumerate(widths)), "output")
    label = dataset.key if isinstance(dataset, PlaneData) else dataset
    config = {"layers": widths, "activation": activation, "dataset": label, "epochs": epochs,
              "estimators": list(estimators), "every": every, "seed": seed, "lr": lr,
              "train_fraction": train_fraction, "batch_size": batch_size, "noise_variance": noise_variance}
    i_xy = float(mutual_information(x_ids, y, "binning"))
    rec_epochs, ixt, ity, acc_tr, acc_te, losses = [], [], [], [], [], []
    t0 = time.perf_counter()
    stopped = False

    def partial() -> PlaneResult:
        shape = (len(entries), len(rec_epochs), len(names))
        return PlaneResult(np.array(rec_epochs, int), names, tuple(estimators),
                           np.array(ixt).transpose(1, 0, 2).reshape(shape),
                           np.array(ity).transpose(1, 0, 2).reshape(shape),
                           np.array(acc_tr), np.array(acc_te), np.array(losses), config,
                           math.log(n), i_xy, time.perf_counter() - t0, stopped)

    pool, workers = _estimate_pool(entries)
    # recordings whose estimates are running: (epoch, jobs by entry and layer, loss, predictions)
    waiting: deque[tuple[int, list[list[Any]], float, np.ndarray]] = deque()

    def finish(most: int) -> None:
        """Store the finished recordings in epoch order; wait for the oldest while more than
        ``most`` are waiting (training must not run far ahead of the estimates)."""
        while waiting and (len(waiting) > most or all(j.done() for row in waiting[0][1] for j in row)):
            epoch, jobs, loss, pred = waiting.popleft()
            pts = [[j.result() for j in row] for row in jobs]
            rec_epochs.append(epoch)
            ixt.append([[p[0] for p in row] for row in pts])
            ity.append([[p[1] for p in row] for row in pts])
            acc_tr.append(float(np.mean(pred[tr] == y[tr])))
            acc_te.append(float(np.mean(pred[te] == y[te])))
            losses.append(loss)
            if callback is not None:
                callback(epoch, partial())

    def record(epoch: int, trainer: _Trainer) -> None:
        acts, loss, pred = trainer.snapshot()
        jobs = []
        for entry in entries:
            row = []
            for a in acts:
                job = _plane_job(entry, x_ids, x, a, y, noise_variance, rng, seed)
                if pool is None or entry.uses_torch:
                    row.append(_Done(job()))
                else:
                    row.append(pool.submit(_pooled(job)))
            jobs.append(row)
        waiting.append((epoch, jobs, loss, pred))
        finish(2 * workers)

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, desc=f"{label} {activation}")
    try:
        with torch_single_thread():
            trainer = _Trainer(x, y, tr, widths, activation, seed, lr, batch_size)
            record(0, trainer)
            for epoch in range(1, epochs + 1):
                if should_stop is not None and should_stop():
                    stopped = True
                    break
                trainer.epoch()
                if epoch % every == 0 or epoch == epochs:
                    record(epoch, trainer)
                if bar is not None:
                    bar.update(1)
        finish(0)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if bar is not None:
            bar.close()
    return partial()
