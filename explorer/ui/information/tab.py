"""What every tab of the information-bottleneck page has: a title, a widget, its own controls
(declared in the page's :class:`~explorer.ui.widgets.Controls` under the tab's prefix) and lazy
drawing: a tab builds its figure the first time it is shown, so the page's first render pays for
the first tab only."""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from explorer.ui.widgets import Controls, ErrorBox, LatestRunner

__all__ = ["FIGURE_WIDTH", "Tab", "teaching"]

#: the figures' width in pixels: a plotly view drawn inside a tab panel cannot measure its
#: container reliably (it would fall back to a narrow default), so the width is fixed
FIGURE_WIDTH = 1240


def teaching(html_text: str) -> W.HTML:
    """A paragraph of teaching text above a tab's controls."""
    box = W.HTML(f"<div class='dx-teach'>{html_text}</div>")
    box.add_class("dx-teach-box")
    return box


class Tab:
    """Base of the tabs. Subclasses set ``title``/``widget`` and implement :meth:`first_show`
    (build the figure and start any work; called once, when the tab is first visible)."""

    title = ""
    doing = "drawing the tab"

    def __init__(self, errors: ErrorBox, controls: Controls, background: bool = True):
        self.errors = errors
        self.controls = controls
        self.background = background
        self.shown = False
        self.widget: W.Widget = W.VBox([])

    def runner(self, name: str) -> LatestRunner:
        return LatestRunner(self.errors, background=self.background, name=name)

    def set_visible(self, visible: bool) -> None:
        if visible and not self.shown:
            self.shown = True
            with self.errors.guard(self.doing, clear=False):
                self.first_show()

    def first_show(self) -> None:
        """Build the figure and start the tab's first computation."""

    def guard(self, doing: str, fn: Any, *args: Any) -> None:
        with self.errors.guard(doing):
            fn(*args)
