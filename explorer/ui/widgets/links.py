"""Links that open a view: a page's control values in its URL's query string, and back.

Every page declares its controls once, in :class:`~explorer.ui.widgets.Controls`; this module
turns them into a query string (:func:`view_query`: only the controls that differ from the value
they were declared with, plus the open tab) and applies a query string to them
(:func:`apply_query`). :class:`ViewLink` is the page's "Copy link to this view" control: its
browser side reads the address bar's query once when the page opens and sends it to the kernel,
which applies it; afterwards the address bar follows the view (``history.replaceState``), and the
button copies the link. Unknown names, values of the wrong type and values outside a control's
range are skipped with a visible note; the control keeps its default. A new lab gets links by
declaring its controls and adding ``ViewLink(controls, tabs)`` to its page.

Why the browser sends the query: Voila hands a preheated kernel the request's query string only
through ``voila.utils.get_query_string()``, which blocks the notebook's cell until a visitor comes
-- and Voila's execution timeout (``VoilaExecutor.timeout``) stops a cell blocked for longer, so a
pooled kernel waiting two minutes for its visitor would show an error page instead.
"""

from __future__ import annotations

import contextlib
import html
import itertools
import math
import re
import weakref
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode

import anywidget
import ipywidgets as W
import traitlets

from explorer.ui.widgets.controls import Controls

__all__ = ["RESERVED", "TAB", "ViewLink", "apply_query", "live_links", "view_query"]

#: The query key of the open tab (a slug of its title).
TAB = "tab"
#: Voila's own query arguments: kept in the address bar, never read as controls.
RESERVED = ("voila-template", "voila-theme", "template", "theme", "token")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_LIVE: weakref.WeakSet = weakref.WeakSet()  # every ViewLink of this kernel (its pages)
_SERIAL = itertools.count()


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _tab_titles(tabs: W.Tab) -> list[str]:
    titles = list(getattr(tabs, "titles", ()) or ())
    return [_slug(titles[i] if i < len(titles) and titles[i] else str(i)) for i in range(len(tabs.children))]


def _is_selection(widget: W.Widget) -> bool:
    return hasattr(widget, "_options_labels") and hasattr(widget, "_options_values")


def _encode(widget: W.Widget, value: Any) -> list[str]:
    """The query values of ``value`` (a list: tuples repeat the key; an empty tuple is ``[""]``)."""
    if isinstance(value, (tuple, list)):
        return [_encode_atom(widget, v) for v in value] or [""]
    return [_encode_atom(widget, value)]


def _encode_atom(widget: W.Widget, value: Any) -> str:
    if _is_selection(widget) and not isinstance(value, str):
        values = list(widget._options_values)
        if value in values:  # an object option (a preset, a registry entry): its label
            return str(widget._options_labels[values.index(value)])
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _numeric_range(widget: W.Widget) -> tuple[float, float] | None:
    lo, hi = getattr(widget, "min", None), getattr(widget, "max", None)
    if lo is None or hi is None:
        return None
    if isinstance(widget, W.FloatLogSlider):
        return widget.base ** lo, widget.base ** hi
    return float(lo), float(hi)


def _decode_atom(widget: W.Widget, text: str, example: Any) -> Any:
    """``text`` as a value for ``widget`` (``example``: a value of the right type); ValueError
    with a reader's reason otherwise."""
    if _is_selection(widget):
        values, labels = list(widget._options_values), [str(x) for x in widget._options_labels]
        for value in values:
            if _encode_atom(widget, value) == text:
                return value
        if text in labels:
            return values[labels.index(text)]
        shown = ", ".join(labels[:6]) + (", …" if len(labels) > 6 else "")
        raise ValueError(f"is not one of the choices ({shown})")
    if isinstance(example, bool):
        low = text.strip().lower()
        if low in _TRUE or low in _FALSE:
            return low in _TRUE
        raise ValueError("is not on/off (use 1 or 0)")
    if isinstance(example, (int, float)):
        try:
            number = int(text) if isinstance(example, int) else float(text)
        except ValueError:
            raise ValueError("is not a number") from None
        if not math.isfinite(number):
            raise ValueError("is not a finite number")
        bounds = _numeric_range(widget)
        if bounds is not None:
            lo, hi = bounds
            slack = 1e-9 * max(1.0, abs(lo), abs(hi))
            if not lo - slack <= number <= hi + slack:
                raise ValueError(f"is outside {lo:.4g} – {hi:.4g}")
            number = type(number)(min(max(number, lo), hi))
        return number
    if isinstance(example, str):
        return text
    raise ValueError(f"cannot be set from a link ({type(widget).__name__})")


