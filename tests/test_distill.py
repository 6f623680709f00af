"""explorer.distill: losses vs explorer.divergences and scipy, gradients, bad input, the papers' claims,
metrics, teachers (the shipped text and its checksum) and the training loop."""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.spatial.distance import jensenshannon
from scipy.special import rel_entr

from explorer import divergences as dv
from explorer.distill import distill, loss, metrics, names, students, sweep, teachers
from explorer.distill import losses as L
from explorer.distributions import Categorical

REPO = Path(__file__).resolve().parents[1]
torch.set_num_threads(1)

# parameter values at which every parametrised loss is checked (defaults always are)
EXTRA_PARAMS = {
    "generalized_js": [{"beta": 0.0}, {"beta": 0.2}, {"beta": 0.8}, {"beta": 1.0}],
    "skew_kl": [{"skew": 0.0}, {"skew": 0.5}],
    "skew_reverse_kl": [{"skew": 0.0}, {"skew": 0.5}],
    "alpha": [{"alpha": -0.5}, {"alpha": 0.0}, {"alpha": 0.3}, {"alpha": 1.0}, {"alpha": 2.0}],
    "balanced_kl": [{"sharpness": 0.0}, {"sharpness": 50.0}],
    "sinkhorn": [{"epsilon": 2.0}],
}


def _cases(name):
    return [{}, *EXTRA_PARAMS.get(name, [])]


def _pair(seed, v=7, zeros=False):
    rng = np.random.default_rng(seed)
    t = rng.dirichlet(np.ones(v))
    if zeros:
        t[[1, 4]] = 0.0
        t /= t.sum()
    z = rng.normal(size=v)
    return t, torch.tensor(z, dtype=torch.float64)


def test_every_loss_has_an_independent_categorical_form():
    for name in names():
        assert L.get(name).registry is not None, name
        assert L.get(name).reference and L.get(name).formula


@pytest.mark.parametrize("name", names())
@pytest.mark.parametrize("zeros", [False, True])
def test_loss_equals_the_divergence_registry(name, zeros):
    for params in _cases(name):
        for seed in (0, 1):
            t, z = _pair(seed, zeros=zeros)
            s = torch.softmax(z, -1).numpy()
            ours = float(loss(name, z, t, **params))
            ref = L.registry_value(name, t, s, **params)
            assert not math.isnan(ours)
            if math.isinf(ref):
                assert ours == ref == math.inf, (name, params)
            else:
                np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12, err_msg=f"{name} {params}")


@pytest.mark.parametrize("name", names())
def test_batched_rows_and_reductions(name):
    rng = np.random.default_rng(3)
    t = rng.dirichlet(np.ones(6), size=(2, 3))
    z = torch.tensor(rng.normal(size=(2, 3, 6)))
    rows = loss(name, z, t, reduction="none")
    assert rows.shape == (2, 3)
    s = torch.softmax(z, -1).numpy()
    for i in range(2):
        for j in range(3):
            np.testing.assert_allclose(float(rows[i, j]), L.registry_value(name, t[i, j], s[i, j]), rtol=1e-9)
    np.testing.assert_allclose(float(loss(name, z, t)), float(rows.mean()), rtol=1e-12)
    np.testing.assert_allclose(float(loss(name, z, t, reduction="sum")), float(rows.sum()), rtol=1e-12)


@pytest.mark.parametrize("name", ["kl", "js", "reverse_kl", "alpha", "sinkhorn"])
def test_temperature_softens_both_sides(name):
    t, z = _pair(5)
    temp = 2.5
    tt = t ** (1 / temp) / np.sum(t ** (1 / temp))
    ss = torch.softmax(z / temp, -1).numpy()
    np.testing.assert_allclose(float(loss(name, z, t, temperature=temp)), L.registry_value(name, tt, ss),
                               rtol=1e-9)


def test_teacher_logits_equal_teacher_probabilities():
    t, z = _pair(6)
    lt = torch.log(torch.tensor(t)) + 3.0
    for name in names():
        np.testing.assert_allclose(float(loss(name, z, lt, teacher_logits=True)), float(loss(name, z, t)),
                                   rtol=1e-9)


