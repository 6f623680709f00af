r"""How many samples do I need? Repeated-sampling studies of the registered sample estimators.

:func:`study` draws ``reps`` independent sample pairs :math:`x_{1..n} \sim p`,
:math:`y_{1..n} \sim q` for each sample size ``n``, runs the divergence's registered sample
estimator (see :mod:`explorer.divergences`) on every pair and compares the estimates with the
exact value of :func:`explorer.divergences.evaluate` (closed form or quadrature). The
:class:`StudyResult` gives, per ``n``, the mean, standard deviation, bias, RMSE, relative
error and quantiles of the estimates, and :meth:`StudyResult.n_needed` answers the question
directly.

Known behaviour of the estimators
---------------------------------
k-NN KL (``kl``, ``reverse_kl``, ``jeffreys``)
    Wang, Kulkarni & Verdú (2009), IEEE Trans. Inf. Theory 55(5):2392–2405,
    :math:`\hat D = \frac{d}{n}\sum_i \log\frac{\nu_k(i)}{\rho_k(i)} + \log\frac{m}{n-1}`.
    Consistent (asymptotically unbiased, variance :math:`O(1/n)`) for fixed ``k`` as
    :math:`n, m \to \infty`, but biased at small ``n``: the estimator assumes the densities are
    constant over each k-NN ball, and these balls are large at small ``n`` - more so in higher
    dimension ``d``, where the bias can dominate the RMSE for thousands of samples. The
    sign and size of the bias depend on the pair: it is worst where the log density ratio
    is steep, e.g. when the first argument has heavier tails than the second. For
    KL(N(1, 1.5²)‖N(0, 1)) = 0.72 the mean estimate is about −30% off at n = 500 and still
    −5% at n = 10⁵, while KL(N(0, 1)‖N(1, 1.5²)) is within 3% at n = 500 and
    KL(N(0, 1)‖N(1, 1)) about −6% (k = 5, 1-D). Needs ``n > k``.
Unbiased MMD² (``mmd``)
    The U-statistic of Gretton et al. (2012), JMLR 13:723–773, eq. 3:
    :math:`E[\widehat{\mathrm{MMD}}^2_u] = \mathrm{MMD}^2` exactly at every ``n ≥ 2``; its
    standard deviation falls as :math:`n^{-1/2}` when :math:`p \ne q` (:math:`n^{-1}` when
    :math:`p = q`). Being unbiased it can be negative, and is not clipped.
Energy distance (``energy``)
    The unbiased U-statistic of Székely & Rizzo (2013), J. Stat. Plan. Inference 143:1249–1272
    (MMD with the distance kernel): unbiased, can be negative, RMSE :math:`\propto n^{-1/2}`.
Wasserstein W₁ / W₂ (``w1``, ``w2``)
    Plug-in: exact optimal transport between the two empirical measures (sorting in 1-D, POT's
    network simplex in d-D). Biased upward: the OT cost :math:`W_p^p` is jointly convex in the
    two marginals and :math:`E\hat p_n = p`, so by Jensen :math:`E\,W_p^p(\hat p_n, \hat q_n) \ge
    W_p^p(p, q)`. The bias decays like :math:`E\,W_p(\hat p_n, p)`, i.e. at rate
    :math:`n^{-1/d}` for ``d ≥ 3`` (:math:`n^{-1/2}` in 1-D, :math:`n^{-1/2}\log n` in 2-D for
    W₁; Dudley 1969; Fournier & Guillin 2015, Probab. Theory Relat. Fields 162:707–738): the
    curse of dimensionality of optimal transport. d-D exact OT costs :math:`O(n^3)`.
Debiased Sinkhorn divergence (``sinkhorn``)
    Plug-in :math:`S_ε(\hat p_n, \hat q_n) = OT_ε(\hat p,\hat q) - \frac12 OT_ε(\hat p,\hat p) -
    \frac12 OT_ε(\hat q,\hat q)` (Feydy et al. 2019, AISTATS). The self-transport terms remove
    the entropic bias (:math:`S_ε(p, p) = 0`), and the sample complexity is :math:`n^{-1/2}` in
    any dimension with a constant growing like :math:`ε^{-d/2}` (Genevay, Chizat, Bach, Cuturi &
    Peyré 2019, AISTATS); at finite ``n`` the estimate is still biased upward (it is clipped at
    0 and positive when :math:`p = q`). Each estimate solves three entropic OT problems:
    seconds per estimate beyond ``n ≈ 1000``.
Parzen Cauchy–Schwarz (``cs``)
    Principe (2010), Information Theoretic Learning, ch. 2: plug-in of Gaussian-window density
    estimates. With a fixed window σ it converges to the CS divergence of the *smoothed*
    densities :math:`p * N(0, σ^2)`, :math:`q * N(0, σ^2)`, not of ``p`` and ``q``; with the
    default Silverman window (σ ∝ n^{-1/5}) it is consistent but with a smoothing bias
    :math:`O(σ^2)` and the self-pair terms of the V-statistics :math:`\hat V(x, x)`,
    :math:`\hat V(y, y)`.

Examples
--------
>>> from explorer.distributions import Gaussian
>>> res = study("mmd", Gaussian(0, 1), Gaussian(1, 1.5), ns=(50, 200), reps=10, seed=1)
>>> res.estimates.shape
(10, 2)
>>> bool(res.rmse[1] < res.rmse[0])
True
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer import divergences as dv
from explorer.distributions import Categorical, Distribution, Gaussian, Mixture
from explorer.estimators import samples as sampling

__all__ = ["DEFAULT_NS", "STUDY_PAIRS", "StudyResult", "min_sample_size", "study"]

DEFAULT_NS: tuple[int, ...] = (50, 100, 200, 500, 1000)

#: Named pairs ``(p, q, params)`` with exact reference values, for the UI. ``params`` maps a
#: divergence name to its parameters; use ``study(name, p, q, **params.get(name, {}))``.
STUDY_PAIRS: dict[str, tuple[Any, Any, dict[str, dict[str, float]]]] = {
    # every registered estimator has a closed form here
    "N(0,1) vs N(1,1.5)": (
        Gaussian(0.0, 1.0),
        Gaussian(1.0, 1.5),
        {"mmd": {"bandwidth": 1.0}, "sinkhorn": {"epsilon": 0.5}},
    ),
    # closed forms for KL (both ways), Jeffreys, W₂, MMD², CS and Sinkhorn; W₁ and energy have
    # no exact 2-D value (evaluate() would itself sample - study() warns)
    "2-D correlated vs isotropic Gaussian": (
        Gaussian(mean=[0.0, 0.0], cov=[[1.0, 0.6], [0.6, 1.0]]),
        Gaussian(mean=[1.0, 0.0], cov=[[1.5, 0.0], [0.0, 1.5]]),
        {"mmd": {"bandwidth": 1.0}, "sinkhorn": {"epsilon": 0.5}},
    ),
    # closed forms for MMD², CS and energy (Gaussian mixtures); quadrature for the others
    "bimodal mixture vs N(0,2)": (
        Mixture([Gaussian(-2.0, 0.5), Gaussian(2.0, 0.5)]),
        Gaussian(0.0, 2.0),
        {"mmd": {"bandwidth": 1.0}, "sinkhorn": {"epsilon": 0.5}},
    ),
}


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def _finite_columns(est: np.ndarray) -> np.ndarray:
    """``est`` with its non-finite entries replaced by NaN (for the nan-aware reductions)."""
    return np.where(np.isfinite(est), est, np.nan)


@dataclass(frozen=True, eq=False)
class StudyResult:
    """Estimates of one divergence from ``reps`` independent sample pairs at each size ``n``.

    Summary statistics (:attr:`mean`, :attr:`std`, :attr:`bias`, :attr:`rmse`,
    :meth:`quantiles`) are per ``n`` (arrays aligned with :attr:`ns`) and use the *finite*
    estimates only; :attr:`nonfinite` counts the others (an estimator returning ``inf``/NaN is
    reported, never averaged into a silent NaN). If the exact value is infinite, :attr:`bias`
    is ``-inf``, :attr:`rmse` and :attr:`relative_error` are ``inf`` and :meth:`n_needed`
    returns ``None``: no finite estimate approaches it.

    Attributes
    ----------
    name, label : str
        Registry name and display label of the divergence.
    exact : float
        The reference value from :func:`explorer.divergences.evaluate` (may be ``inf``).
    exact_method : str
        How it was obtained (``"closed form"``, ``"quadrature"``, ...). If it starts with
        ``"samples"`` the reference is itself a sample estimate (no exact method for the pair).
    ns : ndarray of int, shape (len(ns),)
        Sample sizes, ascending (``n`` samples of ``p`` and ``n`` of ``q``).
    estimates : ndarray, shape (reps, len(ns))
        Every estimate; column ``j`` belongs to ``ns[j]``.
    seconds : ndarray, shape (reps, len(ns))
        Wall-clock time of each estimator call (sampling excluded).
    estimator : str
        Description of the sample estimator.
    units : str
        Units of the divergence.
    exact_note : str
        Note from :func:`~explorer.divergences.evaluate` (e.g. why the value is infinite).
    params : dict
        Divergence and estimator parameters used.
    seed : int
        Root seed of the study.
    """

    name: str
    label: str
    exact: float
    exact_method: str
    ns: np.ndarray
    estimates: np.ndarray
    seconds: np.ndarray = field(repr=False)
    estimator: str = ""
    units: str = ""
    exact_note: str = ""
    params: Mapping[str, float] = field(default_factory=dict)
    seed: int = 0

    def __post_init__(self) -> None:
        ns = np.asarray(self.ns, dtype=int)
        est = np.asarray(self.estimates, dtype=float)
        sec = np.asarray(self.seconds, dtype=float)
        if est.ndim != 2 or est.shape[1] != ns.size or sec.shape != est.shape:
            raise ValueError(
                f"estimates/seconds must have shape (reps, {ns.size}), got {est.shape} and {sec.shape}"
            )
        object.__setattr__(self, "ns", _readonly(ns))
        object.__setattr__(self, "estimates", _readonly(est))
        object.__setattr__(self, "seconds", _readonly(sec))
        object.__setattr__(self, "exact", float(self.exact))
        object.__setattr__(self, "params", dict(self.params))

    # -- shape ---------------------------------------------------------------------------------
    @property
    def reps(self) -> int:
        """Number of independent repetitions per sample size."""
        return int(self.estimates.shape[0])

    @property
    def exact_is_infinite(self) -> bool:
        return math.isinf(self.exact)

    @property
    def exact_is_estimate(self) -> bool:
        """True if no exact method applied and the reference value is itself a sample estimate."""
        return self.exact_method.startswith("samples")

    @property
    def nonfinite(self) -> np.ndarray:
        """Number of non-finite (``inf``/NaN) estimates at each ``n``."""
        return np.sum(~np.isfinite(self.estimates), axis=0)

    @property
    def count(self) -> np.ndarray:
        """Number of finite estimates at each ``n`` (the statistics use these)."""
        return self.reps - self.nonfinite

    # -- statistics ----------------------------------------------------------------------------
    def _reduce(self, fn: Callable[..., np.ndarray], **kw: Any) -> np.ndarray:
        est = _finite_columns(self.estimates)
        out = np.full(self.ns.size, np.nan)
        ok = self.count > 0
        if np.any(ok):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # ddof with a single finite value
                out[ok] = fn(est[:, ok], axis=0, **kw)
        return out

    @property
    def mean(self) -> np.ndarray:
        """Mean of the finite estimates at each ``n`` (NaN where none is finite)."""
        return self._reduce(np.nanmean)

    @property
    def std(self) -> np.ndarray:
        """Sample standard deviation (ddof = 1) of the finite estimates at each ``n``."""
        return self._reduce(np.nanstd, ddof=1)

    @property
    def sem(self) -> np.ndarray:
        """Standard error of :attr:`mean`: ``std / sqrt(count)``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.std / np.sqrt(self.count)

    @property
    def bias(self) -> np.ndarray:
        """``mean − exact`` at each ``n`` (``-inf`` if the exact value is ``+inf``)."""
        if self.exact_is_infinite:
            return np.full(self.ns.size, -math.copysign(math.inf, self.exact))
        return self.mean - self.exact

    @property
    def rmse(self) -> np.ndarray:
        r"""Root mean squared error :math:`\sqrt{\frac1R\sum_r (\hat D_r - D)^2}` at each ``n``."""
        if self.exact_is_infinite:
            return np.full(self.ns.size, math.inf)
        sq = np.square(_finite_columns(self.estimates) - self.exact)
        out = np.full(self.ns.size, np.nan)
        ok = self.count > 0
        out[ok] = np.sqrt(np.nanmean(sq[:, ok], axis=0))
        return out

    @property
    def relative_error(self) -> np.ndarray:
        """``rmse / |exact|`` at each ``n`` (``inf`` if the exact value is 0 or infinite)."""
        if self.exact_is_infinite or self.exact == 0.0:
            return np.where(self.rmse == 0.0, 0.0, math.inf)
        return self.rmse / abs(self.exact)

    def quantiles(self, lo: float = 0.1, hi: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        """Empirical ``lo`` and ``hi`` quantiles of the finite estimates at each ``n``.

        Parameters
        ----------
        lo, hi : float
            Quantile levels with ``0 ≤ lo ≤ hi ≤ 1`` (default: the central 80% band).

        Returns
        -------
        (ndarray, ndarray)
            Lower and upper quantiles, aligned with :attr:`ns`.
        """
        try:
            lo, hi = float(lo), float(hi)
        except (TypeError, ValueError):
            raise ValueError(f"quantile levels must be numbers, got {lo!r} and {hi!r}") from None
        if not (0.0 <= lo <= hi <= 1.0):
            raise ValueError(f"need 0 <= lo <= hi <= 1, got lo={lo}, hi={hi}")
        return self._reduce(np.nanquantile, q=lo), self._reduce(np.nanquantile, q=hi)

    def n_needed(self, rel_tol: float | None = None, *, abs_tol: float | None = None) -> int | None:
        """Smallest studied ``n`` whose RMSE is within tolerance, or ``None``.

        The tolerance is ``rel_tol·|exact|`` (relative) or ``abs_tol`` (absolute; needed when
        the exact value is 0); give exactly one. So that noise in the RMSE estimate does not
        give an answer that a larger ``n`` contradicts, the returned ``n`` must meet the
        tolerance *and so must every larger studied n*; sizes with any non-finite estimate never
        do. ``None`` means no studied ``n`` is enough (try larger ``ns``), and is always the
        answer when the exact value is infinite.

        Parameters
        ----------
        rel_tol : float, optional
            Relative tolerance, e.g. ``0.1`` for an RMSE of at most 10% of the exact value.
        abs_tol : float, optional
            Absolute tolerance on the RMSE, in the units of the divergence.

        Returns
        -------
        int or None
        """
        if (rel_tol is None) == (abs_tol is None):
            raise ValueError("give exactly one of rel_tol and abs_tol")
        tol_in = rel_tol if rel_tol is not None else abs_tol
        what = "rel_tol" if rel_tol is not None else "abs_tol"
        try:
            tol = float(tol_in)
        except (TypeError, ValueError):
            raise ValueError(f"{what} must be a positive number, got {tol_in!r}") from None
        if not (tol > 0 and math.isfinite(tol)):
            raise ValueError(f"{what} must be a positive finite number, got {tol_in!r}")
        if self.exact_is_infinite:
            return None
        limit = tol * abs(self.exact) if rel_tol is not None else tol
        ok = (self.rmse <= limit) & (self.nonfinite == 0)
        answer = None
        for j in range(self.ns.size - 1, -1, -1):  # walk down from the largest n
            if not ok[j]:
                break
            answer = int(self.ns[j])
        return answer

    def table(self) -> list[dict[str, float]]:
        """One row per ``n`` for display.

        Keys: ``n``, ``mean``, ``std``, ``bias``, ``rmse``, ``rel_error`` (RMSE / |exact|),
        ``nonfinite`` (number of non-finite estimates, excluded from the statistics) and
        ``seconds`` (mean time per estimate).
        """
        cols = {
            "mean": self.mean, "std": self.std, "bias": self.bias, "rmse": self.rmse,
            "rel_error": self.relative_error,
        }
        sec = self.seconds.mean(axis=0)
        rows = []
        for j, n in enumerate(self.ns):
            row: dict[str, float] = {"n": int(n)}
            row.update({k: float(v[j]) for k, v in cols.items()})
            row["nonfinite"] = int(self.nonfinite[j])
            row["seconds"] = float(sec[j])
            rows.append(row)
        return rows

    def summary(self) -> str:
        """The table as plain text, headed by the exact value and how it was obtained."""
        head = f"{self.label} ({self.name}), estimator: {self.estimator}; exact = {self.exact:.6g}"
        head += f" ({self.exact_method}{'; ' + self.exact_note if self.exact_note else ''})"
        if self.exact_is_infinite:
            head += "\nthe exact value is infinite: every finite estimate is infinitely wrong"
        if self.exact_is_estimate:
            head += "\nwarning: no exact method for this pair - the reference is itself a sample estimate"
        cols = f"{'n':>7} {'mean':>11} {'std':>10} {'bias':>11} {'rmse':>10} {'rel':>8} {'nonfin':>6}"
        lines = [head, cols]
        for r in self.table():
            lines.append(
                f"{r['n']:7d} {r['mean']:11.5g} {r['std']:10.4g} {r['bias']:11.4g} {r['rmse']:10.4g} "
                f"{r['rel_error']:8.3g} {r['nonfinite']:6d}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def min_sample_size(name: str, **params: Any) -> int:
    """Smallest ``n`` (per side) that the registered sample estimator of ``name`` accepts.

    2 for every estimator (U-statistics need two points) except the k-NN ones, which need
    ``n > k`` (``k`` from ``params`` or the estimator's default).
    """
    div = dv.get(name)
    div.split_params(params)  # unknown names / out-of-range values raise
    lowest = 2
    for p in div.estimator_params:
        if p.name == "k":
            lowest = max(lowest, int(params.get("k", p.default)) + 1)
    return lowest


def _check_ns(ns: Any, lowest: int, name: str) -> np.ndarray:
    if isinstance(ns, int | np.integer) and not isinstance(ns, bool):
        ns = (ns,)
    if not isinstance(ns, Iterable) or isinstance(ns, str | bytes):
        raise ValueError(f"ns must be a sequence of sample sizes, got {ns!r}")
    vals = list(ns)
    if not vals:
        raise ValueError("ns must contain at least one sample size")
    for n in vals:
        if isinstance(n, bool) or not isinstance(n, int | np.integer):
            raise ValueError(f"sample sizes must be integers, got {n!r} in ns")
        if n < lowest:
            why = "" if lowest == 2 else f" (the {name!r} estimator needs n > k = {lowest - 1})"
            raise ValueError(f"sample sizes must be >= {lowest}{why}, got {int(n)} in ns")
    arr = np.array(sorted(int(n) for n in vals), dtype=int)
    if np.any(np.diff(arr) == 0):
        raise ValueError(f"ns contains duplicate sample sizes: {vals}")
    return arr


def _child_seeds(root: np.random.SeedSequence, n: int, reps: int) -> list[np.random.SeedSequence]:
    """``reps`` seed sequences for sample size ``n``: children ``(n, r)`` of the root.

    This is exactly what ``root.spawn`` produces at index ``n`` and then ``r``, but keyed by the
    sample size instead of its position, so a size gets the same samples whatever the other
    sizes are, and the first ``R`` repetitions are the same for any ``reps ≥ R``.
    """
    per_n = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, n), pool_size=root.pool_size)
    return per_n.spawn(reps)


