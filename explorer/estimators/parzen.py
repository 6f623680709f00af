r"""Parzen-window estimation of the Cauchy–Schwarz divergence (Principe 2010, ch. 2)."""

from __future__ import annotations

import math

import numpy as np

from explorer._numerics import as_2d, logsumexp
from explorer.distributions import silverman_bandwidth

__all__ = ["parzen_cs"]


def parzen_cs(x: np.ndarray, y: np.ndarray, bandwidth: float | None = None) -> float:
    r"""Parzen-window estimate of the Cauchy–Schwarz divergence (Principe 2010, ch. 2).

    With Gaussian windows of width σ the "information potentials" are
    :math:`\hat V(x,y) = \frac{1}{nm}\sum_{ij} N(x_i - y_j; 0, 2σ^2 I)` and
    :math:`\hat D_{CS} = -\log \hat V(x,y) + \tfrac12\log\hat V(x,x) + \tfrac12\log\hat V(y,y)`.
    Default σ: Silverman's rule on the pooled first coordinate.
    """
    x, y = as_2d(x), as_2d(y)
    if bandwidth is None:
        bandwidth = silverman_bandwidth(np.concatenate([x[:, 0], y[:, 0]]))
    s2 = 2 * bandwidth**2
    d = x.shape[1]

    def log_v(a, b):
        d2 = np.sum(a * a, 1)[:, None] + np.sum(b * b, 1)[None, :] - 2 * a @ b.T
        logk = -0.5 * np.maximum(d2, 0) / s2 - 0.5 * d * math.log(2 * math.pi * s2)
        return float(logsumexp(logk) - math.log(a.shape[0] * b.shape[0]))

    return -log_v(x, y) + 0.5 * (log_v(x, x) + log_v(y, y))
