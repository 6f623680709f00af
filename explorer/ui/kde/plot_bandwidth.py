"""The Bandwidth tab's figure: the data, the truth and the estimate (left); ISE and KL against the
bandwidth with every selector and the oracle marked (right).

The traces have fixed positions (``TRACE``) so that a bandwidth move updates three of them in
one message (:func:`move_h`) instead of rebuilding the figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer import kde
from explorer.ui._common import fmt_value
from explorer.ui.widgets.theme import P_COLOUR, PALETTE, Q_COLOUR

__all__ = ["TRACE", "View", "analysis_updates", "figure", "move_h", "rule_colour", "update_analysis"]

TRACE = {name: i for i, name in enumerate(
    ("histogram", "truth", "estimate", "rug", "ise", "kl", "sel_ise", "sel_kl", "oracle_ise", "oracle_kl"))}
RUG_MAX = 500
HEIGHT = 480
WIDTH = 1180


def rule_colour(name: str) -> str:
    """A bandwidth rule's colour: its position in the registry (the same on the ruler and plot)."""
    return PALETTE[kde.rule_names(1).index(name) % len(PALETTE)]


@dataclass
class View:
    """What the figure shows (the tab fills it; the figure only draws it)."""

    x: np.ndarray
    grid: np.ndarray
    density: np.ndarray
    h: float
    kernel: str
    method: str
    truth_pdf: np.ndarray | None = None
    title: str = ""
    selectors: dict[str, float] = field(default_factory=dict)
    errors: dict[str, tuple[float, float]] = field(default_factory=dict)
    curve: Any = None  # kde.ErrorCurve
    xlabel: str = "x"


def _finite(v: Any) -> list[float | None]:
    """Values for plotly: ∞/NaN become gaps (None), never a silent point."""
    return [float(a) if math.isfinite(a) else None for a in np.asarray(v, dtype=float)]


def _hist(x: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    bins = int(np.clip(np.sqrt(x.size) * 1.5, 12, 90))
    counts, edges = np.histogram(x, bins=bins, range=(grid[0], grid[-1]), density=True)
    return 0.5 * (edges[1:] + edges[:-1]), counts, float(edges[1] - edges[0])


def _density_title(v: View) -> str:
    return (f"h = {fmt_value(v.h)} · {v.kernel} kernel · {v.method} · n = {v.x.size:,}")


def figure(v: View) -> go.Figure:
    """The whole figure for view ``v``."""
    fig = make_subplots(rows=2, cols=2, specs=[[{"rowspan": 2}, {}], [None, {}]], column_widths=[0.56, 0.44],
                        horizontal_spacing=0.09, vertical_spacing=0.14,
                        subplot_titles=(_density_title(v), "ISE(h) = ∫(f̂_h − f)²   ● selectors  ★ oracle",
                                        "KL(f ‖ f̂_h) in nats   ● selectors  ★ oracle"))
    centres, counts, width = _hist(v.x, v.grid)
    fig.add_trace(go.Bar(x=centres, y=counts, width=width, marker={"color": "rgba(120,120,120,0.28)"},
                         name="data (histogram)", hoverinfo="skip"), row=1, col=1)
    fig.add_trace(go.Scatter(x=v.grid, y=[] if v.truth_pdf is None else v.truth_pdf, mode="lines",
                             name="true density f", line={"color": "black", "dash": "dash", "width": 2}),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=v.grid, y=v.density, mode="lines", name="estimate f̂_h",
                             line={"color": P_COLOUR, "width": 2.5}), row=1, col=1)
    rug = v.x if v.x.size <= RUG_MAX else np.empty(0)
    fig.add_trace(go.Scatter(x=rug, y=np.zeros(rug.size), mode="markers", name="data points",
                             marker={"symbol": "line-ns-open", "size": 9, "color": "rgba(0,0,0,0.45)"},
                             showlegend=bool(rug.size), hoverinfo="x"), row=1, col=1)
    for name, row in (("ise", 1), ("kl", 2)):
        fig.add_trace(go.Scatter(mode="lines", showlegend=False, name=name.upper(),
                                 line={"color": "#444", "width": 2}), row=row, col=2)
    for row in (1, 2):
        fig.add_trace(go.Scatter(mode="markers", showlegend=False, name="selectors",
                                 hovertemplate="%{text}: h = %{x:.4g}, %{y:.4g}<extra></extra>"),
                      row=row, col=2)
    for name, row in (("ise", 1), ("kl", 2)):
        fig.add_trace(go.Scatter(mode="markers", showlegend=False, name=f"oracle ({name})",
                                 marker={"symbol": "star", "size": 15, "color": Q_COLOUR,
                                         "line": {"width": 1, "color": "black"}},
                                 hovertemplate="oracle: h = %{x:.4g}, %{y:.4g}<extra></extra>"),
                      row=row, col=2)
    for i, values in analysis_updates(v).items():
        fig.data[i].update(values)
    shapes = [{"type": "line", "xref": ax, "yref": f"{ay} domain", "x0": v.h, "x1": v.h, "y0": 0, "y1": 1,
               "line": {"color": P_COLOUR, "width": 2, "dash": "dot"}}
              for ax, ay in (("x2", "y2"), ("x3", "y3"))]
    annotations = [*fig.layout.annotations, go.layout.Annotation(
        text=_note(v), xref="x2 domain", yref="y2 domain", x=0.5, y=0.2, showarrow=False,
        font={"size": 12, "color": "#555"})]
    fig.update_layout(height=HEIGHT, width=WIDTH, margin={"l": 50, "r": 20, "t": 40, "b": 45},
                      shapes=shapes, annotations=annotations, bargap=0,
                      legend={"orientation": "h", "x": 0, "y": -0.12, "font": {"size": 12}})
    fig.layout.annotations[0].update(font={"size": 13})
    fig.update_xaxes(title_text=v.xlabel, row=1, col=1)
    fig.update_yaxes(title_text="density", rangemode="tozero", row=1, col=1)
    fig.update_xaxes(type="log", row=1, col=2)
    fig.update_xaxes(type="log", title_text="bandwidth h (data units)", row=2, col=2)
    fig.update_yaxes(type="log", row=1, col=2)
    fig.update_yaxes(type="log", row=2, col=2)
    return fig


