"""explorer.alignment: targets, f-DPO closed forms vs the numerical optimum and the divergence registry,
f-DPG fits and the frontier; explorer.ot.batched vs the registry's Sinkhorn."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from explorer import divergences as dv
from explorer.alignment import (
    AlignmentProblem,
    closed_form,
    fdpo,
    fit,
    frontier,
    implied_reward,
    numerical_optimum,
    toy,
)
from explorer.distributions import Categorical
from explorer.ot.batched import SinkhornState, entropic_ot, sinkhorn_divergence

torch.set_num_threads(1)

GEN_CASES = [(name, {}) for name in fdpo.GENERATORS if name != "alpha"] + [
    ("alpha", {"alpha": a}) for a in (-0.5, 0.3, 2.0)]


def _small(seed=0, n=20):
    rng = np.random.default_rng(seed)
    a = rng.dirichlet(np.full(n, 2.0))
    r = rng.normal(size=n)
    return a, r


# -- problem ----------------------------------------------------------------------------------------
def test_targets():
    pb = toy(60)
    for beta in (0.1, 1.0):
        p = pb.target(beta)
        expect = pb.base * np.exp(pb.reward / beta)
        np.testing.assert_allclose(p, expect / expect.sum(), rtol=1e-12)
    assert pb.alignment(pb.target(0.1)) > pb.alignment(pb.target(1.0)) > pb.alignment(pb.base)
    pref = toy(60, kind="preference")
    p = pref.target()
    np.testing.assert_allclose(p, pref.base * pref.reward / np.sum(pref.base * pref.reward))
    assert pref.alignment(p) == pytest.approx(1.0)
    # a·exp(b/β) → a·b as β → 0
    np.testing.assert_allclose(pref.target(0.01), p, atol=1e-30)


@pytest.mark.parametrize("kw, match", [
    (dict(base=[0.5, 0.6], reward=[0.0, 1.0]), "sum to 1"),
    (dict(base=[0.5, 0.5, 0.0], reward=[0.0, 1.0, 2.0]), "> 0"),
    (dict(base=[0.5, 0.5], reward=[0.0, 1.0, 2.0]), "one length"),
    (dict(base=[0.5, 0.5], reward=[0.0, 0.5], binary=True), "0 and 1"),
    (dict(base=[0.5, 0.5], reward=[0.0, np.nan]), "NaN"),
])
def test_bad_problems(kw, match):
    with pytest.raises(ValueError, match=match):
        AlignmentProblem(**kw)


# -- f-DPO ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, params", GEN_CASES)
def test_regulariser_equals_the_divergence_registry(name, params):
    a, _ = _small(1)
    rng = np.random.default_rng(2)
    pi = rng.dirichlet(np.ones(a.size))
    ours = fdpo.regulariser(a, pi, name, **params)
    ref = dv.compute(name, Categorical(a), Categorical(pi), **params)
    np.testing.assert_allclose(ours, ref, rtol=1e-10)


@pytest.mark.slow
@pytest.mark.parametrize("name, params", GEN_CASES)
def test_closed_form_equals_numerical_optimum(name, params):
    a, r = _small(3)
    beta = 0.4
    cf = closed_form(a, r, beta, name, **params)
    np.testing.assert_allclose(cf.policy.sum(), 1.0, rtol=1e-12)
    pi_num, obj_num = numerical_optimum(a, r, beta, name, **params)
    assert cf.objective >= obj_num - 1e-9  # the closed form is the maximum
    np.testing.assert_allclose(cf.objective, obj_num, atol=1e-7)
    np.testing.assert_allclose(cf.policy, pi_num, atol=2e-4)
    # the implied reward recovers r up to the constant λ on the support
    on = cf.policy > 0
    np.testing.assert_allclose(implied_reward(a, cf.policy, beta, name, **params)[on] + cf.lam, r[on],
                               atol=1e-8)


def test_reverse_kl_closed_form_is_the_gibbs_target():
    pb = toy(80)
    cf = closed_form(pb.base, pb.reward, 0.3, "reverse_kl")
    np.testing.assert_allclose(cf.policy, pb.target(0.3), rtol=1e-9)


def test_pearson_chi2_optimum_is_sparse():
    a, r = _small(4, n=30)
    cf = closed_form(a, r, 0.1, "neyman_chi2")
    assert 0 < cf.support < a.size
    assert np.all(cf.policy[r < np.sort(r)[a.size - cf.support]] == 0)
    assert np.all(np.isinf(implied_reward(a, cf.policy, 0.1, "neyman_chi2")[cf.policy == 0]))


def test_fdpo_bad_input():
    a, r = _small(0, n=5)
    with pytest.raises(ValueError, match="choose one of"):
        closed_form(a, r, 0.5, "hellinger2")
    with pytest.raises(ValueError, match="beta"):
        closed_form(a, r, 0.0)
    with pytest.raises(ValueError, match="alpha"):
        closed_form(a, r, 0.5, "alpha", alpha=1.0)
    with pytest.raises(ValueError, match="one length"):
        closed_form(a, r[:3], 0.5)


# -- f-DPG ---------------------------------------------------------------------------------------
def test_fit_mode_seeking_trades_diversity_for_alignment():
    pb = toy(100)
    fwd = fit(pb, "kl", 0.2)
    rev = fit(pb, "reverse_kl", 0.2)
    js = fit(pb, "js", 0.2)
    for r in (fwd, rev, js):
        assert r.converged
        np.testing.assert_allclose(r.policy.sum(), 1.0)
    assert rev.metrics.alignment > fwd.metrics.alignment
    assert fwd.metrics.entropy > rev.metrics.entropy
    assert fwd.metrics.coverage >= rev.metrics.coverage
    # the reported divergence is the registry's D(p‖π)
    np.testing.assert_allclose(js.metrics.divergence, dv.compute("js", Categorical(js.target),
                                                                 Categorical(js.policy)), rtol=1e-9)


def test_frontier_shapes_lookup_and_stop():
    pb = toy(60)
    betas = [0.1, 0.5, 2.0]
    fr = frontier(pb, ("kl", "reverse_kl"), betas, capacity=4)
    assert fr.alignment.shape == (2, 3) and fr.policies.shape == (2, 3, 60)
    assert np.all(fr.converged)
    assert np.all(np.diff(fr.target_alignment) < 0)  # larger β: less aligned target
    pt = fr.point("reverse_kl", 0.45)
    assert pt["beta"] == 0.5 and math.isfinite(pt["vendi"])
    np.testing.assert_allclose(pt["alignment"], pb.alignment(pt["policy"]))
    with pytest.raises(ValueError, match="not in this frontier"):
        fr.point("tv", 0.5)
    stopped = frontier(pb, ("kl", "js"), betas, should_stop=lambda: True)
    assert stopped.stopped and np.all(np.isnan(stopped.alignment))


# -- explorer.ot.batched -----------------------------------------------------------------------------
@pytest.mark.parametrize("eps", [0.3, 2.0])
def test_batched_sinkhorn_matches_the_registry(eps):
    rng = np.random.default_rng(7)
    a = rng.dirichlet(np.ones(12), size=3)
    b = rng.dirichlet(np.ones(12), size=3)
    a[0, 3] = 0.0
    a[0] /= a[0].sum()
    vals = sinkhorn_divergence(torch.tensor(a), torch.tensor(b), epsilon=eps)
    assert vals.shape == (3,)
    for i in range(3):
        ref = dv.compute("sinkhorn", Categorical(a[i]), Categorical(b[i]), epsilon=eps)
        np.testing.assert_allclose(float(vals[i]), ref, rtol=1e-8, atol=1e-10)


def test_batched_sinkhorn_gradients_warm_start_and_zero():
    rng = np.random.default_rng(8)
    a = torch.tensor(rng.dirichlet(np.ones(6)))
    z = torch.tensor(rng.normal(size=6), requires_grad=True)
    assert torch.autograd.gradcheck(lambda zz: sinkhorn_divergence(a, torch.softmax(zz, -1), epsilon=0.8),
                                    (z,))
    np.testing.assert_allclose(float(sinkhorn_divergence(a, a, epsilon=0.8)), 0.0, atol=1e-12)
    state = SinkhornState()
    b = torch.softmax(z.detach(), -1)
    first = float(sinkhorn_divergence(a, b, epsilon=0.8, state=state))
    again = float(sinkhorn_divergence(a, b, epsilon=0.8, state=state))
    assert state.converged and state.iterations <= 6  # warm: converged potentials need ~1 sweep each
    np.testing.assert_allclose(again, first, rtol=1e-10)
    with pytest.raises(ValueError, match="epsilon"):
        entropic_ot(a, b, epsilon=0.0)
    with pytest.raises(ValueError, match="cost"):
        entropic_ot(a, b, cost=torch.zeros(5, 5))
