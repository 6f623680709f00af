"""``explorer.estimators.study``: repeated-sampling studies of the registered sample estimators.

Fixed seeds everywhere (no retries). Tolerances are stated next to each check; the bias budgets
of the consistency test were measured once with 400 repetitions (seed 123) at n = 500.
"""

from __future__ import annotations

import contextlib
import dataclasses
import doctest
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from explorer import divergences as dv
from explorer._backend import torch_single_thread
from explorer.distributions import Gaussian, Uniform
from explorer.estimators import studies as es

P1, Q1 = Gaussian(0, 1), Gaussian(1, 1.5)
Q0 = Gaussian(1, 1)
WITH_ESTIMATOR = [n for n in dv.names() if dv.get(n).samples is not None]

# name -> (p, q, ns, reps, bias budget at the largest n as a fraction of |exact|)
# The pair is N(0,1) vs N(1,1.5) except where the k-NN estimator is known to converge slowly on
# it: KL(N(1,1.5)‖N(0,1)) (the first argument has the heavier tail) is still ~-28% off at n = 500,
# so reverse_kl uses the swapped pair and jeffreys (which contains both directions) the
# equal-variance pair. Measured mean biases at n = 500 (400 reps): kl +2.8%, reverse_kl +1.1%,
# jeffreys -6.3%, w1 +0.8%, w2 +0.7%, cs -2.3% (Silverman window), mmd +0.6% and energy +0.7%
# (both unbiased: that is noise, ±0.75%), sinkhorn +0.1% ± 1.8% (60 reps).
CASES = {
    "kl": (P1, Q1, (50, 500), 20, 0.05),
    "reverse_kl": (Q1, P1, (50, 500), 20, 0.05),
    "jeffreys": (P1, Q0, (50, 500), 20, 0.10),
    "w1": (P1, Q1, (50, 500), 20, 0.03),
    "w2": (P1, Q1, (50, 500), 20, 0.03),
    "cs": (P1, Q1, (50, 500), 20, 0.05),
    "mmd": (P1, Q1, (50, 500), 20, 0.0),
    "energy": (P1, Q1, (50, 500), 20, 0.0),
    # ~0.25 s per estimate at n = 500: fewer repetitions
    "sinkhorn": (P1, Q1, (50, 500), 12, 0.05),
}






# =============================================================================================
# Consistency of every registered estimator
# =============================================================================================
@pytest.mark.parametrize("name", WITH_ESTIMATOR)
def test_every_estimator_approaches_the_exact_value(name):
    assert name in CASES, f"new sample estimator {name!r}: add a 1-D pair and a bias budget to CASES"
    p, q, ns, reps, budget = CASES[name]
    with torch_single_thread() if name == "sinkhorn" else contextlib.nullcontext():
        res = es.study(name, p, q, ns=ns, reps=reps, seed=7)
    assert res.exact_method == "closed form" and math.isfinite(res.exact) and res.exact > 0
    assert res.estimates.shape == (reps, len(ns)) and np.all(res.nonfinite == 0)
    # mean at the largest n: within the bias budget plus 4 standard errors of the mean
    tol = budget * abs(res.exact) + 4 * res.sem[-1]
    assert abs(res.mean[-1] - res.exact) <= tol, res.summary()
    # 10x the samples: the RMSE falls (by ~sqrt(10) = 3.2 for an n^-1/2 rate; ask for 2x)
    assert res.rmse[-1] < 0.5 * res.rmse[0], res.summary()


@pytest.mark.parametrize("name", ["mmd", "energy"])
def test_u_statistics_are_unbiased_at_small_n(name):
    """E[estimate] = exact at every n ≥ 2 for the U-statistics: at n = 10 the mean of 400
    repetitions is within 3 standard errors of the exact value, although single estimates
    scatter by more than the value itself (and some are negative)."""
    res = es.study(name, P1, Q1, ns=(10,), reps=400, seed=3)
    assert abs(res.bias[0]) < 3 * res.sem[0], res.summary()
    assert res.std[0] > 0.5 * res.exact
    assert np.any(res.estimates < 0)


def test_mmd_u_statistic_is_centred_when_p_equals_q():
    res = es.study("mmd", P1, P1, ns=(20, 200), reps=100, seed=11)
    assert res.exact == 0.0
    assert np.all(np.abs(res.mean) < 3 * res.sem)
    assert np.mean(res.estimates < 0) > 0.2  # unbiased around 0: many estimates are negative
    # exact value 0: a relative tolerance cannot be met, an absolute one can
    assert np.all(np.isinf(res.relative_error))
    assert res.n_needed(0.5) is None
    assert res.n_needed(abs_tol=float(res.rmse[1]) * 1.01) in (20, 200)


