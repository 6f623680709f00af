r"""2-D quadrature grids built from the distributions, with an error estimate on every integral.

:class:`Grid2D` (the calculator's grid) is a tensor-product Simpson grid in a *frame* chosen from
the distributions: the identity or the eigenbasis of one of their Gaussian components, whichever
needs the fewest nodes. Along each axis of the frame every component contributes a *window*
(± ``WINDOW_Z`` of its marginal standard deviations about its mean) with a step of its
*conditional* standard deviation / ``STEPS_2D`` (the width of the component along that axis with
the other coordinate fixed, which is what a tensor grid has to resolve); windows are merged
taking the finest step, and gaps between them are bridged by geometrically graded nodes. A
component 100× narrower in one direction, or a nearly singular covariance
(``[[1, .999999], [.999999, 1]]``, std 1e-3 across the diagonal), is then resolved with a few
hundred nodes per axis instead of being missed by a box grid set by the wide one.

*Error estimate.* Each integral is also computed by the coarser Simpson rule on every other node
of both axes; :math:`|I_h - I_{2h}|` (an overestimate of the fine rule's error for smooth
integrands, about 3× it for kinks such as TV's :math:`|p - q|`) above ``TOL_2D`` of
:math:`\int |g|` refines the grid (step halved, up to ``MAX_REFINE_2D`` times within
``MAX_NODES_2D``); if it still cannot meet it, the value gets an ``"approximate: ..."`` note
(:mod:`explorer._notes`).

*Tails.* If the part of the grid farther than 0.8 ``WINDOW_Z`` standard deviations from every
component still carries more than 1e-9 of the integral, :class:`NonConvergence` asks for windows
twice as wide (``scale``), and after ``MAX_DOUBLINGS`` the integral is reported infinite.

:class:`BoxGrid2D` is the plain box grid the fitting objectives use while optimising (a
truncated surrogate; the reported value of a fit is recomputed on :class:`Grid2D`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from explorer import _notes
from explorer._numerics import logsumexp
from explorer.divergences.quadrature import TAIL_DT, NonConvergence, _even, _log_total, simpson_weights

__all__ = ["MAX_NODES_2D", "MAX_REFINE_2D", "STEPS_2D", "TOL_2D", "WINDOW_Z", "BoxGrid2D", "Grid2D",
           "Refine"]

STEPS_2D = 4
"""Nodes per conditional standard deviation of a Gaussian component, per axis (Simpson's rule on a
Gaussian at h = σ/4 is exact to round-off; the coarse rule at σ/2 to ~1e-9)."""
WINDOW_Z = 9.0
"""A component's window reaches this many marginal standard deviations from its mean."""
TOL_2D = 1e-4
"""Tolerance of the error estimate |I_h − I_2h| relative to ∫|g| (or of a log-integral)."""
MAX_REFINE_2D = 2
"""Largest number of step halvings of a grid whose error estimate is above TOL_2D."""
MAX_NODES_2D = 1 << 21
"""Largest number of nodes of a refined grid."""
MAX_AXIS_2D = 1025
"""Largest number of nodes per axis of an unrefined grid (steps are coarsened beyond it)."""
RING_SHARE = 1e-9
"""Share of ∫|g| the far region may carry before the windows are widened."""
ANISOTROPY = 2.0
"""Components whose covariance has a condition number above this propose their eigenbasis as frame."""
MAX_FRAMES = 6


class Refine(Exception):
    """Raised by a :class:`Grid2D` integral whose error estimate is above tolerance (refinable)."""


@dataclass(frozen=True)
class _Leaf:
    mean: np.ndarray
    cov: np.ndarray
    feature: float | None = None  # narrowest feature if not a Gaussian (steps at most this / STEPS_2D)


def _leaves(d: Any) -> list[_Leaf]:
    """Gaussian components of ``d`` (exact mixture form), else a box around its plotting range."""
    parts = d._gm_parts() if hasattr(d, "_gm_parts") else None
    if parts is not None:
        w, m, c = parts
        keep = np.asarray(w) > 0
        return [_Leaf(np.asarray(mi, float), np.asarray(ci, float))
                for mi, ci in zip(m[keep], c[keep], strict=True)]
    comps, weights = getattr(d, "components", None), getattr(d, "weights", None)
    if comps is not None and weights is not None:
        return [leaf for w, c in zip(weights, comps, strict=True) if w > 0 for leaf in _leaves(c)]
    (x0, x1), (y0, y1) = d.plot_range()  # ± 4 "standard deviations"
    half = np.array([x1 - x0, y1 - y0]) / 8.0
    return [_Leaf(np.array([0.5 * (x0 + x1), 0.5 * (y0 + y1)]), np.diag(half**2), float(d.resolution()))]


