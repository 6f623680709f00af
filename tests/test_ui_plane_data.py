"""The information plane on the visitor's data, without a browser: the upload box's labelled mode
(a label column and feature columns) and the plane tab's "your data" option — the example at
first, an uploaded CSV trained on (inline), refusals kept in the upload's box with the plot as it
was, a link that keeps the option but not the data.

Training is shortened (:data:`~explorer.ui.information.tab_plane.USER_SETTINGS` patched)."""

from __future__ import annotations

import datetime
import html

import numpy as np
import pytest

from explorer import information as info
from explorer.information.labelled import MAX_FEATURES, example_csv
from explorer.ui import information as page
from explorer.ui.information import tab_plane
from explorer.ui.information.plane_user import EXAMPLE_NAME
from explorer.ui.widgets.upload import LABELLED, DataUpload

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def file_value(name: str, content: bytes) -> tuple[dict, ...]:
    return ({"name": name, "type": "text/csv", "size": len(content), "last_modified": NOW,
             "content": memoryview(content)},)


def blobs_csv(n: int = 90, seed: int = 0, label: str = "kind") -> bytes:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    x = rng.normal(size=(n, 3)) + 2.5 * y[:, None]
    rows = [f"a,b,c,{label}"] + [f"{r[0]:.4f},{r[1]:.4f},{r[2]:.4f},{'xyz'[k]}"
                                 for r, k in zip(x, y, strict=True)]
    return ("\n".join(rows) + "\n1,2,3,\nnan,1,1,x\n").encode()


# -- the upload box's labelled mode -------------------------------------------------------------
def test_the_labelled_mode_guesses_the_label_and_takes_every_other_numeric_column():
    got = []
    up = DataUpload(LABELLED, lambda x, rep: got.append((x, rep)), css="dx-t")
    up.paste.value = example_csv()
    up.use.click()
    assert up.errors.value == ""
    (x, labels), rep = got[-1]
    assert up.label.value == "species" and len(up.features.value) == 4
    assert "species" not in up.features.options
    assert x.shape == (60, 4) and labels[0] == "setosa" and rep.columns[0] == "species"
    assert up.choose.layout.display is None
    preview = html.unescape(up.preview.value)
    assert "species (label)" in preview and "setosa" in preview and "kept 60 of 60 rows" in preview
    # fewer features: taken at once
    up.features.value = ("petal length (cm)",)
    (x, labels), rep = got[-1]
    assert x.shape == (60, 1) and rep.columns == ("species", "petal length (cm)")
    # another label: the features are every other numeric column again
    up.label.value = "sepal width (cm)"
    (x, labels), rep = got[-1]
    assert len(up.features.value) == 3 and "sepal width (cm)" not in up.features.value
    assert x.shape == (60, 3) and labels.dtype == float
    up.features.value = ()
    assert "at least one feature column" in up.errors.value and len(got) == 3


def test_the_labelled_mode_caps_the_default_features_and_refuses_bad_tables():
    up = DataUpload(LABELLED, lambda x, rep: None, max_features=2)
    x, labels = up.load("y,a,b,c\n0,1,2,3\n1,2,3,4\n0,3,4,5\n1,4,5,7\n")
    assert up.features.value == ("a", "b") and x.shape == (4, 2) and labels.tolist() == [0, 1, 0, 1]
    for content, message in [(b"a|b\n1|2\n3|4\n", "only one column was found"),
                             (b"a,b\n1.5,2.5\n", "only 1 row"),
                             (b"a,b\nnan,1\nNA,0\n", "0 usable rows"),
                             (b"\x00\x01binary", "not a text file")]:
        up.file.value = file_value("bad.csv", content)
        assert message in up.errors.value, (content, up.errors.value)
        assert up.features.value == ("a", "b")  # the previous table stays
    with pytest.raises(ValueError, match="labelled"):
        DataUpload(3, lambda x, rep: None)


# -- the plane tab ------------------------------------------------------------------------------
@pytest.fixture
def lab(monkeypatch):
    monkeypatch.setattr(tab_plane, "USER_SETTINGS", {"layers": "6", "epochs": 100, "every": 50})
    return page.build(background=False)


