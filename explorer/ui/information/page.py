"""The information-bottleneck page: three tabs (IB curve, information plane, estimators), each
built lazily — the first tab's figure at start, the others when first opened — so the first render
pays for one figure and imports no torch (it is imported when a network is trained or the
neural estimator runs)."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
from IPython.display import display

from explorer.ui._common import style_widget
from explorer.ui.information.tab_estimators import EstimatorsTab
from explorer.ui.information.tab_ib import IBTab
from explorer.ui.information.tab_plane import PlaneTab
from explorer.ui.widgets import Controls, ErrorBox, ViewLink

__all__ = ["TABS", "InformationLab", "build", "show"]

TABS = (IBTab, PlaneTab, EstimatorsTab)

CSS = """
<style>
.dx-teach {font-size: 13px; line-height: 1.45; color: #222; max-width: 1250px; margin: 4px 0 6px 0;}
.dx-teach b {color: #1f5fa8;}
.dx-ib-readout, .dx-plane-readout {font-size: 13px; min-height: 20px;}
.dx-information .dx-figure-box {overflow-x: auto;}
</style>
"""


class InformationLab:
    """Widget tree of the information-bottleneck lab; ``widget`` is what the notebook shows.

    ``controls`` holds every control by name (``ib.*``, ``plane.*``, ``estimators.*``);
    ``tab_list`` the tab objects (each with its own runner); ``background=False`` runs the long
    work inline (tests, scripts).
    """

    def __init__(self, background: bool = True, **options: Any):
        self.controls = Controls()
        self.errors = ErrorBox()
        self.tab_list = [cls(self.errors, self.controls, background=background,
                             **options.get(cls.__name__, {})) for cls in TABS]
        self.tabs = W.Tab(children=[t.widget for t in self.tab_list])
        for i, t in enumerate(self.tab_list):
            self.tabs.set_title(i, t.title)
        self.tabs.add_class("dx-info-tabs")
        self.tabs.observe(lambda ch: self._tab_selected(), names="selected_index")
        self.widget = W.VBox([style_widget(), W.HTML(CSS, layout=W.Layout(height="0px", margin="0")),
                              self.errors, self.tabs])
        self.widget.add_class("dx-information")
        self._tab_selected()
        self.link = ViewLink(self.controls, self.tabs).place(self.widget)

    def tab(self, cls: type) -> Any:
        """The tab of class ``cls`` (``lab.tab(IBTab)``)."""
        return next(t for t in self.tab_list if isinstance(t, cls))

    def select(self, cls: type) -> Any:
        """Open the tab of class ``cls`` (as a click on its title would) and return it."""
        self.tabs.selected_index = next(i for i, t in enumerate(self.tab_list) if isinstance(t, cls))
        return self.tab(cls)

    def _tab_selected(self) -> None:
        for i, t in enumerate(self.tab_list):
            t.set_visible(i == self.tabs.selected_index)


def build(background: bool = True) -> InformationLab:
    """The lab object (its ``widget`` is the page); handy in tests and scripts."""
    return InformationLab(background=background)


def show() -> None:
    """Display the lab in the notebook / Voila page."""
    display(build().widget)
