"""The calculator's figure: both densities (left) and every divergence as bars (right, log x)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer import divergences as dv
from explorer.ui._common import fmt_value
from explorer.ui.widgets.theme import FORWARD_COLOUR, P_COLOUR, P_FILL_LIGHT, Q_COLOUR, REVERSE_COLOUR

N_CURVE = 500


def make_figure() -> go.Figure:
    """The empty figure: traces p, q, p data, q data, D(p‖q) bars, D(q‖p) bars."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.52, 0.48], horizontal_spacing=0.17,
                        subplot_titles=("Densities", "Divergences (log scale)"))
    fig.add_trace(go.Scatter(name="p (target)", mode="lines", fill="tozeroy",
                             line={"color": P_COLOUR, "width": 2.5}, fillcolor=P_FILL_LIGHT), 1, 1)
    fig.add_trace(go.Scatter(name="q (model)", mode="lines",
                             line={"color": Q_COLOUR, "width": 2.5, "dash": "dash"}), 1, 1)
    for who, colour in (("p", P_COLOUR), ("q", Q_COLOUR)):
        fig.add_trace(go.Histogram(name=f"{who} data", histnorm="probability density",
                                   marker={"color": colour}, opacity=0.22, showlegend=False,
                                   visible=False, nbinsx=40), 1, 1)
    labels = [dv.get(n).label for n in dv.names()]
    for name, colour in (("D(p‖q)", FORWARD_COLOUR), ("D(q‖p)", REVERSE_COLOUR)):
        fig.add_trace(go.Bar(name=name, orientation="h", y=labels, x=[None] * len(labels),
                             marker={"color": colour, "pattern": {"shape": [""] * len(labels)}},
                             textposition="outside", cliponaxis=False, constraintext="none",
                             textfont={"size": 11}), 1, 2)
    fig.update_layout(height=620, margin={"l": 40, "r": 40, "t": 60, "b": 40}, barmode="group",
                      bargap=0.25, uirevision="keep",
                      legend={"orientation": "h", "y": -0.08, "x": 0.0}, font={"size": 13})
    fig.update_xaxes(title_text="x", row=1, col=1)
    fig.update_yaxes(title_text="density", rangemode="tozero", row=1, col=1)
    fig.update_xaxes(type="log", title_text="value (∞ drawn to the edge, hatched)", row=1, col=2)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    return fig


def curve_x(p: Any, q: Any) -> np.ndarray:
    """Where to draw the densities: both plot ranges, plus both sides of every kink and edge."""
    lo = min(p.plot_range()[0], q.plot_range()[0])
    hi = max(p.plot_range()[1], q.plot_range()[1])
    x = np.linspace(lo, hi, N_CURVE)
    edges = [b for b in (*p.breakpoints(), *q.breakpoints()) if lo < b < hi]
    for b in (*edges, *(s for d in (p, q) for s in d.support if lo < s < hi)):
        x = np.concatenate([x, [np.nextafter(b, -np.inf), b, np.nextafter(b, np.inf)]])
    return np.unique(x)


def _bars(vals: list, lo: float, hi: float) -> tuple[list, list, list, list]:
    """(x, text, pattern, text position) of a bar trace: ∞ to the edge and hatched, None hidden."""
    xs, texts, patterns, where = [], [], [], []
    for v in vals:
        if v is None:
            xs.append(None)
            texts.append("")
            patterns.append("")
            where.append("none")
        elif math.isinf(v):
            xs.append(hi)
            texts.append("∞")
            patterns.append("/")
            where.append("outside")
        else:
            xs.append(max(v, lo))
            texts.append(fmt_value(v))
            patterns.append("")
            where.append("outside")
    return xs, texts, patterns, where


def fill(fig: go.Figure, p: Any, q: Any, results: dict) -> None:
    """Write p, q and the divergence values into ``fig`` (a Figure or the live FigureWidget)."""
    x = curve_x(p, q)
    fwd = [pair[0].value for pair in results.values()]
    rev = [None if pair[1] is None else pair[1].value for pair in results.values()]
    finite = [v for v in (*fwd, *rev) if v is not None and 0 < v < math.inf]
    lo = 10 ** (math.floor(math.log10(min(finite))) - 0.3) if finite else 1e-4
    hi = 10 ** (math.ceil(math.log10(max(finite))) + 0.6) if finite else 10.0
    lo = max(lo, hi * 1e-9)
    fx, ft, fp, fw = _bars(fwd, lo, hi)
    rx, rt, rp, rw = _bars(rev, lo, hi)
    d = fig.data
    d[0].x, d[0].y = x, p.pdf(x)  # numpy arrays: sent as binary buffers, not 500-element lists
    d[1].x, d[1].y = x, q.pdf(x)
    for trace, dist in ((d[2], p), (d[3], q)):
        samples = getattr(dist, "samples", None)
        if samples is not None and np.ndim(samples) == 1:
            trace.x, trace.visible = samples, True
        else:
            trace.visible = False
    d[4].x, d[4].text, d[4].marker.pattern.shape, d[4].textposition = fx, ft, fp, fw
    d[5].x, d[5].text, d[5].marker.pattern.shape, d[5].textposition = rx, rt, rp, rw
    fig.layout.xaxis2.range = [math.log10(lo), math.log10(hi)]
