"""Reference values for the divergence registry.

Every number computed by :mod:`explorer.divergences` is compared with a truth obtained
*independently* in this file: scipy densities integrated with ``scipy.integrate.quad``, a
brute-force 2-D grid, textbook closed forms typed in here, or exact identities. Tolerances are
stated next to each assertion; randomness (Monte Carlo) uses fixed seeds.
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import ot
import pytest
from scipy import integrate, linalg, special, stats

import explorer
from explorer import data as data_module
from explorer import distributions as dist_module
from explorer import divergences as dv
from explorer.distributions import (
    Categorical,
    Empirical,
    Gaussian,
    Laplace,
    Mixture,
    StudentT,
    Uniform,
)
from explorer.divergences import dispatch as dispatch_module
from explorer.divergences import measures
from explorer.divergences.grid2d import Grid2D

LOG2 = math.log(2.0)
QUAD = {"limit": 500, "epsabs": 1e-14, "epsrel": 1e-12}


# =============================================================================================
# Independent 1-D references: scipy.stats densities + scipy.integrate.quad
# =============================================================================================
def _integral(f, pieces):
    """∫ f over the consecutive intervals of ``pieces`` with scipy's adaptive quadrature."""
    return sum(integrate.quad(f, a, b, **QUAD)[0] for a, b in zip(pieces[:-1], pieces[1:], strict=True))


def _pieces(P, Q):
    """Finite integration breakpoints covering two scipy Gaussians to ±40 standard deviations."""
    m = [P.mean(), Q.mean()]
    s = max(P.std(), Q.std())
    lo, hi = min(m) - 40 * s, max(m) + 40 * s
    return sorted({lo, hi, *np.linspace(min(m) - 8 * s, max(m) + 8 * s, 9).tolist()})


def _chernoff(P, Q, a, pieces):
    return _integral(lambda x: math.exp(a * P.logpdf(x) + (1 - a) * Q.logpdf(x)), pieces)


def _kl_ref(P, Q, pieces):
    return _integral(lambda x: P.pdf(x) * (P.logpdf(x) - Q.logpdf(x)), pieces)


def _js_ref(P, Q, pieces):
    def f(x):
        lp, lq = P.logpdf(x), Q.logpdf(x)
        lm = np.logaddexp(lp, lq) - LOG2
        return 0.5 * (math.exp(lp) * (lp - lm) + math.exp(lq) * (lq - lm))

    return _integral(f, pieces)


def _pearson_ref(P, Q, pieces):
    """∫ (p − q)²/q, written as q·(p/q − 1)² = exp(log q + 2 log|e^d − 1|), d = log p − log q."""

    def f(x):
        lq, d = Q.logpdf(x), P.logpdf(x) - Q.logpdf(x)
        log_gap = d if d > 30 else math.log(abs(math.expm1(d))) if d != 0 else -math.inf
        return math.exp(lq + 2 * log_gap)

    return _integral(f, pieces)


def _w2_ref(P, Q):
    """(∫₀¹ (Q_P(u) − Q_Q(u))² du)^½ with quantile functions from scipy."""
    f = lambda u: (P.ppf(u) - Q.ppf(u)) ** 2  # noqa: E731
    return math.sqrt(integrate.quad(f, 0, 0.5, **QUAD)[0] + integrate.quad(f, 0.5, 1, **QUAD)[0])


def _expected_rbf_1d(P, Q, ell):
    """E exp(−(X−Y)²/2ℓ²) for independent Gaussians: D = X − Y ~ N(Δ, σp² + σq²), 1-D quad."""
    D = stats.norm(P.mean() - Q.mean(), math.hypot(P.std(), Q.std()))
    return _integral(lambda d: D.pdf(d) * math.exp(-0.5 * d * d / ell**2), _pieces(D, D))


def _sinkhorn_ref(P, Q, epsilon, n=600):
    """Debiased Sinkhorn divergence by POT's own log-domain solver on a fine histogram of P, Q.

    OT_ε = ⟨π, C⟩ + ε KL(π‖a⊗b) is evaluated from POT's plan (an implementation independent of
    ours); bins of 1/600 of a ±9σ window, so the reference itself is good to ~3e-5 (REF_RTOL).
    """
    lo = min(P.mean() - 9 * P.std(), Q.mean() - 9 * Q.std())
    hi = max(P.mean() + 9 * P.std(), Q.mean() + 9 * Q.std())
    edges = np.linspace(lo, hi, n + 1)
    x = 0.5 * (edges[1:] + edges[:-1])
    cost = ot.dist(x[:, None], x[:, None])

    def ot_eps(a, b):
        # bins far in the tails can hold exactly zero mass: drop them (they carry no transport
        # and POT's log-domain solver would take log 0)
        ia, ib = a > 0, b > 0
        a, b, c = a[ia], b[ib], cost[np.ix_(ia, ib)]
        plan = ot.sinkhorn(a, b, c, epsilon, method="sinkhorn_log", stopThr=1e-12, numItermax=20000)
        ref = np.outer(a, b)
        m = plan > 0
        return float(np.sum(plan * c) + epsilon * np.sum(plan[m] * np.log(plan[m] / ref[m])))

    a = np.diff(P.cdf(edges))
    b = np.diff(Q.cdf(edges))
    a, b = a / a.sum(), b / b.sum()
    return ot_eps(a, b) - 0.5 * (ot_eps(a, a) + ot_eps(b, b))


REFERENCE_1D = {
    "kl": lambda P, Q, pc: _kl_ref(P, Q, pc),
    "reverse_kl": lambda P, Q, pc: _kl_ref(Q, P, pc),
    "jeffreys": lambda P, Q, pc: _kl_ref(P, Q, pc) + _kl_ref(Q, P, pc),
    "js": lambda P, Q, pc: _js_ref(P, Q, pc),
    "hellinger": lambda P, Q, pc: 0.5 * _integral(lambda x: (P.pdf(x) ** 0.5 - Q.pdf(x) ** 0.5) ** 2, pc),
    "tv": lambda P, Q, pc: 0.5 * _integral(lambda x: abs(P.pdf(x) - Q.pdf(x)), pc),
    "chi2": lambda P, Q, pc: _pearson_ref(P, Q, pc),
    "neyman_chi2": lambda P, Q, pc: _pearson_ref(Q, P, pc),
    "alpha": lambda P, Q, pc, alpha: (1 - _chernoff(P, Q, alpha, pc)) / (alpha * (1 - alpha)),
    "renyi": lambda P, Q, pc, order: math.log(_chernoff(P, Q, order, pc)) / (order - 1),
    "bhattacharyya": lambda P, Q, pc: -math.log(_chernoff(P, Q, 0.5, pc)),
    "w1": lambda P, Q, pc: _integral(lambda x: abs(P.cdf(x) - Q.cdf(x)), pc),
    "w2": lambda P, Q, pc: _w2_ref(P, Q),
    "cs": lambda P, Q, pc: (
        -math.log(_integral(lambda x: P.pdf(x) * Q.pdf(x), pc))
        + 0.5 * math.log(_integral(lambda x: P.pdf(x) ** 2, pc))
        + 0.5 * math.log(_integral(lambda x: Q.pdf(x) ** 2, pc))
    ),
    "mmd": lambda P, Q, pc, bandwidth: (
        _expected_rbf_1d(P, P, bandwidth)
        - 2 * _expected_rbf_1d(P, Q, bandwidth)
        + _expected_rbf_1d(Q, Q, bandwidth)
    ),
    "energy": lambda P, Q, pc: 2 * _integral(lambda x: (P.cdf(x) - Q.cdf(x)) ** 2, pc),
    "sinkhorn": lambda P, Q, pc, epsilon: _sinkhorn_ref(P, Q, epsilon),
}

# parameter values exercised for the parametrised entries (others: defaults only)
PARAM_CASES = {
    "alpha": [{"alpha": a} for a in (-0.5, 0.25, 0.5, 0.75, 1.5, 2.0)],
    "renyi": [{"order": o} for o in (0.25, 0.5, 2.0, 3.0)],
    "mmd": [{"bandwidth": 0.5}, {"bandwidth": 2.0}],
    "sinkhorn": [{"epsilon": 1.0}],
}


def _cases():
    for name in dv.names():
        for params in PARAM_CASES.get(name, [{}]):
            yield name, params


def _chernoff_order(name, params):
    """Order a and argument swap of the ∫p^a q^(1−a) that decides finiteness (Gaussian pairs)."""
    if name == "chi2":
        return 2.0, False
    if name == "neyman_chi2":
        return 2.0, True
    if name == "alpha":
        return params["alpha"], False
    if name == "renyi":
        return params["order"], False
    return None


def _gauss_finite(name, params, cov_p, cov_q):
    """Whether D is finite for two Gaussians: ∫p^a q^(1−a) < ∞ iff a Σq + (1−a) Σp ≻ 0."""
    spec = _chernoff_order(name, params)
    if spec is None:
        return True
    a, swap = spec
    sp, sq = (cov_q, cov_p) if swap else (cov_p, cov_q)
    return bool(np.all(np.linalg.eigvalsh(a * np.atleast_2d(sq) + (1 - a) * np.atleast_2d(sp)) > 0))


GAUSS_1D = [((0.0, 1.0), (1.0, 1.5)), ((0.3, 0.9), (-1.0, 1.1)), ((1.0, 1.1), (0.0, 1.0))]
# relative tolerance of our quadrature against the scipy reference: TV has kinks, W2 interpolates
# a transport map, MMD bins the masses linearly before an FFT convolution; the rest is smooth
# and Sinkhorn bins the densities onto 256 cells before solving
QUAD_RTOL = {"tv": 2e-5, "w2": 1e-5, "mmd": 5e-5, "sinkhorn": 5e-4}
# accuracy of the reference itself where it is a discretisation (POT on 600 bins)
REF_RTOL = {"sinkhorn": 6e-5}


