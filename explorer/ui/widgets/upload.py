"""A visitor's own data for any page that takes a sample: upload a CSV/TSV/text file or paste
numbers, choose the column(s), see a preview with the rows kept and dropped, and hand the
samples to the page. Three modes: one column, two columns, or ``"labelled"`` — a column of class
labels (names or numbers) and feature columns (:mod:`explorer.userdata_labels`).

The content stays in memory (:mod:`explorer.userdata` parses the bytes the browser sent); the
file name is only shown, never used as a path. The upload's copy in the widget is emptied once
it is read. Messages go to an :class:`~explorer.ui.widgets.ErrorBox` next to the controls.

Sizes: :data:`explorer.userdata.MAX_BYTES` (50 MB) and :data:`~explorer.userdata.MAX_ROWS`
(10⁶ rows) are checked by the parser. The file travels to the kernel in one websocket message;
Tornado's default limit for one message is 10 MiB, so the app raises it (voila.json,
``Voila.tornado_settings.websocket_max_message_size`` = 64 MiB) to let any file up to the cap
— and one a little over it — arrive and be answered with the cap's message.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as W
import numpy as np

from explorer.ui.widgets.errors import ErrorBox, log_exception
from explorer.userdata import MAX_BYTES, MAX_ROWS, ParsedTable, SampleReport, column_samples, parse_table
from explorer.userdata_labels import default_features, guess_label, labelled_samples

__all__ = ["ACCEPT", "CSS", "LABELLED", "PREVIEW_COLUMNS", "PREVIEW_ROWS", "DataUpload", "UploadBox"]

ACCEPT = ".csv,.tsv,.txt,.dat,text/csv,text/plain,text/tab-separated-values"
PREVIEW_ROWS = 5
PREVIEW_COLUMNS = 6  # feature columns shown in the labelled preview
LABELLED = "labelled"

CSS = """
<style>
.dx-upload {border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; margin: 4px 0; max-width: 900px;}
.dx-upload .widget-html-content {line-height: 1.4;}
.dx-upload .dx-upload-note {color: #555; font-size: 12px;}  /* as .dx-status, which a page's status
   line alone carries (e2e tests find the status by it) */
.dx-upload-preview table {border-collapse: collapse; font-size: 12.5px; margin-top: 4px;}
.dx-upload-preview th {text-align: right; border-bottom: 2px solid #999; padding: 2px 10px;}
.dx-upload-preview td {text-align: right; border-bottom: 1px solid #e3e3e3; padding: 1px 10px;
  line-height: 1.3;
  font-family: ui-monospace, Menlo, Consolas, monospace;}
.dx-upload-preview .dx-upload-counts {font-size: 12.5px; margin-top: 4px;}
</style>
"""


def _fmt(v: float | str) -> str:
    return html.escape(v) if isinstance(v, str) else f"{v:.6g}"


class UploadBox:
    """The skeleton of an upload box: a file button, a paste box with its *Use* button, an
    :class:`~explorer.ui.widgets.ErrorBox`, the page's own widgets (``extra``) and a preview.

    A subclass implements ``load(content, name, notify)``: read ``content`` (a file's bytes, or
    the pasted text), show it in ``preview`` and hand it to the page, raising ``ValueError`` on
    refusal (shown as "Could not use your <noun>: …", the previous content kept).

    Parameters
    ----------
    help_html : str
        What the box takes, its limits and that the content is never saved (use the
        ``dx-upload-note`` class).
    css : str
        Class prefix for the parts (``<css>-file``, ``-paste``, ``-use``, ``-preview``,
        ``-errors``).
    example : str
        Initial text of the paste box.
    accept, file_label, placeholder, use_label : str
        The file button's accepted types and label, the paste box's placeholder, the button's label.
    noun : str
        What the visitor gives ("data", "text"): messages and the paste's name ("pasted data").
    extra : sequence of widgets
        Shown between the messages and the preview.
    """

    def __init__(self, help_html: str, *, css: str, example: str = "", accept: str = ACCEPT,
                 file_label: str = "Upload CSV…", placeholder: str = "", use_label: str = "Use pasted data",
                 noun: str = "data", extra: Sequence[W.Widget] = ()):
        self.noun = noun
        self.source = ""
        self.errors = ErrorBox()
        self.errors.add_class(f"{css}-errors")
        self.help = W.HTML(help_html)
        self.file = W.FileUpload(accept=accept, multiple=False, description=file_label,
                                 icon="upload", layout=W.Layout(width="160px"))
        self.file.add_class(f"{css}-file")
        self.paste = W.Textarea(value=example, placeholder=placeholder,
                                layout=W.Layout(width="440px", height="64px"))
        self.paste.add_class(f"{css}-paste")
        self.use = W.Button(description=use_label, icon="check", layout=W.Layout(width="150px"))
        self.use.add_class(f"{css}-use")
        self.preview = W.HTML("")
        self.preview.add_class(f"{css}-preview")
        self.preview.add_class("dx-upload-preview")
        self.inputs = W.HBox([self.file, W.HTML("<span class='dx-upload-note'>&nbsp;or&nbsp;</span>"),
                              self.paste, self.use],
                             layout=W.Layout(align_items="center", flex_flow="row wrap"))
        self.widget = W.VBox([W.HTML(CSS, layout=W.Layout(height="0px")), self.help, self.inputs,
                              self.errors, *extra, self.preview])
        self.widget.add_class(css)
        self.widget.add_class("dx-upload")
        self.file.observe(self._on_file, names="value")
        self.use.on_click(lambda _b: self._run(f"reading the pasted {noun}", self._use_paste))

    # -- the visitor's actions ------------------------------------------------------------------
    def _run(self, context: str, fn: Callable[[], Any]) -> None:
        """``fn`` with its ``ValueError`` shown as is (the visitor can act on it), anything else
        politely, with the traceback in the server log."""
        try:
            fn()
        except ValueError as exc:
            self.errors.last = exc
            log_exception(context, exc)
            self.errors.show(f"Could not use your {self.noun}: {exc}.")
        except Exception as exc:
            self.errors.report(exc, context)
        else:
            self.errors.clear()

    def _on_file(self, change: dict) -> None:
        files = change["new"]
        if not files:
            return
        f = files[0]
        name, content = str(f.get("name", "upload")), f.get("content", b"")
        # free the widget's copy (the kernel keeps only what load made of it); no echo to the
        # browser is needed: the visitor can pick the same file again (the input is reset on click)
        self.file.value = ()
        self._run("reading the uploaded file", lambda: self.load(content, name))

    def _use_paste(self) -> None:
        self.load(self.paste.value, f"pasted {self.noun}")

    def use_paste(self, notify: bool = True) -> Any:
        """The paste box's content, as if the visitor pressed *Use* (``ValueError`` on refusal)."""
        return self.load(self.paste.value, f"pasted {self.noun}", notify)

    def load(self, content: bytes | str | memoryview, name: str = "", notify: bool = True) -> Any:
        raise NotImplementedError


class DataUpload(UploadBox):
    """Upload or paste a table and pick ``dim`` columns; ``on_samples(x, report)`` receives them.

    Parameters
    ----------
    dim : 1, 2 or "labelled"
        1 (one column, ``x`` of shape (n,)), 2 (two columns, ``x`` of shape (n, 2)) or
        ``"labelled"``: a label column (a dropdown; :func:`~explorer.userdata_labels.guess_label`
        chooses it first) and feature columns (a multiple choice, at first every other numeric
        column); ``x`` is then the pair ``(features (n, k), labels (n,))`` of
        :func:`~explorer.userdata_labels.labelled_samples`.
    on_samples : callable
        Called with the samples and their :class:`~explorer.userdata.SampleReport` after each
        successful upload, paste or column change. A ``ValueError`` it raises is shown like the
        parser's.
    example : str
        Initial text of the paste box.
    css : str
        Class prefix for the parts (``<css>-file``, ``-paste``, ``-use``, ``-x``, ``-y``,
        ``-label``, ``-features``, ``-preview``, ``-errors``), for tests and styling.
    max_bytes, max_rows : int
        The caps handed to :func:`explorer.userdata.parse_table`.
    max_features : int, optional
        Labelled mode: at most this many feature columns are chosen at first.
    """

    def __init__(self, dim: int | str, on_samples: Callable[[Any, SampleReport], Any], *,
                 example: str = "", css: str = "dx-upload", max_bytes: int = MAX_BYTES,
                 max_rows: int = MAX_ROWS, max_features: int | None = None):
        if dim not in (1, 2, LABELLED) or isinstance(dim, bool):
            raise ValueError(f"parameter 'dim' must be 1, 2 or {LABELLED!r}, got {dim!r}")
        self.dim, self.on_samples = dim, on_samples
        self.labelled = dim == LABELLED
        self.max_bytes, self.max_rows, self.max_features = max_bytes, max_rows, max_features
        self.table: ParsedTable | None = None
        self.samples: Any = None  # x, or (features, labels) in the labelled mode
        self.report: SampleReport | None = None
        what = {1: "one numeric column", 2: "two numeric columns",
                LABELLED: "a column of class labels (names or numbers) and numeric feature columns"}[dim]
        bad = "empty cells, NaN or ±inf" if self.labelled else "text, empty cells, NaN or ±inf"
        help_html = (
            f"<span class='dx-upload-note'>A CSV, TSV or text file with {what}: columns separated by commas, "
            "semicolons, tabs or spaces, a header row optional (UTF-8 or Windows text). At most "
            f"{max_bytes / 2**20:.0f} MB and {max_rows:,} rows; rows with {bad} "
            "in a chosen column are dropped and counted. Your file stays in this page's memory and is "
            "never saved.</span>")
        self.x = W.Dropdown(options=[], description="column" if dim == 1 else "x column",
                            layout=W.Layout(width="300px"))
        self.x.add_class(f"{css}-x")
        self.y = W.Dropdown(options=[], description="y column", layout=W.Layout(width="300px"))
        self.y.add_class(f"{css}-y")
        self.label = W.Dropdown(options=[], description="label column", style={"description_width": "90px"},
                                layout=W.Layout(width="300px"))
        self.label.add_class(f"{css}-label")
        self.features = W.SelectMultiple(options=[], rows=5, description="features",
                                         style={"description_width": "90px"}, layout=W.Layout(width="340px"))
        self.features.add_class(f"{css}-features")
        several = W.HTML("<span class='dx-upload-note'>Ctrl/⌘-click or Shift-click<br>"
                         "to choose several</span>")
        parts = {1: [self.x], 2: [self.x, self.y], LABELLED: [self.label, self.features, several]}[dim]
        self.choose = W.HBox(parts, layout=W.Layout(display="none", flex_flow="row wrap"))
        super().__init__(help_html, css=css, example=example,
                         placeholder="paste numbers or a table (header row optional)", extra=[self.choose])
        self.x.observe(self._on_column, names="value")
        self.y.observe(self._on_column, names="value")
        self.label.observe(self._on_label, names="value")
        self.features.observe(self._on_column, names="value")
        self._choosing = False

    def _on_column(self, change: dict) -> None:
        if not self._choosing and self.table is not None:
            self._run("taking the chosen columns", self._emit)

    def _on_label(self, change: dict) -> None:
        """A new label column: the features are again every other numeric column."""
        if self._choosing or self.table is None:
            return
        self._choosing = True
        try:
            self._set_features(self.table, change["new"])
        finally:
            self._choosing = False
        self._run("taking the chosen columns", self._emit)

    def _set_features(self, table: ParsedTable, label: str) -> tuple[str, ...]:
        features = default_features(table, label, self.max_features)
        self.features.options = [c for c in table.columns if c != label]
        self.features.value = features
        self.features.rows = min(6, max(2, len(table.columns) - 1))
        return features

    # -- programmatic use (tests, pages) ---------------------------------------------------------
    def load(self, content: bytes | str | memoryview, name: str = "your data", notify: bool = True
             ) -> Any:
        """Parse ``content`` (bytes of a file, or pasted text), choose the first numeric columns,
        preview them and (``notify``) hand the samples to ``on_samples``; return them.
        ``ValueError`` on refusal (the previous table stays)."""
        data = content if isinstance(content, str) else bytes(content)
        table = parse_table(data, max_bytes=self.max_bytes, max_rows=self.max_rows,
                            one_line_as_column=isinstance(content, str) and self.dim == 1)
        if self.labelled:
            return self._load_labelled(table, name, notify)
        if len(table.columns) < self.dim:
            raise ValueError(f"this page needs {self.dim} columns but {name!r} has {len(table.columns)} "
                             f"({table.describe()}); separate the columns by commas, semicolons, tabs "
                             "or spaces")
        numeric = [c for j, c in enumerate(table.columns) if np.isfinite(table.values[:, j]).sum() >= 2]
        rest = [c for c in table.columns if c not in numeric]
        first = (numeric + rest)[: self.dim]
        x, report = column_samples(table, first if self.dim == 2 else first[0])
        self.table, self.source = table, name
        self._choosing = True
        try:
            for box, value in ((self.x, first[0]), (self.y, first[-1])):
                box.options = list(table.columns)
                box.value = value
        finally:
            self._choosing = False
        self.choose.layout.display = None if len(table.columns) > 1 else "none"
        self._accept(x, report, notify)
        return x

    def _load_labelled(self, table: ParsedTable, name: str, notify: bool) -> Any:
        if len(table.columns) < 2:
            raise ValueError(f"only one column was found in {name!r} ({table.describe()}); this page needs "
                             "a label column and at least one feature column: separate the columns by "
                             "commas, semicolons, tabs or spaces")
        label = guess_label(table)
        x, labels, report = labelled_samples(table, label, default_features(table, label, self.max_features))
        self.table, self.source = table, name
        self._choosing = True
        try:
            self.label.options = list(table.columns)
            self.label.value = label
            self._set_features(table, label)
        finally:
            self._choosing = False
        self.choose.layout.display = None
        self._accept((x, labels), report, notify)
        return x, labels

    def _emit(self) -> None:
        assert self.table is not None
        if self.labelled:
            x, labels, report = labelled_samples(self.table, self.label.value, list(self.features.value))
            self._accept((x, labels), report)
            return
        cols = self.x.value if self.dim == 1 else [self.x.value, self.y.value]
        x, report = column_samples(self.table, cols)
        self._accept(x, report)

    def _accept(self, x: Any, report: SampleReport, notify: bool = True) -> None:
        self.samples, self.report = x, report
        self.preview.value = self.preview_html()
        self.errors.clear()  # before the page redraws: the old message must not outlive the new data
        if notify:
            self.on_samples(x, report)

    def preview_html(self) -> str:
        """The first rows of the chosen columns and the counts (escaped: the names are the visitor's)."""
        if self.samples is None or self.report is None or self.table is None:
            return ""
        x, r = self.samples, self.report
        columns = list(r.columns)
        if self.labelled:  # the label, then the first features
            feats, labels = x
            k = min(feats.shape[1], PREVIEW_COLUMNS)
            rows = [[lab, *f[:k]] for lab, f in zip(labels[:PREVIEW_ROWS], feats[:PREVIEW_ROWS], strict=True)]
            if feats.shape[1] > k:
                columns = [*columns[:k + 1], f"… {feats.shape[1] - k} more"]
                rows = [[*row, ""] for row in rows]
            columns[0] += " (label)"
        else:
            rows = x.reshape(len(x), -1)[:PREVIEW_ROWS]
        n = len(x[0]) if self.labelled else len(x)
        head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
        body = "".join("<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in row) + "</tr>" for row in rows)
        more = (f"<tr><td colspan='{len(columns)}'>… {n - len(rows):,} more</td></tr>"
                if n > len(rows) else "")
        return (f"<div><b>{html.escape(self.source)}</b>: {html.escape(self.table.describe())}."
                f"<table><tr>{head}</tr>{body}{more}</table>"
                f"<div class='dx-upload-counts'>{html.escape(r.summary())}.</div></div>")
