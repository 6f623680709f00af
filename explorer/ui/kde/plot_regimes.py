"""The High-dimensions tab's figure (2 × 2): the histogram of log ρ̂_h over test points, the
largest-term share and Σp² against h, the regime map over (α, h/σ), and KL(ρ‖ρ̂_h)/d against h.

Every number is the library's (:mod:`explorer.kde.regimes`); this module only draws. The current
h lives in three shapes and two traces (:func:`move_h` updates them in one message).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.kde import regimes
from explorer.ui.widgets.theme import P_COLOUR, Q_COLOUR, fill

__all__ = ["MAP_ALPHA", "MAP_H", "REGIME_COLOURS", "TRACE", "HighDimView", "figure", "move_h"]

REGIME_COLOURS = dict(zip(regimes.REGIMES, ("#1e8449", "#d68910", "#c0392b"), strict=True))
THRESHOLD_COLOURS = {"h_G": "#c0392b", "h_CLT": "#1e8449", "h_KL": "#6c3483"}
MAP_ALPHA = (0.02, 1.0)
MAP_H = (0.05, 5.0)
HEIGHT = 800
WIDTH = 1180
TRACE = {name: i for i, name in enumerate(("histogram", "share", "participation", "participation_limit",
                                           "kl", "kl_limit", "kl_min", "map_point"))}
HIST_MODES = {"log_rho": "(1/d) ln ρ̂_h(x)", "log_ratio": "ln R = ln ρ̂_h(x) − ln E[ρ̂_h(x) | x]"}


@dataclass
class HighDimView:
    """What the tab knows: the sample's statistics at the current h (``at_h``), the curves over h
    (``curves``, streamed in chunks), and the digits placement."""

    d: int
    alpha: float
    h: float
    at_h: Any = None                                   # RegimeStats at [h]
    curves: Sequence[Any] = field(default_factory=list)  # RegimeStats chunks
    placement: Any = None                              # regimes.Placement of the digits
    hist: str = "log_rho"


def _cat(curves: Sequence[Any], attr: str) -> np.ndarray:
    parts = [np.asarray(getattr(s, attr), dtype=float) for s in curves]
    return np.concatenate(parts) if parts else np.empty(0)


def _hist_values(v: HighDimView) -> np.ndarray:
    if v.at_h is None:
        return np.empty(0)
    if v.hist == "log_ratio":
        return np.asarray(v.at_h.log_ratio[0], dtype=float)
    return np.asarray(v.at_h.log_rho[0], dtype=float) / v.d


def _hist_line(v: HighDimView) -> float:
    """The reference line of the histogram: the d → ∞ limit of (1/d) ln ρ̂_h at a typical test point,
    or ln R = 0 (R = 1 is the mean of R whatever the regime; below h_G typical values fall far below)."""
    if v.hist == "log_ratio":
        return 0.0
    return float(regimes.log_density_per_dim(v.h, v.alpha))


def hist_title(v: HighDimView) -> str:
    mu = regimes.stable_index(v.h, v.alpha)
    return (f"{HIST_MODES[v.hist]} at h = {v.h:.3g}σ · μ = {mu:.2f}: "
            f"<b>{regimes.regime(v.h, v.alpha)}</b>")


def figure(v: HighDimView) -> go.Figure:
    th = regimes.thresholds(v.alpha)
    fig = make_subplots(rows=2, cols=2, horizontal_spacing=0.1, vertical_spacing=0.13,
                        subplot_titles=(hist_title(v), "weight of the largest terms vs h",
                                        "regime map (d → ∞ theory)", "KL(ρ ‖ ρ̂_h) / d vs h"))
    vals = _hist_values(v)
    fig.add_trace(go.Histogram(x=vals, nbinsx=40, marker={"color": fill(P_COLOUR, 0.55)}, showlegend=False,
                               name="test points"), row=1, col=1)
    hs = _cat(v.curves, "h")
    share, part = _cat(v.curves, "mean_max_share"), _cat(v.curves, "mean_participation")
    fig.add_trace(go.Scatter(x=hs, y=share, mode="lines+markers", name="largest share max pᵢ",
                             line={"color": Q_COLOUR}, marker={"size": 5}, legendgroup="w"), row=1, col=2)
    fig.add_trace(go.Scatter(x=hs, y=part, mode="lines+markers", name="Σ pᵢ² (simulated)",
                             line={"color": P_COLOUR}, marker={"size": 5}, legendgroup="w"), row=1, col=2)
    fig.add_trace(go.Scatter(x=hs, y=_cat(v.curves, "participation_theory"), mode="lines",
                             name="1 − μ (d → ∞ limit of Σpᵢ²)", line={"color": "black", "dash": "dash"},
                             legendgroup="w"), row=1, col=2)
    kl, se = _cat(v.curves, "kl_per_dim"), _cat(v.curves, "kl_se") / v.d
    fig.add_trace(go.Scatter(x=hs, y=kl, mode="lines+markers", name="KL/d simulated (± 2 s.e.)",
                             error_y={"type": "data", "array": 2 * se, "visible": True, "thickness": 1},
                             line={"color": "#6c3483"}, marker={"size": 5}, legendgroup="kl"), row=2, col=2)
    fig.add_trace(go.Scatter(x=hs, y=regimes.kl_per_dim(hs, v.alpha) if hs.size else hs, mode="lines",
                             name="KL/d, d → ∞ theory", line={"color": "black", "dash": "dash"},
                             legendgroup="kl"), row=2, col=2)
    k = int(np.nanargmin(kl)) if kl.size and np.any(np.isfinite(kl)) else None
    fig.add_trace(go.Scatter(x=[] if k is None else [hs[k]], y=[] if k is None else [kl[k]],
                             mode="markers+text",
                             text=["simulated minimum"], textposition="top center", name="minimum",
                             marker={"symbol": "star", "size": 14, "color": "#6c3483"}, showlegend=False),
                  row=2, col=2)
    fig.add_trace(go.Scatter(x=[v.alpha], y=[v.h], mode="markers", name="this simulation",
                             marker={"symbol": "x", "size": 13, "color": "black", "line": {"width": 1}}),
                  row=2, col=1)
    _regime_map(fig, v)
    shapes = [_vline(_hist_line(v), "x", "y", "black", "dash"),
              _vline(v.h, "x2", "y2", P_COLOUR, "dot"), _vline(v.h, "x4", "y4", P_COLOUR, "dot")]
    annotations = list(fig.layout.annotations)
    for k, (name, colour) in enumerate(THRESHOLD_COLOURS.items()):
        h = float(getattr(th, name))
        for ax, ay in (("x2", "y2"), ("x4", "y4")):
            shapes.append(_vline(h, ax, ay, colour, "solid", width=1))
            annotations.append(go.layout.Annotation(x=math.log10(h), y=0.62 - 0.1 * k, xref=ax,
                                                    yref=f"{ay} domain", xanchor="left", showarrow=False,
                                                    text=name.replace("h_", "h<sub>") + "</sub>",
                                                    bgcolor="rgba(255,255,255,0.8)",
                                                    font={"size": 11, "color": colour}))
    fig.update_layout(height=HEIGHT, width=WIDTH, margin={"l": 55, "r": 20, "t": 45, "b": 90},
                      shapes=shapes, annotations=annotations, bargap=0.02,
                      legend={"orientation": "h", "x": 0.0, "y": -0.09, "font": {"size": 11}})
    fig.layout.annotations[0].update(font={"size": 13})
    fig.update_xaxes(title_text=HIST_MODES[v.hist].split(" = ")[0], row=1, col=1)
    fig.update_yaxes(title_text="test points", row=1, col=1)
    fig.update_xaxes(type="log", title_text="h / σ", row=1, col=2)
    fig.update_yaxes(range=[0, 1.02], row=1, col=2)
    fig.update_xaxes(title_text="α = ln n / d", range=list(MAP_ALPHA), row=2, col=1)
    fig.update_yaxes(type="log", title_text="h / σ", range=[math.log10(MAP_H[0]), math.log10(MAP_H[1])],
                     row=2, col=1)
    fig.update_xaxes(type="log", title_text="h / σ", row=2, col=2)
    fig.update_yaxes(title_text="nats per dimension", row=2, col=2)
    return fig


def _vline(x: float, xref: str, yref: str, colour: str, dash: str, width: float = 2) -> dict:
    return {"type": "line", "xref": xref, "yref": f"{yref} domain", "x0": x, "x1": x, "y0": 0, "y1": 1,
            "line": {"color": colour, "width": width, "dash": dash}}


def _regime_map(fig: go.Figure, v: HighDimView) -> None:
    alphas = np.geomspace(MAP_ALPHA[0], MAP_ALPHA[1], 120)
    th = regimes.thresholds(alphas)
    lo, hi = np.full(alphas.size, MAP_H[0]), np.full(alphas.size, MAP_H[1])
    names = list(regimes.REGIMES)
    fig.add_trace(go.Scatter(x=alphas, y=lo, mode="lines", line={"width": 0}, showlegend=False,
                             hoverinfo="skip"), row=2, col=1)
    for name, upper in ((names[2], th.h_G), (names[1], th.h_CLT), (names[0], hi)):
        fig.add_trace(go.Scatter(x=alphas, y=np.minimum(upper, MAP_H[1]), mode="lines", fill="tonexty",
                                 fillcolor=fill(REGIME_COLOURS[name], 0.22), line={"width": 0},
                                 name=f"{name} regime", legendgroup="map",
                                 hovertemplate=f"{name}<extra></extra>"), row=2, col=1)
    for key in ("h_G", "h_CLT", "h_KL"):
        fig.add_trace(go.Scatter(x=alphas, y=getattr(th, key), mode="lines", showlegend=False,
                                 line={"color": THRESHOLD_COLOURS[key], "width": 2,
                                       "dash": "dash" if key == "h_KL" else "solid"},
                                 name=key, hovertemplate=f"{key}(α) = %{{y:.3g}}<extra></extra>"),
                      row=2, col=1)
        fig.add_annotation(x=alphas[-1], y=math.log10(float(getattr(th, key)[-1])),
                           text=key.replace("h_", "h<sub>") + "</sub>", showarrow=False, xanchor="right",
                           yanchor="bottom",
                           font={"size": 11, "color": THRESHOLD_COLOURS[key]}, row=2, col=1)
    p = v.placement
    if p is not None:
        xs = [p.alpha] * len(p.h)
        ys = [h / p.sigma for h in p.h.values()]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers+text", name=f"digits (d = {p.d}, n = {p.n:,})",
                                 text=[f"digits: {k}" for k in p.h],
                                 textposition=["middle right", "bottom right"],
                                 textfont={"size": 11},
                                 marker={"symbol": "diamond", "size": 10, "color": "#17202a"}), row=2, col=1)


def move_h(widget: go.FigureWidget, v: HighDimView) -> None:
    """Update what a new h changes (inside the caller's batch): histogram, its title, the h lines
    and the point on the map."""
    widget.data[TRACE["histogram"]].x = _hist_values(v)
    widget.data[TRACE["map_point"]].x = [v.alpha]
    widget.data[TRACE["map_point"]].y = [v.h]
    shapes = widget.layout.shapes
    shapes[0].x0 = shapes[0].x1 = _hist_line(v)
    for s in shapes[1:3]:
        s.x0 = s.x1 = v.h
    widget.layout.annotations[0].text = hist_title(v)