def _frames(leaves: list[_Leaf]) -> list[np.ndarray]:
    """Candidate frames: the identity and the eigenbases of the most anisotropic components."""
    frames = [np.eye(2)]
    cands = []
    for leaf in leaves:
        vals, vecs = np.linalg.eigh(leaf.cov)
        if vals[0] > 0 and vals[1] > ANISOTROPY * vals[0]:
            cands.append((vals[1] / vals[0], vecs))
    cands.sort(key=lambda t: -t[0])
    angles = [0.0]
    for _, vecs in cands:
        ang = math.atan2(vecs[1, 0], vecs[0, 0]) % (math.pi / 2)
        if all(min(abs(ang - a), math.pi / 2 - abs(ang - a)) > 1e-3 for a in angles):
            angles.append(ang)
            frames.append(np.array([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]]))
        if len(frames) > MAX_FRAMES:
            break
    return frames


def _windows(leaves: list[_Leaf], frame: np.ndarray, axis: int, z: float) -> np.ndarray:
    """(K, 3) windows ``(lo, hi, step)`` of every component along ``axis`` of ``frame``."""
    e = frame[:, axis]
    means = np.array([leaf.mean for leaf in leaves])
    covs = np.array([leaf.cov for leaf in leaves])
    c = means @ e
    marg = np.sqrt(np.maximum(np.einsum("i,kij,j->k", e, covs, e), 0.0))
    with np.errstate(divide="ignore"):
        prec = np.einsum("i,kij,j->k", e, np.linalg.pinv(covs), e)
        cond = np.where(prec > 0, 1.0 / np.sqrt(prec), marg)
    feature = np.array([np.inf if leaf.feature is None else leaf.feature for leaf in leaves])
    step = np.minimum(np.minimum(cond, marg), feature) / STEPS_2D
    scale_of = np.maximum(np.abs(c), 1.0)
    marg = np.maximum(marg, 1e-12 * scale_of)
    step = np.maximum(step, 1e-13 * scale_of)
    return np.column_stack([c - z * marg, c + z * marg, step])


