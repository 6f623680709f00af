"""A ruler under the log bandwidth slider: a tick for every selector's choice (and the oracles),
placed on the slider's own log scale, so "where would Silverman put h?" is visible while dragging.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

__all__ = ["TRACK_INSET", "ruler_html"]

TRACK_INSET = 8  # px between the slider widget's edge and the ends of its track (the handle's half-width)
LABEL_PX = 6.6   # width of a character of the 11-px bold labels
ROW_PX = 15      # height of a row of labels


def ruler_html(lo_exp: float, hi_exp: float, marks: Sequence[tuple[str, float, str]], width: int) -> str:
    """HTML of a ``width``-px ruler for a log10 slider spanning [10^lo_exp, 10^hi_exp].

    ``marks`` are ``(label, h, colour)``; a mark outside the range sits at the end with an arrow.
    Labels that would overlap go to the next row down (as many rows as needed).
    """
    span = max(hi_exp - lo_exp, 1e-12)
    inner = width - 2 * TRACK_INSET
    ticks, labels = [], []
    row_ends: list[float] = []          # right end (px) of the last label in each row
    for label, h, colour in sorted(marks, key=lambda m: m[1]):
        if not (h > 0 and math.isfinite(h)):
            continue
        f = (math.log10(h) - lo_exp) / span
        text = ("◀" if f < 0 else ("▶" if f > 1 else "")) + label
        px = TRACK_INSET + inner * min(max(f, 0.0), 1.0)
        w = LABEL_PX * len(text) + 6
        left = min(px - 2, width - w)
        row = next((i for i, end in enumerate(row_ends) if end < left), len(row_ends))
        if row == len(row_ends):
            row_ends.append(0.0)
        row_ends[row] = left + w
        top = 3 + ROW_PX * row
        ticks.append((px, colour, top))
        labels.append(
            f"<div style='position:absolute; left:{left:.1f}px; top:{top}px; font-size:11px; color:{colour}; "
            f"white-space:nowrap; font-weight:bold; background:rgba(255,255,255,0.85); padding:0 2px;'>"
            f"{html.escape(text)}</div>")
    rows = max(len(row_ends), 1)
    height = 6 + ROW_PX * rows
    items = [f"<div class='dx-mark' style='position:absolute; left:{px:.1f}px; top:0; height:{top + 2}px; "
             f"border-left:2px solid {colour};'></div>" for px, colour, top in ticks]
    return (f"<div class='dx-ruler' style='position:relative; width:{width}px; height:{height}px; "
            f"border-top:1px solid #bbb;'>{''.join(items + labels)}</div>")
