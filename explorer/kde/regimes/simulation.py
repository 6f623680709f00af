r"""Finite-size simulations of the Gaussian-kernel KDE in dimension d (Biroli & Mézard 2024).

:func:`draw` samples n = round(e^{αd}) data points and ``n_test`` test points from N(0, σ²I_d)
(or takes them from a real data set, :meth:`RegimeSample.from_data`) and stores the scaled squared
distances r_ij = |x_j − y_i|²/d, computed chunk by chunk in float64 as
(|x|² + |y|² − 2x·y)/d. :meth:`RegimeSample.evaluate` then gives, for every bandwidth h and test
point, with w_i = e^{-d r_i/(2h²)} and p_i = w_i/Σw (one exp per pair, log space throughout):

* ln ρ̂_h(x) = −(d/2) ln(2πh²) − ln n + ln Σw,
* ln R = ln ρ̂_h(x) − ln E[ρ̂_h(x) | x], with E[ρ̂|x] the N(0, (σ² + h²)I) density at x,
* the largest term's share max p_i and the participation Σp_i² (→ 1 − μ below h_G as d → ∞),
* KL(ρ‖ρ̂_h) ≈ mean over test points of ln ρ(x) − ln ρ̂_h(x), with its standard error.

A new h costs n·n_test exponentials (≈ 10 ms at d = 30, α = 0.3, 200 test points), so a slider
re-evaluates the stored sample. :func:`simulate` = draw + evaluate. Both refuse, with a
``ValueError`` that says what to lower, when the distances would exceed ``memory_limit`` bytes or
the work n·n_test·d would exceed ``max_work``; a progress bar (tqdm.auto) appears when the
distances take more than about a second, and ``should_stop`` cancels between chunks.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.kde.regimes.theory import Thresholds, participation_limit, stable_index, thresholds

__all__ = ["RegimeSample", "RegimeStats", "draw", "simulate"]

MEMORY_LIMIT = 1 << 30          # bytes for the stored distances and one chunk
MAX_WORK = 5e10                 # n · n_test · d multiply-adds
_CHUNK_BYTES = 32 << 20
_RATE = 2e9                     # multiply-adds per second assumed for the time estimate
_EVAL_BLOCK = 1 << 16           # distances per block when evaluating (cache-sized)


class Cancelled(RuntimeError):
    """Raised inside :func:`draw` when ``should_stop`` returns True (caught: the result is flagged)."""


@dataclass(frozen=True)
class RegimeStats:
    """Per-bandwidth statistics of a :class:`RegimeSample`.

    Attributes
    ----------
    h : ndarray (H,)
    log_rho : ndarray (H, T)
        ln ρ̂_h(x) at each test point (nats).
    log_ratio : ndarray (H, T)
        ln R = ln ρ̂_h(x) − ln E[ρ̂_h(x) | x] (Gaussian data only; nan for real data).
    max_share, participation : ndarray (H, T)
        max_i p_i and Σ p_i².
    kl, kl_se : ndarray (H,)
        KL(ρ‖ρ̂_h) and its standard error over the test points, in ``units`` (nan for real data).
        (``log_rho``/``log_ratio`` stay natural logs.)
    mu : ndarray (H,)
        Stable index h²/h_G² at this α (d → ∞ theory).
    participation_theory : ndarray (H,)
        d → ∞ limit of E Σp² (1 − μ below h_G, else 0).
    d, n, alpha : int, int, float
    thresholds : Thresholds
        At this α and σ (isotropic Gaussian theory).
    units : str
    note : str
    """

    h: np.ndarray
    log_rho: np.ndarray
    log_ratio: np.ndarray
    max_share: np.ndarray
    participation: np.ndarray
    kl: np.ndarray
    kl_se: np.ndarray
    mu: np.ndarray
    participation_theory: np.ndarray
    d: int
    n: int
    alpha: float
    thresholds: Thresholds
    units: str = "nats"
    note: str = ""

    @property
    def mean_participation(self) -> np.ndarray:
        return self.participation.mean(axis=1)

    @property
    def mean_max_share(self) -> np.ndarray:
        return self.max_share.mean(axis=1)

    @property
    def kl_per_dim(self) -> np.ndarray:
        return self.kl / self.d


@dataclass(frozen=True)
class RegimeSample:
    """A drawn data set and test points, kept as the distances r (T, n) = |x − y|²/d.

    Attributes
    ----------
    r : ndarray (n_test, n)
    x_norm2 : ndarray (n_test,)
        |x|² of each test point.
    d, n : int
    alpha : float
        (ln n)/d.
    sigma : float
        Scale of the data law (real data: the RMS coordinate sd).
    gaussian : bool
        Drawn from N(0, σ²I) (the theory's law) rather than given.
    seed : int or None
    completed : bool
        False when cancelled (then ``r`` is None).
    elapsed : float
        Seconds spent drawing.
    note : str
    """

    r: np.ndarray | None
    x_norm2: np.ndarray
    d: int
    n: int
    alpha: float
    sigma: float
    gaussian: bool
    seed: int | None
    completed: bool = True
    elapsed: float = 0.0
    note: str = ""
    eigenvalues: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_test(self) -> int:
        return int(self.x_norm2.size)

    @classmethod
    def from_data(cls, x: Any, n_test: int = 200, seed: int | None = 0, memory_limit: float = MEMORY_LIMIT,
                  progress: Any = None, should_stop: Callable[[], bool] | None = None) -> RegimeSample:
        """Hold out ``n_test`` rows of real data ``x`` (n, d) as test points; the rest are the data.

        The data are centred; ``sigma`` is the RMS coordinate standard deviation (thresholds of the
        isotropic theory use it; the eigenvalues are kept for the general-spectrum thresholds).
        """
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or x.shape[0] < 3 or not np.all(np.isfinite(x)):
            raise ValueError("parameter 'x' must be a finite (n, d) array with n ≥ 3")
        n_test = _count(n_test, "n_test")
        if n_test >= x.shape[0]:
            raise ValueError(f"parameter 'n_test' must be < n = {x.shape[0]}")
        rng = np.random.default_rng(seed)
        perm = rng.permutation(x.shape[0])
        test, data = x[perm[:n_test]], x[perm[n_test:]]
        mean = data.mean(axis=0)
        test, data = test - mean, data - mean
        d = x.shape[1]
        n = data.shape[0]
        _check_budget(n, n_test, d, memory_limit, MAX_WORK)
        t0 = time.perf_counter()
        r = _distances(test, lambda lo, hi: data[lo:hi], n, d, progress, should_stop)
        cov = np.cov(data, rowvar=False)
        ev = np.clip(np.linalg.eigvalsh(cov), 0.0, None)
        sigma = math.sqrt(float(np.mean(np.diag(cov))))
        return cls(r=r, x_norm2=np.sum(test * test, axis=1), d=d, n=n, alpha=math.log(n) / d, sigma=sigma,
                   gaussian=False, seed=seed, completed=r is not None, elapsed=time.perf_counter() - t0,
                   note="real data" + ("" if r is not None else "; cancelled"), eigenvalues=ev)

    def evaluate(self, h_values: Any, base: float | None = None) -> RegimeStats:
        """Statistics at bandwidths ``h_values`` (data units); KL in nats, or in log ``base``."""
        if base is not None and (isinstance(base, bool) or not float(base) > 1 or not math.isfinite(base)):
            raise ValueError(f"parameter 'base' must be a finite number > 1, got {base!r}")
        scale = 1.0 / math.log(base) if base else 1.0
        if self.r is None:
            raise ValueError("this sample was cancelled before its distances were computed")
        hs = np.atleast_1d(np.asarray(h_values, dtype=float))
        if hs.ndim != 1 or hs.size == 0 or np.any(~np.isfinite(hs)) or np.any(hs <= 0):
            raise ValueError("parameter 'h_values' must hold finite bandwidths > 0")
        d, n, T = self.d, self.n, self.n_test
        shape = (hs.size, T)
        rmin = self.r.min(axis=1)
        rows = max(1, _EVAL_BLOCK // max(n, 1))           # row blocks that stay in cache
        lse, s1, s2 = (np.empty(shape) for _ in range(3))
        cs = d / (2.0 * hs * hs)
        for lo in range(0, T, rows):
            hi = min(T, lo + rows)
            # a_i − a_max = −c (r_i − r_min) ≤ 0; the terms e^{a_i − a_max} ∈ (0, 1] only need float32
            # (relative error 1e-7 per term), summed in float64
            centred = (self.r[lo:hi] - rmin[lo:hi, None]).astype(np.float32)
            work = np.empty_like(centred)
            for k, c in enumerate(cs):
                np.multiply(centred, np.float32(-c), out=work)
                np.exp(work, out=work)
                s1[k, lo:hi] = work.sum(axis=1, dtype=np.float64)
                np.square(work, out=work)
                s2[k, lo:hi] = work.sum(axis=1, dtype=np.float64)
        lse = -cs[:, None] * rmin[None, :] + np.log(s1)
        log_rho = (-0.5 * d * np.log(2 * math.pi * hs * hs))[:, None] - math.log(n) + lse
        max_share = 1.0 / s1
        part = s2 / (s1 * s1)
        th = thresholds(self.alpha, self.sigma)
        s2sig = self.sigma**2
        if self.gaussian:
            v = s2sig + hs[:, None] ** 2
            log_mean = -0.5 * d * np.log(2 * math.pi * v) - self.x_norm2[None, :] / (2 * v)
            log_ratio = log_rho - log_mean
            log_p = -0.5 * d * math.log(2 * math.pi * s2sig) - self.x_norm2 / (2 * s2sig)
            diff = log_p[None, :] - log_rho
            kl = diff.mean(axis=1)
            kl_se = diff.std(axis=1, ddof=1) / math.sqrt(T) if T > 1 else np.full(hs.size, np.inf)
        else:
            log_ratio = np.full(shape, np.nan)
            kl = kl_se = np.full(hs.size, np.nan)
        return RegimeStats(h=hs, log_rho=log_rho, log_ratio=log_ratio, max_share=max_share,
                           participation=part, kl=kl * scale, kl_se=kl_se * scale,
                           mu=np.atleast_1d(stable_index(hs, self.alpha, self.sigma)),
                           participation_theory=np.atleast_1d(
                               participation_limit(hs, self.alpha, self.sigma)),
                           d=d, n=n, alpha=self.alpha, thresholds=th, note=self.note,
                           units="nats" if not base else ("bits" if base == 2 else f"log base {base:g}"))


def _count(v: Any, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
        raise ValueError(f"parameter {name!r} must be a positive integer, got {v!r}")
    return int(v)


def _check_budget(n: int, n_test: int, d: int, memory_limit: float, max_work: float) -> None:
    chunk = max(1, min(n, _CHUNK_BYTES // (8 * (d + n_test))))
    need = 8.0 * (n_test * n * 2 + chunk * (d + n_test))     # r, one work array, one chunk
    if need > memory_limit:
        raise ValueError(
            f"simulation refused: n = {n:,} data × n_test = {n_test} test points need "
            f"{need / 2**30:.2f} GiB of distances (limit {memory_limit / 2**30:.2f} GiB); "
            "lower alpha or d (n = e^(αd)) or n_test")
    work = float(n) * n_test * d
    if work > max_work:
        raise ValueError(
            f"simulation refused: n·n_test·d = {work:.3g} multiply-adds (about {work / _RATE:.0f} s; "
            f"limit {max_work:.3g}); lower alpha or d (n = e^(αd)) or n_test")


def _progress_bar(progress: Any, total: int, expected: float):
    if callable(progress):
        return None, progress
    if progress is False or (progress is None and expected < 1.0):
        return None, None
    from tqdm.auto import tqdm
    return tqdm(total=total, desc="distances", unit="pt", leave=False), None


def _distances(test: np.ndarray, chunk_of: Callable[[int, int], np.ndarray], n: int, d: int,
               progress: Any, should_stop: Callable[[], bool] | None) -> np.ndarray | None:
    T = test.shape[0]
    r = np.empty((T, n))
    x2 = np.sum(test * test, axis=1)
    chunk = max(1, min(n, _CHUNK_BYTES // (8 * (d + T))))
    bar, report = _progress_bar(progress, n, n * T * d / _RATE)
    try:
        for lo in range(0, n, chunk):
            if should_stop is not None and should_stop():
                return None
            hi = min(n, lo + chunk)
            y = chunk_of(lo, hi)
            block = r[:, lo:hi]
            np.matmul(test, y.T, out=block)
            block *= -2.0
            block += x2[:, None]
            block += np.sum(y * y, axis=1)[None, :]
            np.maximum(block, 0.0, out=block)
            block /= d
            if bar is not None:
                bar.update(hi - lo)
            if report is not None:
                report(hi / n)
    finally:
        if bar is not None:
            bar.close()
    return r


def draw(d: int, n: int | None = None, alpha: float | None = None, n_test: int = 200, seed: int | None = 0,
         sigma: float = 1.0, condition_norm: bool = False, memory_limit: float = MEMORY_LIMIT,
         max_work: float = MAX_WORK, progress: Any = None,
         should_stop: Callable[[], bool] | None = None) -> RegimeSample:
    r"""Draw n data and ``n_test`` test points from N(0, σ²I_d) and store their distances.

    Parameters
    ----------
    d : int
        Dimension.
    n, alpha : int or float
        Number of data points, or α with n = round(e^{αd}) (exactly one of the two).
    n_test : int
        Test points.
    seed : int, optional
        Seed (test points are drawn first, then the data chunk by chunk: same numbers whatever
        the chunking).
    sigma : float
        Scale of the data law.
    condition_norm : bool
        Rescale each test point to |x|² = dσ² (q = 1 exactly): clean regime curves at small d
        (the KL estimate is then not an unbiased estimate of KL(ρ‖ρ̂)).
    memory_limit, max_work : float
        Refuse (``ValueError``) beyond these many bytes / multiply-adds.
    progress : None, bool or callable
        None: a tqdm bar when the distances should take over a second; a callable gets the
        completed fraction.
    should_stop : callable, optional
        Polled between chunks; True cancels (the sample is returned with ``completed=False``).
    """
    d = _count(d, "d")
    n_test = _count(n_test, "n_test")
    if (n is None) == (alpha is None):
        raise ValueError("give exactly one of parameters 'n' and 'alpha'")
    if n is None:
        if isinstance(alpha, bool):
            raise ValueError("parameter 'alpha' must be a number")
        a = float(alpha)
        if not math.isfinite(a) or a <= 0:
            raise ValueError(f"parameter 'alpha' must be finite and > 0, got {alpha!r}")
        if a * d > math.log(1e12):
            raise ValueError(f"simulation refused: n = e^(αd) = e^{a * d:.1f} points; lower alpha or d")
        n = max(2, int(round(math.exp(a * d))))
    n = _count(n, "n")
    if n < 2:
        raise ValueError("parameter 'n' must be ≥ 2")
    sigma = float(sigma)
    if not math.isfinite(sigma) or sigma <= 0:
        raise ValueError(f"parameter 'sigma' must be finite and > 0, got {sigma!r}")
    _check_budget(n, n_test, d, memory_limit, max_work)
    rng = np.random.default_rng(seed)
    test = sigma * rng.standard_normal((n_test, d))
    if condition_norm:
        test *= sigma * math.sqrt(d) / np.linalg.norm(test, axis=1, keepdims=True)
    t0 = time.perf_counter()
    r = _distances(test, lambda lo, hi: sigma * rng.standard_normal((hi - lo, d)), n, d, progress,
                   should_stop)
    note = f"N(0, {sigma:g}²I), n = {n:,}"
    if condition_norm:
        note += "; test points conditioned on |x|² = dσ²"
    return RegimeSample(r=r, x_norm2=np.sum(test * test, axis=1), d=d, n=n, alpha=math.log(n) / d,
                        sigma=sigma, gaussian=True, seed=seed, completed=r is not None,
                        elapsed=time.perf_counter() - t0,
                        note=note if r is not None else note + "; cancelled")


def simulate(d: int, n: int | None = None, alpha: float | None = None,
             h_values: Sequence[float] | None = None, n_test: int = 200, seed: int | None = 0,
             **kwargs: Any) -> RegimeStats | None:
    """Draw a sample (:func:`draw`, same keywords) and evaluate it at ``h_values``.

    Default ``h_values``: 40 log-spaced values from 0.3·h_G to 3·h_CLT at this α. Returns None
    when cancelled through ``should_stop``.
    """
    sample = draw(d, n=n, alpha=alpha, n_test=n_test, seed=seed, **kwargs)
    if not sample.completed:
        return None
    if h_values is None:
        th = thresholds(sample.alpha, sample.sigma)
        h_values = np.geomspace(0.3 * th.h_G, 3 * th.h_CLT, 40)
    return sample.evaluate(h_values)
