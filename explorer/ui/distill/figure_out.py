"""A figure shown as a plain plotly figure in an ``Output`` and redrawn whole on every change.

The lab's figures are updated from background work (students and frontiers streaming in while the
page loads). On this project's stack (plotly 7 FigureWidget on anywidget, Voila 0.5) such updates
were seen to stop reaching the browser for the rest of the session — the view kept the state it
was created with while the kernel's figure moved on (reproduced with three FigureWidgets updated
from a :class:`~explorer.ui.widgets.LatestRunner` under load: some froze, some not, at random).
An ``Output`` holding a ``go.Figure`` has no browser-side model to fall out of step: each change
sends the whole figure (tens of kB here). It has :class:`~explorer.ui.widgets.FigureSlot`'s
interface (``box``, ``widget``, ``show``, ``batch``, ``updates``), so the plot modules serve both.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import ipywidgets as W
import plotly.graph_objects as go

__all__ = ["OutputFigure"]

CONFIG = {"displaylogo": False}
MIMETYPE = "application/vnd.plotly.v1+json"


class OutputFigure:
    """``box`` (an ``Output`` with CSS class ``css``) shows ``widget``, the current ``go.Figure``."""

    def __init__(self, css: str):
        self.css = css
        self.box = W.Output(layout=W.Layout(width="100%"))
        self.box.add_class(css)
        self.widget: go.Figure | None = None
        self.updates = 0  # figures drawn after the first (tests read it)

    def _render(self) -> None:
        """Replace the Output's content by the figure (plotly's mimetype, drawn by the jupyterlab-plotly
        renderer): set as the widget's outputs, which works from any callback, not only a cell's."""
        data = json.loads(self.widget.to_json())
        data["config"] = CONFIG
        self.box.outputs = (
            {
                "output_type": "display_data",
                "metadata": {},
                "data": {MIMETYPE: data, "text/plain": "<plotly figure>"},
            },
        )

    def show(self, fig: go.Figure) -> go.Figure:
        """Draw ``fig`` (it becomes ``widget``)."""
        first = self.widget is None
        self.widget = fig if isinstance(fig, go.Figure) else go.Figure(fig)
        self._render()
        if not first:
            self.updates += 1
        return self.widget

    @contextlib.contextmanager
    def batch(self) -> Iterator[go.Figure]:
        """Mutate ``widget`` in the block; it is redrawn once at the end."""
        if self.widget is None:
            raise RuntimeError("OutputFigure.batch() before the first show(): nothing to update")
        with self.widget.batch_update():
            yield self.widget
        self._render()
        self.updates += 1
