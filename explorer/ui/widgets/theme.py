"""One palette for every page: the target p, the model q, the two directions, each divergence.

A divergence's colour is derived from its position in the registry (:func:`explorer.divergences.names`),
so a new entry gets one without touching the UI, and it is the same on every page and tab.
"""

from __future__ import annotations

import plotly.io as pio

__all__ = [
    "BEHAVIOUR_COLOURS",
    "FORWARD_COLOUR",
    "HANDLE_FILL",
    "HANDLE_LINE_2D",
    "PALETTE",
    "P_COLOUR",
    "P_FILL",
    "P_FILL_LIGHT",
    "Q_COLOUR",
    "REVERSE_COLOUR",
    "TEMPLATE",
    "divergence_colour",
    "divergence_colours",
    "fill",
]

# Every page's figures use plotly's white template, set once as the default when the UI layer is
# imported: naming it in each layout re-validated the whole template, ~20 ms per figure drawn.
TEMPLATE = "plotly_white"
pio.templates.default = TEMPLATE

P_COLOUR = "#1f5fa8"  # target p
Q_COLOUR = "#e07b00"  # model q
P_FILL = "rgba(31,95,168,0.20)"  # under p's density
P_FILL_LIGHT = "rgba(31,95,168,0.18)"
FORWARD_COLOUR = "#2c3e50"  # D(p‖q)
REVERSE_COLOUR = "#a9b7c6"  # D(q‖p)
HANDLE_FILL = "#9cc2ea"  # the draggable bar under a mode (1-D)
HANDLE_LINE_2D = "rgba(255,191,0,0.75)"  # the editable 1σ ring of a 2-D mode (amber on the blues)
BEHAVIOUR_COLOURS = {"mode-seeking": "#c0392b", "mode-covering": "#1e8449", "balanced": "#7d6608"}

PALETTE = (
    "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
    "#1f77b4", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#31a354",
)


def divergence_colours() -> dict[str, str]:
    """``{name: colour}`` for every registered divergence, in registry order."""
    from explorer import divergences as dv

    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(dv.names())}


def divergence_colour(name: str) -> str:
    """The colour of divergence ``name`` on every page (``ValueError`` for an unknown name)."""
    colours = divergence_colours()
    if name not in colours:
        from explorer import divergences as dv

        dv.get(name)  # raises the registry's ValueError listing the valid names
    return colours[name]


def fill(colour: str, opacity: float) -> str:
    """``#rrggbb`` as an ``rgba(...)`` fill of the given opacity."""
    c = colour.lstrip("#")
    r, g, b = (int(c[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{opacity:g})"
