"""Discrete distributions: batched Categorical and the joint pmf, against closed forms and scipy.

Truth used here: scipy.stats (entropy, rv_discrete moments), the binary symmetric channel's
mutual information ln 2 − H_b(ε) (Cover & Thomas 2006, §7.1.4), the identities
I = H(X) + H(Y) − H(X,Y) and H(Y|X) = H(X,Y) − H(X), and sample frequencies (seeded,
tolerances of 5 binomial standard errors).
"""

from __future__ import annotations

import doctest
import importlib
import math
import pkgutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

import explorer.distributions as dist_pkg
from explorer import divergences as dv
from explorer.distributions import GRID_DIMS, Categorical, Distribution, Gaussian, Joint


def _hb(eps: float) -> float:
    return -eps * math.log(eps) - (1 - eps) * math.log(1 - eps)


# =============================================================================================
# Categorical
# =============================================================================================
def test_categorical_is_a_distribution_with_capabilities():
    p = Categorical([0.2, 0.8])
    assert isinstance(p, Distribution)
    assert p.discrete and p.dim == 0 and p.batch_shape == () and p.event_shape == ()
    assert not p.on_grid
    assert Gaussian(0, 1).on_grid and not Gaussian(0, 1).discrete and Gaussian(0, 1).batch_shape == ()
    three_d = Gaussian(mean=np.zeros(3), cov=np.eye(3))
    assert three_d.event_shape == (3,) and three_d.on_grid == (3 in GRID_DIMS)


def test_probs_and_logits_agree_and_rows_are_normalised():
    logits = np.array([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0], [-np.inf, 1.0, 1.0]])
    p = Categorical(logits=logits + 100.0)  # a constant shift changes nothing
    want = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(p.probs, want, rtol=1e-14)
    q = Categorical(want)
    np.testing.assert_allclose(q.logits, p.logits, rtol=1e-13)
    assert p.logits[2, 0] == -np.inf and p.probs[2, 0] == 0.0
    np.testing.assert_allclose(p.probs.sum(axis=-1), 1.0, rtol=1e-14)
    assert not p.probs.flags.writeable


def test_torch_tensors_are_accepted():
    torch = pytest.importorskip("torch")
    logits = torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, -1.0]], requires_grad=True)
    p = Categorical(logits=logits)
    np.testing.assert_allclose(p.probs, torch.softmax(logits, -1).detach().numpy(), rtol=1e-6)
    q = Categorical(torch.softmax(logits, -1))  # float32 probabilities: sums off by ~1e-7
    np.testing.assert_allclose(q.probs, p.probs, rtol=1e-6)
    assert p.log_prob(torch.tensor([2, 0])).shape == (2,)


