r"""Quadrature grids shared by all grid-based divergences.

1-D
    A *bulk* range covering both densities is split at every breakpoint (jumps of a uniform,
    the kink of a Laplace) into segments integrated with composite Simpson's rule on a step
    fine enough for the narrowest feature. Beyond the bulk, each *tail* is mapped with
    :math:`x = b \pm s(e^t - 1)` and integrated with Simpson's rule in :math:`t`, out to
    :math:`10^{30}` times the bulk width. All integrands are evaluated in log space, so
    densities far in the tails never underflow into ``0 * inf``.

    *Infinite integrals.* A convergent tail contributes less and less per octave of
    :math:`|x|`. If the contribution of the last octaves does not shrink (ratio of successive
    octaves >= ``DIVERGENT_RATIO``) the integral is reported as ``inf`` - this is how e.g.
    KL(Cauchy‖Gaussian) or the χ² of a too-narrow Gaussian come out infinite. A shrinking tail
    is extrapolated geometrically past the end of the grid. Integrals whose tails decay more
    slowly than about :math:`|x|^{-1.03}` are therefore reported as infinite.

2-D
    A tensor Simpson grid over a box twice as wide as both plotting ranges. If the outer ring
    of the box still carries a non-negligible share of the integral the box is doubled (up to
    ``MAX_DOUBLINGS`` times) and, if that never converges, the integral is infinite.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from explorer._numerics import logsumexp

DIVERGENT_RATIO = 0.98  # per-octave ratio of tail contributions at or above which we say "infinite"
TAIL_DT = 0.1  # step of the tail variable t (x = b + s (e^t - 1))
TAIL_EXTENT = 1e30  # tails reach this many bulk widths
MIN_POINTS, MAX_POINTS = 1024, 1 << 14
STEPS_PER_FEATURE = 24
MAX_DOUBLINGS = 5


def simpson_weights(n_intervals: int, h: float) -> np.ndarray:
    """Composite Simpson weights for ``n_intervals`` (even) equal steps of width ``h``."""
    if n_intervals % 2:
        raise ValueError("Simpson's rule needs an even number of intervals")
    w = np.ones(n_intervals + 1)
    w[1:-1:2] = 4.0
    w[2:-1:2] = 2.0
    return w * (h / 3.0)


def _even(n: float) -> int:
    k = max(2, math.ceil(n))
    return k + (k % 2)


class NonConvergence(Exception):
    """Raised by a 2-D grid when its outer ring is not negligible (box too small)."""


@dataclass
class Grid1D:
    """Shared 1-D quadrature grid for two distributions ``p`` and ``q``.

    Attributes
    ----------
    x, w : ndarray
        Nodes and Simpson weights (segments concatenated; shared endpoints appear twice).
    lp, lq : ndarray
        ``p.logpdf(x)``, ``q.logpdf(x)``.
    """

    p: Any
    q: Any
    x: np.ndarray = field(init=False)
    w: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        p, q = self.p, self.q
        lo = min(p.quad_range()[0], q.quad_range()[0])
        hi = max(p.quad_range()[1], q.quad_range()[1])
        if not hi > lo:
            hi = lo + 1.0
        width = hi - lo
        feature = min(p.resolution(), q.resolution())
        n_total = int(np.clip(width / feature * STEPS_PER_FEATURE, MIN_POINTS, MAX_POINTS))
        h_target = width / n_total
        cuts = sorted({lo, hi, *(b for b in (*p.breakpoints(), *q.breakpoints()) if lo < b < hi)})
        xs, ws, self._tails = [], [], {}
        # left tail, from the bulk edge outwards (stored reversed so x is ascending)
        s = h_target / TAIL_DT
        t_max = math.log1p(TAIL_EXTENT * max(width, 1.0) / s)
        nt = _even(t_max / TAIL_DT)
        t = np.linspace(0.0, t_max, nt + 1)
        wt = simpson_weights(nt, t_max / nt) * s * np.exp(t)
        off = s * np.expm1(t)
        left_x = (lo - off)[::-1].copy()
        left_x[-1] = np.nextafter(lo, -np.inf)
        xs.append(left_x)
        ws.append(wt[::-1])
        # bulk segments between breakpoints
        for a, b in itertools.pairwise(cuts):
            n = _even((b - a) / h_target)
            seg = np.linspace(a, b, n + 1)
            seg[0] = np.nextafter(a, np.inf)
            seg[-1] = np.nextafter(b, -np.inf)
            xs.append(seg)
            ws.append(simpson_weights(n, (b - a) / n))
        right_x = hi + off
        right_x[0] = np.nextafter(hi, np.inf)
        xs.append(right_x)
        ws.append(wt.copy())
        sizes = [len(a) for a in xs]
        self.x = np.concatenate(xs)
        self.w = np.concatenate(ws)
        n_all = self.x.size
        # tail slices ordered from the bulk outwards, and block length of one octave
        self._left = np.arange(sizes[0])[::-1]
        self._right = np.arange(n_all - sizes[-1], n_all)
        self._octave = max(2, round(math.log(2.0) / (t_max / nt)))
        self.lo, self.hi, self.step = lo, hi, h_target
        self._bulk = slice(sizes[0], n_all - sizes[-1])

    # -- cached evaluations (shared with swapped views) ----------------------------------------
    def _eval(self, dist: Any, what: str) -> Any:
        key = (id(dist), what)
        cache = self.__dict__.setdefault("_evals", {})
        if key not in cache:
            cache[key] = dist.logpdf(self.x) if what == "logpdf" else dist.cdf_sf(self.x)
        return cache[key]

    @property
    def lp(self) -> np.ndarray:
        return self._eval(self.p, "logpdf")

    @property
    def lq(self) -> np.ndarray:
        return self._eval(self.q, "logpdf")

    @property
    def _cdfs_p(self) -> tuple[np.ndarray, np.ndarray]:
        return self._eval(self.p, "cdf")

    @property
    def _cdfs_q(self) -> tuple[np.ndarray, np.ndarray]:
        return self._eval(self.q, "cdf")

    def swapped(self) -> Grid1D:
        """The same grid with the roles of p and q exchanged (shares nodes and evaluations)."""
        self.__dict__.setdefault("_evals", {})
        g = object.__new__(Grid1D)
        g.__dict__.update(self.__dict__)
        g.p, g.q = self.q, self.p
        return g

    # -- integration ---------------------------------------------------------------------------
    def _tail_remainder(self, idx: np.ndarray, g: np.ndarray) -> float:
        """Geometric extrapolation of one tail, or ``inf`` when it does not converge."""
        contrib = self.w[idx] * g[idx]
        k = self._octave
        nblocks = contrib.size // k
        if nblocks < 8:
            return 0.0
        blocks = contrib[: nblocks * k].reshape(nblocks, k).sum(axis=1)
        mag = np.abs(blocks)
        last, earlier = mag[-1], mag[-6]
        if last == 0.0:
            return 0.0
        if earlier == 0.0:
            return math.inf
        ratio = (last / earlier) ** 0.2
        if ratio >= DIVERGENT_RATIO:
            return math.inf
        return float(blocks[-1] * ratio / (1.0 - ratio))

    def integrate(self, g: np.ndarray) -> float:
        """Integral of the sampled integrand ``g`` (finite or ``+inf`` entries; NaN is a bug)."""
        if np.any(np.isnan(g)):
            raise FloatingPointError("NaN in a quadrature integrand (please report this)")
        pos_inf = np.isposinf(g) & (self.w > 0)
        if np.any(pos_inf):
            return math.inf
        with np.errstate(over="ignore", invalid="ignore"):
            total = float(np.dot(self.w, g))
        if math.isnan(total) or math.isinf(total):
            return math.inf
        rem = self._tail_remainder(self._left, g) + self._tail_remainder(self._right, g)
        return total + rem

    def integrate_log(self, lg: np.ndarray) -> float:
        """``log`` of the integral of ``exp(lg)`` (``lg`` may hold ``-inf``/``+inf``)."""
        if np.any(np.isnan(lg)):
            raise FloatingPointError("NaN in a log-space quadrature integrand (please report this)")
        if np.any(np.isposinf(lg)):
            return math.inf
        lw = np.log(self.w)
        total = float(logsumexp(lw + lg))
        if total == -math.inf:
            return -math.inf
        for idx in (self._left, self._right):
            k = self._octave
            vals = lw[idx] + lg[idx]
            nb = vals.size // k
            blocks = logsumexp(vals[: nb * k].reshape(nb, k), axis=1)
            last, earlier = blocks[-1], blocks[-6]
            if last == -math.inf:
                continue
            if earlier == -math.inf:
                return math.inf
            log_ratio = (last - earlier) / 5.0
            if log_ratio >= math.log(DIVERGENT_RATIO):
                return math.inf
            r = math.exp(log_ratio)
            if r > 0.0:
                total = float(np.logaddexp(total, last + math.log(r / (1.0 - r))))
        return total

    # -- CDF helpers for the Wasserstein distances --------------------------------------------
    def cdf_gap(self) -> np.ndarray:
        """``|F_p(x) - F_q(x)|`` evaluated without cancellation in either tail."""
        (cp, sp), (cq, sq) = self._cdfs_p, self._cdfs_q
        left = 0.5 * (cp + cq) <= 0.5
        return np.where(left, np.abs(cp - cq), np.abs(sp - sq))

    def transport_map(self) -> np.ndarray:
        """Monotone map ``T = Q_q ∘ F_p`` on the nodes (quantile matching in log space)."""
        (cp, sp), (cq, sq) = self._cdfs_p, self._cdfs_q
        with np.errstate(divide="ignore"):
            lcp, lsp = np.log(cp), np.log(sp)
            lcq, lsq = np.log(cq), np.log(sq)
        x = self.x
        left = cp <= 0.5
        # left: solve log F_q(y) = log F_p(x); log F_q is non-decreasing along x
        lcq_m = np.maximum.accumulate(np.where(np.isfinite(lcq), lcq, -np.inf))
        valid = np.isfinite(lcq_m)
        t_left = np.interp(lcp, lcq_m[valid], x[valid]) if valid.any() else np.full_like(x, x[0])
        # right: solve -log S_q(y) = -log S_p(x); -log S_q is non-decreasing along x
        nlsq = np.maximum.accumulate(np.where(np.isfinite(lsq), -lsq, np.inf))
        valid_r = np.isfinite(nlsq)
        t_right = np.interp(-lsp, nlsq[valid_r], x[valid_r]) if valid_r.any() else np.full_like(x, x[-1])
        return np.where(left, t_left, t_right)


@dataclass
class Grid2D:
    """Tensor Simpson grid over a box for two 2-D distributions (``scale`` enlarges the box)."""

    p: Any
    q: Any
    scale: float = 1.0
    n_max: int = 321

    def __post_init__(self) -> None:
        rp, rq = self.p.plot_range(), self.q.plot_range()
        feature = min(self.p.resolution(), self.q.resolution())
        axes, weights = [], []
        for i in range(2):
            lo = min(rp[i][0], rq[i][0])
            hi = max(rp[i][1], rq[i][1])
            c, half = 0.5 * (lo + hi), 0.5 * (hi - lo) * 2.0 * self.scale
            n = _even(min(max(2 * half / feature * 8, 100), self.n_max - 1))
            axes.append(np.linspace(c - half, c + half, n + 1))
            weights.append(simpson_weights(n, 2 * half / n))
        self.axes = axes
        gx, gy = np.meshgrid(axes[0], axes[1], indexing="ij")
        self.points = np.stack([gx.ravel(), gy.ravel()], axis=1)
        self.w = np.outer(weights[0], weights[1]).ravel()
        ring = np.zeros((axes[0].size, axes[1].size), dtype=bool)
        for i in range(2):
            a = axes[i]
            span = a[-1] - a[0]
            edge = (a < a[0] + 0.1 * span) | (a > a[-1] - 0.1 * span)
            ring |= edge[:, None] if i == 0 else edge[None, :]
        self.ring = ring.ravel()

    @cached_property
    def lp(self) -> np.ndarray:
        return self.p.logpdf(self.points)

    @cached_property
    def lq(self) -> np.ndarray:
        return self.q.logpdf(self.points)

    def swapped(self) -> Grid2D:
        g = object.__new__(Grid2D)
        g.__dict__.update(self.__dict__)
        g.p, g.q = self.q, self.p
        g.__dict__.pop("lp", None)
        g.__dict__.pop("lq", None)
        if "lp" in self.__dict__:
            g.__dict__["lq"] = self.__dict__["lp"]
        if "lq" in self.__dict__:
            g.__dict__["lp"] = self.__dict__["lq"]
        return g

    def integrate(self, g: np.ndarray) -> float:
        if np.any(np.isnan(g)):
            raise FloatingPointError("NaN in a quadrature integrand (please report this)")
        if np.any(np.isposinf(g)):
            return math.inf
        with np.errstate(over="ignore", invalid="ignore"):
            total = float(np.dot(self.w, g))
            mass = float(np.dot(self.w, np.abs(g)))
            ring = float(np.dot(self.w[self.ring], np.abs(g[self.ring])))
        if not (math.isfinite(total) and math.isfinite(mass)):
            return math.inf
        if ring > 1e-9 * mass:
            raise NonConvergence
        return total

    def integrate_log(self, lg: np.ndarray) -> float:
        if np.any(np.isnan(lg)):
            raise FloatingPointError("NaN in a log-space quadrature integrand (please report this)")
        if np.any(np.isposinf(lg)):
            return math.inf
        lw = np.log(self.w)
        total = float(logsumexp(lw + lg))
        if total == -math.inf:
            return total
        ring = float(logsumexp(lw[self.ring] + lg[self.ring]))
        if ring > total + math.log(1e-9):
            raise NonConvergence
        return total
