"""Edits of p made on the plot: a mode's shape dragged or resized becomes a moved/rescaled mode."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer import presets

HANDLE_MIN_WIDTH = 0.05  # a mode dragged narrower than this is clamped (as the width slider's low end)
HANDLE_LIMIT = 30.0  # centres and widths dragged further out are clamped


@dataclass(frozen=True)
class Edit:
    target: presets.Target
    changed: np.ndarray  # indices of the modes that moved or changed width
    centres: np.ndarray
    widths: np.ndarray

    def describe(self) -> str:
        def fmt(v: np.ndarray) -> str:
            return f"{v[0]:.2f}" if v.size == 1 else "(" + ", ".join(f"{u:.2f}" for u in v) + ")"

        return "; ".join(f"mode {i + 1} → centre {fmt(self.centres[i])}, width {fmt(self.widths[i])}"
                         for i in self.changed)


def edit_from_shapes(target: presets.Target | None, shapes: Any) -> Edit | None:
    """The edit the layout's ``shapes`` describe, or ``None`` (our own redraw, a bar moved only
    vertically, shapes that are not the modes')."""
    handles = presets.mode_handles(target) if target is not None else None
    if handles is None or len(shapes) != len(handles):
        return None
    two_d = target.p.dim == 2
    centres, widths = [], []
    for shape in shapes:
        spans = [(shape.x0, shape.x1), (shape.y0, shape.y1)] if two_d else [(shape.x0, shape.x1)]
        centres.append([np.clip(0.5 * (lo + hi), -HANDLE_LIMIT, HANDLE_LIMIT) for lo, hi in spans])
        widths.append([np.clip(0.5 * abs(hi - lo), HANDLE_MIN_WIDTH, HANDLE_LIMIT) for lo, hi in spans])
    old_c = np.array([c for c, _ in handles], dtype=float).reshape(len(handles), -1)
    old_w = np.array([w for _, w in handles], dtype=float).reshape(len(handles), -1)
    new_c, new_w = np.array(centres, dtype=float), np.array(widths, dtype=float)
    changed = np.flatnonzero(np.any(np.abs(new_c - old_c) > 1e-9, axis=1)
                             | np.any(np.abs(new_w - old_w) > 1e-9, axis=1))
    if not changed.size:
        return None
    shape = (len(handles), 2) if two_d else (len(handles),)
    edited = presets.edit_modes(target, new_c.reshape(shape), new_w.reshape(shape))
    return Edit(edited, changed, new_c, new_w)
