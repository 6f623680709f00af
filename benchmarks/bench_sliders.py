"""Mode-seeking demo latency: Python-side compute per slider move (1-D presets).

Issue 4's target: a slider move re-renders in < 100 ms of compute for 1-D presets. Measured here
for the sliders that re-render from cached results, in the demo object itself (the same code the
Voila page runs, minus the browser's drawing): the α slider (along a precomputed α path), the
playback step slider, and choosing a divergence that is already fitted (main figure + table).
Target sliders and plot edits (dragging a mode) change p, so they refit, with a progress bar:
their cost is the fit time of ``bench_fitting.py``.

Peer, in the same run: what the α slider would cost without the cached path — one 8-restart
``fit(p, "alpha", alpha=a)`` per move, as a script calling the library would do.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_sliders.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from explorer.fitting import fit
from explorer.ui import mode_seeking as ms

TARGETS = ("two_gaussians", "three_modes", "heavy_tails", "old_faithful")


def median_ms(moves) -> float:
    times = []
    for move in moves:
        t = time.perf_counter()
        move()
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)


def setter(widget, value):
    return lambda: setattr(widget, "value", value)


def one_target(name: str) -> str:
    from explorer.ui.mode_seeking.tab_alpha import ALPHAS, AlphaTab
    from explorer.ui.mode_seeking.tab_playback import PlaybackTab

    ui = ms.ModeSeeking(name, background=False)
    alpha_tab, playback = ui.tab(AlphaTab), ui.tab(PlaybackTab)
    ui.tabs.selected_index = ui.tab_list.index(alpha_tab)
    alpha_tab.compute()  # the "Compute the α path" button
    assert alpha_tab.path is not None, "the α path was not computed"
    alphas = [a for a in ALPHAS if a != alpha_tab.alpha.value][:12]
    t_alpha = median_ms([setter(alpha_tab.alpha, a) for a in alphas])
    ui.tabs.selected_index = ui.tab_list.index(playback)
    t_play = median_ms([setter(playback.step, int(s)) for s in np.linspace(0, playback.step.max, 15)[:-1]])
    chosen = tuple(ui.divs.value)
    t_div = median_ms([setter(ui.divs, chosen[: 1 + i % len(chosen)]) for i in range(8)])
    p = ui.state.p
    t_peer = median_ms([lambda a=a: fit(p, divergence="alpha", alpha=a, restarts=8) for a in alphas[:4]])
    ok = "<100 ms ok" if max(t_alpha, t_play, t_div) < 100 else "SLOW"
    return (f"{name:14s} {t_alpha:7.1f}ms {t_play:7.1f}ms {t_div:9.1f}ms {t_peer:10.1f}ms "
            f"{t_peer / t_alpha:6.0f}x  {ok}")


def main() -> None:
    head = ("target", "α slider", "playback", "divergence", "refit per α", "ratio")
    print(f"{head[0]:14s} {head[1]:>9s} {head[2]:>9s} {head[3]:>11s} {head[4]:>12s} {head[5]:>7s}")
    for name in TARGETS:
        print(one_target(name))


if __name__ == "__main__":
    main()
