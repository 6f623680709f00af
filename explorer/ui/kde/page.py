"""The KDE lab page: two tabs, each built when first opened.

* **Bandwidth** (:mod:`.tab_bandwidth`, with the 2-D view :mod:`.view_2d`): bandwidth selectors,
  kernels and the binned FFT estimate against a known truth;
* **High dimensions** (:mod:`.tab_regimes`): Biroli & Mézard's regimes, simulated and in theory.

All numbers come from :mod:`explorer.kde` and :mod:`explorer.kde.regimes`; this package builds
widgets and draws. No torch: the page never imports it.
"""

from __future__ import annotations

import ipywidgets as W
from IPython.display import display

from explorer.ui._common import style_widget
from explorer.ui.kde.tab_bandwidth import BandwidthTab
from explorer.ui.kde.tab_regimes import RegimesTab
from explorer.ui.widgets import Controls, ErrorBox, ViewLink

__all__ = ["TABS", "KDELab", "build", "show"]

TABS = (BandwidthTab, RegimesTab)

CSS = """
<style>
.dx-kde-text {max-width: 1100px; font-size: 13.5px; line-height: 1.45;}
.dx-kde-text ul {margin: 4px 0 4px 0;}
.dx-kde details summary {cursor: pointer; color: #1f5fa8; font-size: 13px;}
</style>
"""


class KDELab:
    """Widget tree and logic of the KDE lab; ``widget`` is what the notebook shows.

    ``controls`` holds every control by name (``bandwidth.*``, ``bandwidth2d.*``, ``regimes.*``);
    ``tab_list`` the tabs (``lab.tab(RegimesTab)``). ``background=False`` runs the long work inline.
    """

    def __init__(self, background: bool = True, tab: int = 0):
        self.controls = Controls()
        self.errors = ErrorBox()
        self.tab_list = [cls(self.errors, self.controls, background=background) for cls in TABS]
        self.tabs = W.Tab(children=[t.widget for t in self.tab_list])
        for i, t in enumerate(self.tab_list):
            self.tabs.set_title(i, t.title)
        self.tabs.add_class("dx-tabs")
        self.tabs.selected_index = tab
        self.tabs.observe(lambda ch: self._tab_selected(), names="selected_index")
        css = W.HTML(CSS, layout=W.Layout(height="0px"))
        self.widget = W.VBox([style_widget(), css, self.errors, self.tabs])
        self.widget.add_class("dx-kde")
        self._tab_selected()
        self.link = ViewLink(self.controls, self.tabs).place(self.widget)

    def tab(self, cls: type) -> object:
        """The tab of class ``cls``."""
        return next(t for t in self.tab_list if isinstance(t, cls))

    def _tab_selected(self) -> None:
        i = self.tabs.selected_index
        if i is not None:
            self.tab_list[i].show()


def build(background: bool = True, tab: int = 0) -> KDELab:
    """The lab object (its ``widget`` is the page); handy in tests and scripts."""
    if tab not in range(len(TABS)):
        raise ValueError(f"parameter 'tab' must be one of 0..{len(TABS) - 1}, got {tab!r}")
    return KDELab(background=background, tab=tab)


def show(tab: int = 0) -> None:
    """Display the lab in the notebook / Voila page."""
    display(build(tab=tab).widget)
