"""The KDE lab page without a browser: build it headless, drive the controls by name, and check
that the figures, the ruler and the readouts follow, that long work lands from the runners, and
that bad input reaches the ErrorBox (the browser side is tests/e2e/test_kde_lab.py)."""

from __future__ import annotations

import datetime
import html
import subprocess
import sys

import numpy as np
import pytest

from explorer import kde
from explorer.ui import kde as ui_kde
from explorer.ui.kde import plot_bandwidth, plot_regimes
from explorer.ui.kde.sources import SOURCES, USER


def shown(lab) -> str:
    """The ErrorBox's text as the visitor reads it."""
    return html.unescape(lab.errors.value)


def settle(*runners, timeout=180):
    for r in runners:
        assert r.wait(timeout), f"{r.name} did not finish"


@pytest.fixture(scope="module")
def lab():
    page = ui_kde.build()
    bw = page.tab(ui_kde.BandwidthTab)
    settle(bw._work, bw._errors_at_h)
    return page


@pytest.fixture
def bw(lab):
    tab = lab.tab(ui_kde.BandwidthTab)
    yield tab
    lab.controls.set({"bandwidth.source": "two_gaussians", "bandwidth.n": 1000,
                      "bandwidth.kernel": "gaussian"})
    settle(tab._work, tab._errors_at_h)
    lab.errors.clear()


def estimate_y(tab) -> np.ndarray:
    return np.asarray(tab.figure.widget.data[plot_bandwidth.TRACE["estimate"]].y)


