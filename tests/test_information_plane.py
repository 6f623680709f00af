"""Information plane, the generated 12-bit task, known-MI tasks, CS-IB regression, Wasserstein dependency."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from explorer import information as info
from explorer.information.plane import _icosahedron


def test_szt_task_is_generated_as_described():
    t = info.szt_task()
    assert t["x"].shape == (4096, 12) and np.unique(t["x"], axis=0).shape[0] == 4096
    assert abs(t["y"].mean() - 0.5) < 0.02
    # O(3) symmetry: a rotation of the icosahedron permutes the 12 inputs and keeps every label
    v = _icosahedron()
    axis = v[0]
    a = 2 * math.pi / 5
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    rot = np.eye(3) + math.sin(a) * k + (1 - math.cos(a)) * k @ k
    perm = np.argmin(np.linalg.norm((v @ rot.T)[:, None, :] - v[None, :, :], axis=2), axis=1)
    assert sorted(perm) == list(range(12)) and not np.array_equal(perm, np.arange(12))
    moved = np.zeros_like(t["x"])
    moved[:, perm] = t["x"]
    codes = (moved * (1 << np.arange(12))).sum(1).astype(int)
    np.testing.assert_array_equal(t["y"][codes], t["y"])


@pytest.mark.slow
def test_short_run_has_the_expected_shape():
    seen = []
    r = info.information_plane(epochs=60, every=30, estimators=("binning", "adaptive"),
                               callback=lambda e, part: seen.append((e, part.I_XT.shape[1])))
    assert seen == [(0, 1), (30, 2), (60, 3)]
    assert r.I_XT.shape == (2, 3, 6) and r.layers[-1] == "output"
    assert np.all(r.I_XT[0] <= math.log(4096) + 1e-9)
    assert r.I_XT[0, 0, 0] == pytest.approx(math.log(4096), abs=0.05)   # binned first tanh layer saturates
    assert np.all(r.I_TY <= r.I_XY + 0.05)
    assert r.train_acc[-1] > r.train_acc[0] and r.test_acc[-1] > 0.6
    assert r.I_TY[0, -1, -1] > r.I_TY[0, 0, -1]                           # the output layer learns Y
    np.testing.assert_allclose(r.generalization_gap, r.train_acc - r.test_acc)


def test_shipped_run_matches_a_short_recomputation():
    shipped = info.load_precomputed("szt_tanh")
    cfg = dict(shipped.config)
    every = cfg["every"]
    cfg.update(epochs=2 * every, layers=tuple(cfg["layers"]), estimators=tuple(cfg["estimators"]))
    again = info.information_plane(**cfg)
    np.testing.assert_array_equal(again.epochs, shipped.epochs[:3])
    np.testing.assert_allclose(again.I_XT, shipped.I_XT[:, :3], atol=1e-3)
    np.testing.assert_allclose(again.I_TY, shipped.I_TY[:, :3], atol=1e-3)
    np.testing.assert_allclose(again.train_acc, shipped.train_acc[:3], atol=1e-6)
    assert shipped.train_acc[-1] > 0.95


def test_pooled_estimates_equal_serial_ones(monkeypatch):
    """The estimates run in a thread pool while training goes on; one core runs them in turn.
    Both give the same numbers (the noise of KSG is drawn in order), and the stream of partial
    results comes in epoch order either way; stopping mid-run keeps every recorded epoch whole."""
    from explorer.information import _knn

    def run(stop_after=None):
        seen, polls = [], [0]

        def should_stop():
            polls[0] += 1
            return stop_after is not None and polls[0] > stop_after

        r = info.information_plane((6, 4), epochs=40, every=10, estimators=("binning", "ksg"),
                                   callback=lambda e, part: seen.append((e, part.I_XT.shape[1])),
                                   should_stop=should_stop)
        return r, seen

    pooled, seen = run()
    assert seen == [(0, 1), (10, 2), (20, 3), (30, 4), (40, 5)]
    monkeypatch.setattr(_knn, "WORKERS", 1)   # one worker: no pool, every estimate in turn
    serial, _ = run()
    np.testing.assert_array_equal(pooled.I_XT, serial.I_XT)
    np.testing.assert_array_equal(pooled.I_TY, serial.I_TY)
    np.testing.assert_array_equal(pooled.loss, serial.loss)
    monkeypatch.undo()
    stopped, seen = run(stop_after=25)
    assert stopped.stopped and stopped.epochs.tolist() == [0, 10, 20] and [e for e, _ in seen] == [0, 10, 20]
    np.testing.assert_array_equal(stopped.I_XT, serial.I_XT[:, :3])


def test_cancellation_and_bad_input(tmp_path):
    r = info.information_plane(epochs=50, every=10, estimators=("adaptive",), should_stop=lambda: True)
    assert r.stopped and r.epochs.tolist() == [0]
    r.save(tmp_path / "run.npz")
    back = info.PlaneResult.load(tmp_path / "run.npz")
    assert back.layers == r.layers and back.stopped
    with pytest.raises(ValueError, match="tanh"):
        info.information_plane(activation="swish")
    with pytest.raises(ValueError, match="digits"):
        info.information_plane(dataset="mnist")
    with pytest.raises(ValueError, match="ksg"):
        info.information_plane(estimators=("nope",))
    with pytest.raises(ValueError, match="available"):
        info.load_precomputed("nope")


def test_digits_dataset():
    x, y = info.load_dataset("digits")
    assert x.shape == (1797, 64) and set(np.unique(y)) == set(range(10)) and x.max() <= 1.0


def test_student_t_mi_against_quadrature():
    a = np.linspace(-math.pi / 2, math.pi / 2, 1501)[1:-1]
    x, w = np.tan(a), (a[1] - a[0]) / np.cos(a) ** 2
    pts = np.stack(np.meshgrid(x, x, indexing="ij"), -1)
    for nu, rho in ((3.0, 0.0), (5.0, 0.5)):
        pj = stats.multivariate_t(loc=[0, 0], shape=[[1, rho], [rho, 1]], df=nu).pdf(pts)
        pm = stats.t(df=nu).pdf(x)
        quad = float(np.sum(pj * np.log(pj / np.outer(pm, pm)) * np.outer(w, w)))
        assert info.student_t_mi(nu, 1, 1, rho) == pytest.approx(quad, abs=2e-4)
    assert info.student_t_mi(1e7, 2, 2) == pytest.approx(0.0, abs=1e-6)   # ν → ∞: independent Gaussians


def test_evaluate_on_known_tasks():
    tasks = info.benchmark_tasks()
    assert {"gauss-1x1-rho0.5", "cubed-1x1-rho0.9", "student-1x1-nu3"} <= set(tasks)
    r = info.evaluate("ksg", "gauss-1x1-rho0.5", n=[500, 2000], reps=3, seed=1)
    assert r.estimates.shape == (3, 2) and np.all(np.isfinite(r.estimates))
    assert abs(r.bias[-1]) < 0.03 and np.all(r.std >= 0)
    g = info.evaluate("gaussian", "cubed-1x1-rho0.9", n=1000, reps=2)
    assert g.mean[0] < 0.5 * g.true_mi         # the Gaussian estimator is not invariant: it says so here
    with pytest.raises(ValueError, match="gauss-1x1"):
        info.evaluate("ksg", "nope")
    with pytest.raises(ValueError, match="n must"):
        info.evaluate("ksg", "gauss-1x1-rho0.5", n=1)


def test_wasserstein_dependency_grows_with_dependence():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 2))
    noise = rng.standard_normal((300, 2))
    wd = [info.wasserstein_dependency(x, r * x + math.sqrt(1 - r**2) * noise) for r in (0.0, 0.5, 0.9)]
    assert wd[0] < wd[1] < wd[2]


@pytest.mark.slow
def test_saturation_study_infonce_capped_wd_grows():
    s = info.saturation_study(dims=(1, 8), rho=0.95, n=128, steps=150)
    assert np.all(s.infonce <= s.ceiling + 1e-6) and s.true_mi[1] > s.ceiling
    assert s.wasserstein[1] > 2 * s.wasserstein[0]


@pytest.mark.slow
def test_cs_ib_and_vib_regression_on_the_plane():
    r = info.ib_regression(betas=(0.0, 1.0), epochs=80, estimator="gaussian")
    for m in r.methods:
        assert np.all(np.isfinite(r.test_rmse[m])) and np.all(r.test_rmse[m] < 1.2)
        assert np.all(np.isfinite(r.I_XT[m]))
    assert r.I_XT["vib"][1] < r.I_XT["vib"][0]      # β compresses the VIB representation


def test_saturation_study_streams_partials_and_stops_when_asked():
    partials = []
    s = info.saturation_study(dims=(1, 2, 3), rho=0.5, n=64, steps=5, on_partial=partials.append,
                              should_stop=lambda: len(partials) >= 2)
    assert [p.dims.tolist() for p in partials] == [[1], [1, 2]]
    assert s.dims.tolist() == [1, 2] and s.infonce.size == s.wasserstein.size == 2
    np.testing.assert_allclose(s.true_mi, info.gaussian_pairs_mi((1, 2), 0.5))
    assert s.ceiling == pytest.approx(np.log(32)) and s.n_eval == 32  # half of the 64 pairs held out
