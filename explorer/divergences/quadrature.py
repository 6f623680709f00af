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
    See :mod:`explorer.divergences.grid2d` (grids in the distributions' own frames, with an error
    estimate on every integral).
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
GAP_DT = 0.025  # the same in a gap between windows (a constant integrand exact to ~1e-10 there)
TAIL_EXTENT = 1e30  # tails reach this many bulk widths
MIN_POINTS, MAX_POINTS = 1024, 1 << 14
STEPS_PER_FEATURE = 24
MAX_DOUBLINGS = 5
QUANTILE_ATOMS = 256  # atoms per distribution in Grid1D.quantile_atoms
QUANTILE_Z = 4.5  # their levels run from Φ(-4.5) ≈ 3e-6 to 1 - 3e-6 (tails beyond: see _sinkhorn_grid)
CANCELLED = 1e-11  # |q f(p/q) − mass term| below this share of the term is round-off (f_divergence_split)
UNDERFLOWING = 1e-250  # integrand values below this count as zero in f_divergence_split (sub-normal noise)
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


WINDOW_WIDEN = 2.5  # a component's fine window: its quad_range widened this much about its centre
MAX_WINDOW_POINTS = 1 << 14  # cap on the nodes of one component's window
RESOLVABLE = 1e-12
"""Smallest feature width, relative to its distance from 0, that a 1-D grid accepts: nodes a step
apart (width/24) must be distinct float64 numbers with room to spare (~190 ulps a step at this
limit); a unit-width component at 1e150, or a 1e-6-wide one at 1e8, is refused with a ValueError
instead of collapsing onto a few representable nodes and giving TV = 0 for disjoint densities."""


def _windows(d: Any) -> list[tuple[float, float, float]]:
    """Fine windows ``(a, b, step)`` of a 1-D distribution: one per mixture component.

    Each leaf component contributes its own ``quad_range`` (widened by ``WINDOW_WIDEN`` about its
    centre, so a narrow component's flanks stay resolved) with a step of its own ``resolution`` /
    ``STEPS_PER_FEATURE``. A mixture of a 1e-5-wide and a 1-wide component, or of components 1e6
    apart, thus gets nodes at each component's own scale instead of one step for everything.
    """
    components = getattr(d, "components", None)
    weights = getattr(d, "weights", None)
    if components is not None and weights is not None:
        out: list[tuple[float, float, float]] = []
        for w, c in zip(weights, components, strict=True):
            if w > 0:
                out.extend(_windows(c))
        return out
    a, b = (float(v) for v in d.quad_range())
    res, where = d.resolution(), max(abs(a), abs(b))
    if not res >= RESOLVABLE * where:
        raise ValueError(
            f"{d.describe()} has a feature of width {res:.3g} at {where:.3g}: finer than a float64 grid "
            f"resolves there (a width must exceed {RESOLVABLE:g} of its distance from 0); use a closed "
            "form, or shift and rescale the problem")
    c, half = 0.5 * (a + b), 0.5 * (b - a) * WINDOW_WIDEN
    if not half > 0:
        half = max(abs(c), 1.0) * 1e-6
    step = max(d.resolution() / STEPS_PER_FEATURE, 2 * half / MAX_WINDOW_POINTS)
    lo, hi = d.support  # not widened towards a finite support edge (the edge layer resolves it)
    extra = list(getattr(d, "feature_windows", list)())  # e.g. a smoothed jump: nodes at its own scale
    return [(a if math.isfinite(lo) else c - half, b if math.isfinite(hi) else c + half, step), *extra]


def _bulk_pieces(cuts: list[float], windows: list[tuple[float, float, float]],
                 max_step: float) -> list[tuple[float, float, float]]:
    """``(a, b, h)`` for each interval between cuts: ``h`` the finest step of the windows covering it
    (at most ``max_step``), or ``-h_edge`` for a gap no window covers (graded from its ends)."""
    pieces = []
    for a, b in itertools.pairwise(cuts):
        if not b > a:
            continue
        m = 0.5 * (a + b)
        steps = [h for lo, hi, h in windows if lo <= m <= hi]
        pieces.append((a, b, min(min(steps), max_step) if steps else 0.0))
    for i, (a, b, h) in enumerate(pieces):
        if h == 0.0:  # a gap: grade from the finer of the neighbouring steps
            near = [pieces[j][2] for j in (i - 1, i + 1) if 0 <= j < len(pieces) and pieces[j][2] > 0]
            pieces[i] = (a, b, -min(near or [max_step]))
    return pieces


