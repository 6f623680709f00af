r"""Bounded f-divergences stay within their bounds, and their heavy tails are counted by mass.

An f-divergence with finite :math:`f(0)` and :math:`f'(∞) = \lim_{t→∞} f(t)/t` (TV, H², JS) satisfies
:math:`0 ≤ D_f ≤ f(0) + f'(∞)`, the upper value reached by disjoint supports (Liese & Vajda 2006,
"On divergences and informations in statistics and information theory", IEEE Trans. Inf. Theory).
In 1-D such a divergence is computed with :meth:`~explorer.divergences.quadrature.Grid1D.f_divergence_split`
(the masses of p and q between the crossing points from their CDFs, the rest by quadrature), which
stays right for tails no grid can hold; a result above the bound by more than round-off is a bug
and is raised, never returned. In 2-D an excess within the grid's error estimate is clamped, a
larger one clamped with an "approximate" note.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from explorer import _notes
from explorer.divergences.grid2d import Grid2D
from explorer.divergences.measures import tv_measure
from explorer.divergences.quadrature import Grid1D
from explorer.divergences.registry import Divergence

__all__ = ["BOUND_ROUNDOFF", "MASS_TOL", "f_bound", "within_f_bound"]


BOUND_ROUNDOFF = 1e-6
"""Relative excess over an f-divergence's bound f(0) + f'(∞) still read as round-off (and clamped)."""


def f_bound(div: Divergence) -> tuple[float, float] | None:
    """``(f(0), f'(∞))`` of an f-divergence whose both are finite (then D_f ≤ f(0) + f'(∞), reached
    by disjoint supports: TV 1, H² 1, JS log 2), else ``None``."""
    if not div.f_divergence or div.generator is None or div.params:
        return None
    with np.errstate(all="ignore"):
        f0 = float(div.generator(np.float64(0.0)))
        if math.isnan(f0):  # 0·log 0 written literally: the limit t → 0
            f0 = float(div.generator(np.float64(1e-300)))
        f_inf = float(div.generator(np.float64(1e20))) / 1e20
        f_far = float(div.generator(np.float64(1e40))) / 1e40
    # f(t)/t must settle (KL's t log t / t = log t does not)
    if not (math.isfinite(f0) and math.isfinite(f_far) and abs(f_far - f_inf) <= 1e-8 * max(1.0, abs(f_far))):
        return None
    return f0, f_far


MASS_TOL = 1e-8
"""A grid "holds" a density when its quadrature of the density is within this of 1."""


def within_f_bound(div: Divergence, g: Any, value: float, params: dict) -> float:
    """A bounded f-divergence (finite f(0) and f'(∞)) never leaves ``[0, f(0) + f'(∞)]``.

    Where the 1-D grid does not hold the mass of p or q (a tail no grid can hold, e.g. a Student t
    with ν = 0.01, half of whose mass lies beyond 1e30) or the plain integral is not finite, the
    value is recomputed with the tails counted by mass (:meth:`Grid1D.f_divergence_split`); an
    excess over the bound within round-off is clamped, a larger one is a bug and raised. On a 2-D
    grid every entry with a finite ``upper_bound`` is clamped to it: silently if the excess is
    within the grid's error estimate, else with an "approximate" note.
    """
    if isinstance(g, Grid2D):
        return _within_bound_2d(div, g, value)
    fb = f_bound(div)
    if fb is None or not isinstance(g, Grid1D):
        return value
    top = div.upper_bound if math.isfinite(div.upper_bound) else fb[0] + fb[1]
    if div.integrand is not None and div.measure is not tv_measure and not (
            math.isfinite(value) and _holds_mass(g)):
        value = g.f_divergence_split(lambda lp, lq: div.integrand(lp, lq, **params), *fb)
    if not value <= top * (1.0 + BOUND_ROUNDOFF) + 1e-12:
        raise FloatingPointError(f"{div.name} = {value!r} exceeds its bound {top:g} (please report this)")
    return min(max(value, 0.0), top)


def _within_bound_2d(div: Divergence, g: Grid2D, value: float) -> float:
    """Clamp a 2-D value into ``[0, upper_bound]`` (a note if the excess is beyond the error estimate)."""
    if value < 0.0 and -value <= g.error:
        return 0.0
    top = div.upper_bound
    if not math.isfinite(top) or not value > top:
        return value
    if value - top > max(g.error, BOUND_ROUNDOFF * top):
        _notes.add(f"approximate: the 2-D quadrature gave {value:.6g}, above the bound {top:g}; clamped")
    return top


def _holds_mass(g: Grid1D) -> bool:
    with np.errstate(over="ignore", under="ignore"):
        masses = [g.integrate(np.exp(lg)) for lg in (g.lp, g.lq)]
    return all(abs(m - 1.0) <= MASS_TOL for m in masses)