def test_ot_plug_in_is_biased_upward_when_p_equals_q():
    res = es.study("w1", P1, P1, ns=(20, 200), reps=30, seed=2)
    assert np.all(res.estimates > 0)  # W1 between two different empirical measures
    assert res.mean[1] < res.mean[0]  # the bias decays with n (~n^-1/2 in 1-D)


def test_knn_kl_slow_when_first_argument_has_heavier_tails():
    """Documented behaviour (module docstring): KL(N(1,1.5²)‖N(0,1)) = 0.72 is underestimated by
    ~28% at n = 500 (standard error of the mean of 20 estimates ~2.5%)."""
    res = es.study("kl", Q1, P1, ns=(500,), reps=20, seed=5)
    assert res.bias[0] < -0.15 * res.exact
    assert res.bias[0] < -4 * res.sem[0]


# =============================================================================================
# Reproducibility
# =============================================================================================
def test_same_seed_same_estimates_and_different_seed_different():
    a = es.study("kl", P1, Q1, ns=(30, 60), reps=5, seed=42)
    b = es.study("kl", P1, Q1, ns=(30, 60), reps=5, seed=42)
    c = es.study("kl", P1, Q1, ns=(30, 60), reps=5, seed=43)
    np.testing.assert_array_equal(a.estimates, b.estimates)
    assert not np.any(a.estimates == c.estimates)
    assert len(np.unique(a.estimates)) == a.estimates.size  # repetitions are distinct draws


def test_estimates_per_n_do_not_depend_on_the_other_sizes_or_their_order():
    full = es.study("w2", P1, Q1, ns=(200, 50, 100), reps=6, seed=9)
    np.testing.assert_array_equal(full.ns, [50, 100, 200])  # sorted
    rev = es.study("w2", P1, Q1, ns=(50, 100, 200), reps=6, seed=9)
    np.testing.assert_array_equal(full.estimates, rev.estimates)
    alone = es.study("w2", P1, Q1, ns=(100,), reps=6, seed=9)
    np.testing.assert_array_equal(alone.estimates[:, 0], full.estimates[:, 1])
    # more repetitions extend the same sequence
    more = es.study("w2", P1, Q1, ns=(100,), reps=10, seed=9)
    np.testing.assert_array_equal(more.estimates[:6], alone.estimates)
    # and n, n' use independent draws (not the first n of the same stream)
    assert not np.any(np.isin(full.estimates[:, 0], full.estimates[:, 1]))


def test_same_samples_whatever_the_divergence():
    """x, y for (n, r) depend on the seed only, so estimators are compared on the same data."""
    w1 = es.study("w1", P1, Q1, ns=(40,), reps=3, seed=1)
    energy = es.study("energy", P1, Q1, ns=(40,), reps=3, seed=1)
    ss = es._child_seeds(np.random.SeedSequence(1), 40, 3)
    for r in range(3):
        g = np.random.default_rng(ss[r])
        x, y = P1.sample(40, g), Q1.sample(40, g)
        assert w1.estimates[r, 0] == dv.ot_distance(x, y, 1)
        assert energy.estimates[r, 0] == dv.compute("energy", x, y)


