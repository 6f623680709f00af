"""explorer.kde.regimes: thresholds vs the reference values, theory identities, seeded simulations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize

from explorer.kde import regimes
from explorer.kde.regimes import simulation as sim_mod

# (α, s, h_G, h_CLT, h_KL) from shared/reference/kde_regimes.md §1
TABLE = [
    (0.05, 0.7502, 1.7331, 2.4509, 1.1459), (0.10, 0.6527, 1.3708, 1.9386, 1.0386),
    (0.20, 0.5223, 1.0457, 1.4788, 0.8917), (0.30, 0.4295, 0.8677, 1.2272, 0.7836),
    (0.40, 0.3572, 0.7454, 1.0541, 0.6962), (0.50, 0.2984, 0.6521, 0.9223, 0.6224),
    (0.75, 0.1912, 0.4862, 0.6875, 0.4772), (1.00, 0.1216, 0.3721, 0.5262, 0.3693),
    (2.00, 0.0180, 0.1354, 0.1914, 0.1353),
]


@pytest.mark.parametrize(("alpha", "s", "hg", "hclt", "hkl"), TABLE)
def test_thresholds_match_reference_table(alpha, s, hg, hclt, hkl):
    t = regimes.thresholds(alpha)
    assert t.s == pytest.approx(s, abs=1e-4)
    assert (t.h_G, t.h_CLT, t.h_KL) == pytest.approx((hg, hclt, hkl), abs=1e-4)
    # s solves α(s) = −½ ln s − s(1 − s)/2 (independent evaluation of the defining equation)
    assert -0.5 * math.log(t.s) - t.s * (1 - t.s) / 2 == pytest.approx(alpha, rel=1e-12)


def test_threshold_identities_and_order():
    a = np.geomspace(1e-3, 5, 200)
    t = regimes.thresholds(a)
    np.testing.assert_allclose(t.h_CLT / t.h_G, math.sqrt(2), rtol=1e-13)
    assert np.all(t.h_KL < t.h_G) and np.all(t.h_G < t.h_CLT)
    for v in (t.h_G, t.h_CLT, t.h_KL):
        assert np.all(np.diff(v) < 0)
    np.testing.assert_allclose(t.h_KL / t.h_G, np.sqrt(1 - t.s**2), rtol=1e-12)
    np.testing.assert_allclose(regimes.stable_index(t.h_KL, a), 1 - t.s**2, rtol=1e-12)
    # σ scaling
    t3 = regimes.thresholds(0.2, sigma=3.0)
    assert t3.h_G == pytest.approx(3 * regimes.thresholds(0.2).h_G, rel=1e-14)


def test_asymptotics():
    assert 0.97 <= regimes.thresholds(1e-3).h_G / (3 / (4e-3)) ** 0.25 <= 1.0
    assert abs(regimes.thresholds(5.0).h_G * math.exp(5.0) - 1) < 1e-6
    assert regimes.thresholds(8.0).h_KL / regimes.thresholds(8.0).h_G == pytest.approx(1.0, abs=1e-6)


def test_kl_branches_join_smoothly_and_minimum_at_h_kl():
    alpha = 0.2
    t = regimes.thresholds(alpha)
    eps = 1e-6
    lo, hi = regimes.kl_per_dim(t.h_G * (1 - eps), alpha), regimes.kl_per_dim(t.h_G * (1 + eps), alpha)
    assert lo == pytest.approx(hi, abs=1e-6)
    d_lo = (regimes.kl_per_dim(t.h_G * (1 - eps), alpha) - regimes.kl_per_dim(t.h_G * (1 - 2 * eps), alpha))
    d_hi = (regimes.kl_per_dim(t.h_G * (1 + 2 * eps), alpha) - regimes.kl_per_dim(t.h_G * (1 + eps), alpha))
    assert d_lo == pytest.approx(d_hi, rel=1e-3)
    res = optimize.minimize_scalar(lambda h: regimes.kl_per_dim(h, alpha), bounds=(0.3, 3), method="bounded",
                                   options={"xatol": 1e-10})
    assert res.x == pytest.approx(t.h_KL, rel=1e-5)
    assert res.fun == pytest.approx(t.kl_min_per_dim, abs=1e-10)
    assert t.kl_min_per_dim == pytest.approx(0.0854, abs=1e-4)
    # log-density branches are continuous at h_G too
    a = regimes.log_density_per_dim(t.h_G * (1 - eps), alpha)
    b = regimes.log_density_per_dim(t.h_G * (1 + eps), alpha)
    assert a == pytest.approx(b, abs=1e-5)


def test_general_spectrum_recipe_reduces_to_isotropic():
    t = regimes.thresholds(0.3)
    ti = regimes.thresholds(0.3, eigenvalues=np.ones(16))
    assert (ti.h_G, ti.h_CLT, ti.h_KL) == pytest.approx((t.h_G, t.h_CLT, t.h_KL), rel=1e-10)
    t4 = regimes.thresholds(0.3, eigenvalues=np.full(5, 4.0))
    assert t4.h_G == pytest.approx(2 * t.h_G, rel=1e-10)
    tq = regimes.thresholds(0.3, q=1.2)
    assert tq.u_min == pytest.approx(tq.s + 1.2 * tq.s**2, rel=1e-14)
    eps = 1 - tq.s
    assert -0.5 * math.log(tq.s) - eps / 2 + 1.2 * eps**2 / 2 == pytest.approx(0.3, rel=1e-12)


def test_regime_names_and_bad_input():
    t = regimes.thresholds(0.3)
    names = regimes.regime(np.array([0.9, 1.1, 1.5]) * np.array([t.h_G, t.h_G, t.h_CLT]), 0.3)
    assert list(names) == ["extreme-value", "stable", "CLT"]
    assert set(regimes.REGIMES) == {"CLT", "stable", "extreme-value"}
    for bad in (0.0, -1.0, np.nan):
        with pytest.raises(ValueError, match="'alpha'"):
            regimes.thresholds(bad)
    with pytest.raises(ValueError, match="'h'"):
        regimes.stable_index(0.0, 0.3)
    with pytest.raises(ValueError, match="'n' and 'alpha'"):
        regimes.simulate(10, n=100, alpha=0.3)


# -- simulations ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def d40():
    th = regimes.thresholds(0.2)
    hs = np.array([0.5, 0.7, 1.0, math.sqrt(2), 2.0]) * th.h_G
    return hs, regimes.simulate(40, alpha=0.2, h_values=hs, n_test=200, seed=0)


def test_simulation_matches_reference_checks(d40):
    """Reference §4 check 5 (α = 0.2, d = 40, 200 test points)."""
    _, st = d40
    part, share = st.mean_participation, st.mean_max_share
    assert 0.75 <= part[0] <= 0.86          # 0.5 h_G
    assert 0.18 <= part[2] <= 0.36          # h_G
    assert part[3] < 0.06                   # h_CLT
    assert part[4] < 0.01                   # 2 h_G
    assert share[1] > 0.6                   # 0.7 h_G
    assert share[3] < 0.15                  # h_CLT
    assert np.all(np.diff(part) < 0) and np.all(np.diff(share) < 0)
    np.testing.assert_allclose(st.participation_theory[:2], [0.75, 0.51], atol=1e-3)


def test_simulated_kl_near_theory_above_h_g(d40):
    hs, st = d40
    theory = regimes.kl_per_dim(hs, 0.2)
    assert np.all(np.isfinite(st.kl)) and np.all(st.kl_se > 0)
    # above h_G the annealed limit holds already at d = 40 (within 3 standard errors + 2 %)
    for k in (3, 4):
        assert abs(st.kl_per_dim[k] - theory[k]) < 3 * st.kl_se[k] / st.d + 0.02 * theory[k]
    assert int(np.argmin(st.kl)) in (1, 2)      # the minimum sits near/below h_G, not in the CLT regime
    s = regimes.draw(10, alpha=0.3, n_test=20, seed=1)
    nats, bits = s.evaluate(hs), s.evaluate(hs, base=2)
    np.testing.assert_allclose(bits.kl, nats.kl / math.log(2), rtol=1e-12)
    assert (nats.units, bits.units) == ("nats", "bits")


def test_finite_size_offset_shrinks_with_d():
    """h at which ⟨Σp²⟩ = ½ (theory: h_G/√2): 25–45 % high at d = 16, 5–25 % at d = 40."""
    th = regimes.thresholds(0.2)
    hh = np.geomspace(0.3 * th.h_G, 2 * th.h_G, 40)
    offsets = []
    for d in (16, 40):
        s = regimes.draw(d, alpha=0.2, n_test=200, seed=0, condition_norm=True)
        part = s.evaluate(hh).mean_participation
        offsets.append(np.interp(-0.5, -part, hh) / (th.h_G / math.sqrt(2)) - 1)
    assert 0.25 <= offsets[0] <= 0.45
    assert 0.05 <= offsets[1] <= 0.25
    assert offsets[1] < offsets[0]


def test_sample_reevaluation_is_deterministic_and_chunk_invariant(monkeypatch):
    a = regimes.draw(12, alpha=0.4, n_test=30, seed=3)
    b = regimes.draw(12, alpha=0.4, n_test=30, seed=3)
    np.testing.assert_array_equal(a.r, b.r)
    monkeypatch.setattr(sim_mod, "_CHUNK_BYTES", 4096)
    c = regimes.draw(12, alpha=0.4, n_test=30, seed=3)
    np.testing.assert_allclose(c.r, a.r, rtol=1e-12)
    # distances against a direct computation
    rng = np.random.default_rng(3)
    x = rng.standard_normal((30, 12))
    y = rng.standard_normal((a.n, 12))
    direct = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1) / 12
    np.testing.assert_allclose(a.r, direct, rtol=1e-10, atol=1e-12)
    st = a.evaluate([0.8])
    w = np.exp(-12 * a.r / (2 * 0.8**2))
    # terms are exponentiated in float32 (relative error 1e-7 each), sums in float64
    np.testing.assert_allclose(st.participation[0], (w**2).sum(1) / w.sum(1) ** 2, rtol=1e-5)
    np.testing.assert_allclose(st.max_share[0], w.max(1) / w.sum(1), rtol=1e-5)
    logrho = np.log(w.mean(1)) - 6 * math.log(2 * math.pi * 0.64)
    np.testing.assert_allclose(st.log_rho[0], logrho, rtol=0, atol=1e-5)


def test_refusal_cancellation_progress():
    with pytest.raises(ValueError, match=r"refused.*GiB.*lower alpha or d"):
        regimes.draw(30, alpha=0.5, n_test=200)
    with pytest.raises(ValueError, match=r"refused.*multiply-adds"):
        regimes.draw(200, n=50_000, n_test=200, max_work=1e9)
    with pytest.raises(ValueError, match="refused"):
        regimes.draw(100, alpha=2.0)
    assert regimes.simulate(20, alpha=0.3, n_test=10, should_stop=lambda: True) is None
    seen = []
    s = regimes.draw(20, alpha=0.3, n_test=10, progress=seen.append)
    assert s.completed and seen and seen[-1] == 1.0 and all(np.diff(seen) > 0)


def test_digits_on_the_regime_map():
    x = regimes.digits()
    assert x.shape == (1797, 64)
    p = regimes.place(x)
    assert p.alpha == pytest.approx(math.log(1797) / 64)
    assert p.h["scott"] == pytest.approx(1797 ** (-1 / 68) * p.sigma)
    assert p.regime["scott"] == "extreme-value" and p.regime["silverman"] == "extreme-value"
    assert p.regime_spectrum["scott"] == "extreme-value"
    s = regimes.RegimeSample.from_data(x, n_test=100, seed=0)
    st = s.evaluate([p.h["scott"], 3 * p.iso.h_CLT])
    assert np.all(np.isfinite(st.log_rho)) and np.isnan(st.kl).all()
    assert st.mean_participation[0] > 0.3 > st.mean_participation[1]
