"""Sample estimators: exact against brute-force formulas written here, cross-checked with POT
and scipy, and consistent (approaching the exact divergence as n grows; fixed seeds, stated
tolerances, no retries)."""

from __future__ import annotations

import math

import numpy as np
import ot
import pytest
from scipy import spatial, special, stats

from explorer import divergences as dv
from explorer.distributions import Empirical, Gaussian, Mixture, silverman_bandwidth
from explorer.ot import ot_1d

P1, Q1 = Gaussian(0, 1), Gaussian(1, 1.5)
P2 = Gaussian(mean=[0, 0], cov=[[1, 0.3], [0.3, 1]])
Q2 = Gaussian(mean=[1, 0], cov=1.5 * np.eye(2))


# =============================================================================================
# k-NN KL (Wang, Kulkarni & Verdú 2009)
# =============================================================================================
def _knn_kl_brute(x, y, k):
    """The estimator's formula with explicit distance matrices (no k-d tree)."""
    x, y = x.reshape(len(x), -1), y.reshape(len(y), -1)
    n, d = x.shape
    m = y.shape[0]
    dxx = spatial.distance.cdist(x, x)
    np.fill_diagonal(dxx, np.inf)
    rho = np.sort(dxx, axis=1)[:, k - 1]
    nu = np.sort(spatial.distance.cdist(x, y), axis=1)[:, k - 1]
    return d * np.mean(np.log(nu / rho)) + math.log(m / (n - 1))


@pytest.mark.parametrize(("dim", "k"), [(1, 1), (1, 5), (2, 3), (3, 5)])
def test_knn_kl_matches_brute_force_formula(dim, k):
    rng = np.random.default_rng(dim * 10 + k)
    x = rng.normal(size=(60, dim))
    y = rng.normal(0.5, 1.3, size=(85, dim))
    np.testing.assert_allclose(dv.knn_kl(x, y, k=k), _knn_kl_brute(x, y, k), rtol=1e-12)
    if dim == 1:
        np.testing.assert_allclose(dv.knn_kl(x[:, 0], y[:, 0], k=k), _knn_kl_brute(x, y, k), rtol=1e-12)


@pytest.mark.parametrize(("p", "q"), [(P1, Q1), (P2, Q2)], ids=["1d", "2d"])
def test_knn_kl_consistent(p, q):
    exact = dv.compute("kl", p, q)
    errors = {}
    for n in (500, 100_000):
        est = [dv.knn_kl(p.sample(n, s), q.sample(n, 100 + s)) for s in range(3)]
        errors[n] = float(np.mean(np.abs(np.array(est) - exact)))
        if n == 100_000:
            # standard deviation at n = 1e5 is ~1% of the value; 5% is a 4-5σ band
            np.testing.assert_allclose(est, exact, rtol=0.05)
    assert errors[100_000] < 0.5 * errors[500]


def test_knn_kl_direction_and_registry_wiring():
    x, y = P1.sample(3000, 1), Q1.sample(3000, 2)
    assert dv.compute("kl", x, y) == dv.knn_kl(x, y, 5, 0)
    assert dv.compute("reverse_kl", x, y, k=3) == dv.knn_kl(y, x, 3, 0)
    np.testing.assert_allclose(dv.compute("jeffreys", x, y), dv.knn_kl(x, y) + dv.knn_kl(y, x), rtol=1e-12)
    ev = dv.evaluate("kl", x, y)
    assert ev.method == "samples" and "k-NN" in ev.note and ev.units == "nats"


def test_knn_kl_repeated_points_are_jittered_not_infinite():
    x = np.repeat(np.arange(50.0), 3)  # every point three times: ρ_k would be 0
    y = np.random.default_rng(0).uniform(0, 50, 200)
    v = dv.knn_kl(x, y, k=2)
    assert math.isfinite(v)
    with pytest.raises(ValueError, match="more than k=5 samples"):
        dv.knn_kl(np.arange(5.0), np.arange(10.0), k=5)


