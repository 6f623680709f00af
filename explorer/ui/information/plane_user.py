"""The "your data" part of the information-plane tab: the visitor's labelled table, read by a
:class:`~explorer.ui.widgets.upload.DataUpload` in its labelled mode (a label column, feature
columns) and checked into a :class:`~explorer.information.PlaneData` by
:func:`explorer.information.plane_data` (capped, standardised, constant columns dropped).

Until the visitor gives data — and when a link chooses the option, since a link keeps settings,
not data — the paste box's example is used: 60 of Fisher's iris flowers, the species written
out (:func:`explorer.information.labelled.example_csv`; scikit-learn's bundled copy, imported
only when the option is first chosen).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as W

from explorer import information as info
from explorer.information.labelled import MAX_FEATURES, MAX_ROWS, PlaneData, example_csv
from explorer.ui.widgets.upload import LABELLED, DataUpload

__all__ = ["EXAMPLE_NAME", "UserData"]

EXAMPLE_NAME = "the example: 60 of Fisher's iris flowers (scikit-learn's copy)"


class UserData:
    """The upload box, a note on the data in use, and every data set given in this session.

    ``on_data()`` is called after the visitor's rows became :attr:`data` (a refusal, by the
    parser or by :func:`~explorer.information.plane_data`, stays in the upload's box and
    ``on_data`` is not called: the page keeps its plot).
    """

    def __init__(self, on_data: Callable[[], Any]):
        self.on_data = on_data
        self.data: PlaneData | None = None
        self.sets: dict[str, PlaneData] = {}  # by key: the runs kept in this session name their data
        self.upload = DataUpload(LABELLED, self._samples, css="dx-plane-upload", max_features=MAX_FEATURES)
        self.upload.paste.layout.width = "520px"
        self.upload.paste.layout.height = "90px"
        self.note = W.HTML("")
        self.note.add_class("dx-plane-data-note")
        self.widget = W.VBox([self.upload.widget, self.note], layout=W.Layout(display="none"))
        self.widget.add_class("dx-plane-user")

    def show(self, visible: bool) -> None:
        self.widget.layout.display = None if visible else "none"

    def current(self) -> PlaneData:
        """The data in use: the visitor's, or the example until they give theirs."""
        if self.data is None:
            if not self.upload.paste.value:
                self.upload.paste.value = example_csv()
            x, labels = self.upload.use_paste(notify=False)
            assert self.upload.report is not None
            self._set(info.plane_data(x, labels, EXAMPLE_NAME, self.upload.report.columns[1:]))
        assert self.data is not None
        return self.data

    def name(self, key: str) -> str:
        """What a run's dataset key is called on the page."""
        data = self.sets.get(key)
        return key if data is None else f"your data: {data.name}"

    def _samples(self, rows: tuple, report: Any) -> None:
        x, labels = rows
        self._set(info.plane_data(x, labels, self.upload.source, report.columns[1:]))
        self.on_data()

    def _set(self, data: PlaneData) -> None:
        self.data = data
        self.sets[data.key] = data
        example = data.name == EXAMPLE_NAME
        lines = [f"<b>{'The example' if example else 'Your data'}</b> ({html.escape(data.name)}): "
                 f"{html.escape(data.describe())}."]
        lines += [html.escape(n[:1].upper() + n[1:]) + "." for n in data.notes]
        if example:
            lines.append("Shown until you upload a CSV file or paste your own table and press "
                         "<i>Use pasted data</i>.")
        lines.append(f"Trained live on each change (at most {MAX_ROWS:,} rows and {MAX_FEATURES} features; "
                     "the example's two runs take seconds). A link to this view keeps the settings, not "
                     "the data.")
        self.note.value = "<span class='dx-upload-note'>" + "<br>".join(lines) + "</span>"
