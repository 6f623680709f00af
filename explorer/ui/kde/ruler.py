"""A ruler under the log bandwidth slider: a tick for every selector's choice (and the oracles),
placed on the slider's own log scale, so "where would Silverman put h?" is visible while dragging.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

__all__ = ["TRACK_INSET", "ruler_html"]

TRACK_INSET = 8  # px between the slider widget's edge and the ends of its track (the handle's half-width)


def ruler_html(lo_exp: float, hi_exp: float, marks: Sequence[tuple[str, float, str]], width: int) -> str:
    """HTML of a ``width``-px ruler for a log10 slider spanning [10^lo_exp, 10^hi_exp].

    ``marks`` are ``(label, h, colour)``; a mark outside the range sits at the end with an arrow.
    Labels alternate above/below the line when two marks are close.
    """
    span = max(hi_exp - lo_exp, 1e-12)
    inner = width - 2 * TRACK_INSET
    items = []
    placed: list[float] = []
    for label, h, colour in sorted(marks, key=lambda m: m[1]):
        if not (h > 0 and math.isfinite(h)):
            continue
        f = (math.log10(h) - lo_exp) / span
        arrow = "◀" if f < 0 else ("▶" if f > 1 else "")
        px = TRACK_INSET + inner * min(max(f, 0.0), 1.0)
        low = bool(placed) and px - placed[-1] < 58 and len(placed) % 2 == 1
        placed.append(px)
        top = 16 if low else 0
        items.append(
            f"<div class='dx-mark' title='{html.escape(label)}: h = {h:.4g}' style='position:absolute; "
            f"left:{px:.1f}px; top:0; height:30px; border-left:2px solid {colour};'></div>"
            f"<div style='position:absolute; left:{px + 3:.1f}px; top:{top}px; font-size:11px; "
            f"color:{colour}; white-space:nowrap; font-weight:bold;'>{html.escape(arrow + label)}</div>")
    return (f"<div class='dx-ruler' style='position:relative; width:{width}px; height:32px; "
            f"border-top:1px solid #bbb;'>{''.join(items)}</div>")
