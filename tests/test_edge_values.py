"""Issue 9, wrong values: each case the independent check found wrong is compared here with a truth
computed independently of the package — scipy quadrature split at every component and crossing,
closed forms, quantile integrals, Monte Carlo for a 2-D pair.

(The crashes and refusals are in ``test_numerics_edges.py``, the scale fuzz in
``test_fuzz_scales.py``.)
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy import integrate, stats

import explorer.divergences as dv
from explorer.distributions import Gaussian, Laplace, Mixture, StudentT, Uniform

# -- references: scipy, nothing from the package ---------------------------------------------------


def _quad(f, breaks) -> float:
    """∫ f over ℝ, split at ``breaks`` (sorted), with ±inf at the ends."""
    edges = [-np.inf, *sorted(breaks), np.inf]
    return sum(integrate.quad(f, a, b, limit=400, epsabs=1e-13, epsrel=1e-11)[0]
               for a, b in zip(edges[:-1], edges[1:], strict=True))


def _mixture_pdf(parts):
    return lambda x: sum(w * d.pdf(x) for w, d in parts)


def _ref(name: str, p, q, breaks) -> float:
    """The divergence ``name`` of two scipy densities by split quadrature, in nats."""
    if name == "tv":
        return 0.5 * _quad(lambda x: abs(p(x) - q(x)), breaks)
    if name == "hellinger":
        return 1.0 - _quad(lambda x: math.sqrt(p(x) * q(x)), breaks)
    if name == "kl":
        return _quad(lambda x: p(x) * (math.log(p(x)) - math.log(q(x))) if p(x) > 0 else 0.0, breaks)
    if name == "js":
        def half(a, b):
            return lambda x: a(x) * math.log(2 * a(x) / (a(x) + b(x))) if a(x) > 0 else 0.0
        return 0.5 * _quad(half(p, q), breaks) + 0.5 * _quad(half(q, p), breaks)
    raise KeyError(name)


def test_the_references_use_the_registry_conventions():
    """On an ordinary pair the references and the registry agree: same conventions, both right."""
    p, q = stats.norm(0, 1), stats.norm(1, 2)
    for name in ("tv", "hellinger", "kl", "js"):
        ref = _ref(name, p.pdf, q.pdf, [-3.0, 0.0, 1.0, 3.0])
        assert dv.compute(name, Gaussian(0, 1), Gaussian(1, 2)) == pytest.approx(ref, rel=1e-7), name


# -- 1. components of very different scales in 1-D --------------------------------------------------


@pytest.mark.parametrize("name", ["tv", "hellinger", "js"])
def test_a_very_narrow_component(name):
    # was TV 6.74, H² 6.59, JS 4.60 (none can exceed 1, 1, ln 2)
    pdf = _mixture_pdf([(0.5, stats.norm(0, 1)), (0.5, stats.norm(3, 1e-5))])
    near = [3 + s * 1e-5 for s in (-40, -4, -1, 0, 1, 4, 40)]
    ref = _ref(name, pdf, stats.norm(0, 2).pdf, [-6, -1, 0, 1, 2.9, *near, 3.1, 6])
    got = dv.compute(name, Mixture([Gaussian(0, 1), Gaussian(3, 1e-5)]), Gaussian(0, 2))
    assert got == pytest.approx(ref, rel=1e-6)


def test_kl_with_a_component_of_std_1e_3():
    # was 3.779 (true 4.0816)
    pdf = _mixture_pdf([(0.5, stats.norm(0, 1e-3)), (0.5, stats.norm(5, 1))])
    near = [s * 1e-3 for s in (-40, -4, -1, 0, 1, 4, 40)]
    ref = _ref("kl", pdf, stats.norm(0, 3).pdf, [*near, 2, 5, 8])
    got = dv.compute("kl", Mixture([Gaussian(0, 0.001), Gaussian(5, 1)]), Gaussian(0, 3))
    assert ref == pytest.approx(4.0816, abs=1e-4)
    assert got == pytest.approx(ref, rel=1e-6)


# -- 2. far-apart pairs ------------------------------------------------------------------------------


def test_far_apart_pairs_have_disjoint_supports():
    # was TV 5.52, W₂ 4.9e5, JS 0.246
    assert dv.compute("tv", Laplace(0, 1), StudentT(3, loc=1e6)) == pytest.approx(1.0, abs=1e-9)
    # W₂² = shift² + W₂²(Laplace, t₃) (the two have mean 0): the shift dominates to 1e-12
    assert dv.compute("w2", Laplace(0, 1), StudentT(3, loc=1e6)) == pytest.approx(1e6, rel=1e-9)
    assert dv.compute("js", Gaussian(0, 1), Gaussian(1e5, 1)) == pytest.approx(math.log(2), rel=1e-12)


def test_a_mixture_with_a_component_a_million_away():
    """p = ½N(0,1) + ½N(10⁶,1) against q = N(0,1), the two halves of p disjoint:
    KL = ¼·10¹² − log 2 (−H(p) − E_p log q); JS = ¾ log(4/3) (m = ¾φ near 0, ¼φ far away)."""
    p = Mixture([Gaussian(0, 1), Gaussian(1e6, 1)])
    assert dv.compute("kl", p, Gaussian(0, 1)) == pytest.approx(0.25e12 - math.log(2), rel=1e-12)
    assert dv.compute("js", p, Gaussian(0, 1)) == pytest.approx(0.75 * math.log(4 / 3), rel=1e-9)


# -- 3. anisotropic 2-D -----------------------------------------------------------------------------


@pytest.mark.parametrize("s", [1e-2, 3e-2, 0.3])
def test_anisotropic_2d_tv_is_the_1d_tv_of_the_differing_axis(s):
    """N(0, diag(s², 1)) vs N(0, I): the second axis is shared, so TV is that of N(0,s²) vs N(0,1):
    P₁(|X|<c) − P₂(|X|<c) with c the crossing point of the two densities."""
    c = s * math.sqrt(2 * math.log(1 / s) / (1 - s * s))
    ref = (2 * stats.norm.cdf(c / s) - 1) - (2 * stats.norm.cdf(c) - 1)
    p = Gaussian(mean=[0, 0], cov=[[s * s, 0], [0, 1]])
    got = dv.evaluate("tv", p, Gaussian(mean=[0, 0], cov=np.eye(2)))
    if s == 1e-2:
        assert ref == pytest.approx(0.97338, abs=1e-5)  # was 1.152
    # within the 2-D tolerance (1e-4), or the note says "approximate" with an estimate that holds
    stated = re.search(r"error estimate ([0-9.e+-]+) \(relative\)", got.note)
    bound = float(stated.group(1)) if stated else 1e-4
    assert bound == 1e-4 or got.note.startswith("approximate")
    assert abs(got.value - ref) <= bound * ref


def test_nearly_singular_2d_tv_by_monte_carlo():
    """ρ = 0.999999 against the identity (was 7,836): TV = E_p[(1 − q/p)₊], 4·10⁵ draws of p."""
    cov = np.array([[1, 0.999999], [0.999999, 1]])
    p, q = stats.multivariate_normal([0, 0], cov), stats.multivariate_normal([0, 0], np.eye(2))
    x = p.rvs(400_000, random_state=np.random.default_rng(0))
    ratio = np.exp(q.logpdf(x) - p.logpdf(x))
    mc = np.mean(np.clip(1 - ratio, 0, None))
    got = dv.compute("tv", Gaussian(mean=[0, 0], cov=cov), Gaussian(mean=[0, 0], cov=np.eye(2)))
    assert 0 <= got <= 1
    assert got == pytest.approx(mc, abs=5e-4)


# -- 4. Sinkhorn between densities --------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::scipy.integrate.IntegrationWarning")
def test_sinkhorn_between_densities_sees_the_tails():
    """Laplace vs Student-t(3), ε = 0.5 (was 0.0198): W₂² = 0.320 by the quantile integral, and the
    debiased S_ε lies just below it at this ε."""
    lap, t3 = stats.laplace(), stats.t(3)
    w2sq = integrate.quad(lambda u: (lap.ppf(u) - t3.ppf(u)) ** 2, 0, 1, limit=400,
                          points=[1e-6, 0.5, 1 - 1e-6])[0]
    assert w2sq == pytest.approx(0.320, abs=2e-3)
    got = dv.compute("sinkhorn", Laplace(0, 1), StudentT(3), epsilon=0.5)
    assert 0.9 * w2sq < got <= w2sq + 1e-3


@pytest.mark.parametrize("tau", [3.0, 1e4])
def test_sinkhorn_of_a_shift_is_the_shift_squared(tau):
    # S_ε(p, p(· − τ)) = τ² exactly (was 9.92e7 for τ = 1e4)
    got = dv.compute("sinkhorn", Uniform(0, 1), Uniform(tau, tau + 1))
    assert got == pytest.approx(tau * tau, rel=1e-5)


# -- 6. very heavy tails ------------------------------------------------------------------------------


def _heavy_reference(name: str) -> float:
    """StudentT(0.01) vs N(0,1): split quadrature on [−60, 60]; beyond, q = 0 to double precision
    and the tail mass P(|X| > 60) enters in closed form (TV: ½ of it; JS: ½ log 2 times it)."""
    t, n = stats.t(0.01), stats.norm()
    tail = 2 * t.sf(60)
    inner = [-60, -10, -3, -1, 0, 1, 3, 10, 60]
    def part(f):
        pieces = zip(inner[:-1], inner[1:], strict=True)
        return sum(integrate.quad(f, a, b, limit=400, epsabs=1e-13)[0] for a, b in pieces)
    bc = part(lambda x: math.sqrt(t.pdf(x) * n.pdf(x)))
    if name == "tv":
        return 0.5 * part(lambda x: abs(t.pdf(x) - n.pdf(x))) + 0.5 * tail
    if name == "hellinger":
        return 1 - bc
    if name == "bhattacharyya":
        return -math.log(bc)
    if name == "renyi":
        return -2 * math.log(bc)
    if name == "js":
        def half(a, b):
            return lambda x: a(x) * math.log(2 * a(x) / (a(x) + b(x))) if a(x) > 0 else 0.0
        return 0.5 * part(half(t.pdf, n.pdf)) + 0.5 * part(half(n.pdf, t.pdf)) + 0.5 * math.log(2) * tail
    raise KeyError(name)


@pytest.mark.parametrize("name", ["tv", "hellinger", "js", "bhattacharyya", "renyi"])
def test_student_t_with_df_0_01_is_finite(name):
    # all were inf (exact TV 0.958)
    params = {"order": 0.5} if name == "renyi" else {}
    got = dv.compute(name, StudentT(0.01), Gaussian(0, 1), **params)
    ref = _heavy_reference(name)
    if name == "tv":
        assert ref == pytest.approx(0.958, abs=1e-3)
    assert got == pytest.approx(ref, rel=1e-5)
