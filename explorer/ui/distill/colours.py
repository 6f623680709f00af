"""One colour per distillation loss and per f-DPO regulariser, consistent with the other pages.

A loss that is also a divergence of :mod:`explorer.divergences` (same key) gets that
divergence's colour from the shared theme, so KL is the same red here as on the mode-seeking
page; the others take the next palette colours in loss-registry order. The f-DPO generators are
f-divergences of the registry and use its colours too.
"""

from __future__ import annotations

from explorer.ui.widgets.theme import PALETTE, divergence_colours

EXTRA = ("#6a3d9a", "#b15928", "#1b9e77", "#e7298a", "#a6761d", "#555555")
"""Colours for losses that are not registry divergences (the theme's palette is used up by them)."""

__all__ = ["EXTRA", "fdpo_colour", "loss_colour", "loss_colours"]


def loss_colours() -> dict[str, str]:
    """``{loss name: colour}`` for every registered loss."""
    from explorer.distill import losses as L

    shared = divergence_colours()
    used = set(shared.values())
    spare = [c for c in (*PALETTE, *EXTRA) if c not in used]
    out, k = {}, 0
    for name in L.names():
        if name in shared:
            out[name] = shared[name]
        else:
            out[name] = spare[k % len(spare)]
            k += 1
    return out


def loss_colour(name: str) -> str:
    """The colour of loss ``name`` (``ValueError`` listing the losses for an unknown one)."""
    from explorer.distill import losses as L

    L.get(name)
    return loss_colours()[name]


def fdpo_colour(name: str) -> str:
    """The colour of the f-DPO regulariser ``name`` (its registry divergence's colour)."""
    shared = divergence_colours()
    return shared.get(name, PALETTE[-1])
