"""The High-dimensions tab: Biroli & Mézard's regimes of a Gaussian-kernel KDE with n = e^{αd}
points in dimension d, simulated and against the d → ∞ theory (:mod:`explorer.kde.regimes`).

d, α and the number of test points draw a new sample on a :class:`~explorer.ui.widgets.LatestRunner`
(distances chunked, a progress bar, a refusal message when it would not fit in memory); the
curves over h stream in a few bandwidths at a time. The h slider re-evaluates the stored sample
at one bandwidth (n·n_test exponentials: 10–60 ms) and moves the markers, at once.
"""

from __future__ import annotations

import html
import math
import time
from functools import cache
from typing import Any

import ipywidgets as W
import numpy as np

from explorer.kde import regimes
from explorer.ui.kde import plot_regimes as plot
from explorer.ui.kde.tab import Tab, text
from explorer.ui.widgets import FigureSlot, Job, slider
from explorer.ui.widgets.text import status_line

__all__ = ["CURVE_POINTS", "RegimesTab", "digits_on_the_map", "simulate"]

CURVE_POINTS = 32
CHUNK = 8
SEED = 0


@cache
def digits_on_the_map() -> tuple[Any, Any]:
    """scikit-learn's digits (d = 64, standardised) placed on the map, and Σp² simulated at its Scott
    and Silverman bandwidths (200 held-out images as test points)."""
    x = regimes.digits()
    placement = regimes.place(x)
    sample = regimes.RegimeSample.from_data(x, n_test=200, seed=SEED, progress=False)
    return placement, sample.evaluate(list(placement.h.values()))


def simulate(job: Job, d: int, alpha: float, n_test: int, seed: int) -> tuple[Any, list[Any]]:
    """Draw the sample (progress streamed), then evaluate it over h a chunk at a time, streaming
    ``("sample", sample)`` and ``("curves", sample, chunks so far)`` through ``job``."""
    sample = regimes.draw(d, alpha=alpha, n_test=n_test, seed=seed,
                          progress=lambda f: job.progress(f, 1.0), should_stop=lambda: job.cancelled)
    job.check()
    job.emit(("sample", sample))
    th = regimes.thresholds(sample.alpha, sample.sigma)
    hs = np.geomspace(0.3 * th.h_G, 3 * th.h_CLT, CURVE_POINTS)
    chunks: list[Any] = []
    for lo in range(0, hs.size, CHUNK):
        job.check()
        chunks.append(sample.evaluate(hs[lo:lo + CHUNK]))
        job.emit(("curves", sample, list(chunks)))
    return sample, chunks


def _regimes_html() -> str:
    rows = "".join(f"<li><b>{html.escape(name)}</b> — {html.escape(what)}</li>"
                   for name, what in regimes.REGIMES.items())
    return f"<ul>{rows}</ul>"


INTRO = f"""
<b>What goes wrong in high dimension?</b> With n points in dimension d, a Gaussian-kernel estimate
at a point x is an average of n terms e<sup>−|x−yᵢ|²/2h²</sup> whose sizes differ by factors
exponential in d. Biroli &amp; Mézard (<i>Kernel density estimators in large dimensions</i>,
arXiv:2408.05807, 2024) show that at fixed α = ln n / d there are three regimes, separated by
h<sub>CLT</sub>(α) = √2·h<sub>G</sub>(α) (data N(0, σ²I); bandwidths in units of σ):
{_regimes_html()}
Their striking claim: the bandwidth that minimises KL(ρ‖ρ̂<sub>h</sub>) lies <b>outside</b> the CLT
regime — the derivation used here puts h<sub>KL</sub> even below h<sub>G</sub>, where a handful of
neighbours carry the estimate. See it: in the top-right plot Σpᵢ² (1 when one point carries the
sum, → 0 when all share it) rises from 0 as h crosses h<sub>G</sub>, and the KL minimum (bottom
right) sits left of the h<sub>G</sub> line. The lines are the d → ∞ limits; at d ≈ 20–40 the
simulated crossovers sit 10–15 % higher in h and close in as d grows. The digits data set (d = 64,
n ≈ 1,800) sits on the map with its Scott and Silverman bandwidths: with only 28 points per
dimension in log scale (α ≈ 0.12), both rules land in the extreme-value regime.
<br><i>For someone choosing a bandwidth:</i> above h<sub>CLT</sub> the usual variance-based error bars
hold but the estimate is a heavily smoothed Gaussian; between h<sub>G</sub> and h<sub>CLT</sub> error
bars computed from the variance are meaningless; below h<sub>G</sub> the estimate is a nearest-neighbour
method in disguise — which is where the likelihood is best.
"""


