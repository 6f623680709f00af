r"""Dispatch: :func:`evaluate` picks how to compute D(p‖q) for a pair and says how it did.

``evaluate(name, p, q, method)`` classifies the pair (two densities, two categoricals on one
support, two sample arrays), then asks the registry entry what it can do: a closed form, a
measure or grid function for quadrature, importance sampling, or its sample estimator (through
:mod:`explorer.estimators.samples`, the one helper for every sample path). :func:`compute` is its
value; :func:`compute_all` and :func:`compute_both` evaluate many entries on one shared grid.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from explorer import _notes
from explorer._numerics import as_2d
from explorer._validation import as_points, as_rng, as_sample_count
from explorer.distributions import Categorical, Distribution, Empirical
from explorer.divergences.bounds import within_f_bound
from explorer.divergences.measures import Discrete, ImportanceSample, integrate_on_grid, make_grid
from explorer.divergences.registry import Divergence, DivergenceValue, get, names
from explorer.estimators import samples as sampling

__all__ = ["DEFAULT_MC_SAMPLES", "DEFAULT_SAMPLES", "METHODS", "compute", "compute_all", "compute_both",
           "evaluate"]

DEFAULT_MC_SAMPLES = 20_000
DEFAULT_SAMPLES = sampling.DEFAULT_SAMPLES
METHODS = ("auto", "closed_form", "quadrature", "monte_carlo", "samples", "kde")


def _kind(p: Any, q: Any) -> str:
    if isinstance(p, Categorical) and isinstance(q, Categorical):
        if p.k != q.k or not np.array_equal(p.values, q.values):
            raise ValueError("categorical p and q must share the same support (values)")
        if p.batch_shape or q.batch_shape:
            raise ValueError("divergences take one categorical p and q, not batches; index the batch")
        return "categorical"
    if isinstance(p, Distribution) and isinstance(q, Distribution) and not (p.discrete or q.discrete):
        if p.dim != q.dim:
            raise ValueError(f"p is {p.dim}-D but q is {q.dim}-D")
        return "density"
    if isinstance(p, Categorical | Distribution) or isinstance(q, Categorical | Distribution):
        raise ValueError("p and q must both be distributions, both categorical, or both sample arrays")
    return "samples"


def _sample_arrays(p: Any, q: Any) -> tuple[np.ndarray, np.ndarray]:
    x = as_points(p, "p samples")
    y = as_points(q, "q samples")
    if as_2d(x).shape[1] != as_2d(y).shape[1]:
        raise ValueError(f"sample dimensions differ: {as_2d(x).shape[1]} vs {as_2d(y).shape[1]}")
    if x.shape[0] < 2 or y.shape[0] < 2:
        raise ValueError("need at least 2 samples of each distribution")
    return x, y


def _quadrature(div: Divergence, p: Distribution, q: Distribution, dparams: dict, grid: Any = None) -> float:
    fn = div.grid or div.measure
    if fn is None:
        raise ValueError(f"{div.name!r} has no quadrature method")

    def bounded(g: Any, **params: Any) -> float:
        return within_f_bound(div, g, fn(g, **params), params)

    return integrate_on_grid(bounded, p, q, dparams, grid)


def _clean(value: float, div: Divergence, method: str) -> float:
    """No NaN ever leaves; round-off below zero is clipped for non-negative divergences."""
    if value is None or math.isnan(value):
        raise FloatingPointError(f"{div.name} via {method} produced NaN (please report this)")
    if value < 0 and method != "samples":
        if value > -1e-9 or (method == "monte_carlo"):
            return 0.0 if method != "monte_carlo" else value
        raise FloatingPointError(f"{div.name} via {method} gave {value} < 0 (please report this)")
    return float(value)


def _infinite_note(p: Any, q: Any) -> str:
    """Why a value came out infinite, in words for the UI."""
    sp = getattr(p, "support", None)
    sq = getattr(q, "support", None)
    if isinstance(p, Categorical):
        only_p = np.any((p.probs > 0) & (q.probs == 0))
        only_q = np.any((q.probs > 0) & (p.probs == 0))
    elif sp is not None and sq is not None:
        if sp[1] < sq[0] or sq[1] < sp[0]:
            return "infinite: the supports are disjoint"
        only_p = sp[0] < sq[0] or sp[1] > sq[1]
        only_q = sq[0] < sp[0] or sq[1] > sp[1]
    else:
        only_p = only_q = False
    if only_p and only_q:
        return "infinite: each puts mass where the other is zero"
    if only_p:
        return "infinite: p has mass where q is zero"
    if only_q:
        return "infinite: q has mass where p is zero"
    return "infinite: the integral diverges (the tails differ too much)"


def _auto_density(div: Divergence, p: Distribution, q: Distribution, params: Mapping[str, Any],
                  rng: np.random.Generator, n: int, grid: Any = None) -> tuple[float, str, str]:
    """Closed form, else quadrature (1-D/2-D), else the sample estimator: (value, method, note)."""
    dparams, _ = div.split_params(params)
    if div.closed_form is not None:
        v = div.closed_form(p, q, **dparams)
        if v is not None:
            return v, "closed form", ""
    if div.has_quadrature and p.on_grid:
        try:
            return _quadrature(div, p, q, dparams, grid), "quadrature", ""
        except NotImplementedError:
            pass
    if div.samples is None:
        raise ValueError(f"{div.name!r} cannot be computed for {p.dim}-D {type(p).__name__}")
    est = sampling.estimate(div, p, q, rng, n, params)
    return est.value, "samples (fallback)", f"no closed form or quadrature in {p.dim}-D: {est.note}"


def evaluate(
    name: str,
    p: Any,
    q: Any,
    method: str = "auto",
    *,
    base: float | None = None,
    rng: Any = None,
    n_samples: int | None = None,
    _grid: Any = None,
    **params: Any,
) -> DivergenceValue:
    """Compute :math:`D(p\\|q)` and say how: value, units, method and a note (e.g. why ∞).

    Parameters
    ----------
    name : str
        A registered divergence (see :func:`~explorer.divergences.names`).
    p, q : Distribution, Categorical or array_like
        Two distributions of the same dimension, two categorical distributions on one support,
        or two sample arrays of shape ``(n,)``/``(n, d)``.
    method : {"auto", "closed_form", "quadrature", "monte_carlo", "samples", "kde"}
        See :mod:`explorer.divergences`. ``"samples"`` with distributions draws ``n_samples``
        from each (an :class:`~explorer.distributions.Empirical` uses its data); ``"kde"`` with
        sample arrays fits Gaussian KDEs and integrates them. ``"auto"`` beyond 2-D without a
        closed form falls back to the sample estimator, with the same ``rng``, ``n_samples``
        and estimator parameters.
    base : float, optional
        Logarithm base for log-based divergences (``2`` for bits); default nats.
    rng : None, int or numpy Generator
        Randomness for ``"monte_carlo"`` and the sample paths (default seed 0: reproducible).
    n_samples : int, optional
        Sample size for ``"monte_carlo"`` (default 20 000) and the sample paths (default 2 000).
    **params
        Divergence parameters (``alpha``, ``order``, ``bandwidth``, ``epsilon``) and estimator
        parameters (``k``, ``window``).

    Returns
    -------
    DivergenceValue
        ``note`` says why a value is infinite, which estimator was used, and "approximate: ..."
        where a grid or solver could not meet its tolerance.
    """
    with _notes.collect() as notes:
        result = _evaluate(name, p, q, method, base=base, rng=rng, n_samples=n_samples, _grid=_grid,
                           **params)
    if notes:
        result = replace(result, note="; ".join(n for n in (result.note, *notes) if n))
    return result


def _evaluate(name: str, p: Any, q: Any, method: str, *, base: float | None, rng: Any,
              n_samples: int | None, _grid: Any, **params: Any) -> DivergenceValue:
    div = get(name)
    dparams, _ = div.split_params(params)
    kind = _kind(p, q)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if base is not None and (not isinstance(base, int | float) or isinstance(base, bool)
                             or not math.isfinite(base) or base <= 0 or base == 1):
        raise ValueError(f"base must be a positive number other than 1, got {base!r}")
    generator = as_rng(0 if rng is None else rng)
    note = ""

    if kind == "categorical":
        if method not in ("auto", "quadrature", "closed_form"):
            raise ValueError(f"method {method!r} does not apply to categorical distributions")
        fn = div.categorical or div.measure
        value, used = fn(Discrete(p, q), **dparams), "exact sum"
    elif kind == "samples":
        x, y = _sample_arrays(p, q)
        if method in ("auto", "samples") and div.samples is not None:
            value = sampling.run_estimator(div, x, y, generator, params)
            used, note = "samples", div.sample_estimator
        elif method in ("auto", "kde", "samples"):
            n = as_sample_count(n_samples or DEFAULT_SAMPLES, "n_samples")
            value = _auto_density(div, Empirical(x), Empirical(y), params, generator, n)[0]
            used, note = "kde", "plug-in: Gaussian KDEs (Silverman/Scott bandwidth), then integrated"
        else:
            raise ValueError(f"method {method!r} needs densities; with sample arrays use 'samples' or 'kde'")
    elif method == "auto":
        n = as_sample_count(n_samples or DEFAULT_SAMPLES, "n_samples")
        value, used, note = _auto_density(div, p, q, params, generator, n, _grid)
    elif method == "closed_form":
        value = div.closed_form(p, q, **dparams) if div.closed_form else None
        if value is None:
            pair = f"{type(p).__name__} and {type(q).__name__}"
            raise ValueError(f"no closed form for {div.name!r} between {pair}")
        used = "closed form"
    elif method == "quadrature":
        try:
            value, used = _quadrature(div, p, q, dparams, _grid), "quadrature"
        except NotImplementedError as exc:
            raise ValueError(f"{div.name!r}: {exc}; use method='samples' or 'closed_form'") from None
    elif method == "monte_carlo":
        if div.measure is None:
            raise ValueError(f"{div.name!r} has no Monte Carlo method; use method='samples'")
        n = as_sample_count(n_samples or DEFAULT_MC_SAMPLES, "n_samples")
        value, used = div.measure(ImportanceSample(p, q, n, generator), **dparams), "monte_carlo"
        note = f"importance sampling, n={n}"
    elif method == "samples":
        if div.samples is None:
            raise ValueError(f"{div.name!r} has no sample estimator; use 'kde' or 'quadrature'")
        n = as_sample_count(n_samples or DEFAULT_SAMPLES, "n_samples")
        est = sampling.estimate(div, p, q, generator, n, params)
        value, used, note = est.value, "samples", est.note
    else:
        raise ValueError("method 'kde' applies to sample arrays")
    value = _clean(value, div, "samples" if used.startswith("samples") else used)
    if math.isinf(value):
        note = _infinite_note(p, q) if kind != "samples" else "infinite"
    if base is not None and div.log_based and math.isfinite(value):
        value = value / math.log(base)
    units = div.units
    if div.log_based and base is not None:
        units = "bits" if base == 2 else f"log base {base:g}"
    return DivergenceValue(div.name, div.label, value, units, used, note, dparams)


def compute(name: str, p: Any, q: Any, method: str = "auto", **kwargs: Any) -> float:
    """:math:`D(p\\|q)` as a float (``inf`` when infinite). See :func:`evaluate` for arguments.

    Examples
    --------
    >>> from explorer.distributions import Gaussian, Uniform
    >>> compute("kl", Uniform(0, 2), Uniform(0, 1))
    inf
    >>> round(compute("js", Uniform(0, 1), Uniform(2, 3)), 6)  # disjoint: log 2
    0.693147
    """
    return evaluate(name, p, q, method, **kwargs).value


def _shared_grid(p: Any, q: Any) -> Any:
    if isinstance(p, Distribution) and isinstance(q, Distribution) and p.dim == q.dim and p.on_grid:
        try:
            return make_grid(p, q)
        except ValueError:  # unresolvable on a grid: each entry says so (or uses its closed form)
            return None
    return None


def compute_all(
    p: Any,
    q: Any,
    which: list[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    base: float | None = None,
) -> dict[str, DivergenceValue]:
    """Every divergence in ``which`` (default: all) for one pair, sharing one quadrature grid.

    ``params`` maps a divergence name to its parameters, e.g. ``{"alpha": {"alpha": 0.3}}``.
    This is what the calculator app calls on every slider move.
    """
    which = list(which) if which is not None else names()
    params = params or {}
    grid = _shared_grid(p, q)
    return {n: evaluate(n, p, q, base=base, _grid=grid, **dict(params.get(n, {}))) for n in which}


def compute_both(
    p: Any,
    q: Any,
    which: list[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    base: float | None = None,
) -> dict[str, tuple[DivergenceValue, DivergenceValue | None]]:
    """``{name: (D(p‖q), D(q‖p))}`` sharing one grid; the second is ``None`` for symmetric ones."""
    which = list(which) if which is not None else names()
    params = params or {}
    grid = _shared_grid(p, q)
    out: dict[str, tuple[DivergenceValue, DivergenceValue | None]] = {}
    for n in which:
        kw = dict(params.get(n, {}))
        fwd = evaluate(n, p, q, base=base, _grid=grid, **kw)
        rev = None
        if not get(n).symmetric:
            rev = evaluate(n, q, p, base=base, _grid=None if grid is None else grid.swapped(), **kw)
        out[n] = (fwd, rev)
    return out
