r"""High-dimensional regimes of kernel density estimation (Biroli & Mézard, arXiv:2408.05807).

* :func:`thresholds` (h_G, h_CLT, h_KL at α = ln n / d; d → ∞ limits), :func:`stable_index`,
  :func:`regime`, the limit curves :func:`kl_per_dim`, :func:`log_density_per_dim`,
  :func:`participation_limit`, and ``REGIMES`` (what each regime means) — :mod:`.theory`;
* :func:`simulate` / :func:`draw` + :meth:`RegimeSample.evaluate` — finite-d simulations with
  chunked distances, memory/work refusal, progress and cancellation — :mod:`.simulation`;
* :func:`digits` and :func:`place` — a real d = 64 data set on the regime map — :mod:`.datasets`.

Examples
--------
>>> from explorer.kde import regimes
>>> t = regimes.thresholds(0.5)
>>> round(t.h_G, 4), round(t.h_CLT, 4), round(t.h_KL, 4)
(0.6521, 0.9223, 0.6224)
>>> regimes.regime(0.8, 0.5)
'stable'
"""

from explorer.kde.regimes.datasets import Placement, digits, place
from explorer.kde.regimes.simulation import MAX_WORK, MEMORY_LIMIT, RegimeSample, RegimeStats, draw, simulate
from explorer.kde.regimes.theory import (
    REGIMES,
    Thresholds,
    kl_per_dim,
    log_density_per_dim,
    participation_limit,
    regime,
    stable_index,
    thresholds,
)
from explorer.params import Param, ParamSet

#: Slider parameters of the high-dimensional view (h in units of σ).
PARAMS = ParamSet([
    Param("d", 30, low=2, high=400, integer=True, slider=(5, 200), step=1, label="dimension d",
          doc="dimension of the data"),
    Param("alpha", 0.3, low=0.0, low_open=True, high=3.0, slider=(0.02, 1.0), step=0.01, label="α = ln n / d",
          doc="log of the number of data points per dimension"),
    Param("h", 1.0, low=0.0, low_open=True, unit=1, log=True, slider=(0.05, 5.0), label="bandwidth h/σ",
          doc="kernel standard deviation in units of the data scale"),
    Param("n_test", 200, low=1, high=100_000, integer=True, slider=(20, 1000), step=10, label="test points",
          doc="test points drawn from the data law"),
])

__all__ = [
    "MAX_WORK",
    "MEMORY_LIMIT",
    "PARAMS",
    "REGIMES",
    "Placement",
    "RegimeSample",
    "RegimeStats",
    "Thresholds",
    "digits",
    "draw",
    "kl_per_dim",
    "log_density_per_dim",
    "participation_limit",
    "place",
    "regime",
    "simulate",
    "stable_index",
    "thresholds",
]
