"""The Bandwidth tab: one sample, a log bandwidth slider with every selector's choice on it, the
estimate redrawn at once, and ISE / KL against the bandwidth with each selector and the oracle.

A slider move costs one :func:`explorer.kde.estimate` (binned FFT above n·m = 2·10⁵; a few ms at
n = 10⁵) and a three-trace update. Everything slower — the selectors (ISJ, cross-validation), the
error curves and the error at the current h — runs on :class:`~explorer.ui.widgets.LatestRunner`
threads and streams in; a newer sample, kernel or boundary supersedes it.
"""

from __future__ import annotations

import html
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import ipywidgets as W
import numpy as np

from explorer import kde
from explorer.ui._common import fmt_value
from explorer.ui.kde import plot_bandwidth as plot
from explorer.ui.kde.ruler import ruler_html
from explorer.ui.kde.sources import SOURCES, USER
from explorer.ui.kde.tab import Tab, text
from explorer.ui.kde.view_2d import View2D
from explorer.ui.widgets import FigureSlot, Job
from explorer.ui.widgets.controls import log_limits, set_range
from explorer.ui.widgets.text import status_line
from explorer.ui.widgets.upload import DataUpload

__all__ = ["DEFAULT_N", "DEFAULT_SOURCE", "N_CHOICES", "Analysis", "BandwidthTab", "analyse"]

N_CHOICES = (50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000,
             1_000_000)
DEFAULT_SOURCE = "two_gaussians"
DEFAULT_N = 1_000
GRID_POINTS = 800
SLIDER_WIDTH = 600
ORACLES = {"oracle ISE": "#e07b00", "oracle KL": "#a04000"}
EXAMPLE_NUMBERS = "1.2 1.9 2.1 2.4 2.5 2.8 3.0 3.1 3.3 4.6 4.8 5.0 5.1 5.3 5.9"


@dataclass
class Analysis:
    """What the background work found so far for one sample: each selector's h, the errors there
    (toy targets), the error curves with the oracles, and how far it got."""

    selectors: dict[str, float] = field(default_factory=dict)
    errors: dict[str, tuple[float, float]] = field(default_factory=dict)
    curve: Any = None
    done: int = 0
    total: int = 1
    doing: str = ""


def analyse(job: Job, x: np.ndarray, truth: Any, kernel: str, boundary: Any,
            known: dict[str, float]) -> Analysis:
    """Error curves (if the truth is known), then every registered 1-D rule in registry order (those
    in ``known`` reused) with its errors; a copy is streamed through ``job`` after each step."""
    names = kde.rule_names(1)
    out = Analysis(selectors=dict(known), total=len(names) + (truth is not None))
    if truth is not None:
        out.doing = "the error curves"
        job.emit(replace(out))
        out.curve = kde.error_curve(truth, x, kernel=kernel, boundary=boundary, selectors=[],
                                    should_stop=lambda: job.cancelled)
        job.check()
        out.done += 1
    for name in names:
        out.doing = kde.BANDWIDTH_RULES[name].title
        job.emit(replace(out, selectors=dict(out.selectors), errors=dict(out.errors)))
        if name not in out.selectors:
            out.selectors[name] = float(kde.bandwidth(x, name))
        job.check()
        if truth is not None:
            out.errors[name] = kde.kde_error(truth, x, out.selectors[name], kernel=kernel, boundary=boundary)
        out.done += 1
    out.doing = ""
    return out


def _rules_html() -> str:
    rows = "".join(
        f"<tr><td><b>{html.escape(r.name)}</b></td><td>{html.escape(r.title)}</td>"
        f"<td>{html.escape(r.formula)}</td><td class='props'>{html.escape(r.reference)}</td></tr>"
        for r in kde.BANDWIDTH_RULES.values() if r.accepts(1))
    kernels = ", ".join(f"{html.escape(k.title)} ({html.escape(k.formula)})" for k in kde.KERNELS.values())
    return (f"<details><summary>The selectors and kernels</summary><div class='dx-table'><table>"
            f"<tr><th>rule</th><th>name</th><th>what it computes</th><th>reference</th></tr>{rows}"
            "</table></div>"
            f"<p class='dx-status'>Kernels (each scaled to unit variance, so h is its standard deviation): "
            f"{kernels}.</p></details>")


