"""KDE lab speed and memory (issue 10's targets), peers measured in the same run.

Targets, each printed with the measured median (≥ 5 runs, BLAS pinned to one thread) and ratio:

* 1-D, n = 10⁶, 1,024-point grid: within 1.5× of KDEpy FFTKDE; ≥ 100× faster than
  ``scipy.stats.gaussian_kde`` — scipy is measured at n = 10⁵ (at 10⁶ it takes ≈ 10 s) against our
  time at the same n = 10⁵, and its 10⁶ time is extrapolated linearly (its cost is O(n·m)).
* 2-D, n = 10⁵ on 256 × 256: under 0.5 s (KDEpy FFTKDE on standardised data as the peer).
* ISJ for n = 10⁶: under 1 s (KDEpy's ISJ as the peer; its value is ~2.5× too small on this data,
  KDEpy issue #199, so only its time is compared).
* Bandwidth slider at n = 10⁵: < 50 ms of compute per move (BinnedKDE re-smoothing; a full
  ``estimate`` per move shown beside it).
* Regime simulation d = 30, α = 0.3, 200 test points: under 3 s and peak RSS under 1 GB (run in a
  child process, its ru_maxrss includes the interpreter and numpy).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_kde.py
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from explorer import kde

REPEATS = 7


def median_s(fn, repeats: int = REPEATS) -> float:
    fn()                                    # warm-up (imports, FFT plans)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def line(label: str, ours: float, peer: float | None, peer_name: str, target: str, ok: bool) -> None:
    ratio = f"{peer / ours:8.1f}x" if peer else "        "
    peer_s = f"{peer * 1e3:10.1f} ms" if peer else " " * 13
    print(f"{label:38s} {ours * 1e3:10.1f} ms {peer_s} {ratio}  {peer_name:22s} {target:24s} "
          f"{'ok' if ok else 'MISSED'}")


def bench_1d(rng) -> None:
    from KDEpy import FFTKDE
    from scipy import stats
    x6 = rng.standard_normal(1_000_000)
    x5 = x6[:100_000]
    h6 = kde.bandwidth(x6, "silverman")
    t_ours = median_s(lambda: kde.estimate(x6, bandwidth=h6, grid_size=1024))
    t_kdepy = median_s(lambda: FFTKDE(bw=h6).fit(x6).evaluate(1024))
    line("1-D n=1e6, 1024 grid (h fixed)", t_ours, t_kdepy, "KDEpy FFTKDE", "≤ 1.5× KDEpy",
         t_ours <= 1.5 * t_kdepy)
    t_ours_s = median_s(lambda: kde.estimate(x6, bandwidth="silverman", grid_size=1024))
    t_kdepy_s = median_s(lambda: FFTKDE(bw="silverman").fit(x6).evaluate(1024))
    line("1-D n=1e6, 1024 grid (+ Silverman)", t_ours_s, t_kdepy_s, "KDEpy FFTKDE", "≤ 1.5× KDEpy",
         t_ours_s <= 1.5 * t_kdepy_s)
    import statsmodels.api as sm
    t_sm = median_s(lambda: sm.nonparametric.KDEUnivariate(x6).fit(bw=h6, fft=True, gridsize=1024))
    line("1-D n=1e6 vs statsmodels (fft)", t_ours, t_sm, "statsmodels KDEUniv.", "(reference)", True)
    g = np.linspace(x5.min() - 1, x5.max() + 1, 1024)
    h5 = kde.bandwidth(x5, "silverman")
    ref = stats.gaussian_kde(x5, bw_method=h5 / x5.std(ddof=1))
    t_scipy = median_s(lambda: ref(g), repeats=3)
    t_ours5 = median_s(lambda: kde.estimate(x5, g, h5))
    line("1-D n=1e5, 1024 grid", t_ours5, t_scipy, "scipy gaussian_kde", "≥ 100× scipy",
         t_scipy >= 100 * t_ours5)
    line("1-D n=1e6 vs scipy ×10 (extrapolated)", t_ours, 10 * t_scipy, "scipy (10 × n=1e5)", "≥ 100× scipy",
         10 * t_scipy >= 100 * t_ours)


def bench_2d(rng) -> None:
    from KDEpy import FFTKDE
    x = rng.standard_normal((100_000, 2)) @ np.array([[1.0, 0.0], [0.6, 0.5]])
    t = median_s(lambda: kde.estimate(x, bandwidth="scott", grid_size=256))
    z = (x - x.mean(0)) / x.std(0)
    t_kdepy = median_s(lambda: FFTKDE(bw=0.15).fit(z).evaluate((256, 256)))
    line("2-D n=1e5, 256×256 (Scott H)", t, t_kdepy, "KDEpy FFTKDE (std.)", "< 500 ms", t < 0.5)


def bench_isj(rng) -> None:
    from KDEpy.bw_selection import improved_sheather_jones
    x = np.r_[rng.normal(-2, 0.5, 500_000), rng.normal(2, 1.0, 500_000)]
    t = median_s(lambda: kde.bandwidth(x, "isj"), repeats=5)
    t_kdepy = median_s(lambda: improved_sheather_jones(x.reshape(-1, 1)), repeats=5)
    line("ISJ n=1e6", t, t_kdepy, "KDEpy ISJ (2^10 grid)", "< 1000 ms", t < 1.0)


def bench_slider(rng) -> None:
    x = np.r_[rng.normal(-2, 0.5, 50_000), rng.normal(2, 1.0, 50_000)]
    g = np.linspace(-6, 8, 1024)
    hs = np.geomspace(0.02, 1.0, 15)
    binned = kde.BinnedKDE(x, g, h_max=1.0)
    it = iter(np.tile(hs, 100))
    t = median_s(lambda: binned.density(next(it)), repeats=15)
    it2 = iter(np.tile(hs, 100))
    t_full = median_s(lambda: kde.estimate(x, g, next(it2)), repeats=15)
    line("bandwidth slider n=1e5 (per move)", t, t_full, "full estimate per move", "< 50 ms", t < 0.05)


CHILD = """
import resource, time, numpy as np
from threadpoolctl import threadpool_limits
from explorer.kde import regimes
with threadpool_limits(1):
    t = time.perf_counter()
    st = regimes.simulate(30, alpha=0.3, n_test=200, seed=0, progress=False)
    dt = time.perf_counter() - t
    s = regimes.draw(30, alpha=0.3, n_test=200, seed=0, progress=False)
    ts = []
    for h in np.geomspace(0.3, 3, 9):
        t0 = time.perf_counter(); s.evaluate([h]); ts.append(time.perf_counter() - t0)
print(dt, float(np.median(ts)), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, st.n)
"""


def bench_regimes() -> None:
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True)
        runs.append([float(v) for v in out.stdout.split()])
    t, t_h, rss, n = (statistics.median(r[i] for r in runs) for i in range(4))
    line(f"regime simulation d=30 α=0.3 (n={int(n)})", t, None, "40 bandwidths", "< 3000 ms", t < 3.0)
    line("regime h slider (re-evaluate one h)", t_h, None, "", "< 50 ms", t_h < 0.05)
    print(f"{'regime simulation peak RSS':38s} {rss:10.0f} MB {'':13s} {'':9s}  {'child process':22s} "
          f"{'< 1024 MB':24s} {'ok' if rss < 1024 else 'MISSED'}")


def main() -> None:
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)
    print(f"{'case':38s} {'ours':>13s} {'peer':>13s} {'speed-up':>9s}  {'peer':22s} {'target':24s}")
    with threadpool_limits(1):
        bench_1d(rng)
        bench_2d(rng)
        bench_isj(rng)
        bench_slider(rng)
    bench_regimes()
    print(f"(this process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