def test_only_the_first_tab_is_built_and_torch_is_not_imported(lab):
    bw, hd = lab.tab_list
    assert bw.built and bw.figure.widget is not None
    assert not hd.built and hd.figure.widget is None  # built when first opened
    code = ("import sys; from explorer.ui import kde; lab = kde.build(); t = lab.tab_list[0]; "
            "t._work.wait(300); t._errors_at_h.wait(300); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         check=True)
    assert out.stdout.strip().endswith("False")


def test_selectors_curves_and_oracles_arrive_on_the_ruler_and_the_plot(bw):
    a = bw.analysis
    assert set(a.selectors) == set(kde.rule_names(1)) == set(a.errors)
    for name, h in a.selectors.items():  # the page shows the library's numbers, nothing else
        assert h == pytest.approx(kde.bandwidth(bw.x, name), rel=1e-9)
        assert name in bw.ruler.value
    assert a.curve is not None and np.isfinite(a.curve.oracle_ise) and np.isfinite(a.curve.oracle_kl)
    w = bw.figure.widget
    assert len(w.data[plot_bandwidth.TRACE["ise"]].x) == a.curve.h.size
    assert list(w.data[plot_bandwidth.TRACE["sel_ise"]].text) == list(a.selectors)
    assert w.data[plot_bandwidth.TRACE["oracle_kl"]].x[0] == pytest.approx(a.curve.oracle_kl)
    assert "selectors and the error curves in" in bw.status.value
    assert "oracle ISE" in bw.ruler.value


def test_the_bandwidth_slider_redraws_the_estimate_in_place(bw):
    before, updates = estimate_y(bw), bw.figure.updates
    bw.h.value = 0.05
    after = estimate_y(bw)
    assert bw.figure.updates == updates + 1
    assert not np.allclose(before, after)
    assert bw.figure.widget.layout.shapes[0].x0 == pytest.approx(0.05)
    assert "h = 0.05" in bw.figure.widget.layout.annotations[0].text
    np.testing.assert_allclose(after, kde.estimate(bw.x, grid=bw.grid, bandwidth=0.05).density)
    settle(bw._errors_at_h)
    ise, kl = kde.kde_error(bw.truth, bw.x, 0.05)
    assert f"ISE = {plot_bandwidth.fmt_value(ise)}" in bw.at_h.value
    assert f"KL(f‖f̂_h) = {plot_bandwidth.fmt_value(kl)} nats" in bw.at_h.value


def test_a_jump_button_moves_the_slider_to_that_selector(bw):
    h_isj = bw.analysis.selectors["isj"]
    bw.jump_buttons["isj"].click()
    assert bw.h.value == pytest.approx(h_isj, rel=0.03)  # on the slider's 0.01-decade grid
    assert bw.jump_buttons["isj"].description.startswith("isj ")


def test_kernel_change_redraws_and_recomputes_the_errors(bw):
    before = estimate_y(bw)
    bw.controls.set({"bandwidth.kernel": "tophat"})
    assert not np.allclose(before, estimate_y(bw))
    assert "tophat kernel" in bw.figure.widget.layout.annotations[0].text
    settle(bw._work)
    assert bw.analysis.curve.kernel == "tophat"


def test_a_large_sample_takes_the_binned_fft_path(bw):
    bw.controls.set({"bandwidth.n": 100_000})
    assert bw.x.size == 100_000
    assert "binned FFT" in bw.figure.widget.layout.annotations[0].text
    assert "binned FFT" in bw.h_readout.value
    bw.h.value = bw.h.value * 1.5
    assert "binned FFT" in bw.h_readout.value


def test_real_data_have_no_truth_and_reflection_keeps_mass_above_zero(bw):
    bw.controls.set({"bandwidth.source": "old_faithful_eruptions"})
    assert bw.truth is None and bw.n.layout.display == "none"
    assert "No known truth" in bw.figure.widget.layout.annotations[-1].text
    assert bw.reflect.layout.display is None  # eruption times are positive
    bw.h.value = 1.0  # wide: reflection matters
    bw.reflect.value = True
    settle(bw._work)
    grid, y = bw.grid, estimate_y(bw)
    assert grid[0] == 0 and y[0] > 0  # the window starts at the boundary
    plain = kde.estimate(bw.x, grid=grid, bandwidth=bw.h.value).density
    np.testing.assert_allclose(y, kde.estimate(bw.x, grid=grid, bandwidth=bw.h.value, boundary=0).density)
    assert np.trapezoid(y, grid) > np.trapezoid(plain, grid) + 0.005  # the mass below 0 came back
    assert set(bw.analysis.selectors) == set(kde.rule_names(1)) and not bw.analysis.errors
    assert bw.errors.value == ""


NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def shown_upload(up) -> str:
    """The upload's own message box, as the visitor reads it."""
    return html.unescape(up.errors.value)


def test_your_data_pasted_uploaded_and_refused(bw, lab):
    bw.controls.set({"bandwidth.source": USER})
    up = bw.upload
    assert up.widget.layout.display is None
    settle(bw._work)
    assert bw.x.size == 15 and lab.errors.value == ""  # the example in the paste box
    up.paste.value = "1 2 three 4"
    up.use.click()
    assert bw.x.size == 3 and "dropped 1: 1 not a number" in html.unescape(up.preview.value)
    up.paste.value = "4 4 4 4"
    up.use.click()
    assert "column 'column 1' is constant" in shown_upload(up) and bw.x.size == 3  # the page kept its data
    up.load(b"when,flow,site\n1,0.5,a\n2,0.7,b\n3,nan,c\n4,1.5,d\n", "river.csv")
    assert up.errors.value == "" and list(up.x.options) == ["when", "flow", "site"]
    np.testing.assert_array_equal(bw.x, [1, 2, 3, 4])
    up.x.value = "flow"
    settle(bw._work)
    np.testing.assert_array_equal(bw.x, [0.5, 0.7, 1.5])
    assert "kept 3 of 4 rows; dropped 1: 1 NaN or missing marker" in html.unescape(up.preview.value)
    assert bw.figure.widget.layout.xaxis.title.text == "flow"
    up.x.value = "site"
    assert "column 'site' has 0 usable rows" in shown_upload(up)
    np.testing.assert_array_equal(bw.x, [0.5, 0.7, 1.5])
    up.file.value = ({"name": "../../etc/passwd", "type": "", "size": 9, "last_modified": NOW,
                      "content": memoryview(b"\x00\x01\x02binary")},)
    assert "not a text file" in shown_upload(up) and up.file.value == ()
    up.file.value = ({"name": "x.csv", "type": "text/csv", "size": 8, "last_modified": NOW,
                      "content": memoryview(b"v\n1\n2\n5\n")},)
    assert up.errors.value == "" and bw.x.tolist() == [1, 2, 5]


def test_uploading_while_another_source_is_shown_switches_to_it(bw):
    assert bw.source.value != USER
    bw.upload.load("a;b\n1,5;2\n2,5;3\n7;1\n", "pasted data")
    settle(bw._work)
    assert bw.source.value == USER and bw.x.tolist() == [1.5, 2.5, 7.0]


def test_every_source_draws(bw):
    for key, src in SOURCES.items():
        if key != USER:
            x = src.draw(200, 0)
            assert x.ndim == 1 and x.size >= 100 and np.all(np.isfinite(x)), key
            assert (src.truth is None) != (src.fixed is None)


def test_the_2d_view_is_built_on_opening_and_follows_its_slider(bw):
    v = bw.view_2d
    assert not v.built and v.figure.widget is None
    v.widget.selected_index = 0
    assert v.built
    z0 = v.density()
    v.scale.value = 0.5
    z1 = v.density()
    assert z0.shape == z1.shape == (v.figure.widget.data[0].y.size, v.figure.widget.data[0].x.size)
    assert z1.max() > z0.max()  # narrower kernels: higher peaks
    v.rule.value = "silverman"
    assert "Silverman" in v.caption.value
    v.data.value = "old_faithful_2d"
    assert v.figure.widget.data[1].x.size == 272
    assert v.upload.widget.layout.display == "none"
    v.data.value = USER
    assert v.upload.widget.layout.display is None
    assert v.figure.widget.data[1].x.size == 15 and v.figure.widget.layout.xaxis.title.text == "eruptions"
    v.upload.load(b"a,b,c\n1,2,9\n2,1,9\n3,5,9\n4,4,9\n", "t.csv")
    assert v.figure.widget.data[1].x.tolist() == [1, 2, 3, 4]
    v.upload.y.value = "c"
    assert "column 'c' is constant" in html.unescape(v.upload.errors.value)
    v.upload.y.value = "a"
    assert "different columns" in html.unescape(v.upload.errors.value)
    v.upload.x.value = "b"
    assert v.upload.errors.value == "" and v.figure.widget.data[1].y.tolist() == [1, 2, 3, 4]
    v.data.value = "old_faithful_2d"


@pytest.fixture(scope="module")
def hd(lab):
    tab = lab.tab(ui_kde.RegimesTab)
    lab.controls.set({"regimes.d": 20, "regimes.alpha": 0.3})  # before building: one small sample
    lab.tabs.selected_index = 1
    settle(tab._sim, tab._digits)
    return tab


def test_high_dimensions_tab_simulates_and_places_the_digits(hd, lab):
    assert hd.built and hd.sample is not None and hd.sample.d == 20
    hs = np.concatenate([s.h for s in hd.curves])
    assert hs.size == ui_kde.tab_regimes.CURVE_POINTS
    w = hd.figure.widget
    assert len(w.data[plot_regimes.TRACE["participation"]].x) == hs.size
    part = np.concatenate([s.mean_participation for s in hd.curves])
    assert part[0] > 0.5 > part[-1]  # a few terms carry the sum at small h, all share it at large h
    assert hd.placement is not None and hd.placement.d == 64
    assert "extreme-value" in hd.digits_text.value
    names = [t.name for t in w.data]
    assert any(n and n.startswith("digits") for n in names)
    assert lab.errors.value == ""


def test_the_h_slider_reevaluates_the_stored_sample(hd):
    sample = hd.sample
    hd.h.value = 0.4
    x_small = np.asarray(hd.figure.widget.data[plot_regimes.TRACE["histogram"]].x)
    hd.h.value = 2.0
    x_large = np.asarray(hd.figure.widget.data[plot_regimes.TRACE["histogram"]].x)
    assert hd.sample is sample  # no new draw
    np.testing.assert_allclose(x_large, sample.evaluate([2.0]).log_rho[0] / sample.d)
    assert not np.allclose(x_small, x_large)
    assert "CLT" in hd.readout.value
    hd.h.value = 0.4
    assert "extreme-value" in hd.readout.value
    hd.hist.value = "log_ratio"
    np.testing.assert_allclose(hd.figure.widget.data[0].x, sample.evaluate([0.4]).log_ratio[0])
    hd.hist.value = "log_rho"


def test_a_simulation_too_large_is_refused_on_the_page(hd, lab):
    sample = hd.sample
    lab.controls.set({"regimes.d": 200, "regimes.alpha": 1.0})
    settle(hd._sim)
    assert "simulation refused" in shown(lab)
    assert hd.sample is sample  # the last simulation stays on the plots
    lab.controls.set({"regimes.d": 12, "regimes.alpha": 0.4})
    settle(hd._sim)
    assert lab.errors.value == "" and hd.sample.d == 12
    assert "12" in hd.status.value
