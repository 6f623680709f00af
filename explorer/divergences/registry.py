r"""The registry's data model: one :class:`Divergence` entry per divergence, and its lookup.

An entry holds the mathematics (formula, generator, parameters) and *capability fields* that say
what can be done with it, so callers ask the entry instead of comparing names:

* how a value is computed: ``closed_form``, ``measure`` (any :class:`~explorer.estimators.
  interface.Measure`: grid, probability vectors, importance sample), ``grid``/``categorical``
  (where positions matter), ``samples`` (a :class:`~explorer.estimators.interface.SampleEstimator`);
* ``needs_positions``: the value depends on where mass sits (optimal transport, kernels), not only
  on the density ratio, so it needs numeric values of the outcomes;
* ``upper_bound``: the largest value it can take (``inf`` if unbounded);
* ``weight``: log h(r), the gradient weight of an f-divergence;
* ``fit``: a :class:`FitSupport` saying how :mod:`explorer.fitting` can minimise it.

Parameters are :class:`explorer.params.Param` (the package's one parameter type).
:meth:`Divergence.split_params` separates divergence parameters (``alpha``, ``bandwidth``) from
sample-estimator parameters (``k``, ``window``) for every caller.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from explorer.params import ParamSet, resolve

__all__ = ["BALANCED", "COVERING", "REGISTRY", "SEEKING", "Divergence", "DivergenceValue", "FitSupport",
           "get", "names", "register"]

SEEKING, COVERING, BALANCED = "mode-seeking", "mode-covering", "balanced"
_NO_PARAMS = ParamSet()


@dataclass(frozen=True)
class FitSupport:
    """How :func:`explorer.fitting.fit` can minimise a divergence over a model q.

    The paths, in the order fitting tries them:

    ``likelihood``
        With only samples of p, minimising D(p̂‖q) over q is maximising Σ log q(xᵢ)
        (forward KL): no density of p is needed.
    ``kernel``
        ``kernel(a, b, **params)`` is the kernel mean inner product ⟨μ_a, μ_b⟩ of two Gaussian
        mixtures ``(w, m, S)`` (torch, batched); D = ⟨μ_p,μ_p⟩ − 2⟨μ_p,μ_q⟩ + ⟨μ_q,μ_q⟩ exactly.
    quadrature
        The entry's ``measure`` on a batched torch grid (no field: any entry with a ``measure``).
    ``sample_objective``
        A factory called once per fit, returning ``objective(xp, wp, xq, wq, **params)``
        between weighted samples of p and of the models (see :mod:`explorer.ot.objectives`);
        the object may keep state across the steps of that one fit. ``n_samples_1d`` and
        ``n_samples_2d`` are how many samples of p (and of each model component) it uses by
        default (the cost of exact OT and Sinkhorn grows as n² per restart and step).
    ``landscape``
        Whether a loss landscape (thousands of objective evaluations) is cheap enough to draw.
    ``moments``
        The minimiser over the Gaussian family (an exponential family) is known exactly: the
        Gaussian with p's mean and covariance (forward KL: moment projection, Bishop 2006,
        "Pattern Recognition and Machine Learning", §10.7); the fit then reports it instead of
        the optimiser's end point.
    """

    likelihood: bool = False
    kernel: Callable[..., Any] | None = None
    sample_objective: Callable[[], Callable[..., Any]] | None = None
    n_samples_1d: int = 256
    n_samples_2d: int = 128
    landscape: bool = True
    moments: bool = False

    @property
    def from_samples(self) -> bool:
        """True if fitting needs no density of p (only its samples)."""
        return self.likelihood or self.sample_objective is not None


@dataclass(frozen=True)
class Divergence:
    """One registry entry: the divergence, what is known about it, and how to compute it.

    ``measure(m, **params)`` works on any measure (``lp``, ``lq``, ``integrate``,
    ``integrate_log``: a quadrature grid, a pair of probability vectors, an importance sample,
    the batched torch grid of fitting); ``grid``/``categorical`` replace it where positions
    matter (Wasserstein, MMD, energy, Sinkhorn). ``closed_form(p, q, **params)`` returns a float
    or ``None`` if the pair has no closed form; ``samples(x, y, rng, **params)`` is the sample
    estimator, described by ``sample_estimator`` and tuned by ``estimator_params``.
    ``integrand(lp, lq, **params)`` is the log-space integrand q·f(p/q) of an f-divergence and
    ``weight(log_r, **params)`` its gradient weight ``log h(r)``, ``h(r) = r² f''(r)`` (f-distill).
    ``short_name`` names the entry next to its parameter's symbol where the label already holds
    that symbol ('ε (Sinkhorn)', not 'ε (S_ε)'); ``max_interactive_samples`` caps the sample
    sizes an interactive study of the sample estimator uses (O(n²) per iteration for Sinkhorn);
    ``max_summary_atoms`` the number of atoms above which a summary over every entry (the
    distillation metrics' default) leaves this one out (asked for by name, it is still computed).
    """

    name: str
    label: str
    formula: str
    description: str
    reference: str
    symmetric: bool
    metric: bool
    sqrt_metric: bool
    f_divergence: bool
    behaviour: str | Callable[[Mapping[str, float]], str]
    units: str = "nats"
    log_based: bool = True
    upper_bound: float = math.inf
    upper_bound_text: str = ""
    needs_positions: bool = False
    generator: Callable[..., Any] | None = None
    generator_text: str = ""
    params: ParamSet = _NO_PARAMS
    measure: Callable[..., Any] | None = None
    integrand: Callable[..., Any] | None = None
    grid: Callable[..., float] | None = None
    categorical: Callable[..., float] | None = None
    closed_form: Callable[..., float | None] | None = None
    samples: Callable[..., float] | None = None
    sample_estimator: str = ""
    estimator_params: ParamSet = _NO_PARAMS
    weight: Callable[..., Any] | None = None
    fit: FitSupport = FitSupport()
    short_name: str = ""
    max_interactive_samples: int | None = None
    max_summary_atoms: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", ParamSet(self.params))
        object.__setattr__(self, "estimator_params", ParamSet(self.estimator_params))
        if self.needs_positions and self.measure is not None:
            raise ValueError(f"{self.name!r}: an entry that needs positions has no ratio-only measure")
        if math.isfinite(self.upper_bound) != bool(self.upper_bound_text):
            raise ValueError(f"{self.name!r}: give upper_bound and upper_bound_text together")

    @property
    def has_closed_form(self) -> bool:
        return self.closed_form is not None

    @property
    def has_quadrature(self) -> bool:
        """True if densities can be integrated (1-D/2-D grids; exact sums for categoricals)."""
        return self.grid is not None or self.measure is not None

    @property
    def has_sample_estimator(self) -> bool:
        return self.samples is not None

    def split_params(self, given: Mapping[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
        """``(divergence params with defaults, estimator params as given)``, each value checked.

        Unknown names raise a ``ValueError`` listing the valid ones. Estimator parameters keep only
        the given ones: an estimator's own default may be data-driven (Silverman's window).
        """
        checked = resolve((*self.params, *self.estimator_params), given, owner=self.name)
        dparams = {p.name: checked[p.name] for p in self.params}
        eparams = {p.name: checked[p.name] for p in self.estimator_params if p.name in given}
        return dparams, eparams

    def resolve_params(self, given: Mapping[str, Any]) -> dict[str, float]:
        """Divergence parameters with their defaults, plus the given estimator parameters."""
        dparams, eparams = self.split_params(given)
        return {**dparams, **eparams}

    def behaviour_for(self, params: Mapping[str, float] | None = None) -> str:
        """'mode-seeking', 'mode-covering' or 'balanced' (when fitting q to a target p)."""
        if callable(self.behaviour):
            return self.behaviour(self.resolve_params(params or {}))
        return self.behaviour

    def direction(self, p_name: str = "p", q_name: str = "q") -> str:
        sep = ", " if self.symmetric else "‖"
        return f"{self.label}({p_name}{sep}{q_name})"


@dataclass(frozen=True)
class DivergenceValue:
    """The result of :func:`~explorer.divergences.evaluate`: the number and exactly what it is."""

    name: str
    label: str
    value: float
    units: str
    method: str
    note: str = ""
    params: Mapping[str, float] = field(default_factory=dict)

    @property
    def is_infinite(self) -> bool:
        return math.isinf(self.value)

    def __float__(self) -> float:
        return self.value


REGISTRY: dict[str, Divergence] = {}


def register(div: Divergence) -> Divergence:
    """Add ``div`` to the registry (the UI, tests and docs pick it up from there)."""
    if div.name in REGISTRY:
        raise ValueError(f"divergence {div.name!r} is already registered")
    REGISTRY[div.name] = div
    return div


def names() -> list[str]:
    """Names of all registered divergences, in registration order."""
    return list(REGISTRY)


def get(name: str) -> Divergence:
    """The registry entry called ``name`` (``ValueError`` listing the valid names otherwise)."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown divergence {name!r}; choose one of: {', '.join(REGISTRY)}") from None