# =============================================================================================
# Unbiased MMD² (Gretton et al. 2012)
# =============================================================================================
def _mmd2_u_brute(x, y, ell):
    x, y = x.reshape(len(x), -1), y.reshape(len(y), -1)
    k = lambda a, b: np.exp(-0.5 * spatial.distance.cdist(a, b, "sqeuclidean") / ell**2)  # noqa: E731
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    n, m = len(x), len(y)
    return (
        (kxx.sum() - np.trace(kxx)) / (n * (n - 1))
        + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        - 2 * kxy.mean()
    )


@pytest.mark.parametrize("dim", [1, 2])
def test_mmd2_unbiased_matches_brute_force_u_statistic(dim):
    rng = np.random.default_rng(dim)
    x, y = rng.normal(size=(70, dim)), rng.normal(0.3, 1.2, size=(55, dim))
    for ell in (0.3, 1.0, 4.0):
        np.testing.assert_allclose(
            dv.mmd2_unbiased(x, y, ell), _mmd2_u_brute(x, y, ell), rtol=1e-10, atol=1e-14
        )


def test_mmd2_unbiased_has_mean_zero_when_p_equals_q():
    rng = np.random.default_rng(2024)
    reps = np.array([dv.mmd2_unbiased(rng.normal(size=100), rng.normal(size=100), 1.0) for _ in range(300)])
    se = reps.std(ddof=1) / math.sqrt(reps.size)
    assert abs(reps.mean()) < 4 * se  # unbiased: the mean is within 4 standard errors of 0
    assert np.any(reps < 0)  # ... which needs negative values (a biased V-statistic is always > 0)
    # the registry passes it through unclipped for sample arrays
    x, y = np.random.default_rng(5).normal(size=(2, 100))
    assert dv.compute("mmd", x, y) == dv.mmd2_unbiased(x, y, 1.0)


@pytest.mark.parametrize(
    ("p", "q", "ell"),
    [(P1, Q1, 1.0), (P2, Q2, 0.7), (Mixture([Gaussian(-2, 0.5), Gaussian(2, 0.5)]), Gaussian(0, 2), 1.0)],
    ids=["1d", "2d", "mixture"],
)
def test_mmd2_unbiased_consistent(p, q, ell):
    exact = dv.compute("mmd", p, q, bandwidth=ell)
    est = dv.compute("mmd", p.sample(4000, 5), q.sample(4000, 6), bandwidth=ell)
    # standard deviation ~ 2σ_k/sqrt(n) ≈ 0.005 here: 0.015 is a 3σ band
    np.testing.assert_allclose(est, exact, atol=0.015)
    ev = dv.evaluate("mmd", p, q, method="samples", n_samples=4000, rng=1, bandwidth=ell)
    assert ev.method == "samples" and "n=4000" in ev.note
    np.testing.assert_allclose(ev.value, exact, atol=0.015)


# =============================================================================================
# Exact optimal transport
# =============================================================================================
@pytest.mark.parametrize("seed", range(6))
def test_1d_exact_ot_equals_pot_emd2(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 12, size=2) + 1
    x = rng.normal(size=n) * 2
    y = rng.standard_t(2, size=m)
    a, b = np.full(n, 1 / n), np.full(m, 1 / m)
    w1 = ot.emd2(a, b, np.abs(x[:, None] - y[None, :]))
    w2 = math.sqrt(ot.emd2(a, b, (x[:, None] - y[None, :]) ** 2))
    np.testing.assert_allclose(dv.ot_distance(x, y, 1), w1, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dv.ot_distance(x, y, 2), w2, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dv.ot_distance(x, y, 1), stats.wasserstein_distance(x, y), rtol=1e-10)
    # weighted atoms (the categorical W2 uses the same routine)
    wa, wb = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(m))
    np.testing.assert_allclose(
        ot_1d(x, wa, y, wb, 2.0) ** 2,
        ot.emd2(wa, wb, (x[:, None] - y[None, :]) ** 2),
        rtol=1e-9,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        ot_1d(x, wa, y, wb, 1.0), stats.wasserstein_distance(x, y, wa, wb), rtol=1e-9
    )


