"""Bring the pages of this kernel to rest for a static snapshot (``explorer-app --export``).

A snapshot stores the widgets' state once the notebook has run, so everything it should show
must exist by then: :func:`settle` (run by the exporter as a last, hidden cell) opens every tab
of every page built in the kernel (a tab builds and draws itself when first opened), waits until
the background work this started has finished and its results are on the page, presses each
tab's buttons of class :data:`~explorer.ui.widgets.controls.RUN_CLASS` (optional studies the live
page runs on request), and takes the "copy link" bar off each page (nothing answers it without a
kernel). The first tab is open again at the end. A plotly figure shown as output in an
``Output`` widget (the distillation lab's :class:`~explorer.ui.distill.figure_out.OutputFigure`)
is put into a FigureWidget, with the same CSS classes, in its place: the snapshot's widget
manager draws FigureWidgets but has no renderer for plotly's output mimetype (``serving.md``,
row 17).

The notebook executor stores only the widget messages sent while one of its cells runs; a change
made later, from the kernel's event loop (a background fit's result), is sent outside any cell and
lost, and a widget created then is missing from the snapshot altogether. So the exporter starts the
kernel with :data:`~explorer.ui.widgets.tasks.INLINE_ENV` set: every runner works inline, in the
cell that asked for the work (the page's cell, or this one). :func:`settle` is still a coroutine
that waits for idle runners (awaited: ``await settle()``), so it also works in a live kernel.
"""

from __future__ import annotations

import asyncio
import time

import ipywidgets as W
import plotly.graph_objects as go

from explorer.ui.widgets.controls import RUN_CLASS
from explorer.ui.widgets.figure import FigureSlot
from explorer.ui.widgets.links import live_links
from explorer.ui.widgets.tasks import busy_runners

__all__ = ["figures_out_of_outputs", "settle"]

PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"


def _plotly_output(widget: W.Widget) -> dict | None:
    """The plotly figure (data, layout) an ``Output`` widget shows, if it shows exactly one."""
    if not isinstance(widget, W.Output) or len(widget.outputs) != 1:
        return None
    return widget.outputs[0].get("data", {}).get(PLOTLY_MIMETYPE)


def figures_out_of_outputs(root: W.Widget) -> int:
    """Replace, under ``root``, every ``Output`` that shows one plotly figure by a FigureWidget of
    that figure (same CSS classes and layout); return how many were replaced."""
    replaced = 0
    children = getattr(root, "children", None)
    if not children:
        return 0
    new = []
    for child in children:
        fig = _plotly_output(child)
        if fig is None:
            replaced += figures_out_of_outputs(child)
            new.append(child)
            continue
        classes = list(child._dom_classes) or ["dx-figure"]
        slot = FigureSlot(css=classes[0], full_width=True)
        widget = slot.show(go.Figure({"data": fig.get("data", []), "layout": fig.get("layout", {})}))
        for css in classes[1:]:
            widget.add_class(css)
        slot.box.layout = child.layout
        new.append(slot.box)
        replaced += 1
    if replaced:
        root.children = tuple(new)
    return replaced


def _run_buttons(root: W.Widget) -> list[W.Button]:
    """The enabled buttons of class :data:`RUN_CLASS` under ``root``, in page order."""
    found = []
    if isinstance(root, W.Button) and RUN_CLASS in root._dom_classes and not root.disabled:
        found.append(root)
    for child in getattr(root, "children", ()) or ():
        found += _run_buttons(child)
    return found


async def _idle(deadline: float, poll: float) -> None:
    """Wait until no runner is busy at two polls in a row (a callback may submit more work)."""
    calm = 0
    while calm < 2:
        await asyncio.sleep(poll)
        busy = busy_runners()
        calm = 0 if busy else calm + 1
        if busy and time.monotonic() > deadline:
            raise TimeoutError(f"the page's background work did not finish in time: {', '.join(busy)} "
                               "still running (explorer-app --export --timeout SECONDS allows more)")


async def settle(timeout: float = 600.0, poll: float = 0.2) -> int:
    """Open every tab of every page of this kernel and wait for their work; return the number of
    tabs drawn.

    Parameters
    ----------
    timeout : float
        Seconds, in all, for the pages' background work; ``TimeoutError`` names what still runs.
    poll : float
        Seconds between two looks at the runners.
    """
    if not timeout > 0:
        raise ValueError(f"parameter 'timeout' must be > 0, got {timeout!r}")
    deadline = time.monotonic() + timeout
    drawn = 0
    for link in live_links():
        link.remove()
        tabs = link.tabs
        await _idle(deadline, poll)
        if tabs is None or not tabs.children:
            continue
        first = tabs.selected_index or 0
        for i in range(len(tabs.children)):
            tabs.selected_index = i
            await _idle(deadline, poll)
            for button in _run_buttons(tabs.children[i]):
                button.click()
                await _idle(deadline, poll)
            drawn += 1
        tabs.selected_index = first
        await _idle(deadline, poll)
        if link.box is not None:
            figures_out_of_outputs(link.box)
    await _idle(deadline, poll)
    return drawn
