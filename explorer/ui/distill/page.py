"""The distillation and alignment lab page: two tabs, each built when first opened.

The Distillation tab is built with the page (its figure is the first frame); the Alignment tab's
controls, figure and frontier computation are created the first time it is selected, so the page
pays for one plotly figure at start.
"""

from __future__ import annotations

import ipywidgets as W
from IPython.display import display

from explorer.ui._common import style_widget
from explorer.ui.distill.tab_distillation import DistillationTab
from explorer.ui.widgets import Controls, ErrorBox, ViewLink

__all__ = ["DistillLab", "build", "show"]

TAB_TITLES = ("Distillation", "Alignment")

STYLE = """
<style>
.dx-claim {background: #f4f8fc; border-left: 4px solid #1f5fa8; padding: 6px 10px; margin: 4px 0;
  max-width: 1100px; font-size: 13px; line-height: 1.45;}
.dx-distill-lab .widget-select-multiple select {font-size: 13px;}
</style>
"""


class DistillLab:
    """Widget tree of the lab; ``widget`` is what the notebook shows. ``controls`` holds every
    control of both tabs by name (the Alignment tab's once it is opened)."""

    def __init__(self, background: bool = True):
        self.background = background
        self.controls = Controls()
        self.errors = ErrorBox()
        self.distillation = DistillationTab(self.controls, self.errors, background=background)
        self.alignment = None
        self._align_box = W.VBox([W.HTML("<i>Opening the alignment lab…</i>")])
        self.tabs = W.Tab(children=[self.distillation.widget, self._align_box])
        for i, t in enumerate(TAB_TITLES):
            self.tabs.set_title(i, t)
        self.tabs.add_class("dx-lab-tabs")
        self.tabs.observe(lambda ch: self._tab_selected(), names="selected_index")
        self.widget = W.VBox([style_widget(), W.HTML(STYLE), self.errors, self.tabs])
        self.widget.add_class("dx-distill-lab")
        self.link = ViewLink(self.controls, self.tabs).place(self.widget)

    def _tab_selected(self) -> None:
        if self.tabs.selected_index == 1 and self.alignment is None:
            with self.errors.guard("opening the alignment lab"):
                from explorer.ui.distill.tab_alignment import AlignmentTab

                self.alignment = AlignmentTab(self.controls, self.errors, background=self.background)
                self._align_box.children = [self.alignment.widget]
                self.alignment.start()

    def select(self, title: str) -> None:
        """Open a tab by title (tests, links)."""
        self.tabs.selected_index = TAB_TITLES.index(title)


def build(background: bool = True) -> DistillLab:
    """The lab object (its ``widget`` is the page); handy in tests and scripts."""
    return DistillLab(background=background)


def show() -> None:
    """Display the lab in the notebook / Voila page."""
    display(build().widget)
