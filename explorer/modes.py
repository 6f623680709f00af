r"""Modes of a target and how much of each a fitted model covers; differential entropy.

A *mode region* is the set of points a mode "owns":

* for a :class:`~explorer.presets.Target` whose modes are groups of mixture components, the
  points where that group's weighted density is the largest;
* otherwise (a KDE of data, a Student t, ...) the basin of attraction of a local maximum of the
  density (steepest ascent on a grid), keeping only peaks whose height is at least 5 % of the
  highest one.

:func:`coverage` integrates p and q over each region on a quadrature grid. A mode counts as
*covered* when q puts at least ``threshold`` (default ¼) of the mass p puts there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer._numerics import logsumexp
from explorer.distributions import Distribution, Gaussian, Mixture
from explorer.divergences import quadrature as quad
from explorer.divergences.grid2d import Grid2D
from explorer.presets import Target

__all__ = ["ModeCoverage", "coverage", "entropy", "mode_labels"]

PEAK_FRACTION = 0.05


@dataclass(frozen=True)
class ModeCoverage:
    """Mass of p and q in each mode region of p."""

    p_mass: np.ndarray
    q_mass: np.ndarray
    centres: np.ndarray
    threshold: float

    @property
    def n_modes(self) -> int:
        return int(self.p_mass.size)

    @property
    def covered(self) -> np.ndarray:
        return self.q_mass >= self.threshold * self.p_mass

    @property
    def n_covered(self) -> int:
        return int(np.sum(self.covered))

    def summary(self) -> str:
        return f"{self.n_covered} of {self.n_modes} modes covered"


def _nodes(p: Distribution, q: Distribution) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes and weights covering both p and q."""
    if p.dim == 1:
        g = quad.Grid1D(p, q)
        return g.x, g.w
    g = Grid2D(p, q, n_max=201)
    return g.points, g.w


def _group_labels(p: Mixture, groups: list[tuple[int, ...]], x: np.ndarray) -> np.ndarray:
    logs = []
    for grp in groups:
        terms = [np.log(p.weights[i]) + p.components[i].logpdf(x) for i in grp if p.weights[i] > 0]
        logs.append(logsumexp(np.stack(terms), axis=0))
    return np.argmax(np.stack(logs), axis=0)


def _basins_1d(p: Distribution, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = p.plot_range()
    fine = np.linspace(lo, hi, 2001)
    dens = p.pdf(fine)
    peaks = [i for i in range(1, fine.size - 1) if dens[i] >= dens[i - 1] and dens[i] > dens[i + 1]]
    if not peaks:
        peaks = [int(np.argmax(dens))]
    peaks = [i for i in peaks if dens[i] >= PEAK_FRACTION * dens.max()]
    cuts = [fine[a + int(np.argmin(dens[a:b + 1]))] for a, b in zip(peaks[:-1], peaks[1:], strict=True)]
    return np.searchsorted(np.asarray(cuts), x), fine[peaks]


def _basins_2d(p: Distribution, n: int = 121) -> tuple[Any, np.ndarray]:
    (x0, x1), (y0, y1) = p.plot_range()
    gx, gy = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    pts = np.stack(np.meshgrid(gx, gy, indexing="ij"), axis=-1).reshape(-1, 2)
    dens = p.pdf(pts).reshape(n, n)
    padded = np.pad(dens, 1, constant_values=-1.0)
    best = np.arange(n * n).reshape(n, n)
    best_val = dens.copy()
    idx = np.arange(n * n).reshape(n, n)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di == dj == 0:
                continue
            nb = padded[1 + di:n + 1 + di, 1 + dj:n + 1 + dj]
            better = nb > best_val
            shifted = np.roll(np.roll(idx, -di, axis=0), -dj, axis=1)
            best = np.where(better, shifted, best)
            best_val = np.where(better, nb, best_val)
    pointer = best.ravel()
    for _ in range(4 * n):  # pointer jumping to the peaks
        nxt = pointer[pointer]
        if np.array_equal(nxt, pointer):
            break
        pointer = nxt
    flat = dens.ravel()
    peaks = np.unique(pointer)
    keep = peaks[flat[peaks] >= PEAK_FRACTION * flat.max()]
    centres = pts[keep]

    def label(x: np.ndarray) -> np.ndarray:
        # a point belongs to the basin of its grid cell; cells of dropped peaks go to the nearest kept one
        i = np.clip(np.rint((x[:, 0] - x0) / (x1 - x0) * (n - 1)).astype(int), 0, n - 1)
        j = np.clip(np.rint((x[:, 1] - y0) / (y1 - y0) * (n - 1)).astype(int), 0, n - 1)
        peak_of = pointer[i * n + j]
        lab = np.searchsorted(keep, peak_of)
        ok = (lab < keep.size) & (keep[np.minimum(lab, keep.size - 1)] == peak_of)
        d2 = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
        return np.where(ok, lab, np.argmin(d2, axis=1))

    return label, centres


def mode_labels(target: Target | Distribution, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mode index of each point of ``x`` and the mode centres (see the module docstring)."""
    t = target if isinstance(target, Target) else Target(target)
    p = t.p
    if t.modes and isinstance(p, Mixture):
        centres = np.array([
            np.average([np.atleast_1d(p.components[i].mean) for i in grp], axis=0,
                       weights=[p.weights[i] for i in grp])
            for grp in t.modes
        ])
        return _group_labels(p, t.modes, x), (centres[:, 0] if p.dim == 1 else centres)
    if p.dim == 1:
        return _basins_1d(p, x)
    label, centres = _basins_2d(p)
    return label(x), centres


def coverage(target: Target | Distribution, q: Distribution, threshold: float = 0.25) -> ModeCoverage:
    """Mass of p and of q in every mode region of p (1-D and 2-D)."""
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must lie in (0, 1], got {threshold}")
    t = target if isinstance(target, Target) else Target(target)
    if t.p.dim != q.dim:
        raise ValueError(f"target is {t.p.dim}-D but q is {q.dim}-D")
    x, w = _nodes(t.p, q)
    labels, centres = mode_labels(t, x)
    k = len(centres)
    pm = np.bincount(labels, weights=w * t.p.pdf(x), minlength=k)[:k]
    qm = np.bincount(labels, weights=w * q.pdf(x), minlength=k)[:k]
    return ModeCoverage(pm, qm, np.asarray(centres), threshold)


def entropy(q: Distribution) -> float:
    r"""Differential entropy :math:`H(q) = -\int q \log q` in nats (closed form for Gaussians)."""
    if isinstance(q, Gaussian):
        d = q.dim
        _, logdet = np.linalg.slogdet(q.cov)
        return 0.5 * (d * (1 + math.log(2 * math.pi)) + logdet)
    if q.dim == 1:
        g = quad.Grid1D(q, q)
        lq = g.lp
    else:
        g = Grid2D(q, q)
        lq = g.lp
    with np.errstate(invalid="ignore"):
        integrand = np.where(np.isfinite(lq), -np.exp(lq) * lq, 0.0)
    return g.integrate(integrand)
