"""What both tabs of the KDE lab share: a title, a widget, and building on first view (a page load
pays only for the tab the visitor looks at; torch is never needed)."""

from __future__ import annotations

import html

import ipywidgets as W

from explorer.ui.widgets import Controls, ErrorBox, LatestRunner


class Tab:
    """Base of the tabs: subclasses set ``title``, fill ``widget``'s children in :meth:`build`
    (called once, when the tab is first shown) and keep their figures up to date after that."""

    title = ""

    def __init__(self, errors: ErrorBox, controls: Controls, background: bool = True):
        self.errors = errors
        self.controls = controls
        self.background = background
        self.built = False
        self.widget = W.VBox([W.HTML("<span class='dx-status'>loading…</span>")])

    def runner(self, name: str) -> LatestRunner:
        return LatestRunner(self.errors, background=self.background, name=name)

    def show(self) -> None:
        """The tab became visible: build it the first time."""
        if not self.built:
            self.built = True
            with self.errors.guard(f"building the {self.title} tab", clear=False):
                self.build()

    def build(self) -> None:
        raise NotImplementedError


def text(markup: str) -> W.HTML:
    """A block of teaching text (trusted markup written in this package)."""
    return W.HTML(f"<div class='dx-kde-text'>{markup}</div>")


def esc(s: str) -> str:
    return html.escape(str(s))
