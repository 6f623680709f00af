"""Time bounds of the solver paths at the edges (issue 9): each case once, wall time and note.

* Sinkhorn on 1,500 Laplace vs 1,500 Student-t(3) samples (was ~100 s; now a capped sweep budget);
* Sinkhorn on samples x1e100 (unit frame: as fast as x1) and x1e200 (ValueError: beyond float64);
* Sinkhorn between a two-mode mixture and a Gaussian at ε = 1e-4, the documented minimum
  (capped at SINKHORN_SWEEPS with an "approximate" note);
* MMD between densities at ℓ = 1e-3 and 1e-6 (smoothed closed forms on the grid).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_edges.py
"""

from __future__ import annotations

import time

import numpy as np

from explorer import divergences as dv
from explorer.distributions import Gaussian, Laplace, Mixture, StudentT, Uniform


def timed(label: str, fn) -> None:
    t = time.perf_counter()
    try:
        v = fn()
        out = f"{v.value:.6g}  {v.note}"
    except ValueError as exc:
        out = f"ValueError: {exc}"
    print(f"{label:<42s} {time.perf_counter() - t:7.2f} s  {out[:110]}")


def main() -> None:
    x, y = Laplace(0, 1).sample(1500, 1), StudentT(3).sample(1500, 2)
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=300), rng.normal(1, 1, size=300)
    two = Mixture([Gaussian(-2, 0.5), Gaussian(2, 0.5)])
    timed("sinkhorn 1500 Laplace vs 1500 t(3) samples", lambda: dv.evaluate("sinkhorn", x, y))
    timed("sinkhorn 300 vs 300 samples", lambda: dv.evaluate("sinkhorn", a, b))
    timed("sinkhorn 300 vs 300 samples x1e100", lambda: dv.evaluate("sinkhorn", a * 1e100, b * 1e100))
    timed("sinkhorn 300 vs 300 samples x1e200", lambda: dv.evaluate("sinkhorn", a * 1e200, b * 1e200))
    timed("sinkhorn two modes vs N(0,1), eps=1e-4",
          lambda: dv.evaluate("sinkhorn", two, Gaussian(0, 1), epsilon=1e-4))
    for ell in (1e-3, 1e-6):
        timed(f"mmd U(0,1) vs N(1,2), l={ell:g}",
              lambda ell=ell: dv.evaluate("mmd", Uniform(0, 1), Gaussian(1, 2), bandwidth=ell))


if __name__ == "__main__":
    main()