class RegimesTab(Tab):
    title = "High dimensions"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        P = regimes.PARAMS
        c = self.controls
        self.d = c.add("regimes.d", slider(P["d"], css="dx-kde-d", continuous_update=False))
        self.alpha = c.add("regimes.alpha", slider(P["alpha"], css="dx-kde-alpha", continuous_update=False))
        self.h = c.add("regimes.h", slider(P["h"], css="dx-kde-hd-h", continuous_update=True))
        self.n_test = c.add("regimes.n_test", slider(P["n_test"], css="dx-kde-n-test",
                                                     continuous_update=False))
        self.hist = c.add("regimes.hist", W.ToggleButtons(
            options=[(v, k) for k, v in plot.HIST_MODES.items()], value="log_rho", description="histogram of",
            style={"button_width": "290px"}))
        self.hist.add_class("dx-kde-hist")
        self.resample = W.Button(description="new sample", icon="refresh", layout=W.Layout(width="130px"))
        self.resample.add_class("dx-kde-hd-resample")
        self.seed = SEED
        self.size = W.HTML("")
        self.size.add_class("dx-kde-size")
        self.readout = status_line("dx-kde-regime")
        self.progress = W.IntProgress(value=0, min=0, max=100, layout=W.Layout(width="180px"))
        self.status = status_line("dx-kde-hd-status")
        self.digits_text = W.HTML("")
        self.digits_text.add_class("dx-kde-digits")
        self.figure = FigureSlot("dx-kde-hd-figure")
        self.sample: Any = None
        self.curves: list[Any] = []
        self.placement: Any = None
        self.at_h: Any = None
        self.eval_ms = 0.0
        self._sim = self.runner("dx-kde-simulation")
        self._digits = self.runner("dx-kde-digits")
        self._t0 = 0.0

    def build(self) -> None:
        c = self.controls
        c.observe(lambda n, ch: self._guard(self.redraw_sample), names=["regimes.d", "regimes.alpha",
                                                                         "regimes.n_test"])
        c.observe(lambda n, ch: self._guard(self.move_h), names=["regimes.h", "regimes.hist"])
        self.resample.on_click(lambda b: self._guard(self.new_sample))
        self.widget.children = [
            text(INTRO),
            W.HBox([W.VBox([self.d, self.alpha]), W.VBox([self.h, self.n_test]),
                    W.VBox([self.resample, self.size])], layout=W.Layout(flex_flow="row wrap")),
            self.hist, self.readout,
            W.HBox([self.progress, self.status]),
            self.figure.box, self.digits_text,
        ]
        self.figure.show(plot.figure(self._view()))
        # The digits loader imports scikit-learn, which imports pandas; plotly (drawing on this
        # thread meanwhile) uses pandas when it is in sys.modules, and would find it half-imported.
        import pandas  # noqa: F401
        self._digits.submit(lambda job: digits_on_the_map(), on_done=self._digits_done,
                            context="placing the digits data set")
        self.redraw_sample()

    def _guard(self, fn: Any) -> None:
        with self.errors.guard("simulating"):
            fn()

    def _view(self) -> plot.HighDimView:
        s = self.sample
        d, alpha = (int(self.d.value), float(self.alpha.value)) if s is None else (s.d, s.alpha)
        return plot.HighDimView(d=d, alpha=alpha, h=float(self.h.value), at_h=self.at_h, curves=self.curves,
                                placement=self.placement, hist=self.hist.value)

    # -- the sample -------------------------------------------------------------------------------
    def new_sample(self) -> None:
        self.seed += 1
        self.redraw_sample()

    def redraw_sample(self) -> None:
        d, alpha, n_test = int(self.d.value), float(self.alpha.value), int(self.n_test.value)
        self.size.value = (f"n = e<sup>αd</sup> = e<sup>{alpha * d:.2f}</sup> ≈ "
                           f"<b>{math.exp(alpha * d):,.0f}</b> data points<br>{n_test} test points")
        self.progress.value = 0
        self.status.value = "drawing the sample and its distances…"
        self._t0 = time.perf_counter()
        seed = self.seed
        self._sim.submit(lambda job: simulate(job, d, alpha, n_test, seed), on_partial=self._partial,
                         on_done=self._done, on_error=self._failed, context="simulating")

    def _partial(self, value: tuple) -> None:
        if value[0] == "progress":
            self.progress.value = int(60 * value[1] / max(value[2], 1e-12))
            return
        sample, curves = (value[1], []) if value[0] == "sample" else value[1:]
        if sample is not self.sample:      # a new sample (its first partial may have been throttled away)
            self.sample = sample
            self._evaluate_h()
        self.curves = curves
        if value[0] == "sample":
            self.status.value = f"n = {sample.n:,} drawn; evaluating {CURVE_POINTS} bandwidths…"
            self.progress.value = 60
            self.draw()
            return
        done = sum(s.h.size for s in self.curves)
        self.progress.value = 60 + int(40 * done / CURVE_POINTS)
        self.status.value = f"evaluated {done}/{CURVE_POINTS} bandwidths…"
        self.draw()

    def _done(self, result: tuple) -> None:
        sample, self.curves = result
        if sample is not self.sample:
            self.sample = sample
            self._evaluate_h()
        self.progress.value = 100
        self.draw()
        self.status.value = (f"d = {sample.d}, n = {sample.n:,}, {sample.n_test} test points: sample and "
                             f"{CURVE_POINTS} bandwidths in {time.perf_counter() - self._t0:.1f} s "
                             f"(a move of h re-evaluates it: {self.eval_ms:.0f} ms).")

    def _failed(self, exc: BaseException) -> None:
        self.progress.value = 0
        self.status.value = "no simulation: see the message above (the plots show the last one)."
        self.errors.report(exc, "simulating")

    def _digits_done(self, result: tuple) -> None:
        self.placement, stats = result
        p = self.placement
        parts = ", ".join(f"{html.escape(k)} h = {h:.3g} (h/σ = {h / p.sigma:.2f}, μ = {p.mu[k]:.2f}, "
                          f"Σpᵢ² = {part:.2f}, <b>{html.escape(p.regime[k])}</b>)"
                          for (k, h), part in zip(p.h.items(), stats.mean_participation, strict=True))
        self.digits_text.value = (
            f"<b>Digits</b> (scikit-learn, 8×8 images, d = {p.d}, n = {p.n:,}, standardised pixels; α = "
            f"{p.alpha:.3f}, h<sub>G</sub> = {p.iso.h_G:.3f} at σ = {p.sigma:.3f}): {parts}. With the data's "
            f"own covariance spectrum h<sub>G</sub> = {p.spectrum.h_G:.3f}, and the regimes are "
            f"{', '.join(html.escape(v) for v in p.regime_spectrum.values())}. Σpᵢ² is measured on 200 "
            "held-out images: a few neighbours carry each estimate.")
        self.draw()

    # -- the bandwidth ----------------------------------------------------------------------------
    def _evaluate_h(self) -> None:
        if self.sample is None:
            return
        t0 = time.perf_counter()
        self.at_h = self.sample.evaluate([float(self.h.value)])
        self.eval_ms = 1e3 * (time.perf_counter() - t0)

    def move_h(self) -> None:
        """A new h (or histogram choice): the stored sample re-evaluated, markers moved, one message."""
        self._evaluate_h()
        self._readout()
        if self.figure.widget is None:
            return
        with self.figure.batch() as w:
            plot.move_h(w, self._view())

    def _readout(self) -> None:
        h, alpha = float(self.h.value), float(self.alpha.value if self.sample is None else self.sample.alpha)
        th = regimes.thresholds(alpha)
        mu = regimes.stable_index(h, alpha)
        name = regimes.regime(h, alpha)
        colour = plot.REGIME_COLOURS[name]
        measured = ""
        if self.at_h is not None:
            s = self.at_h
            measured = (f" · simulated: Σpᵢ² = {float(s.mean_participation[0]):.3f}, largest share "
                        f"{float(s.mean_max_share[0]):.3f}, KL/d = {float(s.kl_per_dim[0]):.3f} "
                        f"nats ({self.eval_ms:.0f} ms)")
        self.readout.value = (
            f"h = {h:.3g}σ, α = {alpha:.3f}: μ = h²/h<sub>G</sub>² = {mu:.2f} → "
            f"<b style='color:{colour}'>{html.escape(name)}</b> regime (d → ∞: h<sub>G</sub> = {th.h_G:.3f}, "
            f"h<sub>CLT</sub> = {th.h_CLT:.3f}, h<sub>KL</sub> = {th.h_KL:.3f}){measured}")

    def draw(self) -> None:
        self._readout()
        self.figure.show(plot.figure(self._view()))