def test_against_scipy():
    for seed in range(4):
        t, z = _pair(seed, v=9, zeros=seed % 2 == 1)
        s = torch.softmax(z, -1).numpy()
        np.testing.assert_allclose(float(loss("kl", z, t)), rel_entr(t, s).sum(), rtol=1e-12)
        np.testing.assert_allclose(float(loss("reverse_kl", z, t)), rel_entr(s, t).sum(), rtol=1e-12)
        np.testing.assert_allclose(float(loss("js", z, t)), jensenshannon(t, s) ** 2, rtol=1e-9)
        np.testing.assert_allclose(float(loss("tv", z, t)), 0.5 * np.abs(t - s).sum(), rtol=1e-12)


def test_reverse_kl_on_teacher_zeros_is_inf_or_the_documented_clamp():
    t = torch.tensor([0.5, 0.5, 0.0], dtype=torch.float64)
    z = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    val = loss("reverse_kl", z, t)
    assert float(val.detach()) == math.inf
    clamped = loss("reverse_kl", z, t, floor=1e-3)
    tf = np.array([0.5, 0.5, 1e-3]) / 1.001
    np.testing.assert_allclose(float(clamped.detach()), rel_entr(np.full(3, 1 / 3), tf).sum(), rtol=1e-12)
    clamped.backward()
    assert torch.isfinite(z.grad).all()


@pytest.mark.parametrize("name", names())
def test_gradients_finite_with_teacher_zeros(name):
    t, z0 = _pair(2, zeros=True)
    z = z0.clone().requires_grad_(True)
    val = loss(name, z, t, floor=0.0 if L.get(name).finite_on_teacher_zeros else 1e-6)
    assert math.isfinite(float(val.detach()))
    val.backward()
    assert torch.isfinite(z.grad).all()