def test_every_registered_divergence_has_an_independent_reference():
    assert set(REFERENCE_1D) == set(dv.names()), "add a reference for every new registry entry"


@pytest.mark.parametrize("pair", GAUSS_1D, ids=lambda p: f"N{p[0]}-N{p[1]}")
@pytest.mark.parametrize(("name", "params"), list(_cases()), ids=lambda v: str(v))
def test_gaussian_1d_closed_form_and_quadrature_vs_scipy(pair, name, params):
    (mp, sp), (mq, sq) = pair
    p, q = Gaussian(mp, sp), Gaussian(mq, sq)
    P, Q = stats.norm(mp, sp), stats.norm(mq, sq)
    div = dv.get(name)
    methods = ["quadrature"]
    if div.closed_form is not None and div.closed_form(p, q, **div.resolve_params(params)) is not None:
        methods.append("closed_form")
    if not _gauss_finite(name, params, sp**2, sq**2):
        for m in methods:
            assert dv.compute(name, p, q, method=m, **params) == math.inf
        return
    ref = REFERENCE_1D[name](P, Q, _pieces(P, Q), **params)
    for m in methods:
        rtol = max(1e-8 if m == "closed_form" else QUAD_RTOL.get(name, 1e-6), REF_RTOL.get(name, 0.0))
        np.testing.assert_allclose(
            dv.compute(name, p, q, method=m, **params),
            ref,
            rtol=rtol,
            atol=1e-12,
            err_msg=f"{name} {params} via {m}",
        )


def test_closed_forms_exist_for_every_gaussian_entry_the_docs_promise():
    # the module docstring promises closed forms for these Gaussian pairs (1-D)
    p, q = Gaussian(0, 1), Gaussian(1, 2)
    promised = {
        "kl",
        "reverse_kl",
        "jeffreys",
        "renyi",
        "alpha",
        "hellinger",
        "bhattacharyya",
        "chi2",
        "neyman_chi2",
        "w1",
        "w2",
        "tv",
        "cs",
        "mmd",
    }
    for name in promised:
        assert dv.evaluate(name, p, q).method == "closed form", name
    assert dv.evaluate("js", p, q).method == "quadrature"


def test_gaussian_1d_textbook_formulas():
    """A few closed forms typed in from textbooks (not from the module)."""
    mp, sp, mq, sq = 0.4, 0.9, -0.6, 1.7
    p, q = Gaussian(mp, sp), Gaussian(mq, sq)
    d = mp - mq
    kl = math.log(sq / sp) + (sp**2 + d**2) / (2 * sq**2) - 0.5
    np.testing.assert_allclose(dv.compute("kl", p, q), kl, rtol=1e-12)
    bc = math.sqrt(2 * sp * sq / (sp**2 + sq**2)) * math.exp(-(d**2) / (4 * (sp**2 + sq**2)))
    np.testing.assert_allclose(dv.compute("bhattacharyya", p, q), -math.log(bc), rtol=1e-12)
    np.testing.assert_allclose(dv.compute("hellinger", p, q), 1 - bc, rtol=1e-12)
    np.testing.assert_allclose(dv.compute("w2", p, q), math.hypot(d, sp - sq), rtol=1e-12)
    # W1 = E|Δμ + Δσ Z| evaluated with the folded normal mean, and by quad on the CDFs
    fold = stats.foldnorm(abs(d) / abs(sp - sq), scale=abs(sp - sq)).mean()
    np.testing.assert_allclose(dv.compute("w1", p, q), fold, rtol=1e-10)


# =============================================================================================
# 2-D Gaussians: textbook formulas and a brute-force grid
# =============================================================================================
GAUSS_2D = [
    (([0.0, 0.0], [[1.0, 0.3], [0.3, 2.0]]), ([0.5, -0.5], [[1.5, -0.2], [-0.2, 1.2]])),
    (([0.0, 0.0], [[1.0, 0.0], [0.0, 3.0]]), ([0.5, 0.0], [[1.0, 0.2], [0.2, 1.0]])),
]


def _grid_2d(P, Q, mp, mq, s, n=801):
    """Log-densities of two scipy Gaussians on a tensor grid reaching ±12 s beyond both means
    (trapezoid weights: spectrally accurate for these smooth, fast-decaying integrands)."""
    axes = [np.linspace(min(mp[i], mq[i]) - 12 * s, max(mp[i], mq[i]) + 12 * s, n) for i in range(2)]
    gx, gy = np.meshgrid(*axes, indexing="ij")
    pts = np.stack([gx.ravel(), gy.ravel()], axis=1)
    area = (axes[0][1] - axes[0][0]) * (axes[1][1] - axes[1][0])
    return P.logpdf(pts), Q.logpdf(pts), area


def _tv_2d_reference(mp, cp, mq, cq):
    """½∫|p − q| = ∫ [p(x₁) P(X₂ ∈ A(x₁) | x₁) − q(x₁) Q(X₂ ∈ A(x₁) | x₁)] dx₁ over A = {p > q}.

    For fixed x₁, log p − log q is a quadratic in x₂, so A(x₁) is a union of at most two
    intervals whose conditional probabilities are normal CDFs; the x₁ integral is a 1-D quad.
    """
    P, Q = stats.multivariate_normal(mp, cp), stats.multivariate_normal(mq, cq)

    def conditional(m, c, x1):  # mean and sd of X₂ | X₁ = x₁
        return m[1] + c[0, 1] / c[0, 0] * (x1 - m[0]), math.sqrt(c[1, 1] - c[0, 1] ** 2 / c[0, 0])

    # coefficients of log p − log q as a quadratic in x₂, from three exact evaluations per slice
    probe = np.array([0.0, 1.0, -1.0])

    def slice_mass(x1):
        pts = np.column_stack([np.full(3, x1), probe])
        f0, fp, fm = P.logpdf(pts) - Q.logpdf(pts)
        a, b, c0 = 0.5 * (fp + fm) - f0, 0.5 * (fp - fm), f0
        disc = b * b - 4 * a * c0
        if abs(a) < 1e-9 * (abs(b) + abs(c0) + 1e-300):  # equal conditional variances: linear
            if b == 0:
                intervals = [(-np.inf, np.inf)] if c0 > 0 else []
            else:
                root = -c0 / b
                intervals = [(root, np.inf)] if b > 0 else [(-np.inf, root)]
        elif disc <= 0:
            intervals = [(-np.inf, np.inf)] if a > 0 or (a == 0 and c0 > 0) else []
        else:
            r1, r2 = sorted(((-b - math.sqrt(disc)) / (2 * a), (-b + math.sqrt(disc)) / (2 * a)))
            intervals = [(r1, r2)] if a < 0 else [(-np.inf, r1), (r2, np.inf)]
        out = 0.0
        for m, c, sign in ((mp, cp, 1.0), (mq, cq, -1.0)):
            mu, sd = conditional(m, c, x1)
            marg = math.exp(-0.5 * (x1 - m[0]) ** 2 / c[0, 0]) / math.sqrt(2 * math.pi * c[0, 0])
            out += (
                sign
                * marg
                * sum(special.ndtr((hi - mu) / sd) - special.ndtr((lo - mu) / sd) for lo, hi in intervals)
            )
        return out

    s = math.sqrt(max(cp[0, 0], cq[0, 0]))
    lo, hi = min(mp[0], mq[0]) - 12 * s, max(mp[0], mq[0]) + 12 * s
    return sum(
        integrate.quad(slice_mass, a, b, limit=500, epsabs=1e-13, epsrel=1e-11)[0]
        for a, b in zip(np.linspace(lo, hi, 25)[:-1], np.linspace(lo, hi, 25)[1:], strict=True)
    )


def _reference_2d(name, params, mp, cp, mq, cq):
    mp, mq, cp, cq = (np.asarray(v, dtype=float) for v in (mp, mq, cp, cq))
    if name == "tv":
        return _tv_2d_reference(mp, cp, mq, cq)
    P, Q = stats.multivariate_normal(mp, cp), stats.multivariate_normal(mq, cq)
    # grid half-width: wide enough for p, q and the tilted integrand p^a q^(1−a) (wider than both)
    spread = [np.linalg.eigvalsh(cp).max(), np.linalg.eigvalsh(cq).max()]
    spec = _chernoff_order(name, params)
    if spec is not None:
        a = -1.0 if spec[1] else spec[0]  # Neyman χ² = ∫ p^(−1) q²  − 1
        spread.append(1 / np.linalg.eigvalsh(a * np.linalg.inv(cp) + (1 - a) * np.linalg.inv(cq)).min())
    lp, lq, area = _grid_2d(P, Q, mp, mq, math.sqrt(max(spread)))
    integ = lambda v: float(np.sum(v) * area)  # noqa: E731
    p, q = np.exp(lp), np.exp(lq)
    lm = np.logaddexp(lp, lq) - LOG2
    if name == "kl":
        return integ(p * (lp - lq))
    if name == "reverse_kl":
        return integ(q * (lq - lp))
    if name == "jeffreys":
        return integ((p - q) * (lp - lq))
    if name == "js":
        return integ(0.5 * (p * (lp - lm) + q * (lq - lm)))
    if name == "hellinger":
        return 0.5 * integ((np.sqrt(p) - np.sqrt(q)) ** 2)
    if name == "chi2":
        return integ(np.exp(2 * lp - lq)) - 1
    if name == "neyman_chi2":
        return integ(np.exp(2 * lq - lp)) - 1
    if name == "alpha":
        a = params["alpha"]
        return (1 - integ(np.exp(a * lp + (1 - a) * lq))) / (a * (1 - a))
    if name == "renyi":
        a = params["order"]
        return math.log(integ(np.exp(a * lp + (1 - a) * lq))) / (a - 1)
    if name == "bhattacharyya":
        return -math.log(integ(np.exp(0.5 * (lp + lq))))
    if name == "cs":
        return -math.log(integ(p * q)) + 0.5 * math.log(integ(p * p)) + 0.5 * math.log(integ(q * q))
    if name == "w2":  # Dowson & Landau (1982) with scipy's matrix square root
        rq = linalg.sqrtm(cq)
        cross = np.real(linalg.sqrtm(rq @ cp @ rq))
        return math.sqrt(float(np.sum((mp - mq) ** 2) + np.trace(cp + cq - 2 * cross)))
    if name == "mmd":  # E k(X,Y) = ℓ^d / sqrt(det(S + ℓ²I)) exp(−½ Δᵀ(S + ℓ²I)⁻¹Δ), S = Σx + Σy
        ell = params["bandwidth"]

        def ek(m1, c1, m2, c2):
            s = c1 + c2 + ell**2 * np.eye(2)
            diff = m1 - m2
            return ell**2 / math.sqrt(np.linalg.det(s)) * math.exp(-0.5 * diff @ np.linalg.solve(s, diff))

        return ek(mp, cp, mp, cp) - 2 * ek(mp, cp, mq, cq) + ek(mq, cq, mq, cq)
    raise KeyError(name)


