"""Capability fields of the registry entries, and the per-fit objects they hand out."""

from __future__ import annotations

import math

import numpy as np
import pytest

from explorer import divergences as dv
from explorer.distributions import Categorical, Gaussian
from explorer.divergences.measures import Discrete, ImportanceSample, make_grid
from explorer.estimators.interface import Measure, SampleEstimator
from explorer.ot import SinkhornObjective, WassersteinObjective, ot_distance, sinkhorn_divergence


def test_capability_fields_agree_with_the_functions():
    for name in dv.names():
        div = dv.get(name)
        assert div.has_quadrature == (div.grid is not None or div.measure is not None)
        assert div.has_sample_estimator == (div.samples is not None)
        if div.needs_positions:  # positions matter: a ratio-only measure would be wrong
            assert div.measure is None and div.grid is not None and div.categorical is not None, name
        if div.weight is not None:
            assert div.f_divergence, name
        if div.fit.sample_objective is not None:
            first, second = div.fit.sample_objective(), div.fit.sample_objective()
            assert callable(first)
            if not hasattr(first, "__code__"):  # an object with state: a new one for every fit
                assert first is not second, name
    assert [n for n in dv.names() if dv.get(n).fit.likelihood] == ["kl"]
    assert {n for n in dv.names() if dv.get(n).needs_positions} == {"w1", "w2", "mmd", "energy", "sinkhorn"}
    assert {n for n in dv.names() if not dv.get(n).fit.landscape} == {"sinkhorn"}


def test_split_params_separates_divergence_and_estimator_parameters():
    assert dv.get("kl").split_params({"k": 3}) == ({}, {"k": 3})
    assert dv.get("mmd").split_params({}) == ({"bandwidth": 1.0}, {})
    assert dv.get("cs").split_params({"window": 0.5}) == ({}, {"window": 0.5})
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['k'\] for 'mmd'; valid: bandwidth"):
        dv.get("mmd").split_params({"k": 3})
    with pytest.raises(ValueError, match="parameter 'k' must be an integer"):
        dv.get("kl").split_params({"k": 2.5})


def test_measures_and_estimators_follow_the_interface():
    p, q = Gaussian(0, 1), Gaussian(1, 2)
    for m in (make_grid(p, q), Discrete(Categorical([0.2, 0.8]), Categorical([0.5, 0.5])),
              ImportanceSample(p, q, 100, np.random.default_rng(0))):
        assert isinstance(m, Measure)
    for name in dv.names():
        if dv.get(name).samples is not None:
            assert isinstance(dv.get(name).samples, SampleEstimator)


def test_importance_sample_agrees_with_the_closed_form():
    p, q = Gaussian(0, 1), Gaussian(0.5, 1.3)
    m = ImportanceSample(p, q, 200_000, np.random.default_rng(1))
    np.testing.assert_allclose(dv.get("kl").measure(m), dv.compute("kl", p, q), rtol=0.02)


def test_wasserstein_objective_with_a_fresh_plan_is_exact_ot():
    rng = np.random.default_rng(0)
    xp, xq = rng.normal(size=(40, 2)), rng.normal(1.0, 1.5, size=(40, 2))
    w = np.full(40, 1 / 40)
    for power in (1, 2):
        value = WassersteinObjective(power, replan=1)(xp, w, xq[None], w[None])[0]
        np.testing.assert_allclose(value, ot_distance(xp, xq, power), rtol=1e-10)
    with pytest.raises(ValueError, match="power must be 1 or 2"):
        WassersteinObjective(3)


def test_wasserstein_objective_between_replans_is_an_upper_bound_touching_at_replans():
    rng = np.random.default_rng(1)
    xp = rng.normal(size=(30, 2))
    w = np.full(30, 1 / 30)
    obj = WassersteinObjective(2)  # REPLAN = 4
    for step in range(8):
        xq = rng.normal(0.1 * step, 1.0, size=(30, 2))
        value = obj(xp, w, xq[None], w[None])[0]
        exact = ot_distance(xp, xq, 2)
        if step % WassersteinObjective.REPLAN == 0:
            np.testing.assert_allclose(value, exact, rtol=1e-10)
        else:
            assert value >= exact - 1e-12


def test_sinkhorn_objective_first_call_is_the_converged_divergence():
    pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    xp, xq = rng.normal(size=(30, 1)), rng.normal(0.5, 1.2, size=(30, 1))
    w = np.full(30, 1 / 30)
    value = SinkhornObjective()(xp, w, xq[None], w[None], epsilon=0.5)[0]
    np.testing.assert_allclose(value, sinkhorn_divergence(xp, w, xq, w, 0.5), rtol=1e-8, atol=1e-12)


def test_upper_bounds_are_numbers_with_their_text():
    for name in dv.names():
        div = dv.get(name)
        assert math.isinf(div.upper_bound) or div.upper_bound_text.startswith("≤"), name
