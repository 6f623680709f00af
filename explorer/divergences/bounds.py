r"""Bounded f-divergences stay within their bounds, and their heavy tails are counted by mass.

An f-divergence with finite :math:`f(0)` and :math:`f'(∞) = \lim_{t→∞} f(t)/t` (TV, H², JS) satisfies
:math:`0 ≤ D_f ≤ f(0) + f'(∞)`, the upper value reached by disjoint supports (Liese & Vajda 2006,
"On divergences and informations in statistics and information theory", IEEE Trans. Inf. Theory).
In 1-D such a divergence is computed with :meth:`~explorer.divergences.quadrature.Grid1D.f_divergence_split`
(the masses of p and q between the crossing points from their CDFs, the rest by quadrature), which
stays right for tails no grid can hold; a result above the bound by more than round-off is a bug
and is raised, never returned.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from explorer.divergences.measures import tv_measure
from explorer.divergences.quadrature import Grid1D
from explorer.divergences.registry import Divergence

__all__ = ["BOUND_ROUNDOFF", "f_bound", "within_f_bound"]


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


def within_f_bound(div: Divergence, g: Any, value: float, params: dict) -> float:
    """A bounded f-divergence (finite f(0) and f'(∞)) in 1-D is computed with its tails counted by
    mass (:meth:`Grid1D.f_divergence_split`: right for tails no grid can hold, e.g. a Student t with
    ν = 0.01) and never leaves ``[0, f(0) + f'(∞)]``: an excess within round-off is clamped, a
    larger one is a bug and raised."""
    fb = f_bound(div)
    if fb is None or not isinstance(g, Grid1D):
        return value
    top = div.upper_bound if math.isfinite(div.upper_bound) else fb[0] + fb[1]
    if div.integrand is not None and div.measure is not tv_measure:
        value = g.f_divergence_split(lambda lp, lq: div.integrand(lp, lq, **params), *fb)
    if not value <= top * (1.0 + BOUND_ROUNDOFF) + 1e-12:
        raise FloatingPointError(f"{div.name} = {value!r} exceeds its bound {top:g} (please report this)")
    return min(max(value, 0.0), top)