# no closed form or quadrature in 2-D (sample estimators only): W1, energy; Sinkhorn's 2-D closed
# form is checked against samples in test_sinkhorn_2d_closed_form_vs_samples
NOT_IN_2D = {"w1", "energy", "sinkhorn"}
QUAD_2D = {"w2", "mmd"}  # closed form only in 2-D (their quadrature is 1-D only)


@pytest.mark.parametrize("pair", GAUSS_2D, ids=["correlated", "wide-vs-narrow"])
@pytest.mark.parametrize(
    ("name", "params"), [c for c in _cases() if c[0] not in NOT_IN_2D], ids=lambda v: str(v)
)
def test_gaussian_2d_closed_form_and_quadrature_vs_brute_force(pair, name, params):
    (mp, cp), (mq, cq) = pair
    p, q = Gaussian(mean=mp, cov=cp), Gaussian(mean=mq, cov=cq)
    methods = ["closed_form"] if name in QUAD_2D else ["quadrature"]
    div = dv.get(name)
    if div.closed_form is not None and div.closed_form(p, q, **div.resolve_params(params)) is not None:
        methods = sorted({*methods, "closed_form"})
    if not _gauss_finite(name, params, np.array(cp), np.array(cq)):
        for m in methods:
            assert dv.compute(name, p, q, method=m, **params) == math.inf, (name, params, m)
        return
    ref = _reference_2d(name, params, mp, cp, mq, cq)
    for m in methods:
        # the references are accurate to ~1e-10; our 2-D Simpson grid meets the kink of |p − q|
        rtol = 1e-4 if (name == "tv" and m == "quadrature") else 1e-7
        np.testing.assert_allclose(
            dv.compute(name, p, q, method=m, **params),
            ref,
            rtol=rtol,
            atol=1e-12,
            err_msg=f"{name} {params} via {m}",
        )


def test_2d_w1_has_no_density_method():
    p, q = Gaussian(mean=[0, 0], cov=np.eye(2)), Gaussian(mean=[1, 0], cov=np.eye(2))
    for method in ("closed_form", "quadrature"):
        with pytest.raises(ValueError, match="w1"):
            dv.compute("w1", p, q, method=method)


def test_2d_tv_equal_covariances_closed_form():
    cov = [[1.0, 0.4], [0.4, 0.7]]
    p, q = Gaussian(mean=[0, 0], cov=cov), Gaussian(mean=[0.8, -0.3], cov=cov)
    diff = np.array([0.8, -0.3])
    delta = math.sqrt(diff @ np.linalg.solve(np.array(cov), diff))
    ev = dv.evaluate("tv", p, q)
    assert ev.method == "closed form"
    np.testing.assert_allclose(ev.value, 2 * stats.norm.cdf(delta / 2) - 1, rtol=1e-12)
    # the slice-wise reference used for unequal covariances agrees with the formula
    np.testing.assert_allclose(
        _tv_2d_reference(np.zeros(2), np.array(cov), diff, np.array(cov)), ev.value, rtol=1e-9
    )
    np.testing.assert_allclose(dv.compute("tv", p, q, method="quadrature"), ev.value, rtol=1e-5)


def test_renyi_infinite_when_interpolated_covariance_is_not_positive_definite():
    # a Σq + (1 − a) Σp for a = 2: 2·I − diag(1, 3) = diag(1, −1) is indefinite
    p, q = Gaussian(mean=[0, 0], cov=[[1, 0], [0, 3]]), Gaussian(mean=[0.5, 0], cov=np.eye(2))
    for order in (2.0, 3.0):
        for method in ("closed_form", "quadrature"):
            ev = dv.evaluate("renyi", p, q, method=method, order=order)
            assert ev.value == math.inf and ev.note.startswith("infinite")
    # order 1.4: 1.4·I − 0.4·diag(1, 3) = diag(1, 0.2) ≻ 0, finite and matching the grid
    ref = _reference_2d("renyi", {"order": 1.4}, [0, 0], [[1, 0], [0, 3]], [0.5, 0], np.eye(2))
    np.testing.assert_allclose(dv.compute("renyi", p, q, order=1.4), ref, rtol=1e-7)
    # 1-D: order a > 1 is infinite exactly when a σq² + (1 − a) σp² <= 0
    p1, q1 = Gaussian(0, 1.5), Gaussian(0.2, 1.0)
    for order, finite in ((1.5, True), (1.75, True), (1.85, False), (2.0, False), (4.0, False)):
        assert (order * 1.0 + (1 - order) * 2.25 > 0) == finite
        for method in ("closed_form", "quadrature"):
            assert math.isfinite(dv.compute("renyi", p1, q1, method=method, order=order)) == finite


def test_chi2_infinite_iff_sigma_p_squared_at_least_twice_sigma_q_squared():
    q = Gaussian(0, 1)
    for s, finite in ((1.3, True), (1.41, True), (math.sqrt(2), False), (1.415, False), (2.0, False)):
        p = Gaussian(0.3, s)
        for method in ("closed_form", "quadrature"):
            v = dv.compute("chi2", p, q, method=method)
            assert math.isfinite(v) == finite, (s, method, v)
        if finite:  # ∫p²/q − 1 for N(μ, s²) vs N(0, 1): e^{μ²/(2 − s²)} / (s sqrt(2 − s²)) − 1
            exact = math.exp(0.09 / (2 - s * s)) / (s * math.sqrt(2 - s * s)) - 1
            np.testing.assert_allclose(dv.compute("chi2", p, q), exact, rtol=1e-12)
            np.testing.assert_allclose(dv.compute("chi2", p, q, method="quadrature"), exact, rtol=1e-6)


# =============================================================================================
# Monte Carlo vs closed form (pairs chosen so the importance weights have finite variance)
# =============================================================================================
MC_PAIRS = [
    (Gaussian(0.0, 1.0), Gaussian(0.7, 1.1)),
    (Gaussian(0.5, 1.1), Gaussian(0.0, 1.0)),
    (
        Gaussian(mean=[0, 0], cov=[[1.0, 0.2], [0.2, 1.1]]),
        Gaussian(mean=[0.4, -0.3], cov=[[1.1, 0], [0, 1.0]]),
    ),
]


@pytest.mark.parametrize("pair", MC_PAIRS, ids=["1d-a", "1d-b", "2d"])
def test_monte_carlo_agrees_with_closed_form(pair):
    p, q = pair
    for name, params in _cases():
        div = dv.get(name)
        if div.measure is None:  # W1, W2, MMD have no importance-sampling form
            with pytest.raises(ValueError, match="Monte Carlo"):
                dv.compute(name, p, q, method="monte_carlo")
            continue
        exact = dv.compute(name, p, q, **params)  # closed form or quadrature (checked above)
        ev = dv.evaluate(name, p, q, method="monte_carlo", n_samples=200_000, rng=1, **params)
        assert ev.method == "monte_carlo" and "n=200000" in ev.note
        # n = 200 000 draws from (p+q)/2: relative error well below 2% for these pairs
        np.testing.assert_allclose(ev.value, exact, rtol=0.02, atol=2e-4, err_msg=f"{name} {params}")


def test_monte_carlo_is_reproducible_with_a_seed():
    p, q = Gaussian(0, 1), Laplace(0.5, 1)
    a = dv.compute("js", p, q, method="monte_carlo", rng=7, n_samples=5000)
    b = dv.compute("js", p, q, method="monte_carlo", rng=7, n_samples=5000)
    c = dv.compute("js", p, q, method="monte_carlo", rng=8, n_samples=5000)
    assert a == b and a != c


