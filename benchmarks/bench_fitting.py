"""Fitting speed: an 8-restart fit per divergence, 1-D and 2-D targets, vs a scipy peer.

Targets (issue 4): a full 8-restart 1-D fit for one divergence < 1 s, 2-D < 5 s. The peer is
what a researcher would write without this package: ``scipy.optimize.minimize`` (L-BFGS-B) from
the same 8 starts, on the same objective computed by ``explorer.divergences.compute`` (closed
form / adaptive quadrature) for a 1-D Gaussian q. Both are timed in the same run; ratios are
printed (the machines are noisy: compare ratios, not absolute times).

Usage: ``python benchmarks/bench_fitting.py [--quick]``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np
from scipy import optimize

from explorer import divergences as dv
from explorer import presets as targets
from explorer.distributions import Gaussian
from explorer.fitting import fit

ONE_D = ["kl", "reverse_kl", "js", "hellinger", "alpha", "tv", "chi2", "renyi", "cs", "w1", "w2", "mmd",
         "energy", "sinkhorn"]
TWO_D = ["kl", "reverse_kl", "js", "cs", "mmd", "w2", "sinkhorn"]


def scipy_peer(p, name: str, starts: np.ndarray) -> float:
    best = math.inf

    def f(th):
        # L-BFGS-B needs finite values: an infinite divergence (χ² with a too-narrow q) or a
        # step out of range becomes a large penalty, as a researcher would write it
        if not np.all(np.isfinite(th)) or abs(th[1]) > 30:
            return 1e10
        v = dv.compute(name, p, Gaussian(th[0], math.exp(th[1])))
        return v if math.isfinite(v) else 1e10

    for th0 in starts:
        r = optimize.minimize(f, th0, method="L-BFGS-B")
        best = min(best, r.fun)
    return best


def timed(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="one repeat, fewer divergences")
    args = ap.parse_args()
    reps = 1 if args.quick else 3
    p1 = targets.make("two_gaussians").p
    fit(p1, divergence="kl", restarts=2, steps=5)  # imports, torch warm-up
    import ot  # noqa: F401  (POT's ~1 s import is paid once per process, not per fit)
    rng = np.random.default_rng(0)
    starts = np.column_stack([rng.uniform(-5, 5, 8), np.log(rng.uniform(0.5, 3.0, 8))])
    print("1-D target: two separated Gaussians, 8 restarts, Gaussian q")
    head = ("divergence", "ours (s)", "D ours", "scipy (s)", "D scipy", "ratio")
    print(f"{head[0]:12s} {head[1]:>9s} {head[2]:>9s} {head[3]:>10s} {head[4]:>9s} {head[5]:>7s}")
    for name in ONE_D[:5] if args.quick else ONE_D:
        t_ours, r = timed(lambda n=name: fit(p1, divergence=n, restarts=8), reps)
        if name in ("sinkhorn", "w1", "w2"):
            t_peer, v_peer = math.nan, math.nan  # scipy on these would be minutes (no gradients)
        else:
            t_peer, v_peer = timed(lambda n=name: scipy_peer(p1, n, starts), 1)
        ok = "<1 s ok" if t_ours < 1.0 else "SLOW"
        print(f"{name:12s} {t_ours:9.2f} {r.value:9.4g} {t_peer:10.2f} {v_peer:9.4g} "
              f"{t_peer / t_ours:7.1f}x  {ok}")
    print("\n2-D targets, 8 restarts, full-covariance Gaussian q")
    for tname in ("ring", "two_moons", "penguins_2d"):
        p2 = targets.make(tname).p
        for name in TWO_D[:3] if args.quick else TWO_D:
            t_ours, r = timed(lambda n=name, p=p2: fit(p, divergence=n, restarts=8), 1)
            ok = "<5 s ok" if t_ours < 5.0 else "SLOW"
            print(f"{tname:12s} {name:12s} {t_ours:7.2f} s  D = {r.value:.4g}  {ok}")


if __name__ == "__main__":
    main()
