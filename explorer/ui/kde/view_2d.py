"""The 2-D view of the Bandwidth tab (an accordion, built when opened): a data set's contours under
a full-matrix bandwidth rule (Scott or Silverman), scaled by a slider to show over- and
under-smoothing. H = scale² · H_rule; :func:`explorer.kde.estimate` does the rest."""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from explorer import kde
from explorer.params import Param
from explorer.ui.kde.sources import SOURCES_2D
from explorer.ui.widgets import Controls, ErrorBox, FigureSlot, slider

__all__ = ["SCALE", "View2D"]

SCALE = Param("scale", 1.0, low=0.0, low_open=True, log=True, slider=(0.2, 5.0), label="bandwidth × rule",
              doc="multiplies the rule's kernel widths (H → scale² H)")
GRID = 128


class View2D:
    """The 2-D contour view; ``widget`` is an accordion whose content is built on first opening."""

    def __init__(self, errors: ErrorBox, controls: Controls):
        self.errors = errors
        self.data = controls.add("bandwidth2d.data", W.Dropdown(
            options=[(s.title, s.key) for s in SOURCES_2D.values()], description="data",
            layout=W.Layout(width="440px")))
        self.data.add_class("dx-kde2d-data")
        self.rule = controls.add("bandwidth2d.rule", W.ToggleButtons(
            options=[(kde.BANDWIDTH_RULES[n].title, n) for n in kde.rule_names(2)], value="scott",
            description="rule", style={"button_width": "190px"}))
        self.rule.add_class("dx-kde2d-rule")
        self.scale = controls.add("bandwidth2d.scale", slider(SCALE, css="dx-kde2d-scale", width="420px",
                                                              description_width="130px"))
        self.figure = FigureSlot("dx-kde2d-figure")
        self.caption = W.HTML("")
        self.caption.add_class("dx-status")
        self.body = W.VBox([W.HTML("<span class='dx-status'>loading…</span>")])
        self.widget = W.Accordion(children=[self.body], selected_index=None)
        self.widget.set_title(0, "2-D view: contours of a two-column data set (full bandwidth matrix)")
        self.widget.add_class("dx-kde2d")
        self.widget.observe(lambda ch: self.open() if ch["new"] == 0 else None, names="selected_index")
        controls.observe(lambda n, ch: self.redraw(), names="bandwidth2d")
        self.built = False

    def open(self) -> None:
        if self.built:
            return
        self.built = True
        self.body.children = [
            W.HTML("In 2-D the bandwidth is a matrix H. Scott's and Silverman's rules take it proportional "
                   "to the data's covariance (Scott 1992, eq. 6.43; Silverman 1986, eq. 4.14), so the kernel "
                   "is stretched along the correlation. Scale it down to see the clusters split into "
                   "islands around single points; up, to see them merge."),
            W.HBox([self.data, self.rule], layout=W.Layout(flex_flow="row wrap")), self.scale,
            self.figure.box, self.caption]
        self.redraw()

    def redraw(self) -> None:
        if not self.built:
            return
        with self.errors.guard("estimating the 2-D density"):
            self.figure.show(self.make_figure())

    def make_figure(self) -> go.Figure:
        src = SOURCES_2D[self.data.value]
        x = src.samples()
        bw = kde.resolve_bandwidth(x, self.rule.value)
        H = bw.cov * float(self.scale.value) ** 2
        t0 = time.perf_counter()
        r = kde.estimate(x, bandwidth=H, grid_size=GRID)
        ms = 1e3 * (time.perf_counter() - t0)
        gx, gy = r.grid
        self.caption.value = (
            f"{html.escape(bw.rule)} × {float(self.scale.value):.3g}: H = "
            f"[[{H[0, 0]:.3g}, {H[0, 1]:.3g}], [{H[1, 0]:.3g}, {H[1, 1]:.3g}]] · {r.method} on "
            f"{GRID}×{GRID} nodes in {ms:.1f} ms · n = {x.shape[0]}")
        fig = go.Figure([
            go.Contour(x=gx, y=gy, z=r.density.T, colorscale="Blues", ncontours=14, showscale=False,
                       contours={"coloring": "fill"}, line={"width": 0.5}, name="estimate",
                       hovertemplate="(%{x:.2f}, %{y:.2f}): %{z:.3g}<extra></extra>"),
            go.Scatter(x=x[:, 0], y=x[:, 1], mode="markers", name="data",
                       marker={"size": 4, "color": "rgba(200,60,20,0.75)"}),
        ])
        fig.update_layout(height=430, width=620, margin={"l": 60, "r": 20, "t": 30, "b": 50},
                          title={"text": f"{html.escape(src.title)}", "x": 0.01, "font": {"size": 13}},
                          xaxis={"title": src.axes[0], "range": [float(gx[0]), float(gx[-1])]},
                          yaxis={"title": src.axes[1], "range": [float(gy[0]), float(gy[-1])]},
                          showlegend=False)
        return fig

    def density(self) -> np.ndarray | None:
        """The contour's z (tests read it)."""
        w: Any = self.figure.widget
        return None if w is None else np.asarray(w.data[0].z)
