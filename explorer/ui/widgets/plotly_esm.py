"""plotly's FigureWidget code sent to the browser once per page, not once per figure.

plotly 7's ``FigureWidget`` is an anywidget whose front-end module (``_esm``) is plotly's whole
``widgetbundle.js``: ~5 MB of JavaScript inside every figure's widget state, imported (parsed and
compiled) again for every figure. anywidget gives a model 2 s from its creation to import its
module (``Runtime``: "Failed to initialize model"); a model that misses it still draws, but its
``_handle_comm_msg`` awaits the rejected promise, so **every later update from the kernel is
dropped**: the figure stays frozen at the state it was created with. On a loaded 2-core machine a
5 MB import misses 2 s (seen in the browser tests: a figure created in a callback stayed empty, a
figure stopped following its slider; Chromium with 8x CPU throttling reproduces it).

Here the bundle travels once, as the ``source`` text of one :class:`PlotlyBundle` widget per kernel
(one kernel per page in Voila). Each figure's module (:data:`FIGURE_ESM`, under 2 kB) imports at
once, so its model is initialised well inside the 2 s. The bundle is imported only when a figure
is first drawn (after the models of the page exist), once per page, and its widget factory is
shared by every figure. Until a figure has been drawn, the kernel's changes reach it as full state
(:class:`~explorer.ui.widgets.FigureSlot` sends ``_widget_data``/``_widget_layout`` until the
browser answers), so nothing sent while the bundle loads is lost.
"""

from __future__ import annotations

import functools
import uuid
from pathlib import Path

import anywidget
import plotly
import traitlets

__all__ = ["BUNDLE", "FIGURE_ESM", "PlotlyBundle", "bundle", "new_key"]

BUNDLE = Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"

FIGURE_ESM = """
const shared = (globalThis.__dxPlotly ??= { factory: null, models: new Map(), impls: new Map() });
function factory(model) {  // plotly's widget factory, from the page's one copy of the bundle
  shared.factory ??= (async () => {
    const holder = await model.widget_manager.get_model(model.get("_dx_bundle"));
    const url = URL.createObjectURL(new Blob([holder.get("source")], { type: "text/javascript" }));
    try { return (await import(url)).default; } finally { URL.revokeObjectURL(url); }
  })();
  return shared.factory;
}
function impl(key) {  // plotly's model code for one figure, initialised on its first drawing
  if (!shared.impls.has(key)) {
    const model = shared.models.get(key);
    shared.impls.set(key, factory(model).then((make) => {
      const it = make();
      it.initialize({ model });
      return it;
    }));
  }
  return shared.impls.get(key);
}
export default {
  initialize({ model }) { shared.models.set(model.get("_dx_key"), model); },
  render({ model, el }) {
    let dispose = null;
    let gone = false;
    impl(model.get("_dx_key")).then((it) => { if (!gone) dispose = it.render({ model, el }); });
    return () => { gone = true; if (typeof dispose === "function") dispose(); };
  },
};
"""


class PlotlyBundle(anywidget.AnyWidget):
    """Carries plotly's widget bundle to the page as data (never displayed)."""

    _esm = "export default {};"
    source = traitlets.Unicode("").tag(sync=True)


_bundle: PlotlyBundle | None = None


def bundle() -> PlotlyBundle:
    """This kernel's bundle widget, created on first use (and again if it was closed, e.g. by
    ``ipywidgets.Widget.close_all()``)."""
    global _bundle
    if _bundle is None or _bundle.comm is None:
        _bundle = PlotlyBundle(source=_source())
    return _bundle


@functools.cache
def _source() -> str:
    return BUNDLE.read_text(encoding="utf-8")


def new_key() -> str:
    """A key naming one figure's model in the page's registry (a model's proxies differ per call)."""
    return uuid.uuid4().hex
