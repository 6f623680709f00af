"""The gradient-weights tab: where an f-divergence's gradient comes from, q·h(p/q), at one q."""

from __future__ import annotations

import html

import ipywidgets as W
import plotly.graph_objects as go

from explorer import divergences as dv
from explorer import fitting
from explorer.ui.mode_seeking.plot import MARGIN, WIDTH, label, x_grid
from explorer.ui.mode_seeking.tab import Tab, tab_box
from explorer.ui.widgets import FigureSlot
from explorer.ui.widgets.theme import P_COLOUR, P_FILL, divergence_colour


class WeightsTab(Tab):
    title = "Gradient weights"
    doing = "drawing the gradient weights"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.notice = W.HTML("")
        self.figure = FigureSlot("dx-weights-figure")
        self.widget = tab_box(
            "For an f-divergence the fit's gradient is a score difference ∇log p − ∇log q averaged "
            "under q·h(r), r = p/q, h(r) = r²f''(r) (f-distill). The curves show q·h(r) (normalised) "
            "at one common q — the first chosen divergence's fit (forward KL by default) — so you "
            "see which regions pull on q under each divergence: forward KL (h = r) listens where "
            "p ≫ q, reverse KL (h = 1) only where q already is.",
            self.notice, self.figure.box)

    def _say(self, text: str) -> None:
        self.notice.value = html.escape(text)
        self.figure.box.layout.display = "none"

    def draw(self) -> None:
        p = self.state.p
        if p.dim != 1:
            return self._say("The gradient-weight view is drawn for 1-D targets.")
        names = [n for n in self.state.divergences if dv.get(n).weight is not None]
        if not names:
            return self._say("None of the chosen divergences is an f-divergence with a gradient weight h(r).")
        common = self.state.first_fit()
        if common is None:
            return self._say("Fit first: the weights are drawn at a fitted q.")
        q = common.q
        x = x_grid(self.state)
        fig = go.Figure([go.Scatter(x=x, y=p.pdf(x) / p.pdf(x).max(), name="p (scaled)", fill="tozeroy",
                                    fillcolor=P_FILL, line={"color": P_COLOUR, "width": 1})])
        for n in names:
            params = self.state.results[n].params if n in self.state.results else {}
            w = fitting.gradient_weight(p, q, n, x, **params)
            fig.add_trace(go.Scatter(x=x, y=w / max(w.max(), 1e-300), name=label(n),
                                     line={"color": divergence_colour(n), "width": 2.5}))
        fig.update_layout(height=340, width=WIDTH, margin=MARGIN,
                          title={"text": f"q·h(p/q) at q = {q.describe()} (each scaled to max 1)", "x": 0.01},
                          yaxis={"title": "relative weight"}, xaxis={"title": "x"})
        self.notice.value = ""
        self.figure.box.layout.display = None
        self.figure.show(fig)
