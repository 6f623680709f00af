"""The summary table of the mode-seeking page: one row per fit, every chosen divergence at each fit."""

from __future__ import annotations

import html
import math

from explorer import divergences as dv
from explorer import modes
from explorer.ui._common import fmt_value
from explorer.ui.mode_seeking.plot import label
from explorer.ui.mode_seeking.state import State
from explorer.ui.widgets.theme import divergence_colours


def table_html(state: State) -> str:
    names = state.fitted()
    if not names:
        return ""
    colours = divergence_colours()
    head = ("<tr><th>fitted under</th><th>D at fit</th><th>path</th><th>optima</th><th>modes covered</th>"
            "<th>entropy H(q)</th>"
            + "".join(f"<th>{html.escape(dv.get(n).label)}(p‖q̂)</th>" for n in names) + "</tr>")
    rows = []
    for name in names:
        r = state.results[name]
        cov = state.memo(("coverage",), r, lambda r=r: modes.coverage(state.target, r.q))
        cross = []
        for other in names:
            v = r.value if other == name else state.memo(("cross", other), r,
                                                         lambda r=r, o=other: dv.compute(o, state.p, r.q))
            cls = " inf" if math.isinf(v) else ""
            bold = ("<b>", "</b>") if other == name else ("", "")
            cross.append(f"<td class='num{cls}'>{bold[0]}{fmt_value(v)}{bold[1]}</td>")
        stuck = f" (+{len(r.unsettled)} unsettled)" if r.unsettled else ""
        rows.append(
            f"<tr><td><span class='tag' style='background:{colours[name]}'>{html.escape(label(name))}"
            f"</span></td><td class='num'>{fmt_value(r.value)}</td><td>{html.escape(r.path)}</td>"
            f"<td class='num'>{len(r.optima)}{stuck}</td>"
            f"<td class='num'>{cov.n_covered} of {cov.n_modes}</td>"
            f"<td class='num'>{fmt_value(state.memo(('entropy',), r, lambda r=r: modes.entropy(r.q)))}</td>"
            f"{''.join(cross)}</tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"