def test_your_data_starts_with_the_example_and_trains_it(lab):
    plane = lab.select(page.PlaneTab)
    assert plane.user.widget.layout.display == "none"
    assert dict(plane.dataset.options)["your data (CSV / paste)"] == tab_plane.USER
    lab.controls.set({"plane.dataset": tab_plane.USER})
    assert lab.errors.value == "" and plane.user.upload.errors.value == ""
    assert plane.user.widget.layout.display is None
    data = plane.user.data
    assert data.name == EXAMPLE_NAME and data.classes == ("setosa", "versicolor", "virginica")
    assert "Trained 2 run(s)" in plane.status.value
    run = plane.available((data.key, (6,), "tanh", 100, 50), ("binning",))
    assert run is not None and run.config["dataset"] == data.key and list(run.epochs) == [0, 50, 100]
    assert "your data: the example" in html.unescape(plane.readout.value)
    note = html.unescape(plane.user.note.value)
    assert "60 rows × 4 standardised features" in note and "keeps the settings, not the data" in note
    assert len(plane.figure.widget.data[0].x) == 3


def test_an_uploaded_csv_is_trained_on_and_hostile_files_keep_the_plot(lab):
    plane = lab.select(page.PlaneTab)
    assert plane.dataset.value == "szt"
    up = plane.user.upload
    up.file.value = file_value("blobs.csv", blobs_csv())  # an upload chooses "your data"
    assert plane.dataset.value == tab_plane.USER and lab.errors.value == "" and up.errors.value == ""
    data = plane.user.data
    assert data.name == "blobs.csv" and data.n == 90 and data.classes == ("x", "y", "z")
    assert "kept 90 of 92 rows; dropped 2" in html.unescape(up.preview.value)
    assert plane.available((data.key, (6,), "tanh", 100, 50), ("binning",)) is not None
    assert "your data: blobs.csv" in html.unescape(plane.readout.value)
    figure, runs = plane.figure.widget.to_dict(), plane._runner.runs
    for content in (b"\x89PNG\r\n\x1a\n\x00\x00", b"a|b\n1|2\n3|4\n", b"a,b\n1.5,2.5\n",
                    b"a,b,kind\n1,2,x\n2,3,x\n3,4,y\n",  # class y has one row
                    ("v,w\n" + "".join(f"{i},{i * 0.37 % 1:.3f}\n" for i in range(40))).encode()):
        up.file.value = file_value("<b>bad</b>.csv", content)
        assert up.errors.value != "" and "<b>bad" not in up.errors.value and lab.errors.value == ""
        assert plane.user.data is data and plane._runner.runs == runs
        assert plane.figure.widget.to_dict() == figure
    # the same data again: the kept runs, nothing trained
    up.file.value = file_value("again.csv", blobs_csv())
    assert plane._runner.runs == runs and "trained live in this session" in plane.status.value


def test_refusals_of_the_data_name_the_problem(lab):
    plane = lab.select(page.PlaneTab)
    lab.controls.set({"plane.dataset": tab_plane.USER})
    up = plane.user.upload
    up.file.value = file_value("one.csv", b"a,b,kind\n1,2,x\n2,3,x\n3,4,y\n")
    assert "class 'y' of 'one.csv' has a single row" in html.unescape(up.errors.value)
    continuous = ("v,w\n" + "".join(f"{i},{i * 0.37 % 1:.3f}\n" for i in range(40))).encode()
    up.file.value = file_value("cont.csv", continuous)
    assert "looks like a continuous column" in html.unescape(up.errors.value)
    assert plane.user.data.name == EXAMPLE_NAME


def test_a_link_keeps_the_option_not_the_data(lab):
    plane = lab.select(page.PlaneTab)
    plane.user.upload.file.value = file_value("blobs.csv", blobs_csv())
    query = lab.link.button.query
    assert "plane.dataset=user" in query and "blobs" not in query
    fresh = page.build(background=False)
    fresh_plane = fresh.select(page.PlaneTab)
    assert fresh.link.apply(query) == [] and fresh.errors.value == ""
    assert fresh_plane.user.data.name == EXAMPLE_NAME and fresh_plane.user.widget.layout.display is None
    assert "Trained 2 run(s)" in fresh_plane.status.value
    # back to a shipped set: the upload box hides, the shipped run shows at once
    fresh.controls.set({"plane.dataset": "szt"})
    assert fresh_plane.user.widget.layout.display == "none"
    assert "shipped precomputed run" in fresh_plane.status.value


def test_a_plane_data_run_matches_the_library():
    x = np.random.default_rng(1).normal(size=(30, MAX_FEATURES))
    y = np.arange(30) % 2
    d = info.plane_data(x, y, "wide")
    res = tab_plane.train_runs(_Job(), [(0, (d.key, (4,), "relu", 20, 10), ("binning",))], {d.key: d})
    again = info.information_plane((4,), "relu", d, 20, ("binning",), 10, **tab_plane.FIXED)
    np.testing.assert_allclose(res[0].I_XT, again.I_XT)


class _Job:
    cancelled = False

    def emit(self, value):
        pass

    def check(self):
        pass
