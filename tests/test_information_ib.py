"""IB curves: bounds, monotonicity, concavity, limits, the Gaussian IB closed form, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from explorer.information import gaussian_ib_curve, ib_curve, szt_joint


def _random_joint(nx: int, ny: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.ones(ny) * 0.7, size=nx) / nx


class _Wrapped:
    """Any object with ``__array__`` is accepted (e.g. the restructure's Joint)."""

    def __init__(self, a: np.ndarray) -> None:
        self.a = a

    def __array__(self, dtype=None, copy=None):
        return self.a


@pytest.fixture(scope="module")
def curve():
    return ib_curve(_Wrapped(_random_joint(12, 3, 0)), np.geomspace(0.5, 5000, 30), n_clusters=12, restarts=2)


def test_bounds(curve):
    assert np.all(curve.I_TY <= curve.I_XY + 1e-9)
    assert np.all(curve.I_XT <= curve.H_X + 1e-9)
    assert np.all(curve.I_TY <= curve.I_XT + 1e-9)       # data processing: T is a function of X's channel
    np.testing.assert_allclose(curve.encoders.sum(axis=2), 1.0, atol=1e-9)
    assert curve.converged.all()


def test_limits(curve):
    assert curve.I_XT[0] < 1e-6 and curve.I_TY[0] < 1e-6          # below the critical β
    assert curve.I_TY[-1] == pytest.approx(curve.I_XY, abs=2e-3)  # large β: all the relevant information


def test_curve_monotone_and_concave(curve):
    ex, ey = curve.envelope()
    assert np.all(np.diff(ex) >= -1e-9) and np.all(np.diff(ey) >= -1e-9)
    slopes = np.diff(ey) / np.maximum(np.diff(ex), 1e-12)
    keep = np.diff(ex) > 1e-4
    assert np.all(np.diff(slopes[keep]) <= 1e-6)
    # I_XT and I_TY grow with β along the annealed solutions
    assert np.all(np.diff(curve.I_XT) >= -1e-6) and np.all(np.diff(curve.I_TY) >= -1e-6)


def test_lagrangian_slope_is_one_over_beta(curve):
    # on the curve dI_TY/dI_XT = 1/β (Tishby et al. 1999): a chord between β_i and β_{i+1} has a
    # slope between 1/β_{i+1} and 1/β_i
    dx, dy = np.diff(curve.I_XT), np.diff(curve.I_TY)
    i = np.flatnonzero(dx > 1e-3)
    chord = dy[i] / dx[i]
    assert i.size >= 5
    assert np.all(chord <= 1 / curve.betas[i] + 1e-6)
    assert np.all(chord >= 1 / curve.betas[i + 1] - 1e-6)


def test_deterministic_ib():
    r = ib_curve(_random_joint(16, 3, 1), np.geomspace(0.5, 200, 20), n_clusters=6, method="deterministic",
                 restarts=3)
    assert set(np.unique(r.encoders)) <= {0.0, 1.0}
    np.testing.assert_allclose(r.H_T, r.I_XT, atol=1e-9)      # hard clustering: I(X;T) = H(T)
    assert np.all(r.I_TY <= r.I_XY + 1e-9) and r.H_T[0] < 1e-9
    assert r.H_T[-1] <= math.log(6) + 1e-9


def test_gaussian_ib_closed_form_scalar():
    rho = 0.8
    betas = np.array([1.2, 1.5, 2.0, 10.0, 1e6])
    g = gaussian_ib_curve(1.0, rho, 1.0, betas)
    lam = 1 - rho**2
    assert g.extra["critical_betas"][0] == pytest.approx(1 / rho**2)
    assert g.I_XT[0] == 0 and g.I_XT[1] == 0
    assert g.I_XT[2] == pytest.approx(0.5 * math.log((2 - 1) * (1 - lam) / lam))
    assert g.I_TY[-1] == pytest.approx(g.I_XY, abs=1e-5)
    assert g.I_XY == pytest.approx(-0.5 * math.log(1 - rho**2))


def test_gaussian_ib_closed_form_vector():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((5, 5))
    cov = a @ a.T + 5 * np.eye(5)
    cxx, cxy, cyy = cov[:3, :3], cov[:3, 3:], cov[3:, 3:]
    g = gaussian_ib_curve(cxx, cxy, cyy, np.geomspace(1, 1e7, 400))
    ixy = 0.5 * math.log(np.linalg.det(cxx) * np.linalg.det(cyy) / np.linalg.det(cov))
    assert g.I_XY == pytest.approx(ixy)
    assert g.I_TY[-1] == pytest.approx(ixy, abs=1e-5)
    assert np.sum(g.extra["eigenvalues"] < 1 - 1e-12) == 2          # rank of Σ_xy: two components
    assert np.all(np.diff(g.I_XT) >= 0) and np.all(np.diff(g.I_TY) >= 0)
    slopes = np.diff(g.I_TY) / np.maximum(np.diff(g.I_XT), 1e-300)
    assert np.all(np.diff(slopes[np.diff(g.I_XT) > 1e-9]) <= 1e-9)   # concave


@pytest.mark.slow
def test_discrete_ib_of_a_fine_gaussian_matches_the_closed_form():
    rho, grid = 0.8, np.linspace(-4, 4, 40)
    px = norm.pdf(grid) / norm.pdf(grid).sum()
    pyx = norm.pdf(grid[None, :], rho * grid[:, None], math.sqrt(1 - rho**2))
    pxy = px[:, None] * pyx / pyx.sum(1, keepdims=True)
    betas = np.array([1.3, 2.0, 3.0, 5.0])
    r = ib_curve(pxy, betas, n_clusters=16)
    g = gaussian_ib_curve(1.0, rho, 1.0, betas)
    assert r.I_XT[0] < 1e-6                                           # below β_c = 1/ρ² = 1.5625
    np.testing.assert_allclose(r.I_XT[1:], g.I_XT[1:], atol=0.03)
    np.testing.assert_allclose(r.I_TY[1:], g.I_TY[1:], atol=0.01)


def test_at_progress_and_cancellation():
    p = _random_joint(10, 2, 4)
    calls = []
    r = ib_curve(p, np.geomspace(0.5, 50, 8), n_clusters=4, callback=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (8, 8)
    pt = r.at(r.betas[3] * 1.01)
    assert pt["beta"] == r.betas[3] and pt["encoder"].shape == (10, 4)
    count = iter(range(100))
    s = ib_curve(p, np.geomspace(0.5, 50, 8), n_clusters=4, should_stop=lambda: next(count) >= 3)
    assert s.extra["stopped"] and s.betas.size == 3


def test_szt_joint_preset():
    p = szt_joint()
    r = ib_curve(p, [0.5, 1e4], n_clusters=8, restarts=1)
    assert r.I_XY / math.log(2) == pytest.approx(0.99, abs=1e-6)
    assert r.extra["merged_rows"] < 4096                    # inputs with equal p(y|x) are merged (exactly)
    assert r.encoders.shape == (2, 4096, 8)
    assert r.I_TY[-1] == pytest.approx(r.I_XY, rel=0.02)


@pytest.mark.parametrize("pxy, match", [
    (np.array([0.5, 0.5]), "2-D"),
    (np.array([[0.5, 0.6], [0.1, -0.2]]), "non-negative"),
    (np.array([[0.5, 0.5], [0.5, 0.5]]), "sum to 1"),
    (np.array([[0.5, np.nan], [0.25, 0.25]]), "NaN"),
])
def test_bad_joint(pxy, match):
    with pytest.raises(ValueError, match=match):
        ib_curve(pxy, [1.0])


def test_bad_arguments():
    p = _random_joint(4, 2, 5)
    with pytest.raises(ValueError, match="betas"):
        ib_curve(p, [0.0, 1.0])
    with pytest.raises(ValueError, match="method"):
        ib_curve(p, [1.0], method="greedy")
    with pytest.raises(ValueError, match="n_clusters"):
        ib_curve(p, [1.0], n_clusters=1)
    with pytest.raises(ValueError, match="positive definite"):
        gaussian_ib_curve(1.0, 2.0, 1.0)
