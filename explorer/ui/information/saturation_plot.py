"""The figure of the estimators tab's saturation study: InfoNCE against the true MI of Gaussians with
d correlated pairs, under its log n ceiling, and the Wasserstein dependency on a second axis.

Every number comes from :class:`~explorer.information.SaturationResult` and
:func:`~explorer.information.gaussian_pairs_mi`; this module only lays them out.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from explorer import information as info
from explorer.ui.information.tab import FIGURE_WIDTH
from explorer.ui.widgets.theme import PALETTE

__all__ = ["CEILING", "INFONCE", "TRUTH", "WD", "figure"]

# trace order (tests read them by index)
TRUTH, CEILING, INFONCE, WD = 0, 1, 2, 3
NCE_COLOUR = PALETTE[0]
WD_COLOUR = PALETTE[9]


def figure(result: info.SaturationResult | None, dims: Sequence[int], rho: float, n: int,
           waiting: str = "") -> go.Figure:
    """The truth (diagonal), log n (dashed), InfoNCE at each d done and the WD (right axis).

    ``result`` holds the dimensions computed so far (``None``: none yet); ``waiting`` ends the title.
    """
    true_all = info.gaussian_pairs_mi(dims, rho)
    ceiling, n_eval = info.saturation_ceiling(n)
    top = float(max(true_all.max(), ceiling)) * 1.08
    done = result if result is not None and result.dims.size else None
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0.0, top], y=[0.0, top], mode="lines", name="true I(X;Y) (the diagonal)",
                             line={"color": "black", "width": 1.5}, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[0.0, top], y=[ceiling] * 2, mode="lines",
                             name=f"InfoNCE's ceiling log {n_eval} = {ceiling:.2f} ({n_eval} held-out "
                                  f"pairs score the critic)",
                             line={"color": NCE_COLOUR, "dash": "dash", "width": 1.5}, hoverinfo="skip"))
    x = done.true_mi if done else []
    labels = [f"d = {d}" for d in done.dims] if done else []
    fig.add_trace(go.Scatter(x=x, y=done.infonce if done else [], mode="lines+markers",
                             name="InfoNCE estimate (left axis, nats)", text=labels,
                             line={"color": NCE_COLOUR, "width": 2.5}, marker={"size": 9},
                             hovertemplate="%{text}<br>true MI %{x:.2f} nats<br>InfoNCE %{y:.2f} nats"
                                           "<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=done.wasserstein if done else [], mode="lines+markers", yaxis="y2",
                             name="Wasserstein dependency W₁ (right axis, standardised units)",
                             text=labels, line={"color": WD_COLOUR, "width": 2.5},
                             marker={"size": 9, "symbol": "diamond"},
                             hovertemplate="%{text}<br>true MI %{x:.2f} nats<br>W₁ %{y:.2f}<extra></extra>"))
    wd_top = float(done.wasserstein.max()) * 1.15 if done else 1.0
    fig.update_layout(
        height=460, width=FIGURE_WIDTH, margin={"l": 70, "r": 80, "t": 50, "b": 90},
        title={"text": f"Gaussians with d pairs of correlation ρ = {rho:g}, n = {n} samples: InfoNCE "
                       f"stays under log {n_eval}, the Wasserstein dependency keeps rising{waiting}",
               "x": 0.06, "font": {"size": 14}},
        xaxis={"title": "true I(X;Y) = −(d/2)·log(1 − ρ²)  [nats]", "range": [0, top],
               "tickvals": list(true_all), "ticktext": [f"{v:.2f}<br>d = {d}" for v, d in zip(true_all, dims,
                                                                                            strict=True)]},
        yaxis={"title": "I(X;Y) or its estimate  [nats]", "range": [0, top]},
        yaxis2={"title": {"text": "W₁(p<sub>XY</sub>, p<sub>X</sub>p<sub>Y</sub>)  "
                                  "[standardised units, not nats]",
                          "font": {"color": WD_COLOUR}},
                "overlaying": "y", "side": "right", "range": [0, wd_top], "showgrid": False,
                "tickformat": ".1f", "tickfont": {"color": WD_COLOUR}},
        legend={"font": {"size": 12}, "x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.8)"},
        font={"size": 13})
    return fig
