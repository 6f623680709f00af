"""Optimal transport: exact (1-D quantile coupling, d-D network simplex) and entropic (Sinkhorn).

Open :mod:`explorer.ot.exact` for W_p between atoms or samples, :mod:`explorer.ot.entropic` for
every Sinkhorn solver (log domain, ε-scaling, over-relaxation, Newton, warm starts, the
separable 2-D grid), and :mod:`explorer.ot.objectives` for the per-fit objectives that
:mod:`explorer.fitting` creates for every fit. All functions are stateless; torch and POT are
imported inside the functions that need them, so importing this package is cheap.
"""

from explorer.ot.entropic import (
    sinkhorn_divergence,
    sinkhorn_divergence_grid,
    sinkhorn_histograms,
    sinkhorn_ot,
    sinkhorn_ot_grid,
    sinkhorn_potentials,
)
from explorer.ot.exact import ot_1d, ot_1d_weighted, ot_distance
from explorer.ot.objectives import SinkhornObjective, WassersteinObjective

__all__ = ["SinkhornObjective", "WassersteinObjective", "ot_1d", "ot_1d_weighted", "ot_distance",
           "sinkhorn_divergence", "sinkhorn_divergence_grid", "sinkhorn_histograms", "sinkhorn_ot",
           "sinkhorn_ot_grid", "sinkhorn_potentials"]
