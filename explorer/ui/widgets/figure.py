"""The one way of drawing a plotly figure on a page: :class:`FigureSlot`.

A slot owns one ``go.FigureWidget``, created on the first :meth:`FigureSlot.show` *with* that
figure's data and never replaced: every later figure is applied to it in place — traces of the
same type updated in one ``batch_update()``, surplus traces deleted, new ones added, the layout
replaced — so a page pays the ~5 MB plotly bundle once per slot, and a figure the visitor is
dragging on is never swapped under the mouse.

The widget is created with its comm opened only once the figure is in it
(:class:`_FigureWidget`): plotly opens the comm with an empty figure and sends the data and
layout in later messages, and a view created in between (the front end builds the model
asynchronously) draws an empty plot that never updates — which happened to figures created in a
callback after the page was shown (a tab drawn when first opened), about one time in two here.

Each change also refreshes the widget's full-state traits (``_widget_data``/``_widget_layout``):
plotly only refreshes them when a FigureWidget is displayed by itself, so a figure living inside a
box and updated before the browser had created its view (a kernel still rendering the page, a fit
arriving before the first frame) would otherwise come up with the data it was created with. Until
a view has reported that it drew the figure (plotly's views answer every render with
``_js2py_traceDeltas``), the refreshed state is also *sent*: the update messages themselves only
reach views that exist, and a view drawn later reads the browser's copy of the state — otherwise
the creation-time one (a tab opened while its first results stream in showed its empty figure).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import ipywidgets as W
import plotly.graph_objects as go

__all__ = ["FigureSlot"]

_KEEP = ("type", "uid")


class _FigureWidget(go.FigureWidget):
    """A FigureWidget whose comm opens after its figure is set, so the front end's model (and
    every view of it) starts with the data and the layout (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any):
        self._dx_hold = True
        super().__init__(*args, **kwargs)
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


class FigureSlot:
    """A box holding one plotly FigureWidget that every later figure updates in place.

    Parameters
    ----------
    css : str
        CSS class of the FigureWidget (tests and screenshots select it).
    on_shapes : callable, optional
        Called with the layout's shapes after the visitor edits one (editable shapes).
    """

    def __init__(self, css: str, on_shapes: Callable[[Any], None] | None = None):
        self.css = css
        self.on_shapes = on_shapes
        self.box = W.Box([], layout=W.Layout(width="100%"))
        self.widget: go.FigureWidget | None = None
        self.updates = 0  # figures applied in place (tests read it)
        self.rendered = False  # a browser view has drawn the figure (see the module docstring)

    def show(self, fig: go.Figure) -> go.FigureWidget:
        """Draw ``fig``: create the widget the first time, else update it in place."""
        if self.widget is None:
            self.widget = _FigureWidget(fig)
            self.widget.add_class(self.css)
            if self.on_shapes is not None:
                self.widget.layout.on_change(lambda layout, shapes: self.on_shapes(shapes), "shapes")
            self.widget.observe(self._view_drew, names="_js2py_traceDeltas")
            self.box.children = [self.widget]
            return self.widget
        w = self.widget
        new = list(fig.data)
        keep = 0
        while keep < min(len(w.data), len(new)) and w.data[keep].type == new[keep].type:
            keep += 1
        if len(w.data) > keep:
            w.data = w.data[:keep]
        with w.batch_update():
            for mine, trace in zip(w.data[:keep], new[:keep], strict=True):
                mine.update(_replacement(mine.to_plotly_json(), trace.to_plotly_json()), overwrite=True)
            w.layout.update(_replacement(w.layout.to_plotly_json(), fig.layout.to_plotly_json()),
                            overwrite=True)
        if len(new) > keep:
            w.add_traces(new[keep:])
        self.updates += 1
        self._sync_state()
        return w

    @contextlib.contextmanager
    def batch(self) -> Iterator[go.FigureWidget]:
        """Mutate the live widget's traces/layout directly, sent as one message."""
        if self.widget is None:
            raise RuntimeError("FigureSlot.batch() before the first show(): nothing to update")
        with self.widget.batch_update():
            yield self.widget
        self.updates += 1
        self._sync_state()

    def _view_drew(self, change: dict) -> None:
        if change.get("new"):
            self.rendered = True

    def _sync_state(self) -> None:
        """Keep the full-state traits current; send them while no view has drawn (module docstring)."""
        w = self.widget
        w._trait_values["_widget_data"] = w._data
        w._trait_values["_widget_layout"] = w._layout_obj._props
        if not self.rendered:
            w.send_state(["_widget_data", "_widget_layout"])
