"""Static, offline snapshots of the app's pages: ``explorer-app --export DIR``.

Each notebook is executed in a fresh kernel, every tab of its page opened and its background work
awaited (:func:`explorer.ui.snapshot.settle`, run as a last cell that is then dropped), and the
widgets' state stored in the notebook (``NotebookClient.store_widget_state``). nbconvert's HTML
exporter then writes one standalone page per notebook, with the code hidden and the JavaScript that
draws the widgets taken from ``vendor/`` beside it — require.js, the Jupyter widgets' HTML manager
and anywidget, shipped with this package (``explorer/static/vendor/README.md``) — never from a CDN,
so the pages open from a USB stick or a course's file server with no network.

A snapshot has no kernel: the figures, tables and controls show the state they were exported in,
and moving a control recomputes nothing. A banner at the top of every page says so and points to
the live app. Links between pages point to the exported ``.html`` files; a link's query (a view's
configuration, e.g. a claim's) needs the live app and is dropped.

Why this recipe: ``/work/shared/reference/serving.md`` rows 16-17 (nbconvert's default HTML loads
require.js, MathJax and the widget manager from CDNs and renders nothing offline; with the
scripts hosted locally, FigureWidgets and images render).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from explorer.ui.widgets.tasks import INLINE_ENV

__all__ = ["BANNER_CLASS", "VENDOR", "ExportedPage", "clean_widget_state", "export", "rewrite_links"]

#: The vendored JavaScript copied beside the pages.
VENDOR = Path(__file__).resolve().parent / "static" / "vendor"
#: Where html-manager's CSS looks for its Font Awesome fonts, relative to the page (webpack
#: resolves them against the AMD module's name, ``@jupyter-widgets/html-manager/dist/``; one
#: ``@font-face`` rule resolves one directory up).
FONT_DIRS = ("@jupyter-widgets/html-manager/dist", "@jupyter-widgets")
BANNER_CLASS = "dx-snapshot-banner"
LIVE_APP_HINT = (
    "python3.11 -m venv .venv && .venv/bin/pip install -c constraints.txt -e . && .venv/bin/explorer-app")

_SETTLE_CELL = (
    "from explorer.ui.snapshot import settle as _dx_settle\n_ = await _dx_settle(timeout={timeout!r})")
_REQUIRE_CONFIG = '<script>require.config({paths: {"anywidget": "vendor/anywidget/index"}});</script>'
_BANNER = (
    "<div class='{cls}' style='background:#fff4ce;border:1px solid #e0b400;border-radius:6px;"
    "padding:8px 12px;margin:4px 0 10px 0;font-size:14px'>"
    "<b>Snapshot, not live.</b> This page was exported on {date} with <code>explorer-app --export</code>: "
    "the plots and numbers are those of its default view, moving a control recomputes nothing, and "
    "links open the other pages' snapshots in their default view. "
    "For the interactive app, run <code>{hint}</code> in a checkout of Divergence Explorer.</div>"
)


@dataclass(frozen=True)
class ExportedPage:
    """One exported page: the notebook, the HTML file, its size in bytes and the seconds it took."""

    notebook: Path
    html: Path
    bytes: int
    seconds: float


def rewrite_links(text: str, pages: Sequence[str]) -> str:
    """Point links to the notebooks ``pages`` (stems, e.g. ``02_mode_seeking``) at their exported
    ``.html`` files, dropping any query (``02_mode_seeking.ipynb?tab=alpha`` → ``02_mode_seeking.html``).

    Only relative links of the form ``<stem>.ipynb`` are touched (the index's cards and claims);
    in the widget state they are inside JSON strings, so the pattern stops at quotes and
    backslashes.
    """
    if not pages:
        return text
    names = "|".join(re.escape(p) for p in sorted(pages, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w/.-])({names})\.ipynb(?:\?[^'\"\\\s<>]*)?")
    return pattern.sub(lambda m: f"{m.group(1)}.html", text)


def _resolves(state: dict, path: Sequence) -> bool:
    """Whether ``path`` (a binary buffer's place in a widget's state) leads to a container."""
    node = state
    for step in path[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return False
        if node is None:
            return False
    return isinstance(node, dict | list)


def clean_widget_state(state: dict) -> int:
    """Drop, in place, what a widget state stored by the executor has but a page must not load;
    return how many buffers were dropped.

    plotly's FigureWidget sends each edit as a one-shot message trait (``_py2js_update``…) with
    its arrays as binary buffers, then resets the trait to null. The executor keeps the latest
    state *and* the buffers of every message, so a buffer can point into a trait that is null by
    now; the widget manager then fails on the whole model ("Cannot read properties of null") and
    every model that refers to it ("widget model not found"). The figure's full state
    (``_widget_data``/``_widget_layout``) is what draws it, so the message traits are emptied and
    buffers that lead nowhere dropped.
    """
    dropped = 0
    for model in state.get("state", {}).values():
        values = model.get("state", {})
        for key in list(values):
            if key.startswith(("_py2js_", "_js2py_")):
                values[key] = None
        buffers = model.get("buffers")
        if buffers:
            keep = [b for b in buffers if _resolves(values, b["path"])]
            dropped += len(buffers) - len(keep)
            model["buffers"] = keep
    return dropped


def _execute(notebook: Path, timeout: float) -> object:
    """The notebook, executed with the pages settled and the widget state stored."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_SETTLE_CELL.format(timeout=float(timeout))))
    client = NotebookClient(
        nb,
        timeout=int(timeout) + 60,
        kernel_name="python3",
        allow_errors=False,
        store_widget_state=True,
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    os.environ[INLINE_ENV] = "1"  # the kernel inherits it: work happens inside the cells (snapshot.py)
    try:
        client.execute()
    finally:
        os.environ.pop(INLINE_ENV, None)
    nb.cells.pop()  # the settle cell: it printed nothing, and the page should not show it
    clean_widget_state(nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}))
    return nb