# =============================================================================================
# Independent checks on non-Gaussian pairs
# =============================================================================================
def test_kl_mixture_vs_laplace_against_scipy_quad():
    m = Mixture([Gaussian(-1, 0.5), Gaussian(1.5, 0.8)], [0.3, 0.7])
    lap = Laplace(0.2, 1.3)
    M = [stats.norm(-1, 0.5), stats.norm(1.5, 0.8)]
    L = stats.laplace(0.2, 1.3)

    def log_m(x):
        return float(np.logaddexp(math.log(0.3) + M[0].logpdf(x), math.log(0.7) + M[1].logpdf(x)))

    pieces = [-60, -10, -3, 0.2, 3, 10, 60]
    fwd = _integral(lambda x: math.exp(log_m(x)) * (log_m(x) - L.logpdf(x)), pieces)
    rev = _integral(lambda x: L.pdf(x) * (L.logpdf(x) - log_m(x)), pieces)
    ev = dv.evaluate("kl", m, lap)
    assert ev.method == "quadrature"
    np.testing.assert_allclose(ev.value, fwd, rtol=1e-7)
    np.testing.assert_allclose(dv.compute("kl", lap, m), rev, rtol=1e-7)
    np.testing.assert_allclose(dv.compute("reverse_kl", m, lap), rev, rtol=1e-7)


@pytest.mark.parametrize(
    ("m1", "b1", "m2", "b2"), [(0, 1, 0, 1), (0, 1, 1, 2), (0.5, 2, -1, 0.7), (3, 0.3, 0, 1)]
)
def test_kl_laplace_closed_form(m1, b1, m2, b2):
    exact = math.log(b2 / b1) + abs(m1 - m2) / b2 + (b1 / b2) * math.exp(-abs(m1 - m2) / b1) - 1
    np.testing.assert_allclose(
        dv.compute("kl", Laplace(m1, b1), Laplace(m2, b2)), exact, rtol=1e-7, atol=1e-12
    )


@pytest.mark.parametrize("delta", [0.1, 1.0, 3.0, 8.0])
def test_tv_shifted_unit_gaussians(delta):
    exact = 2 * stats.norm.cdf(delta / 2) - 1
    p, q = Gaussian(0, 1), Gaussian(delta, 1)
    np.testing.assert_allclose(dv.compute("tv", p, q), exact, rtol=1e-12)
    np.testing.assert_allclose(dv.compute("tv", p, q, method="quadrature"), exact, rtol=2e-5)


def test_tv_gaussian_crossing_points_against_scipy():
    # unequal variances: two crossing points; compare with ½∫|p − q| from scipy
    for (mp, sp), (mq, sq) in [((0, 1), (0, 2)), ((1, 0.5), (-0.5, 1.5)), ((0, 1), (0.3, 1.0000001))]:
        P, Q = stats.norm(mp, sp), stats.norm(mq, sq)
        ref = REFERENCE_1D["tv"](P, Q, _pieces(P, Q))
        np.testing.assert_allclose(dv.compute("tv", Gaussian(mp, sp), Gaussian(mq, sq)), ref, rtol=1e-9)


def test_disjoint_uniforms():
    p, q = Uniform(0, 1), Uniform(2, 3)
    np.testing.assert_allclose(dv.compute("js", p, q), LOG2, rtol=1e-12)
    np.testing.assert_allclose(dv.compute("hellinger", p, q), 1.0, rtol=1e-12)
    np.testing.assert_allclose(dv.compute("tv", p, q), 1.0, rtol=1e-12)
    np.testing.assert_allclose(dv.compute("alpha", p, q, alpha=0.5), 4.0, rtol=1e-12)  # 4·H²
    np.testing.assert_allclose(dv.compute("w1", p, q), 2.0, rtol=1e-9)
    np.testing.assert_allclose(dv.compute("w2", p, q), 2.0, rtol=1e-5)  # interpolated transport map
    # touching at one point: still disjoint up to a null set
    np.testing.assert_allclose(dv.compute("js", Uniform(0, 1), Uniform(1, 3)), LOG2, rtol=1e-12)


def test_wasserstein_between_uniforms():
    # quantiles u ↦ u and u ↦ 2u: W1 = ∫u du = ½, W2 = (∫u² du)^½ = 1/√3
    p, q = Uniform(0, 1), Uniform(0, 2)
    np.testing.assert_allclose(dv.compute("w1", p, q), 0.5, rtol=1e-9)
    np.testing.assert_allclose(dv.compute("w2", p, q), 1 / math.sqrt(3), rtol=1e-5)
    # shift: W1 = W2 = |shift|
    np.testing.assert_allclose(dv.compute("w1", Uniform(0, 1), Uniform(0.25, 1.25)), 0.25, rtol=1e-9)
    np.testing.assert_allclose(dv.compute("w2", Uniform(0, 1), Uniform(0.25, 1.25)), 0.25, rtol=1e-5)


@pytest.mark.parametrize(
    ("p", "q", "P", "Q"),
    [
        (Uniform(0, 1), Gaussian(0, 1), stats.uniform(0, 1), stats.norm()),
        (Uniform(0, 1), Laplace(0, 1), stats.uniform(0, 1), stats.laplace()),
        (Uniform(-1, 2), StudentT(4), stats.uniform(-1, 3), stats.t(4)),
        (Laplace(0.5, 2), Gaussian(-1, 0.5), stats.laplace(0.5, 2), stats.norm(-1, 0.5)),
        (StudentT(5), Gaussian(0, 1), stats.t(5), stats.norm()),
    ],
    ids=["U-N", "U-Laplace", "U-t4", "Laplace-N", "t5-N"],
)
def test_w2_against_quantile_integral(p, q, P, Q):
    """W2 by quadrature vs ∫₀¹ (Q_p(u) − Q_q(u))² du with scipy quantiles.

    The upper half is integrated in v = 1 − u with the inverse survival functions, so no
    quantile is ever evaluated at a u that rounds to 1.

    Regression: W2 between a distribution with a finite support edge and one with unbounded
    quantiles used to take the larger of two integrals, one of which blows up at the edge
    (W2(U[0,1], N(0,1)) was 2.02 instead of 0.877).
    """
    lower = lambda u: (P.ppf(u) - Q.ppf(u)) ** 2  # noqa: E731
    upper = lambda v: (P.isf(v) - Q.isf(v)) ** 2  # noqa: E731
    cuts = (0.0, 1e-8, 1e-4, 0.5)
    exact = math.sqrt(
        sum(
            integrate.quad(f, a, b, **QUAD)[0]
            for f in (lower, upper)
            for a, b in zip(cuts[:-1], cuts[1:], strict=True)
        )
    )
    # the transport map is interpolated on the grid: 1e-3 relative near a finite support edge
    np.testing.assert_allclose(dv.compute("w2", p, q), exact, rtol=1e-3)
    np.testing.assert_allclose(dv.compute("w2", q, p), exact, rtol=1e-3)
    if p.support == (-math.inf, math.inf):  # both smooth with unbounded support: much tighter
        np.testing.assert_allclose(dv.compute("w2", p, q), exact, rtol=1e-5)


def test_w2_student_t3_vs_normal():
    """W2(t₃, N(0,1))² = ∫₀¹ (Q_t(u) − Φ⁻¹(u))² du = 2∫₀^∞ (Q_t(Φ(z)) − z)² φ(z) dz.

    Substituting u = Φ(z) and using the upper-tail quantile Q_t(Φ(z)) = isf_t(Φ(−z)) keeps the
    quantile accurate where u → 1 (the integrand decays like φ(z)^(1/3)).
    """

    def f(z):
        return (stats.t.isf(special.ndtr(-z), 3) - z) ** 2 * stats.norm.pdf(z)

    pieces = [0, 1, 2, 3, 5, 8, 12, 20, 30]  # beyond z = 30 the integrand is < 1e-65
    exact = math.sqrt(2 * _integral(f, pieces))
    np.testing.assert_allclose(exact, 0.92103955, rtol=1e-7)  # the reference itself
    np.testing.assert_allclose(dv.compute("w2", StudentT(3), Gaussian(0, 1)), exact, rtol=1e-5)
    np.testing.assert_allclose(dv.compute("w2", Gaussian(0, 1), StudentT(3)), exact, rtol=1e-5)


def test_w1_student_t_vs_normal_against_cdf_integral():
    # both symmetric about 0: W1 = 2∫₀^∞ |S_t(x) − S_N(x)| dx with survival functions (no 1 − 1)
    ref = 2 * _integral(lambda x: abs(stats.t.sf(x, 2) - stats.norm.sf(x)), [0, 3, 30, 1e3, 1e5, 1e6])
    # S_t₂(x) = ½(1 − x/√(2 + x²)) ≈ 1/(2x²): the tail beyond 1e6 adds 2 × 1/(2·1e6)
    ref += 2 * 0.5 / 1e6
    np.testing.assert_allclose(dv.compute("w1", StudentT(2), Gaussian(0, 1)), ref, rtol=1e-6)


def _brute_force_mmd2(x, y, ell, block=2000):
    """V-statistic MMD² = mean k(x,x') − 2 mean k(x,y) + mean k(y,y'), by explicit double sums."""

    def mean_k(a, b):
        total = 0.0
        for s in range(0, a.shape[0], block):
            d2 = ((a[s : s + block, None, :] - b[None, :, :]) ** 2).sum(-1)
            total += np.exp(-0.5 * d2 / ell**2).sum()
        return total / (a.shape[0] * b.shape[0])

    return mean_k(x, x) - 2 * mean_k(x, y) + mean_k(y, y)


@pytest.mark.parametrize(
    ("p", "q", "ell"),
    [
        (Gaussian(0, 1), Gaussian(1, 1.5), 1.0),
        (Mixture([Gaussian(-2, 0.5), Gaussian(2, 0.5)]), Gaussian(0, 2), 0.7),
        (Gaussian(mean=[0, 0], cov=[[1, 0.3], [0.3, 1]]), Gaussian(mean=[1, 0], cov=np.eye(2)), 1.5),
    ],
    ids=["gauss", "mixture", "2d"],
)
def test_mmd_closed_form_vs_brute_force_double_sum(p, q, ell):
    n = 4000
    x = p.sample(n, 11).reshape(n, -1)
    y = q.sample(n, 12).reshape(n, -1)
    brute = _brute_force_mmd2(x, y, ell)
    exact = dv.compute("mmd", p, q, bandwidth=ell)
    assert dv.evaluate("mmd", p, q, bandwidth=ell).method == "closed form"
    # V-statistic: bias O(1/n) and standard deviation O(1/sqrt(n)) at n = 4000: a few 1e-3
    np.testing.assert_allclose(brute, exact, rtol=0.1, atol=5e-3)


