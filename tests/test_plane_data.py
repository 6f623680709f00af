"""The information plane on a visitor's own data: explorer.information.labelled (checks, caps,
standardisation, the content hash), explorer.userdata_labels (a label column and feature columns
from a parsed table, text labels included) and a short information_plane run on such data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from explorer import information as info
from explorer.information.labelled import MAX_CLASSES, MAX_FEATURES, MAX_ROWS, example_csv
from explorer.userdata import MAX_LEVELS, parse_table
from explorer.userdata_labels import default_features, guess_label, labelled_samples


def blobs(n: int = 60, d: int = 3, k: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    return rng.normal(size=(n, d)) + 3.0 * y[:, None], y


def test_features_are_standardised_and_labels_coded_in_order():
    x, y = blobs()
    d = info.plane_data(x * 100 + 7, y + 10, "blobs", ["a", "b", "c"])
    np.testing.assert_allclose(d.x.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(d.x.std(0), 1)
    assert d.y.tolist() == y.tolist() and d.classes == ("10", "11", "12") and d.features == ("a", "b", "c")
    assert d.notes == () and d.n == d.n_given == 60 and not d.x.flags.writeable
    assert "60 rows × 3 standardised features, 3 classes: 10 (20), 11 (20), 12 (20)" == d.describe()
    text = info.plane_data(x, np.array(["b", "a", "c"])[y], "t")
    assert text.classes == ("a", "b", "c") and text.y.tolist() == [1, 0, 2] * 20
    floats = info.plane_data(x, y * 0.5, "f")
    assert floats.classes == ("0", "0.5", "1")


def test_the_key_is_a_content_hash():
    x, y = blobs()
    a, b = info.plane_data(x, y, "same name"), info.plane_data(x, y, "same name")
    assert a.key == b.key and a.key.startswith("user:")
    x2 = x.copy()
    x2[0, 0] += 0.5
    assert info.plane_data(x2, y, "same name").key != a.key
    assert info.plane_data(x, (y + 1) % 3, "same name").key != a.key


@pytest.mark.parametrize("features, labels, message", [
    (np.ones((6, 2)), [0, 0, 0, 1, 1, 1], "every feature column of 'bad' is constant"),
    (np.arange(12.0).reshape(6, 2), [0] * 6, "a single class"),
    (np.arange(12.0).reshape(6, 2), [0, 0, 0, 0, 0, 1], "class '1' of 'bad' has a single row"),
    (np.arange(12.0).reshape(6, 2), [0, 0, 2, 0, 3, 1], "classes '1', '2', '3' of 'bad' have a single row"),
    (np.arange(60.0).reshape(30, 2), np.arange(30) * 0.1, "this looks like a continuous column"),
    ([[1.0, np.nan], [2.0, 1.0], [3.0, 2.0], [4.0, 3.0]], [0, 0, 1, 1], "NaN or infinite values in 1 rows"),
    ([[1.0], [2.0], [3.0], [4.0]], [0, 0, 1, np.inf], "'labels' of 'bad' has NaN"),
    (np.zeros((4, 2)), [0, 1, 0], "same n"),
    (np.zeros((4, MAX_FEATURES + 1)), [0, 1, 0, 1], f"at most {MAX_FEATURES}"),
])
def test_refusals_name_what_is_wrong(features, labels, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        info.plane_data(features, labels, "bad")


def test_constant_columns_are_dropped_with_a_note_and_big_sets_subsampled():
    x, y = blobs(n=MAX_ROWS + 500)
    x = np.column_stack([x, np.full(len(x), 4.2)])
    d = info.plane_data(x, y, "big", ["a", "b", "c", "flat"], seed=1)
    assert d.x.shape == (MAX_ROWS, 3) and d.n_given == MAX_ROWS + 500 and d.features == ("a", "b", "c")
    assert any(f"random {MAX_ROWS:,} of the {MAX_ROWS + 500:,} rows" in n for n in d.notes)
    assert any("dropped 1 constant feature column (flat)" in n for n in d.notes)
    again = info.plane_data(x, y, "big", ["a", "b", "c", "flat"], seed=1)
    assert again.key == d.key  # the subset is seeded
    assert MAX_CLASSES == 20


def test_a_short_run_on_user_data_records_the_plane():
    x, y = blobs(n=80)
    d = info.plane_data(x, y, "blobs")
    seen = []
    r = info.information_plane((6, 4), "tanh", d, epochs=40, estimators=("binning",), every=20,
                               callback=lambda e, part: seen.append(e))
    assert seen == [0, 20, 40] and r.I_XT.shape == (1, 3, 3)
    assert r.config["dataset"] == d.key and r.H_X == pytest.approx(math.log(80))
    p = np.bincount(y) / len(y)
    assert r.I_XY == pytest.approx(-(p * np.log(p)).sum(), abs=1e-9)  # distinct inputs: I(X;Y) = H(Y)
    assert np.all(np.isfinite(r.I_XT)) and np.all(r.I_XT <= math.log(80) + 1e-9)
    assert r.train_acc[-1] > 0.5


def test_text_labels_are_kept_by_the_parser_and_read_as_classes():
    t = parse_table(example_csv())
    j = t.columns.index("species")
    assert t.levels[j] == ("setosa", "versicolor", "virginica")
    assert set(t.level_codes[j].tolist()) == {0, 1, 2}
    assert guess_label(t) == "species" and len(default_features(t, "species")) == 4
    x, labels, rep = labelled_samples(t, "species", default_features(t, "species"))
    assert x.shape == (60, 4) and rep.kept == 60 and rep.columns[0] == "species"
    d = info.plane_data(x, labels, "species", rep.columns[1:])
    assert d.classes == ("setosa", "versicolor", "virginica") and np.bincount(d.y).tolist() == [20, 20, 20]


def test_label_columns_numbers_text_and_free_text():
    mixed = parse_table("a,b,kind\n1,2,x\n2,3,x\n3,4,y\n4,5,n/a\n5,6,3\n6,7,\n7,8,y\n")
    _x, labels, rep = labelled_samples(mixed, "kind", ["a", "b"])
    assert labels.tolist() == ["x", "x", "y", "3", "y"]
    assert rep.dropped == {"not a number": 0, "empty": 1, "NaN or missing marker": 1, "infinite": 0}
    codes = parse_table("a,code\n1,0\n2,1\n3,oops\n4,1\n5,0\n")
    assert guess_label(codes) == "code"
    _x, labels, rep = labelled_samples(codes, "code", ["a"])
    assert labels.tolist() == [0, 1, 1, 0] and rep.dropped["not a number"] == 1
    free = parse_table("a,name\n" + "".join(f"{i},id{i}\n" for i in range(MAX_LEVELS + 5)))
    assert not free.levels
    with pytest.raises(ValueError, match="not class labels"):
        labelled_samples(free, "name", ["a"])


def test_labelled_refusals():
    t = parse_table("a,b,y\n1,2,0\n")
    with pytest.raises(ValueError, match="only 1 row"):
        labelled_samples(t, "y", ["a", "b"])
    t = parse_table("a,y\nnan,0\nNA,1\n,0\n")
    with pytest.raises(ValueError, match="0 usable rows"):
        labelled_samples(t, "y", ["a"])
    t = parse_table("a,b,y\n1,2,0\n3,4,1\n")
    with pytest.raises(ValueError, match="at least one feature"):
        labelled_samples(t, "y", [])
    with pytest.raises(ValueError, match="is the label"):
        labelled_samples(t, "y", ["a", "y"])
    with pytest.raises(ValueError, match="twice"):
        labelled_samples(t, "y", ["a", "a"])
    with pytest.raises(ValueError, match="no column"):
        labelled_samples(t, "nope", ["a"])
