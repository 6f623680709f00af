"""The 2-D view of the Bandwidth tab (an accordion, built when opened): a data set's contours under
a full-matrix bandwidth rule (Scott or Silverman), scaled by a slider to show over- and
under-smoothing. H = scale² · H_rule; :func:`explorer.kde.estimate` does the rest. The visitor's
own two columns (upload or paste, :class:`~explorer.ui.widgets.upload.DataUpload`) are one of
the data sets, in their own units."""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from explorer import kde
from explorer.params import Param
from explorer.ui.kde.sources import SOURCES_2D, USER
from explorer.ui.widgets import Controls, ErrorBox, FigureSlot, slider
from explorer.ui.widgets.upload import DataUpload

__all__ = ["SCALE", "View2D"]

SCALE = Param("scale", 1.0, low=0.0, low_open=True, log=True, slider=(0.2, 5.0), label="bandwidth × rule",
              doc="multiplies the rule's kernel widths (H → scale² H)")
GRID = 128
#: The paste box's first content: the first 15 eruptions of Old Faithful (Azzalini & Bowman 1990).
EXAMPLE_2D = ("eruptions waiting\n3.6 79\n1.8 54\n3.333 74\n2.283 62\n4.533 85\n2.883 55\n4.7 88\n"
              "3.6 85\n1.95 51\n4.35 85\n1.833 54\n3.917 84\n4.2 78\n1.75 47\n4.7 83")


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
        self.upload = DataUpload(2, self._user_samples, example=EXAMPLE_2D, css="dx-kde2d-upload")
        self.user_x: np.ndarray | None = None
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
            W.HBox([self.data, self.rule], layout=W.Layout(flex_flow="row wrap")), self.upload.widget,
            self.scale,
            self.figure.box, self.caption]
        self.redraw()

    def _user_samples(self, x: np.ndarray, report: Any) -> None:
        kde.resolve_bandwidth(x, self.rule.value)  # refused here (shown by the upload) first
        self.user_x = x
        if self.data.value == USER:
            self.figure.show(self.make_figure())
        else:
            self.data.value = USER  # the observer redraws

    def _samples(self) -> tuple[np.ndarray, tuple[str, str]]:
        src = SOURCES_2D[self.data.value]
        self.upload.widget.layout.display = None if src.samples is None else "none"
        if src.samples is not None:
            return src.samples(), src.axes
        if self.user_x is None:  # first time: the example in the paste box
            self.user_x = self.upload.use_paste(notify=False)
        report = self.upload.report
        names = report.columns if report is not None else src.axes
        return self.user_x, (html.escape(names[0]), html.escape(names[-1]))  # the visitor's text

    def redraw(self) -> None:
        if not self.built:
            return
        with self.errors.guard("estimating the 2-D density"):
            self.figure.show(self.make_figure())

    def make_figure(self) -> go.Figure:
        src = SOURCES_2D[self.data.value]
        x, axes = self._samples()
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
                          xaxis={"title": axes[0], "range": [float(gx[0]), float(gx[-1])]},
                          yaxis={"title": axes[1], "range": [float(gy[0]), float(gy[-1])]},
                          showlegend=False)
        return fig

    def density(self) -> np.ndarray | None:
        """The contour's z (tests read it)."""
        w: Any = self.figure.widget
        return None if w is None else np.asarray(w.data[0].z)
