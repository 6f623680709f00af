"""The α-path tab: α-divergence fits from α = 0 (reverse KL) to α = 1 (forward KL)."""

from __future__ import annotations

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from explorer import fitting
from explorer.ui._common import fmt_value
from explorer.ui.mode_seeking.plot import components, ellipse, p_contour_2d, p_trace_1d, tab_layout, x_grid
from explorer.ui.mode_seeking.tab import Tab, run_button, tab_box
from explorer.ui.widgets import FigureSlot, Job
from explorer.ui.widgets.theme import divergence_colour

ALPHAS = np.round(np.linspace(0.0, 1.0, 21), 3)
PATH_STEPS = 150
DIVERGENCE, PARAMETER = "alpha", "alpha"  # the family this tab walks along: D_α, α from 0 to 1


def alpha_path(job: Job, p, restarts: int) -> list[fitting.FitResult]:
    """The α path: the best reverse-KL-like fit (α = 0, ``restarts`` starts), then each α
    warm-started from its neighbour (cancellable between and during the fits)."""
    seeker = fitting.fit(p, divergence=DIVERGENCE, restarts=restarts, progress=lambda s, n: job.check(),
                         **{PARAMETER: float(ALPHAS[0])})
    init = seeker.history.theta[-1][seeker.best_restart][None]
    return fitting.fit_path(p, DIVERGENCE, PARAMETER, ALPHAS, restarts=1, init=init, steps=PATH_STEPS,
                            progress=job.progress)


class AlphaTab(Tab):
    title = "α path"
    doing = "drawing the α path"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.alpha = W.SelectionSlider(options=list(ALPHAS), value=0.5, description="α",
                                       continuous_update=True, layout=W.Layout(width="500px"))
        self.alpha.add_class("dx-alpha-slider")
        self.controls.add("alpha.alpha", self.alpha)
        self.button = run_button("Compute the α path", "dx-alpha-run", self.compute)
        self.progress = W.IntProgress(value=0, min=0, max=100, layout=W.Layout(width="200px"))
        self.progress.add_class("dx-alpha-progress")
        self.figure = FigureSlot("dx-alpha-figure")
        self.path: list[fitting.FitResult] | None = None
        self._runner = self.runner("dx-alpha")
        self.alpha.observe(lambda c: self.refresh(), names="value")
        self.widget = tab_box(
            "α-divergence fits from α = 0 (reverse KL, mode-seeking) to α = 1 (forward KL, "
            "mode-covering); each α warm-started from its neighbour.",
            W.HBox([self.button, self.alpha, self.progress]), self.figure.box)

    def reset(self) -> None:
        self._runner.cancel()
        self.path = None
        self.button.disabled = False

    def compute(self) -> None:
        """The "Compute the α path" button: the path runs in the background, its progress here."""
        with self.errors.guard("computing the α path"):
            p, restarts = self.state.p, self.state.restarts
            self.button.disabled = True
            self.progress.value = 0
            self._runner.submit(lambda job: alpha_path(job, p, restarts), on_partial=self._progress,
                                on_done=self._done, on_error=self._failed, context="computing the α path")

    def _progress(self, value) -> None:
        _, done, total = value
        self.progress.value = int(100 * done / max(total, 1))

    def _done(self, path: list[fitting.FitResult]) -> None:
        self.path = path
        self.progress.value = 100
        self.button.disabled = False
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self.button.disabled = False
        self.errors.report(exc, "computing the α path")

    def draw(self) -> None:
        if not self.path:
            return
        a = self.alpha.value
        r = self.path[list(ALPHAS).index(a)]
        p = self.state.p
        colour = divergence_colour(DIVERGENCE)
        if p.dim == 1:
            x = x_grid(self.state)
            traces = [p_trace_1d(p, x, name="p"),
                      go.Scatter(x=x, y=r.q.pdf(x), name=f"q at α = {a:g}",
                                 line={"color": colour, "width": 3})]
        else:
            ex, ey = ellipse(components(r.q)[0])
            traces = [p_contour_2d(p),
                      go.Scatter(x=ex, y=ey, name=f"q at α = {a:g}", line={"color": colour, "width": 3})]
        self.figure.show(go.Figure(traces, tab_layout(f"α = {a:g}: D_α = {fmt_value(r.value)}")))