def _decode(widget: W.Widget, texts: list[str]) -> Any:
    current = widget.value
    if isinstance(current, (tuple, list)):
        if texts == [""]:
            texts = []
        example = current[0] if current else (
            widget._options_values[0] if _is_selection(widget) and widget._options_values else "")
        value = tuple(_decode_atom(widget, t, example) for t in texts)
        if not _is_selection(widget) and len(value) != len(current):
            raise ValueError(f"needs {len(current)} values")
        if value and not _is_selection(widget) and list(value) != sorted(value):
            raise ValueError("is not in increasing order")
        return value
    if len(texts) != 1:
        raise ValueError("is given more than once")
    return _decode_atom(widget, texts[0], current)


def _linkable(widget: W.Widget) -> bool:
    value = widget.value
    if _is_selection(widget):
        return True
    atoms = value if isinstance(value, (tuple, list)) else (value,)
    return all(isinstance(v, (bool, int, float, str)) for v in atoms)


def _same(a: Any, b: Any) -> bool:
    """Equal, or floats that differ only by rounding (a slider snapping 0.7 to 0.7000000000000001)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def live_links() -> list[ViewLink]:
    """The :class:`ViewLink` of every page built in this kernel (one per page), oldest first."""
    return sorted(_LIVE, key=lambda link: link.serial)


def view_query(controls: Controls, tabs: W.Tab | None = None,
               baseline: Mapping[str, tuple[W.Widget, Any]] | None = None,
               touched: Collection[str] = ()) -> str:
    """The query string of the view: the open tab (if not the first) and every linkable control
    that was ``touched`` or whose value differs from its baseline, in declaration order.

    ``baseline`` maps names to ``(widget, value)`` (the page as first built, see :class:`ViewLink`);
    a control not in it, or now another widget, is compared with the value it was declared with.
    ``touched`` names controls changed since (by the visitor or by another control, as a preset
    sets sliders): they are kept even when back at their default, because applying the link sets
    controls in order and an earlier one may move them again.
    """
    baseline = baseline or {}
    pairs: list[tuple[str, str]] = []
    if tabs is not None and tabs.selected_index:
        pairs.append((TAB, _tab_titles(tabs)[tabs.selected_index]))
    for name, widget in controls.items():
        base_widget, base_value = baseline.get(name, (None, None))
        default = base_value if base_widget is widget else controls.default(name)
        if not _linkable(widget) or (_same(widget.value, default) and name not in touched):
            continue
        pairs += [(name, text) for text in _encode(widget, widget.value)]
    return urlencode(pairs)


def apply_query(controls: Controls, query: str, tabs: W.Tab | None = None) -> list[str]:
    """Set the controls named in ``query`` (a URL query string, with or without ``?``); return
    notes on what was skipped and why (empty: everything applied).

    The tab is opened first (a lab may declare a tab's controls when it opens), then controls in
    declaration order, so a family dropdown is set before the sliders it creates; names that
    appear only after an earlier control changed are picked up too. A value that cannot be used
    leaves the control at its default; nothing here raises for a visitor's link.
    """
    wanted = parse_qs(query.lstrip("?"), keep_blank_values=True)
    for key in RESERVED:
        wanted.pop(key, None)
    notes: list[str] = []
    if TAB in wanted:
        texts = wanted.pop(TAB)
        titles = _tab_titles(tabs) if tabs is not None else []
        if texts[-1] in titles:
            tabs.selected_index = titles.index(texts[-1])
        else:
            notes.append(f"tab “{texts[-1]}” does not exist here" + (
                f" (tabs: {', '.join(titles)})" if titles else ""))
    with contextlib.ExitStack() as held:
        # one message per widget with its final state: a slider that saw an intermediate value
        # (a preset's default) would echo it back snapped to its grid after the link's value
        for widget in {id(w): w for _, w in controls.items()}.values():
            held.enter_context(widget.hold_sync())
        _apply_values(controls, wanted, notes)
    notes += [f"“{name}” is not a control of this page" for name in wanted]
    return notes


def _apply_values(controls: Controls, wanted: dict[str, list[str]], notes: list[str]) -> None:
    progress = True
    while wanted and progress:
        progress = False
        for name in controls.names():
            if name not in wanted:
                continue
            texts = wanted.pop(name)
            widget = controls[name]
            if not _linkable(widget):
                notes.append(f"“{name}” cannot be set from a link")
                continue
            try:
                value = _decode(widget, texts)
            except ValueError as exc:
                notes.append(f"“{name}={', '.join(texts)}” {exc}; kept {_shown(widget)}")
                continue
            try:
                widget.value = value
            except Exception as exc:  # a widget's own validation (traitlets.TraitError, …)
                notes.append(f"“{name}={', '.join(texts)}” was refused ({exc}); kept {_shown(widget)}")
                continue
            progress = True
            break  # names may have changed (a group rebuilt): scan again from the start


def _shown(widget: W.Widget) -> str:
    return ", ".join(_encode(widget, widget.value)) or "none"


LINK_ESM = """
function url(model) {
  const keep = new URLSearchParams();
  for (const [k, v] of new URLSearchParams(location.search)) {
    if (model.get("reserved").includes(k)) keep.append(k, v);
  }
  const own = model.get("query");
  const query = [keep.toString(), own].filter((s) => s).join("&");
  return location.origin + location.pathname + (query ? "?" + query : "") + location.hash;
}
async function settled() {  // the page's widget count unchanged for 300 ms (at most 5 s)
  let last = -1, still = 0;
  for (let i = 0; i < 50 && still < 3; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const n = document.querySelectorAll(".jupyter-widgets").length;
    still = n === last ? still + 1 : 0;
    last = n;
  }
}
function render({ model, el }) {
  el.classList.add("dx-link");
  const button = document.createElement("button");
  button.className = "jupyter-button dx-link-button";
  button.textContent = "Copy link to this view";
  button.style.width = "auto";
  button.style.minWidth = "max-content";
  button.title = "A link that opens this page with the current settings (also in the address bar)";
  const field = document.createElement("input");
  field.readOnly = true;
  field.className = "dx-link-url";
  field.style.display = "none";
  const status = document.createElement("span");
  status.className = "dx-link-status";
  const follow = () => {
    const link = url(model);
    el.dataset.query = model.get("query");
    el.dataset.applied = String(model.get("applied"));
    if (field.style.display !== "none") field.value = link;
    if (model.get("applied")) {
      try { history.replaceState(history.state, "", link); } catch (e) { /* sandboxed frame */ }
    }
  };
  model.on("change:query", follow);
  model.on("change:applied", follow);
  button.addEventListener("click", async () => {
    const link = url(model);
    field.value = link;
    field.style.display = "";
    field.select();
    try {
      await navigator.clipboard.writeText(link);
      status.textContent = "Link copied";
    } catch (e) {
      status.textContent = "Press Ctrl+C to copy the selected link";
    }
  });
  el.append(button, field, status);
  follow();
  if (!model.get("rounds")) {  // the first view of this page: hand its link to the kernel ...
    // ... twice, each time once the page has settled. A slider snaps a value the kernel sends to
    // its step grid and sends it back (0.7 -> 0.7000000000000001); while the link is applied a
    // slider is set twice (a preset's default, then the link's value), and the echo of the first
    // arrives after the second: it would overwrite the link's value. The second round restores it.
    settled().then(() => {
      model.set("page_query", location.search.replace(/^\\?/, ""));
      model.set("rounds", 1);
      model.save_changes();
      const again = () => {
        if (model.get("applied") < 1) return;
        model.off("change:applied", again);
        settled().then(() => { model.set("rounds", 2); model.save_changes(); });
      };
      model.on("change:applied", again);
    });
  }
  return () => { model.off("change:query", follow); model.off("change:applied", follow); };
}
export default { render };
"""

LINK_CSS = """
.dx-link { display: flex; align-items: center; gap: 8px; font-size: 12px; flex: 0 0 auto; }
.dx-link-button { font-size: 12px; width: auto !important; white-space: nowrap; padding: 0 10px; }
.dx-link-url { width: 360px; font-size: 12px; }
.dx-link-status { white-space: nowrap; }
.dx-link-status { color: #555; }
.dx-link-notes { color: #6b4e00; background: #fff8e1; border: 1px solid #f0d98c; border-radius: 4px;
  padding: 4px 8px; font-size: 12px; }
"""


class LinkButton(anywidget.AnyWidget):
    """Browser side of :class:`ViewLink`: the button, the address bar, the page's own query."""

    _esm = LINK_ESM
    _css = LINK_CSS
    query = traitlets.Unicode("").tag(sync=True)
    page_query = traitlets.Unicode("").tag(sync=True)
    rounds = traitlets.Int(0).tag(sync=True)
    applied = traitlets.Int(0).tag(sync=True)
    reserved = traitlets.List(traitlets.Unicode(), list(RESERVED)).tag(sync=True)


class ViewLink:
    """A page's "Copy link to this view" control, and the link it was opened with applied.

    Create it once the page is built: the values at that moment are the page's defaults, which a
    link leaves out. ``widget`` goes on the page (:meth:`place`). The query the page was opened
    with is applied once, when the browser first shows the page; notes on skipped parameters
    appear next to the button. The query then follows every control (:meth:`Controls.observe`
    with ``include_muted``) and tab.
    """

    def __init__(self, controls: Controls, tabs: W.Tab | None = None):
        self.controls = controls
        self.tabs = tabs
        self.button = LinkButton()
        self.note = W.HTML("")
        self.note.add_class("dx-link-note")
        self.widget = W.HBox([self.button, self.note], layout=W.Layout(align_items="center"))
        self.widget.add_class("dx-view-link")
        self.notes: list[str] = []
        self.baseline = {name: (widget, widget.value) for name, widget in controls.items()}
        self.touched: set[str] = set()
        controls.observe(self._changed, include_muted=True)
        if tabs is not None:
            tabs.observe(lambda change: self.refresh(), names="selected_index")
        self.button.observe(self._page_query, names="rounds")
        self.box: W.Box | None = None
        self.refresh()
        self.serial = next(_SERIAL)
        _LIVE.add(self)

    def _changed(self, name: str, change: dict) -> None:
        if not _same(change["old"], change["new"]):  # not a slider's rounding echo
            self.touched.add(name)
        self.refresh()

    def refresh(self) -> None:
        """Recompute the query of the current view."""
        self.button.query = view_query(self.controls, self.tabs, self.baseline, self.touched)

    def place(self, box: W.Box, index: int = 1) -> ViewLink:
        """Put the link bar into ``box`` at ``index`` (after the page's style widget); returns self."""
        children = list(box.children)
        box.children = (*children[:index], self.widget, *children[index:])
        self.box = box
        return self

    def remove(self) -> None:
        """Take the link bar off the page (a static snapshot has no kernel to answer it)."""
        if self.box is not None:
            self.box.children = tuple(c for c in self.box.children if c is not self.widget)

    def apply(self, query: str) -> list[str]:
        """Apply ``query`` to the page (what opening a link does); show and return the notes."""
        self.notes = apply_query(self.controls, query, self.tabs)
        if self.notes:
            items = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
            self.note.value = (
                "<div class='dx-link-notes'><b>Parts of this link were not used</b> (defaults kept):"
                f"<ul style='margin:2px 0 0 0'>{items}</ul></div>")
        else:
            self.note.value = ""
        self.refresh()
        self.button.applied += 1
        return self.notes

    def _page_query(self, change: dict) -> None:
        if change["new"] == 1:
            self.apply(self.button.page_query)
        elif change["new"] == 2:  # the browser has settled: values its echoes overwrote go back
            apply_query(self.controls, self.button.page_query, self.tabs)
            self.refresh()
            self.button.applied += 1
