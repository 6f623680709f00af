"""The mode-seeking page on the visitor's own data: the "Your data" target takes an upload or
pasted numbers through :class:`~explorer.ui.widgets.upload.DataUpload` and the fits then run on the
KDE of that sample (capped at :data:`~explorer.presets.MAX_TARGET_POINTS` values); refusals stay in
the upload's box and leave the page as it was; a link choosing the target shows the example."""

from __future__ import annotations

import html
from urllib.parse import quote

import numpy as np
import pytest
from upload_helpers import as_read, csv_bytes, file_value

from explorer import divergences as dv
from explorer import fitting, presets
from explorer.distributions import Empirical, Gaussian
from explorer.presets import MAX_TARGET_POINTS, USER_EXAMPLE, USER_TARGET
from explorer.ui import mode_seeking as ms
from explorer.ui.mode_seeking.tab_alpha import AlphaTab


@pytest.fixture
def page(monkeypatch):
    """The page (fits inline), with the fits shortened and the p of each fit recorded."""
    seen = []
    real = fitting.fit

    def quick_fit(p, *args, **kwargs):
        seen.append(p)
        return real(p, *args, **{**kwargs, "restarts": 2, "steps": 40})

    monkeypatch.setattr(fitting, "fit", quick_fit)
    ui = ms.build("two_gaussians", background=False)
    ui.seen = seen
    return ui


def bimodal(n: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return as_read(np.concatenate([rng.normal(40.0, 3.0, n // 2), rng.normal(60.0, 4.0, n - n // 2)]))


def test_the_target_without_data_shows_the_example_and_says_so(page):
    assert page.upload.widget.layout.display == "none"
    page.controls.set({"target": USER_TARGET})
    assert page.upload.widget.layout.display is None and page.errors.value == ""
    blurb = page.target_blurb.value
    assert "example numbers" in blurb and f"{MAX_TARGET_POINTS:,}" in blurb
    np.testing.assert_array_equal(np.sort(page.target.samples), np.sort(USER_EXAMPLE))
    assert set(page.results) == set(page.state.divergences)
    assert page.seen[-1] is page.target.p


def test_an_uploaded_csv_becomes_the_target_of_every_fit(page):
    x = bimodal(400)
    page.upload.file.value = file_value("flow.csv", csv_bytes(x) + b"\nn/a\ninf\n")
    assert page.target_name.value == USER_TARGET  # an upload with another target shown chooses it
    up = page.upload
    assert up.errors.value == "" and page.errors.value == "" and up.file.value == ()
    assert "kept 400 of 402 rows; dropped 2" in html.unescape(up.preview.value)
    assert "400 values of flow" in page.target_blurb.value
    assert page.target.title == "Your data: flow" and "Your data: flow" in page.status.value
    kde = Empirical(x)  # bandwidth 1 × Silverman's
    p = page.target.p
    np.testing.assert_array_equal(np.sort(p.samples), np.sort(x))
    assert p.bandwidth_ == pytest.approx(kde.bandwidth_, rel=1e-12)
    assert set(page.results) == set(page.state.divergences)
    for res in page.results.values():
        assert dv.compute("kl", kde, res.q) == pytest.approx(dv.compute("kl", p, res.q), rel=1e-9)
    assert page.seen[-1] is p
    q = Gaussian(50.0, 10.0)
    assert dv.compute("reverse_kl", page.seen[-1], q) == pytest.approx(dv.compute("reverse_kl", kde, q),
                                                                       rel=1e-9)
    # the bandwidth slider scales Silverman's h and refits
    page.controls.set({"p.bandwidth": 0.5})
    assert page.target.p.bandwidth_ == pytest.approx(0.5 * kde.bandwidth_, rel=1e-12)
    assert page.seen[-1] is page.target.p and set(page.results) == set(page.state.divergences)


def test_pasted_numbers_refit_the_shown_target(page):
    page.controls.set({"target": USER_TARGET})
    page.upload.paste.value = "1 2 2.5 3 7 8 8.5 9"
    page.upload.use.click()
    assert page.upload.errors.value == ""
    np.testing.assert_array_equal(page.target.samples, [1, 2, 2.5, 3, 7, 8, 8.5, 9])
    assert page.seen[-1] is page.target.p and set(page.results) == set(page.state.divergences)


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02garbage", b"a\nb\nc\n", b"x\n5\n5\n5\n",
                                     b"x\n1\n", "é,\u202e\n<script>".encode()])
def test_hostile_input_is_refused_in_the_box_and_the_page_stays(page, content):
    page.upload.file.value = file_value("good.csv", csv_bytes(bimodal(100)))
    target, results, table = page.target, dict(page.results), page.table.value
    figure = page.figure.widget.to_dict()
    page.upload.file.value = file_value("<b>bad</b>.csv", content)
    assert page.upload.errors.value != "" and page.errors.value == ""
    assert "<b>bad" not in page.upload.errors.value
    assert page.target is target and page.results == results and page.table.value == table
    assert page.figure.widget.to_dict() == figure


def test_a_large_upload_is_capped_to_a_seeded_random_subset(page):
    x = bimodal(3 * MAX_TARGET_POINTS, seed=5)
    page.upload.file.value = file_value("big.csv", csv_bytes(x))
    t = page.target
    assert t.samples.size == MAX_TARGET_POINTS and t.p.samples.size == MAX_TARGET_POINTS
    assert np.isin(t.samples, x).all()
    assert f"{3 * MAX_TARGET_POINTS:,} values" in page.target_blurb.value
    assert f"random {MAX_TARGET_POINTS:,}" in page.target_blurb.value
    again = presets.user_target(x, "big").build(bandwidth=1.0)
    np.testing.assert_array_equal(again.samples, t.samples)  # seeded: same data, same subset


def test_a_link_carries_the_target_not_the_data_and_opens_on_the_example(page):
    page.upload.file.value = file_value("flow.csv", csv_bytes(bimodal(200)))
    page.controls.set({"p.bandwidth": 0.8})
    query = page.link.button.query
    assert "target=your_data" in query and "flow" not in query and "40." not in query
    fresh = ms.build("two_gaussians", background=False)
    assert fresh.link.apply(query) == []
    assert fresh.target_name.value == USER_TARGET and fresh.errors.value == ""
    assert fresh.upload.widget.layout.display is None and fresh.upload.errors.value == ""
    assert "example numbers" in fresh.target_blurb.value
    np.testing.assert_array_equal(np.sort(fresh.target.samples), np.sort(USER_EXAMPLE))
    assert fresh.target.p.bandwidth_ == pytest.approx(0.8 * Empirical(USER_EXAMPLE).bandwidth_)
    assert fresh.link.apply(f"?target={quote(USER_TARGET)}") == [] and fresh.errors.value == ""


def test_every_tab_works_on_the_visitors_data(page):
    page.upload.file.value = file_value("flow.csv", csv_bytes(bimodal(300)))
    p = page.target.p
    page.controls.set({"estimators.repeats": 3})
    for i, tab in enumerate(page.tab_list):
        page.tabs.selected_index = i
        if isinstance(tab, AlphaTab):  # its ▶ fits a path of α (about a minute on a KDE): not here
            assert page.errors.value == ""
            continue
        if hasattr(tab, "button"):  # the landscape, the estimator study
            tab.button.click()
        assert page.errors.value == "", (tab.title, page.errors.value)
        assert tab.figure.widget is not None, tab.title
    assert page.target.p is p and set(page.results) == set(page.state.divergences)
