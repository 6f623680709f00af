"""The Distillation tab's figure: teacher vs each student (top), the generalised-JS student at the β of
the slider (bottom left) and diversity along β (bottom right).

:func:`figure` builds it from what is computed; :func:`update_beta` moves only the β traces (a
slider move on precomputed results: a few arrays, one message).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.distill import losses as L
from explorer.ui._common import fmt_value
from explorer.ui.distill.colours import loss_colour
from explorer.ui.widgets.theme import P_COLOUR, fill

__all__ = ["BETA_META", "can_update_students", "figure", "update_beta", "update_students"]

BETA_META = ("dx-beta-student", "dx-beta-vendi", "dx-beta-recall")
SOFT_META = "dx-softened-teacher"
STUDENT_META = "dx-student-"
DASHES = ("solid", "dash", "dot", "dashdot", "longdash")
"""Line style of the i-th chosen loss, so that students which coincide stay visible one over the other."""
HEIGHT = 760
WIDTH = 1250  # explicit: a figure created inside a tab cannot measure its container
TEACHER_FILL = fill(P_COLOUR, 0.45)


def _x(teacher: Any) -> list | np.ndarray:
    return teacher.positions if teacher.ordered else list(teacher.labels)


def _row(probs: np.ndarray, row: int) -> np.ndarray:
    p = np.asarray(probs)
    return p if p.ndim == 1 else p[row]


def _student_trace(
    teacher: Any, y: np.ndarray, name: str, colour: str, dash: str = "solid", **kw: Any
) -> go.Scatter:
    hover = f"{html.escape(name)}<br>token %{{x}}: %{{y:.3g}}<extra></extra>"
    if teacher.ordered:
        return go.Scatter(
            x=_x(teacher),
            y=y,
            name=name,
            mode="lines",
            line={"color": colour, "width": 2.5, "dash": dash},
            hovertemplate=hover,
            **kw,
        )
    return go.Scatter(
        x=_x(teacher),
        y=y,
        name=name,
        mode="markers",
        marker={"color": colour, "size": 9, "symbol": "diamond", "line": {"width": 1, "color": "white"}},
        hovertemplate=hover,
        **kw,
    )


def _teacher_trace(teacher: Any, row: int, name: str = "teacher t", showlegend: bool = True) -> go.Bar:
    return go.Bar(
        x=_x(teacher),
        y=_row(teacher.probs, row),
        name=name,
        marker={"color": TEACHER_FILL, "line": {"width": 0}},
        showlegend=showlegend,
        hovertemplate="teacher<br>token %{x}: %{y:.3g}<extra></extra>",
    )


def figure(
    teacher: Any,
    losses: Sequence[str],
    students: Sequence[tuple[str, Any]],
    temperature: float,
    row: int,
    sweep: Any,
    beta: float,
    context: str = "",
) -> go.Figure:
    """The whole figure. ``losses``: the chosen losses (one trace each, empty until trained);
    ``students``: ``(loss name, DistillResult)`` trained so far; ``sweep``: the β
    :class:`~explorer.distill.DistillSweep` at this temperature, or None while it is computed."""
    top = _top_title(temperature, context)
    fig = make_subplots(
        rows=2,
        cols=2,
        specs=[[{"colspan": 2}, None], [{}, {"secondary_y": True}]],
        row_heights=[0.56, 0.44],
        vertical_spacing=0.13,
        horizontal_spacing=0.09,
        subplot_titles=(top, _beta_title(sweep, beta), "Diversity of the JSD(β) student along β"),
    )
    fig.add_trace(_teacher_trace(teacher, row), row=1, col=1)
    fig.add_trace(
        go.Scatter(
            x=_x(teacher),
            y=_row(teacher.probs, row),
            meta=SOFT_META,
            mode="lines",
            line={"color": P_COLOUR, "width": 1.5, "dash": "dot", "shape": "hvh"},
        ),
        row=1,
        col=1,
    )
    trained = dict(students)
    for i, name in enumerate(losses):
        res = trained.get(name)
        fig.add_trace(
            _student_trace(
                teacher,
                _row(res.student, row) if res is not None else [],
                f"{L.get(name).label} ({name}): training…",
                loss_colour(name),
                dash=DASHES[i % len(DASHES)],
                legendgroup=name,
                meta=STUDENT_META + name,
            ),
            row=1,
            col=1,
        )
    _set_students(fig, teacher, students, temperature, row, context)
    colour = loss_colour("generalized_js")
    fig.add_trace(_teacher_trace(teacher, row, showlegend=False), row=2, col=1)
    fig.add_trace(
        _student_trace(
            teacher,
            np.zeros(teacher.vocab_size),
            "JSD(β) student",
            colour,
            meta=BETA_META[0],
            showlegend=False,
        ),
        row=2,
        col=1,
    )
    # the sweep's traces exist (empty) before the sweep does: later figures only change values
    done = sweep is not None and bool(sweep.results)
    b = sweep.values[: len(sweep.results)] if done else []
    vendi = sweep.curve("vendi") if done else []
    recall = sweep.curve("mode recall") if done else []
    t_vendi = sweep.results[0].metrics.teacher_vendi if done else None
    fig.add_trace(
        go.Scatter(
            x=[0, 1] if done else [],
            y=[t_vendi, t_vendi] if done else [],
            mode="lines",
            showlegend=False,
            line={"color": P_COLOUR, "dash": "dot", "width": 1.5},
            name="teacher's Vendi",
            hovertemplate="teacher's Vendi score %{y:.3g}<extra></extra>",
        ),
        row=2,
        col=2,
    )
    fig.add_trace(
        go.Scatter(
            x=b,
            y=vendi,
            mode="lines",
            name="Vendi score",
            showlegend=False,
            line={"color": colour, "width": 2.5},
            hovertemplate="β %{x}: Vendi %{y:.3g}<extra></extra>",
        ),
        row=2,
        col=2,
    )
    fig.add_trace(
        go.Scatter(
            x=b,
            y=recall,
            mode="lines",
            name="mode recall",
            showlegend=False,
            line={"color": "#555", "width": 2, "dash": "dash"},
            hovertemplate="β %{x}: mode recall %{y:.2f}<extra></extra>",
        ),
        row=2,
        col=2,
        secondary_y=True,
    )
    fig.add_trace(
        go.Scatter(
            x=[],
            y=[],
            mode="markers",
            meta=BETA_META[1],
            showlegend=False,
            marker={"color": colour, "size": 13, "line": {"width": 2, "color": "black"}},
            hoverinfo="skip",
        ),
        row=2,
        col=2,
    )
    fig.add_trace(
        go.Scatter(
            x=[],
            y=[],
            mode="markers",
            meta=BETA_META[2],
            showlegend=False,
            marker={
                "color": "#555",
                "size": 11,
                "symbol": "square",
                "line": {"width": 2, "color": "black"},
            },
            hoverinfo="skip",
        ),
        row=2,
        col=2,
        secondary_y=True,
    )
    fig.add_annotation(
        text=f"teacher: {fmt_value(t_vendi)}" if done else "computing the β sweep…",
        x=1 if done else 0.5,
        y=t_vendi if done else 0.5,
        xanchor="right" if done else "center",
        yanchor="bottom" if done else "middle",
        showarrow=False,
        font={"size": 11 if done else 14, "color": P_COLOUR if done else "#777"},
        row=2,
        col=2,
    )
    fig.update_xaxes(title_text="token" if teacher.ordered else "next character", row=1, col=1)
    fig.update_yaxes(title_text="probability", row=1, col=1)
    fig.update_xaxes(title_text="token" if teacher.ordered else "next character", row=2, col=1)
    fig.update_yaxes(title_text="probability", row=2, col=1)
    fig.update_xaxes(
        title_text="β   (0: forward KL, mode-covering  →  1: reverse KL, mode-seeking)",
        range=[-0.03, 1.03],
        row=2,
        col=2,
    )
    fig.update_yaxes(title_text="Vendi score (effective modes)", rangemode="tozero", row=2, col=2)
    fig.update_yaxes(
        title_text="teacher-mode recall",
        range=[-0.05, 1.05],
        tickvals=[0, 0.25, 0.5, 0.75, 1],
        secondary_y=True,
        row=2,
        col=2,
        showgrid=False,
    )
    fig.update_layout(
        height=HEIGHT,
        width=WIDTH,
        barmode="overlay",
        bargap=0.05,
        margin={"l": 60, "r": 60, "t": 40, "b": 50},
        legend={
            "orientation": "v",
            "x": 1.0,
            "xanchor": "right",
            "y": 1.0,
            "bgcolor": "rgba(255,255,255,0.8)",
            "font": {"size": 12},
        },
        font={"size": 13},
    )
    _set_beta(fig, teacher, sweep, beta, row)
    return fig


def _top_title(temperature: float, context: str) -> str:
    return f"Teacher and students trained at temperature T = {temperature:g}{context}"


def _student_label(name: str, res: Any) -> str:
    return f"{L.get(name).label} ({name}): D = {fmt_value(res.final_loss)}"


def _set_students(
    fig: Any, teacher: Any, students: Sequence[tuple[str, Any]], temperature: float, row: int, context: str
) -> None:
    """Point the top panel's traces at ``students`` trained at ``temperature``."""
    fig.layout.annotations[0].text = _top_title(temperature, context)
    traces = {t.meta: t for t in fig.data}
    soft = traces[SOFT_META]
    soft.update(
        y=_row(teacher.softened(temperature), row),
        visible=temperature != 1.0,
        name=f"softened teacher t^(1/{temperature:g})",
    )
    trained = dict(students)
    for meta, trace in traces.items():
        if isinstance(meta, str) and meta.startswith(STUDENT_META):
            name = meta[len(STUDENT_META) :]
            res = trained.get(name)
            if res is None:
                trace.update(y=[], name=f"{L.get(name).label} ({name}): training…")
            else:
                trace.update(y=_row(res.student, row), name=_student_label(name, res))


