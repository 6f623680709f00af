"""Distillation and alignment lab: speed targets of issue 12, and peers measured in the same run.

Targets: one student (V ≤ 1,000, 500 steps) < 0.5 s; a frontier of 20 β × 5 divergences < 5 s
(with a progress bar); a β or temperature slider on computed results < 50 ms per move.

Peers in the same run: ``torch.nn.functional.kl_div`` for the forward KL loss (our ``loss("kl")``
validates its input and handles teacher zeros exactly; the ratio is that cost), POT's
``ot.sinkhorn2`` for entropic OT on one histogram pair (ours is batched, torch, differentiable),
and scipy L-BFGS on the f-DPO objective against the closed form with its 1-D root search.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_distill.py
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_distill.py --only student   # one section

Sections (``--only``, repeatable): ``student``, ``frontier``, ``slider``, ``loss``, ``ot`` (POT: takes
minutes), ``fdpo``. Default: all of them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("POT_BACKEND_DISABLE_PYTORCH", "1")

import numpy as np
import torch

from explorer.alignment import closed_form, frontier, numerical_optimum, toy
from explorer.distill import distill, loss, sweep, teachers
from explorer.ot.batched import entropic_ot

torch.set_num_threads(1)

SECTIONS = ("student", "frontier", "slider", "loss", "ot", "fdpo")


def median_s(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Distillation and alignment lab: speed targets of issue 12.")
    ap.add_argument("--only", action="append", choices=SECTIONS,
                    help="run only this section (repeatable); default: every section")
    only = set(ap.parse_args(argv).only or SECTIONS)
    pb = toy(300)
    rng = np.random.default_rng(0)

    if "student" in only:
        print("## One student, unimodal family, 500 Adam steps (target < 0.5 s)")
        for v in (100, 1000):
            t = teachers.peaks(v, heights=(1.0, 0.6, 0.3), width=v / 30)
            for name in ("kl", "reverse_kl", "generalized_js", "js"):
                s = median_s(lambda t=t, name=name: distill(t, "unimodal", name, steps=500, floor=1e-9,
                                                            metrics=False), repeat=3)
                print(f"V = {v:5d}  {name:15s} {s:6.3f} s")
        t = teachers.peaks(1000, heights=(1.0, 0.6, 0.3), width=33)
        s = median_s(lambda: distill(t, "unimodal", "kl", steps=500, metrics=True), repeat=3)
        print(f"V =  1000  kl + all metrics   {s:6.3f} s")
        print()

    if "frontier" in only:
        print("## Frontier: 20 β × 5 divergences, 300 items (target < 5 s)")
        s = median_s(lambda: frontier(pb, progress=True), repeat=3)
        print(f"frontier                      {s:6.3f} s")
        print()

    if "slider" in only:
        print("## Slider moves on computed results (target < 50 ms)")
        t = teachers.peaks(100, heights=(1.0, 0.6, 0.3), width=4.0)
        sw = sweep(t, "beta", np.linspace(0, 1, 11), loss="generalized_js", steps=300, floor=1e-9)
        fr = frontier(pb, betas=np.geomspace(0.05, 2, 20))
        ms_beta = 1e3 * median_s(lambda: [sw.at(b) for b in np.linspace(0, 1, 50)], repeat=5) / 50
        moves = np.geomspace(0.05, 2, 10)
        ms_point = 1e3 * median_s(lambda: [fr.point("js", b) for b in moves], repeat=3) / 10
        print(f"β slider (DistillSweep.at)     {ms_beta:8.4f} ms per move")
        print(f"β slider (Frontier.point, with its Vendi score) {ms_point:8.3f} ms per move")
        print()

    if "loss" in only:
        print("## Loss evaluation vs torch.nn.functional.kl_div (B = 64, V = 32,000, float32)")
        z = torch.tensor(rng.normal(size=(64, 32000)), dtype=torch.float32)
        tp = torch.softmax(torch.tensor(rng.normal(size=(64, 32000)), dtype=torch.float32), -1)
        ours = median_s(lambda: loss("kl", z, tp))
        peer = median_s(lambda: torch.nn.functional.kl_div(torch.log_softmax(z, -1), tp,
                                                           reduction="batchmean"))
        print(f"explorer.distill.loss('kl') {1e3 * ours:7.2f} ms | F.kl_div {1e3 * peer:7.2f} ms | "
              f"ratio {ours / peer:.2f}")
        print()

    if "ot" in only:
        print("## Entropic OT on one pair of histograms (V = 200, ε = 20 on (i − j)²) vs POT sinkhorn2")
        import ot

        a = rng.dirichlet(np.ones(200))
        b = rng.dirichlet(np.ones(200))
        c = (np.arange(200.0)[:, None] - np.arange(200.0)[None, :]) ** 2
        ours = median_s(lambda: entropic_ot(torch.tensor(a), torch.tensor(b), torch.tensor(c), 20.0))
        peer = median_s(lambda: ot.sinkhorn2(a, b, c, 20.0, method="sinkhorn_log", stopThr=1e-9,
                                             numItermax=100000))
        print(f"explorer.ot.batched {1e3 * ours:7.2f} ms | POT sinkhorn2 (log) {1e3 * peer:7.2f} ms | "
              f"ratio {ours / peer:.2f}")
        ab = np.stack([a] * 16)
        bb = rng.dirichlet(np.ones(200), size=16)
        ours16 = median_s(lambda: entropic_ot(torch.tensor(ab), torch.tensor(bb), torch.tensor(c), 20.0))
        peer16 = median_s(lambda: [ot.sinkhorn2(ab[i], bb[i], c, 20.0, method="sinkhorn_log", stopThr=1e-9,
                                                numItermax=100000) for i in range(16)])
        print(f"16 pairs: batched {1e3 * ours16:7.2f} ms | POT loop {1e3 * peer16:7.2f} ms | "
              f"ratio {ours16 / peer16:.2f}")
        print()

    if "fdpo" in only:
        print("## f-DPO: closed form (Brent on λ) vs L-BFGS on the objective, 300 items")
        for name in ("reverse_kl", "js", "neyman_chi2"):
            cf = median_s(lambda name=name: closed_form(pb.base, pb.reward, 0.2, name))
            num = median_s(lambda name=name: numerical_optimum(pb.base, pb.reward, 0.2, name), repeat=1)
            print(f"{name:12s} closed form {1e3 * cf:7.2f} ms | numerical {1e3 * num:9.1f} ms | "
                  f"ratio {num / cf:.0f}x")


if __name__ == "__main__":
    main()