def study(
    name: str,
    p: Any,
    q: Any,
    ns: Iterable[int] = DEFAULT_NS,
    reps: int = 20,
    seed: int = 0,
    progress: Callable[[int, int], Any] | None = None,
    **params: Any,
) -> StudyResult:
    r"""Run the sample estimator of ``name`` on ``reps`` fresh sample pairs at each size in ``ns``.

    For each ``n`` and repetition ``r``: draw :math:`x \sim p^{\otimes n}` then
    :math:`y \sim q^{\otimes n}` from a generator seeded by the child ``(n, r)`` of
    ``numpy.random.SeedSequence(seed)``, and compute :math:`\hat D(x, y)` with the registered
    estimator (same generator, for its tie-breaking jitter). Results are therefore reproducible,
    independent of the order or the other entries of ``ns``, and repetitions are independent.
    The reference is :func:`explorer.divergences.evaluate` ``(name, p, q, **params)``.

    Parameters
    ----------
    name : str
        A registered divergence with a sample estimator (``dv.get(name).samples``).
    p, q : Distribution or Categorical
        The two distributions (same dimension), each with a ``sample(n, rng)`` method.
    ns : sequence of int
        Sample sizes per side, each ``≥ 2`` and ``≥`` :func:`min_sample_size`; sorted ascending
        in the result. Exact OT in d-D is :math:`O(n^3)` and Sinkhorn takes seconds per estimate
        beyond ``n ≈ 1000``.
    reps : int
        Independent repetitions per size, ``≥ 2`` (a spread needs two).
    seed : int
        Non-negative root seed.
    progress : callable, optional
        Called as ``progress(done, total)`` after each estimate (``total = reps·len(ns)``).
    **params
        Divergence parameters (``bandwidth``, ``epsilon``, ...) and estimator parameters
        (``k``, ``window``); passed to both the estimator and the exact evaluation.

    Returns
    -------
    StudyResult

    Raises
    ------
    ValueError
        If ``name`` is unknown or has no sample estimator, a parameter is unknown or out of
        range, ``p``/``q`` cannot be sampled, ``ns`` is empty or holds a non-integer, a
        duplicate or a size below the estimator's minimum, ``reps < 2``, ``seed`` is not a
        non-negative integer or ``progress`` is not callable.

    Warns
    -----
    RuntimeWarning
        If some estimates are not finite (they are counted in :attr:`StudyResult.nonfinite`),
        or if no exact method applies and the reference value is itself a sample estimate.
    """
    div = dv.get(name)
    if div.samples is None:
        with_est = ", ".join(n for n in dv.names() if dv.get(n).samples is not None)
        raise ValueError(f"{name!r} has no sample estimator; divergences with one: {with_est}")
    div.split_params(params)  # unknown names / out-of-range values raise before any sampling
    ns_arr = _check_ns(ns, min_sample_size(name, **params), name)
    if isinstance(reps, bool) or not isinstance(reps, int | np.integer) or reps < 2:
        raise ValueError(f"reps must be an integer >= 2, got {reps!r}")
    reps = int(reps)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if progress is not None and not callable(progress):
        raise ValueError(f"progress must be callable as progress(done, total), got {progress!r}")
    for label, dist in (("p", p), ("q", q)):
        if not isinstance(dist, Distribution | Categorical):
            raise ValueError(
                f"{label} must be a Distribution or Categorical to sample from, got {type(dist).__name__}"
                " (for fixed sample arrays use divergences.compute)"
            )

    exact = dv.evaluate(name, p, q, **params)
    if exact.method.startswith("samples"):
        warnings.warn(
            f"no exact method for {name!r} between {p!r} and {q!r}: the reference value is itself a "
            f"sample estimate ({exact.note})", RuntimeWarning, stacklevel=2,
        )

    dparams, eparams = div.split_params(params)
    root = np.random.SeedSequence(int(seed))
    est = np.empty((reps, ns_arr.size))
    sec = np.empty((reps, ns_arr.size))
    total, done = reps * ns_arr.size, 0
    for j, n in enumerate(ns_arr):
        for r, ss in enumerate(_child_seeds(root, int(n), reps)):
            g = np.random.default_rng(ss)
            x = sampling.draw(p, int(n), g, use_data=False)
            y = sampling.draw(q, int(n), g, use_data=False)
            t0 = time.perf_counter()
            value = sampling.run_estimator(div, x, y, g, params)
            sec[r, j] = time.perf_counter() - t0
            est[r, j] = float(value)
            done += 1
            if progress is not None:
                progress(done, total)

    bad = np.sum(~np.isfinite(est), axis=0)
    if np.any(bad):
        where = ", ".join(f"n={n}: {b}/{reps}" for n, b in zip(ns_arr, bad, strict=True) if b)
        warnings.warn(
            f"{name}: non-finite estimates ({where}); they are excluded from the statistics and "
            "counted in StudyResult.nonfinite", RuntimeWarning, stacklevel=2,
        )
    return StudyResult(
        name=div.name, label=div.label, exact=exact.value, exact_method=exact.method, ns=ns_arr,
        estimates=est, seconds=sec, estimator=div.sample_estimator, units=exact.units,
        exact_note=exact.note, params={**dparams, **eparams}, seed=int(seed),
    )
