r"""The registry of mutual-information estimators, and :func:`mutual_information` / :func:`entropy`.

Every entry knows its reference, its parameters (:class:`explorer.params.Param`), its string
options (``choices``, first is the default), which data it accepts and what kind of number it
returns (an estimate, an upper or a lower bound, with a ceiling where one exists). Values are in
nats unless ``base`` is given. A discrete variable is one with an integer or boolean dtype (or
``x_discrete=True``): its rows are category labels.

Examples
--------
>>> import numpy as np
>>> from explorer import information as info
>>> rng = np.random.default_rng(0)
>>> x = rng.standard_normal(2000); y = 0.8 * x + 0.6 * rng.standard_normal(2000)
>>> round(float(-0.5 * np.log(1 - 0.8**2)), 3)   # the true MI (rho = 0.8)
0.511
>>> round(float(info.mutual_information(x, y, "gaussian")), 2)
0.51
>>> info.mutual_information(x, y, "ksg", k=3).method
'ksg'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.information import _gaussian, _kde, _knn, _lossy, _neural, _plugin
from explorer.information._data import Variable, as_variable, check_pair
from explorer.params import Param, ParamSet

__all__ = ["REGISTRY", "InfoValue", "MIEstimator", "entropy", "get", "mutual_information", "names",
           "register"]


@dataclass(frozen=True)
class InfoValue:
    """An information quantity and exactly what it is.

    Attributes
    ----------
    quantity : str
        ``"I(X;Y)"`` or ``"H(X)"``.
    method, label : str
        Registry name and display label of the estimator.
    value : float
        In ``units``; may be ``±inf`` (the note says why), never NaN.
    units : str
        ``"nats"``, ``"bits"`` or ``"log base b"``.
    kind : str
        ``"estimate"``, ``"upper bound"`` or ``"lower bound"``.
    note : str
        What the number is where it is not the plain estimate (ceilings, differential entropy,
        a discretised variable, samples left out...).
    params : dict
        Parameters and options used.
    n : int
        Number of samples.
    """

    quantity: str
    method: str
    label: str
    value: float
    units: str
    kind: str = "estimate"
    note: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    n: int = 0

    def __float__(self) -> float:
        return self.value


MIFn = Callable[[Variable, Variable, dict, np.random.Generator], tuple[float, str]]
EntropyFn = Callable[[Variable, dict, np.random.Generator], tuple[float, str]]


@dataclass(frozen=True)
class MIEstimator:
    """A registry entry: the estimator and everything the UI, docs and tests need to know.

    Attributes
    ----------
    name, label : str
        Registry key and display label.
    mi : callable
        ``mi(x, y, params, rng) -> (value in nats, note)`` on checked :class:`Variable` s.
    entropy : callable or None
        ``entropy(x, params, rng) -> (value in nats, note)`` where the method gives one.
    formula, description, reference : str
        What is computed, in words and symbols, and where it comes from.
    params : ParamSet
        Numeric parameters.
    choices : mapping of str to tuple of str
        String options (first is the default).
    accepts : tuple of str
        ``"continuous"``, ``"discrete"``, ``"mixed"`` (one of each).
    discretizes : bool
        Works on discretised values (bins): a deterministic layer of distinct inputs has a finite
        ``I(X;T) = H(T)``; continuous estimators need noise to make it finite.
    noise_param : str
        Name of the parameter holding a noise variance it adds itself (``""``: none).
    kind : str
        ``"estimate"``, ``"upper bound"`` or ``"lower bound"``.
    ceiling : callable or None
        ``ceiling(n, params)``: a value the estimate can never exceed (log n bounds).
    uses_torch, randomized : bool
        Needs torch (slow import, training); depends on ``seed``.
    """

    name: str
    label: str
    mi: MIFn
    formula: str
    description: str
    reference: str
    entropy: EntropyFn | None = None
    params: ParamSet = field(default_factory=ParamSet)
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    accepts: tuple[str, ...] = ("continuous", "discrete", "mixed")
    discretizes: bool = False
    noise_param: str = ""
    kind: str = "estimate"
    ceiling: Callable[[int, Mapping[str, Any]], float] | None = None
    uses_torch: bool = False
    randomized: bool = False

    def resolve(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Parameters and options with defaults filled in, each checked (``ValueError`` naming it)."""
        numeric = {k: v for k, v in given.items() if k not in self.choices}
        out: dict[str, Any] = self.params.resolve(numeric, owner=self.name)
        for key, options in self.choices.items():
            value = given.get(key, options[0])
            if value not in options:
                raise ValueError(f"option {key!r} of {self.name!r} must be one of {options}, got {value!r}")
            out[key] = value
        return out