def _note(v: View) -> str:
    if v.curve is not None:
        return ""
    if v.truth_pdf is None:
        return ("No known truth for these data: ISE and KL need the true density.<br>"
                "Pick a <b>Toy</b> target to judge the selectors against the oracle.")
    return "computing the error curves…"


def analysis_updates(v: View) -> dict[int, dict]:
    """``{trace index: properties}`` of the right-hand panels (curves, selectors, oracles)."""
    c = v.curve
    out: dict[int, dict] = {}
    for key in ("ise", "kl"):
        out[TRACE[key]] = {"x": [] if c is None else c.h, "y": [] if c is None else _finite(getattr(c, key))}
    names = [n for n in v.selectors if n in v.errors]
    for j, key in enumerate(("sel_ise", "sel_kl")):
        out[TRACE[key]] = {"x": [v.selectors[n] for n in names],
                           "y": _finite([v.errors[n][j] for n in names]), "text": names,
                           "marker": {"size": 11, "color": [rule_colour(n) for n in names],
                                      "line": {"width": 1, "color": "white"}}}
    for key in ("ise", "kl"):
        h_o = None if c is None else getattr(c, f"oracle_{key}")
        val = None if c is None else getattr(c, f"min_{key}")
        ok = h_o is not None and math.isfinite(h_o) and val is not None and math.isfinite(val)
        out[TRACE[f"oracle_{key}"]] = {"x": [h_o] if ok else [], "y": [val] if ok else []}
    return out


def update_analysis(widget: go.FigureWidget, v: View) -> None:
    """Update the right-hand panels in place (inside the caller's ``batch_update``)."""
    for i, values in analysis_updates(v).items():
        widget.data[i].update(values)
    widget.layout.annotations[-1].text = _note(v)


def move_h(widget: go.FigureWidget, v: View) -> None:
    """Update only what a new bandwidth changes (inside the caller's ``batch_update``)."""
    widget.data[TRACE["estimate"]].y = v.density
    for shape in widget.layout.shapes:
        shape.x0 = shape.x1 = v.h
    widget.layout.annotations[0].text = _density_title(v)
