"""The calculator's table (every divergence, both directions, units, method, behaviour) and glossary."""

from __future__ import annotations

import html

from explorer import divergences as dv
from explorer.glossary import GLOSSARY
from explorer.ui._common import fmt_value
from explorer.ui.widgets.theme import BEHAVIOUR_COLOURS


def _cell(r) -> str:
    if r is None:
        return "<td class='num'>= D(p‖q)</td>"
    if r.is_infinite:
        why = html.escape(r.note.replace("infinite: ", ""))
        return f"<td class='num'><span class='inf'>∞</span><span class='why'>{why}</span></td>"
    return f"<td class='num'>{fmt_value(r.value)}</td>"


def table_html(results: dict) -> str:
    """One row per divergence: D(p‖q), D(q‖p) (or '= D(p‖q)'), units, method, behaviour, properties."""
    rows = []
    for name, (fwd, rev) in results.items():
        div = dv.get(name)
        beh = div.behaviour_for(fwd.params)
        props = ", ".join(
            t for t, ok in (("symmetric", div.symmetric), ("metric", div.metric),
                            ("√ is a metric", div.sqrt_metric and not div.metric),
                            ("f-divergence", div.f_divergence)) if ok
        )
        units = fwd.units or "—"
        rows.append(
            f"<tr><td title='{html.escape(div.formula)}'><b>{html.escape(div.label)}</b> "
            f"<small>({html.escape(name)})</small></td>{_cell(fwd)}{_cell(rev)}"
            f"<td>{html.escape(units)}</td><td>{html.escape(fwd.method)}</td>"
            f"<td><span class='tag' style='background:{BEHAVIOUR_COLOURS[beh]}'>{beh}</span></td>"
            f"<td class='props'>{html.escape(props)}</td></tr>"
        )
    head = ("<tr><th>divergence</th><th>D(p‖q)</th><th>D(q‖p)</th><th>units</th><th>method</th>"
            "<th>fitting q to p is</th><th>properties</th></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def glossary_html() -> str:
    rows = "".join(f"<p><b>{html.escape(k)}</b>: {html.escape(v)}</p>" for k, v in GLOSSARY.items())
    return f"<div style='max-width: 900px; font-size: 13px'>{rows}</div>"
