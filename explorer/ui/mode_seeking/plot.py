"""The main figure of the mode-seeking page (p, each divergence's fit and its local optima, the
editable mode shapes) and the trace helpers the tabs share."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import plotly.graph_objects as go

from explorer import divergences as dv
from explorer import presets
from explorer.ui._common import fmt_value
from explorer.ui.mode_seeking.state import State
from explorer.ui.widgets.theme import HANDLE_FILL, HANDLE_LINE_2D, P_COLOUR, P_FILL

N_CURVE = 500
HANDLE_HEIGHT = 0.05  # the draggable bar under each mode, in fractions of the plot's height
MARGIN = {"l": 50, "r": 20, "t": 40, "b": 40}
WIDTH = 1050  # px: plotly sizes a figure added to the page later to its default 700 px, not the page's


def label(name: str) -> str:
    """'KL (kl)': the registry label and key."""
    return f"{dv.get(name).label} ({name})"


def components(q: Any) -> list[Any]:
    return list(getattr(q, "components", [q]))


def ellipse(q: Any, k: float = 2.0, n: int = 90) -> tuple[np.ndarray, np.ndarray]:
    """The k-σ ellipse of a 2-D Gaussian (or of each component's mean/cov)."""
    t = np.linspace(0, 2 * np.pi, n)
    vals, vecs = np.linalg.eigh(np.asarray(q.cov))
    pts = vecs @ (k * np.sqrt(np.maximum(vals, 0))[:, None] * np.vstack([np.cos(t), np.sin(t)]))
    return q.mean[0] + pts[0], q.mean[1] + pts[1]


def ellipse_traces(q: Any, showlegend: bool = True, **style: Any) -> list[go.Scatter]:
    """The 2σ ellipse of each Gaussian component of q, one line trace each (legend on the first)."""
    traces = []
    for j, comp in enumerate(components(q)):
        ex, ey = ellipse(comp)
        traces.append(go.Scatter(x=ex, y=ey, mode="lines", showlegend=showlegend and j == 0, **style))
    return traces


def tab_layout(title: str, **extra: Any) -> go.Layout:
    """The layout of the figures in the tabs: 380 px high, title top left."""
    return go.Layout(height=380, margin=MARGIN, title={"text": title, "x": 0.01},
                     **extra)


def x_grid(state: State) -> np.ndarray:
    """Where 1-D curves are drawn: p's range, widened to the fits' by at most half its width."""
    p_lo, p_hi = state.p.plot_range()
    lo, hi = p_lo, p_hi
    for r in state.results.values():
        a, b = r.q.plot_range()
        lo, hi = min(lo, a), max(hi, b)
    w = hi - lo
    return np.linspace(max(lo, p_lo - 0.5 * w), min(hi, p_hi + 0.5 * w), N_CURVE)


def p_trace_1d(p: Any, x: np.ndarray, name: str = "p (target)", **line: Any) -> go.Scatter:
    return go.Scatter(x=x, y=p.pdf(x), name=name, mode="lines", fill="tozeroy", fillcolor=P_FILL,
                      line={"color": P_COLOUR, **line})


def p_contour_2d(p: Any) -> go.Contour:
    (x0, x1), (y0, y1) = p.plot_range()
    gx, gy = np.linspace(x0, x1, 120), np.linspace(y0, y1, 120)
    X, Y = np.meshgrid(gx, gy)
    Z = p.pdf(np.column_stack([X.ravel(), Y.ravel()])).reshape(X.shape)
    return go.Contour(x=gx, y=gy, z=Z, name="p (target)", showscale=False, colorscale="Blues",
                      contours={"coloring": "heatmap"}, line={"width": 0.5}, opacity=0.85, hoverinfo="skip")


def traces_1d(state: State) -> list[go.BaseTraceType]:
    x = x_grid(state)
    out: list[go.BaseTraceType] = [p_trace_1d(state.p, x, width=2.5)]
    # always a histogram trace (hidden without data), so that every 1-D target has the same
    # traces up front and the figure is updated in place when the target changes
    samples = state.target.samples
    out.append(go.Histogram(x=None if samples is None else np.ravel(samples), histnorm="probability density",
                            name="p data", marker={"color": P_COLOUR}, opacity=0.18, nbinsx=40,
                            visible=samples is not None, showlegend=samples is not None))
    for name, r, c, dash in state.fits():
        for k, o in enumerate(r.optima[1:], 1):
            out.append(go.Scatter(
                x=x, y=o.q.pdf(x), mode="lines", legendgroup=name, showlegend=False,
                line={"color": c, "width": 1.2, "dash": "dot"}, opacity=0.45, name=f"{name} optimum {k + 1}",
                hovertemplate=f"{html.escape(name)}: local optimum, D = {fmt_value(o.value)}<extra></extra>"))
        out.append(go.Scatter(
            x=x, y=r.q.pdf(x), mode="lines", legendgroup=name,
            name=f"{dv.get(name).label}: {fmt_value(r.value)}",
            line={"color": c, "width": 3, "dash": dash},
            hovertemplate=f"{html.escape(name)}: best of {len(r.optima)} optima, "
                          f"D = {fmt_value(r.value)}<extra></extra>"))
    return out


def traces_2d(state: State) -> list[go.BaseTraceType]:
    out: list[go.BaseTraceType] = [p_contour_2d(state.p)]
    s = state.target.samples  # always a data trace (hidden without data): see traces_1d
    out.append(go.Scatter(x=None if s is None else s[:, 0], y=None if s is None else s[:, 1], mode="markers",
                          name="p data", marker={"size": 3, "color": "#123"}, opacity=0.5,
                          visible=s is not None, showlegend=s is not None))
    for name, r, c, dash in state.fits():
        for o in r.optima[1:]:
            out += ellipse_traces(
                o.q, legendgroup=name, showlegend=False, opacity=0.5,
                line={"color": c, "width": 1.2, "dash": "dot"},
                hovertemplate=f"{html.escape(name)}: local optimum, D = {fmt_value(o.value)}<extra></extra>")
        out += ellipse_traces(
            r.q, legendgroup=name, name=f"{dv.get(name).label}: {fmt_value(r.value)}",
            line={"color": c, "width": 3, "dash": dash},
            hovertemplate=f"{html.escape(name)} (2σ ellipse), D = {fmt_value(r.value)}<extra></extra>")
    return out


def handle_shape(dim: int, i: int, centre: Any, width: Any) -> dict:
    """The editable plotly shape of mode i: a bar under it in 1-D, its 1σ ellipse in 2-D."""
    if dim == 1:
        return {"type": "rect", "xref": "x", "yref": "paper", "x0": centre - width, "x1": centre + width,
                "y0": 0.0, "y1": HANDLE_HEIGHT, "editable": True, "layer": "above",
                # fill opacity × opacity > ½, or plotly.js lets clicks on the bar's inside through
                "fillcolor": HANDLE_FILL, "opacity": 0.8, "line": {"color": P_COLOUR, "width": 1},
                "name": f"mode {i + 1}"}
    (cx, cy), (sx, sy) = centre, width
    # an outline only (a fill would hide the mode): plotly.js then takes clicks on the line,
    # so it is a wide, soft ring
    return {"type": "circle", "xref": "x", "yref": "y", "x0": cx - sx, "x1": cx + sx, "y0": cy - sy,
            "y1": cy + sy, "editable": True, "layer": "above", "fillcolor": "rgba(0,0,0,0)",
            "line": {"color": HANDLE_LINE_2D, "width": 6}, "name": f"mode {i + 1}"}


def layout(state: State) -> go.Layout:
    two_d = state.p.dim == 2
    lay = go.Layout(
        height=480, width=WIDTH, margin=MARGIN,
        title={"text": f"{state.target.title}: fitted q per divergence", "x": 0.01},
        legend={"orientation": "v", "x": 1.01, "y": 1.0}, font={"size": 13},
        xaxis={"title": "x" if not two_d else "x₁"},
        yaxis={"title": "density", "rangemode": "tozero"} if not two_d
        else {"title": "x₂", "scaleanchor": "x", "scaleratio": 1},
    )
    if two_d:  # p's range, widened to the best fits' 2σ ellipses by at most half its width
        (x0, x1), (y0, y1) = state.p.plot_range()
        lo, hi = np.array([x0, y0]), np.array([x1, y1])
        for _, r, _, _ in state.fits():
            for c in components(r.q):
                half = 2.0 * np.sqrt(np.diag(c.cov))
                lo, hi = np.minimum(lo, c.mean - half), np.maximum(hi, c.mean + half)
        pad = 0.5 * np.array([x1 - x0, y1 - y0])
        lo, hi = np.maximum(lo, np.array([x0, y0]) - pad), np.minimum(hi, np.array([x1, y1]) + pad)
        lay.xaxis.range, lay.yaxis.range = [lo[0], hi[0]], [lo[1], hi[1]]
    handles = presets.mode_handles(state.target)
    if handles is not None:  # one shape per mode, spanning centre ± width: drag it to edit p
        lay.activeshape = {"fillcolor": P_COLOUR, "opacity": 0.6}  # the shape clicked for editing
        lay.shapes = [handle_shape(state.p.dim, i, c, w) for i, (c, w) in enumerate(handles)]
    return lay


def figure(state: State) -> go.Figure:
    """The main figure for ``state``: p, and each chosen divergence's fit once it has one."""
    traces = traces_1d(state) if state.p.dim == 1 else traces_2d(state)
    return go.Figure(traces, layout(state))