@pytest.mark.parametrize("name", names())
def test_gradcheck_double_precision(name):
    rng = np.random.default_rng(11)
    t = rng.dirichlet(np.ones(5), size=2)
    if L.get(name).finite_on_teacher_zeros:
        t[0, 2] = 0.0
        t[0] /= t[0].sum()
    z = torch.tensor(rng.normal(size=(2, 5)), requires_grad=True)
    for params in _cases(name)[:2]:
        assert torch.autograd.gradcheck(lambda zz, p=params: loss(name, zz, t, reduction="sum", **p), (z,),
                                        eps=1e-6, atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("bad, match", [
    (dict(teacher=np.ones(5) / 5), "last axis"),
    (dict(teacher=np.array([0.5, 0.6, -0.1, 0.0])), "non-negative"),
    (dict(teacher=np.array([0.5, 0.6, 0.1, 0.0])), "sum to 1"),
    (dict(teacher=np.array([0.5, np.nan, 0.5, 0.0])), "NaN"),
    (dict(student=torch.tensor([0.0, math.nan, 0.0, 0.0])), "NaN"),
    (dict(student=torch.tensor([0.0, math.inf, 0.0, 0.0])), r"\+inf"),
    (dict(teacher=np.full((3, 4), 0.25), student=torch.zeros(2, 4)), "broadcast"),
    (dict(name="kld"), "choose one of: kl, reverse_kl"),
    (dict(params={"beta": 1.5}, name="generalized_js"), "beta"),
    (dict(params={"gamma": 1.0}), "unknown parameter"),
    (dict(temperature=0.0), "temperature"),
    (dict(reduction="max"), "reduction"),
    (dict(floor=0.9), "floor"),
])
def test_bad_input_raises_value_error(bad, match):
    args = {"name": "kl", "student": torch.zeros(4, dtype=torch.float64), "teacher": np.full(4, 0.25),
            "params": {}, "temperature": 1.0, "reduction": "mean", "floor": 0.0}
    args.update(bad)
    with pytest.raises(ValueError, match=match):
        loss(args["name"], args["student"], args["teacher"], temperature=args["temperature"],
             reduction=args["reduction"], floor=args["floor"], **args["params"])


# -- the papers' qualitative claims ---------------------------------------------------------------
def _top_mode_mass(teacher, student):
    modes, basin = metrics.teacher_modes(teacher.probs)
    return max(student[basin == k].sum() for k in range(modes.size))


@pytest.fixture(scope="module")
def three_peaks():
    return teachers.peaks(100, heights=(1.0, 1.0, 1.0), width=3.0)


@pytest.fixture(scope="module")
def fits(three_peaks):
    out = {}
    for name in ("kl", "reverse_kl", "js"):
        out[name] = distill(three_peaks, "unimodal", name, steps=300, seed=0, floor=1e-9,
                            metrics=["kl", "reverse_kl", "js", "tv"])
    return out


def test_reverse_kl_student_collapses_on_one_mode(three_peaks, fits):
    r = fits["reverse_kl"]
    assert r.converged
    assert _top_mode_mass(three_peaks, r.student) > 0.9
    assert r.metrics.mode_recall == pytest.approx(1 / 3)
    assert r.metrics.vendi < 2.5


def test_forward_kl_student_covers_every_mode(three_peaks, fits):
    r = fits["kl"]
    assert r.converged
    assert r.metrics.mode_recall == 1.0
    modes, basin = metrics.teacher_modes(three_peaks.probs)
    assert modes.size == 3
    assert all(r.student[basin == k].sum() > 0.15 for k in range(3))
    assert r.metrics.vendi > 3 * fits["reverse_kl"].metrics.vendi


def test_js_lies_between_forward_and_reverse_kl(three_peaks, fits):
    masses = {k: _top_mode_mass(three_peaks, fits[k].student) for k in fits}
    assert masses["kl"] - 1e-6 <= masses["js"] <= masses["reverse_kl"] + 1e-6
    ent = {k: fits[k].metrics.entropy for k in fits}
    assert ent["reverse_kl"] - 1e-6 <= ent["js"] <= ent["kl"] + 1e-6
    assert masses["kl"] < 0.6 < masses["reverse_kl"]


def test_generalized_js_moves_from_covering_to_seeking():
    t = teachers.peaks(100, heights=(1.0, 0.6, 0.3), width=4.0)
    sw = sweep(t, "beta", [0.0, 0.5, 1.0], loss="generalized_js", steps=300, seed=0, floor=1e-9,
               metrics=False)
    masses = [_top_mode_mass(t, r.student) for r in sw.results]
    assert masses[0] < 0.6 and masses[-1] > 0.9
    assert np.all(np.diff(masses) >= -1e-6)
    assert sw.at(0.45) is sw.results[1] and sw.at(2.0) is sw.results[2]


def test_forward_kl_student_hallucinates_where_the_teacher_is_zero():
    t = teachers.peaks(60, heights=(1.0, 1.0), width=1.0)  # exact zeros between and around the peaks
    assert np.any(t.probs == 0)
    fwd = distill(t, "unimodal", "kl", steps=200, seed=1, metrics=False)
    skew = distill(t, "unimodal", "skew_reverse_kl", steps=200, seed=1, metrics=False,
                   loss_params={"skew": 0.1})
    h_fwd = metrics.hallucination_mass(t.probs, fwd.student)
    h_rev = metrics.hallucination_mass(t.probs, skew.student)
    assert h_fwd > 0.3 and h_rev < 1e-6


# -- metrics --------------------------------------------------------------------------------------
def test_vendi_score_reference_values():
    p = np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(metrics.vendi_score(p), math.exp(-(p * np.log(p)).sum()), rtol=1e-12)
    # two far-apart groups of 2 equal point masses: 2 distinct items under a wide kernel, 4 under a narrow one
    q = np.array([0.25, 0.25, 0, 0, 0, 0, 0, 0, 0.25, 0.25])
    np.testing.assert_allclose(metrics.vendi_score(q, np.arange(10), length=1e-3), 4.0, rtol=1e-9)
    np.testing.assert_allclose(metrics.vendi_score(q, np.arange(10), length=1e3), 1.0, rtol=1e-3)
    assert 1.9 < metrics.vendi_score(q, np.arange(10), length=0.5) < 4.0


def test_mode_recall_and_hallucination_on_hand_made_vectors():
    t = np.array([0.0, 0.1, 0.4, 0.1, 0.0, 0.0, 0.1, 0.2, 0.1, 0.0])
    s_one = np.array([0.0, 0.2, 0.6, 0.2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    assert metrics.mode_recall(t, s_one) == 0.5
    assert metrics.mode_recall(t, t) == 1.0
    s_h = np.full(10, 0.1)
    np.testing.assert_allclose(metrics.hallucination_mass(t, s_h), 0.4)
    modes, _basin = metrics.teacher_modes(t)
    assert list(modes) == [2, 7]


def test_metrics_report_every_registry_divergence(three_peaks):
    s = np.full(100, 0.01)
    m = metrics.evaluate(three_peaks.probs, s, which=None)
    assert set(m.divergences) == set(dv.names())
    for name, val in m.divergences.items():
        assert not math.isnan(val.value), name
        assert val.name == name and val.method
    np.testing.assert_allclose(m.entropy, math.log(100))
    assert m.hallucination == 0.0 and m.n_modes == 3


def test_metrics_leave_a_slow_divergence_out_of_a_large_summary_and_say_so():
    t = teachers.peaks(300, heights=(1.0, 0.6, 0.3), width=10.0).probs
    s = np.full(300, 1 / 300)
    m = metrics.evaluate(t, s)
    slow = [n for n in dv.names() if (dv.get(n).max_summary_atoms or 300) < 300]
    assert slow == ["sinkhorn"]  # ε = 0.5 on (i − j)² over 300 tokens: minutes of Sinkhorn sweeps
    assert set(m.divergences) == set(dv.names()) - set(slow)
    assert "S_ε left out at 300 tokens" in m.note
    assert "S_ε" not in metrics.evaluate(t[::3] / t[::3].sum(), s[::3] * 3).note  # 100 tokens: all


# -- teachers -------------------------------------------------------------------------------------
def test_text_file_checksum_size_and_readme():
    raw = (REPO / "data" / teachers.TEXT_FILE).read_bytes()
    assert len(raw) < 200_000
    assert hashlib.sha256(raw).hexdigest() == teachers.TEXT_SHA256
    readme = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"`{re.escape(teachers.TEXT_FILE)}` \| \d+ \| `{teachers.TEXT_SHA256}`", readme)
    assert "public domain" in readme.lower()


def test_tampered_text_raises_oserror(tmp_path, monkeypatch):
    from explorer import data

    raw = (REPO / "data" / teachers.TEXT_FILE).read_bytes()
    (tmp_path / teachers.TEXT_FILE).write_bytes(raw.replace(b"ABASEMENT", b"ABASEMENS", 1))
    monkeypatch.setattr(data, "data_dir", lambda: tmp_path)
    teachers.text_corpus.cache_clear()
    try:
        with pytest.raises(OSError, match="failed its checksum"):
            teachers.text()
    finally:
        teachers.text_corpus.cache_clear()


def test_text_teacher_next_characters():
    q = teachers.text(context="q")
    assert q.labels[int(q.probs.argmax())] == "u" and q.probs.max() > 0.9
    rows = teachers.text(order=2, n_contexts=12)
    assert rows.probs.shape == (12, len(teachers.ALPHABET))
    np.testing.assert_allclose(rows.probs.sum(1), 1.0)
    assert np.any(rows.probs == 0)  # real zeros: impossible next characters
    assert not rows.ordered and len(rows.contexts) == 12
    with pytest.raises(ValueError, match="never occurs"):
        teachers.text(context="zzzq")


# SHA-256 (first 16 hex digits) of each teacher's name, description, labels, contexts, order flag,
# probs and weights, as computed by teachers.text before it counted through explorer.distill.corpus
# (commit 52baf7d): the refactor must not change the shipped text's teachers by one bit
TEXT_FINGERPRINTS = [
    ({'context': 'th'}, "3b096b4c354cd566"),
    ({'context': 'q'}, "e4a693b53ddc57b9"),
    ({'context': 'e'}, "76834453bd2953f8"),
    ({'context': 'wh'}, "a7e2dcf574fd37aa"),
    ({'context': 'in'}, "392b6a88013fd950"),
    ({'context': 'an'}, "265adac5ffa4f358"),
    ({'context': 'of'}, "0b0bb7bfc5d66339"),
    ({'context': ' a'}, "d3b26894abf3cdf0"),
    ({'context': 'Q'}, "e4a693b53ddc57b9"),
    ({'context': 'the '}, "e75b5c30da9d8cbb"),
    ({'order': 1, 'n_contexts': 2}, "23abb17b7f44c7ec"),
    ({'order': 1, 'n_contexts': 24}, "f3d78e3fe5bf16ed"),
    ({'order': 1, 'n_contexts': 64}, "b7a0e14bb0449060"),
    ({'order': 1, 'n_contexts': 1000}, "b7a0e14bb0449060"),
    ({'order': 2, 'n_contexts': 2}, "eb41ae0effc6fdc2"),
    ({'order': 2, 'n_contexts': 24}, "cf16dcaad6f275b8"),
    ({'order': 2, 'n_contexts': 64}, "aa1b6e867a3c825e"),
    ({'order': 2, 'n_contexts': 1000}, "36e14411b5a2f7b1"),
    ({'order': 3, 'n_contexts': 2}, "b84e30ca7cf247e9"),
    ({'order': 3, 'n_contexts': 24}, "77c1c97656fb0190"),
    ({'order': 3, 'n_contexts': 64}, "2022df19cb8737d6"),
    ({'order': 3, 'n_contexts': 1000}, "375059bf89469bea"),
    ({'order': 4, 'n_contexts': 2}, "5a0bedfa66915dd9"),
    ({'order': 4, 'n_contexts': 24}, "4173640afbc44baf"),
    ({'order': 4, 'n_contexts': 64}, "a987c8af98524a01"),
    ({'order': 4, 'n_contexts': 1000}, "43f00f72f2f73aa1"),
]
CORPUS_FINGERPRINT = "c3e58063b8129183"


def _teacher_fingerprint(t):
    h = hashlib.sha256()
    h.update(repr((t.name, t.description, t.labels, t.contexts, t.ordered)).encode())
    h.update(t.probs.tobytes())
    h.update(t.weights.tobytes())
    return h.hexdigest()[:16]


def test_text_teachers_are_unchanged_by_the_corpus_refactor():
    assert hashlib.sha256(teachers.text_corpus().encode()).hexdigest()[:16] == CORPUS_FINGERPRINT
    for kwargs, expected in TEXT_FINGERPRINTS:
        assert _teacher_fingerprint(teachers.text(**kwargs)) == expected, kwargs


def test_peaks_and_long_tail():
    t = teachers.peaks(50, heights=(2.0, 1.0), width=2.0)
    _modes, basin = metrics.teacher_modes(t.probs)
    np.testing.assert_allclose(t.probs[basin == 0].sum(), 2 / 3, atol=1e-6)
    lt = teachers.long_tail(20, 1.0)
    np.testing.assert_allclose(lt.probs[0] / lt.probs[9], 10.0)
    for bad in (dict(vocab_size=1), dict(heights=()), dict(width=0.0), dict(background=1.0)):
        with pytest.raises(ValueError):
            teachers.peaks(**bad)


# -- training loop --------------------------------------------------------------------------------
def test_distill_result_history_snapshots_callback_and_stop():
    t = teachers.peaks(40, heights=(1.0, 0.5), width=2.0, background=0.01)
    seen = []
    r = distill(t, "mixture", "js", steps=50, seed=3, record_every=10, student_params={"components": 2},
                callback=lambda i, v: seen.append(v), metrics=False)
    assert r.loss_history.shape == (50,) and seen == list(r.loss_history)
    assert list(r.snapshot_steps) == [0, 10, 20, 30, 40, 50] and r.snapshots.shape == (6, 40)
    np.testing.assert_allclose(r.snapshots[-1], r.student)
    assert r.loss_history[-1] < r.loss_history[0]
    calls = iter(range(1000))
    s = distill(t, "unimodal", "kl", steps=100, should_stop=lambda: next(calls) >= 9, metrics=False)
    assert s.stopped and s.loss_history.size == 10 and not s.converged


def test_every_student_family_trains():
    rows = teachers.text(order=1, n_contexts=6)
    one = teachers.peaks(30, heights=(1.0, 0.5), width=2.0, background=0.05)
    for fam in students.names():
        tch = rows if fam in ("lowrank", "temperature") else one
        r = distill(tch, fam, "kl", steps=60, seed=0, metrics=False)
        assert r.student.shape == tch.probs.shape
        np.testing.assert_allclose(r.student.sum(-1), 1.0)
        assert r.loss_history[-1] < r.loss_history[0], fam


def test_distill_bad_input():
    t = teachers.peaks(30, heights=(1.0, 1.0), width=0.7)  # has exact zeros
    assert np.any(t.probs == 0)
    with pytest.raises(ValueError, match="floor"):
        distill(t, "unimodal", "reverse_kl", steps=5)
    with pytest.raises(ValueError, match="ordered"):
        distill(teachers.text(context="th"), "unimodal", "kl", steps=5)
    with pytest.raises(ValueError, match="rows"):
        distill(t, "lowrank", "kl", steps=5)
    with pytest.raises(ValueError, match="choose one of"):
        distill(t, "gaussian", "kl", steps=5)
    with pytest.raises(ValueError, match="steps"):
        distill(t, "unimodal", "kl", steps=0)
    with pytest.raises(ValueError, match="parameter"):
        sweep(t, "gamma", [0.1], loss="js")


def test_sinkhorn_student_trains_and_reports():
    t = teachers.peaks(24, heights=(1.0, 1.0), width=1.5, background=0.02)
    r = distill(t, "unimodal", "sinkhorn", steps=40, seed=0, loss_params={"epsilon": 4.0},
                metrics=["sinkhorn"])
    assert r.loss_history[-1] < r.loss_history[0]
    ref = dv.compute("sinkhorn", Categorical(t.probs), Categorical(r.student), epsilon=0.5)
    np.testing.assert_allclose(r.metrics.divergences["sinkhorn"].value, ref, rtol=1e-6)


def test_docs_file_is_up_to_date_and_lists_every_entry():
    from explorer.alignment import fdpo
    from explorer.distill import docs

    assert docs.main(["--check"]) == 0, "run: python -m explorer.distill.docs"
    text = docs.DOC_PATH.read_text(encoding="utf-8")
    for name in names():
        assert f"### `{name}`" in text
    for name in [*students.names(), *fdpo.GENERATORS]:
        assert f"| `{name}` |" in text


@pytest.mark.parametrize("name", [n for n in names() if n != "sinkhorn"])
@pytest.mark.parametrize("zeros", [False, True])
def test_training_path_per_row_fn_matches_the_registry_formula(name, zeros):
    # distill() trains through L.per_row_fn (teacher work done once, JS / generalised JS with a
    # closed-form gradient): same values and gradients as the plain formula L.per_row
    for params in _cases(name):
        entry = L.get(name)
        resolved = entry.resolve(params)
        rng = np.random.default_rng(5)
        tt = rng.dirichlet(np.ones(9), size=3)
        if zeros:
            tt[:, [2, 6]] = 0.0
            tt /= tt.sum(-1, keepdims=True)
        z0 = torch.tensor(rng.normal(size=(3, 9)) * 3.0, dtype=torch.float64)
        z0[1, 4] = -800.0  # a student probability that underflows to 0
        t, lt, _, _ = L.prepare(z0, torch.tensor(tt), 1.0, False, 0.0)
        fast = L.per_row_fn(entry, t, lt, resolved)
        out = []
        for new in (False, True):
            z = z0.clone().requires_grad_(True)
            ls = torch.log_softmax(z, -1)
            rows = fast(ls) if new else L.per_row(entry, t, lt, ls.exp(), ls, resolved)
            finite = bool(torch.isfinite(rows).all())  # inf (reverse-type vs zeros): no gradient
            grad = torch.autograd.grad(rows.sum(), z)[0].numpy() if finite else None
            out.append((rows.detach().numpy(), grad))
        (old_v, old_g), (new_v, new_g) = out
        assert not np.isnan(new_v).any(), (name, params)
        np.testing.assert_array_equal(new_v, old_v, err_msg=f"{name} {params}")  # same operations
        if old_g is not None:
            assert not np.isnan(new_g).any(), (name, params)
            np.testing.assert_allclose(new_g, old_g, rtol=1e-10, atol=1e-13, err_msg=f"{name} {params}")
