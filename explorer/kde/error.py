r"""Error of a 1-D KDE against a known truth, and the oracle bandwidths, to judge selectors.

.. math:: \mathrm{ISE}(h) = \int(\hat f_h - f)^2\,dx, \qquad
          \mathrm{KL}(f\,\|\,\hat f_h) = \int f\log\frac{f}{\hat f_h}\,dx,

by the trapezoidal rule on evenly spaced nodes (≥ 4,096, step ≤ h_min/6) covering where the truth
exceeds 2·10⁻¹⁶ of its maximum and the data ± the kernel's reach (with a small h, the truth's far
tail, where log f̂ ~ −(distance/h)²/2, carries a visible share of the KL). The estimate comes from one
:class:`~explorer.kde.BinnedKDE` shared by every h (a curve of 60 bandwidths costs 60 FFTs);
nodes where the binned estimate is below 10⁻³ of its maximum while the truth still has mass
there are re-evaluated in log space from the 16 nearest data points on each side (the rest are
negligible there), so the KL does not blow up on FFT round-off. The **oracle** bandwidth
minimises ISE (or KL) for this sample — unknowable in practice, the yardstick for a selector
(Wand & Jones 1995, §3.2; Hall 1987, Ann. Statist. 15, 1491, for KL loss). KL is in nats
(``base=2``: bits). A compact kernel gives KL = ∞ where the truth has mass beyond every kernel.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize

from explorer.kde._checks import as_data, as_weights
from explorer.kde.bandwidth import resolve_bandwidth, rule_names
from explorer.kde.estimate import BinnedKDE
from explorer.kde.exact import as_boundary, reflect
from explorer.kde.kernels import get_kernel

__all__ = ["ErrorCurve", "error_curve", "kde_error", "oracle_bandwidth"]

_NODES = 4096
_MAX_NODES = 2**18
_WINDOW = 16
#: Below this share of its maximum the binned estimate is replaced by exact log-space values
#: (linear binning's relative error grows like (z·δ/h)² in a kernel's tail at z bandwidths).
_REPAIR = 1e-3
#: Nodes where the truth's mass f·δ is below this are left out of the KL integral when the
#: estimate there is below the FFT's resolution (their share is < 1e-10 even with |log f̂| ~ 1e4).
_NEGLIGIBLE = 1e-14


@dataclass(frozen=True)
class ErrorCurve:
    """ISE and KL(truth‖estimate) over bandwidths, with the oracles and each selector's choice.

    Attributes
    ----------
    h, ise, kl : ndarray
        Bandwidths and the errors there (KL may be ``inf`` where f̂ is 0 on the truth's support).
    oracle_ise, oracle_kl : float
        Bandwidths minimising ISE and KL (refined between curve points).
    min_ise, min_kl : float
        The minimal values.
    selectors : dict
        ``{rule: (h, ise, kl)}`` for each bandwidth rule asked for.
    units : str
        Units of KL (``"nats"`` or ``"bits"``); ISE is in 1/(data unit).
    kernel : str
    note : str
    """

    h: np.ndarray
    ise: np.ndarray
    kl: np.ndarray
    oracle_ise: float
    oracle_kl: float
    min_ise: float
    min_kl: float
    selectors: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    units: str = "nats"
    kernel: str = "gaussian"
    note: str = ""


def _lse(a: np.ndarray) -> np.ndarray:
    m = a.max(axis=1)
    safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(m), safe + np.log(np.sum(np.exp(a - safe[:, None]), axis=1)), -np.inf)


class _Scorer:
    def __init__(self, truth: Any, x: np.ndarray, w, bnd, kernel, h_max: float, h_min: float):
        if not hasattr(truth, "logpdf"):
            raise ValueError("parameter 'truth' must have a logpdf method (an explorer distribution)")
        kern = get_kernel(kernel)
        reach = min(kern.cutoff(1), 8.0) * h_max
        lo, hi = float(x.min()) - reach, float(x.max()) + reach
        if hasattr(truth, "plot_range"):
            tlo, thi = (float(v) for v in truth.plot_range())
            wide = np.linspace(tlo - 3 * (thi - tlo), thi + 3 * (thi - tlo), 4001)
            with np.errstate(divide="ignore"):
                lf = np.asarray(truth.logpdf(wide), dtype=float)
            keep = np.flatnonzero(lf > np.max(lf) - 36.0)      # f > 2e-16 max f
            lo = min(lo, float(wide[max(keep[0] - 1, 0)]))
            hi = max(hi, float(wide[min(keep[-1] + 1, 4000)]))
        if bnd is not None:
            lo, hi = max(lo, bnd[0]), min(hi, bnd[1])
        nodes = int(min(_MAX_NODES, max(_NODES, math.ceil(6 * (hi - lo) / h_min) + 1)))
        self.grid = np.linspace(lo, hi, nodes)
        with np.errstate(divide="ignore"):
            self.logf = np.asarray(truth.logpdf(self.grid), dtype=float)
        if np.any(np.isnan(self.logf)):
            raise ValueError("parameter 'truth': logpdf returned NaN")
        self.f = np.exp(self.logf)
        self.binned = BinnedKDE(x, self.grid, h_max, weights=w, boundary=bnd, kernel_reach=kern.cutoff(1))
        self.kern = kern
        n = x.size
        xs, ws = reflect(x, np.full(n, 1.0 / n) if w is None else w, bnd)
        order = np.argsort(xs)
        self.xs = xs[order]
        with np.errstate(divide="ignore"):
            self.logw = np.log(ws[order])

    def _tail(self, nodes: np.ndarray, h: float) -> np.ndarray:
        """Exact log f̂ at nodes where it is small, from the _WINDOW nearest data on each side, and
        whether that is exact (the others add < 1e-9 relative, bounded by n·K(next distance))."""
        j = np.searchsorted(self.xs, nodes)
        idx = j[:, None] + np.arange(-_WINDOW, _WINDOW)[None, :]
        valid = (idx >= 0) & (idx < self.xs.size)
        idx = np.clip(idx, 0, self.xs.size - 1)
        r2 = ((nodes[:, None] - self.xs[idx]) / h) ** 2
        a = self.kern.log_profile(r2, 1) + self.logw[idx]
        a[~valid] = -np.inf
        lse = _lse(a)
        # bound on the points outside the window: each is farther than the window's edge points
        lo_i, hi_i = j - _WINDOW - 1, j + _WINDOW
        edge = np.full(nodes.size, np.inf)
        has_lo, has_hi = lo_i >= 0, hi_i < self.xs.size
        edge[has_lo] = np.abs(nodes[has_lo] - self.xs[lo_i[has_lo]])
        edge[has_hi] = np.minimum(edge[has_hi], np.abs(self.xs[hi_i[has_hi]] - nodes[has_hi]))
        with np.errstate(invalid="ignore"):
            bound = (self.kern.log_profile((edge / h) ** 2, 1) + float(self.logw.max())
                     + math.log(self.xs.size))
        ok = ~np.isfinite(bound) | (bound < lse + math.log(1e-9))
        return lse + self.kern.log_norm(1) - math.log(h), ok

    def errors(self, h: float) -> tuple[float, float]:
        dens = self.binned.density(h, self.kern)
        ise = float(np.trapezoid((dens - self.f) ** 2, self.grid))
        with np.errstate(divide="ignore"):
            logq = np.log(dens)
        step = self.grid[1] - self.grid[0]
        tiny = dens < _REPAIR * dens.max()
        shaky = tiny & (self.f * step > _NEGLIGIBLE)
        if shaky.any():
            idx = np.flatnonzero(shaky)
            tail, exact = self._tail(self.grid[idx], h)
            # where the window is not enough the region is dense: the binned value is accurate there
            use = exact | ~(dens[idx] > 1e-12 * dens.max())
            logq[idx[use]] = tail[use]
        pos = self.f > 0
        if not self.kern.compact:          # Gaussian kernel: f̂ > 0 everywhere, drop negligible nodes
            pos &= ~(tiny & ~shaky)
        if np.any(pos & ~np.isfinite(logq)):
            return ise, math.inf
        integrand = np.where(pos, self.f * (self.logf - np.where(pos, logq, 0.0)), 0.0)
        return ise, float(np.trapezoid(integrand, self.grid))


def _prepare(x, weights, boundary, kernel):
    x = as_data(x)
    if x.ndim != 1:
        raise ValueError("parameter 'x': the error against a truth is implemented for 1-D data")
    w = as_weights(weights, x.size)
    return x, w, as_boundary(boundary, 1), get_kernel(kernel)


def kde_error(truth: Any, x: Any, bandwidth: Any = None, kernel: str = "gaussian", weights: Any = None,
              boundary: Any = None, base: float | None = None) -> tuple[float, float]:
    """(ISE, KL(truth‖f̂)) of the KDE of ``x`` with ``bandwidth`` (a rule name or h)."""
    x, w, bnd, kern = _prepare(x, weights, boundary, kernel)
    h = resolve_bandwidth(x, bandwidth, w).h
    ise, kl = _Scorer(truth, x, w, bnd, kern, h, h).errors(h)
    return ise, kl / (math.log(base) if base else 1.0)


def error_curve(truth: Any, x: Any, h_values: Sequence[float] | None = None, kernel: str = "gaussian",
                weights: Any = None, boundary: Any = None, selectors: Sequence[str] | None = None,
                base: float | None = None, should_stop: Callable[[], bool] | None = None) -> ErrorCurve:
    """ISE and KL vs bandwidth, the oracle bandwidths, and where each selector lands.

    Parameters
    ----------
    truth : Distribution
        The true density (anything with ``logpdf``; ``plot_range`` widens the quadrature range).
    x : array_like, shape (n,)
        A sample (from ``truth``).
    h_values : sequence of float, optional
        Bandwidths; default 60 log-spaced values from h_silverman/20 to 5·h_silverman.
    selectors : sequence of str, optional
        Bandwidth rules to place on the curve (default: all 1-D rules).
    should_stop : callable, optional
        Polled between bandwidths; when it returns True the curve is cut there (noted).
    """
    x, w, bnd, kern = _prepare(x, weights, boundary, kernel)
    names = rule_names(1) if selectors is None else list(selectors)
    chosen = {name: resolve_bandwidth(x, name, w).h for name in names}
    if h_values is None:
        h0 = resolve_bandwidth(x, "silverman", w).h
        h_values = np.geomspace(h0 / 20, 5 * h0, 60)
    hs = np.sort(np.array([float(v) for v in h_values]))
    if hs.size == 0 or np.any(~np.isfinite(hs)) or np.any(hs <= 0):
        raise ValueError("parameter 'h_values' must hold positive finite bandwidths")
    h_max = max(float(hs.max()), *chosen.values()) if chosen else float(hs.max())
    h_min = min(float(hs.min()), *chosen.values()) if chosen else float(hs.min())
    scorer = _Scorer(truth, x, w, bnd, kern, h_max, h_min)
    ise, kl = np.full(hs.size, np.nan), np.full(hs.size, np.nan)
    note = ""
    for i, h in enumerate(hs):
        if should_stop is not None and should_stop():
            note = f"stopped after {i} of {hs.size} bandwidths"
            hs, ise, kl = hs[:i], ise[:i], kl[:i]
            break
        ise[i], kl[i] = scorer.errors(float(h))
    scale = 1.0 / math.log(base) if base else 1.0
    oracle = {}
    for j, vals in enumerate((ise, kl)):
        if vals.size == 0:
            oracle[j] = (math.nan, math.nan)
            continue
        k = int(np.argmin(vals))
        if 0 < k < vals.size - 1 and np.isfinite(vals[k]):
            res = optimize.minimize_scalar(lambda lh, j=j: scorer.errors(math.exp(lh))[j],
                                           bounds=(math.log(hs[k - 1]), math.log(hs[k + 1])),
                                           method="bounded", options={"xatol": 1e-4})
            oracle[j] = (float(math.exp(res.x)), float(res.fun))
        else:
            oracle[j] = (float(hs[k]), float(vals[k]))
            note = (note + "; " if note else "") + "an oracle lies at the edge of h_values"
    sel = {}
    for name, h in chosen.items():
        e_ise, e_kl = scorer.errors(h)
        sel[name] = (h, e_ise, e_kl * scale)
    return ErrorCurve(h=hs, ise=ise, kl=kl * scale, oracle_ise=oracle[0][0], oracle_kl=oracle[1][0],
                      min_ise=oracle[0][1], min_kl=oracle[1][1] * scale, selectors=sel,
                      units="bits" if base == 2 else ("nats" if not base else f"log base {base:g}"),
                      kernel=kern.name, note=note)


def oracle_bandwidth(truth: Any, x: Any, criterion: str = "ise", kernel: str = "gaussian",
                     weights: Any = None, boundary: Any = None) -> float:
    """The bandwidth minimising ISE (``criterion="ise"``) or KL (``"kl"``) for this sample."""
    pick = {"ise": lambda c: c.oracle_ise, "kl": lambda c: c.oracle_kl}
    if criterion not in pick:
        raise ValueError(f"parameter 'criterion' must be 'ise' or 'kl', got {criterion!r}")
    curve = error_curve(truth, x, kernel=kernel, weights=weights, boundary=boundary, selectors=[])
    return pick[criterion](curve)