def test_2d_exact_ot_equals_pot_on_small_problem():
    rng = np.random.default_rng(11)
    x, y = rng.normal(size=(30, 2)), rng.normal(1, 1, size=(40, 2))
    cost = spatial.distance.cdist(x, y)
    np.testing.assert_allclose(
        dv.ot_distance(x, y, 1), ot.emd2(np.full(30, 1 / 30), np.full(40, 1 / 40), cost), rtol=1e-10
    )
    np.testing.assert_allclose(
        dv.ot_distance(x, y, 2) ** 2, ot.emd2(np.full(30, 1 / 30), np.full(40, 1 / 40), cost**2), rtol=1e-10
    )
    # samples of one point set against itself: zero
    assert dv.ot_distance(x, x, 2) == pytest.approx(0.0, abs=1e-12)


def test_1d_ot_consistent_with_closed_forms():
    x, y = P1.sample(200_000, 7), Q1.sample(200_000, 8)
    # empirical W_p converges at rate n^(−1/2): at n = 2e5 the error is ~0.3%; 2% is safe
    np.testing.assert_allclose(dv.compute("w1", x, y), dv.compute("w1", P1, Q1), rtol=0.02)
    np.testing.assert_allclose(dv.compute("w2", x, y), dv.compute("w2", P1, Q1), rtol=0.02)
    small = [
        abs(dv.compute("w2", P1.sample(200, s), Q1.sample(200, 50 + s)) - math.hypot(1, 0.5))
        for s in range(5)
    ]
    assert abs(dv.compute("w2", x, y) - math.hypot(1, 0.5)) < np.mean(small)


def test_2d_exact_ot_equals_an_assignment_problem():
    """Equal sizes and uniform weights: OT is an assignment problem; scipy solves it exactly."""
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(12)
    x, y = rng.normal(size=(150, 2)), rng.standard_t(3, size=(150, 2))
    for power in (1, 2):
        cost = spatial.distance.cdist(x, y) ** power
        rows, cols = linear_sum_assignment(cost)
        np.testing.assert_allclose(
            dv.ot_distance(x, y, power), cost[rows, cols].mean() ** (1 / power), rtol=1e-9
        )


def test_2d_ot_via_pot_consistent_with_closed_form():
    exact = dv.compute("w2", P2, Q2)
    ev = dv.evaluate("w2", P2.sample(1000, 9), Q2.sample(1000, 10))
    assert ev.method == "samples" and "POT" in ev.note
    # one estimate at n = 1000 scatters by ~4%; the mean of 8 by ~1.5% (plus a +1% bias): 5% band
    est = [dv.compute("w2", P2.sample(1000, s), Q2.sample(1000, 100 + s)) for s in range(8)]
    np.testing.assert_allclose(np.mean(est), exact, rtol=0.05)
    small = [dv.compute("w2", P2.sample(50, s), Q2.sample(50, 100 + s)) for s in range(8)]
    assert abs(np.mean(est) - exact) < abs(np.mean(small) - exact)


