"""The playback tab: every restart's q during the optimisation (Adam steps), step by step."""

from __future__ import annotations

import math

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from explorer.ui._common import fmt_value
from explorer.ui.mode_seeking.plot import (
    components,
    ellipse,
    label,
    p_contour_2d,
    p_trace_1d,
    tab_layout,
    x_grid,
)
from explorer.ui.mode_seeking.tab import Tab, tab_box
from explorer.ui.widgets import FigureSlot
from explorer.ui.widgets.theme import divergence_colour


class PlaybackTab(Tab):
    title = "Playback"
    doing = "drawing the playback"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.play = W.Play(value=0, min=0, max=1, step=1, interval=60)
        self.step = W.IntSlider(value=0, min=0, max=1, description="step")
        self.step.add_class("dx-step")
        W.jslink((self.play, "value"), (self.step, "value"))
        self.divergence = W.Dropdown(options=[], description="divergence")
        self.controls.add("playback.divergence", self.divergence)
        self.controls.add("playback.step", self.step)
        self.figure = FigureSlot("dx-play-figure")
        self.step.observe(lambda c: self._guarded(self.draw_step), names="value")
        self.divergence.observe(lambda c: self._guarded(self.setup), names="value")
        self.widget = tab_box("Every restart's q during optimisation (Adam steps).",
                              W.HBox([self.divergence, self.play, self.step]), self.figure.box)

    def _guarded(self, fn) -> None:
        if self.visible:
            with self.errors.guard(self.doing, clear=False):
                fn()
        else:
            self.dirty = True

    def draw(self) -> None:
        names = self.state.fitted()
        with self.controls.muted():
            self.divergence.options = [(label(n), n) for n in names]
            if names:
                self.divergence.value = names[0]
        if names:
            self.setup()

    def setup(self) -> None:
        r = self.state.results.get(self.divergence.value)
        if r is None:
            return
        with self.controls.muted():
            self.step.max = r.history.steps
            self.play.max = r.history.steps
            self.step.value = r.history.steps
        self.draw_step()

    def draw_step(self) -> None:
        r = self.state.results.get(self.divergence.value)
        if r is None:
            return
        s = min(self.step.value, r.history.steps)
        p = self.state.p
        c = divergence_colour(r.divergence)
        n_restarts = r.history.theta.shape[1]
        if p.dim == 1:
            x = x_grid(self.state)
            traces = [p_trace_1d(p, x, name="p")]
            for j in range(n_restarts):
                best = j == r.best_restart
                traces.append(go.Scatter(x=x, y=r.history.q(s, j).pdf(x), mode="lines", showlegend=False,
                                         line={"color": c, "width": 3 if best else 1.2},
                                         opacity=1.0 if best else 0.5))
        else:
            traces = [p_contour_2d(p)]
            for j in range(n_restarts):
                for comp in components(r.history.q(s, j)):
                    ex, ey = ellipse(comp)
                    traces.append(go.Scatter(x=ex, y=ey, mode="lines", showlegend=False,
                                             line={"color": c, "width": 3 if j == r.best_restart else 1.2}))
        loss = r.history.loss[s]
        finite = np.isfinite(loss)
        best = float(np.min(loss[finite])) if finite.any() else math.inf
        title = f"{label(r.divergence)} · step {s}/{r.history.steps} · lowest objective {fmt_value(best)}"
        square = {"scaleanchor": "x"} if p.dim == 2 else {}
        self.figure.show(go.Figure(traces, tab_layout(title, yaxis=square)))
