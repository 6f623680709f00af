"""MI estimator registry: every entry against an independent truth, invariances, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats
from sklearn.metrics import mutual_info_score

from explorer import information as info

RHO = 0.8
TRUE_MI = -0.5 * math.log(1 - RHO**2)


def _gauss(n: int, seed: int, rho: float = RHO, d: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    return x, rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, d))


def _mixed_truth(rho: float) -> float:
    """I(X; 1[Y > 0]) for Y = ρX + √(1−ρ²)ε, by quadrature: H(B) − E_x h_b(Φ(ρx/√(1−ρ²)))."""
    def hb(p: float) -> float:
        return 0.0 if p <= 0 or p >= 1 else -(p * math.log(p) + (1 - p) * math.log(1 - p))

    f = lambda x: stats.norm.pdf(x) * hb(stats.norm.cdf(rho * x / math.sqrt(1 - rho**2)))  # noqa: E731
    return math.log(2) - integrate.quad(f, -12, 12, limit=200)[0]


# tolerance (nats) of each estimator on the 1+1 Gaussian, n = 2000; the slow torch entry apart
TOLERANCE = {"binning": 0.1, "adaptive": 0.1, "kde": 0.08, "ksg": 0.05, "gaussian": 0.05, "lossy": 0.05,
             "neural": 0.12}
# plug-in binning is biased up by about (cells − 1)/(2n): equal-mass bins fill all 30² cells
PARAMS = {"adaptive": {"bins": 10}}
FAST = [n for n in info.names() if not info.get(n).uses_torch]


def test_every_estimator_has_a_truth_check():
    assert set(TOLERANCE) == set(info.names())


@pytest.mark.parametrize("method", FAST)
def test_gaussian_pair_against_closed_form(method):
    x, y = _gauss(2000, 1)
    r = info.mutual_information(x, y, method, **PARAMS.get(method, {}))
    assert r.units == "nats" and r.method == method and r.n == 2000
    assert r.value == pytest.approx(TRUE_MI, abs=TOLERANCE[method])


@pytest.mark.slow
@pytest.mark.parametrize("method", [n for n in info.names() if info.get(n).uses_torch])
def test_torch_estimators_against_closed_form(method):
    x, y = _gauss(2000, 1)
    r = info.mutual_information(x, y, method, steps=300)
    assert r.value == pytest.approx(TRUE_MI, abs=TOLERANCE[method])
    assert r.kind == "lower bound" and "cannot exceed" in r.note


@pytest.mark.slow
def test_infonce_saturates_at_log_batch():
    x, y = _gauss(1024, 2, rho=0.999, d=4)   # true MI 12.4 nats
    r = info.mutual_information(x, y, "neural", batch=64, steps=300)
    assert r.value <= math.log(64) + 1e-6
    assert r.value > 0.7 * math.log(64)


@pytest.mark.slow
def test_infonce_scored_on_held_out_pairs_does_not_overshoot_the_truth():
    """A critic scored on its own training pairs memorises them: at n = 512, d = 4 (true MI 2.04 nats)
    it read 3.19 nats. Scored on the held-out half (the default) it stays under the truth (1.99)."""
    x, y = _gauss(512, 5, rho=0.8, d=4)
    truth = 4 * -0.5 * math.log(1 - 0.8**2)
    kw = {"batch": 512, "steps": 300, "seed": 0}
    held_out = info.mutual_information(x, y, "neural", **kw)
    own = info.mutual_information(x, y, "neural", holdout=0, **kw)
    assert own.value > truth + 0.5                      # the optimism this guards against
    assert truth - 0.4 < held_out.value <= truth + 0.05
    assert "256 held-out pairs" in held_out.note and "optimistic" in own.note
    assert info.saturation_ceiling(512) == pytest.approx((math.log(256), 256))


def test_holdout_needs_four_samples_and_is_bounded():
    x, y = _gauss(3, 1)
    with pytest.raises(ValueError, match="holdout"):
        info.mutual_information(x, y, "neural", steps=1)
    with pytest.raises(ValueError, match="holdout"):
        info.mutual_information(*_gauss(64, 1), "neural", holdout=0.95, steps=1)
    assert info.mutual_information(x, y, "neural", holdout=0, steps=1).n == 3


@pytest.mark.parametrize("method", ["binning", "adaptive", "ksg", "kde"])
def test_continuous_discrete_pair_against_quadrature(method):
    x, y = _gauss(3000, 3)
    b = (y[:, 0] > 0).astype(int)
    assert info.mutual_information(x, b, method).value == pytest.approx(_mixed_truth(RHO), abs=0.035)
    # the order of the arguments does not matter
    assert info.mutual_information(b, x, method).value == pytest.approx(
        info.mutual_information(x, b, method).value, abs=1e-9)


@pytest.mark.parametrize("method", ["binning", "ksg", "kde", "gaussian"])
def test_discrete_pair_is_the_plug_in_mi(method):
    rng = np.random.default_rng(4)
    a = rng.integers(0, 4, 500)
    b = (a + rng.integers(0, 2, 500)) % 4
    r = info.mutual_information(a, b, method)
    if method == "gaussian":   # one-hot Gaussian surrogate: a different number, said in the note
        assert 0 < r.value < math.inf and "one-hot" in r.note
    else:
        assert r.value == pytest.approx(mutual_info_score(a, b), abs=1e-12)


def test_binning_saturates_at_log_n_for_a_deterministic_layer():
    bits = ((np.arange(4096)[:, None] >> np.arange(12)) & 1).astype(float)
    t = np.tanh(bits @ np.random.default_rng(5).standard_normal((12, 6)))
    ids = np.arange(4096)
    assert info.mutual_information(ids, t, "binning", bins=1000).value == pytest.approx(math.log(4096))
    coarse = info.mutual_information(ids, t, "binning", bins=2).value
    assert coarse < math.log(4096) - 1 and coarse <= 6 * math.log(2) + 1e-12
    # I(X;T) = H(T_b) for distinct inputs
    assert coarse == pytest.approx(info.entropy(t, "binning", bins=2).value)


def test_plug_in_entropy_of_sparse_codes_counts_by_sorting():
    """Codes spanning far more values than samples (a joint code of two ~n-valued variables) are
    counted by sorting, not in a table of max(code) entries: same counts, same order, same sum."""
    from explorer.information import _plugin

    rng = np.random.default_rng(12)
    codes = rng.integers(0, 300, 4096)
    truth = stats.entropy(np.bincount(codes))
    dense = _plugin.entropy_codes(codes)
    sparse = _plugin.entropy_codes(codes * 10**9 + 7)   # ~1e11 > 8 n: the sorting path
    assert dense == pytest.approx(truth, abs=1e-12) and sparse == dense
    ids = np.arange(4096)
    t = rng.integers(0, 50, 4096)
    joint_span = int((ids * (t.max() + 1) + t).max())
    assert joint_span >= _plugin._BINCOUNT_SPAN * ids.size   # mi_codes' joint code takes the sorting path
    assert _plugin.mi_codes(ids, t) == pytest.approx(stats.entropy(np.bincount(t)), abs=1e-12)


def test_adaptive_binning_is_invariant_under_monotone_maps():
    x, y = _gauss(1000, 6, d=2)
    a = info.mutual_information(x, y, "adaptive", bins=8).value
    b = info.mutual_information(np.exp(x), y**3, "adaptive", bins=8).value
    assert a == b


def test_ksg_nearly_invariant_under_invertible_maps():
    x, y = _gauss(3000, 7)
    a = info.mutual_information(x, y, "ksg").value
    b = info.mutual_information(np.sinh(x), np.cbrt(y) + 5.0, "ksg").value
    assert b == pytest.approx(a, abs=0.05)
    assert a == pytest.approx(TRUE_MI, abs=0.04)


def test_ksg_low_bias_3d():
    x, y = _gauss(3000, 8, rho=0.6, d=3)
    assert info.mutual_information(x, y, "ksg").value == pytest.approx(-1.5 * math.log(1 - 0.36), rel=0.12)


@pytest.mark.parametrize("seed", range(6))
def test_ksg_marginal_counts_equal_brute_force(seed):
    """The blocked sorted-window counts against all n² max-norm distances, ties on the radius included."""
    from explorer.information import _knn

    rng = np.random.default_rng(seed)
    n, dx, dy = int(rng.integers(40, 400)), int(rng.integers(1, 6)), int(rng.integers(2, 6))
    x = rng.standard_normal((n, dx))
    y = 0.5 * x[:, :1] + rng.standard_normal((n, dy))
    if seed % 2:
        y = rng.integers(0, 3, (n, dy)).astype(float)
    if seed % 3 == 0:
        x = np.round(x)   # discrete values: ties everywhere (the jitter of _prepare breaks them)
    xs, ys = _knn._prepare(x, rng, True), _knn._prepare(y, rng, True)
    dist = lambda a: np.abs(a[:, None, :] - a[None, :, :]).max(axis=2)  # noqa: E731
    k = int(rng.integers(1, 6))
    eps = np.sort(np.maximum(dist(xs), dist(ys)), axis=1)[:, k]   # k-th neighbour in the joint space
    assert np.array_equal(eps, _knn._kth_distance(np.hstack([xs, ys]), k))
    for a in (xs, ys):
        strict = (dist(a) < eps[:, None]).sum(axis=1) - 1
        loose = (dist(a) <= eps[:, None]).sum(axis=1) - 1
        assert np.any(strict != loose)   # some radius is a marginal distance: the inequality matters
        assert np.array_equal(_knn._count_within(a, eps, strict=True), strict)
        assert np.array_equal(_knn._count_within(a, eps, strict=False), loose)
        if a.shape[1] > 1:   # many tiny blocks and slabs
            assert np.array_equal(_knn._count_within_blocks(a, eps, block=3, slabs=7), loose + 1)


@pytest.mark.parametrize("seed", range(4))
def test_ross_counts_equal_brute_force(seed, monkeypatch):
    """Ross's m_i from the same-class k-NN plus the other classes' counts, against all n² max-norm
    distances (ties on the radius, classes smaller than k + 2), and the same number as counting
    every class (the path taken for 1-D and large n)."""
    from scipy.special import digamma

    from explorer.information import _knn

    rng = np.random.default_rng(seed)
    n, d, k = int(rng.integers(60, 400)), int(rng.integers(2, 6)), int(rng.integers(1, 5))
    x = rng.standard_normal((n, d))
    if seed % 2:
        x = np.round(2 * x) / 2     # ties everywhere (the jitter of _prepare breaks most)
    labels = rng.integers(0, 3, n)
    labels[:3] = 3                  # a class of 3: k is cut to 2, the (k+2)-th neighbour is missing
    labels[3] = 4                   # a single member: left out
    value, used = _knn.ross(x, labels, k, np.random.default_rng(seed))
    xs = _knn._prepare(x, np.random.default_rng(seed), True)[labels != 4]
    lab = labels[labels != 4]
    dist = np.abs(xs[:, None, :] - xs[None, :, :]).max(axis=2)
    same = lab[:, None] == lab[None, :]
    nc = np.bincount(lab)[lab]
    kk = np.minimum(k, nc - 1)
    radius = np.array([np.sort(dist[i, same[i]])[kk[i]] for i in range(lab.size)])
    m = (dist <= radius[:, None]).sum(axis=1) - 1
    truth = digamma(lab.size) - np.mean(digamma(nc)) + np.mean(digamma(kk)) - np.mean(digamma(m))
    assert used == lab.size and value == pytest.approx(truth, abs=1e-12)
    # on a lattice, without jitter: the next neighbour often ties with the k-th
    grid = np.round(2 * xs)[:, :2]
    dist = np.abs(grid[:, None, :] - grid[None, :, :]).max(axis=2)
    radius_grid = np.array([np.sort(dist[i, same[i]])[kk[i]] for i in range(lab.size)])
    got_r, got_k = np.empty(lab.size), np.empty(lab.size)
    got_m = _knn._ross_counts(grid, lab, k, got_r, got_k)
    assert np.array_equal(got_m, (dist <= radius_grid[:, None]).sum(axis=1) - 1)
    assert np.array_equal(got_r, radius_grid) and np.array_equal(got_k, kk)
    monkeypatch.setattr(_knn, "_BLOCK_ELEMENTS", 0)   # every class counted at once (a k-d tree)
    assert _knn.ross(x, labels, k, np.random.default_rng(seed)) == (value, used)


def test_lossy_compresses_then_estimates():
    rng = np.random.default_rng(9)
    z = rng.standard_normal((1500, 1))
    x = z @ rng.standard_normal((1, 12)) + 0.01 * rng.standard_normal((1500, 12))   # 1-D manifold in 12-D
    y = z + 0.6 * rng.standard_normal((1500, 1))
    truth = 0.5 * math.log(1 + 1 / 0.36)
    r = info.mutual_information(x, y, "lossy", dims=1)
    assert "12 → 1" in r.note
    assert r.value == pytest.approx(truth, abs=0.06)


def test_entropies_against_closed_forms():
    x = np.random.default_rng(10).standard_normal((4000, 2))
    h = math.log(2 * math.pi * math.e)          # 2-D standard normal
    assert info.entropy(x, "ksg").value == pytest.approx(h, abs=0.06)
    assert info.entropy(x, "gaussian").value == pytest.approx(h, abs=0.05)
    # Kolchinsky–Tracey: an upper bound on h(X + ε); loose by up to d/2 when the kernels overlap
    kde = info.entropy(x, "kde", noise_variance=0.05).value
    h_noisy = math.log(2 * math.pi * math.e * 1.05)
    assert h_noisy - 0.05 <= kde <= h_noisy + 1.0 + 0.05
    # tight when they do not: log n + h(ε)
    sep = info.entropy(x[:200], "kde", noise_variance=1e-6).value
    assert sep == pytest.approx(math.log(200) + math.log(2 * math.pi * math.e * 1e-6), abs=1e-6)
    labels = np.repeat([0, 1, 2, 3], 250)
    assert info.entropy(labels, "ksg").value == pytest.approx(math.log(4))


def test_units_and_infinite_with_reason():
    x, y = _gauss(500, 11)
    nats = info.mutual_information(x, y, "gaussian")
    bits = info.mutual_information(x, y, "gaussian", base=2)
    assert bits.units == "bits" and bits.value == pytest.approx(nats.value / math.log(2))
    r = info.mutual_information(x, 2 * x + 1, "gaussian")
    assert r.value == math.inf and "linear function" in r.note


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2)), min_size=5, max_size=60))
def test_plug_in_mi_symmetric_bounded(pairs):
    a, b = np.array(pairs).T
    if len(set(a)) < 2 or len(set(b)) < 2:
        return
    ab = info.mutual_information(a, b, "binning").value
    assert ab == pytest.approx(info.mutual_information(b, a, "binning").value, abs=1e-12)
    assert -1e-12 <= ab <= min(info.entropy(a, "binning").value, info.entropy(b, "binning").value) + 1e-12


@pytest.mark.parametrize("x, y, match", [
    (np.zeros(10), np.arange(10.0), "x is constant"),
    (np.arange(10.0), np.arange(9.0), "same number of samples"),
    (np.array([1.0, np.nan, 3.0]), np.arange(3.0), "x contains NaN"),
    (np.arange(5.0), np.array([1.0, 2, 3, np.inf, 5]), "y contains NaN"),
    (np.ones((2, 2, 2)), np.arange(2.0), "shape"),
])
def test_bad_input_names_the_variable(x, y, match):
    with pytest.raises(ValueError, match=match):
        info.mutual_information(x, y, "ksg")


def test_unknown_names_list_the_choices():
    x, y = _gauss(100, 12)
    with pytest.raises(ValueError, match="ksg"):
        info.mutual_information(x, y, "nope")
    with pytest.raises(ValueError, match="valid: k"):
        info.mutual_information(x, y, "ksg", bins=3)
    with pytest.raises(ValueError, match="'k' must be >= 1"):
        info.mutual_information(x, y, "ksg", k=0)
    with pytest.raises(ValueError, match="compressor"):
        info.mutual_information(x, y, "lossy", compressor="jpeg")
    with pytest.raises(ValueError, match="base"):
        info.mutual_information(x, y, "ksg", base=1)
    with pytest.raises(ValueError, match="gives no entropy"):
        info.entropy(x, "neural")


def test_registry_entries_are_complete():
    for name in info.names():
        e = info.get(name)
        assert e.reference and e.formula and e.description and e.kind in ("estimate", "upper bound",
                                                                          "lower bound")
        for p in e.params:
            assert p.doc
        assert e.resolve({})  is not None


def test_docs_are_generated_from_the_registry():
    from explorer.information import docs

    assert docs.main(["--check"]) == 0, "run: python -m explorer.information.docs"
    text = docs.DOC_PATH.read_text(encoding="utf-8")
    for name in info.names():
        assert f"### `{name}`" in text
