"""What every tab of the mode-seeking page has: a title, a widget, the shared state, and lazy
drawing (a tab redraws when the state changed *and* it is on screen, so a page load or a refit
pays only for what the visitor looks at)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as W

from explorer.ui.mode_seeking.state import State
from explorer.ui.widgets import Controls, ErrorBox, LatestRunner
from explorer.ui.widgets.controls import RUN_CLASS


def run_button(description: str, css: str, action: Callable[[], Any]) -> W.Button:
    """A ▶ button calling ``action`` (CSS class ``css``, and ``dx-run``: a snapshot presses it)."""
    button = W.Button(description=description, icon="play", layout=W.Layout(width="auto"))
    button.add_class(css)
    button.add_class(RUN_CLASS)
    button.on_click(lambda b: action())
    return button


def tab_box(text: str, *rows: W.Widget) -> W.VBox:
    """One tab: a sentence of explanation above its controls and output."""
    return W.VBox([W.HTML(text), *rows])


class Tab:
    """Base of the tabs. Subclasses set ``title`` and ``widget`` and implement :meth:`draw`
    (called when the tab is visible and the state changed since its last drawing) and, if they
    hold results of their own, :meth:`reset` (called when the target changes)."""

    title = ""
    doing = "drawing the tab"

    def __init__(self, state: State, errors: ErrorBox, controls: Controls, background: bool = True):
        self.state = state
        self.errors = errors
        self.controls = controls
        self.background = background
        self.visible = False
        self.dirty = True
        self.widget: W.Widget = W.VBox([])
        state.listen(self._state_changed)

    def runner(self, name: str) -> LatestRunner:
        return LatestRunner(self.errors, background=self.background, name=name)

    def _state_changed(self, what: str) -> None:
        if what == "target":
            self.reset()
        self.dirty = True
        if self.visible:
            self.refresh()

    def set_visible(self, visible: bool) -> None:
        self.visible = visible
        if visible and self.dirty:
            self.refresh()

    def refresh(self) -> None:
        self.dirty = False
        if self.state.target is None:
            return
        with self.errors.guard(self.doing, clear=False):
            self.draw()

    def reset(self) -> None:
        """The target changed: forget results computed for the old one."""

    def draw(self) -> None:
        """Draw the tab from the state."""
