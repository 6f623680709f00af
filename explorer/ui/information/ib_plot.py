"""The IB-curve figure: the IB plane (left) and the heat maps of p(y|x) and p(t|x) (right).

Every number comes from an :class:`~explorer.information.IBResult` (its curve, its points, its
encoders) and the preset's :class:`~explorer.presets.joints.JointScene`; this module only lays
them out. Traces have fixed positions (the constants below) so that a β move updates three of
them in place (:func:`beta_patch`) instead of redrawing the figure.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.ui._common import fmt_value
from explorer.ui.information.tab import FIGURE_WIDTH
from explorer.ui.widgets.theme import FORWARD_COLOUR, P_COLOUR, Q_COLOUR

__all__ = ["BOUND", "CLOSED", "CURVE", "ENCODER", "LEVEL", "LOCAL", "MAX_COLUMNS", "OTHER", "POINT",
           "POINTS", "beta_patch", "figure", "readout"]

# trace positions
BOUND, CLOSED, OTHER, CURVE, POINTS, LOCAL, LEVEL, POINT, CONDITIONAL, ENCODER = range(10)
MAX_COLUMNS = 512  # at most this many x columns in the heat maps (every k-th x beyond)
METHOD_LABEL = {"iterative": "iterative IB (Tishby et al. 1999)",
                "deterministic": "deterministic IB (Strouse & Schwab 2017)"}
METHOD_COLOUR = {"iterative": P_COLOUR, "deterministic": Q_COLOUR}
HEAT = "Blues"
TITLE_ENCODER = 2  # index of the encoder panel's title among the layout annotations


def columns(scene: Any) -> np.ndarray:
    """The x indices shown in the heat maps, in display order (every k-th beyond MAX_COLUMNS)."""
    order = scene.x_order
    step = max(1, math.ceil(order.size / MAX_COLUMNS))
    return order[::step]


def _cluster_order(scene: Any, encoder: np.ndarray) -> np.ndarray:
    """Clusters ordered by where their inputs sit in the display order (unused ones last), so the
    map reads as blocks from top left to bottom right; cluster labels are arbitrary."""
    px = scene.joint.marginal_x.probs[scene.x_order]
    w = px[:, None] * encoder[scene.x_order]
    mass = w.sum(0)
    pos = np.divide((np.arange(w.shape[0])[:, None] * w).sum(0), mass, out=np.full(mass.size, np.inf),
                    where=mass > 1e-9)
    return np.argsort(pos, kind="stable")


def groups(encoder: np.ndarray) -> int:
    """Into how many groups the encoder puts the inputs (distinct rows p(·|x), to 1e-3): 1 when T
    ignores X, |T| at most."""
    return int(np.unique(np.round(encoder, 3), axis=0).shape[0])


def _encoder_trace(scene: Any, result: Any, beta: float) -> dict[str, Any]:
    if result is None:
        return {"z": [[None]], "x": [0], "y": ["t"]}
    enc = result.at(beta)["encoder"]
    cols = columns(scene)
    order = _cluster_order(scene, enc)
    return {"z": enc[np.ix_(cols, order)].T, "x": np.arange(cols.size),
            "y": [f"t{k + 1}" for k in range(order.size)]}


def _level_line(result: Any, beta: float, x_max: float) -> dict[str, Any]:
    """The level line of the IB Lagrangian through the current point (slope 1/β in the plane)."""
    if result is None:
        return {"x": [], "y": []}
    pt = result.at(beta)
    xs = np.array([0.0, x_max])
    return {"x": xs, "y": pt["I_TY"] + (xs - pt["I_XT"]) / pt["beta"]}


def _point(result: Any, beta: float) -> dict[str, Any]:
    if result is None:
        return {"x": [], "y": []}
    pt = result.at(beta)
    return {"x": [pt["I_XT"]], "y": [pt["I_TY"]]}


def _x_max(results: dict, closed: Any) -> float:
    top = [float(np.max(r.I_XT)) for r in results.values() if r is not None]
    if closed is not None:
        top.append(float(np.max(closed.I_XT)))
    return max([0.1, *top]) * 1.08


def encoder_title(result: Any, beta: float) -> str:
    if result is None:
        return "p(t|x): computing…"
    return f"p(t|x) at β = {result.at(beta)['beta']:.3g}  (rows: clusters t, columns: x as above)"


def figure(scene: Any, results: dict[str, Any], method: str, beta: float, closed: Any = None) -> go.Figure:
    """The whole figure for ``scene`` with the curves in ``results`` (``{method: IBResult or None}``),
    ``method``'s point at ``beta`` highlighted, and the closed-form Gaussian curve ``closed``."""
    main = results.get(method)
    ixy = scene.joint.mutual_information()
    fig = make_subplots(rows=2, cols=2, column_widths=[0.5, 0.5], row_heights=[0.3, 0.7],
                        specs=[[{"rowspan": 2}, {}], [None, {}]], horizontal_spacing=0.09,
                        vertical_spacing=0.1,
                        subplot_titles=("IB plane: information kept about Y vs about X",
                                        "p(y|x): what each input says about y",
                                        encoder_title(main, beta)))
    x_max = _x_max(results, closed)
    fig.add_trace(go.Scatter(x=[0, x_max], y=[ixy, ixy], mode="lines", name=f"I(X;Y) = {fmt_value(ixy)}",
                             line={"color": "#888", "dash": "dash", "width": 1.5}), 1, 1)
    if closed is not None:
        fig.add_trace(go.Scatter(x=closed.I_XT, y=closed.I_TY, mode="lines", name="Gaussian IB, closed form",
                                 line={"color": "black", "dash": "dot", "width": 2}), 1, 1)
    else:
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name="closed form", showlegend=False), 1, 1)
    other = next((m for m in results if m != method), None)
    o = results.get(other) if other else None
    if o is not None:
        ex, ey = o.envelope()
        fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines+markers", name=METHOD_LABEL[other],
                                 line={"color": METHOD_COLOUR[other], "dash": "dash", "width": 1.5},
                                 marker={"size": 4}), 1, 1)
    else:
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name="other", showlegend=False), 1, 1)
    colour = METHOD_COLOUR[method]
    if main is not None:
        ex, ey = main.envelope()
        hollow = ~main.converged
        fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines", name=f"IB curve: {METHOD_LABEL[method]}",
                                 line={"color": colour, "width": 3}), 1, 1)
        fig.add_trace(go.Scatter(
            x=main.I_XT, y=main.I_TY, mode="markers", name="best point per β" +
            (" (hollow: not converged)" if hollow.any() else ""),
            marker={"color": colour, "size": 6, "symbol": np.where(hollow, "circle-open", "circle")},
            customdata=main.betas, hovertemplate="β = %{customdata:.3g}<br>I(X;T) = %{x:.3f}<br>"
            "I(T;Y) = %{y:.3f}<extra></extra>"), 1, 1)
        lo = main.local_optima
        fig.add_trace(go.Scatter(x=lo.get("I_XT", []), y=lo.get("I_TY", []), mode="markers",
                                 name="local optima below the curve",
                                 marker={"symbol": "x", "size": 7, "color": "#c0392b"},
                                 showlegend=bool(len(lo.get("I_XT", [])))), 1, 1)
    else:
        for name in ("curve", "points", "local optima"):
            fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=name, showlegend=False), 1, 1)
    fig.add_trace(go.Scatter(**_level_line(main, beta, x_max), mode="lines", name="slope 1/β (level line)",
                             line={"color": FORWARD_COLOUR, "width": 1, "dash": "dot"}), 1, 1)
    fig.add_trace(go.Scatter(**_point(main, beta), mode="markers", name="current β",
                             marker={"symbol": "star", "size": 16, "color": "#f1c40f",
                                     "line": {"color": "black", "width": 1}}), 1, 1)
    cols = columns(scene)
    cond = scene.joint.conditional_y_given_x.probs
    fig.add_trace(go.Heatmap(z=cond[cols].T, x=np.arange(cols.size), y=scene.joint.marginal_y.labels,
                             coloraxis="coloraxis", hovertemplate="x column %{x}<br>%{y}<br>"
                             "p(y|x) = %{z:.3f}<extra></extra>"), 1, 2)
    fig.add_trace(go.Heatmap(**_encoder_trace(scene, main, beta), coloraxis="coloraxis",
                             hovertemplate="x column %{x}<br>%{y}<br>p(t|x) = %{z:.3f}<extra></extra>"), 2, 2)
    step = math.ceil(scene.x_order.size / cols.size)
    every = "" if cols.size == scene.x_order.size else f", every {step}th"
    fig.update_xaxes(title_text="I(X;T)  [nats]", range=[0, x_max], row=1, col=1)
    fig.update_yaxes(title_text="I(T;Y)  [nats]", range=[0, ixy * 1.12], row=1, col=1)
    fig.update_xaxes(showticklabels=False, row=1, col=2, matches="x3")
    fig.update_xaxes(title_text=f"{scene.x_name}, sorted by p(y|x){every}", row=2, col=2)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    fig.update_yaxes(autorange="reversed", row=2, col=2)
    fig.update_layout(
        height=560, width=FIGURE_WIDTH, margin={"l": 60, "r": 20, "t": 40, "b": 120},
        coloraxis={"colorscale": HEAT, "cmin": 0, "cmax": 1,
                   "colorbar": {"title": {"text": "prob."}, "len": 0.6, "y": 0.35, "thickness": 12}},
        legend={"orientation": "h", "x": 0, "y": -0.14, "yanchor": "top", "font": {"size": 11}},
        font={"size": 13},
    )
    return fig


