"""Small text widgets every page uses."""

from __future__ import annotations

import ipywidgets as W

__all__ = ["status_line"]


def status_line(*css: str) -> W.HTML:
    """An (initially empty) status line: CSS class ``dx-status`` plus ``css`` (tests select by them)."""
    box = W.HTML("")
    for c in ("dx-status", *css):
        box.add_class(c)
    return box