def test_mmd_quadrature_matches_closed_form():
    for p, q in [
        (Gaussian(0, 1), Gaussian(1, 1.5)),
        (Mixture([Gaussian(-2, 0.5), Gaussian(2, 0.5)]), Gaussian(0, 2)),
    ]:
        for ell in (0.3, 1.0, 3.0):
            np.testing.assert_allclose(
                dv.compute("mmd", p, q, method="quadrature", bandwidth=ell),
                dv.compute("mmd", p, q, bandwidth=ell),
                rtol=5e-5,
            )


def test_cs_closed_form_for_mixtures_vs_grid_quadrature():
    p = Mixture([Gaussian(-1, 0.4), Gaussian(1.5, 0.9), Gaussian(4, 0.3)], [0.2, 0.5, 0.3])
    q = Mixture([Gaussian(0, 1.2), Gaussian(3, 0.6)], [0.6, 0.4])
    x = np.linspace(-25, 30, 200_001)
    lp, lq = p.logpdf(x), q.logpdf(x)
    ppq = integrate.simpson(np.exp(lp + lq), x=x)
    ppp = integrate.simpson(np.exp(2 * lp), x=x)
    pqq = integrate.simpson(np.exp(2 * lq), x=x)
    ref = -math.log(ppq) + 0.5 * math.log(ppp) + 0.5 * math.log(pqq)
    ev = dv.evaluate("cs", p, q)
    assert ev.method == "closed form"
    np.testing.assert_allclose(ev.value, ref, rtol=1e-9)
    np.testing.assert_allclose(dv.compute("cs", p, q, method="quadrature"), ref, rtol=1e-7)
    # 2-D mixture vs brute-force grid
    c = [[0.5, 0.1], [0.1, 0.4]]
    p2 = Mixture([Gaussian(mean=[0, 0], cov=c), Gaussian(mean=[2, 1], cov=np.eye(2))], [0.3, 0.7])
    q2 = Gaussian(mean=[1, 0], cov=[[2, 0], [0, 1]])
    ax = np.linspace(-12, 14, 1201)
    gx, gy = np.meshgrid(ax, ax, indexing="ij")
    pts = np.stack([gx.ravel(), gy.ravel()], axis=1)
    a2 = (ax[1] - ax[0]) ** 2
    lp2, lq2 = p2.logpdf(pts), q2.logpdf(pts)
    ref2 = (
        -math.log(np.exp(lp2 + lq2).sum() * a2)
        + 0.5 * math.log(np.exp(2 * lp2).sum() * a2)
        + 0.5 * math.log(np.exp(2 * lq2).sum() * a2)
    )
    np.testing.assert_allclose(dv.compute("cs", p2, q2), ref2, rtol=1e-8)


def test_kl_between_scaled_log_normals():
    """Pushforwards through different maps (x-grid with an edge layer at 0): 2·LN vs LN.

    2·exp(Z) = exp(Z + log 2), so KL = KL(N(log 2, 1) ‖ N(0, 1)) = (log 2)²/2.
    """
    from explorer.distributions import Affine, Exp, Transformed

    ln = Transformed(Gaussian(0, 1), Exp())
    ln2 = Transformed(ln, Affine(2.0))
    np.testing.assert_allclose(dv.compute("kl", ln2, ln), LOG2**2 / 2, rtol=1e-5)
    np.testing.assert_allclose(
        dv.compute("hellinger", ln2, ln),
        dv.compute("hellinger", Gaussian(LOG2, 1), Gaussian(0, 1)),
        rtol=1e-5,
    )


def test_pushforwards_with_a_finite_support_edge_keep_their_mass():
    """Regression: the grid ignored the support edge at 0 of exp-pushforwards and lost the mass
    between 0 and the plotting range (1.2% of a log-Laplace; KL off by 6%).

    2·exp(L) = exp(L + log 2) for L ~ Laplace(0.3, 1.1): KL equals the closed form of two
    Laplaces. Different maps, so the x-grid is used: its bulk step is uniform while this density
    is singular at 0 (∝ y^−0.09), which limits the accuracy to ~1%.
    """
    from explorer.distributions import Affine, Exp, Transformed
    from explorer.divergences import quadrature as _quadrature

    lap = Transformed(Laplace(0.3, 1.1), Exp())
    lap2 = Transformed(lap, Affine(2.0))
    m1, m2, b = 0.3 + LOG2, 0.3, 1.1
    exact = abs(m1 - m2) / b + math.exp(-abs(m1 - m2) / b) - 1
    np.testing.assert_allclose(dv.compute("kl", lap2, lap), exact, rtol=0.02)
    grid = _quadrature.Grid1D(lap2, lap)
    assert grid.x[0] > 0 and grid.x[0] < 1e-30  # the edge layer reaches down towards 0
    for lg in (grid.lp, grid.lq):
        np.testing.assert_allclose(grid.integrate(np.exp(lg)), 1.0, rtol=5e-3)


def test_js_of_equal_pushforwards_is_zero_not_infinite():
    """Regression: log(p/m) was computed as lp − logaddexp(lp, lq) + log 2, which cancels two
    numbers of size |log p|; near the singular edge of a log-Laplace the round-off (1e-8) in an
    integrand that should be 0 was read as a divergent tail: JS(p, p) = inf."""
    from explorer.distributions import Exp, Transformed

    p = Transformed(Laplace(1, 1.044921875), Exp())
    q = Transformed(Laplace(1, 1.044921875), Exp())
    assert dv.compute("js", p, q) == 0.0
    # and the stable form still gives the usual values
    np.testing.assert_allclose(dv.compute("js", Uniform(0, 1), Uniform(0.5, 1.5)), LOG2 / 2, rtol=1e-9)


def test_near_boundary_chi2_of_sinh_pushforwards():
    """χ²(q‖p) for Laplaces decays like e^(−0.0285|u|): after sinh the tail is cut where sinh
    overflows (u ≈ 710). Regression: the cut tail was extrapolated with its 5-octave mean decay
    rate instead of its latest, faster one (2.8e-4 too high)."""
    from explorer.distributions import Sinh, Transformed

    bp, bq = 1.0625, 2.0625
    exact = (bp / bq**2) / (2 / bq - 1 / bp) - 1  # ∫ q²/p − 1 in closed form
    p, q = Laplace(0, bp), Laplace(0, bq)
    np.testing.assert_allclose(dv.compute("neyman_chi2", p, q), exact, rtol=1e-7)
    np.testing.assert_allclose(
        dv.compute("neyman_chi2", Transformed(p, Sinh()), Transformed(q, Sinh())), exact, rtol=5e-5
    )


# =============================================================================================
# Infinity semantics
# =============================================================================================
def test_disjoint_supports_are_infinite_never_nan():
    p, q = Uniform(0, 1), Uniform(2, 3)
    values = dv.compute_all(p, q)
    for name, ev in values.items():
        assert not math.isnan(ev.value), name
    for name in ("kl", "reverse_kl", "jeffreys", "chi2", "neyman_chi2", "bhattacharyya", "cs"):
        assert values[name].value == math.inf, name
        assert values[name].note == "infinite: the supports are disjoint"
    assert dv.compute("renyi", p, q, order=0.5) == math.inf
    assert dv.compute("renyi", p, q, order=3) == math.inf
    assert dv.compute("alpha", p, q, alpha=2) == math.inf
    assert dv.compute("alpha", p, q, alpha=-1) == math.inf


def test_nested_supports_direction_of_infinity():
    wide, narrow = Uniform(0, 2), Uniform(0, 1)
    ev = dv.evaluate("kl", wide, narrow)
    assert ev.value == math.inf and ev.note == "infinite: p has mass where q is zero"
    np.testing.assert_allclose(dv.compute("kl", narrow, wide), LOG2, rtol=1e-10)
    ev = dv.evaluate("reverse_kl", narrow, wide)
    assert ev.value == math.inf and ev.note == "infinite: q has mass where p is zero"
    ev = dv.evaluate("jeffreys", Uniform(0, 2), Uniform(1, 3))
    assert ev.value == math.inf and ev.note == "infinite: each puts mass where the other is zero"


def test_kl_cauchy_and_t2_vs_normal_infinite_t3_finite():
    for df in (1, 2):
        ev = dv.evaluate("kl", StudentT(df), Gaussian(0, 1))
        assert ev.value == math.inf
        assert ev.note == "infinite: the integral diverges (the tails differ too much)"
    # KL(t3 ‖ N): E_t[x²] = 3 < ∞, finite; scipy quad over the real line in pieces
    T3, N = stats.t(3), stats.norm()
    pieces = [-1e4, -100, -20, -5, 0, 5, 20, 100, 1e4]
    ref = _integral(lambda x: T3.pdf(x) * (T3.logpdf(x) - N.logpdf(x)), pieces)
    # tails beyond |x| = 1e4: ∫ p(x) x²/2 dx ≈ 2·(6√3/π)/(2·1e4) (p ~ 6√3/(π x⁴)), plus O(log x/x³)
    ref += 6 * math.sqrt(3) / math.pi / 1e4
    ev = dv.evaluate("kl", StudentT(3), Gaussian(0, 1))
    assert math.isfinite(ev.value) and ev.note == ""
    np.testing.assert_allclose(ev.value, ref, rtol=1e-6)


