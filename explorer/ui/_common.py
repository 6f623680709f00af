"""Page styles, number formatting and panels shared by the pages.

Errors, colours, figures, controls and background work live in :mod:`explorer.ui.widgets`; the
names re-exported here keep older imports working.
"""

from __future__ import annotations

import html
import math

import ipywidgets as W

from explorer.ui.widgets.errors import ErrorBox, friendly, log_exception
from explorer.ui.widgets.theme import BEHAVIOUR_COLOURS, P_COLOUR, Q_COLOUR

__all__ = [
    "BEHAVIOUR_COLOURS",
    "P_COLOUR",
    "Q_COLOUR",
    "STYLE",
    "ErrorBox",
    "fmt_value",
    "friendly",
    "log_exception",
    "panel",
    "style_widget",
]

STYLE = """
<style>
.dx-table table {border-collapse: collapse; font-size: 13px;}
.dx-table th {text-align: left; border-bottom: 2px solid #999; padding: 3px 8px; white-space: nowrap;}
.dx-table td {border-bottom: 1px solid #e3e3e3; padding: 3px 8px; vertical-align: top;}
.dx-table td.num {text-align: right; white-space: nowrap;
  font-family: ui-monospace, Menlo, Consolas, monospace;}
.dx-table .inf {color: #b03a2e; font-weight: bold;}
.dx-table .why {color: #b03a2e; font-size: 11px; display: block; white-space: normal; max-width: 190px;
  font-family: var(--jp-ui-font-family, sans-serif); text-align: right;}
.dx-table .tag {border-radius: 8px; padding: 1px 7px; color: white; font-size: 11px; white-space: nowrap;}
.dx-table .props {color: #555; font-size: 11px;}
.dx-error {color: #8b1a1a; background: #fdecea; border: 1px solid #f5c6cb; border-radius: 4px;
  padding: 6px 10px;}
.dx-status {color: #555; font-size: 12px;}
.dx-drag-hint {color: #1f5fa8; font-size: 12px;}
.dx-panel {border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; margin: 2px;}
.dx-panel-title {font-weight: bold; font-size: 14px;}
.dx-full-width {width: 100% !important;}
</style>
"""


def style_widget() -> W.HTML:
    """An invisible HTML widget carrying the page's CSS."""
    return W.HTML(STYLE, layout=W.Layout(height="0px", margin="0"))


def fmt_value(v: float | None) -> str:
    """Compact number for tables and bar labels: 3 significant digits, ∞ for infinity."""
    if v is None:
        return ""
    if math.isinf(v):
        return "∞"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e5 or a < 1e-3:
        return f"{v:.2e}"
    return f"{v:.4g}"


def panel(title: str, children: list[W.Widget], css: str = "") -> W.VBox:
    box = W.VBox([W.HTML(f"<span class='dx-panel-title'>{html.escape(title)}</span>"), *children])
    box.add_class("dx-panel")
    if css:
        box.add_class(css)
    return box
