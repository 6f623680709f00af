"""Information-bottleneck lab (notebooks/04_information_bottleneck.ipynb): the IB curve of a joint
distribution, the information plane of a training network, and MI estimators against truth.

Modules: :mod:`.page` (the tabs, built lazily), :mod:`.tab` (what a tab has), one module per tab
— :mod:`.tab_ib`, :mod:`.tab_plane`, :mod:`.tab_estimators` (with :mod:`.saturation_view`, the log n
ceiling) — and their figures (:mod:`.ib_plot`, :mod:`.plane_plot`, :mod:`.estimators_plot`,
:mod:`.saturation_plot`).
"""

from explorer.ui.information.page import TABS, InformationLab, build, show
from explorer.ui.information.tab_estimators import EstimatorsTab
from explorer.ui.information.tab_ib import IBTab
from explorer.ui.information.tab_plane import PlaneTab

__all__ = ["TABS", "EstimatorsTab", "IBTab", "InformationLab", "PlaneTab", "build", "show"]