def can_update_students(widget: Any, losses: Sequence[str]) -> bool:
    """Whether the live figure already has a trace for exactly these losses (then a temperature move
    only changes their values)."""
    if widget is None:
        return False
    have = [t.meta[len(STUDENT_META) :] for t in widget.data if t.meta and t.meta.startswith(STUDENT_META)]
    return have == list(losses)


def update_students(
    widget: Any, teacher: Any, students: Sequence[tuple[str, Any]], temperature: float, row: int, context: str
) -> None:
    """A temperature move on trained students: new values for the same traces (inside the caller's batch)."""
    _set_students(widget, teacher, students, temperature, row, context)


def _beta_title(sweep: Any, beta: float) -> str:
    if sweep is None or not sweep.results:
        return f"Generalised JS at β = {beta:g} (computing…)"
    r = sweep.at(beta)
    m = r.metrics
    return (
        f"Generalised JS, β = {r.loss_params['beta']:g}: Vendi {fmt_value(m.vendi)}, "
        f"recall {m.mode_recall:.2f}"
    )


def _set_beta(fig: Any, teacher: Any, sweep: Any, beta: float, row: int) -> None:
    """Point the β traces of ``fig`` (a Figure or the live FigureWidget) at ``beta``."""
    traces = {t.meta: t for t in fig.data if t.meta in BETA_META}
    fig.layout.annotations[1].text = _beta_title(sweep, beta)
    if sweep is None or not sweep.results:
        return
    r = sweep.at(beta)
    b = float(r.loss_params["beta"])
    traces[BETA_META[0]].y = _row(r.student, row)
    traces[BETA_META[1]].update(x=[b], y=[r.metrics.vendi])
    traces[BETA_META[2]].update(x=[b], y=[r.metrics.mode_recall])


def update_beta(widget: Any, teacher: Any, sweep: Any, beta: float, row: int) -> None:
    """A β slider move: only the β student and the two markers change (inside the caller's batch)."""
    _set_beta(widget, teacher, sweep, beta, row)