def beta_patch(fig: go.FigureWidget, scene: Any, result: Any, beta: float) -> None:
    """Move the current point, the level line and p(t|x) to ``beta`` (inside a batch update)."""
    x_max = fig.layout.xaxis.range[1] if fig.layout.xaxis.range else 1.0
    fig.data[LEVEL].update(_level_line(result, beta, x_max))
    fig.data[POINT].update(_point(result, beta))
    fig.data[ENCODER].update(_encoder_trace(scene, result, beta))
    fig.layout.annotations[TITLE_ENCODER].text = encoder_title(result, beta)


def readout(scene: Any, result: Any, beta: float, method: str) -> str:
    """One sentence about the point at ``beta``: the two informations, H(T), clusters, status."""
    if result is None:
        return ""
    pt = result.at(beta)
    ixy = result.I_XY
    share = f" ({100 * pt['I_TY'] / ixy:.0f} % of I(X;Y))" if ixy > 0 else ""
    where = ("on the curve" if pt["on_curve"]
             else "<b>below the curve</b>: a local optimum, not drawn as the curve")
    conv = "converged" if pt["converged"] else "<b>not converged</b> (stalled, or the iteration limit)"
    h = f", H(T) = {pt['H_T']:.3f}" if pt["H_T"] is not None else ""
    return (f"<b>β = {pt['beta']:.3g}</b> ({html.escape(METHOD_LABEL[method])}): I(X;T) = {pt['I_XT']:.3f}, "
            f"I(T;Y) = {pt['I_TY']:.3f}{share}{h} nats; the inputs fall into {groups(pt['encoder'])} "
            f"distinct group(s) (|T| = {result.n_clusters}); {where}; {conv}.")