def test_wasserstein_against_cauchy_infinite():
    for p, q in [(StudentT(1), Gaussian(0, 1)), (Gaussian(0, 1), StudentT(1)), (Uniform(0, 1), StudentT(1))]:
        for name in ("w1", "w2"):
            ev = dv.evaluate(name, p, q)
            assert ev.value == math.inf, (name, p, q)
            assert ev.note.startswith("infinite")
    # t₂ has a mean but no variance: W1 finite, W2 infinite
    assert math.isfinite(dv.compute("w1", StudentT(2), Gaussian(0, 1)))
    assert dv.compute("w2", StudentT(2), Gaussian(0, 1)) == math.inf
    # Regression: tail blocks of an odd number of Simpson nodes alternate in weight by ±10%, so
    # a log-divergent tail sometimes looked convergent (W1(N(0, 0.3125²), Cauchy) was 73.5)
    for s in (0.1, 0.3125, 0.5, 1.0, 2.0):
        for scale in (0.7, 1.5):
            assert dv.compute("w1", Gaussian(0, s), StudentT(1, 0, scale)) == math.inf, (s, scale)
            assert dv.compute("kl", StudentT(2, 0, scale), Gaussian(0, s)) == math.inf, (s, scale)


def test_chi2_laplace_vs_normal_infinite():
    ev = dv.evaluate("chi2", Laplace(0, 1), Gaussian(0, 1))
    assert ev.value == math.inf and ev.note == "infinite: the integral diverges (the tails differ too much)"
    # the other direction is finite: ∫ φ²/lap − 1, from scipy
    N, L = stats.norm(), stats.laplace()
    ref = _integral(lambda x: math.exp(2 * N.logpdf(x) - L.logpdf(x)), [-60, -5, 0, 5, 60]) - 1
    np.testing.assert_allclose(dv.compute("chi2", Gaussian(0, 1), Laplace(0, 1)), ref, rtol=1e-7)
    assert dv.compute("neyman_chi2", Gaussian(0, 1), Laplace(0, 1)) == math.inf


def test_categorical_infinities_and_notes():
    p, q = Categorical([0.5, 0.5, 0.0]), Categorical([0.0, 0.5, 0.5])
    ev = dv.evaluate("kl", p, q)
    assert ev.value == math.inf and ev.note == "infinite: each puts mass where the other is zero"
    assert ev.method == "exact sum"
    np.testing.assert_allclose(dv.compute("js", p, q), 0.5 * LOG2, rtol=1e-12)
    np.testing.assert_allclose(dv.compute("tv", p, q), 0.5, rtol=1e-12)
    ev = dv.evaluate("kl", Categorical([0.5, 0.5, 0]), Categorical([0.25, 0.25, 0.5]))
    np.testing.assert_allclose(ev.value, LOG2, rtol=1e-12)
    assert (
        dv.evaluate("reverse_kl", Categorical([0.5, 0.5, 0]), Categorical([0.25, 0.25, 0.5])).note
        == "infinite: q has mass where p is zero"
    )


# =============================================================================================
# Limits and identities between entries
# =============================================================================================
LIMIT_PAIRS = [
    (Gaussian(0, 1), Gaussian(1, 1.5)),
    (Mixture([Gaussian(-1, 0.5), Gaussian(1.5, 0.8)], [0.3, 0.7]), Laplace(0.2, 1.3)),
    (Laplace(0, 1), StudentT(4, 0.5, 1.2)),
]
LIMIT_IDS = ["gauss", "mixture-laplace", "laplace-t4"]
# pairs whose α-divergence is finite on both sides of α = 0 and of α = 1
CONTINUITY_PAIRS = [
    (Gaussian(0, 1), Gaussian(1, 1.5)),
    (Mixture([Gaussian(-1, 0.5), Gaussian(1.5, 0.8)], [0.3, 0.7]), Mixture([Gaussian(0, 1), Gaussian(2, 1)])),
    (Laplace(0, 1), Laplace(0.5, 1.2)),
]


@pytest.mark.parametrize("pair", CONTINUITY_PAIRS, ids=["gauss", "mixtures", "laplaces"])
def test_alpha_divergence_continuous_at_0_and_1(pair):
    p, q = pair
    for method in ("auto", "quadrature"):
        kl_pq = dv.compute("kl", p, q, method=method)
        kl_qp = dv.compute("kl", q, p, method=method)
        for eps in (1e-4, -1e-4):
            # D_α is smooth in α; a step of 1e-4 moves it by ~1e-4·|dD/dα| < 1e-3 relative here
            np.testing.assert_allclose(
                dv.compute("alpha", p, q, method=method, alpha=1 + eps), kl_pq, rtol=1e-3
            )
            np.testing.assert_allclose(dv.compute("alpha", p, q, method=method, alpha=eps), kl_qp, rtol=1e-3)
        # exactly at the ends: the KL limits
        np.testing.assert_allclose(dv.compute("alpha", p, q, method=method, alpha=1.0), kl_pq, rtol=1e-12)
        np.testing.assert_allclose(dv.compute("alpha", p, q, method=method, alpha=0.0), kl_qp, rtol=1e-12)
        # and the gap closes linearly: 10× smaller ε gives a ~10× smaller gap
        for end, kl in ((1.0, kl_pq), (0.0, kl_qp)):
            gaps = [abs(dv.compute("alpha", p, q, method=method, alpha=end + e) - kl) for e in (1e-2, 1e-3)]
            assert gaps[1] < 0.2 * gaps[0]


def test_alpha_divergence_one_sided_at_0_when_q_has_heavier_tails():
    # q = Laplace has heavier tails than the Gaussian mixture p: ∫ p^α q^(1−α) = ∞ for every α < 0,
    # so D_α jumps to +inf just below 0 while D_{+ε} → KL(q‖p) (never NaN)
    p, q = LIMIT_PAIRS[1]
    assert dv.compute("alpha", p, q, alpha=-1e-4) == math.inf
    assert dv.compute("alpha", p, q, alpha=-1e-4, method="quadrature") == math.inf
    kl_qp = dv.compute("kl", q, p)
    vals = [dv.compute("alpha", p, q, alpha=e) for e in (1e-2, 1e-3, 1e-4, 1e-5)]
    gaps = [abs(v - kl_qp) for v in vals]
    assert all(b < 0.2 * a for a, b in zip(gaps, gaps[1:], strict=False))
    np.testing.assert_allclose(vals[-1], kl_qp, rtol=1e-3)


@pytest.mark.parametrize("pair", LIMIT_PAIRS, ids=LIMIT_IDS)
def test_identities_between_entries(pair):
    p, q = pair
    for method in ("auto", "quadrature"):
        c = lambda name, method=method, **kw: dv.compute(name, p, q, method=method, **kw)  # noqa: E731
        # α = ½ is 4·H²
        np.testing.assert_allclose(c("alpha", alpha=0.5), 4 * c("hellinger"), rtol=1e-9)
        # Rényi ½ = 2·Bhattacharyya; Rényi 2 = log(1 + χ²); Rényi → KL as order → 1
        np.testing.assert_allclose(c("renyi", order=0.5), 2 * c("bhattacharyya"), rtol=1e-9)
        chi2 = c("chi2")
        if math.isfinite(chi2):
            np.testing.assert_allclose(c("renyi", order=2.0), math.log1p(chi2), rtol=1e-9)
        else:
            assert c("renyi", order=2.0) == math.inf
        kl = c("kl")
        for eps in (1e-3, -1e-3):
            np.testing.assert_allclose(c("renyi", order=1 + eps), kl, rtol=5e-3)
        np.testing.assert_allclose(c("renyi", order=1.0), kl, rtol=1e-12)
        # Jeffreys = KL(p‖q) + KL(q‖p); reverse KL = KL with swapped arguments
        np.testing.assert_allclose(c("jeffreys"), kl + dv.compute("kl", q, p, method=method), rtol=1e-9)
        np.testing.assert_allclose(c("reverse_kl"), dv.compute("kl", q, p, method=method), rtol=1e-12)
        # Neyman χ²(p‖q) = χ²(q‖p); α = 2 is χ²/2 and α = −1 is Neyman χ²/2
        np.testing.assert_allclose(c("neyman_chi2"), dv.compute("chi2", q, p, method=method), rtol=1e-12)
        np.testing.assert_allclose(c("alpha", alpha=2.0), chi2 / 2, rtol=1e-9)
        np.testing.assert_allclose(c("alpha", alpha=-1.0), c("neyman_chi2") / 2, rtol=1e-9)


@pytest.mark.parametrize("pair", LIMIT_PAIRS, ids=LIMIT_IDS)
def test_renyi_non_decreasing_in_order(pair):
    p, q = pair
    orders = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1.0, 1.001, 1.1, 1.5, 2.0, 3.0, 5.0]
    for method in ("auto", "quadrature"):
        vals = [dv.compute("renyi", p, q, method=method, order=a) for a in orders]
        assert all(b >= a - 1e-12 * max(1.0, abs(a)) for a, b in zip(vals, vals[1:], strict=False)), vals
    # D_0 = −log Q(p > 0) = 0 for full supports; positive for nested uniforms
    assert dv.compute("renyi", p, q, order=0.0) == 0.0
    np.testing.assert_allclose(
        dv.compute("renyi", Uniform(0, 1), Uniform(0, 4), order=0.0), math.log(4), rtol=1e-9
    )


def test_hellinger_bhattacharyya_relation():
    p, q = Laplace(0, 1), Mixture([Gaussian(-1, 1), Gaussian(2, 0.7)])
    np.testing.assert_allclose(
        dv.compute("hellinger", p, q), -math.expm1(-dv.compute("bhattacharyya", p, q)), rtol=1e-9
    )


