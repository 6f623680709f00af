"""Speed of explorer.information against peers measured in the same run (medians, ratios).

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/bench_information.py [--quick]

* KSG 1-D, n = 1e5: ours vs scikit-learn's mutual_info_regression (same estimator, k = 3).
* KSG d = 5 + 5, n = 1e4 (scikit-learn has no joint estimator).
* IB, 50 β, |X| = 4096, |Y| = 2, |T| = 8 and |X| = 256, |Y| = 10, |T| = 64: ours vs a plain numpy
  iteration of the IB equations with the same annealing; dit's IB optimiser at one β on a small
  problem (it takes seconds to minutes per β), with I(X;T), I(T;Y) compared.
* β slider on a computed curve: IBResult.at.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from explorer.information import _knn
from explorer.information.ib import ib_curve


def median_time(fn, reps: int) -> tuple[float, object]:
    out, ts = None, []
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts)), out


def plain_ib(pxy: np.ndarray, betas: np.ndarray, nt: int, tol: float = 1e-8, max_iter: int = 10000) -> int:
    """Textbook IB iteration with annealing and warm starts (the baseline); returns iterations."""
    rng = np.random.default_rng(0)
    px = pxy.sum(1)
    pyx = pxy / px[:, None]
    enc = rng.dirichlet(np.ones(nt), size=px.size)
    total = 0
    for beta in betas:
        enc = 0.99 * enc + 0.01 * rng.dirichlet(np.ones(nt), size=px.size)
        for _ in range(max_iter):
            qt = px @ enc
            qyt = (enc.T @ pxy) / qt[:, None]
            kl = np.sum(pyx * np.log(np.maximum(pyx, 1e-300)), 1)[:, None] - pyx @ np.log(qyt).T
            new = qt[None, :] * np.exp(-beta * (kl - kl.min(1, keepdims=True)))
            new /= new.sum(1, keepdims=True)
            total += 1
            if np.max(np.abs(new - enc)) < tol:
                enc = new
                break
            enc = new
    return total


def dit_point(pxy: np.ndarray, beta: float, nt: int) -> tuple[float, float, float]:
    import dit
    from dit.rate_distortion.information_bottleneck import InformationBottleneck

    nx, ny = pxy.shape
    d = dit.Distribution([f"{i:02d}{j}" for i in range(nx) for j in range(ny)], pxy.ravel())
    t = time.perf_counter()
    opt = InformationBottleneck(d, beta=beta, rvs=[[0, 1], [2]], bound=nt)
    opt.optimize()
    sec = time.perf_counter() - t
    q = opt.construct_distribution()
    q.set_rv_names("ABYT")
    mi = dit.shannon.mutual_information
    return sec, mi(q, ["A", "B"], ["T"]) * np.log(2), mi(q, ["Y"], ["T"]) * np.log(2)


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    reps = 3 if quick else 5
    rng = np.random.default_rng(0)
    from sklearn.feature_selection import mutual_info_regression

    n = 100_000
    x = rng.standard_normal(n)
    y = x + rng.standard_normal(n)
    t_ours, v_ours = median_time(lambda: _knn.ksg(x[:, None], y[:, None], 3, np.random.default_rng(0)), reps)
    t_sk, v_sk = median_time(lambda: mutual_info_regression(x[:, None], y, n_neighbors=3, random_state=0)[0],
                             reps)
    print(f"KSG 1-D n=1e5: ours {t_ours:.3f} s ({v_ours:.4f}), sklearn {t_sk:.3f} s ({v_sk:.4f}), "
          f"ratio sklearn/ours {t_sk / t_ours:.2f}; truth {0.5 * np.log(2):.4f}")
    xx = rng.standard_normal((10_000, 5))
    yy = 0.6 * xx + 0.8 * rng.standard_normal((10_000, 5))
    t5, v5 = median_time(lambda: _knn.ksg(xx, yy, 3, np.random.default_rng(0)), max(1, reps // 2))
    print(f"KSG 5+5 n=1e4: ours {t5:.3f} s ({v5:.4f}; truth {-2.5 * np.log(1 - 0.36):.4f})")

    betas = np.geomspace(0.1, 1000, 50)
    for nx, ny, nt in ((4096, 2, 8), (256, 10, 64)):
        pxy = rng.dirichlet(np.ones(ny) * 0.5, size=nx) / nx
        t_ib, r = median_time(lambda pxy=pxy, nt=nt: ib_curve(pxy, betas, n_clusters=nt), 1)
        line = (f"IB 50 β |X|={nx} |Y|={ny} |T|={nt}: ours {t_ib:.2f} s "
                f"({int(r.iterations.sum())} iterations, converged {r.converged.mean():.0%})")
        if not quick:
            t_pl, it_pl = median_time(lambda pxy=pxy, nt=nt: plain_ib(pxy, betas, nt), 1)
            line += f"; plain numpy {t_pl:.2f} s ({it_pl} iterations), ratio {t_pl / t_ib:.1f}"
        print(line)
        t_at, _ = median_time(lambda r=r: [r.at(b) for b in np.geomspace(0.1, 1000, 100)], 3)
        print(f"  β slider (IBResult.at): {t_at / 100 * 1e6:.1f} µs per move")

    small = rng.dirichlet(np.ones(2) * 0.5, size=8) / 8
    sec_dit, ixt_d, ity_d = dit_point(small, 5.0, 4)
    t_ours, r = median_time(lambda: ib_curve(small, [5.0], n_clusters=4, restarts=3), reps)
    print(f"IB one β, |X|=8 |Y|=2 |T|=4: dit {sec_dit:.2f} s (I_XT {ixt_d:.4f}, I_TY {ity_d:.4f} nats); "
          f"ours {t_ours * 1e3:.1f} ms (I_XT {r.I_XT[0]:.4f}, I_TY {r.I_TY[0]:.4f}; Lagrangian ours "
          f"{r.objective[0]:.4f} vs dit {ixt_d - 5.0 * ity_d:.4f}); ratio {sec_dit / t_ours:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