REGISTRY: dict[str, MIEstimator] = {}


def register(entry: MIEstimator) -> MIEstimator:
    """Add ``entry`` to the registry (the UI, docs and tests pick it up from there)."""
    if entry.name in REGISTRY:
        raise ValueError(f"MI estimator {entry.name!r} is already registered")
    REGISTRY[entry.name] = entry
    return entry


def names() -> list[str]:
    """Names of the registered MI estimators, in registration order."""
    return list(REGISTRY)


def get(name: str) -> MIEstimator:
    """The entry called ``name`` (``ValueError`` listing the valid names otherwise)."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown MI estimator {name!r}; choose one of: {', '.join(REGISTRY)}") from None


def _units(base: float | None) -> tuple[float, str]:
    if base is None:
        return 1.0, "nats"
    if isinstance(base, bool) or not isinstance(base, int | float) or not base > 0 or base == 1 \
            or not math.isfinite(base):
        raise ValueError(f"base must be a positive number other than 1, got {base!r}")
    return math.log(base), ("bits" if base == 2 else f"log base {base:g}")


def mutual_information(x: Any, y: Any, method: str = "ksg", *, base: float | None = None,
                       x_discrete: bool | None = None, y_discrete: bool | None = None, seed: int = 0,
                       **params: Any) -> InfoValue:
    r"""Estimate :math:`I(X;Y) = E\log\frac{p(x,y)}{p(x)p(y)}` from paired samples.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, dx)
        Samples of X (rows are observations). Integer/bool dtype: discrete categories.
    y : array_like, shape (n,) or (n, dy)
        Samples of Y, paired with ``x``.
    method : str
        A registry name (:func:`names`): ``binning``, ``adaptive``, ``kde``, ``ksg``,
        ``gaussian``, ``lossy``, ``neural``.
    base : float, optional
        Logarithm base (2 for bits); default nats.
    x_discrete, y_discrete : bool, optional
        Override the dtype rule for what is discrete.
    seed : int
        Seed of the randomness the method uses (tie-breaking jitter, training).
    **params
        The method's parameters and options (``get(method).params`` / ``.choices``).

    Returns
    -------
    InfoValue
        ``float(result)`` is the value.

    Raises
    ------
    ValueError
        Unknown method or parameter, mismatched lengths, NaN/inf, a constant variable.
    """
    entry = get(method)
    scale, units = _units(base)
    resolved = entry.resolve(params)
    xv = as_variable(x, "x", x_discrete)
    yv = as_variable(y, "y", y_discrete)
    check_pair(xv, yv)
    value, note = entry.mi(xv, yv, resolved, np.random.default_rng(seed))
    if math.isnan(value):  # pragma: no cover - estimators return numbers or ±inf with a note
        raise RuntimeError(f"{method} returned NaN")
    ceil = math.inf if entry.ceiling is None else entry.ceiling(xv.n, resolved)
    if math.isfinite(ceil):
        note = "; ".join(s for s in (note, f"cannot exceed {ceil / scale:.4g} {units} (log of the "
                                     "batch size)") if s)
    return InfoValue("I(X;Y)", entry.name, entry.label, value / scale, units, entry.kind, note,
                     dict(resolved), xv.n)


def entropy(x: Any, method: str = "ksg", *, base: float | None = None, discrete: bool | None = None,
            seed: int = 0, **params: Any) -> InfoValue:
    r"""Estimate the entropy of X with the method's own entropy estimator.

    Discrete (or discretised) variables get the plug-in Shannon entropy
    :math:`-\sum p\log p`; continuous ones a differential entropy (``ksg``: Kozachenko–Leonenko,
    ``kde``: the Kolchinsky–Tracey bound on :math:`h(X+\varepsilon)`, ``gaussian``: the closed
    form at the sample covariance). ``ValueError`` for methods without one (``neural``,
    ``lossy``).
    """
    entry = get(method)
    if entry.entropy is None:
        with_h = [n for n, e in REGISTRY.items() if e.entropy is not None]
        raise ValueError(f"method {method!r} gives no entropy; use one of: {', '.join(with_h)}")
    scale, units = _units(base)
    resolved = entry.resolve(params)
    xv = as_variable(x, "x", discrete)
    value, note = entry.entropy(xv, resolved, np.random.default_rng(seed))
    return InfoValue("H(X)", entry.name, entry.label, value / scale, units, entry.kind, note,
                     dict(resolved), xv.n)


def _swap(fn: MIFn) -> MIFn:
    """Mixed pairs in the order (continuous, discrete)."""
    def wrapped(x: Variable, y: Variable, p: dict, rng: np.random.Generator) -> tuple[float, str]:
        if x.discrete and not y.discrete:
            return fn(y, x, p, rng)
        return fn(x, y, p, rng)
    return wrapped


def _bins_mi(adaptive: bool) -> MIFn:
    def mi(x: Variable, y: Variable, p: dict, rng: np.random.Generator) -> tuple[float, str]:
        cx, cy = _plugin.codes_of(x, p["bins"], adaptive), _plugin.codes_of(y, p["bins"], adaptive)
        return _plugin.mi_codes(cx, cy), "of the discretised variables (≤ log n)"
    return mi


def _bins_entropy(adaptive: bool) -> EntropyFn:
    def h(x: Variable, p: dict, rng: np.random.Generator) -> tuple[float, str]:
        note = "" if x.discrete else "Shannon entropy of the binned variable (not a differential entropy)"
        return _plugin.entropy_codes(_plugin.codes_of(x, p["bins"], adaptive)), note
    return h


_BINS = Param("bins", 30, low=2, high=100000, integer=True, slider=(2, 100),
              doc="number of bins (per neuron)")

register(MIEstimator(
    name="binning", label="Fixed-width binning", mi=_bins_mi(False), entropy=_bins_entropy(False),
    formula="Î = Ĥ(X_b) + Ĥ(Y_b) − Ĥ(X_b, Y_b), every coordinate binned on one equal-width grid over "
            "the variable's [min, max]",
    description="Plug-in MI of the binned variables: the estimator of Shwartz-Ziv & Tishby. For a "
                "deterministic layer of distinct inputs I(X;T) = H(T_b) ≤ log n, and the value depends "
                "on the bin count.",
    reference="Shwartz-Ziv & Tishby (2017), Opening the black box of deep neural networks via "
              "information, arXiv:1703.00810",
    params=ParamSet([_BINS]), discretizes=True,
))


register(MIEstimator(
    name="adaptive", label="Adaptive (equal-mass) binning", mi=_bins_mi(True), entropy=_bins_entropy(True),
    formula="Î = Ĥ(X_b) + Ĥ(Y_b) − Ĥ(X_b, Y_b), each coordinate binned at its own j/bins quantiles",
    description="Plug-in MI with bins holding equal numbers of samples per neuron, so a saturated "
                "(tanh) or sparse (ReLU) neuron is not read as compressed.",
    reference="Chelombiev, Houghton & O'Donnell (2019), Adaptive estimators show information "
              "compression in deep neural networks, ICLR",
    params=ParamSet([_BINS]), discretizes=True,
))


def _ksg_mi(x: Variable, y: Variable, p: dict, rng: np.random.Generator) -> tuple[float, str]:
    k = p["k"]
    if x.discrete and y.discrete:
        return _plugin.mi_codes(x.codes, y.codes), "both variables discrete: plug-in MI"
    if y.discrete:
        value, used = _knn.ross(x.values, y.codes, k, rng)
        note = "continuous-discrete pair: Ross (2014) estimator"
        if used < x.n:
            note += f"; {x.n - used} samples in single-member classes left out"
        return value, note
    return _knn.ksg(x.values, y.values, k, rng), ""


def _ksg_entropy(x: Variable, p: dict, rng: np.random.Generator) -> tuple[float, str]:
    if x.discrete:
        return _plugin.entropy_codes(x.codes), "discrete: plug-in Shannon entropy"
    return _knn.kl_entropy(x.values, p["k"], rng), "Kozachenko–Leonenko differential entropy"


register(MIEstimator(
    name="ksg", label="KSG k-nearest neighbours", mi=_swap(_ksg_mi), entropy=_ksg_entropy,
    formula="Î = ψ(k) + ψ(n) − ⟨ψ(n_x + 1) + ψ(n_y + 1)⟩ (max-norm k-NN in the joint space)",
    description="Kraskov–Stögbauer–Grassberger estimator 1 on k-d trees (no O(n²) memory); nearly "
                "unbiased in low dimension, biased down as the MI or the dimension grows. "
                "Coordinates are standardised. A discrete partner uses Ross's estimator.",
    reference="Kraskov, Stögbauer & Grassberger (2004), Phys. Rev. E 69:066138; Ross (2014), "
              "PLoS ONE 9:e87357; Kozachenko & Leonenko (1987)",
    params=ParamSet([Param("k", 3, low=1, high=1000, integer=True, slider=(1, 20),
                           doc="number of neighbours")]),
    randomized=True,
))


def _kt_conditional(a: np.ndarray, codes: np.ndarray, var: float) -> float:
    """Σ_c p(c) Ĥ_KL(A + ε | C = c)."""
    total, n = 0.0, a.shape[0]
    if int(codes.max()) + 1 == n:  # every sample its own class: each term is the noise entropy
        return _kde.noise_entropy(a.shape[1], var)
    for c in np.unique(codes):
        sub = a[codes == c]
        total += sub.shape[0] / n * _kde.kt_entropy(sub, var)
    return total


def _kde_mi(x: Variable, y: Variable, p: dict, rng: np.random.Generator) -> tuple[float, str]:
    var = p["noise_variance"]
    if x.discrete and y.discrete:
        return _plugin.mi_codes(x.codes, y.codes), "both variables discrete: plug-in MI"
    if y.discrete:
        h = _kde.kt_entropy(x.values, var)
        return h - _kt_conditional(x.values, y.codes, var), \
            "I(X+ε;Y) = Ĥ_KL(X+ε) − Σ p(y) Ĥ_KL(X+ε|y) (Saxe et al.)"
    hx, hy = _kde.kt_entropy(x.values, var), _kde.kt_entropy(y.values, var)
    hxy = _kde.kt_entropy(np.hstack([x.values, y.values]), var)
    return hx + hy - hxy, "both continuous: Ĥ_KL(X+ε) + Ĥ_KL(Y+ε) − Ĥ_KL(X+ε, Y+ε), a difference of bounds"


def _kde_entropy(x: Variable, p: dict, rng: np.random.Generator) -> tuple[float, str]:
    if x.discrete:
        return _plugin.entropy_codes(x.codes), "discrete: plug-in Shannon entropy"
    return _kde.kt_entropy(x.values, p["noise_variance"]), \
        "Kolchinsky–Tracey upper bound on the differential entropy of X + N(0, σ²I)"


register(MIEstimator(
    name="kde", label="KDE pairwise-distance bound", mi=_swap(_kde_mi), entropy=_kde_entropy,
    formula="Ĥ_KL(T+ε) = d/2·log(2πeσ²) − (1/n)Σ_i log (1/n)Σ_j exp(−|t_i − t_j|²/2σ²)",
    description="Kolchinsky–Tracey upper bound on the entropy of the sample plus Gaussian noise of "
                "variance σ², as used by Saxe et al. on deterministic layers; MI as a difference of "
                "such bounds. The value depends on σ²; O(n²) time, O(n) memory per row block.",
    reference="Kolchinsky & Tracey (2017), Entropy 19:361; Saxe et al. (2018), On the information "
              "bottleneck theory of deep learning, ICLR",
    params=ParamSet([Param("noise_variance", 0.1, low=0.0, low_open=True, unit=2, log=True,
                           slider=(1e-4, 10.0), label="noise σ²",
                           doc="variance σ² of the Gaussian noise added to each coordinate")]),
    noise_param="noise_variance", kind="upper bound",
))


def _dense(v: Variable) -> tuple[np.ndarray, str]:
    if v.discrete:
        return _neural.one_hot(v.codes, v.n_categories)[:, :-1], f"{v.name} one-hot encoded"
    return v.values, ""


def _gaussian_mi(x: Variable, y: Variable, p: dict, rng: np.random.Generator) -> tuple[float, str]:
    (xa, nx), (ya, ny) = _dense(x), _dense(y)
    value, note = _gaussian.gaussian_mi(xa, ya)
    return value, "; ".join(s for s in (note, nx, ny) if s)


def _gaussian_entropy(x: Variable, p: dict, rng: np.random.Generator) -> tuple[float, str]:
    if x.discrete:
        return _plugin.entropy_codes(x.codes), "discrete: plug-in Shannon entropy"
    return _gaussian.gaussian_entropy(x.values)


register(MIEstimator(
    name="gaussian", label="Gaussian (covariance)", mi=_gaussian_mi, entropy=_gaussian_entropy,
    formula="Î = ½ log(det Σ_X det Σ_Y / det Σ) = −½ Σ_i log(1 − ρ_i²), ρ_i canonical correlations",
    description="Closed form for jointly Gaussian data at the sample covariance; for other laws, the "
                "MI of the Gaussian with the same covariance (not invariant under non-linear maps).",
    reference="Cover & Thomas (2006), Elements of Information Theory, §8.5; Hotelling (1936)",
))


def _lossy_mi(x: Variable, y: Variable, p: dict, rng: np.random.Generator) -> tuple[float, str]:
    base = get(p["estimator"])
    seed = int(rng.integers(2**31))
    notes = []

    def compress(v: Variable) -> Variable:
        if v.discrete or v.dim <= p["dims"]:
            return v
        if p["compressor"] == "pca":
            codes = _lossy.pca_codes(v.values, p["dims"])
        else:
            codes = _lossy.autoencoder_codes(v.values, p["dims"], p["ae_steps"], seed)
        notes.append(f"{v.name}: {v.dim} → {p['dims']} dims by {p['compressor']}")
        return Variable(v.name, codes, False)

    value, note = base.mi(compress(x), compress(y), base.resolve({}), rng)
    return value, "; ".join([*notes, f"then {base.name}", *([note] if note else [])])


register(MIEstimator(
    name="lossy", label="Lossy compression, then estimate", mi=_lossy_mi,
    formula="Î(X;Y) = Î_base(C_X(X); C_Y(Y)), C = PCA or autoencoder to `dims` dimensions",
    description="Compress each continuous variable of more than `dims` dimensions (PCA or a small "
                "autoencoder), then estimate with a base method at its defaults. A lower bound "
                "by data processing, tight when the dependence survives the compression.",
    reference="Butakov et al. (2024), Information bottleneck analysis of deep neural networks via "
              "lossy compression, ICLR",
    params=ParamSet([
        Param("dims", 2, low=1, high=1000, integer=True, slider=(1, 16), doc="dimensions kept"),
        Param("ae_steps", 300, low=1, high=100000, integer=True, slider=(50, 2000),
              doc="autoencoder training steps"),
    ]),
    choices={"compressor": ("pca", "autoencoder"),
             "estimator": ("ksg", "gaussian", "kde", "binning", "adaptive")},
    randomized=True,
))


def _neural_mi(x: Variable, y: Variable, p: dict, rng: np.random.Generator) -> tuple[float, str]:
    xa = _neural.one_hot(x.codes, x.n_categories) if x.discrete else x.values
    ya = _neural.one_hot(y.codes, y.n_categories) if y.discrete else y.values
    n_eval = _neural.eval_size(x.n, p["holdout"])
    value = _neural.neural_bound(xa, ya, p["bound"], p["steps"], p["batch"], p["hidden"], p["lr"],
                                 int(rng.integers(2**31)), holdout=p["holdout"])
    where = (f"evaluated on {n_eval} held-out pairs" if n_eval < x.n
             else "evaluated on its training pairs (holdout = 0: optimistic)")
    return value, f"{p['bound']} lower bound with a separable critic, {where}"


def _neural_ceiling(n: int, p: Mapping[str, Any]) -> float:
    """log of the evaluation batch for InfoNCE (``inf`` for NWJ)."""
    if p["bound"] != "infonce":
        return math.inf
    return math.log(min(_neural.eval_size(n, p["holdout"]), p["batch"]))


register(MIEstimator(
    name="neural", label="Neural bound (InfoNCE / NWJ)", mi=_neural_mi,
    formula="InfoNCE: Î = E[f(x_i,y_i) − log (1/B)Σ_j e^{f(x_i,y_j)}] ≤ log B;  "
            "NWJ: E_p[f] − e^{−1}E_{p_x p_y}[e^f]",
    description="Variational lower bound maximised over a separable MLP critic f(x,y) = g(x)·h(y) "
                "(torch), trained on part of the sample and evaluated on the held-out rest. InfoNCE "
                "cannot exceed log B (B = evaluation batch size): a high MI saturates there; "
                "NWJ has no ceiling but its variance grows like e^I.",
    reference="van den Oord, Li & Vinyals (2018), arXiv:1807.03748; Nguyen, Wainwright & Jordan "
              "(2010), IEEE Trans. Inf. Theory 56:5847; Poole et al. (2019), On variational bounds "
              "of mutual information, ICML; Belghazi et al. (2018), MINE, ICML",
    params=ParamSet([
        Param("steps", 600, low=1, high=100000, integer=True, slider=(50, 5000), doc="Adam steps"),
        Param("batch", 256, low=2, high=100000, integer=True, slider=(16, 1024), doc="batch size B"),
        Param("hidden", 64, low=1, high=4096, integer=True, slider=(8, 256), doc="hidden units"),
        Param("lr", 1e-3, low=0.0, low_open=True, high=1.0, log=True, slider=(1e-4, 1e-1),
              doc="learning rate"),
        Param("holdout", 0.5, low=0.0, high=0.9, slider=(0.0, 0.9),
              doc="fraction of the pairs kept out of training to evaluate the bound on (0: the "
                  "training pairs, optimistic)"),
    ]),
    choices={"bound": ("infonce", "nwj")},
    kind="lower bound", ceiling=lambda n, p: _neural_ceiling(n, p), uses_torch=True, randomized=True,
))
