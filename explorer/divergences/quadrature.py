r"""Quadrature grids shared by all grid-based divergences.

1-D
    A *bulk* range covering both densities is split at every breakpoint (jumps of a uniform,
    the kink of a Laplace) into segments integrated with composite Simpson's rule on a step
    fine enough for the narrowest feature. Beyond the bulk, each *tail* is mapped with
    :math:`x = b \pm s(e^t - 1)` and integrated with Simpson's rule in :math:`t`, out to
    :math:`10^{30}` times the bulk width. Where the union of the two supports ends at a finite
    edge outside the bulk (0 for ``exp`` of a distribution on the real line) the tail is
    replaced by an *edge layer* :math:`x = e \mp g\,e^{-t}` that approaches the edge
    geometrically (:func:`_outer_nodes`). All integrands are evaluated in log space, so
    densities far in the tails never underflow into ``0 * inf``.

    Two pushforwards through the same bijection (``Transformed(p0, T)``, ``Transformed(q0, T)``)
    get the grid of ``(p0, q0)`` mapped through ``T`` (nodes ``T(u)``, weights ``w_u |T'(u)|``).

    *Infinite integrals.* A convergent tail contributes less and less per octave of
    :math:`|x|`. If the contribution of the last octaves does not shrink (ratio of successive
    blocks of about one octave >= ``DIVERGENT_RATIO``) the integral is reported as ``inf`` - this is how e.g.
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
MAX_EDGE_POINTS = 8192  # cap on the nodes of the layer between the bulk and a finite support edge


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


def _outer_nodes(start: float, sign: float, edge: float, h: float, width: float,
                 extent: float = TAIL_EXTENT) -> tuple[np.ndarray, np.ndarray, int]:
    r"""Nodes and weights beyond one end ``start`` of the bulk, ordered from the bulk outwards.

    ``sign`` is -1 for the left side and +1 for the right; ``edge`` is the end of the union of
    the two supports on that side. Returns ``(x, w, octave)`` where ``octave`` is the number of
    nodes per doubling of the distance (to the bulk for a tail, to the edge for an edge layer).

    * Unbounded support (or density zero beyond ``start``): a tail
      :math:`x = start + sign\cdot s(e^t - 1)` out to ``TAIL_EXTENT`` bulk widths.
    * A finite support edge beyond ``start`` (e.g. 0 for ``exp`` of a distribution on the real
      line): an edge layer :math:`x = edge - sign\cdot gap\, e^{-t}` that approaches the edge
      geometrically, so mass piled up near it (or an integrable singularity at it) is resolved
      and an octave-wise remainder can be extrapolated exactly as in a tail.
    """
    if math.isfinite(edge) and sign * (edge - start) > 0:
        gap = abs(edge - start)
        closest = max(gap / extent, 16.0 * np.finfo(float).eps * abs(edge), 1e-300)
        t_end = math.log(gap / closest)
        dt = max(min(TAIL_DT, h / gap), t_end / MAX_EDGE_POINTS)
        nt = _even(t_end / dt)
        t = np.linspace(0.0, t_end, nt + 1)
        dist = gap * np.exp(-t)
        x = edge - sign * dist
        w = simpson_weights(nt, t_end / nt) * dist
    else:
        s = h / TAIL_DT
        t_max = math.log1p(extent * max(width, 1.0) / s)
        nt = _even(t_max / TAIL_DT)
        t = np.linspace(0.0, t_max, nt + 1)
        x = start + sign * s * np.expm1(t)
        w = simpson_weights(nt, t_max / nt) * s * np.exp(t)
    x[0] = np.nextafter(start, sign * np.inf)
    # an even block length: Simpson's weights alternate 4, 2, 4, ..., so only blocks of an even
    # number of nodes carry equal weight sums (odd blocks made a log-divergent tail's block sums
    # alternate by ±10%, which the divergence test could read as convergence)
    return x, w, max(2, 2 * round(math.log(2.0) / (2.0 * (t[1] - t[0]))))


def _common_transform(p: Any, q: Any) -> Any:
    """The bijection ``T`` if ``p`` and ``q`` are both pushforwards through the same ``T``."""
    tp, tq = getattr(p, "transform", None), getattr(q, "transform", None)
    if tp is None or tq is None or not (hasattr(p, "base") and hasattr(q, "base")):
        return None
    if tp is tq:
        return tp
    try:
        same = type(tp) is type(tq) and bool(vars(tp) == vars(tq))
    except (TypeError, ValueError):  # attributes that do not compare to a single bool
        same = False
    return tp if same else None


def _log_total(w: np.ndarray, lg: np.ndarray) -> tuple[np.ndarray, float]:
    """(log w, log Σ w·exp(lg)) of a log-space quadrature: ``inf`` if ``lg`` holds ``+inf``; a NaN
    in the integrand is a bug upstream, raised rather than returned."""
    if np.any(np.isnan(lg)):
        raise FloatingPointError("NaN in a log-space quadrature integrand (please report this)")
    lw = np.log(w)
    if np.any(np.isposinf(lg)):
        return lw, math.inf
    return lw, float(logsumexp(lw + lg))


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
    tail_extent: float = TAIL_EXTENT
    x: np.ndarray = field(init=False)
    w: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        p, q = self.p, self.q
        transform = _common_transform(p, q)
        if transform is not None:
            self._init_pushforward(transform)
            return
        lo = min(p.quad_range()[0], q.quad_range()[0])
        hi = max(p.quad_range()[1], q.quad_range()[1])
        if not hi > lo:
            hi = lo + 1.0
        width = hi - lo
        feature = min(p.resolution(), q.resolution())
        n_total = int(np.clip(width / feature * STEPS_PER_FEATURE, MIN_POINTS, MAX_POINTS))
        h_target = width / n_total
        cuts = sorted({lo, hi, *(b for b in (*p.breakpoints(), *q.breakpoints()) if lo < b < hi)})
        sup_lo = min(p.support[0], q.support[0])
        sup_hi = max(p.support[1], q.support[1])
        xs, ws = [], []
        # left tail (stored reversed so x is ascending)
        left_x, left_w, self._left_octave = _outer_nodes(lo, -1.0, sup_lo, h_target, width,
                                                                  self.tail_extent)
        xs.append(left_x[::-1].copy())
        ws.append(left_w[::-1].copy())
        # bulk segments between breakpoints
        for a, b in itertools.pairwise(cuts):
            n = _even((b - a) / h_target)
            seg = np.linspace(a, b, n + 1)
            seg[0] = np.nextafter(a, np.inf)
            seg[-1] = np.nextafter(b, -np.inf)
            xs.append(seg)
            ws.append(simpson_weights(n, (b - a) / n))
        right_x, right_w, self._right_octave = _outer_nodes(hi, 1.0, sup_hi, h_target, width,
                                                                    self.tail_extent)
        xs.append(right_x)
        ws.append(right_w)
        sizes = [len(a) for a in xs]
        self.x = np.concatenate(xs)
        self.w = np.concatenate(ws)
        n_all = self.x.size
        # tail slices ordered from the bulk outwards (block length of about one octave: *_octave)
        self._left = np.arange(sizes[0])[::-1]
        self._right = np.arange(n_all - sizes[-1], n_all)
        self.lo, self.hi, self.step = lo, hi, h_target
        self._bulk = slice(sizes[0], n_all - sizes[-1])

    def _init_pushforward(self, transform: Any) -> None:
        """Nodes for two pushforwards ``T#p0``, ``T#q0`` through one bijection ``T``.

        A grid built for ``(p0, q0)`` is mapped through ``T`` (change of variables: nodes
        ``T(u)``, weights ``w_u |T'(u)|``), so the nodes sit where the densities live however
        much ``T`` stretches the line (``exp`` turns a 1-wide Gaussian into a log-normal whose
        features range from 1e-2 to 1e2), and tails are judged octave by octave in ``u``.
        Nodes that over/underflow in ``T`` (``|T(u)| = inf``, ``exp(u) = 0``) are dropped.
        """
        inner = Grid1D(self.p.base, self.q.base, self.tail_extent)
        with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
            x = np.asarray(transform.forward(inner.x), dtype=float)
            jac = np.exp(-transform.log_abs_dinverse(x))  # |T'(u)|
            w = inner.w * jac
        keep = np.isfinite(x) & np.isfinite(w) & (w > 0)
        new_index = np.cumsum(keep) - 1
        left = new_index[inner._left[keep[inner._left]]]
        right = new_index[inner._right[keep[inner._right]]]
        bulk = np.zeros(inner.x.size, dtype=bool)
        bulk[inner._bulk] = True
        self.step = float(inner.step * np.min(jac[bulk & keep]))
        x, w, bulk = x[keep], w[keep], bulk[keep]
        left_oct, right_oct = inner._left_octave, inner._right_octave
        if not transform.increasing:  # reverse so that x ascends; the tails swap sides
            last = x.size - 1
            x, w, bulk = x[::-1].copy(), w[::-1].copy(), bulk[::-1]
            left, right = last - right, last - left
            left_oct, right_oct = right_oct, left_oct
        self.x, self.w = x, w
        self._left, self._right = left, right
        self._left_octave, self._right_octave = left_oct, right_oct
        idx = np.flatnonzero(bulk)
        self.lo, self.hi = float(x[idx[0]]), float(x[idx[-1]])
        self._bulk = slice(int(idx[0]), int(idx[-1]) + 1)

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
    def _tail_remainder(self, idx: np.ndarray, k: int, g: np.ndarray) -> float:
        """Geometric extrapolation of one tail (``k`` nodes per octave), ``inf`` if divergent."""
        contrib = self.w[idx] * g[idx]
        nblocks = (contrib.size - 1) // k  # blocks leave out the end node (weight 1, not 2 or 4)
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
        # extrapolate with the latest octave's ratio when the decay is speeding up (a tail cut
        # short where a pushforward overflows): the 5-octave mean would overstate the rest
        if mag[-2] > 0.0:
            ratio = min(ratio, last / mag[-2])
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
        rem = (self._tail_remainder(self._left, self._left_octave, g)
               + self._tail_remainder(self._right, self._right_octave, g))
        return total + rem

    def integrate_log(self, lg: np.ndarray) -> float:
        """``log`` of the integral of ``exp(lg)`` (``lg`` may hold ``-inf``/``+inf``)."""
        lw, total = _log_total(self.w, lg)
        if not math.isfinite(total):
            return total
        for idx, k in ((self._left, self._left_octave), (self._right, self._right_octave)):
            vals = lw[idx] + lg[idx]
            nb = (vals.size - 1) // k  # as in _tail_remainder
            if nb < 8:  # too short to judge
                continue
            blocks = logsumexp(vals[: nb * k].reshape(nb, k), axis=1)
            last, earlier = blocks[-1], blocks[-6]
            if last == -math.inf:
                continue
            if earlier == -math.inf:
                return math.inf
            log_ratio = (last - earlier) / 5.0
            if log_ratio >= math.log(DIVERGENT_RATIO):
                return math.inf
            if blocks[-2] > -math.inf:  # decay speeding up: see _tail_remainder
                log_ratio = min(log_ratio, last - blocks[-2])
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
    """Tensor grid over a box for two 2-D distributions (``scale`` enlarges the box).

    Simpson weights by default. ``rule="trapezoid"`` gives the trapezoidal rule, which for smooth
    integrands that decay inside the box is exponentially accurate, error ~ exp(−2π²σ²/h²) for
    a Gaussian bump of width σ on step h (Trefethen & Weideman 2014, "The exponentially convergent
    trapezoidal rule", SIAM Review): at σ ≈ h it stays accurate where Simpson's alternating
    weights alias. ``clip`` bounds the box to p's range widened by that many of its widths on
    each side, however far q reaches (the fitting grids: a far-out restart must not coarsen
    everyone's grid).
    """

    p: Any
    q: Any
    scale: float = 1.0
    n_max: int = 321
    rule: str = "simpson"
    clip: float | None = None

    def __post_init__(self) -> None:
        rp, rq = self.p.plot_range(), self.q.plot_range()
        feature = min(self.p.resolution(), self.q.resolution())
        axes, weights = [], []
        for i in range(2):
            lo = min(rp[i][0], rq[i][0])
            hi = max(rp[i][1], rq[i][1])
            c, half = 0.5 * (lo + hi), 0.5 * (hi - lo) * 2.0 * self.scale
            a, b = c - half, c + half
            if self.clip is not None:
                width = rp[i][1] - rp[i][0]
                a, b = max(a, rp[i][0] - self.clip * width), min(b, rp[i][1] + self.clip * width)
                c, half = 0.5 * (a + b), 0.5 * (b - a)
            n = _even(min(max(2 * half / feature * 8, 100), self.n_max - 1))
            axes.append(np.linspace(c - half, c + half, n + 1))
            if self.rule == "trapezoid":
                w = np.full(n + 1, 2 * half / n)
                w[[0, -1]] *= 0.5
                weights.append(w)
            else:
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
        lw, total = _log_total(self.w, lg)
        if not math.isfinite(total):
            return total
        ring = float(logsumexp(lw[self.ring] + lg[self.ring]))
        if ring > total + math.log(1e-9):
            raise NonConvergence
        return total
