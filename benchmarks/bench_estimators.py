"""Cost of one estimate of every registered sample estimator at n = 1000, via ``study``.

For each estimator: ``study(name, p, q, ns=(1000,), reps=REPS)`` on the 1-D pair
N(0,1) vs N(1,1.5) (and on the 2-D Gaussian pair where an exact 2-D value exists); prints the
median time of one estimator call (sampling excluded, from ``StudyResult.seconds``) and the wall
time of the whole study per estimate (sampling, exact value and bookkeeping included).

Peers, measured in the same run on the same samples (median of repeated calls):

* W₁ in 1-D vs ``scipy.stats.wasserstein_distance`` (the same quantile coupling; values equal);
* energy in 1-D vs ``scipy.stats.energy_distance``. SciPy returns
  :math:`\\sqrt{2E|X-Y| - E|X-X'| - E|Y-Y'|} = \\sqrt{2\\int (F_u - F_v)^2}` of the two
  *empirical* measures, i.e. the square root of the V-statistic (self-pairs i = j included),
  while ours is the unbiased U-statistic (self-pairs excluded). The script checks
  ``scipy² == V-statistic`` (``divergences.energy_weighted`` with uniform weights) and prints
  ``U − scipy²``, which is :math:`-(\\bar d_{xx} + \\bar d_{yy})/n < 0` (:math:`\\bar d_{xx}`: the
  mean distance between two different x's). SciPy uses the O(n log n) CDF formula of the 1-D
  energy distance; ours sums all pairwise distances, O(n²), in any dimension.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_estimators.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from scipy import stats

from explorer import divergences as dv
from explorer import estimators as es

N = 1000
REPS = 3  # study() needs reps >= 2; the median of 3 calls is the time per estimate
PAIR_1D = "N(0,1) vs N(1,1.5)"
PAIR_2D = "2-D correlated vs isotropic Gaussian"


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run_study(name: str, pair: str) -> tuple[es.StudyResult, float]:
    p, q, params = es.STUDY_PAIRS[pair]
    t = time.perf_counter()
    res = es.study(name, p, q, ns=(N,), reps=REPS, seed=0, **params.get(name, {}))
    return res, (time.perf_counter() - t) / REPS


def main() -> None:
    names = [n for n in dv.names() if dv.get(n).samples is not None]
    es.study("sinkhorn", *es.STUDY_PAIRS[PAIR_1D][:2], ns=(10,), reps=2)  # warm-up: torch import

    print(f"study(name, p, q, ns=({N},), reps={REPS}): time per estimate")
    head = f"{'estimator':11s} {'pair':5s} {'estimator call':>15s} {'study/estimate':>15s} "
    print(head + f"{'exact':>9s} {'mean est.':>10s}  method")
    for pair, dim in ((PAIR_1D, "1-D"), (PAIR_2D, "2-D")):
        for name in names:
            p, q, params = es.STUDY_PAIRS[pair]
            if p.dim == 2 and dv.evaluate(name, p, q, **params.get(name, {})).method.startswith("samples"):
                continue  # no exact 2-D value (W1, energy): study() would only compare two estimates
            res, per = run_study(name, pair)
            call = float(np.median(res.seconds))
            print(f"{name:11s} {dim:5s} {call * 1e3:12.2f} ms {per * 1e3:12.2f} ms "
                  f"{res.exact:9.4f} {res.mean[0]:10.4f}  {res.exact_method}")

    # -- peers, same samples, same run ---------------------------------------------------------
    p, q, _ = es.STUDY_PAIRS[PAIR_1D]
    g = np.random.default_rng(0)
    x, y = p.sample(N, g), q.sample(N, g)
    print(f"\npeers on one 1-D sample pair, n = {N} (median of repeated calls)")
    print(f"{'':30s} {'ours':>10s} {'scipy':>10s} {'ours/scipy':>10s}  values")

    ours_w1 = median_time(lambda: dv.compute("w1", x, y), 200)
    scipy_w1 = median_time(lambda: stats.wasserstein_distance(x, y), 200)
    v_ours, v_scipy = dv.compute("w1", x, y), stats.wasserstein_distance(x, y)
    print(f"{'W1 vs wasserstein_distance':30s} {ours_w1 * 1e3:7.3f} ms {scipy_w1 * 1e3:7.3f} ms "
          f"{ours_w1 / scipy_w1:9.2f}x  ours {v_ours:.10f}, scipy {v_scipy:.10f}, "
          f"|diff| {abs(v_ours - v_scipy):.1e}")

    ours_e = median_time(lambda: dv.compute("energy", x, y), 20)
    scipy_e = median_time(lambda: stats.energy_distance(x, y), 20)
    u_stat = dv.compute("energy", x, y)
    s = stats.energy_distance(x, y)
    w = np.full(N, 1.0 / N)
    v_stat = float(dv.energy_weighted(x[:, None], w, y[None, :, None], w[None])[0])
    print(f"{'energy vs energy_distance':30s} {ours_e * 1e3:7.3f} ms {scipy_e * 1e3:7.3f} ms "
          f"{ours_e / scipy_e:9.1f}x  ours (U) {u_stat:.6f}, scipy² {s**2:.6f} "
          f"(= V-statistic {v_stat:.6f}, |diff| {abs(s**2 - v_stat):.1e}); U − scipy² = {u_stat - s**2:.2e}")


if __name__ == "__main__":
    main()
