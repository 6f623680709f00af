"""Latency of the distillation lab's page (headless): first build, training, and slider moves on trained
results (the issue's target: < 50 ms per β or temperature move, Python side).

Usage: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_ui_distill.py [--quick]`` (``--quick``: two
temperatures, five β, short training, three frontier β).
"""

from __future__ import annotations

import argparse
import statistics
import time


def timed(fn, repeat: int = 1) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    from explorer.ui.distill import align_work, distill_work

    if args.quick:
        distill_work.TEMPERATURES = (1.0, 2.0)
        distill_work.BETAS = (0.0, 0.25, 0.5, 0.75, 1.0)
        distill_work.STEPS, distill_work.SWEEP_STEPS = 100, 60
        align_work.BETAS = (0.1, 0.5, 1.5)
    t0 = time.perf_counter()
    from explorer.ui import distill

    lab = distill.build(background=False)
    print(f"build + train every temperature and the β sweep: {time.perf_counter() - t0:.1f} s")
    tab = lab.distillation
    betas = list(tab.beta.options)
    moves = []
    for b in betas * 2:
        moves += timed(lambda b=b: setattr(tab.beta, "value", b))
    print(
        f"β slider on the trained sweep: median {statistics.median(moves):.1f} ms, max {max(moves):.1f} ms "
        f"({len(moves)} moves)"
    )
    moves = []
    for t in list(tab.temperature.options) * 2:
        moves += timed(lambda t=t: setattr(tab.temperature, "value", t))
    print(
        f"temperature slider on trained students: median {statistics.median(moves):.1f} ms, "
        f"max {max(moves):.1f} ms ({len(moves)} moves)"
    )
    t0 = time.perf_counter()
    lab.select("Alignment")
    print(f"Alignment tab opened and its frontier computed: {time.perf_counter() - t0:.1f} s")
    a = lab.alignment
    moves = []
    for b in list(a.beta.options) * 2:
        moves += timed(lambda b=b: setattr(a.beta, "value", b))
    print(
        f"alignment β slider: median {statistics.median(moves):.1f} ms, max {max(moves):.1f} ms "
        f"({len(moves)} moves)"
    )


if __name__ == "__main__":
    main()
