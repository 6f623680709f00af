"""The KDE lab (notebooks/03_kde.ipynb): how much smoothing a kernel density estimate needs, and
what goes wrong when the dimension grows.

Modules: :mod:`.page` (the tabs), :mod:`.tab_bandwidth` + :mod:`.plot_bandwidth` + :mod:`.ruler`
(selectors, kernels, error curves), :mod:`.view_2d` (contours in 2-D), :mod:`.tab_regimes` +
:mod:`.plot_regimes` (Biroli & Mézard's high-dimensional regimes), :mod:`.sources` (what can be
estimated), :mod:`.tab` (what the tabs share).
"""

from explorer.ui.kde.page import TABS, KDELab, build, show
from explorer.ui.kde.tab_bandwidth import BandwidthTab
from explorer.ui.kde.tab_regimes import RegimesTab

__all__ = ["TABS", "BandwidthTab", "KDELab", "RegimesTab", "build", "show"]
