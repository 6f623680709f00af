"""Speed of the information plane on its target (issue 11): wall time and where it goes.

    PYTHONPATH=. python benchmarks/bench_plane.py [--reps 3] [--quick]

Target: the 12-bit task, layers 12-10-7-5-4-3-2 (tanh), 3,000 epochs, binning and KSG every
10 epochs, under 2 minutes on 2 cores. No other library computes the whole plane, so instead of
a peer ratio the run is broken down, in one process:

* the whole run (``information_plane``, as a user calls it: the default thread settings), median
  of ``--reps``;
* training alone (3,000 Adam steps, torch on one thread) and the 301 snapshots of the layers;
* each estimator on each layer, one thread, on the snapshots of every 10th recording, times 10:
  the CPU time the estimates of the full run cost, which the run spreads over the cores while
  training goes on.

``--quick``: 300 epochs (31 recordings), the breakdown on all of them.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from explorer._backend import torch_single_thread
from explorer.information import _knn
from explorer.information.estimators import get
from explorer.information.plane import _plane_job, _Trainer, information_plane, load_dataset

LAYERS = (10, 7, 5, 4, 3)
ESTIMATORS = ("binning", "ksg")
EVERY = 10
SEED = 0


def whole_run(epochs: int) -> float:
    t = time.perf_counter()
    information_plane(LAYERS, "tanh", "szt", epochs, ESTIMATORS, EVERY, seed=SEED)
    return time.perf_counter() - t


def breakdown(epochs: int, sample: int) -> None:
    """Training, snapshots and every estimator on every layer (one thread), as in the run."""
    x, y = load_dataset("szt")
    rng = np.random.default_rng(SEED)
    tr = np.sort(rng.permutation(x.shape[0])[:int(round(0.85 * x.shape[0]))])
    kept, t_train, t_snap, n_rec = [], 0.0, 0.0, 0
    with torch_single_thread():
        trainer = _Trainer(x, y, tr, LAYERS, "tanh", SEED, 1e-3, None)
        for epoch in range(epochs + 1):
            if epoch:
                t = time.perf_counter()
                trainer.epoch()
                t_train += time.perf_counter() - t
            if epoch % EVERY == 0:
                t = time.perf_counter()
                acts = trainer.snapshot()[0]
                t_snap += time.perf_counter() - t
                if n_rec % sample == 0:
                    kept.append(acts)
                n_rec += 1
    print(f"training {epochs} epochs: {t_train:.1f} s; {n_rec} snapshots: {t_snap:.2f} s")
    scale = n_rec / len(kept)
    names = [f"{w}" for w in LAYERS] + ["out"]
    print(f"estimates, one thread, CPU seconds for all {n_rec} recordings ({len(kept)} timed x {scale:.0f}):")
    print("  estimator  " + " ".join(f"{n:>6}" for n in names) + "   total")
    x_ids = np.arange(x.shape[0])
    total = 0.0
    with _knn.single_thread():
        for name in ESTIMATORS:
            entry = get(name)
            noise = np.random.default_rng(SEED)
            per_layer = np.zeros(len(names))
            for acts in kept:
                for i, a in enumerate(acts):
                    job = _plane_job(entry, x_ids, x, a, y, 0.1, noise, SEED)
                    t = time.perf_counter()
                    job()
                    per_layer[i] += time.perf_counter() - t
            per_layer *= scale
            total += per_layer.sum()
            print(f"  {name:<10} " + " ".join(f"{v:6.1f}" for v in per_layer) + f"  {per_layer.sum():6.1f}")
    cores = os.cpu_count() or 1
    print(f"  all estimates {total:.1f} CPU s; with training on {cores} cores at best "
          f"{max(t_train, (t_train + t_snap + total) / cores):.1f} s of wall time")


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    reps = int(argv[argv.index("--reps") + 1]) if "--reps" in argv else 1
    epochs = 300 if quick else 3000
    omp = os.environ.get("OMP_NUM_THREADS", "unset")
    print(f"load average {os.getloadavg()[0]:.2f}; OMP_NUM_THREADS={omp}; {os.cpu_count()} cores")
    times = [whole_run(epochs) for _ in range(reps)]
    print(f"information plane, 12-bit task, 12-10-7-5-4-3-2 tanh, {epochs} epochs, binning + KSG every "
          f"{EVERY}: {np.median(times):.1f} s (median of {reps}: {', '.join(f'{t:.1f}' for t in times)}); "
          f"target < 120 s for 3000 epochs")
    breakdown(epochs, 1 if quick else 10)
    print(f"load average after {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
