"""The Distillation tab's tables: the metrics of each student, and every registry divergence at it."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from explorer import divergences as dv
from explorer.distill import losses as L
from explorer.ui._common import fmt_value
from explorer.ui.distill.colours import loss_colour
from explorer.ui.widgets.theme import BEHAVIOUR_COLOURS, P_COLOUR

__all__ = ["divergences_html", "metrics_html"]


def _tag(text: str, colour: str) -> str:
    return f"<span class='tag' style='background:{colour}'>{html.escape(text)}</span>"


def _num(v: float, bold: bool = False) -> str:
    cls = " inf" if isinstance(v, float) and math.isinf(v) else ""
    s = fmt_value(v)
    return f"<td class='num{cls}'>{'<b>' + s + '</b>' if bold else s}</td>"


def metrics_html(teacher: Any, students: Sequence[tuple[str, Any]], notes: dict[str, str]) -> str:
    """One row per student (and the teacher's own row): loss value, behaviour, entropy, Vendi score,
    teacher-mode recall, hallucination mass."""
    if not students:
        return ""
    m0 = students[0][1].metrics
    head = (
        "<tr><th>trained under</th><th>behaviour</th><th>loss at fit</th><th>entropy H</th>"
        "<th>Vendi score</th><th>mode recall</th><th>hallucination</th><th>notes</th></tr>"
    )
    rows = [
        f"<tr><td>{_tag('teacher t', P_COLOUR)}</td><td></td><td></td>{_num(m0.teacher_entropy)}"
        f"{_num(m0.teacher_vendi)}<td class='num'>{m0.n_modes} modes</td><td class='num'>0</td>"
        f"<td class='props'>{html.escape(teacher.description)}</td></tr>"
    ]
    for name, r in students:
        entry = L.get(name)
        m = r.metrics
        behaviour = entry.behaviour_for(r.loss_params)
        params = ", ".join(f"{k} = {v:g}" for k, v in r.loss_params.items())
        label = entry.label + (f" ({params})" if params else "")
        recalled = round(m.mode_recall * m.n_modes)
        note = r.note + (f"; {notes[name]}" if notes.get(name) else "")
        rows.append(
            f"<tr><td>{_tag(label, loss_colour(name))}</td>"
            f"<td>{_tag(behaviour, BEHAVIOUR_COLOURS.get(behaviour, '#777'))}</td>"
            f"{_num(r.final_loss)}{_num(m.entropy)}{_num(m.vendi)}"
            f"<td class='num'>{recalled} of {m.n_modes}</td>{_num(m.hallucination)}"
            f"<td class='props'>{html.escape(note)}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def divergences_html(students: Sequence[tuple[str, Any]]) -> str:
    """Every divergence of :mod:`explorer.divergences` from the teacher to each student, D(t‖s)."""
    if not students:
        return ""
    names = list(students[0][1].metrics.divergences)
    head = (
        "<tr><th>D(t‖s)</th>"
        + "".join(f"<th>{_tag(L.get(n).label, loss_colour(n))}</th>" for n, _ in students)
        + "<th>why ∞</th></tr>"
    )
    rows = []
    for d in names:
        cells, why = [], ""
        for n, r in students:
            v = r.metrics.divergences[d]
            cells.append(_num(v.value, bold=(d == n)))
            if math.isinf(v.value) and v.note and not why:
                why = v.note
        entry = dv.get(d)
        rows.append(
            f"<tr><td>{html.escape(entry.label)} <span class='props'>({d})</span></td>{''.join(cells)}"
            f"<td class='props'>{html.escape(why)}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"
