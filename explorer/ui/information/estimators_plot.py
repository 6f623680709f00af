"""Figures of the estimators tab: estimates vs n on one known-MI task (mean ± spread, the truth,
each bound's ceiling), and the relative error on every task at one n, ordered by dimension.

Every number comes from :class:`~explorer.information.EvaluationResult` s and the registry
entries (label, kind, ceiling); this module only lays them out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from explorer import information as info
from explorer.ui.information.tab import FIGURE_WIDTH
from explorer.ui.widgets.theme import PALETTE, fill

__all__ = ["by_dimension", "colour", "legend_name", "versus_n"]

MARGIN = {"l": 60, "r": 20, "t": 50, "b": 60}


def colour(method: str) -> str:
    """The colour of MI estimator ``method``, from its position in the registry (same on every tab)."""
    return PALETTE[info.names().index(method) % len(PALETTE)]


def legend_name(method: str) -> str:
    entry = info.get(method)
    return entry.label + ("" if entry.kind == "estimate" else f" ({entry.kind})")


def versus_n(task: Any, results: dict[str, Any], pending: list[str]) -> go.Figure:
    """Mean ± 1 s.d. of each estimator vs n on ``task``, the true MI dashed; ``pending`` are still running."""
    fig = go.Figure()
    ns_all: list[int] = []
    for method, res in results.items():
        c = colour(method)
        ns_all += list(res.ns)
        lo, hi = res.mean - res.std, res.mean + res.std
        fig.add_trace(go.Scatter(x=np.concatenate([res.ns, res.ns[::-1]]), y=np.concatenate([hi, lo[::-1]]),
                                 mode="lines", fill="toself", fillcolor=fill(c, 0.15), line={"width": 0},
                                 hoverinfo="skip",
                                 showlegend=False, name=f"{method} ± 1 s.d."))
        fig.add_trace(go.Scatter(x=res.ns, y=res.mean, mode="lines+markers", name=legend_name(method),
                                 line={"color": c, "width": 2.5}, customdata=res.std,
                                 hovertemplate=f"{method}<br>n = %{{x}}<br>mean %{{y:.3f}} "
                                 "± %{customdata:.3f}<extra></extra>"))
        entry = info.get(method)
        if entry.ceiling is not None:
            ceil = [entry.ceiling(int(n), entry.resolve(res.params)) for n in res.ns]
            fig.add_trace(go.Scatter(x=res.ns, y=ceil, mode="lines",
                                     name=f"{method}: its ceiling (log of the batch)",
                                     line={"color": c, "dash": "dot", "width": 1.5}))
    ns = sorted(set(ns_all)) or [100, 1000]
    fig.add_trace(go.Scatter(x=[ns[0], ns[-1]], y=[task.true_mi, task.true_mi], mode="lines",
                             name=f"true I(X;Y) = {task.true_mi:.3f}",
                             line={"color": "black", "dash": "dash"}))
    waiting = f" — running: {', '.join(pending)}" if pending else ""
    fig.update_layout(
        height=430, width=FIGURE_WIDTH, margin=MARGIN,
        title={"text": f"{task.description} (d = {task.dim_x} + {task.dim_y}); mean over repeats, "
                       f"band ± 1 s.d.{waiting}", "x": 0.06,
               "font": {"size": 14}},
        xaxis={"type": "log", "title": "n samples", "tickvals": ns, "ticktext": [str(n) for n in ns]},
        yaxis={"title": "estimate of I(X;Y)  [nats]"},
        legend={"font": {"size": 11}}, font={"size": 13})
    return fig


def by_dimension(tasks: dict[str, Any], results: dict[str, dict[str, Any]], n: int,
                 pending: list[str]) -> go.Figure:
    """(mean − truth)/truth of each estimator on every task at ``n`` samples, tasks by dimension."""
    order = sorted(tasks.values(), key=lambda t: (t.dim_x + t.dim_y, t.name))
    labels = [f"{t.name}<br>d = {t.dim_x}+{t.dim_y}, I = {t.true_mi:.2f}" for t in order]
    fig = go.Figure()
    for method, per_task in results.items():
        rel, err, x = [], [], []
        for t, lab in zip(order, labels, strict=True):
            res = per_task.get(t.name)
            if res is None:
                continue
            x.append(lab)
            rel.append(float((res.mean[0] - t.true_mi) / t.true_mi))
            err.append(float(res.std[0] / t.true_mi))
        fig.add_trace(go.Bar(x=x, y=rel, name=legend_name(method), marker_color=colour(method),
                             error_y={"type": "data", "array": err, "visible": True, "thickness": 1}))
    waiting = f" — running: {', '.join(pending)}" if pending else ""
    fig.update_layout(
        height=430, width=FIGURE_WIDTH, margin={**MARGIN, "b": 110},
        barmode="group",
        title={"text": f"Relative error at n = {n} on every known-MI task, by dimension{waiting}", "x": 0.06,
               "font": {"size": 14}},
        xaxis={"categoryorder": "array", "categoryarray": labels, "tickfont": {"size": 10}},
        yaxis={"title": "(mean estimate − truth) / truth", "zeroline": True, "zerolinecolor": "black",
               "tickformat": ".0%"},
        legend={"font": {"size": 11}}, font={"size": 13})
    return fig
