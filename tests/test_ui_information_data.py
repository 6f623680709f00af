"""The information-bottleneck page on the visitor's own data: :func:`explorer.presets.user_joint`
(binning, categories, empty bins, refusals) against a direct plug-in computation, and the IB tab's
"Your data (CSV / paste)" joint — the upload box, a new curve for new data (never a stale cached
one), refusals kept in the upload's box with the plot unchanged, a link showing the example."""

from __future__ import annotations

import datetime
import html

import numpy as np
import pytest

from explorer import information as info
from explorer.presets import USER_JOINT, user_joint
from explorer.presets.joints import (
    JOINTS,
    MAX_Y_CATEGORIES,
    MIN_JOINT_SAMPLES,
    make_joint,
    user_joint_example,
    y_is_categorical,
)
from explorer.ui import information as page

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def plug_in_mi(x: np.ndarray, y: np.ndarray) -> float:
    """I(X;Y) in nats of the empirical joint of two discrete codes, from the counts directly."""
    n = x.size
    total = 0.0
    for a in np.unique(x):
        for b in np.unique(y):
            nab = np.sum((x == a) & (y == b))
            if nab:
                total += nab / n * np.log(nab * n / (np.sum(x == a) * np.sum(y == b)))
    return float(total)


def pairs(n: int = 400, seed: int = 0, classes: int | None = 3) -> np.ndarray:
    """x continuous; y a class code (``classes`` values) or, with ``None``, a continuous response."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, n)
    y = (np.digitize(x + 0.5 * rng.normal(size=n), [-0.5, 0.5]) if classes == 3
         else 2.0 * x + rng.normal(size=n))
    return np.column_stack([x, y.astype(float)])


def file_value(name: str, content: bytes) -> tuple[dict, ...]:
    return ({"name": name, "type": "text/csv", "size": len(content), "last_modified": NOW,
             "content": memoryview(content)},)


def csv_text(xy: np.ndarray, names: str = "dose,response") -> str:
    return names + "\n" + "\n".join(f"{a:.6f},{b:.6f}" for a, b in xy)


# -- the library ---------------------------------------------------------------------------------
def test_x_is_cut_into_equal_width_bins_and_a_class_column_is_kept_as_categories():
    xy = pairs()
    s = user_joint(xy, x_bins=8, y_bins=5, x_label="dose", y_label="class")
    assert y_is_categorical(xy)
    assert s.joint.marginal_y.labels == ["0", "1", "2"]  # the values, not bins: y_bins unused
    edges = np.linspace(xy[:, 0].min(), xy[:, 0].max(), 9)
    counts = np.histogram2d(xy[:, 0], xy[:, 1], bins=[edges, [-0.5, 0.5, 1.5, 2.5]])[0]
    counts = counts[counts.sum(1) > 0]
    np.testing.assert_allclose(s.joint.pmf, counts / xy.shape[0], atol=1e-15)
    assert s.joint.marginal_x.labels[0] == f"{edges[0]:.3g}–{edges[1]:.3g}"
    assert "8 equal-width bins" in s.note and "3 distinct values as categories" in s.note
    assert s.y_name == "y: class (categories)" and s.x_name == "x: dose (binned)"
    assert sorted(s.x_order) == list(range(s.joint.shape[0]))


def test_a_column_with_many_values_is_binned_and_the_pmf_mi_is_the_plug_in_value():
    xy = pairs(classes=None)
    assert not y_is_categorical(xy)
    s = user_joint(xy, x_bins=12, y_bins=5)
    assert s.joint.shape[1] == 5 and "5 equal-width bins" in s.note
    xe = np.linspace(xy[:, 0].min(), xy[:, 0].max(), 13)
    ye = np.linspace(xy[:, 1].min(), xy[:, 1].max(), 6)
    xc = np.clip(np.searchsorted(xe, xy[:, 0], side="right") - 1, 0, 11)
    yc = np.clip(np.searchsorted(ye, xy[:, 1], side="right") - 1, 0, 4)
    assert s.joint.mutual_information() == pytest.approx(plug_in_mi(xc, yc), rel=1e-12)
    # and the IB curve's I(X;Y) is the same number
    r = info.ib_curve(s.joint.pmf, betas=[0.5, 50.0], n_clusters=4)
    assert r.I_XY == pytest.approx(plug_in_mi(xc, yc), rel=1e-9)


def test_the_category_threshold():
    rng = np.random.default_rng(1)
    x = rng.normal(size=300)
    at = np.column_stack([x, rng.integers(0, MAX_Y_CATEGORIES, 300)])
    over = np.column_stack([x, np.arange(300) % (MAX_Y_CATEGORIES + 1)])
    assert y_is_categorical(at) and not y_is_categorical(over)
    assert user_joint(at).joint.shape[1] == np.unique(at[:, 1]).size
    assert user_joint(over, y_bins=3).joint.shape[1] == 3


def test_empty_bins_are_dropped_and_nothing_is_nan():
    # two clumps far apart: most x bins and the middle y bins are empty
    rng = np.random.default_rng(2)
    a = np.column_stack([rng.normal(0, 0.1, 50), rng.normal(0, 0.1, 50)])
    b = np.column_stack([rng.normal(100, 0.1, 50), rng.normal(100, 0.1, 50)])
    s = user_joint(np.vstack([a, b]), x_bins=40, y_bins=12)
    pmf = s.joint.pmf
    assert (pmf.sum(1) > 0).all() and (pmf.sum(0) > 0).all()
    assert pmf.shape[0] < 40 and pmf.shape[1] < 12
    assert "occupied" in s.note
    assert s.joint.mutual_information() == pytest.approx(np.log(2), rel=1e-12)
    r = info.ib_curve(pmf, betas=np.geomspace(0.1, 100, 8), n_clusters=3)
    for arr in (r.I_XT, r.I_TY):
        assert np.isfinite(arr).all()
    assert np.isfinite(s.joint.conditional_y_given_x.probs).all()


def test_the_example_is_old_faithful_and_is_the_registry_entry():
    from explorer import data

    xy, text = user_joint_example()
    t = data.load("old_faithful")
    np.testing.assert_array_equal(xy[:, 0], t["eruptions"][: len(xy)])
    assert text.splitlines()[0] == "eruptions,waiting" and len(text.splitlines()) == len(xy) + 1
    spec = JOINTS[USER_JOINT]
    assert spec.user and [p.name for p in spec.params] == ["x_bins", "y_bins"]
    s = make_joint(USER_JOINT, x_bins=6)
    assert s.joint.shape[0] <= 6 and "example" in s.note
    np.testing.assert_allclose(s.joint.pmf, user_joint(xy, 6, 4).joint.pmf)


CONST = r"'{}' of the data \('samples'\) is constant"


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"x_bins": 1}, "'x_bins'"),
    ({"x_bins": 2.5}, "'x_bins'"),
    ({"y_bins": 100}, "'y_bins'"),
    ({"samples": np.ones((20, 3))}, "shape \\(n, 2\\)"),
    ({"samples": np.full((20, 2), np.nan)}, "samples contains NaN"),
    ({"samples": np.arange(2 * (MIN_JOINT_SAMPLES - 1), dtype=float).reshape(-1, 2)},
     f"at least {MIN_JOINT_SAMPLES} rows"),
    ({"samples": np.column_stack([np.arange(20.0), np.full(20, 3.0)])}, CONST.format("y")),
    ({"samples": np.column_stack([np.full(20, 1.5), np.arange(20.0)])}, CONST.format("x")),
    ({"samples": np.column_stack([np.arange(20.0) * 1e200, np.arange(20.0)])}, "samples must be within"),
])
def test_refusals_name_the_parameter(kwargs, match):
    args = {"samples": pairs(50)} | kwargs
    with pytest.raises(ValueError, match=match):
        user_joint(**args)


# -- the page ------------------------------------------------------------------------------------
@pytest.fixture
def lab():
    return page.build(background=False)


def test_choosing_the_preset_shows_the_upload_and_the_example_curve(lab):
    ib = lab.tab(page.IBTab)
    assert ib.upload.widget.layout.display == "none"
    lab.controls.set({"ib.preset": USER_JOINT})
    assert ib.upload.widget.layout.display is None and lab.errors.value == ""
    assert set(lab.controls.group("ib.joint")) == {"x_bins", "y_bins"}
    assert ib.upload.paste.value == user_joint_example()[1]
    assert "example" in ib.blurb.value and "keeps the settings, not the data" in ib.blurb.value
    expected = make_joint(USER_JOINT).joint.mutual_information()
    assert ib.results["iterative"].I_XY == pytest.approx(expected)
    assert not lab.controls["ib.joint.y_bins"].disabled  # waiting has many values: binned
    lab.controls.set({"ib.preset": "hierarchy"})
    assert ib.upload.widget.layout.display == "none"


def test_an_uploaded_csv_becomes_the_joint_and_changes_the_curve(lab):
    ib = lab.tab(page.IBTab)
    lab.controls.set({"ib.preset": "faithful"})
    shown = ib.results["iterative"].I_TY.copy()
    xy = np.round(pairs(), 6)
    content = (csv_text(xy, "dose,class") + "\nn/a,1\n0.3,inf\n").encode()
    ib.upload.file.value = file_value("trial.csv", content)  # another preset shown: switches to "your data"
    assert ib.preset.value == USER_JOINT and ib.upload.errors.value == "" and lab.errors.value == ""
    assert "kept 400 of 402 rows; dropped 2" in html.unescape(ib.upload.preview.value)
    blurb = html.unescape(ib.blurb.value)
    assert "trial.csv: kept 400 of 402 rows" in blurb and "3 distinct values as categories" in blurb
    assert "A link to this view keeps the settings, not the data." in blurb
    assert lab.controls["ib.joint.y_bins"].disabled  # categories: no y bins
    truth = user_joint(xy, x_label="dose", y_label="class")
    np.testing.assert_allclose(ib.scene.joint.pmf, truth.joint.pmf)
    res = ib.results["iterative"]
    assert res.I_XY == pytest.approx(truth.joint.mutual_information(), rel=1e-9)
    assert not np.allclose(res.I_TY[-5:], shown[-5:])
    assert ib.figure.widget.data[0].x is not None and "computed in" in ib.status.value
    # the bins slider recomputes on the same data
    lab.controls.set({"ib.joint.x_bins": 5})
    assert ib.scene.joint.shape[0] <= 5
    assert ib.results["iterative"].I_XY == pytest.approx(
        user_joint(xy, 5, 4).joint.mutual_information(), rel=1e-9)


def test_new_data_with_the_same_settings_are_not_served_a_cached_curve(lab):
    ib = lab.tab(page.IBTab)
    lab.controls.set({"ib.preset": USER_JOINT})
    ib.upload.paste.value = csv_text(np.round(pairs(seed=1), 6))
    ib.upload.use.click()
    first, runs = ib.results["iterative"], ib._runner.runs
    ib.upload.paste.value = csv_text(np.round(pairs(seed=2, classes=None), 6))
    ib.upload.use.click()
    assert ib._runner.runs == runs + 1 and "cache" not in ib.status.value
    second = ib.results["iterative"]
    assert second is not first and second.I_XY != pytest.approx(first.I_XY)
    # the first data again: their curve is the cached one
    ib.upload.paste.value = csv_text(np.round(pairs(seed=1), 6))
    ib.upload.use.click()
    assert ib._runner.runs == runs + 1 and "cache" in ib.status.value
    assert ib.results["iterative"] is first


@pytest.mark.parametrize(("content", "message"), [
    (b"\x00\x01\x02garbage", "not a text file"),
    (b"a|b\n1|2\n3|4\n", "needs 2 columns"),
    (b"a,b\n1.5,2.5\n", "only 1 row"),
    (b"a,b\nnan,1\nNaN,2\nNA,3\n", "0 usable rows"),
    (b"a,b\n1,5\n2,5\n3,5\n", "'b' is constant"),
    (b"a,b\n1,5\n2,6\n3,5\n4,6\n", f"at least {MIN_JOINT_SAMPLES} rows"),
])
def test_hostile_input_is_refused_in_the_box_and_the_plot_stays(lab, content, message):
    ib = lab.tab(page.IBTab)
    lab.controls.set({"ib.preset": USER_JOINT})
    ib.upload.file.value = file_value("good.csv", csv_text(np.round(pairs(), 6)).encode())
    scene, results, blurb = ib.scene, dict(ib.results), ib.blurb.value
    figure, updates = ib.figure.widget.to_json(), ib.figure.updates
    ib.upload.file.value = file_value("<b>bad</b>.csv", content)
    assert message in html.unescape(ib.upload.errors.value) and lab.errors.value == ""
    assert "<b>bad" not in ib.upload.errors.value
    assert ib.scene is scene and ib.results == results and ib.blurb.value == blurb
    assert ib.figure.widget.to_json() == figure and ib.figure.updates == updates
    # a bins change afterwards still uses the last good data
    lab.controls.set({"ib.joint.x_bins": 4})
    assert "good.csv" in ib.blurb.value


def test_a_link_keeps_the_settings_and_shows_the_example_not_the_data(lab):
    ib = lab.tab(page.IBTab)
    lab.controls.set({"ib.preset": USER_JOINT})
    ib.upload.load(csv_text(np.round(pairs(), 6)), "trial.csv")
    lab.controls.set({"ib.joint.x_bins": 7, "ib.joint.y_bins": 3})
    query = lab.link.button.query
    assert "trial" not in query and "dose" not in query
    fresh = page.build(background=False)
    assert fresh.link.apply(query) == []
    other = fresh.tab(page.IBTab)
    assert other.preset.value == USER_JOINT and other.user_data is None
    assert fresh.controls["ib.joint.x_bins"].value == 7 and fresh.controls["ib.joint.y_bins"].value == 3
    assert "example" in other.blurb.value
    np.testing.assert_allclose(other.scene.joint.pmf, make_joint(USER_JOINT, x_bins=7, y_bins=3).joint.pmf)
