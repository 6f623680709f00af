"""The information-plane figure: two planes side by side (two estimators on one run, or one
estimator on two runs), each layer's trajectory coloured by epoch, the ceilings I(X;T) ≤ H(X) and
I(T;Y) ≤ I(X;Y); under them the train/test accuracy and the generalisation gap of each run.

Every number is read from :class:`~explorer.information.PlaneResult` s; this module only lays
them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.ui.information.tab import FIGURE_WIDTH
from explorer.ui.widgets.theme import P_COLOUR, Q_COLOUR

__all__ = ["Drawn", "Panel", "figure", "short_layer", "upto_patch"]

RUN_COLOURS = (P_COLOUR, Q_COLOUR)
EPOCH_SCALE = "Viridis"


@dataclass(frozen=True)
class Panel:
    """One plane: a run (or ``None`` while it trains) read with one estimator."""

    title: str
    run: Any
    estimator: str
    run_index: int  # 0 or 1: which run's colour its accuracy curves use
    epochs: int  # the run's planned epochs (the colour scale's top, stable while streaming)


def short_layer(name: str) -> str:
    """``"layer 3 (5)"`` → ``"L3"``; ``"output"`` → ``"out"``."""
    return "out" if name == "output" else "L" + name.split()[1]


def _upto(run: Any, upto: int) -> np.ndarray:
    return run.epochs <= upto


def _ranges(panels: list[Panel], upto: int) -> tuple[float, float]:
    xs, ys = [1.0], [0.1]
    for p in panels:
        if p.run is None or p.estimator not in p.run.estimators:
            continue
        e = p.run.estimators.index(p.estimator)
        xs += [p.run.H_X, float(np.nanmax(p.run.I_XT[e]))]
        ys += [p.run.I_XY, float(np.nanmax(p.run.I_TY[e]))]
    return max(xs) * 1.06, max(ys) * 1.1


def _layer_data(p: Panel, li: int, upto: int) -> dict[str, Any]:
    keep = _upto(p.run, upto)
    ixt, ity = p.run.trajectory(p.estimator, li)
    ep = p.run.epochs[keep].astype(float)  # plotly.js has no int64 typed arrays
    return {"x": ixt[keep], "y": ity[keep], "marker.color": ep, "customdata": ep}


def _run_data(run: Any, kind: str, upto: int) -> dict[str, Any]:
    keep = _upto(run, upto)
    y = {"train": run.train_acc, "test": run.test_acc, "gap": run.generalization_gap}[kind]
    return {"x": run.epochs[keep].astype(float), "y": y[keep]}


def _label_position(p: Panel, li: int, upto: int) -> tuple[float, float] | None:
    keep = _upto(p.run, upto)
    if not keep.any():
        return None
    ixt, ity = p.run.trajectory(p.estimator, li)
    return float(ixt[keep][-1]), float(ity[keep][-1])


@dataclass
class Drawn:
    """What :func:`figure` put where, so that :func:`upto_patch` can update it in place:
    ``traces[i]`` is ``("layer", panel, layer)``, ``("run", run, kind)`` or ``None`` (static);
    ``labels`` lists ``(annotation index, panel, layer)``."""

    panels: list[Panel]
    traces: list[Any]
    labels: list[tuple[int, int, int]]
    runs: list[Any]


def figure(panels: list[Panel], upto: int) -> tuple[go.Figure, Drawn]:
    """The figure for ``panels`` (one or two) showing the epochs up to ``upto``, and its map."""
    titles = [p.title for p in panels] + [""] * (2 - len(panels))
    fig = make_subplots(rows=2, cols=2, row_heights=[0.68, 0.32], vertical_spacing=0.16,
                        horizontal_spacing=0.08,
                        subplot_titles=(*titles, "train (solid) and test (dashed) accuracy",
                                        "generalisation gap = train − test accuracy"))
    drawn = Drawn(panels, [], [], [])
    x_max, y_max = _ranges(panels, upto)
    scale_shown = False
    runs_drawn: list[tuple[int, Any]] = []
    for col, p in enumerate(panels, start=1):
        run = p.run
        if run is None or p.estimator not in run.estimators:
            fig.add_trace(go.Scatter(x=[], y=[], mode="markers", showlegend=False, name="training…"), 1, col)
            drawn.traces.append(None)
            continue
        for li, layer in enumerate(run.layers):
            d = _layer_data(p, li, upto)
            fig.add_trace(go.Scatter(
                x=d["x"], y=d["y"], mode="lines+markers", name=layer, showlegend=False,
                line={"color": "rgba(120,120,120,0.35)", "width": 1},
                marker={"size": 6, "color": d["marker.color"], "colorscale": EPOCH_SCALE, "cmin": 0,
                        "cmax": p.epochs, "showscale": not scale_shown,
                        "colorbar": {"title": {"text": "epoch"}, "len": 0.62, "y": 0.69, "thickness": 12}},
                customdata=d["customdata"], hovertemplate=f"{layer}<br>epoch %{{customdata}}<br>"
                "I(X;T) = %{x:.3f}<br>I(T;Y) = %{y:.3f}<extra></extra>"), 1, col)
            drawn.traces.append(("layer", col - 1, li))
            scale_shown = True
            at = _label_position(p, li, upto)
            fig.add_annotation(x=at[0] if at else 0, y=at[1] if at else 0, text=short_layer(layer),
                               showarrow=False, xshift=12, font={"size": 11, "color": "#333"},
                               visible=at is not None, row=1, col=col)
            drawn.labels.append((len(fig.layout.annotations) - 1, col - 1, li))
        fig.add_trace(go.Scatter(x=[run.H_X, run.H_X], y=[0, y_max], mode="lines", showlegend=False,
                                 name="H(X) = log n", line={"color": "#999", "dash": "dash", "width": 1},
                                 hoverinfo="name"), 1, col)
        fig.add_trace(go.Scatter(x=[0, x_max], y=[run.I_XY, run.I_XY], mode="lines", showlegend=False,
                                 name="I(X;Y)", line={"color": "#999", "dash": "dot", "width": 1},
                                 hoverinfo="name"), 1, col)
        drawn.traces += [None, None]
        if all(r is not run for _, r in runs_drawn):
            runs_drawn.append((p.run_index, run))
    for index, run in runs_drawn:
        colour = RUN_COLOURS[index]
        label = f"{run.config.get('activation', '')}"
        drawn.runs.append(run)
        for kind, dash, where in (("train", None, 1), ("test", "dash", 1), ("gap", None, 2)):
            d = _run_data(run, kind, upto)
            fig.add_trace(go.Scatter(x=d["x"], y=d["y"], mode="lines", name=f"{label} {kind}",
                                     showlegend=kind != "gap",
                                     line={"color": colour, "width": 2, "dash": dash}), 2, where)
            drawn.traces.append(("run", len(drawn.runs) - 1, kind))
    top_epoch = max([p.epochs for p in panels] or [1])
    for col in (1, 2):
        fig.update_xaxes(title_text="I(X;T)  [nats]   (dashed: H(X) = log n)", range=[0, x_max],
                         row=1, col=col)
        fig.update_yaxes(title_text="I(T;Y)  [nats]   (dotted: I(X;Y))", range=[0, y_max], row=1, col=col)
        fig.update_xaxes(title_text="epoch", range=[0, top_epoch], row=2, col=col)
    fig.update_yaxes(title_text="accuracy", row=2, col=1)
    fig.update_yaxes(title_text="gap", row=2, col=2)
    fig.update_layout(height=700, width=FIGURE_WIDTH, margin={"l": 60, "r": 20, "t": 40, "b": 50},
                      legend={"orientation": "h", "x": 0, "y": 0.3, "yanchor": "bottom",
                              "font": {"size": 11}},
                      font={"size": 13})
    return fig, drawn


def upto_patch(widget: go.FigureWidget, drawn: Drawn, upto: int) -> None:
    """Show the epochs up to ``upto``: one restyle of the drawn traces and one relayout of the
    layer labels (plotly's per-property path costs ~10x more for this many traces)."""
    restyle: dict[str, list] = {"x": [], "y": [], "marker.color": [], "customdata": []}
    indexes = []
    for i, what in enumerate(drawn.traces):
        if what is None:
            continue
        d = (_layer_data(drawn.panels[what[1]], what[2], upto) if what[0] == "layer"
             else {**_run_data(drawn.runs[what[1]], what[2], upto), "marker.color": None,
                   "customdata": None})
        for k in restyle:
            restyle[k].append(d[k])
        indexes.append(i)
    relayout: dict[str, Any] = {}
    for ai, pi, li in drawn.labels:
        at = _label_position(drawn.panels[pi], li, upto)
        relayout[f"annotations[{ai}].visible"] = at is not None
        if at is not None:
            relayout[f"annotations[{ai}].x"], relayout[f"annotations[{ai}].y"] = at
    widget.plotly_update(restyle_data=restyle, relayout_data=relayout, trace_indexes=indexes)