# =============================================================================================
# Parzen-window Cauchy–Schwarz (Principe 2010)
# =============================================================================================
def test_parzen_cs_matches_brute_force_formula():
    rng = np.random.default_rng(4)
    for dim in (1, 2):
        x, y = rng.normal(size=(40, dim)), rng.normal(0.5, 1.5, size=(60, dim))
        s = 0.4

        def v(a, b, s=s, dim=dim):  # mean of the N(a_i − b_j; 0, 2 s² I) kernel
            d2 = spatial.distance.cdist(a, b, "sqeuclidean")
            return np.mean(np.exp(-0.5 * d2 / (2 * s * s))) / (2 * math.pi * 2 * s * s) ** (dim / 2)

        ref = -math.log(v(x, y)) + 0.5 * math.log(v(x, x)) + 0.5 * math.log(v(y, y))
        np.testing.assert_allclose(dv.parzen_cs(x, y, s), ref, rtol=1e-10)
    # default window: Silverman's rule on the pooled first coordinate
    x1, y1 = x[:, 0], y[:, 0]
    np.testing.assert_allclose(
        dv.parzen_cs(x1, y1), dv.parzen_cs(x1, y1, silverman_bandwidth(np.r_[x1, y1])), rtol=1e-14
    )


def test_parzen_cs_consistent():
    """With a fixed window σ the estimator converges to the CS divergence of the smoothed
    densities p * N(0, σ²) and q * N(0, σ²): for Gaussians N(μ, s² + σ²) - a closed form."""
    s = 0.3
    smoothed = dv.compute("cs", Gaussian(0, math.hypot(1, s)), Gaussian(1, math.hypot(1.5, s)))
    errors = {}
    for n in (200, 2000):
        est = [dv.compute("cs", P1.sample(n, k), Q1.sample(n, 50 + k), window=s) for k in range(8)]
        errors[n] = abs(np.mean(est) - smoothed)
    # one estimate at n = 2000 scatters by ~6%; the mean of 8 by ~2%: a 5% band is ~2.5σ
    np.testing.assert_allclose(np.mean(est), smoothed, rtol=0.05)
    assert errors[2000] < errors[200]
    # the default window (Silverman's rule, ~0.2 here) shrinks with n: the estimate is near the
    # unsmoothed CS; smoothing bias ~2% plus noise ~6% for one estimate: 15% band
    est = dv.parzen_cs(P1.sample(2000, 23), Q1.sample(2000, 24))
    np.testing.assert_allclose(est, dv.compute("cs", P1, Q1), rtol=0.15)


# =============================================================================================
# KDE plug-in (divergences without a sample estimator)
# =============================================================================================
def test_kde_plug_in_is_the_divergence_between_the_two_kdes():
    x, y = P1.sample(400, 31), Q1.sample(400, 32)
    ev = dv.evaluate("js", x, y)
    assert ev.method == "kde" and "Silverman" in ev.note
    np.testing.assert_allclose(ev.value, dv.compute("js", Empirical(x), Empirical(y)), rtol=1e-12)
    # explicitly asking for the plug-in also works for entries that have a sample estimator
    np.testing.assert_allclose(
        dv.compute("kl", x, y, method="kde"),
        dv.compute("kl", Empirical(x), Empirical(y), method="quadrature"),
        rtol=1e-12,
    )
    # the KDE–KDE MMD² and CS have closed forms (Gaussian mixtures); quadrature agrees
    ex, ey = Empirical(x), Empirical(y)
    assert dv.evaluate("cs", ex, ey).method == "closed form"
    np.testing.assert_allclose(
        dv.compute("cs", ex, ey, method="quadrature"), dv.compute("cs", ex, ey), rtol=1e-7
    )
    np.testing.assert_allclose(
        dv.compute("mmd", ex, ey, method="quadrature"), dv.compute("mmd", ex, ey), rtol=1e-4
    )


def test_kde_plug_in_consistent():
    names = ["js", "hellinger", "tv", "kl", "bhattacharyya", "chi2"]
    exact = {n: dv.compute(n, P1, Q1) for n in names}
    errors = {}
    for n in (2000, 20_000):
        kdes = dv.compute_all(Empirical(P1.sample(n, 41)), Empirical(Q1.sample(n, 42)), which=names)
        errors[n] = {k: abs(v.value / exact[k] - 1) for k, v in kdes.items()}
    for k in names:
        # Silverman KDEs at n = 20 000: smoothing bias + noise of a few percent; 6% tolerance
        assert errors[20_000][k] < 0.06, (k, errors[20_000][k])
    assert np.mean(list(errors[20_000].values())) < np.mean(list(errors[2000].values()))


