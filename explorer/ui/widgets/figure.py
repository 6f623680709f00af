"""The one way of drawing a plotly figure on a page: :class:`FigureSlot`.

A slot owns a ``go.FigureWidget``, created *with* its first figure's data, and applies every later
figure to it in place: each trace restyled and the layout replaced in one ``batch_update()``. The
widget is created with ``spare`` hidden scatter traces beyond its figure's, so a figure with more
curves (fits streaming in) fills spare traces instead of adding new ones; a figure with fewer
hides the rest. Only a figure whose trace types no longer fit (a 1-D target replaced by a 2-D one)
gets a new widget — rarely, since each costs the browser the ~5 MB plotly bundle, and never for an
edit made on the plot (a figure being dragged on must not be swapped under the mouse).

Why restyles only: with plotly 7's anywidget FigureWidget, trace additions/deletions sent to a
figure already on the page were seen to leave the page's figure frozen (no later update drawn),
while restyles and relayouts are reliable (the calculator moves every trace that way).

Each change also keeps the widget's full-state traits (``_widget_data``/``_widget_layout``)
current. plotly refreshes them only when a FigureWidget is displayed by itself, and the browser
drops updates that arrive before the widget's script has initialised; so until the browser has
drawn the figure once (it reports back a ``_js2py_traceDeltas``), each change also sends the full
state, from which the figure is drawn when it finally is. Afterwards the traits are refreshed
silently, and only the edits travel.

A browser that has answered the figure's edits before (plotly.js replies to each with its deltas)
and then leaves one unanswered for :data:`STALL_SECONDS` has a view that no longer follows the kernel
(seen under load in the browser tests: the kernel's figure moved on, the page's stayed); the next
figure then goes to a new widget, drawn from the full state, so a frozen plot heals itself.

The widget's comm opens only once the figure is in it (:class:`_FigureWidget`): plotly opens the comm
with an empty figure and sends the data and layout in later messages, and a view created in between
(the front end builds the model asynchronously) drew an empty plot that never updated — which
happened to figures created in a callback after the page was shown (a tab drawn when first opened).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import ipywidgets as W
import plotly.graph_objects as go
import traitlets

from explorer.ui.widgets import plotly_esm
from explorer.ui.widgets.tasks import kernel_loop

__all__ = ["FigureSlot"]

_KEEP = ("type", "uid")
STALL_SECONDS = 8.0  # an edit the browser has not answered for this long: the figure is renewed


class _FigureWidget(go.FigureWidget):
    """A FigureWidget whose comm opens after its figure is set, so the front end's model (and
    every view of it) starts with the data and the layout (see the module docstring), and whose
    front-end module is a small one sharing the page's one copy of plotly's bundle
    (:mod:`explorer.ui.widgets.plotly_esm`), not 5 MB per figure."""

    _esm = plotly_esm.FIGURE_ESM
    _dx_bundle = traitlets.Unicode("").tag(sync=True)
    _dx_key = traitlets.Unicode("").tag(sync=True)

    def __init__(self, *args: Any, **kwargs: Any):
        self._dx_hold = True
        super().__init__(*args, **kwargs)
        self._dx_bundle = plotly_esm.bundle().model_id
        self._dx_key = plotly_esm.new_key()
        self._dx_hold = False
        self.open()

    def open(self) -> None:
        if not getattr(self, "_dx_hold", False):
            super().open()


def _replacement(old: dict, new: dict) -> dict:
    """``new`` plus ``None`` for every property of ``old`` it lacks (plotly then removes it)."""
    out = dict(new)
    for key in old:
        if key not in out and key not in _KEEP:
            out[key] = None
    return out


def _empty_spare(trace: Any) -> bool:
    return trace.visible is False and getattr(trace, "x", None) is None and getattr(trace, "y", None) is None


def _kernel_call_later() -> Callable[[float, Callable[[], None]], Any] | None:
    """``(seconds, fn)`` on the running kernel's event loop (the widgets' thread), or None."""
    loop = kernel_loop()
    return None if loop is None else loop.call_later


def _hidden(trace_type: str) -> dict:
    return {"type": trace_type, "visible": False, "showlegend": False}


class FigureSlot:
    """A box holding one plotly FigureWidget that later figures update in place.

    Parameters
    ----------
    css : str
        CSS class of the FigureWidget (tests and screenshots select it).
    on_shapes : callable, optional
        Called with the layout's shapes after the visitor edits one (editable shapes).
    full_width : bool
        Stretch the figure to the page's width (CSS class ``dx-full-width``; plotly's default
        otherwise). Not ``FigureWidget.layout.width``: that is plotly's layout, in pixels.
    spare : int
        Hidden scatter traces created beyond the first figure's, for figures with more curves.
    """

    def __init__(self, css: str, on_shapes: Callable[[Any], None] | None = None, full_width: bool = False,
                 spare: int = 0):
        self.css = css
        self.on_shapes = on_shapes
        self.full_width = full_width
        self.spare = spare
        # a column stretches its child to the page's width; a row leaves it at plotly's default
        self.box = (W.VBox if full_width else W.Box)([], layout=W.Layout(width="100%"))
        self.widget: go.FigureWidget | None = None
        self.updates = 0  # figures applied in place (tests read it)
        self.created = 0  # FigureWidgets created (tests read it)
        self.front_end_ready = False  # the browser has drawn the figure (see the module docstring)
        self.renewed = 0  # widgets replaced because the browser stopped answering (tests read it)
        self._retired: list[go.FigureWidget] = []
        self._unanswered_since: float | None = None  # first edit the browser has not answered
        self._clock: Callable[[], float] = time.monotonic
        self._call_later: Callable[[float, Callable[[], None]], Any] | None = None  # tests set it

    def fits(self, fig: go.Figure) -> bool:
        """Whether ``fig`` can be drawn in the current widget (its traces' types fit)."""
        if self.widget is None or len(fig.data) > len(self.widget.data):
            return False
        return all(mine.type == new.type for mine, new in zip(self.widget.data, fig.data, strict=False))

    def show(self, fig: go.Figure) -> go.FigureWidget:
        """Draw ``fig``: in place when it fits, else in a new widget."""
        if not self.fits(fig):
            return self._create(fig)
        if self._stalled():
            return self._renew(fig)
        w = self.widget
        new = list(fig.data)
        before = self._edit_ids()
        with w.batch_update():
            for i, mine in enumerate(w.data):
                old = mine.to_plotly_json()
                if i < len(new):
                    mine.update(_replacement(old, new[i].to_plotly_json()), overwrite=True)
                elif old.get("visible") is not False or len(old) > 4:  # not yet an empty, hidden trace
                    mine.update(_replacement(old, _hidden(mine.type)), overwrite=True)
            w.layout.update(_replacement(w.layout.to_plotly_json(), fig.layout.to_plotly_json()),
                            overwrite=True)
        self.updates += 1
        self._sync_state()
        self._sent(before)
        return w

    def _create(self, fig: go.Figure) -> go.FigureWidget:
        old = self.widget
        if old is not None:
            # keep the replaced widget alive: if Python collected it while the page was still
            # initialising its model, anywidget reports "Failed to initialize model"
            self._retired.append(old)
        padded = go.Figure(fig)
        for _ in range(self.spare):
            padded.add_trace(go.Scatter(visible=False, showlegend=False))
        w = _FigureWidget(padded)
        w.add_class(self.css)
        if self.full_width:
            w.add_class("dx-full-width")
        w.observe(self._front_end_answered, names=["_js2py_traceDeltas", "_js2py_restyle", "_js2py_relayout",
                                                    "_js2py_update"])
        if self.on_shapes is not None:
            w.layout.on_change(lambda layout, shapes: self.on_shapes(shapes), "shapes")
        self.widget = w
        self.front_end_ready = False
        self._unanswered_since = None
        self.created += 1
        self.box.children = [w]
        return w

    @contextlib.contextmanager
    def batch(self) -> Iterator[go.FigureWidget]:
        """Mutate the live widget's traces/layout directly, sent as one message."""
        if self.widget is None:
            raise RuntimeError("FigureSlot.batch() before the first show(): nothing to update")
        if self._stalled():  # edit a copy of the current figure, drawn in a new widget below
            renewed = self._current()
            yield renewed
            self._renew(renewed)
            return
        before = self._edit_ids()
        with self.widget.batch_update():
            yield self.widget
        self.updates += 1
        self._sync_state()
        self._sent(before)

    def _front_end_answered(self, change: dict) -> None:
        if change["new"] is not None:
            self.front_end_ready = True
            self._unanswered_since = None

    # -- a browser that stopped answering ---------------------------------------------------------
    def _edit_ids(self) -> tuple[int, int]:
        return (self.widget._last_trace_edit_id, self.widget._last_layout_edit_id)

    def _sent(self, before: tuple[int, int]) -> None:
        """An edit went out (plotly numbers each one): wait for the browser's answer, and look
        again after :data:`STALL_SECONDS` even if no later figure comes."""
        if self.front_end_ready and self._edit_ids() != before and self._unanswered_since is None:
            self._unanswered_since = self._clock()
            call_later = self._call_later or _kernel_call_later()
            if call_later is not None:
                call_later(STALL_SECONDS + 0.5, self._check_stall)

    def _check_stall(self) -> None:
        """Still unanswered: draw the current figure in a new widget."""
        if self.widget is not None and self._stalled():
            self._renew(self._current())

    def _stalled(self) -> bool:
        """Whether the browser, which answered every edit before, has left one unanswered for
        :data:`STALL_SECONDS`: its figure no longer follows the kernel (a view that stopped
        applying updates, whatever the cause), so the next figure goes to a new widget, drawn
        from the full state."""
        since = self._unanswered_since
        return since is not None and self._clock() - since >= STALL_SECONDS

    def _current(self) -> go.Figure:
        """A copy of the widget's figure without its unused spare traces (``_create`` adds them)."""
        fig = go.Figure(self.widget)
        while len(fig.data) > 1 and _empty_spare(fig.data[-1]):
            fig.data = fig.data[:-1]
        return fig

    def _renew(self, fig: go.Figure) -> go.FigureWidget:
        """Draw ``fig`` in a new widget because the browser stopped answering the old one."""
        self.renewed += 1
        return self._create(fig)

    def _sync_state(self) -> None:
        """Keep the full-state traits current: sent until the browser has drawn the figure,
        silently afterwards (see the module docstring)."""
        w = self.widget
        w._trait_values["_widget_data"] = w._data
        w._trait_values["_widget_layout"] = w._layout_obj._props
        if not self.front_end_ready:
            w.send_state(["_widget_data", "_widget_layout"])