def test_log_prob_with_exact_zeros_never_nan():
    p = Categorical([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    lp = p.log_prob(np.array([0, 1, 2])[:, None])  # (3, 1) against batch (2,) -> (3, 2)
    assert lp.shape == (3, 2)
    np.testing.assert_array_equal(lp, [[math.log(0.5), -np.inf], [math.log(0.5), -np.inf], [-np.inf, 0.0]])
    assert not np.any(np.isnan(lp))
    assert np.all(p.log_prob([0.5, 7.0]) == -np.inf)  # off the support
    with pytest.raises(ValueError, match="does not broadcast"):
        p.log_prob(np.zeros(3))
    with pytest.raises(ValueError, match="x contains NaN"):
        p.log_prob([np.nan, 0])


def test_entropy_mean_var_per_batch_row_match_scipy():
    rng = np.random.default_rng(3)
    probs = rng.dirichlet(np.ones(5), size=(2, 3))
    probs[0, 1, 2] = 0.0
    probs /= probs.sum(-1, keepdims=True)
    values = np.array([-2.0, -0.5, 0.0, 1.0, 4.0])
    p = Categorical(probs, values=values)
    assert p.batch_shape == (2, 3)
    np.testing.assert_allclose(p.entropy(), stats.entropy(probs, axis=-1), rtol=1e-13)
    np.testing.assert_allclose(p.entropy(base=2), stats.entropy(probs, axis=-1, base=2), rtol=1e-13)
    for idx in np.ndindex(2, 3):
        ref = stats.rv_discrete(values=(values, probs[idx]))
        np.testing.assert_allclose(p.mean[idx], ref.mean(), rtol=1e-13)
        np.testing.assert_allclose(p.var[idx], ref.var(), rtol=1e-12)
        np.testing.assert_allclose(p.cov[idx], [[ref.var()]], rtol=1e-12)
    assert p.mode().shape == (2, 3)
    for bad in (0, 1, -2, "2", True):
        with pytest.raises(ValueError, match="base must be a positive number other than 1"):
            p.entropy(base=bad)


def test_indexing_and_expand_over_the_batch():
    probs = np.random.default_rng(0).dirichlet(np.ones(4), size=(3, 2))
    p = Categorical(probs, labels=list("abcd"))
    np.testing.assert_array_equal(p[1].probs, p.probs[1])
    assert p[1].batch_shape == (2,) and p[1, 0].batch_shape == () and p[..., 1].batch_shape == (3,)
    assert p[:, 0].labels == list("abcd") and len(p) == 3
    np.testing.assert_allclose(p[2, 1].entropy(), stats.entropy(probs[2, 1]), rtol=1e-13)
    one = Categorical(probs[0, 0])
    e = one.expand((5, 2))
    assert e.batch_shape == (5, 2)
    np.testing.assert_array_equal(e.probs[4, 1], one.probs)
    with pytest.raises(ValueError, match="cannot broadcast"):
        p.expand((4,))
    with pytest.raises(IndexError, match="unbatched"):
        one[0]
    with pytest.raises(IndexError):
        p[0, 0, 0]


def test_sample_frequencies_and_zero_mass_never_drawn():
    probs = np.array([[0.1, 0.0, 0.6, 0.3], [0.0, 0.5, 0.5, 0.0], [0.0, 0.0, 0.0, 1.0]])
    values = np.array([-1.0, 0.5, 2.0, 4.0])
    p = Categorical(probs, values=values)
    n = 40_000
    s = p.sample(n, rng=7)
    assert s.shape == (n, 3)
    assert np.array_equal(s, p.sample(n, rng=7))  # seeded
    for b in range(3):
        freq = np.array([np.mean(s[:, b] == v) for v in values])
        np.testing.assert_allclose(freq, probs[b], atol=5 * math.sqrt(0.25 / n))
        assert np.all(freq[probs[b] == 0] == 0)
    unbatched = Categorical([0.0, 0.25, 0.75])
    s1 = unbatched.sample(n, rng=1)
    assert s1.shape == (n,) and not np.any(s1 == 0)
    np.testing.assert_allclose(np.mean(s1 == 2), 0.75, atol=5 * math.sqrt(0.25 / n))


@pytest.mark.parametrize(
    ("factory", "pattern"),
    [
        (lambda: Categorical(), "exactly one of probs or logits"),
        (lambda: Categorical([0.5, 0.5], logits=[0.0, 0.0]), "exactly one of probs or logits"),
        (lambda: Categorical(logits=[0.0, np.nan]), "logits contains NaN"),
        (lambda: Categorical(logits=[0.0, np.inf]), r"logits contains NaN or \+inf"),
        (lambda: Categorical(logits=[[0.0, 0.0], [-np.inf, -np.inf]]), r"all -inf .* batch index \(1,\)"),
        (lambda: Categorical(logits=3.0), "logits must have at least 1 dimension"),
        (lambda: Categorical([[0.5, 0.5], [0.5, 0.6]]),
         r"probs must sum to 1 along axis -1, got 1.1 at batch index \(1,\)"),
        (lambda: Categorical(0.5), "probs must have at least 1 dimension"),
        (lambda: Categorical([[0.5, -0.5, 1.0]]), "probs must be non-negative"),
        (lambda: Categorical(["a", "b"]), "probs must be numeric"),
    ],
)
def test_categorical_validation_names_the_argument(factory, pattern):
    with pytest.raises(ValueError, match=pattern):
        factory()


def test_divergences_take_one_row_of_a_batch_and_refuse_the_batch():
    probs = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    batch, q = Categorical(probs), Categorical([0.1, 0.6, 0.3])
    np.testing.assert_allclose(dv.compute("kl", batch[0], q), dv.compute("kl", Categorical(probs[0]), q),
                               rtol=1e-15)
    kl1 = float(np.sum(probs[1] * np.log(probs[1] / q.probs)))
    np.testing.assert_allclose(dv.compute("kl", batch[1], q), kl1, rtol=1e-13)
    with pytest.raises(ValueError, match="not batches"):
        dv.compute("kl", batch, q)
    with pytest.raises(ValueError, match="must both be distributions, both categorical"):
        dv.compute("kl", Joint([[0.5, 0.0], [0.0, 0.5]]), Gaussian(0, 1))


# =============================================================================================
# Joint
# =============================================================================================
@pytest.mark.parametrize("eps", [0.0, 0.01, 0.1, 0.3, 0.5])
def test_binary_symmetric_channel_mutual_information(eps):
    j = Joint.from_channel([0.5, 0.5], [[1 - eps, eps], [eps, 1 - eps]])
    want = math.log(2) - (_hb(eps) if 0 < eps < 1 else 0.0)
    np.testing.assert_allclose(j.mutual_information(), want, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(j.mutual_information(base=2), want / math.log(2), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(j.conditional_entropy_y_given_x(), _hb(eps) if 0 < eps < 1 else 0.0,
                               rtol=1e-13, atol=1e-15)


def test_marginals_conditionals_and_entropies_by_hand():
    pmf = np.array([[0.1, 0.2, 0.0], [0.3, 0.0, 0.1], [0.0, 0.0, 0.3]])
    j = Joint(pmf, x_values=[0, 1, 5], y_values=[-1, 0, 1], x_labels=["a", "b", "c"])
    np.testing.assert_allclose(j.marginal_x.probs, [0.3, 0.4, 0.3], rtol=1e-15)
    np.testing.assert_allclose(j.marginal_y.probs, [0.4, 0.2, 0.4], rtol=1e-15)
    assert j.marginal_x.labels == ["a", "b", "c"]
    np.testing.assert_array_equal(j.marginal_y.values, [-1, 0, 1])
    cyx = j.conditional_y_given_x
    assert cyx.batch_shape == (3,) and cyx.k == 3
    np.testing.assert_allclose(cyx.probs, pmf / pmf.sum(1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(j.conditional_x_given_y.probs, (pmf / pmf.sum(0, keepdims=True)).T, rtol=1e-14)
    hxy = stats.entropy(pmf.ravel())
    hx, hy = stats.entropy(pmf.sum(1)), stats.entropy(pmf.sum(0))
    np.testing.assert_allclose(j.entropy(), hxy, rtol=1e-14)
    np.testing.assert_allclose([j.entropy_x(), j.entropy_y()], [hx, hy], rtol=1e-14)
    np.testing.assert_allclose(j.mutual_information(), hx + hy - hxy, rtol=1e-12)
    np.testing.assert_allclose(j.conditional_entropy_y_given_x(), hxy - hx, rtol=1e-13)
    np.testing.assert_allclose(j.conditional_entropy_x_given_y(base=2), (hxy - hy) / math.log(2), rtol=1e-13)
    # the conditional entropy is the marginal-weighted entropy of the conditional rows
    np.testing.assert_allclose(j.conditional_entropy_y_given_x(), j.marginal_x.probs @ cyx.entropy(),
                               rtol=1e-13)
    xs, ys = np.array([0, 1, 5]), np.array([-1, 0, 1])
    ex, ey = pmf.sum(1) @ xs, pmf.sum(0) @ ys
    cxy = sum(pmf[a, b] * (xs[a] - ex) * (ys[b] - ey) for a in range(3) for b in range(3))
    np.testing.assert_allclose(j.mean, [ex, ey], rtol=1e-14)
    np.testing.assert_allclose(j.cov[0, 1], cxy, rtol=1e-13)
    np.testing.assert_allclose(j.logpdf([[5, 1], [1, 0], [2, 0]]), [math.log(0.3), -np.inf, -np.inf],
                               rtol=1e-15)
    assert j.event_shape == (2,) and j.discrete and j.shape == (3, 3)


def test_zero_mass_rows_give_uniform_conditionals_without_nan():
    j = Joint([[0.5, 0.5], [0.0, 0.0]])
    c = j.conditional_y_given_x
    np.testing.assert_allclose(c.probs[1], [0.5, 0.5], rtol=1e-15)
    assert not np.any(np.isnan(c.logits))
    assert j.mutual_information() == 0.0 and j.conditional_entropy_y_given_x() == pytest.approx(math.log(2))


def test_joint_sample_frequencies():
    pmf = np.array([[0.1, 0.2, 0.0], [0.3, 0.0, 0.4]])
    j = Joint(pmf, y_values=[10.0, 20.0, 30.0])
    n = 40_000
    s = j.sample(n, rng=2)
    assert s.shape == (n, 2) and np.array_equal(s, j.sample(n, rng=2))
    for a, x in enumerate([0.0, 1.0]):
        for b, y in enumerate([10.0, 20.0, 30.0]):
            freq = np.mean((s[:, 0] == x) & (s[:, 1] == y))
            assert abs(freq - pmf[a, b]) <= 5 * math.sqrt(0.25 / n)
            if pmf[a, b] == 0:
                assert freq == 0


@pytest.mark.parametrize(
    ("factory", "pattern"),
    [
        (lambda: Joint([0.5, 0.5]), "pmf must have 2 dimension"),
        (lambda: Joint([[0.5, 0.5], [0.5, 0.5]]), "pmf must sum to 1, got 2"),
        (lambda: Joint([[0.6, -0.1], [0.25, 0.25]]), "pmf must be non-negative"),
        (lambda: Joint([[0.5, np.nan], [0.25, 0.25]]), "pmf contains NaN"),
        (lambda: Joint([[0.5, 0.5]], x_values=[0, 1]), "values has 2 entries for 1 probabilities"),
        (lambda: Joint.from_channel([0.5, 0.5], [[1.0, 0.0]]), "channel has 1 rows for 2 input values"),
        (lambda: Joint.from_channel([0.5, 0.5], [[0.9, 0.2], [0.5, 0.5]]), "channel must sum to 1"),
        (lambda: Joint.from_channel([0.7, 0.5], [[1.0, 0.0], [0.0, 1.0]]), "p_x must sum to 1"),
    ],
)
def test_joint_validation_names_the_argument(factory, pattern):
    with pytest.raises(ValueError, match=pattern):
        factory()


# ----- hypothesis properties -------------------------------------------------------------------
def _pmfs(max_side: int = 5):
    shape = st.tuples(st.integers(1, max_side), st.integers(1, max_side))
    weights = st.one_of(st.just(0.0), st.floats(1e-6, 1.0))
    return shape.flatmap(lambda s: arrays(float, s, elements=weights)).filter(lambda a: a.sum() > 0)


@settings(max_examples=100, deadline=None)
@given(_pmfs())
def test_mutual_information_bounds(raw):
    j = Joint(raw / raw.sum())
    mi = j.mutual_information()
    assert mi >= 0.0
    assert mi <= min(j.entropy_x(), j.entropy_y()) + 1e-12
    np.testing.assert_allclose(mi, j.entropy_y() - j.conditional_entropy_y_given_x(), atol=1e-12)
    np.testing.assert_allclose(mi, j.entropy_x() - j.conditional_entropy_x_given_y(), atol=1e-12)
    # relabelling x and y (permuting rows and columns) leaves I unchanged
    perm = Joint(j.pmf[::-1, ::-1].T)
    np.testing.assert_allclose(perm.mutual_information(), mi, atol=1e-13)


@settings(max_examples=60, deadline=None)
@given(_pmfs(), _pmfs())
def test_mutual_information_of_a_product_pmf_is_zero(a, b):
    px, py = a.ravel() / a.sum(), b.ravel() / b.sum()
    j = Joint.independent(px, py)
    assert j.mutual_information() <= 1e-13
    np.testing.assert_allclose(j.entropy(), j.entropy_x() + j.entropy_y(), atol=1e-12)


# =============================================================================================
# Doctests of every module of the package (testmod on the package only sees __init__)
# =============================================================================================
@pytest.mark.parametrize("name", [m.name for m in pkgutil.iter_modules(dist_pkg.__path__)])
def test_distribution_module_doctests(name):
    module = importlib.import_module(f"explorer.distributions.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    if name in ("continuous", "discrete", "mixture"):
        assert result.attempted > 0