# =============================================================================================
# Error paths
# =============================================================================================
def test_unknown_divergence_lists_the_choices():
    with pytest.raises(ValueError, match=r"unknown divergence 'kld'; choose one of: kl, reverse_kl, "):
        dv.compute("kld", Gaussian(0, 1), Gaussian(1, 1))
    with pytest.raises(ValueError, match="unknown divergence"):
        dv.get("nope")


def test_unknown_parameter_is_named():
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['alpha'\] for 'renyi'; valid: k|order"):
        dv.compute("renyi", Gaussian(0, 1), Gaussian(1, 1), alpha=0.5)
    with pytest.raises(ValueError, match=r"\['order'\] for 'kl'"):
        dv.compute("kl", Gaussian(0, 1), Gaussian(1, 1), order=2)
    with pytest.raises(ValueError, match="valid: none"):
        dv.compute("js", Gaussian(0, 1), Gaussian(1, 1), bandwidth=1)


@pytest.mark.parametrize(
    ("name", "params", "pattern"),
    [
        ("renyi", {"order": -0.5}, r"parameter 'order' must be >= 0, got -0.5"),
        ("renyi", {"order": float("nan")}, "parameter 'order'"),
        ("renyi", {"order": "two"}, "parameter 'order' must be a number"),
        ("mmd", {"bandwidth": 0.0}, "parameter 'bandwidth'"),
        ("mmd", {"bandwidth": -1.0}, "parameter 'bandwidth'"),
        ("alpha", {"alpha": float("nan")}, "parameter 'alpha'"),
        ("kl", {"k": 0}, "parameter 'k'"),
        ("cs", {"window": -1.0}, "parameter 'window'"),
    ],
)
def test_out_of_range_parameters(name, params, pattern):
    with pytest.raises(ValueError, match=pattern):
        dv.compute(name, Gaussian(0, 1), Gaussian(1, 1), **params)


def test_mismatched_inputs():
    with pytest.raises(ValueError, match="p is 1-D but q is 2-D"):
        dv.compute("kl", Gaussian(0, 1), Gaussian(mean=[0, 0], cov=np.eye(2)))
    with pytest.raises(
        ValueError, match="must both be distributions, both categorical, or both sample arrays"
    ):
        dv.compute("kl", Gaussian(0, 1), np.zeros(10))
    with pytest.raises(
        ValueError, match="must both be distributions, both categorical, or both sample arrays"
    ):
        dv.compute("kl", np.linspace(0, 1, 10), Gaussian(0, 1))
    with pytest.raises(
        ValueError, match="must both be distributions, both categorical, or both sample arrays"
    ):
        dv.compute("kl", Categorical([0.5, 0.5]), Gaussian(0, 1))
    with pytest.raises(ValueError, match="same support"):
        dv.compute("kl", Categorical([0.5, 0.5]), Categorical([0.2, 0.3, 0.5]))
    with pytest.raises(ValueError, match="same support"):
        dv.compute("kl", Categorical([0.5, 0.5]), Categorical([0.5, 0.5], values=[0, 2]))
    with pytest.raises(ValueError, match="sample dimensions differ: 1 vs 2"):
        dv.compute(
            "mmd", np.random.default_rng(0).normal(size=50), np.zeros((50, 2)) + np.arange(50)[:, None]
        )
    with pytest.raises(ValueError, match="p samples contains NaN"):
        dv.compute("mmd", np.array([0.0, np.nan, 1.0]), np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="at least 2 samples"):
        dv.compute("mmd", np.array([0.0]), np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"shape \(n,\) or \(n, d\)"):
        dv.compute("mmd", np.zeros((3, 2, 2)), np.zeros((3, 2, 2)))


def test_bad_method_and_base():
    p, q = Gaussian(0, 1), Gaussian(1, 1)
    with pytest.raises(ValueError, match="method must be one of"):
        dv.compute("kl", p, q, method="exact")
    with pytest.raises(ValueError, match="no closed form for 'js' between Gaussian and Gaussian"):
        dv.compute("js", p, q, method="closed_form")
    with pytest.raises(ValueError, match="no closed form for 'kl' between Laplace and Gaussian"):
        dv.compute("kl", Laplace(0, 1), q, method="closed_form")
    with pytest.raises(ValueError, match="'kde' applies to sample arrays"):
        dv.compute("kl", p, q, method="kde")
    with pytest.raises(ValueError, match="'js' has no sample estimator"):
        dv.compute("js", p, q, method="samples")
    with pytest.raises(ValueError, match="does not apply to categorical"):
        dv.compute("kl", Categorical([0.5, 0.5]), Categorical([0.2, 0.8]), method="monte_carlo")
    with pytest.raises(ValueError, match="needs densities"):
        dv.compute("kl", np.arange(10.0), np.arange(10.0) + 0.5, method="quadrature")
    for base in (0, -2, 1, "2"):
        with pytest.raises(ValueError, match="base must be a positive number other than 1"):
            dv.compute("kl", p, q, base=base)
    with pytest.raises(ValueError, match="n_samples"):
        dv.compute("kl", p, q, method="monte_carlo", n_samples=-5)
    with pytest.raises(ValueError, match="rng must be"):
        dv.compute("kl", p, q, method="monte_carlo", rng="seed")
    with pytest.raises(ValueError, match="already registered"):
        dv.register(dv.get("kl"))


# =============================================================================================
# Units (base) and the batch helpers
# =============================================================================================
def test_base_2_converts_only_log_based_entries():
    p, q = Gaussian(0, 1), Laplace(0.5, 1.2)
    for name, params in _cases():
        div = dv.get(name)
        nats = dv.evaluate(name, p, q, **params)
        bits = dv.evaluate(name, p, q, base=2, **params)
        if div.log_based:
            assert div.units == "nats" and nats.units == "nats" and bits.units == "bits"
            np.testing.assert_allclose(bits.value, nats.value / LOG2, rtol=1e-12)
            ten = dv.evaluate(name, p, q, base=10, **params)
            assert ten.units == "log base 10"
            np.testing.assert_allclose(ten.value, nats.value / math.log(10), rtol=1e-12)
        else:
            assert bits.value == nats.value and bits.units == div.units == nats.units
    # a known value: JS of disjoint supports is exactly 1 bit
    np.testing.assert_allclose(dv.compute("js", Uniform(0, 1), Uniform(2, 3), base=2), 1.0, rtol=1e-12)
    assert dv.compute("kl", Uniform(0, 2), Uniform(0, 1), base=2) == math.inf


COMPUTE_ALL_PAIRS = [
    (Gaussian(0, 1), Gaussian(1, 1.5)),
    (Mixture([Gaussian(-1, 0.5), Gaussian(1.5, 0.8)], [0.3, 0.7]), StudentT(3, 0.2, 1.1)),
    (Uniform(0, 1), Uniform(0.5, 2)),
    (Gaussian(mean=[0, 0], cov=[[1, 0.3], [0.3, 2]]), Gaussian(mean=[0.5, -0.5], cov=np.eye(2))),
    (Categorical([0.2, 0.3, 0.5]), Categorical([0.1, 0.6, 0.3])),
]


@pytest.mark.parametrize(
    "pair", COMPUTE_ALL_PAIRS, ids=["gauss", "mixture-t", "uniforms", "gauss-2d", "categorical"]
)
def test_compute_all_and_compute_both_agree_with_compute(pair):
    p, q = pair
    params = {"alpha": {"alpha": 0.3}, "renyi": {"order": 1.5}, "mmd": {"bandwidth": 0.8}}
    which = [n for n in dv.names() if not (n == "w1" and getattr(p, "dim", 1) == 2)]
    everything = dv.compute_all(p, q, which=which, params=params)
    both = dv.compute_both(p, q, which=which, params=params)
    assert list(everything) == which and list(both) == which
    for name in which:
        kw = params.get(name, {})
        single = dv.evaluate(name, p, q, **kw)
        for ev in (everything[name], both[name][0]):
            assert ev.method == single.method and ev.units == single.units and ev.note == single.note
            np.testing.assert_allclose(ev.value, single.value, rtol=1e-12, atol=1e-15, err_msg=name)
        rev = both[name][1]
        if dv.get(name).symmetric:
            assert rev is None
        else:
            swapped = dv.evaluate(name, q, p, **kw)
            assert rev.method == swapped.method and rev.note == swapped.note
            np.testing.assert_allclose(rev.value, swapped.value, rtol=1e-12, atol=1e-15, err_msg=name)


def test_compute_all_default_is_the_whole_registry_in_order_and_with_base():
    p, q = Gaussian(0, 1), Gaussian(1, 2)
    out = dv.compute_all(p, q, base=2)
    assert list(out) == dv.names()
    np.testing.assert_allclose(out["kl"].value, dv.compute("kl", p, q) / LOG2, rtol=1e-12)
    assert out["kl"].units == "bits" and out["tv"].units == ""


def test_divergence_value_describes_itself():
    ev = dv.evaluate("alpha", Gaussian(0, 1), Gaussian(1, 1), alpha=0.3)
    assert (ev.name, ev.label, ev.method, dict(ev.params)) == ("alpha", "D_α", "closed form", {"alpha": 0.3})
    assert float(ev) == ev.value and not ev.is_infinite
    assert dv.evaluate("kl", Uniform(0, 2), Uniform(0, 1)).is_infinite
    assert dv.get("kl").direction("target", "model") == "KL(target‖model)"
    assert dv.get("js").direction() == "JS(p, q)"
    assert dv.get("alpha").behaviour_for({"alpha": 0.0}) == "mode-seeking"
    assert dv.get("alpha").behaviour_for({"alpha": 1.0}) == "mode-covering"
    assert dv.get("alpha").behaviour_for() == "balanced"
    assert dv.get("kl").behaviour_for() == "mode-covering"
    assert dv.get("reverse_kl").behaviour_for() == "mode-seeking"


