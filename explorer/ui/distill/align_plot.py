"""The Alignment tab's figure: the alignment–diversity frontier (top left), the f-DPG policies at the
slider's β (top right) and the f-DPO closed-form policy (bottom).

:func:`figure` builds it; :func:`update_beta` moves only what depends on β (one message).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.distill import losses as L
from explorer.ui._common import fmt_value
from explorer.ui.distill.colours import fdpo_colour, loss_colour
from explorer.ui.widgets.theme import P_COLOUR, fill

__all__ = ["DIVERSITY", "figure", "update_beta"]

DIVERSITY = {
    "entropy": "entropy H(π) (nats)",
    "vendi": "Vendi score (effective items)",
    "coverage": "coverage of the target's support",
}
NOW_META, TARGET_META, POLICY_META = "dx-frontier-now", "dx-fdpg-target", "dx-policy-"
FDPO_TARGET_META, FDPO_META = "dx-fdpo-target", "dx-fdpo-policy"
HEIGHT = 820
WIDTH = 1250  # explicit: a figure created inside a tab cannot measure its container
BASE_COLOUR = "#888888"


def _alignment_label(problem: Any) -> str:
    return "alignment π(b = 1)" if problem.binary else "alignment E_π[r]"


def figure(
    problem: Any,
    divergences: Sequence[str],
    frontiers: Mapping[str, Any],
    beta: float,
    diversity: str,
    fdpo: Any,
    fdpo_label: str,
    fdpo_name: str,
) -> go.Figure:
    """``divergences``: the chosen ones (one trace each, empty until its frontier is in);
    ``frontiers``: ``{divergence: Frontier}`` computed so far; ``fdpo``: the
    :class:`~explorer.alignment.FDPOResult` at ``beta``. The traces do not depend on what is computed
    yet, so the streamed frontiers only change values in the live figure."""
    fig = make_subplots(
        rows=2,
        cols=2,
        specs=[[{}, {}], [{"colspan": 2, "secondary_y": True}, None]],
        row_heights=[0.52, 0.48],
        vertical_spacing=0.14,
        horizontal_spacing=0.09,
        subplot_titles=(
            "Alignment–diversity frontier over β (● = the slider's β)",
            _fdpg_title(beta),
            _fdpo_title(fdpo, fdpo_label),
        ),
    )
    x = problem.positions
    for d in divergences:
        fr = frontiers.get(d)
        fig.add_trace(
            go.Scatter(
                x=getattr(fr, diversity)[0] if fr is not None else [],
                y=fr.alignment[0] if fr is not None else [],
                mode="lines+markers",
                name=f"{L.get(d).label} ({d})",
                legendgroup=d,
                line={"color": loss_colour(d), "width": 2},
                marker={"size": 5},
                customdata=fr.betas if fr is not None else [],
                hovertemplate=f"{html.escape(d)}<br>β %{{customdata:.3g}}<br>diversity %{{x:.3g}}<br>"
                "alignment %{y:.3g}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    first = next(iter(frontiers.values()), None)
    target_x = getattr(first, f"target_{diversity}", None) if first is not None else None
    fig.add_trace(  # the unrestricted target's own curve, where the frontier has that diversity measure
        go.Scatter(
            x=target_x if target_x is not None else [],
            y=first.target_alignment if target_x is not None else [],
            mode="lines",
            name="target p_β itself",
            showlegend=target_x is not None,
            line={"color": P_COLOUR, "dash": "dash", "width": 1.5},
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=[],
            y=[],
            mode="markers",
            meta=NOW_META,
            showlegend=False,
            hoverinfo="skip",
            marker={"size": 14, "line": {"width": 2, "color": "black"}},
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=problem.base,
            mode="lines",
            name="base model a",
            legendgroup="base",
            line={"color": BASE_COLOUR, "width": 1.5},
        ),
        row=1,
        col=2,
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=problem.target(beta),
            mode="lines",
            meta=TARGET_META,
            name="target p_β",
            fill="tozeroy",
            fillcolor=fill(P_COLOUR, 0.2),
            line={"color": P_COLOUR, "width": 1.5},
        ),
        row=1,
        col=2,
    )
    for d in divergences:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=np.zeros_like(x),
                mode="lines",
                meta=POLICY_META + d,
                legendgroup=d,
                showlegend=False,
                name=f"π fitted under {d}",
                line={"color": loss_colour(d), "width": 2},
            ),
            row=1,
            col=2,
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=problem.base,
            mode="lines",
            showlegend=False,
            legendgroup="base",
            name="base model a",
            line={"color": BASE_COLOUR, "width": 1.5},
        ),
        row=2,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=problem.reward,
            mode="lines",
            name="reward r(x)" if not problem.binary else "preference b(x)",
            line={"color": "#b8a000", "width": 1},
            opacity=0.6,
        ),
        row=2,
        col=1,
        secondary_y=True,
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=fdpo.policy,
            mode="lines",
            meta=FDPO_META,
            name=f"f-DPO π* ({fdpo_label})",
            line={"color": fdpo_colour(fdpo_name), "width": 2.5},
        ),
        row=2,
        col=1,
    )
    # after π*: the dashed target stays visible where π* lies on it (the reverse-KL regulariser)
    fig.add_trace(
        go.Scatter(
            x=x,
            y=problem.target(beta),
            mode="lines",
            meta=FDPO_TARGET_META,
            showlegend=False,
            name="target p_β",
            line={"color": P_COLOUR, "width": 2, "dash": "dash"},
        ),
        row=2,
        col=1,
    )
    fig.update_xaxes(title_text=DIVERSITY[diversity], row=1, col=1)
    fig.update_yaxes(title_text=_alignment_label(problem), row=1, col=1)
    fig.update_xaxes(title_text="item x", row=1, col=2)
    fig.update_yaxes(title_text="probability", row=1, col=2)
    fig.update_xaxes(title_text="item x", row=2, col=1)
    fig.update_yaxes(title_text="probability", row=2, col=1)
    fig.update_yaxes(
        title_text="reward" if not problem.binary else "b(x)", secondary_y=True, row=2, col=1, showgrid=False
    )
    fig.update_layout(
        height=HEIGHT,
        width=WIDTH,
        margin={"l": 60, "r": 60, "t": 40, "b": 50},
        font={"size": 13},
        legend={"font": {"size": 12}},
    )
    update_beta(fig, problem, frontiers, beta, diversity, fdpo, fdpo_label)
    return fig


def _fdpg_title(beta: float) -> str:
    return f"f-DPG at β = {beta:g}: target p_β ∝ a·exp(r/β) and the policies fitted to it"


def _fdpo_title(fdpo: Any, label: str) -> str:
    return (
        f"f-DPO closed form at β = {fdpo.beta:g}, regulariser {label}: λ = {fdpo.lam:.4g}, "
        f"E[r] = {fdpo.expected_reward:.3g}, support {fdpo.support} items"
    )


def update_beta(
    fig: Any,
    problem: Any,
    frontiers: Mapping[str, Any],
    beta: float,
    diversity: str,
    fdpo: Any,
    fdpo_label: str,
) -> None:
    """Point everything that depends on β at ``beta`` (a Figure, or the live widget inside a batch)."""
    traces = {t.meta: t for t in fig.data}
    xs, ys, colours = [], [], []
    target = problem.target(beta)
    for meta, trace in traces.items():
        if isinstance(meta, str) and meta.startswith(POLICY_META):
            d = meta[len(POLICY_META) :]
            if d not in frontiers:
                trace.y = []
                continue
            pt = frontiers[d].point(d, beta)
            xs.append(pt[diversity])
            ys.append(pt["alignment"])
            colours.append(loss_colour(d))
            trace.y = pt["policy"]
    traces[NOW_META].update(x=xs, y=ys, marker={"color": colours})
    traces[TARGET_META].y = target
    traces[FDPO_TARGET_META].y = target
    traces[FDPO_META].update(y=fdpo.policy, name=f"f-DPO π* ({fdpo_label})")
    fig.layout.annotations[1].text = _fdpg_title(beta)
    fig.layout.annotations[2].text = _fdpo_title(fdpo, fdpo_label)


def table_html(problem: Any, frontiers: Mapping[str, Any], beta: float) -> str:
    """Alignment, diversity and D(p_β‖π) of each fitted policy at ``beta``, and of the target itself."""
    if not frontiers:
        return ""
    rows = []
    first = next(iter(frontiers.values()))
    j = int(np.abs(first.betas - beta).argmin())
    rows.append(
        f"<tr><td><span class='tag' style='background:{P_COLOUR}'>target p_β</span></td>"
        f"<td class='num'>{fmt_value(first.target_alignment[j])}</td>"
        f"<td class='num'>{fmt_value(first.target_entropy[j])}</td><td></td><td class='num'>1</td>"
        "<td class='num'>0</td></tr>"
    )
    for d, fr in frontiers.items():
        pt = fr.point(d, beta)
        rows.append(
            f"<tr><td><span class='tag' style='background:{loss_colour(d)}'>{html.escape(L.get(d).label)}"
            f"</span></td><td class='num'>{fmt_value(pt['alignment'])}</td>"
            f"<td class='num'>{fmt_value(pt['entropy'])}</td><td class='num'>{fmt_value(pt['vendi'])}</td>"
            f"<td class='num'>{fmt_value(pt['coverage'])}</td>"
            f"<td class='num'>{fmt_value(pt['divergence'])}</td></tr>"
        )
    head = (
        f"<tr><th>policy fitted under</th><th>{html.escape(_alignment_label(problem))}</th>"
        "<th>entropy H</th><th>Vendi score</th><th>coverage</th><th>D(p_β‖π) (its own D)</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"
