"""Calculator latency: all registered divergences, both directions, per slider move (1-D).

Peer: scipy.integrate.quad (adaptive QUADPACK) on the same pairs, for the f-divergences only
(the ones it can do directly), forward direction only. Prints medians over repeated runs and
the ratio measured in the same run, plus the largest relative disagreement of the values.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_calculator.py
"""

from __future__ import annotations

import statistics
import time
import warnings

import numpy as np
from scipy import integrate

from explorer import data
from explorer import divergences as dv
from explorer.distributions import Gaussian, Mixture, StudentT

PAIRS = {
    "two modes vs Gaussian": (Mixture([Gaussian(-2.5, 0.7), Gaussian(2.5, 0.7)]), Gaussian(0.3, 1.5)),
    "Student t(2.5) vs Gaussian": (StudentT(2.5), Gaussian(0.2, 1.0)),
    "Old Faithful KDE vs Gaussian": (data.distribution("old_faithful", "eruptions"), Gaussian(3.5, 1.1)),
}
F_DIVS = ["kl", "reverse_kl", "jeffreys", "js", "hellinger", "tv", "chi2", "neyman_chi2"]


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def scipy_values(p, q) -> dict[str, float]:
    out = {}
    for name in F_DIVS:
        integrand = dv.get(name).integrand

        def f(x, integrand=integrand):
            return float(integrand(p.logpdf(np.array([x])), q.logpdf(np.array([x])))[0])

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[name] = integrate.quad(f, -np.inf, np.inf, limit=200)[0]
    return out


def main() -> None:
    head = ("pair", "ours: 15 div x 2 dir", "scipy quad: 8 f-div", "ratio", "max rel diff")
    print(f"{head[0]:32s} {head[1]:>22s} {head[2]:>20s} {head[3]:>7s} {head[4]:>13s}")
    for label, (p, q) in PAIRS.items():
        ours = median_time(lambda p=p, q=q: dv.compute_both(p, q), 15)
        peer = median_time(lambda p=p, q=q: scipy_values(p, q), 3)
        mine = {n: v[0].value for n, v in dv.compute_both(p, q).items()}
        ref = scipy_values(p, q)
        diffs = [abs(mine[n] - ref[n]) / max(abs(ref[n]), 1e-12) for n in F_DIVS
                 if np.isfinite(mine[n]) and np.isfinite(ref[n])]
        print(f"{label:32s} {ours * 1e3:19.1f} ms {peer * 1e3:17.1f} ms "
              f"{peer / ours:6.0f}x {max(diffs):13.1e}")


if __name__ == "__main__":
    main()