INTRO = """
<b>How much smoothing?</b> Too small an <i>h</i> and the estimate is spiky noise (variance); too large and the
modes melt into one (bias). Drag the bandwidth: every selector's choice is marked under the slider
(click one to jump there). For a <b>toy</b> target the true density is known, so the right-hand
plots show the actual error of each choice and the <b>oracle</b> — the bandwidth a selector would
pick if it knew the truth.
<ul>
<li><b>Silverman / Scott</b> (1986 / 1992) assume the data are roughly Gaussian: with two well
separated modes they oversmooth — their mark sits right of the oracle.</li>
<li><b>ISJ</b> (Botev, Grotowski &amp; Kroese 2010) solves a fixed-point equation for the
curvature of the unknown density instead of assuming a Gaussian; it tracks the oracle on
multimodal data, and stays O(n) up to n = 10⁶.</li>
<li><b>LSCV</b> (Rudemo 1982, Bowman 1984) minimises an unbiased estimate of ISE, <b>MLCV</b>
(Habbema et al. 1974, Duin 1976) maximises the leave-one-out likelihood — the KL criterion: compare
each one's mark with the oracle of its own loss. Both are noisy at small n (move <i>new sample</i>).</li>
</ul>
The estimate uses exact sums for small problems and linear binning + FFT above n·m = 2·10⁵ points ×
nodes (the title says which), so n = 10⁶ stays interactive.
"""


