r"""Kernel density estimation: bandwidth rules, exact and binned-FFT estimates, error vs a truth.

* :func:`bandwidth` / :func:`resolve_bandwidth` — the rule registry ``BANDWIDTH_RULES``
  (``silverman``, ``scott``, ``isj``, ``lscv``, ``mlcv``; d-D Scott/Silverman matrices).
* :func:`estimate` — density on a 1-D or 2-D grid (exact or linear binning + FFT, automatic),
  kernels in ``KERNELS`` (gaussian, epanechnikov, tophat, biweight), weights, reflection.
* :func:`log_density` — exact log-density at any points (what ``Empirical`` uses).
* :func:`error_curve`, :func:`kde_error`, :func:`oracle_bandwidth` — ISE and KL(truth‖f̂).
* :mod:`explorer.kde.regimes` — Biroli & Mézard's high-dimensional regimes.

What comes from libraries and why: numpy/scipy do the numerics (``np.bincount`` for linear
binning, ``scipy.fft`` for the convolutions and ISJ's DCT, ``scipy.optimize`` for the searches).
KDEpy, statsmodels and scipy's ``gaussian_kde`` are the references of the tests and the peers
of ``benchmarks/bench_kde.py`` but not runtime dependencies: KDEpy's FFTKDE evaluates on its own
grid only (no user grid, no reflection, one scalar bandwidth in 2-D) and its ISJ scales t by the
data range instead of its grid's (KDEpy issues #199/#201: bandwidths ~2.5× too small for data of
range < 12); statsmodels' CV selectors are O(n²) per step with Nelder–Mead; none offers a log-space
evaluator that returns -inf (not NaN) when every compact kernel misses a point. The
hand-written parts are each a few dozen lines from the cited papers, and the tests check them
against those libraries.

Examples
--------
>>> import numpy as np
>>> from explorer import kde
>>> x = np.random.default_rng(0).normal(size=10_000)
>>> r = kde.estimate(x, bandwidth="isj")
>>> r.method, round(r.integral(), 6)
('binned FFT', 1.0)
"""

from explorer.kde.bandwidth import (
    BANDWIDTH,
    BANDWIDTH_RULES,
    Bandwidth,
    BandwidthRule,
    bandwidth,
    resolve_bandwidth,
    rule_names,
)
from explorer.kde.error import ErrorCurve, error_curve, kde_error, oracle_bandwidth
from explorer.kde.estimate import EXACT_MAX_WORK, BinnedKDE, KDEResult, default_grid, estimate
from explorer.kde.exact import log_density
from explorer.kde.kernels import KERNELS, Kernel, get_kernel, kernel_names

__all__ = [
    "BANDWIDTH",
    "BANDWIDTH_RULES",
    "EXACT_MAX_WORK",
    "KERNELS",
    "Bandwidth",
    "BandwidthRule",
    "BinnedKDE",
    "ErrorCurve",
    "KDEResult",
    "Kernel",
    "bandwidth",
    "default_grid",
    "error_curve",
    "estimate",
    "get_kernel",
    "kde_error",
    "kernel_names",
    "log_density",
    "oracle_bandwidth",
    "resolve_bandwidth",
    "rule_names",
]
