"""Mode-seeking vs mode-covering (notebooks/02_mode_seeking.ipynb): fit q to a target p under
several divergences at once.

Modules: :mod:`.page` (controls, events, fits in the background), :mod:`.state` (what the parts
share), :mod:`.plot` (the main figure), :mod:`.table`, :mod:`.edits` (modes dragged on the plot),
and one module per tab: :mod:`.tab_alpha`, :mod:`.tab_landscape`, :mod:`.tab_playback`,
:mod:`.tab_weights`, :mod:`.tab_estimators` (base: :mod:`.tab`).
"""

from explorer.ui.mode_seeking.edits import HANDLE_LIMIT, HANDLE_MIN_WIDTH
from explorer.ui.mode_seeking.page import DEFAULT_DIVERGENCES, DEFAULT_TARGET, ModeSeeking, build, show
from explorer.ui.mode_seeking.tab_alpha import ALPHAS

__all__ = ["ALPHAS", "DEFAULT_DIVERGENCES", "DEFAULT_TARGET", "HANDLE_LIMIT", "HANDLE_MIN_WIDTH",
           "ModeSeeking", "build", "show"]