def test_registry_metadata_is_consistent():
    for name in dv.names():
        div = dv.get(name)
        assert div.name == name and div.reference and div.formula
        assert not (div.metric and not div.sqrt_metric), "the square root of a metric is a metric"
        for prm in div.params:
            assert prm.low <= prm.default <= prm.high
        if div.f_divergence:
            assert div.generator is not None and div.measure is not None
            # generator convention: f(1) = 0 (D(p, p) = 0)
            extra = {prm.name: prm.default for prm in div.params}
            np.testing.assert_allclose(div.generator(np.array(1.0), **extra), 0.0, atol=1e-15)
        if div.symmetric is False:
            assert "‖" in div.direction()


# =============================================================================================
# Doctests of the core modules
# =============================================================================================
@pytest.mark.parametrize("module", [dv, dispatch_module, dist_module, data_module], ids=lambda m: m.__name__)
def test_doctests(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_package_exports_the_core_api():
    assert explorer.compute is dv.compute and explorer.names is dv.names
    # the core never imports the widget layer: in a fresh interpreter (in this one, other tests may
    # have imported explorer.ui already), the package has no attribute "ui" after `import explorer`
    import subprocess
    import sys

    code = "import explorer, explorer.divergences; assert 'ui' not in vars(explorer), 'explorer.ui imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_sample_arrays_use_estimators_and_kde_fallback():
    rng = np.random.default_rng(3)
    x, y = rng.normal(0, 1, 600), rng.normal(0.5, 1, 600)
    ev = dv.evaluate("w1", x, y)
    assert ev.method == "samples" and ev.note.startswith("exact OT")
    ev = dv.evaluate("js", x, y)
    assert ev.method == "kde" and "plug-in" in ev.note
    ev = dv.evaluate("kl", Empirical(x), Empirical(y), method="samples")
    assert ev.method == "samples" and "n=600 and 600" in ev.note


def test_sinkhorn_2d_closed_form_vs_samples():
    """Janati et al.'s Gaussian closed form against our Sinkhorn solver on 2 000 samples each."""
    p = Gaussian(mean=[0, 0], cov=[[1, 0.5], [0.5, 1]])
    q = Gaussian(mean=[1, 0], cov=[[1.5, 0], [0, 1]])
    exact = dv.compute("sinkhorn", p, q, epsilon=1.0)
    est = [dv.compute("sinkhorn", p.sample(2000, s), q.sample(2000, 100 + s), epsilon=1.0) for s in range(3)]
    # the plug-in S_ε has O(1/n) bias and ~3 % spread at n = 2000
    np.testing.assert_allclose(np.mean(est), exact, rtol=0.08)


@pytest.mark.parametrize("eps", [0.1, 0.5, 2.0])
@pytest.mark.parametrize("pair", GAUSS_2D, ids=["correlated", "wide-vs-narrow"])
def test_sinkhorn_2d_grid_vs_closed_form(pair, eps):
    """The separable grid solver (used for 2-D densities without a closed form) against Janati et
    al.'s closed form, on Gaussians where both exist."""
    (mp, cp), (mq, cq) = pair
    p, q = Gaussian(mean=mp, cov=cp), Gaussian(mean=mq, cov=cq)
    grid = measures.sinkhorn_grid_2d(Grid2D(p, q), eps)
    np.testing.assert_allclose(grid, dv.compute("sinkhorn", p, q, epsilon=eps), rtol=1e-3)


def test_sinkhorn_2d_mixture_by_grid_vs_samples():
    """A 2-D mixture has no closed form: the grid value against the solver on 3 × 2 000 samples."""
    p = Mixture([Gaussian(mean=[-2, 0], cov=[[0.5, 0], [0, 0.5]]),
                 Gaussian(mean=[2, 1], cov=[[0.5, 0.2], [0.2, 0.5]])])
    q = Gaussian(mean=[0, 0], cov=[[3, 0], [0, 1]])
    ev = dv.evaluate("sinkhorn", p, q, epsilon=1.0)
    assert ev.method == "quadrature"
    est = [dv.compute("sinkhorn", p.sample(2000, s), q.sample(2000, 100 + s), epsilon=1.0) for s in range(3)]
    np.testing.assert_allclose(np.mean(est), ev.value, rtol=0.08)  # O(1/n) bias, ~3 % spread


def test_sinkhorn_small_epsilon_approaches_w2_squared():
    p, q = Gaussian(0, 1), Gaussian(1.5, 0.7)
    w2sq = dv.compute("w2", p, q) ** 2
    vals = [dv.compute("sinkhorn", p, q, epsilon=e) for e in (2.0, 0.5, 0.05)]
    assert abs(vals[-1] - w2sq) < abs(vals[0] - w2sq)
    np.testing.assert_allclose(vals[-1], w2sq, rtol=0.02)


def test_sinkhorn_on_many_tokens_with_a_sharp_cost_converges_quickly():
    """300 tokens, ε = 0.5 on (i − j)² (cost/ε up to 1.8·10⁵): with two sweeps per ε-scale the
    polish diverged and 20,000 sweeps (110 s) still warned; it must converge, silently, near W2²."""
    import warnings

    x = np.arange(300.0)
    t = (np.exp(-0.5 * ((x - 50) / 10) ** 2) + 0.6 * np.exp(-0.5 * ((x - 150) / 10) ** 2)
         + 0.3 * np.exp(-0.5 * ((x - 250) / 10) ** 2))
    s = np.exp(-0.5 * ((x - 150) / 30) ** 2)
    p, q = Categorical(t / t.sum(), values=x), Categorical(s / s.sum(), values=x)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        value = dv.compute("sinkhorn", p, q, epsilon=0.5)
    w2sq = dv.compute("w2", p, q) ** 2
    np.testing.assert_allclose(value, w2sq, rtol=2e-3)  # entropic bias at ε = 0.5 on a ~3,700 cost


def _point_sets(dim: int, seed: int):
    """Two batches (2 restarts) of weighted point sets as torch tensors, weights from logits."""
    import torch

    rng = np.random.default_rng(seed)
    x = torch.tensor(rng.normal(0, 1.5, (2, 40, dim)), requires_grad=True)
    y = torch.tensor(rng.normal(1, 1, (2, 30, dim)), requires_grad=True)
    la = torch.tensor(rng.normal(0, 0.5, (2, 40)), requires_grad=True)
    return x, la, y


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("symmetric", [False, True])
def test_sinkhorn_warm_step_value_and_gradient_match_the_converged_solve(dim, symmetric):
    """The fitting path (a few scaling sweeps from warm potentials, derivatives of the dual
    attached by a surrogate) against the converged log-domain solve with autograd through its
    last step (exact by the envelope theorem), and against finite differences of the value."""
    import torch

    x, la, y = _point_sets(dim, seed=dim)
    b = torch.full((2, 30), 1 / 30, dtype=torch.float64)

    def problem(x, la):
        a = torch.softmax(la, -1)
        return (x, a, x, a) if symmetric else (x, a, y, b)

    cold, warm = dv.sinkhorn_ot(*problem(x, la), 0.5)
    gx_cold, ga_cold = torch.autograd.grad(cold.sum(), (x, la))
    value, _ = dv.sinkhorn_ot(*problem(x, la), 0.5, warm=warm, symmetric=symmetric, iters=3)
    gx, ga = torch.autograd.grad(value.sum(), (x, la))
    np.testing.assert_allclose(value.detach(), cold.detach(), rtol=1e-9)
    np.testing.assert_allclose(gx, gx_cold, atol=1e-8)
    np.testing.assert_allclose(ga, ga_cold, atol=1e-8)

    # finite differences of the converged value along a random direction
    rng = np.random.default_rng(5)
    dx = torch.tensor(rng.normal(size=x.shape))
    h = 1e-5
    with torch.no_grad():
        up = dv.sinkhorn_ot(*problem(x + h * dx, la), 0.5)[0].sum()
        down = dv.sinkhorn_ot(*problem(x - h * dx, la), 0.5)[0].sum()
    assert float((gx * dx).sum()) == pytest.approx(float(up - down) / (2 * h), rel=1e-5)


def test_sinkhorn_warm_step_recovers_from_a_stale_start(monkeypatch):
    """Potentials of a far-away problem under/overflow the scaling kernel: the step falls back to a
    solve from scratch in the log domain, so it stays finite and lands on the cold solution."""
    import torch

    x, la, y = _point_sets(1, seed=7)
    a = torch.softmax(la, -1).detach()
    b = torch.full((2, 30), 1 / 30, dtype=torch.float64)
    _, stale = dv.sinkhorn_ot(x.detach() + 40.0, a, y.detach(), b, 0.05)
    target = dv.sinkhorn_ot(x.detach(), a, y.detach(), b, 0.05)[0]
    value, warm = dv.sinkhorn_ot(x.detach(), a, y.detach(), b, 0.05, warm=stale, iters=3)
    np.testing.assert_allclose(value, target, rtol=1e-9)

    def no_log_domain(*args, **kwargs):
        raise AssertionError("the log-domain solver was called for a fresh warm start")

    from explorer.ot import entropic

    monkeypatch.setattr(entropic, "sinkhorn_potentials", no_log_domain)  # from there: scaling sweeps only
    again, _ = dv.sinkhorn_ot(x.detach(), a, y.detach(), b, 0.05, warm=warm, iters=3)
    np.testing.assert_allclose(again, target, rtol=1e-9)