class BandwidthTab(Tab):
    title = "Bandwidth"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        c = self.controls
        self.source = c.add("bandwidth.source", W.Dropdown(
            options=[(s.title, s.key) for s in SOURCES.values()], value=DEFAULT_SOURCE, description="data",
            layout=W.Layout(width="440px")))
        self.source.add_class("dx-kde-source")
        self.n = c.add("bandwidth.n", W.SelectionSlider(
            options=[(f"{v:,}", v) for v in N_CHOICES], value=DEFAULT_N, description="sample size n",
            continuous_update=False, style={"description_width": "110px"}, layout=W.Layout(width="380px")))
        self.n.add_class("dx-kde-n")
        self.resample = W.Button(description="new sample", icon="refresh", layout=W.Layout(width="130px"))
        self.resample.add_class("dx-kde-resample")
        self.seed = 0
        self.kernel = c.add("bandwidth.kernel", W.Dropdown(
            options=[(k.title, k.name) for k in kde.KERNELS.values()], value="gaussian", description="kernel",
            layout=W.Layout(width="260px")))
        self.kernel.add_class("dx-kde-kernel")
        self.reflect = c.add("bandwidth.reflect", W.Checkbox(
            value=False, description="reflect at 0 (positive data)", indent=False,
            layout=W.Layout(width="240px")))
        self.reflect.add_class("dx-kde-reflect")
        self.upload = DataUpload(1, self._user_samples, example=EXAMPLE_NUMBERS, css="dx-kde-upload")
        self.upload.widget.layout.display = "none"
        self.user_x: np.ndarray | None = None
        self.blurb = W.HTML("")
        param = kde.BANDWIDTH
        lo, hi = log_limits(*param.slider_range(), param.default)
        self.h = c.add("bandwidth.h", W.FloatLogSlider(
            value=param.default, min=lo, max=hi, step=0.01, base=10, readout=False, description="",
            continuous_update=True, layout=W.Layout(width=f"{SLIDER_WIDTH}px")))
        self.h.add_class("dx-kde-h")
        self.h_label = W.HTML(f"<b>{html.escape(param.title)}</b>", layout=W.Layout(width="95px"))
        self.h_readout = W.HTML("")
        self.h_readout.add_class("dx-kde-h-readout")
        self.ruler = W.HTML("")
        self.jump_buttons = {label: self._jump_button(label, colour) for label, colour in
                             [(n, plot.rule_colour(n)) for n in kde.rule_names(1)] + list(ORACLES.items())}
        self.jump = W.HBox(list(self.jump_buttons.values()), layout=W.Layout(flex_flow="row wrap"))
        self.jump.add_class("dx-kde-jump")
        self.progress = W.IntProgress(value=0, min=0, max=100, layout=W.Layout(width="180px"))
        self.status = status_line("dx-kde-status")
        self.at_h = status_line("dx-kde-at-h")
        self.figure = FigureSlot("dx-kde-figure")
        self.view_2d = View2D(self.errors, c)

        self.x: np.ndarray = np.empty(0)
        self.truth: Any = None
        self.grid: np.ndarray = np.empty(0)
        self.truth_pdf: np.ndarray | None = None
        self.analysis = Analysis()
        self.view: plot.View | None = None
        self.estimate_ms = 0.0
        self._known: dict[str, float] = {}
        self._work = self.runner("dx-kde-selectors")
        self._errors_at_h = self.runner("dx-kde-error-at-h")
        self._t0 = 0.0

    # -- building -------------------------------------------------------------------------------
    def build(self) -> None:
        c = self.controls
        c.observe(lambda n, ch: self._guard(self.load), names=["bandwidth.source", "bandwidth.n"])
        c.observe(lambda n, ch: self._guard(self.reanalyse), names=["bandwidth.kernel", "bandwidth.reflect"])
        c.observe(lambda n, ch: self._guard(self.move_h), names="bandwidth.h")
        self.resample.on_click(lambda b: self._guard(self.new_sample))
        slider_row = W.HBox([self.h_label, W.VBox([self.h, W.HBox([W.HTML("", layout=W.Layout(width="0px")),
                                                                    self.ruler])]), self.h_readout],
                            layout=W.Layout(align_items="flex-start"))
        self.widget.children = [
            text(INTRO),
            W.HBox([self.source, self.n, self.resample], layout=W.Layout(flex_flow="row wrap")),
            self.blurb, self.upload.widget,
            W.HBox([self.kernel, self.reflect]),
            slider_row,
            W.HBox([W.HTML("<span class='dx-status'>jump to:</span>"), self.jump]),
            W.HBox([self.progress, self.status]),
            self.figure.box, self.at_h,
            W.HTML(_rules_html()),
            self.view_2d.widget,
        ]
        self.load()

    def _jump_button(self, label: str, colour: str) -> W.Button:
        b = W.Button(description=label, layout=W.Layout(width="auto", display="none"))
        b.style.text_color = colour
        b.style.font_weight = "bold"
        b.add_class("dx-kde-jump-button")
        b.on_click(lambda _b: self._guard(lambda: self.jump_to(self._mark(label))))
        return b

    def _mark(self, label: str) -> float:
        return next(h for lab, h, _ in self.marks() if lab == label)

    def _guard(self, fn: Any) -> None:
        with self.errors.guard("estimating the density"):
            fn()

    # -- data -----------------------------------------------------------------------------------
    def _user_samples(self, x: np.ndarray, report: Any) -> None:
        """The upload widget's samples (an upload, a paste, another column): estimate on them."""
        kde.resolve_bandwidth(x)  # refused here (shown by the upload) before the page changes
        self.user_x = x
        if self.source.value == USER:
            self.load()  # an error is shown by the upload, next to what the visitor did
        else:
            self.source.value = USER  # the observer loads it

    def new_sample(self) -> None:
        self.seed += 1
        self.load()

    def load(self) -> None:
        """Draw or read the sample, put h at the default rule's choice, and redraw."""
        src = SOURCES[self.source.value]
        self.n.layout.display = self.resample.layout.display = None if src.sampled else "none"
        self.upload.widget.layout.display = None if src.key == USER else "none"
        self.blurb.value = f"<i>{html.escape(src.blurb)}</i>"
        if src.key == USER:
            if self.user_x is None:  # first time: the example in the paste box
                self.user_x = self.upload.use_paste(notify=False)
            x = self.user_x
        else:
            x = src.draw(self.n.value, self.seed)
        bw = kde.resolve_bandwidth(x)      # validates the data; the project's default rule
        self.x = x
        self.truth = src.truth() if src.truth is not None else None
        positive = bool(np.min(x) > 0)
        self.reflect.layout.display = None if positive else "none"
        self._known = {bw.method: bw.h}
        with self.controls.muted():
            if not positive:
                self.reflect.value = False
            set_range(self.h, kde.BANDWIDTH.scaled(float(np.std(x))), bw.h)
        self.reanalyse()

    def _make_grid(self) -> None:
        """The plotting window: the truth's range, or the data's ± 15 % (from 0 when reflecting)."""
        x = self.x
        if self.truth is not None:
            lo, hi = (float(v) for v in self.truth.plot_range())
        else:
            lo, hi = float(np.min(x)), float(np.max(x))
            pad = 0.15 * (hi - lo)
            lo, hi = lo - pad, hi + pad
        if self.boundary is not None:
            lo = self.boundary
        self.grid = np.linspace(lo, hi, GRID_POINTS)
        self.truth_pdf = None if self.truth is None else np.asarray(self.truth.pdf(self.grid), dtype=float)

    @property
    def boundary(self) -> float | None:
        return 0.0 if self.reflect.value and self.reflect.layout.display is None else None

    def reanalyse(self) -> None:
        """Redraw at once with what is known; selectors, errors and curves follow in the background."""
        if self.x.size == 0:
            return
        self.analysis = Analysis(selectors=dict(self._known))
        self._make_grid()
        self._estimate()
        self.draw()
        x, truth, kernel, boundary = self.x, self.truth, self.kernel.value, self.boundary
        known = dict(self._known)
        self.progress.value = 0
        self._t0 = time.perf_counter()
        self.status.value = "computing the selectors…"
        self._work.submit(lambda job: analyse(job, x, truth, kernel, boundary, known),
                          on_partial=self._partial, on_done=self._done, on_error=self._failed,
                          context="computing the selectors")
        self._submit_error_at_h()

    def _partial(self, a: Analysis) -> None:
        self.progress.value = int(100 * a.done / max(a.total, 1))
        self.status.value = f"computing {html.escape(a.doing)}… ({a.done + 1}/{a.total})"
        changed = (a.selectors != self.analysis.selectors or a.errors != self.analysis.errors
                   or a.curve is not self.analysis.curve)
        self.analysis = a
        if changed:
            self.draw(full=False)

    def _done(self, a: Analysis) -> None:
        self.analysis = a
        self._known = dict(a.selectors)
        self.progress.value = 100
        self.draw(full=False)
        note = f" ({html.escape(a.curve.note)})" if a.curve is not None and a.curve.note else ""
        self.status.value = (f"{len(a.selectors)} selectors{' and the error curves' if a.curve else ''} in "
                             f"{time.perf_counter() - self._t0:.1f} s{note}.")

    def _failed(self, exc: BaseException) -> None:
        self.status.value = "stopped: see the message above."
        self.errors.report(exc, "computing the selectors")

    # -- bandwidth ------------------------------------------------------------------------------
    def _estimate(self) -> None:
        t0 = time.perf_counter()
        r = kde.estimate(self.x, grid=self.grid, bandwidth=float(self.h.value), kernel=self.kernel.value,
                         boundary=self.boundary)
        self.estimate_ms = 1e3 * (time.perf_counter() - t0)
        self.view = plot.View(x=self.x, grid=self.grid, density=r.density, h=float(self.h.value),
                              kernel=self.kernel.value, method=r.method, truth_pdf=self.truth_pdf,
                              xlabel=self._xlabel())
        self.h_readout.value = (f"<b>h = {fmt_value(self.h.value)}</b> "
                                f"<span class='dx-status'>({r.method}, {self.estimate_ms:.1f} ms)</span>")

    def _xlabel(self) -> str:
        src = SOURCES[self.source.value]
        if src.key == USER:
            report = self.upload.report  # the visitor's column name, escaped for plotly's markup
            return html.escape(report.columns[0]) if report is not None else "x"
        return src.title.split(": ", 1)[-1] if src.truth is None else "x"

    def move_h(self) -> None:
        """A new bandwidth: the estimate and the h markers only (one message)."""
        if self.x.size == 0 or self.figure.widget is None:
            return
        self._estimate()
        with self.figure.batch() as w:
            plot.move_h(w, self._view())
        self._submit_error_at_h()

    def _submit_error_at_h(self) -> None:
        if self.truth is None:
            self.at_h.value = ""
            return
        x, truth, h = self.x, self.truth, float(self.h.value)
        kernel, boundary = self.kernel.value, self.boundary

        def work(job: Job) -> tuple[float, tuple[float, float]]:
            return h, kde.kde_error(truth, x, h, kernel=kernel, boundary=boundary)

        self._errors_at_h.submit(work, on_done=self._show_error_at_h, context="computing the error at h")

    def _show_error_at_h(self, value: tuple[float, tuple[float, float]]) -> None:
        h, (ise, kl) = value
        why = " (∞: the kernel misses part of the truth's support)" if math.isinf(kl) else ""
        self.at_h.value = (f"At h = {fmt_value(h)}: ISE = {fmt_value(ise)}, "
                           f"KL(f‖f̂_h) = {fmt_value(kl)} nats{why}")

    def jump_to(self, h: float) -> None:
        """Move the slider to ``h`` (a selector's or oracle's choice)."""
        lo, hi = 10 ** self.h.min, 10 ** self.h.max
        self.h.value = min(max(h, lo), hi)

    # -- drawing --------------------------------------------------------------------------------
    def _view(self) -> plot.View:
        a = self.analysis
        return replace(self.view, selectors=a.selectors, errors=a.errors, curve=a.curve)

    def marks(self) -> list[tuple[str, float, str]]:
        """(label, h, colour) of every selector and oracle known so far."""
        a = self.analysis
        out = [(name, h, plot.rule_colour(name)) for name, h in a.selectors.items()]
        if a.curve is not None:
            out += [(label, getattr(a.curve, attr), ORACLES[label]) for label, attr in
                    (("oracle ISE", "oracle_ise"), ("oracle KL", "oracle_kl"))]
        return out

    def draw(self, full: bool = True) -> None:
        """The figure (``full=False``: only the error panels, in place), the ruler and the buttons."""
        if self.view is None:
            return
        if full or self.figure.widget is None:
            self.figure.show(plot.figure(self._view()))
        else:
            with self.figure.batch() as w:
                plot.update_analysis(w, self._view())
        marks = self.marks()
        self.ruler.value = ruler_html(self.h.min, self.h.max, marks, SLIDER_WIDTH)
        known = {label: h for label, h, _ in marks}
        for label, button in self.jump_buttons.items():
            h = known.get(label)
            button.layout.display = None if h is not None else "none"
            if h is not None:
                button.description = f"{label} {fmt_value(h)}"
                button.tooltip = f"set h = {h:.4g}"