def _ramp(length: float, h: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Offsets ``d`` (0 … ``length``) and weights of nodes whose step grows geometrically from ``h``:
    :math:`d = s(e^t - 1)`, :math:`s = h/\mathrm{GAP\_DT}`, Simpson's rule in t, the weights rescaled
    so that a constant integrates exactly (Simpson in t of :math:`s e^t` alone is good to ~1e-10)."""
    s = h / GAP_DT
    t_max = math.log1p(length / s)
    nt = _even(t_max / GAP_DT)
    t = np.linspace(0.0, t_max, nt + 1)
    d = s * np.expm1(t)
    d[-1] = length
    w = simpson_weights(nt, t_max / nt) * s * np.exp(t)
    return d, w * (length / w.sum())


def _gap_nodes(a: float, b: float, h: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Nodes and weights over a gap ``[a, b]`` between fine windows: from each end the step grows
    geometrically (:func:`_ramp` over each half): the tails of the components on either side are
    resolved with a few hundred nodes however wide the gap (1e6 between two unit-width components)."""
    d, w = _ramp(0.5 * (b - a), h)
    left_x, right_x = a + d, b - d
    left_x[0] = np.nextafter(a, np.inf)
    right_x[0] = np.nextafter(b, -np.inf)
    return np.concatenate([left_x, right_x[::-1]]), np.concatenate([w, w[::-1]])


RAMP_RATIO = 4.0
"""A piece whose step is more than this many times its neighbour's starts with a geometric ramp
from the neighbour's step (:func:`_piece_nodes`)."""


def _piece_nodes(a: float, b: float, h: float, h_left: float,
                 h_right: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Nodes and Simpson weights over a piece ``[a, b]`` of step ``h``, ramping up geometrically from a
    much finer neighbour's step at either end. Without the ramps the first coarse node next to a
    narrow heavy-tailed component (a Cauchy of scale 0.1 inside a Gaussian of std 1e5: still 3e-3 at
    its window's edge) carried a weight of h/3 = 1,400 and the Cauchy's mass came out 2.8."""
    length = b - a
    ramp_l = (h - h_left) / GAP_DT if h > RAMP_RATIO * h_left else 0.0
    ramp_r = (h - h_right) / GAP_DT if h > RAMP_RATIO * h_right else 0.0
    if ramp_l + ramp_r >= length:
        if ramp_l and ramp_r:
            return _gap_nodes(a, b, min(h_left, h_right))
        if ramp_l:
            d, w = _ramp(length, h_left)
            x = a + d
        else:
            d, w = _ramp(length, h_right)
            x, w = (b - d)[::-1], w[::-1]
        x[0], x[-1] = np.nextafter(a, np.inf), np.nextafter(b, -np.inf)
        return x, w
    xs, ws = [], []
    if ramp_l:
        d, w = _ramp(ramp_l, h_left)
        xs.append(a + d)
        ws.append(w)
    lo, hi = a + ramp_l, b - ramp_r
    n = _even((hi - lo) / h)
    xs.append(np.linspace(lo, hi, n + 1))
    ws.append(simpson_weights(n, (hi - lo) / n))
    if ramp_r:
        d, w = _ramp(ramp_r, h_right)
        xs.append((b - d)[::-1])
        ws.append(w[::-1])
    x, w = np.concatenate(xs), np.concatenate(ws)
    x[0], x[-1] = np.nextafter(a, np.inf), np.nextafter(b, -np.inf)
    return x, w


class NonConvergence(Exception):
    """Raised by a 2-D grid when its far region is not negligible (windows too narrow)."""


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
    extra_cuts: tuple[float, ...] = ()
    x: np.ndarray = field(init=False)
    w: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        p, q = self.p, self.q
        transform = _common_transform(p, q)
        if transform is not None:
            self._init_pushforward(transform)
            return
        windows = _windows(p) + _windows(q)
        lo = min(a for a, _, _ in windows)
        hi = max(b for _, b, _ in windows)
        if not hi > lo:
            hi = lo + 1.0
        width = hi - lo
        kinks = (*p.breakpoints(), *q.breakpoints(), *self.extra_cuts)
        cuts = sorted({lo, hi, *(b for b in kinks if lo < b < hi),
                       *(e for a, b, _ in windows for e in (a, b))})
        # at most the step of the former single bulk grid (MIN_POINTS over both quad_ranges)
        span = max(p.quad_range()[1], q.quad_range()[1]) - min(p.quad_range()[0], q.quad_range()[0])
        pieces = _bulk_pieces(cuts, windows, span / MIN_POINTS if span > 0 else width / MIN_POINTS)
        sup_lo = min(p.support[0], q.support[0])
        sup_hi = max(p.support[1], q.support[1])
        xs, ws = [], []
        h_left, h_right = pieces[0][2], pieces[-1][2]
        h_target = min(h for _, _, h in pieces if h > 0)
        # left tail (stored reversed so x is ascending)
        left_x, left_w, self._left_octave = _outer_nodes(lo, -1.0, sup_lo, h_left, width,
                                                          self.tail_extent)
        xs.append(left_x[::-1].copy())
        ws.append(left_w[::-1].copy())
        # bulk: segments between cuts at their own step; gaps covered by no window are graded
        for i, (a, b, h) in enumerate(pieces):
            if h > 0:
                h_l = abs(pieces[i - 1][2]) if i > 0 else h
                h_r = abs(pieces[i + 1][2]) if i + 1 < len(pieces) else h
                seg, sw = _piece_nodes(a, b, h, h_l, h_r)
                xs.append(seg)
                ws.append(sw)
            else:
                gx, gw = _gap_nodes(a, b, -h)
                xs.append(gx)
                ws.append(gw)
        right_x, right_w, self._right_octave = _outer_nodes(hi, 1.0, sup_hi, h_right, width,
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

    # -- where p and q cross: exact masses for TV and for heavy tails ---------------------------
    @cached_property
    def crossings(self) -> np.ndarray:
        """Points where ``log p − log q`` changes sign between nodes, refined by Brent's method."""
        from scipy.optimize import brentq

        with np.errstate(invalid="ignore"):
            d = self.lp - self.lq
        s = np.sign(np.where(np.isnan(d), 0.0, d))
        nz = np.flatnonzero(s)
        change = nz[:-1][s[nz[:-1]] * s[nz[1:]] < 0]
        roots = []
        for i in change:
            a, b = float(self.x[i]), float(self.x[nz[np.searchsorted(nz, i) + 1]])
            if not b > a:
                continue

            def gap(t: float) -> float:
                with np.errstate(all="ignore"):
                    v = float(self.p.logpdf(np.array([t]))[0] - self.q.logpdf(np.array([t]))[0])
                return 0.0 if math.isnan(v) else max(min(v, 1e300), -1e300)

            try:
                roots.append(brentq(gap, a, b, xtol=1e-15 * max(abs(a), abs(b), 1e-300), rtol=1e-15))
            except ValueError:  # a jump (uniform edge) rather than a crossing: the jump is the cut
                roots.append(0.5 * (a + b))
        return np.unique(np.asarray(roots, dtype=float))

    def _interval_masses(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(sign, P(I), Q(I))`` for the intervals between consecutive crossings (the whole line):
        ``sign`` +1 where p > q, −1 where q > p, 0 where they agree; masses from the CDFs, each
        difference taken on the side (CDF or survival function) where it does not cancel."""
        cuts = np.concatenate([[-np.inf], self.crossings, [np.inf]])

        def masses(dist: Any) -> np.ndarray:
            with np.errstate(all="ignore"):
                c, s = dist.cdf_sf(cuts)
            c, s = np.asarray(c, dtype=float), np.asarray(s, dtype=float)
            c[0], s[0], c[-1], s[-1] = 0.0, 1.0, 1.0, 0.0
            left = np.diff(c)
            right = -np.diff(s)
            return np.clip(np.where(c[1:] <= 0.5, left, right), 0.0, 1.0)

        with np.errstate(invalid="ignore"):
            d = self.lp - self.lq
        d = np.where(np.isnan(d), 0.0, d)
        which = np.searchsorted(self.crossings, self.x)
        sign = np.zeros(cuts.size - 1)
        for k in range(sign.size):
            sel = d[which == k]
            if sel.size:
                sign[k] = np.sign(sel[np.argmax(np.abs(sel))])
        return sign, masses(self.p), masses(self.q)

    def tv_exact(self) -> float:
        r"""TV(p, q) = Σ over the intervals I where p > q of P(I) − Q(I), from the CDFs at the crossing
        points: exact up to the crossings' location, whatever the tails (Student t with ν = 0.01)."""
        sign, mp, mq = self._interval_masses()
        pos = sign > 0
        return float(min(max(np.sum(mp[pos] - mq[pos]), 0.0), 1.0))

    @cached_property
    def split_grid(self) -> Grid1D:
        """This grid with a cut at every crossing of p and q inside the bulk (a node exactly there), where
        the integrands of :meth:`f_divergence_split` have a kink: integrated across a kink, Simpson's
        rule is only O(h²) (H² of N(0,1), N(1,1.5²) was 1.6e-5 off); the pushforward grids keep theirs."""
        if not self.crossings.size or _common_transform(self.p, self.q) is not None:
            return self
        g = Grid1D(self.p, self.q, self.tail_extent, extra_cuts=tuple(float(c) for c in self.crossings))
        g.__dict__["crossings"] = self.crossings
        return g

    def f_divergence_split(self, integrand: Any, f0: float, f_inf: float) -> float:
        r"""An f-divergence with finite :math:`f(0)` and :math:`f'(∞) = \lim f(t)/t`, its tails counted
        by mass: on each interval I between crossings,

        .. math:: \int_I q f(p/q) = f'(∞) P(I) + \int_I [q f(p/q) − f'(∞) p]   \quad (p > q),

        and :math:`f(0) Q(I) + \int_I [q f(p/q) − f(0) q]` where q > p. The masses come from the CDFs
        and the remaining integrands decay like the *lighter* of p and q, so a density with tails
        too heavy for any grid (``StudentT(0.01)``: half its mass beyond 1e30) still gives JS, H²...
        ``integrand(lp, lq)`` gives :math:`q f(p/q)` from the log-densities; it is integrated on
        :attr:`split_grid` (nodes at the crossings, where the remainders have kinks)."""
        sign, mp, mq = self._interval_masses()
        h = self.split_grid
        g = integrand(h.lp, h.lq)
        with np.errstate(invalid="ignore"):
            d = h.lp - h.lq
        d = np.where(np.isnan(d), 0.0, d)
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            mass_term = np.where(d > 0, f_inf * np.exp(h.lp), f0 * np.exp(h.lq))
            rest = g - mass_term
        # where the subtraction cancels to round-off, the remainder is zero (noise there would
        # look like a non-decaying tail to the divergence test); so is a difference of two numbers
        # below UNDERFLOWING, whose few significant bits are noise of the same kind
        cancelled = (np.abs(rest) <= CANCELLED * np.abs(mass_term)) | (
            (np.abs(mass_term) < UNDERFLOWING) & (np.abs(g) < UNDERFLOWING))
        rest = np.where(np.isfinite(rest) & ~cancelled, rest, 0.0)
        masses = np.sum(np.where(sign > 0, f_inf * mp, f0 * mq))
        return float(h.integrate(rest) + masses)

    # -- CDF helpers for the Wasserstein distances --------------------------------------------
    def cdf_gap(self) -> np.ndarray:
        """``|F_p(x) - F_q(x)|`` evaluated without cancellation in either tail."""
        (cp, sp), (cq, sq) = self._cdfs_p, self._cdfs_q
        left = 0.5 * (cp + cq) <= 0.5
        return np.where(left, np.abs(cp - cq), np.abs(sp - sq))

    def _quantiles(self, cdfs: tuple[np.ndarray, np.ndarray], log_u: np.ndarray,
                   log_v: np.ndarray) -> np.ndarray:
        """Quantiles at levels ``u`` given as ``log u`` and ``log(1 - u)``, by monotone interpolation
        of the log-CDF (``u <= 1/2``) or the log-survival function (``u > 1/2``) on the nodes, so a
        level of 1e-300 in either tail is placed without cancellation."""
        cdf, sf = cdfs
        with np.errstate(divide="ignore"):
            lc, ls = np.log(cdf), np.log(sf)
        x = self.x
        lc_m = np.maximum.accumulate(np.where(np.isfinite(lc), lc, -np.inf))
        ok = np.isfinite(lc_m)
        left = np.interp(log_u, lc_m[ok], x[ok]) if ok.any() else np.full_like(log_u, x[0])
        nls = np.maximum.accumulate(np.where(np.isfinite(ls), -ls, np.inf))
        ok_r = np.isfinite(nls)
        right = np.interp(-log_v, nls[ok_r], x[ok_r]) if ok_r.any() else np.full_like(log_v, x[-1])
        return np.where(log_u <= math.log(0.5), left, right)

    def transport_map(self) -> np.ndarray:
        """Monotone map ``T = Q_q ∘ F_p`` on the nodes (quantile matching in log space)."""
        (cp, sp) = self._cdfs_p
        with np.errstate(divide="ignore"):
            return self._quantiles(self._cdfs_q, np.log(cp), np.log(sp))

    def quantile_atoms(self, n: int = QUANTILE_ATOMS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""A tail-resolving discretisation of p and q: ``(x_p, x_q, mass)``.

        Atom ``i`` of each distribution sits at its quantile of level :math:`\Phi(z_i)`, ``z`` on a
        regular grid of ``[-Z, Z]`` (``Z`` = ``QUANTILE_Z``), and carries the mass
        :math:`\Phi(z_{i+1/2}) - \Phi(z_{i-1/2})` (the end atoms also the rest of their tail). The
        levels crowd into both tails like a Gaussian's (down to ~3e-6), so heavy tails are
        represented instead of piled into an edge bin, and p shifted by τ gets exactly p's atoms
        shifted by τ (the same masses on both sides).
        """
        from scipy import special

        z = np.linspace(-QUANTILE_Z, QUANTILE_Z, n)
        edges = np.concatenate([[-np.inf], 0.5 * (z[1:] + z[:-1]), [np.inf]])
        mass = np.diff(special.ndtr(edges))
        mass = mass / mass.sum()
        log_u, log_v = special.log_ndtr(z), special.log_ndtr(-z)
        return (self._quantiles(self._cdfs_p, log_u, log_v),
                self._quantiles(self._cdfs_q, log_u, log_v), mass)