def test_samples_method_with_distributions_draws_or_uses_the_data():
    e = Empirical(P1.sample(500, 1))
    ev = dv.evaluate("w1", e, Q1, method="samples", n_samples=800, rng=3)
    assert "n=500 and 800" in ev.note
    x = Q1.sample(800, np.random.default_rng(3))
    # the Empirical's own data are used as they are; q is sampled with the given generator
    np.testing.assert_allclose(ev.value, dv.ot_distance(e.samples, x, 1), rtol=1e-12)


def test_sample_estimators_need_enough_points():
    with pytest.raises(ValueError, match="at least 2 samples"):
        dv.mmd2_unbiased(np.array([1.0]), np.array([1.0, 2.0]), 1.0)


def test_log_space_parzen_potentials_do_not_underflow():
    # far-apart samples with a narrow window: the cross potential underflows in linear space
    x, y = np.random.default_rng(0).normal(size=50), np.random.default_rng(1).normal(size=50) + 60
    s2 = 2 * 0.2**2

    def log_v(a, b):  # log of the mean N(a_i − b_j; 0, 2σ²) in log space
        d2 = (a[:, None] - b[None, :]) ** 2
        return (
            special.logsumexp(-0.5 * d2 / s2) - math.log(a.size * b.size) - 0.5 * math.log(2 * math.pi * s2)
        )

    v = dv.parzen_cs(x, y, 0.2)
    assert math.isfinite(v) and v > 1000
    np.testing.assert_allclose(v, -log_v(x, y) + 0.5 * (log_v(x, x) + log_v(y, y)), rtol=1e-10)


def _mixture_3d():
    p = Mixture([Gaussian(mean=[-1.5, 0, 0], cov=0.5 * np.eye(3)),
                 Gaussian(mean=[1.5, 0.5, 0], cov=0.7 * np.eye(3))])
    return p, Gaussian(mean=[0, 0, 0.2], cov=1.5 * np.eye(3))


def test_3d_sample_fallback_honours_estimator_params_rng_and_size():
    """Regression (issue 8): beyond 2-D, ``method="auto"`` falls back to the sample estimator; it
    used to drop ``k``, ``rng`` and the sample size (every call gave the same number)."""
    p, q = _mixture_3d()
    by_k = {k: dv.evaluate("kl", p, q, k=k) for k in (1, 5, 50)}
    assert all(ev.method == "samples (fallback)" for ev in by_k.values())
    assert len({ev.value for ev in by_k.values()}) == 3
    assert dv.compute("kl", p, q, rng=3) == dv.compute("kl", p, q, rng=3)
    assert dv.compute("kl", p, q, rng=0) != dv.compute("kl", p, q, rng=1)
    assert dv.compute("kl", p, q) == dv.compute("kl", p, q, rng=0)  # the default seed is 0
    small = dv.evaluate("kl", p, q, n_samples=300)
    assert small.value != by_k[5].value and "n=300 and 300" in small.note
    # the fallback is exactly the sample path of method="samples" (one helper for both)
    for kw in ({"k": 2, "rng": 7}, {"n_samples": 400, "rng": 1}):
        assert dv.compute("kl", p, q, **kw) == dv.compute("kl", p, q, method="samples", **kw)
    # and close to the truth: KL to a Gaussian by Monte Carlo with the exact log densities
    x = p.sample(200_000, np.random.default_rng(11))
    truth = float(np.mean(p.logpdf(x) - q.logpdf(x)))
    np.testing.assert_allclose(by_k[5].value, truth, rtol=0.1)
    with pytest.raises(ValueError, match="parameter 'k'"):
        dv.compute("kl", p, q, k=0)
