"""The shared UI layer: every page (calculator, mode-seeking, the labs) builds on these.

* :mod:`~explorer.ui.widgets.figure` — :class:`FigureSlot`, the one way of drawing a plotly figure
  (one ``go.FigureWidget`` per slot, created once, traces mutated in ``batch_update()``);
* :mod:`~explorer.ui.widgets.errors` — :class:`ErrorBox` (a visible notice area) and the guards
  that route every exception of a callback to it (and the traceback to the server log);
* :mod:`~explorer.ui.widgets.theme` — one palette: p, q, forward/reverse, one colour per
  registered divergence;
* :mod:`~explorer.ui.widgets.controls` — sliders from :class:`explorer.params.Param` and
  :class:`Controls`, the one place a page declares its controls (name → widget);
* :mod:`~explorer.ui.widgets.links` — :class:`ViewLink`: a page's controls in its URL's query
  string (a link opens that view; "Copy link to this view" writes it back);
* :mod:`~explorer.ui.widgets.tasks` — :class:`LatestRunner`: long work on a background thread,
  partial results streamed, a newer request superseding the running one;
* :mod:`~explorer.ui.widgets.priority` — the workers run niced and pause while their kernel
  answers a control, so a class's fits never delay a visitor's first response.
"""

from explorer.ui.widgets import theme
from explorer.ui.widgets.controls import Controls, slider
from explorer.ui.widgets.errors import ErrorBox, friendly, log_exception
from explorer.ui.widgets.figure import FigureSlot
from explorer.ui.widgets.links import ViewLink
from explorer.ui.widgets.tasks import Cancelled, Job, LatestRunner

__all__ = ["Cancelled", "Controls", "ErrorBox", "FigureSlot", "Job", "LatestRunner", "ViewLink", "friendly",
           "log_exception", "slider", "theme"]