def _piece(a: float, b: float, h: float, graded: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes, fine and coarse (every other node) Simpson weights on ``[a, b]``.

    ``graded`` 0: step about ``h``; 1/-1: step ``h`` at ``a``/``b`` growing geometrically away
    from it (x = a + s(e^t − 1)); 2: graded from both ends (a gap between windows).
    """
    if graded == 2:
        mid = 0.5 * (a + b)
        x1, w1, c1 = _piece(a, mid, h, 1)
        x2, w2, c2 = _piece(mid, b, h, -1)
        return np.concatenate([x1, x2]), np.concatenate([w1, w2]), np.concatenate([c1, c2])
    if graded == 0:
        n = 4 * max(1, math.ceil((b - a) / h / 4))
        t = np.linspace(0.0, b - a, n + 1)
        x, jac = a + t, np.ones(n + 1)
        t_end = b - a
    else:
        s = h / TAIL_DT
        t_end = math.log1p((b - a) / s)
        n = 4 * max(1, math.ceil(t_end / TAIL_DT / 4))
        t = np.linspace(0.0, t_end, n + 1)
        d = s * np.expm1(t)
        d[-1] = b - a
        jac = s * np.exp(t)
        x = a + d if graded == 1 else b - d
        if graded == -1:
            x, jac = x[::-1], jac[::-1]
    w = simpson_weights(n, t_end / n) * jac
    wc = np.zeros(n + 1)
    wc[::2] = simpson_weights(n // 2, 2 * t_end / n) * jac[::2]
    return x, w, wc


def _axis(windows: np.ndarray, refine: int, cap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes and fine/coarse weights along one axis covering all windows (finest step wins)."""
    w = windows.copy()
    w[:, 2] /= 2.0**refine
    cuts = np.unique(np.concatenate([w[:, 0], w[:, 1]]))
    while True:
        mids = 0.5 * (cuts[1:] + cuts[:-1])
        cover = (w[None, :, 0] <= mids[:, None]) & (mids[:, None] <= w[None, :, 1])
        steps = np.where(cover, w[None, :, 2], np.inf).min(axis=1)
        # merge neighbouring pieces of one step (many overlapping KDE windows)
        keep = np.concatenate([[True], steps[1:] != steps[:-1]])
        starts = np.flatnonzero(keep)
        a = cuts[starts]
        b = np.concatenate([cuts[starts[1:]], [cuts[-1]]])
        h = steps[starts]
        fine = np.isfinite(h)
        n_fine = np.sum(np.ceil((b[fine] - a[fine]) / h[fine]))
        if n_fine <= cap or refine > 0:
            break
        w[:, 2] *= 1.5 * n_fine / cap  # too many nodes: coarsen every step alike (error estimate tells)
    xs, ws, cs = [], [], []
    for i, (ai, bi, hi) in enumerate(zip(a, b, h, strict=True)):
        if not bi > ai:
            continue
        if np.isfinite(hi):
            x, wf, wc = _piece(ai, bi, hi, 0)
        else:  # a gap: graded from the finer neighbouring steps
            near = [h[j] for j in (i - 1, i + 1) if 0 <= j < len(h) and np.isfinite(h[j])]
            x, wf, wc = _piece(ai, bi, min(near), 2)
        xs.append(x)
        ws.append(wf)
        cs.append(wc)
    return np.concatenate(xs), np.concatenate(ws), np.concatenate(cs)


class Grid2D:
    """Shared 2-D quadrature grid for two distributions ``p`` and ``q`` (see the module docstring).

    Attributes
    ----------
    points, w : ndarray
        Nodes (m, 2) and Simpson weights (m,); ``w_coarse`` the coarse rule's weights.
    lp, lq : ndarray
        ``p.logpdf(points)``, ``q.logpdf(points)``.
    error : float
        Error estimate |I_h − I_2h| of the latest integral (absolute; for a log-integral, relative).
    """

    def __init__(self, p: Any, q: Any, scale: float = 1.0, refine: int = 0, n_max: int = MAX_AXIS_2D):
        self.p, self.q, self.scale, self.refine = p, q, scale, refine
        leaves = _leaves(p) + _leaves(q)
        z = WINDOW_Z * scale
        best = None
        for frame in _frames(leaves):
            axes = [_axis(_windows(leaves, frame, i, z), refine, n_max) for i in range(2)]
            size = axes[0][0].size * axes[1][0].size
            if best is None or size < best[0]:
                best = (size, frame, axes)
        _, frame, axes = best
        self.frame, self.axes = frame, [a[0] for a in axes]
        u, v = np.meshgrid(axes[0][0], axes[1][0], indexing="ij")
        uv = np.stack([u.ravel(), v.ravel()], axis=1)
        self.points = uv @ frame.T
        self.w = np.outer(axes[0][1], axes[1][1]).ravel()
        self.w_coarse = np.outer(axes[0][2], axes[1][2]).ravel()
        self.ring = self._far(leaves, axes, 0.8 * z, frame)
        self.error = 0.0

    @staticmethod
    def _far(leaves: list[_Leaf], axes: list, z: float, frame: np.ndarray) -> np.ndarray:
        """Nodes farther than ``z`` marginal standard deviations (along some axis) from every component."""
        inside = []
        for i in range(2):
            win = _windows(leaves, frame, i, z)
            x = axes[i][0]
            inside.append(((win[None, :, 0] <= x[:, None]) & (x[:, None] <= win[None, :, 1])).astype(float))
        near = inside[0] @ inside[1].T  # components whose window holds both coordinates
        return (near == 0).ravel()

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

    def _check(self, rel: float) -> None:
        """Refine (raise :class:`Refine`) or note a relative error estimate above tolerance."""
        if not rel > TOL_2D:
            return
        if self.refine < MAX_REFINE_2D and 4 * self.w.size <= MAX_NODES_2D:
            raise Refine
        _notes.add(f"approximate: 2-D quadrature error estimate {rel:.1e} (relative) above {TOL_2D:.0e}")

    def integrate(self, g: np.ndarray) -> float:
        """Integral of the sampled integrand ``g`` (finite or ``+inf`` entries; NaN is a bug)."""
        if np.any(np.isnan(g)):
            raise FloatingPointError("NaN in a quadrature integrand (please report this)")
        if np.any(np.isposinf(g)):
            return math.inf
        with np.errstate(over="ignore", invalid="ignore"):
            total = float(np.dot(self.w, g))
            coarse = float(np.dot(self.w_coarse, g))
            mass = float(np.dot(self.w, np.abs(g)))
            ring = float(np.dot(self.w[self.ring], np.abs(g[self.ring])))
        if not (math.isfinite(total) and math.isfinite(mass) and math.isfinite(coarse)):
            return math.inf
        if ring > RING_SHARE * mass:
            raise NonConvergence
        self.error = abs(total - coarse)
        self._check(self.error / mass if mass > 0 else 0.0)
        return total

    def integrate_log(self, lg: np.ndarray) -> float:
        """``log`` of the integral of ``exp(lg)`` (``lg`` may hold ``-inf``/``+inf``)."""
        lw, total = _log_total(self.w, lg)
        if not math.isfinite(total):
            return total
        ring = float(logsumexp(lw[self.ring] + lg[self.ring])) if self.ring.any() else -math.inf
        if ring > total + math.log(RING_SHARE):
            raise NonConvergence
        with np.errstate(divide="ignore"):
            coarse = float(logsumexp(np.log(self.w_coarse) + lg))
        self.error = abs(math.expm1(coarse - total)) if math.isfinite(coarse) else 1.0
        self._check(self.error)
        return total


@dataclass
class BoxGrid2D:
    """Tensor grid over a box for two 2-D distributions (``scale`` enlarges the box).

    Used by the fitting objectives (a fast surrogate while optimising). Simpson weights by
    default. ``rule="trapezoid"`` gives the trapezoidal rule, which for smooth integrands that
    decay inside the box is exponentially accurate, error ~ exp(−2π²σ²/h²) for a Gaussian bump of
    width σ on step h (Trefethen & Weideman 2014, "The exponentially convergent trapezoidal
    rule", SIAM Review): at σ ≈ h it stays accurate where Simpson's alternating weights alias.
    ``clip`` bounds the box to p's range widened by that many of its widths on each side, however
    far q reaches (a far-out restart must not coarsen everyone's grid).
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
