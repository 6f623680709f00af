"""The information-bottleneck page without a browser: build it, drive its controls by name, and
check that figures, read-outs and the error box follow (the browser side is tests/e2e/).

Long work runs inline (``background=False``) except where supersession itself is tested."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explorer import information as info
from explorer.presets.joints import make_joint
from explorer.ui import information as page
from explorer.ui.information import ib_plot

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def lab():
    return page.build(background=False)


def trace(fig, name_start):
    return next(t for t in fig.data if t.name and t.name.startswith(name_start))


def test_first_render_draws_only_the_first_tab_and_imports_no_torch():
    probe = ("import json, sys\nfrom explorer.ui import information as I\nlab = I.build(background=False)\n"
             "print(json.dumps(['torch' in sys.modules, lab.tab(I.IBTab).figure.widget is not None,"
             " lab.tab(I.PlaneTab).figure.widget is None, lab.tab(I.EstimatorsTab).figure.widget is None]))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [False, True, True, True]


def test_ib_curve_is_drawn_with_the_point_at_beta_on_it(lab):
    ib = lab.tab(page.IBTab)
    assert lab.errors.value == ""
    res = ib.results["iterative"]
    fig = ib.figure.widget
    curve = trace(fig, "IB curve")
    ex, ey = res.envelope()
    np.testing.assert_allclose(curve.x, ex)
    np.testing.assert_allclose(curve.y, ey)
    pt = res.at(ib.beta.value)
    assert fig.data[ib_plot.POINT].x == (pt["I_XT"],) and fig.data[ib_plot.POINT].y == (pt["I_TY"],)
    # the level line through the point has slope 1/β
    lx, ly = fig.data[ib_plot.LEVEL].x, fig.data[ib_plot.LEVEL].y
    assert (ly[1] - ly[0]) / (lx[1] - lx[0]) == pytest.approx(1 / pt["beta"])
    # the other method's curve is drawn too (dashed)
    assert len(trace(fig, "deterministic IB").x) > 0
    assert "β = " in ib.readout.value


def test_beta_slider_moves_the_point_and_the_encoder_in_place(lab):
    ib = lab.tab(page.IBTab)
    fig = ib.figure.widget
    ib.beta.value = 0.2  # below the first transition: T ignores X
    assert fig.data[ib_plot.POINT].x[0] == pytest.approx(0.0, abs=1e-6)
    assert "1 distinct group" in ib.readout.value
    before_z = np.array(fig.data[ib_plot.ENCODER].z)
    shown = ib.figure.updates
    ib.beta.value = 500.0  # past the transitions: the inputs split into several groups
    assert ib.figure.updates == shown + 1  # one patch, no redraw
    assert fig.data[ib_plot.POINT].x[0] > 1.0
    assert int(re.search(r"fall into (\d+) distinct", ib.readout.value).group(1)) >= 4
    assert not np.array_equal(before_z, np.array(fig.data[ib_plot.ENCODER].z))
    shown_beta = ib.results["iterative"].at(500.0)["beta"]
    assert f"β = {shown_beta:.3g}" in fig.layout.annotations[ib_plot.TITLE_ENCODER].text


def test_a_gaussian_preset_draws_the_closed_form_and_going_back_uses_the_cache(lab):
    ib = lab.tab(page.IBTab)
    runs = ib._runner.runs
    lab.controls.set({"ib.preset": "gaussian"})
    closed = trace(ib.figure.widget, "Gaussian IB, closed form")
    truth = info.gaussian_ib_curve(1.0, 0.8, 1.0, betas=np.geomspace(1.0, 1000.0, 200))
    np.testing.assert_allclose(closed.y, truth.I_TY)
    assert ib.results["iterative"].I_XY == pytest.approx(make_joint("gaussian").joint.mutual_information())
    lab.controls.set({"ib.preset": "hierarchy"})
    assert ib._runner.runs == runs + 1
    assert "cache" in ib.status.value
    assert ib.results["iterative"].I_XY == pytest.approx(make_joint("hierarchy").joint.mutual_information())


def test_preset_sliders_come_from_the_preset_params(lab):
    ib = lab.tab(page.IBTab)
    lab.controls.set({"ib.preset": "faithful"})
    assert set(lab.controls.group("ib.joint")) == {"bins", "y_bins"}
    lab.controls.set({"ib.joint.y_bins": 3})
    assert ib.scene.joint.shape[1] == 3
    assert ib.figure.widget.data[ib_plot.CONDITIONAL].y == tuple(ib.scene.joint.marginal_y.labels)


def test_deterministic_ib_is_drawn_as_the_main_curve(lab):
    ib = lab.tab(page.IBTab)
    lab.controls.set({"ib.method": "deterministic"})
    assert trace(ib.figure.widget, "IB curve").name.endswith("(Strouse & Schwab 2017)")
    assert "deterministic" in ib.readout.value
    assert ib.results["deterministic"].method == "deterministic"


def test_a_newer_setting_supersedes_the_running_curve():
    lab = page.build(background=True)
    ib = lab.tab(page.IBTab)
    lab.controls.set({"ib.preset": "szt"})
    lab.controls.set({"ib.preset": "penguins"})
    assert ib._runner.wait(300)
    assert lab.errors.value == ""
    assert ib.results["iterative"].I_XY == pytest.approx(make_joint("penguins").joint.mutual_information())
    assert "computed in" in ib.status.value


def test_plane_tab_shows_the_shipped_runs_at_once(lab):
    plane = lab.select(page.PlaneTab)
    assert "shipped precomputed run" in plane.status.value
    assert plane._runner.runs == 0  # nothing trained
    fig = plane.figure.widget
    titles = [a.text for a in fig.layout.annotations[:2]]
    assert titles == ["tanh, Fixed-width binning", "relu, Fixed-width binning"]
    tanh = info.load_precomputed("szt_tanh")
    first = fig.data[0]
    np.testing.assert_allclose(first.x, tanh.trajectory("binning", 0)[0], rtol=1e-6)
    assert "train accuracy" in plane.readout.value


def test_epoch_slider_truncates_the_trajectories_in_place(lab):
    plane = lab.select(page.PlaneTab)
    fig = plane.figure.widget
    n_full = len(fig.data[0].x)
    plane.controls.set({"plane.upto": 400})
    assert len(fig.data[0].x) == 400 // 20 + 1 < n_full
    assert max(fig.data[0].marker.color) == 400
    acc = next(t for t in fig.data if t.name == "tanh train")
    assert max(acc.x) == 400


def test_two_estimators_side_by_side(lab):
    plane = lab.select(page.PlaneTab)
    lab.controls.set({"plane.compare": "estimators", "plane.estimator_b": "adaptive"})
    titles = [a.text for a in plane.figure.widget.layout.annotations[:2]]
    assert titles == ["tanh, Fixed-width binning", "tanh, Adaptive (equal-mass) binning"]
    assert plane._runner.runs == 0
    assert plane.activation_b.layout.display == "none"


def test_bad_layer_sizes_reach_the_error_box(lab):
    lab.select(page.PlaneTab)
    lab.controls.set({"plane.layers": "10, seven"})
    assert "layer sizes" in lab.errors.value
    assert isinstance(lab.errors.last, ValueError)


@pytest.mark.slow
def test_a_new_setting_trains_live_and_is_kept(lab):
    plane = lab.select(page.PlaneTab)
    lab.controls.set({"plane.dataset": "digits"})
    assert "digits_tanh.npz" in plane.status.value
    lab.controls.set({"plane.compare": "estimators", "plane.layers": "8", "plane.every": 50})
    lab.controls.set({"plane.epochs": 100})
    assert lab.errors.value == ""
    assert "Trained 1 run" in plane.status.value
    run = plane.available(("digits", (8,), "tanh", 100, 50), ("binning", "adaptive"))
    assert run is not None and list(run.epochs) == [0, 50, 100]
    assert len(plane.figure.widget.data[0].x) == 3
    trained = plane._runner.runs
    lab.controls.set({"plane.epochs": 200})  # a different setting trains again…
    lab.controls.set({"plane.epochs": 100})  # …and the first one is back without training
    assert plane._runner.runs == trained + 1
    assert "trained live in this session" in plane.status.value


def test_estimators_tab_draws_every_chosen_estimator_and_the_truth(lab):
    est = lab.select(page.EstimatorsTab)
    lab.controls.set({"estimators.reps": 2, "estimators.n": 250,
                      "estimators.methods": ("ksg", "gaussian"), "estimators.task": "gauss-1x1-rho0.9"})
    fig = est.figure.widget
    names = [t.name for t in fig.data]
    assert "KSG k-nearest neighbours" in names and "Gaussian (covariance)" in names
    truth = trace(fig, "true I(X;Y)")
    assert truth.y[0] == pytest.approx(info.benchmark_tasks()["gauss-1x1-rho0.9"].true_mi)
    ksg = trace(fig, "KSG")
    assert list(ksg.x) == [100, 250]
    assert abs(ksg.y[-1] - truth.y[0]) < 0.2


def test_estimators_by_dimension_and_an_empty_choice(lab):
    est = lab.select(page.EstimatorsTab)
    lab.controls.set({"estimators.reps": 2, "estimators.n": 100, "estimators.methods": ("gaussian",)})
    lab.controls.set({"estimators.view": "d"})
    bars = est.figure.widget.data[0]
    assert bars.type == "bar" and len(bars.x) == len(info.benchmark_tasks())
    lab.controls.set({"estimators.methods": ()})
    assert "choose at least one estimator" in lab.errors.value


CHEAP_ESTIMATORS = {"estimators.reps": 2, "estimators.n": 100, "estimators.methods": ("gaussian",)}


def test_saturation_run_button_draws_infonce_under_log_n_and_the_wd(lab):
    from explorer.ui.information import saturation_plot as sp
    from explorer.ui.widgets.controls import RUN_CLASS

    lab.controls.set(CHEAP_ESTIMATORS)
    sat = lab.select(page.EstimatorsTab).saturation
    assert RUN_CLASS in sat.button._dom_classes
    fig = sat.figure.widget
    assert len(fig.data[sp.INFONCE].x) == 0 and "press ▶" in fig.layout.title.text  # waits for ▶
    sat.dims = (1, 8)
    lab.controls.set({"saturation.n": 128, "saturation.steps": 100, "saturation.rho": 0.8})
    assert sat.shown is None  # a change before the first run does not start it
    sat.button.click()
    assert lab.errors.value == ""
    s = sat.shown
    assert s.dims.tolist() == [1, 8] and s.n == 128 and s.rho == 0.8
    fig = sat.figure.widget
    assert [t.name.split(" ")[0] for t in fig.data[:4]] == ["true", "InfoNCE's", "InfoNCE", "Wasserstein"]
    np.testing.assert_allclose(fig.data[sp.INFONCE].x, info.gaussian_pairs_mi((1, 8), 0.8))
    np.testing.assert_allclose(fig.data[sp.INFONCE].y, s.infonce)
    assert fig.data[sp.CEILING].y == pytest.approx((np.log(64),) * 2)  # scored on 64 held-out pairs
    assert fig.data[sp.WD].yaxis == "y2" and "not nats" in fig.layout.yaxis2.title.text
    assert np.all(s.infonce <= np.log(64) + 1e-6) and s.wasserstein[1] > s.wasserstein[0]
    assert sat.progress.value == 100 and "2 dimensions in" in sat.status.value
    assert "press" not in fig.layout.title.text


def test_a_newer_saturation_setting_supersedes_the_running_study():
    lab = page.build(background=True)
    lab.controls.set(CHEAP_ESTIMATORS)
    est = lab.select(page.EstimatorsTab)
    sat = est.saturation
    sat.dims = (1, 2)
    lab.controls.set({"saturation.n": 128, "saturation.steps": 100})
    sat.button.click()
    lab.controls.set({"saturation.rho": 0.6})  # while the first study runs
    assert sat._runner.wait(300) and est._runner.wait(300)
    assert lab.errors.value == ""
    assert [k[0] for k in sat.results] == [0.6]  # the ρ = 0.8 study was superseded, never finished
    assert sat.shown.rho == 0.6 and sat.shown.dims.tolist() == [1, 2]
    np.testing.assert_allclose(sat.figure.widget.data[2].x, info.gaussian_pairs_mi((1, 2), 0.6))
