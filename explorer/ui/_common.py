"""Shared widget helpers: friendly errors, number formatting, colours, page styles."""

from __future__ import annotations

import functools
import html
import math
import sys
import traceback
from collections.abc import Callable
from typing import Any

import ipywidgets as W

P_COLOUR = "#1f5fa8"  # target p
Q_COLOUR = "#e07b00"  # model q
REV_COLOUR = "#b9c7d8"
BEHAVIOUR_COLOURS = {"mode-seeking": "#c0392b", "mode-covering": "#1e8449", "balanced": "#7d6608"}

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
</style>
"""


def style_widget() -> W.HTML:
    """An invisible HTML widget carrying the page's CSS."""
    return W.HTML(STYLE, layout=W.Layout(height="0px", margin="0"))


def log_exception(context: str) -> None:
    """Full traceback to the server log (the kernel's original stderr), never to the page."""
    print(f"[divergence-explorer] error while {context}:", file=sys.__stderr__)
    traceback.print_exc(file=sys.__stderr__)
    sys.__stderr__.flush()


class ErrorBox(W.HTML):
    """A red box for messages to the visitor; empty (hidden) when all is well."""

    def __init__(self, **kwargs: Any):
        super().__init__("", **kwargs)
        self.add_class("dx-error")
        self.layout.display = "none"

    def show(self, message: str) -> None:
        self.value = html.escape(message)
        self.layout.display = None

    def clear(self) -> None:
        if self.value:
            self.value = ""
            self.layout.display = "none"


def friendly(box: ErrorBox, context: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a widget callback: input errors are shown plainly, bugs politely, both logged."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                out = fn(*args, **kwargs)
            except ValueError as exc:
                log_exception(context)
                box.show(f"That combination is not valid: {exc}")
                return None
            except Exception:
                log_exception(context)
                box.show(
                    f"Sorry, something went wrong while {context}. The details were written to the "
                    "server log; try another setting or reload the page."
                )
                return None
            box.clear()
            return out

        return wrapper

    return deco


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
