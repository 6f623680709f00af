"""Issue 9: a hypothesis fuzz over scales for every registry entry.

1-D pairs of Gaussians, Laplaces, Student t's and uniforms, alone or in two-component mixtures,
with standard deviations from 1e-6 to 1e6, shifts up to 1e8, mixture weights down to 1e-12 and
Student-t degrees of freedom from 0.01 to 1e8. For every entry of ``dv.names()`` the result is

* a ``ValueError`` (the input is outside what float64 can resolve, and the message says so), or
* a number that is never NaN, ≥ 0, within the entry's ``upper_bound``, and ``inf`` only where
  the truth is infinite: a conservative oracle (:func:`_truth_is_infinite`) decides from the tails
  and supports, and returns ``None`` (no claim) where the answer is close to a threshold.

Each example is time-boxed by hypothesis's deadline. The 2-D grids are not fuzzed here.
"""

from __future__ import annotations

import math
import zlib
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import explorer.divergences as dv
from explorer.distributions import Gaussian, Laplace, Mixture, StudentT, Uniform

pytestmark = pytest.mark.slow

EXAMPLES_PER_ENTRY = 25
DEADLINE = timedelta(seconds=20)  # per example; generous because CI machines are shared


def _log_uniform(lo: float, hi: float):
    return st.floats(math.log10(lo), math.log10(hi)).map(lambda e: 10.0**e)


scales = _log_uniform(1e-6, 1e6)
shifts = st.one_of(st.just(0.0), _log_uniform(1e-2, 1e8).flatmap(lambda m: st.sampled_from([m, -m])))
dfs = _log_uniform(1e-2, 1e8)


@st.composite
def leaves(draw):
    kind = draw(st.sampled_from(["gauss", "laplace", "t", "uniform"]))
    loc, s = draw(shifts), draw(scales)
    if kind == "gauss":
        return Gaussian(loc, s)
    if kind == "laplace":
        return Laplace(loc, s)
    if kind == "t":
        return StudentT(draw(dfs), loc, s)
    return Uniform(loc, loc + s)


@st.composite
def distributions(draw):
    first = draw(leaves())
    if not draw(st.booleans()):
        return first
    w = draw(_log_uniform(1e-12, 0.5))
    return Mixture([first, draw(leaves())], [1.0 - w, w])


def _leaves_of(d):
    return list(d.components) if isinstance(d, Mixture) else [d]


def _dfs(d):
    """Degrees of freedom of the Student-t components (inf for lighter tails)."""
    return [c.df if isinstance(c, StudentT) else math.inf for c in _leaves_of(d)]


def _full_support(d):
    """Positive density on the whole line (a mixture's support is the union of its components')."""
    return any(not isinstance(c, Uniform) for c in _leaves_of(d))


def _tail_class(d):
    """(kind, df) of the heaviest tail: ('bounded'|'gauss'|'laplace'|'t', ν)."""
    leaves = _leaves_of(d)
    ts = [c.df for c in leaves if isinstance(c, StudentT)]
    if ts:
        return "t", min(ts)
    if any(isinstance(c, Laplace) for c in leaves):
        return "laplace", math.inf
    if any(isinstance(c, Gaussian) for c in leaves):
        return "gauss", math.inf
    return "bounded", math.inf


HEAVIEST_DECIDED = 0.1
"""Below this ν a finite KL-type integral may be reported as ∞ (slower than |x|^−1.03 per octave)."""


def _kl_infinite(p, q):
    """True/False where KL(p‖q) is clearly infinite/finite, None near a threshold."""
    if not _full_support(q):
        if _full_support(p):
            return True
        return None  # uniforms vs uniforms: containment, decided by the grid's edges
    kind, _ = _tail_class(q)
    need = {"gauss": 2.0, "laplace": 1.0}.get(kind)  # E_p x² or E_p |x| must be finite
    if need is None:
        # q has a polynomial tail: log q ~ −c log|x|, integrable under any p; but an integrand
        # decaying like |x|^(−1−ν) log|x| with ν ≲ 0.05 is read as divergent by the tail test
        # (documented in explorer.divergences.quadrature): no claim there
        return False if min(_dfs(p) + _dfs(q)) >= HEAVIEST_DECIDED else None
    nu = min(_dfs(p))
    if nu <= need - 0.3:
        return True
    if nu >= need + 0.3:
        return False
    return None


def _moment_rule(p, q, order):
    """Finite when every component has a finite moment of ``order`` (with margin), else no claim."""
    nu = min(_dfs(p) + _dfs(q))
    return False if nu >= order + 0.3 else None


def _truth_is_infinite(name, p, q):
    div = dv.get(name)
    if math.isfinite(div.upper_bound):
        return False
    if name == "kl":
        return _kl_infinite(p, q)
    if name == "reverse_kl":
        return _kl_infinite(q, p)
    if name == "jeffreys":
        a, b = _kl_infinite(p, q), _kl_infinite(q, p)
        return True if (a or b) else (False if a is False and b is False else None)
    if name == "w1":
        return _moment_rule(p, q, 1.0)
    if name in ("w2", "sinkhorn"):
        return _moment_rule(p, q, 2.0)
    if name == "energy":
        return _moment_rule(p, q, 0.5)
    if name in ("bhattacharyya", "cs") and _full_support(p) and _full_support(q):
        return False  # ∫√(pq) > 0, ∫pq > 0 and ∫p², ∫q² < ∞ (bounded densities)
    return None  # χ², α, Rényi: no claim


@pytest.mark.parametrize("name", dv.names())
def test_every_entry_across_scales(name):
    div = dv.get(name)

    @seed(zlib.crc32(name.encode()))  # reproducible, and different pairs for every entry
    @settings(max_examples=EXAMPLES_PER_ENTRY, deadline=DEADLINE, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(p=distributions(), q=distributions())
    def check(p, q):
        try:
            v = dv.evaluate(name, p, q)
        except ValueError as exc:
            assert str(exc), "a ValueError must say what is wrong"
            return
        value = v.value
        assert not math.isnan(value), (name, p, q)
        assert value >= 0.0, (name, p, q, value)
        if math.isfinite(div.upper_bound):
            assert value <= div.upper_bound * (1 + 1e-9), (name, p, q, value)
        truth = _truth_is_infinite(name, p, q)
        if truth is True:
            assert math.isinf(value), (name, p, q, value, v.note)
        elif truth is False:
            assert math.isfinite(value), (name, p, q, value, v.note)
        if math.isinf(value):
            assert v.note.startswith("infinite"), (name, v.note)

    check()