def _to_html(nb: object, date: str, pages: Sequence[str]) -> str:
    import nbformat
    from nbconvert import HTMLExporter

    banner = nbformat.v4.new_markdown_cell(_BANNER.format(cls=BANNER_CLASS, date=html.escape(date),
                                                          hint=html.escape(LIVE_APP_HINT)))
    nb.cells.insert(0, banner)
    exporter = HTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        require_js_url="vendor/require.js",
        widget_renderer_url="vendor/embed-amd.js",
        mathjax_url="",
    )
    body, _ = exporter.from_notebook_node(nb)
    tag = re.search(r"<script[^>]*src=\"vendor/require\.js\"[^>]*></script>", body)
    if tag is None:
        raise RuntimeError("nbconvert's HTML has no vendor/require.js script tag; the template changed")
    body = body[: tag.end()] + "\n" + _REQUIRE_CONFIG + body[tag.end():]
    return rewrite_links(body, pages)


def export(out_dir: str | Path, notebooks_dir: str | Path, *, pages: Sequence[str] | None = None,
           timeout: float = 900.0, log: Callable[[str], None] | None = None) -> list[ExportedPage]:
    """Write an offline snapshot of the app to ``out_dir``: one ``<notebook>.html`` per page,
    ``index.html`` (a copy of the index page's), and ``vendor/``.

    Parameters
    ----------
    out_dir : str or Path
        Created if missing; existing files of the same names are replaced.
    notebooks_dir : str or Path
        The app's notebooks (``explorer.app.find_notebooks_dir()``).
    pages : sequence of str, optional
        Notebook stems to export (``["00_index", "03_kde"]``); default all ``*.ipynb``.
        Links to pages not exported are left as they are.
    timeout : float
        Seconds each page may take (its cells and its background work).
    log : callable, optional
        Progress lines (default: printed to stderr).
    """
    say = log if log is not None else (lambda line: print(line, file=sys.stderr, flush=True))
    if not timeout > 0:
        raise ValueError(f"parameter 'timeout' must be > 0, got {timeout!r}")
    notebooks_dir = Path(notebooks_dir)
    available = {p.stem: p for p in sorted(notebooks_dir.glob("*.ipynb"))}
    if not available:
        raise FileNotFoundError(f"no notebooks in {notebooks_dir}")
    chosen = list(available) if pages is None else list(dict.fromkeys(pages))
    unknown = [p for p in chosen if p not in available]
    if unknown:
        raise ValueError(f"parameter 'pages': no notebook named {', '.join(unknown)} in {notebooks_dir}; "
                         f"choose from {', '.join(available)}")
    if not chosen:
        raise ValueError("parameter 'pages' is empty: nothing to export")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(VENDOR, out / "vendor", dirs_exist_ok=True, ignore=shutil.ignore_patterns("fonts"))
    for where in FONT_DIRS:  # where the widget manager's CSS looks for Font Awesome (its icons)
        shutil.copytree(VENDOR / "fonts", out / where, dirs_exist_ok=True)
    date = time.strftime("%Y-%m-%d")
    done = []
    for k, stem in enumerate(chosen, 1):
        say(f"[{k}/{len(chosen)}] {stem}: running the page and opening its tabs …")
        start = time.monotonic()
        nb = _execute(available[stem], timeout)
        page = out / f"{stem}.html"
        page.write_text(_to_html(nb, date, chosen), encoding="utf-8")
        seconds = time.monotonic() - start
        done.append(ExportedPage(available[stem], page, page.stat().st_size, seconds))
        say(f"[{k}/{len(chosen)}] {stem}: {page} ({page.stat().st_size / 1e6:.1f} MB, {seconds:.1f} s)")
    first = done[0].html
    index = out / "00_index.html" if (out / "00_index.html").exists() else first
    shutil.copyfile(index, out / "index.html")
    say(f"snapshot of {len(done)} page(s) in {out}: open {out / 'index.html'} in a browser (works offline)")
    return done