# =============================================================================================
# Validation
# =============================================================================================
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "js"}, "no sample estimator"),
        ({"name": "nope"}, "nope"),
        ({"ns": ()}, "at least one sample size"),
        ({"name": "mmd", "ns": (1, 10)}, "must be >= 2,"),
        ({"ns": (10, 20.0)}, "must be integers"),
        ({"ns": (10, True)}, "must be integers"),
        ({"ns": (10, 10)}, "duplicate"),
        ({"ns": "100"}, "sequence of sample sizes"),
        ({"reps": 1}, "reps must be an integer >= 2"),
        ({"reps": 2.0}, "reps must be an integer >= 2"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"seed": 1.5}, "seed must be a non-negative integer"),
        ({"progress": 3}, "progress must be callable"),
        ({"p": np.zeros(10)}, "must be a Distribution"),
        ({"bandwidth": 1.0}, "unknown parameter"),
        ({"k": 0}, "parameter 'k' must be >= 1"),
    ],
)
def test_validation_errors(kwargs, match):
    args = {"name": "kl", "p": P1, "q": Q1, "ns": (10, 20), "reps": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        es.study(**args)


def test_knn_minimum_sample_size_follows_k():
    assert es.min_sample_size("kl") == 6 and es.min_sample_size("kl", k=2) == 3
    assert es.min_sample_size("mmd") == 2 and es.min_sample_size("jeffreys", k=10) == 11
    with pytest.raises(ValueError, match=r"needs n > k = 5"):
        es.study("kl", P1, Q1, ns=(5, 50), reps=2)
    res = es.study("kl", P1, Q1, ns=(3,), reps=2, k=2)
    assert res.params == {"k": 2.0} and np.all(np.isfinite(res.estimates))
    assert np.all(np.isfinite(es.study("mmd", P1, Q1, ns=(2,), reps=3).estimates))


def test_result_statistics_validation():
    res = es.study("w1", P1, Q1, ns=(20,), reps=3)
    for bad in ({}, {"rel_tol": 0.1, "abs_tol": 0.1}, {"rel_tol": 0}, {"rel_tol": -1},
                {"rel_tol": math.nan}, {"rel_tol": "x"}):
        with pytest.raises(ValueError):
            res.n_needed(**bad)
    for lo, hi in ((0.9, 0.1), (-0.1, 0.5), (0.5, 1.5)):
        with pytest.raises(ValueError, match="lo <= hi"):
            res.quantiles(lo, hi)
    with pytest.raises(ValueError, match="shape"):
        es.StudyResult("w1", "W", 1.0, "closed form", np.array([10, 20]), np.zeros((3, 1)), np.zeros((3, 1)))


# =============================================================================================
# Statistics, n_needed, display
# =============================================================================================
def _synthetic(estimates, ns, exact=1.0):
    est = np.asarray(estimates, dtype=float)
    return es.StudyResult("mmd", "MMD²", exact, "closed form", np.asarray(ns), est, np.zeros_like(est))


def test_statistics_against_hand_computed_values():
    est = [[0.5, 1.0], [1.5, 1.2], [1.3, 0.8]]
    res = _synthetic(est, [10, 100], exact=1.0)
    e = np.array(est)
    np.testing.assert_allclose(res.mean, e.mean(0))
    np.testing.assert_allclose(res.std, e.std(0, ddof=1))
    np.testing.assert_allclose(res.sem, e.std(0, ddof=1) / math.sqrt(3))
    np.testing.assert_allclose(res.bias, e.mean(0) - 1.0)
    np.testing.assert_allclose(res.rmse, np.sqrt(np.mean((e - 1.0) ** 2, 0)))
    np.testing.assert_allclose(res.relative_error, res.rmse)
    lo, hi = res.quantiles(0.0, 1.0)
    np.testing.assert_allclose(lo, e.min(0))
    np.testing.assert_allclose(hi, e.max(0))
    with pytest.raises(ValueError):  # frozen, and the arrays are read-only
        res.estimates[0, 0] = 3.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.exact = 2.0


def test_n_needed_is_the_smallest_n_from_which_on_the_tolerance_holds():
    # RMSE per n: 0.5, 0.08, 0.12, 0.05, 0.02 (exact 1): the dip at n = 100 is not trusted
    rmse = [0.5, 0.08, 0.12, 0.05, 0.02]
    est = np.array([[1 + r, 1 - r] for r in rmse]).T
    res = _synthetic(est, [50, 100, 200, 500, 1000])
    np.testing.assert_allclose(res.rmse, rmse)
    assert res.n_needed(0.1) == 500
    assert res.n_needed(0.2) == 100
    assert res.n_needed(1.0) == 50
    assert res.n_needed(0.01) is None
    assert res.n_needed(abs_tol=0.03) == 1000
    assert _synthetic(est - 3.0, [50, 100, 200, 500, 1000], exact=-2.0).n_needed(0.1) == 100  # |exact|


def test_n_needed_on_a_real_study_is_sensible():
    res = es.study("mmd", P1, Q1, ns=(25, 50, 100, 200, 400), reps=20, seed=4)
    loose, tight = res.n_needed(0.5), res.n_needed(0.2)
    assert loose is not None and tight is not None and loose <= tight
    j = list(res.ns).index(tight)
    assert np.all(res.rmse[j:] <= 0.2 * res.exact)
    assert res.n_needed(1e-4) is None  # needs ~10^8 samples
    assert res.n_needed(1e6) == 25


def test_nonfinite_estimates_are_counted_and_excluded(monkeypatch):
    def flaky(x, y, rng):  # inf for about half of the sample pairs, NaN for one in ten
        u = rng.random()
        return math.inf if u < 0.5 else (math.nan if u < 0.6 else float(np.mean(y) - np.mean(x)))

    fake = dataclasses.replace(dv.get("w1"), name="flaky", samples=flaky)
    monkeypatch.setitem(dv.REGISTRY, "flaky", fake)
    with pytest.warns(RuntimeWarning, match="non-finite estimates"):
        res = es.study("flaky", P1, Q1, ns=(30, 60), reps=20, seed=0)
    bad = ~np.isfinite(res.estimates)
    np.testing.assert_array_equal(res.nonfinite, bad.sum(0))
    assert np.all(res.nonfinite > 0) and np.all(res.count == 20 - res.nonfinite)
    good = np.where(bad, np.nan, res.estimates)
    np.testing.assert_allclose(res.mean, np.nanmean(good, 0))
    assert np.all(np.isfinite(res.mean)) and np.all(np.isfinite(res.rmse))
    assert [r["nonfinite"] for r in res.table()] == list(res.nonfinite)
    assert res.n_needed(1e6) is None  # a size with failed estimates never qualifies
    # all estimates non-finite at one n: the statistics say NaN there and the count says why
    every = _synthetic([[math.inf, 1.0], [math.nan, 1.0]], [10, 20])
    assert every.nonfinite.tolist() == [2, 0] and math.isnan(every.mean[0]) and every.mean[1] == 1.0


def test_infinite_exact_value():
    p, q = Uniform(0, 2), Uniform(0, 1)  # p has mass where q has none: KL(p‖q) = ∞
    res = es.study("kl", p, q, ns=(20, 80), reps=4, seed=0)
    assert res.exact == math.inf and res.exact_is_infinite and "infinite" in res.exact_note
    assert np.all(np.isfinite(res.estimates))
    assert np.all(res.bias == -math.inf) and np.all(res.rmse == math.inf)
    assert np.all(res.relative_error == math.inf)
    assert res.n_needed(10.0) is None
    assert "infinite" in res.summary()


def test_table_progress_and_metadata():
    calls = []
    res = es.study("energy", P1, Q1, ns=(30, 10), reps=3, seed=0, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(i, 6) for i in range(1, 7)]
    rows = res.table()
    assert [r["n"] for r in rows] == [10, 30]
    assert set(rows[0]) == {"n", "mean", "std", "bias", "rmse", "rel_error", "nonfinite", "seconds"}
    assert rows[1]["rmse"] == res.rmse[1] and rows[0]["bias"] == res.bias[0]
    assert res.name == "energy" and res.label == dv.get("energy").label and res.reps == 3
    assert res.estimator == dv.get("energy").sample_estimator and res.units == "x"
    assert np.all(res.seconds >= 0)
    text = res.summary()
    assert "closed form" in text and str(res) == text and len(text.splitlines()) == 4


def test_reference_that_is_itself_a_sample_estimate_warns():
    p, q, _ = es.STUDY_PAIRS["2-D correlated vs isotropic Gaussian"]
    with pytest.warns(RuntimeWarning, match="itself a sample estimate"):
        res = es.study("energy", p, q, ns=(20,), reps=2)
    assert res.exact_is_estimate and "itself a sample estimate" in res.summary()


# =============================================================================================
# STUDY_PAIRS
# =============================================================================================
def test_study_pairs_have_exact_values():
    assert len(es.STUDY_PAIRS) >= 3
    dims = {p.dim for p, _, _ in es.STUDY_PAIRS.values()}
    assert dims == {1, 2}
    for label, (p, q, params) in es.STUDY_PAIRS.items():
        assert p.dim == q.dim
        for name in WITH_ESTIMATOR:
            if p.dim == 2 and name in ("w1", "energy"):  # no exact d-D method (see the comment)
                continue
            with warnings.catch_warnings(), torch_single_thread():
                warnings.simplefilter("error")
                ev = dv.evaluate(name, p, q, **params.get(name, {}))
            assert ev.method in ("closed form", "quadrature"), (label, name, ev.method)
            assert math.isfinite(ev.value) and ev.value > 0, (label, name)


def test_study_on_the_2d_pair_runs():
    p, q, params = es.STUDY_PAIRS["2-D correlated vs isotropic Gaussian"]
    res = es.study("kl", p, q, ns=(50, 400), reps=10, seed=0, **params.get("kl", {}))
    assert res.exact_method == "closed form" and res.rmse[1] < res.rmse[0]


@pytest.mark.slow
@pytest.mark.parametrize("pair", [k for k in es.STUDY_PAIRS if es.STUDY_PAIRS[k][0].dim == 1])
def test_default_study_on_every_1d_pair(pair):
    """The UI's default sizes ns = 50 … 1000 for every estimator (10 reps; Sinkhorn up to n = 500,
    its cost at n = 1000 is ~1.5 s per estimate): ~8 s per pair."""
    p, q, params = es.STUDY_PAIRS[pair]
    for name in WITH_ESTIMATOR:
        ns = [n for n in es.DEFAULT_NS if n <= 500] if name == "sinkhorn" else es.DEFAULT_NS
        with torch_single_thread():
            res = es.study(name, p, q, ns=ns, reps=10, **params.get(name, {}))
        assert np.all(res.nonfinite == 0) and res.rmse[-1] < res.rmse[0], res.summary()


def test_doctests_and_no_widget_imports():
    result = doctest.testmod(es, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
    source = Path(es.__file__).read_text(encoding="utf-8")
    assert "ipywidgets" not in source and "plotly" not in source
    assert set(es.__all__) <= set(dir(es))
