"""Densities, CDFs, samplers and moments against scipy, plus input validation.

Every density of :mod:`explorer.distributions` is compared with its scipy counterpart (or an
explicit formula typed in here), its integral with ``scipy.integrate.quad``, and its sampler
with the known moments (fixed seeds; tolerances of several standard errors, stated).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from explorer.distributions import (
    Affine,
    Categorical,
    Empirical,
    Exp,
    Gaussian,
    Laplace,
    Mixture,
    Sinh,
    StudentT,
    Transformed,
    Uniform,
    gaussian_mixture_parts,
    silverman_bandwidth,
)

X = np.concatenate([np.linspace(-30, 30, 121), [-1e4, -200.5, 1e-9, 200.5, 1e4]])


# =============================================================================================
# Parametric 1-D families vs scipy.stats
# =============================================================================================
FAMILIES = [
    (Gaussian(0.7, 1.9), stats.norm(0.7, 1.9)),
    (Gaussian(-3, 0.05), stats.norm(-3, 0.05)),
    (StudentT(1, 0.5, 2.0), stats.t(1, 0.5, 2.0)),
    (StudentT(2.5, -1, 0.3), stats.t(2.5, -1, 0.3)),
    (StudentT(30), stats.t(30)),
    (Laplace(1.5, 0.4), stats.laplace(1.5, 0.4)),
    (Uniform(-2, 5), stats.uniform(-2, 7)),
]
FAMILY_IDS = ["N", "N-narrow", "Cauchy", "t2.5", "t30", "Laplace", "U"]


@pytest.mark.parametrize(("d", "ref"), FAMILIES, ids=FAMILY_IDS)
def test_logpdf_cdf_sf_match_scipy(d, ref):
    with np.errstate(divide="ignore"):
        expected = ref.logpdf(X)
    got = d.logpdf(X)
    lo, hi = d.support
    inside = (X >= lo) & (X <= hi)
    np.testing.assert_array_equal(np.isfinite(got), inside)  # -inf exactly off the support
    finite = np.isfinite(expected)  # scipy's Laplace logpdf underflows to -inf at |x| = 1e4
    np.testing.assert_allclose(got[finite], expected[finite], rtol=1e-12, atol=1e-12)
    if isinstance(d, Laplace):
        np.testing.assert_allclose(got, -np.abs(X - d.loc) / d.scale - math.log(2 * d.scale), rtol=1e-14)
    np.testing.assert_allclose(d.pdf(X), ref.pdf(X), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(d.cdf(X), ref.cdf(X), rtol=1e-12, atol=1e-300)
    # sf must be accurate in the right tail, where 1 − cdf would cancel to 0
    np.testing.assert_allclose(d.sf(X), ref.sf(X), rtol=1e-10, atol=1e-300)
    c, s = d.cdf_sf(X)
    np.testing.assert_allclose(c + s, 1.0, rtol=1e-12)
    assert not np.any(np.isnan(got))
    # shapes are preserved
    assert d.logpdf(np.zeros((2, 3))).shape == (2, 3)
    assert np.ndim(d.logpdf(0.3)) == 0


@pytest.mark.parametrize(("d", "ref"), FAMILIES, ids=FAMILY_IDS)
def test_densities_integrate_to_one(d, ref):
    pts = sorted({*d.breakpoints(), d.plot_range()[0], d.plot_range()[1]})
    pieces = [-np.inf, *pts, np.inf]
    total = sum(
        integrate.quad(lambda x: float(d.pdf(x)), a, b, limit=400, epsabs=1e-13)[0]
        for a, b in zip(pieces[:-1], pieces[1:], strict=True)
    )
    np.testing.assert_allclose(total, 1.0, rtol=1e-8)


@pytest.mark.parametrize(("d", "ref"), FAMILIES, ids=FAMILY_IDS)
def test_moments_and_sampler(d, ref):
    mean, var = ref.stats("mv")
    if np.isfinite(mean):
        np.testing.assert_allclose(d.mean, mean, rtol=1e-12, atol=1e-15)
    else:
        assert math.isnan(d.mean)
    if np.isfinite(var):
        np.testing.assert_allclose(d.var, var, rtol=1e-12)
        np.testing.assert_allclose(d.cov, [[var]], rtol=1e-12)
    else:
        assert math.isinf(d.var) or math.isnan(d.var)
    n = 200_000
    x = d.sample(n, rng=123)
    assert x.shape == (n,)
    np.testing.assert_array_equal(x, d.sample(n, rng=np.random.default_rng(123)))  # seed ≡ Generator
    # Kolmogorov–Smirnov distance of 200 000 draws: ~1/sqrt(n) ≈ 0.002 under the null
    assert stats.kstest(x, ref.cdf).statistic < 0.006
    if np.isfinite(var) and ref.stats("k") < 50:  # mean within 5 standard errors
        assert abs(x.mean() - mean) < 5 * math.sqrt(var / n)


def test_student_t_moment_conventions():
    assert math.isnan(StudentT(1).mean) and math.isnan(StudentT(0.5).var)
    assert StudentT(2).var == math.inf and StudentT(1.5).mean == 0.0
    np.testing.assert_allclose(StudentT(5, 1, 2).var, 4 * 5 / 3, rtol=1e-14)


def test_student_t_far_tail_log_density_is_finite():
    """Regression: log(1 + z²/ν) overflowed for |z| > 1.3e154, making the density exactly 0.

    Reference: log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ) − log s − (ν+1)/2 · [2 log|z| − log ν + log1p(ν/z²)].
    """
    nu, s = 3.0, 2.0
    x = np.array([1e150, -1e300, 1e308, 1e20])
    z = x / s
    expected = (
        special.gammaln((nu + 1) / 2)
        - special.gammaln(nu / 2)
        - 0.5 * math.log(nu * math.pi)
        - math.log(s)
        - (nu + 1) / 2 * (2 * np.log(np.abs(z)) - math.log(nu) + np.log1p(nu * (1 / z) ** 2))
    )
    np.testing.assert_allclose(StudentT(nu, 0, s).logpdf(x), expected, rtol=1e-12)


def test_uniform_is_closed_and_minus_inf_outside():
    u = Uniform(0, 2)
    np.testing.assert_allclose(u.logpdf([0.0, 1.0, 2.0]), [-math.log(2)] * 3, rtol=1e-15)
    assert np.all(u.logpdf([-1e-12, 2 + 1e-12, -np.inf, np.inf]) == -np.inf)
    assert u.support == (0.0, 2.0) and u.breakpoints() == (0.0, 2.0)


def test_describe_and_repr():
    assert Gaussian(1, 2).describe() == "N(1, 2²)"
    assert "Laplace" in repr(Laplace(0, 1))
    assert Uniform(0, 1).describe() == "U[0, 1]"
    assert Categorical([0.5, 0.5]).describe() == "Cat(0.5, 0.5)"


# =============================================================================================
# Multivariate Gaussian
# =============================================================================================
def test_multivariate_gaussian_vs_scipy():
    mean = [0.5, -1.0, 2.0]
    cov = [[2.0, 0.3, -0.4], [0.3, 1.0, 0.2], [-0.4, 0.2, 0.5]]
    g = Gaussian(mean=mean, cov=cov)
    ref = stats.multivariate_normal(mean, cov)
    x = np.random.default_rng(0).normal(size=(4, 5, 3)) * 3
    np.testing.assert_allclose(g.logpdf(x), ref.logpdf(x), rtol=1e-12)
    assert g.logpdf(x).shape == (4, 5)
    assert g.dim == 3
    np.testing.assert_allclose(g.mean, mean)
    np.testing.assert_allclose(g.cov, cov)
    np.testing.assert_allclose(g.var, np.diag(cov))
    s = g.sample(100_000, rng=5)
    assert s.shape == (100_000, 3)
    np.testing.assert_allclose(s.mean(0), mean, atol=5 * math.sqrt(2.0 / 1e5))
    np.testing.assert_allclose(np.cov(s, rowvar=False), cov, atol=0.03)
    # mean and cov are copies: mutating them does not change the distribution
    g.mean[0] = 99.0
    g.cov[0, 0] = 99.0
    np.testing.assert_allclose(g.logpdf(x), ref.logpdf(x), rtol=1e-12)


def test_one_by_one_covariance_is_1d():
    g = Gaussian(mean=[2.0], cov=[[4.0]])
    assert g.dim == 1 and g.std == 2.0
    np.testing.assert_allclose(g.logpdf(X), stats.norm(2, 2).logpdf(X), rtol=1e-12)


# =============================================================================================
# Mixture
# =============================================================================================
def test_mixture_against_weighted_scipy_sum():
    comps = [Gaussian(-2, 0.5), Laplace(1, 0.7), StudentT(3, 4, 1.5)]
    refs = [stats.norm(-2, 0.5), stats.laplace(1, 0.7), stats.t(3, 4, 1.5)]
    w = np.array([0.2, 0.5, 0.3])
    m = Mixture(comps, w)
    dens = sum(wk * r.pdf(X) for wk, r in zip(w, refs, strict=True))
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(m.logpdf(X), np.log(dens), rtol=1e-12)
    np.testing.assert_allclose(
        m.cdf(X), sum(wk * r.cdf(X) for wk, r in zip(w, refs, strict=True)), rtol=1e-12
    )
    np.testing.assert_allclose(
        m.sf(X), sum(wk * r.sf(X) for wk, r in zip(w, refs, strict=True)), rtol=1e-10, atol=1e-300
    )
    mean = sum(wk * r.mean() for wk, r in zip(w, refs, strict=True))
    second = sum(wk * (r.var() + r.mean() ** 2) for wk, r in zip(w, refs, strict=True))
    np.testing.assert_allclose(m.mean, mean, rtol=1e-12)
    np.testing.assert_allclose(m.var, second - mean**2, rtol=1e-12)
    assert m.breakpoints() == (1.0,)
    x = m.sample(100_000, rng=2)
    assert stats.kstest(x, lambda t: m.cdf(t)).statistic < 0.008


def test_mixture_far_tails_do_not_underflow():
    # log-sum-exp: at x = ±60 a Gaussian component's density underflows but the mixture's does not
    m = Mixture([Gaussian(-1, 1), Gaussian(1, 1)])
    expected = np.logaddexp(stats.norm(-1).logpdf(60.0), stats.norm(1).logpdf(60.0)) + math.log(0.5)
    np.testing.assert_allclose(m.logpdf(60.0), expected, rtol=1e-12)
    assert np.isfinite(m.logpdf(1e5))


def test_mixture_zero_weight_component_is_ignored():
    m = Mixture([Gaussian(0, 1), Uniform(10, 11)], [1.0, 0.0])
    np.testing.assert_allclose(m.logpdf(X), stats.norm.logpdf(X), rtol=1e-12)
    assert m.support == (-math.inf, math.inf)
    assert m.plot_range() == Gaussian(0, 1).plot_range()


def test_mixture_2d_moments():
    a = Gaussian(mean=[0, 0], cov=np.eye(2))
    b = Gaussian(mean=[2, 0], cov=[[1, 0.5], [0.5, 2]])
    m = Mixture([a, b], [0.25, 0.75])
    np.testing.assert_allclose(m.mean, [1.5, 0.0])
    # law of total covariance
    expected = (
        0.25 * np.eye(2) + 0.75 * np.array([[1, 0.5], [0.5, 2]]) + 0.25 * 0.75 * np.array([[4, 0], [0, 0]])
    )
    np.testing.assert_allclose(m.cov, expected, rtol=1e-12)
    x = np.random.default_rng(1).normal(size=(7, 2))
    ref = np.log(
        0.25 * stats.multivariate_normal([0, 0], np.eye(2)).pdf(x)
        + 0.75 * stats.multivariate_normal([2, 0], [[1, 0.5], [0.5, 2]]).pdf(x)
    )
    np.testing.assert_allclose(m.logpdf(x), ref, rtol=1e-12)


def test_docstring_example_mixture_moments():
    p = Mixture([Gaussian(-2, 0.5), Gaussian(2, 0.5)], [0.5, 0.5])
    assert p.mean == 0.0
    np.testing.assert_allclose(p.var, 4.25, rtol=1e-15)


def test_gaussian_mixture_parts():
    w, mu, cov = gaussian_mixture_parts(Gaussian(1, 2))
    np.testing.assert_allclose(w, [1.0])
    np.testing.assert_allclose(mu, [[1.0]])
    np.testing.assert_allclose(cov, [[[4.0]]])
    m = Mixture([Gaussian(0, 1), Mixture([Gaussian(1, 2), Gaussian(3, 1)], [0.5, 0.5])], [0.4, 0.6])
    w, mu, cov = gaussian_mixture_parts(m)
    np.testing.assert_allclose(w, [0.4, 0.3, 0.3])
    np.testing.assert_allclose(mu[:, 0], [0, 1, 3])
    np.testing.assert_allclose(cov[:, 0, 0], [1, 4, 1])
    e = Empirical([0.0, 1.0, 3.0], bandwidth=0.5)
    w, mu, cov = gaussian_mixture_parts(e)
    np.testing.assert_allclose(w, [1 / 3] * 3)
    np.testing.assert_allclose(mu[:, 0], [0.0, 1.0, 3.0])
    np.testing.assert_allclose(cov[:, 0, 0], [0.25] * 3)
    assert gaussian_mixture_parts(Laplace(0, 1)) is None
    assert gaussian_mixture_parts(Mixture([Gaussian(0, 1), Laplace(0, 1)])) is None


# =============================================================================================
# Empirical (Gaussian KDE)
# =============================================================================================
def _kde_logpdf_brute(data, h, x):
    """log( (1/n) Σ φ((x − xᵢ)/h)/h ) by an explicit log-sum-exp over all points."""
    z = (np.asarray(x)[:, None] - data[None, :]) / h
    return special.logsumexp(-0.5 * z * z, axis=1) - math.log(data.size * h) - 0.5 * math.log(2 * math.pi)


def test_silverman_rule_formula():
    x = np.random.default_rng(4).standard_t(3, size=500)
    sigma = np.std(x, ddof=1)
    iqr = np.subtract(*np.percentile(x, [75, 25]))
    expected = 0.9 * min(sigma, iqr / 1.34) * 500 ** (-0.2)
    np.testing.assert_allclose(silverman_bandwidth(x), expected, rtol=1e-14)
    # zero IQR falls back to σ
    y = np.array([0.0] * 10 + [1.0])
    np.testing.assert_allclose(silverman_bandwidth(y), 0.9 * np.std(y, ddof=1) * 11 ** (-0.2), rtol=1e-14)


def test_empirical_1d_logpdf_matches_brute_force_and_scipy():
    data = np.random.default_rng(5).normal(size=300) * np.array([1, 3] * 150)
    e = Empirical(data)
    h = silverman_bandwidth(data)
    assert e.bandwidth_ == pytest.approx(h, rel=1e-14) and e.bandwidth_rule.startswith("Silverman")
    # near the data and far away (> 40 bandwidths: the evaluation takes a shortcut there)
    x = np.concatenate(
        [
            np.linspace(-15, 15, 301),
            data.min() - np.array([41, 100, 1e3]) * h,
            data.max() + np.array([41, 100, 1e3]) * h,
        ]
    )
    np.testing.assert_allclose(e.logpdf(x), _kde_logpdf_brute(data, h, x), rtol=1e-12)
    # scipy's gaussian_kde with the same kernel width (its factor multiplies the sample std)
    kde = stats.gaussian_kde(data, bw_method=h / np.std(data, ddof=1))
    inner = np.linspace(-10, 10, 101)
    np.testing.assert_allclose(e.logpdf(inner), kde.logpdf(inner), rtol=1e-9)
    # cdf and sf: mixtures of normal cdfs, accurate in either tail
    z = (x[:, None] - data[None, :]) / h
    np.testing.assert_allclose(e.cdf(x), special.ndtr(z).mean(1), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(e.sf(x), special.ndtr(-z).mean(1), rtol=1e-12, atol=1e-300)
    # moments of the KDE: data mean; data variance (ddof=0) plus h²
    np.testing.assert_allclose(e.mean, data.mean(), rtol=1e-14)
    np.testing.assert_allclose(e.var, data.var() + h * h, rtol=1e-12)
    # smoothed bootstrap: the sampler draws from the KDE itself
    s = e.sample(100_000, rng=9)
    assert stats.kstest(s, lambda t: e.cdf(t)).statistic < 0.008


def test_empirical_bandwidth_options():
    data = np.random.default_rng(6).normal(size=200)
    # Scott's normal-reference rule (4/3)^(1/5)·σ·n^(−1/5) (Scott 1992; "1.06" is its rounding)
    np.testing.assert_allclose(
        Empirical(data, bandwidth="scott").bandwidth_,
        (4 / 3) ** 0.2 * np.std(data, ddof=1) * 200 ** (-0.2), rtol=1e-12,
    )
    fixed = Empirical(data, bandwidth=0.3)
    assert fixed.bandwidth_ == 0.3 and fixed.bandwidth_rule.startswith("fixed")
    # every rule of the one KDE registry is accepted, e.g. ISJ (Botev et al. 2010)
    assert Empirical(data, bandwidth="isj").bandwidth_rule
    np.testing.assert_allclose(fixed.logpdf([0.0, 2.0]), _kde_logpdf_brute(data, 0.3, [0.0, 2.0]), rtol=1e-12)
    assert Empirical(data.reshape(-1, 1)).dim == 1


def test_empirical_2d_matches_scipy_gaussian_kde():
    rng = np.random.default_rng(7)
    data = rng.multivariate_normal([0, 1], [[1, 0.6], [0.6, 2]], size=400)
    e = Empirical(data)  # Scott: H = n^(−2/(d+4)) Σ̂, exactly scipy's default
    kde = stats.gaussian_kde(data.T)
    x = rng.normal(size=(50, 2)) * 3
    np.testing.assert_allclose(e.logpdf(x), kde.logpdf(x.T), rtol=1e-9)
    np.testing.assert_allclose(e.kernel_cov, kde.covariance, rtol=1e-12)
    np.testing.assert_allclose(e.cov, np.cov(data, rowvar=False, ddof=0) + kde.covariance, rtol=1e-12)
    iso = Empirical(data, bandwidth=0.5)
    np.testing.assert_allclose(iso.kernel_cov, 0.25 * np.eye(2))
    ref = special.logsumexp(-0.5 * ((x[:, None, :] - data[None]) ** 2).sum(-1) / 0.25, axis=1) - math.log(
        400 * 2 * math.pi * 0.25
    )
    np.testing.assert_allclose(iso.logpdf(x), ref, rtol=1e-12)
    assert iso.sample(10, rng=0).shape == (10, 2)


# =============================================================================================
# Pushforwards
# =============================================================================================
def test_exp_of_gaussian_is_log_normal():
    d = Transformed(Gaussian(0.3, 0.8), Exp())
    ref = stats.lognorm(s=0.8, scale=math.exp(0.3))
    y = np.concatenate([[-1.0, 0.0], np.geomspace(1e-8, 1e4, 50)])
    with np.errstate(divide="ignore"):
        expected = ref.logpdf(y)
    np.testing.assert_allclose(d.logpdf(y), expected, rtol=1e-12)
    np.testing.assert_allclose(d.cdf(y), ref.cdf(y), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(d.sf(y), ref.sf(y), rtol=1e-10, atol=1e-300)
    assert d.support == (0.0, math.inf)
    mean, var = ref.stats("mv")
    # moments are Monte Carlo estimates (200 000 draws): a few standard errors
    np.testing.assert_allclose(d.mean, mean, rtol=0.01)
    np.testing.assert_allclose(d.var, var, rtol=0.05)


def test_affine_pushforward_reflects():
    d = Transformed(Gaussian(0, 1), Affine(-2.0, 1.0))
    ref = stats.norm(1, 2)
    np.testing.assert_allclose(d.logpdf(X), ref.logpdf(X), rtol=1e-12)
    np.testing.assert_allclose(d.cdf(X), ref.cdf(X), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(d.sf(X), ref.sf(X), rtol=1e-12, atol=1e-300)
    lap = Transformed(Laplace(1, 1), Affine(-1.0))
    assert lap.breakpoints() == (-1.0,)
    np.testing.assert_allclose(lap.logpdf(X), -np.abs(X + 1) - math.log(2), rtol=1e-12)


def test_sinh_pushforward_density():
    base = StudentT(3)
    d = Transformed(base, Sinh())
    y = np.array([-50.0, -1.0, 0.0, 0.5, 7.0])
    expected = stats.t(3).logpdf(np.arcsinh(y)) - 0.5 * np.log1p(y * y)
    np.testing.assert_allclose(d.logpdf(y), expected, rtol=1e-12)
    np.testing.assert_allclose(d.cdf(y), stats.t(3).cdf(np.arcsinh(y)), rtol=1e-12)
    # far tail: |dT⁻¹/dy| = 1/sqrt(1 + y²) ≈ 1/|y|; regression: computing 1 + y² overflowed for
    # |y| > 1.3e154 and the density became exactly 0 although log p is about −484 there
    big = np.array([1e200, -1e300])
    expected_big = stats.t(3).logpdf(np.arcsinh(big)) - np.log(np.abs(big))
    np.testing.assert_allclose(d.logpdf(big), expected_big, rtol=1e-12)
    # ∫ p_Y(sinh u) cosh u du = 1 (the density carries the right Jacobian)
    total = sum(
        integrate.quad(lambda u: float(d.pdf(math.sinh(u))) * math.cosh(u), a, b, limit=400, epsabs=1e-14)[0]
        for a, b in ((-700, -5), (-5, 0), (0, 5), (5, 700))
    )
    np.testing.assert_allclose(total + 2 * stats.t(3).sf(700), 1.0, rtol=1e-11)  # + the mass beyond ±700


def test_transformed_samples_are_pushed_forward():
    base = Laplace(0, 0.5)
    d = Transformed(base, Exp())
    np.testing.assert_allclose(d.sample(1000, rng=3), np.exp(base.sample(1000, rng=3)))
    assert d.describe() == "exp(Laplace(0, 0.5))"


# =============================================================================================
# Categorical
# =============================================================================================
def test_categorical():
    p = Categorical([0.1, 0.0, 0.6, 0.3], values=[-1.0, 0.5, 2.0, 4.0], labels=["a", "b", "c", "d"])
    np.testing.assert_allclose(p.logpmf([-1.0, 2.0, 4.0]), np.log([0.1, 0.6, 0.3]), rtol=1e-15)
    assert np.all(p.logpmf([0.5, 3.0, 100.0]) == -np.inf)
    np.testing.assert_allclose(p.mean, 0.1 * -1 + 0.6 * 2 + 0.3 * 4, rtol=1e-15)
    np.testing.assert_allclose(p.var, stats.rv_discrete(values=([-1, 0.5, 2, 4], p.probs)).var(), rtol=1e-12)
    np.testing.assert_allclose(p.entropy(), stats.entropy([0.1, 0.6, 0.3]), rtol=1e-14)
    s = p.sample(100_000, rng=1)
    freq = np.array([np.mean(s == v) for v in p.values])
    np.testing.assert_allclose(freq, p.probs, atol=5 * math.sqrt(0.25 / 1e5))
    assert p.k == 4 and p.labels == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(Categorical([0.5, 0.5]).values, [0.0, 1.0])


# =============================================================================================
# Validation: ValueError naming the offending parameter
# =============================================================================================
@pytest.mark.parametrize(
    ("factory", "pattern"),
    [
        (lambda: Gaussian(0, -1), "std must be > 0, got -1"),
        (lambda: Gaussian(0, 0), "std must be > 0"),
        (lambda: Gaussian(float("nan"), 1), "mean must be finite"),
        (lambda: Gaussian(0, float("inf")), "std must be finite"),
        (lambda: Gaussian("a", 1), "mean must be a real number"),
        (lambda: Gaussian(0, 1, cov=[[1]]), "either std .* or cov"),
        (lambda: Gaussian(mean=[0, 0], cov=[[1, 2], [2, 1]]), "cov must be positive definite"),
        (lambda: Gaussian(mean=[0, 0], cov=[[1, 0], [0, 0]]), "cov must be positive definite"),
        (lambda: Gaussian(mean=[0, 0], cov=[[1, 0.5], [0.2, 1]]), "cov must be symmetric"),
        (lambda: Gaussian(mean=[0, 0], cov=[[1, 0, 0], [0, 1, 0]]), "cov must be a square matrix"),
        (lambda: Gaussian(mean=[0, 0, 0], cov=np.eye(2)), "mean has 3 entries but cov is 2x2"),
        (lambda: Gaussian(mean=[0, np.nan], cov=np.eye(2)), "mean contains NaN"),
        (lambda: Gaussian(mean=[0, 0], cov=[[1, np.nan], [np.nan, 1]]), "cov contains NaN"),
        (lambda: StudentT(0), "df must be > 0"),
        (lambda: StudentT(3, scale=-1), "scale must be > 0"),
        (lambda: StudentT(3, loc=np.inf), "loc must be finite"),
        (lambda: Laplace(0, 0), "scale must be > 0"),
        (lambda: Uniform(1, 1), "high must be > low"),
        (lambda: Uniform(2, 1), "high must be > low, got low=2.0, high=1.0"),
        (lambda: Uniform(0, np.nan), "high must be finite"),
        (lambda: Mixture([]), "components must not be empty"),
        (lambda: Mixture([Gaussian(0, 1), "x"]), "components must be Distribution objects"),
        (lambda: Mixture([Gaussian(0, 1), Gaussian(mean=[0, 0], cov=np.eye(2))]), "share one dimension"),
        (lambda: Mixture([Gaussian(0, 1), Gaussian(1, 1)], [0.5, 0.6]), "weights must sum to 1"),
        (lambda: Mixture([Gaussian(0, 1), Gaussian(1, 1)], [1.5, -0.5]), "weights must be non-negative"),
        (lambda: Mixture([Gaussian(0, 1), Gaussian(1, 1)], [1.0]), "weights has 1 entries for 2 components"),
        (lambda: Mixture([Gaussian(0, 1)], [[1.0]]), "weights must have 1 dimension"),
        (lambda: Categorical([0.5, 0.6]), "probs must sum to 1, got 1.1"),
        (lambda: Categorical([1.2, -0.2]), "probs must be non-negative"),
        (lambda: Categorical([]), "probs must not be empty"),
        (lambda: Categorical([0.5, np.nan]), "probs contains NaN"),
        (lambda: Categorical([0.5, 0.5], values=[1, 1]), "values must be strictly increasing"),
        (lambda: Categorical([0.5, 0.5], values=[1, 2, 3]), "values has 3 entries for 2 probabilities"),
        (lambda: Categorical([0.5, 0.5], labels=["a"]), "labels has 1 entries for 2 probabilities"),
        (lambda: Empirical([1.0]), "at least 2 points, got 1"),
        (lambda: Empirical([2.0, 2.0, 2.0]), "samples are all equal"),
        (lambda: Empirical([0.0, np.nan, 1.0]), "samples contains NaN"),
        (lambda: Empirical(np.zeros((2, 2, 2))), r"samples must have shape \(n,\) or \(n, d\)"),
        (lambda: Empirical(np.ones((5, 2))), "degenerate"),
        (lambda: Empirical([0.0, 1.0], bandwidth="nope"),
         "parameter 'bandwidth': unknown rule 'nope'; valid: silverman"),
        (lambda: Empirical([0.0, 1.0], bandwidth=-0.1), "parameter 'bandwidth' must be finite and > 0"),
        (lambda: Empirical(np.array([[1.0, 0, 0], [0, 1, 0], [1, 2, 4]]), bandwidth="isj"),
         "parameter 'bandwidth'"),
        (lambda: Affine(0.0), "scale must be non-zero"),
        (lambda: Transformed(Gaussian(mean=[0, 0], cov=np.eye(2)), Exp()), "base must be a 1-D Distribution"),
        (lambda: Transformed(Gaussian(0, 1), np.exp), "transform must be a Bijection"),
        (lambda: silverman_bandwidth([1.0, 1.0, 1.0]), "zero spread"),
    ],
)
def test_constructor_errors_name_the_parameter(factory, pattern):
    with pytest.raises(ValueError, match=pattern):
        factory()


def test_evaluation_and_sampling_errors():
    g2 = Gaussian(mean=[0, 0], cov=np.eye(2))
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., 2\)"):
        g2.logpdf(np.zeros(3))
    with pytest.raises(ValueError, match="x contains NaN"):
        Gaussian(0, 1).logpdf([0.0, np.nan])
    for n in (0, -3, 2.5, True, "10"):
        with pytest.raises(ValueError, match="n must be"):
            Gaussian(0, 1).sample(n)
    with pytest.raises(ValueError, match="rng must be None, an int seed or a numpy Generator"):
        Gaussian(0, 1).sample(3, rng=1.5)
