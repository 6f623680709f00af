r"""The Kolchinsky–Tracey pairwise-distance estimator: entropy of a sample convolved with noise.

For :math:`T_\varepsilon = T + \varepsilon`, :math:`\varepsilon\sim N(0, \sigma^2 I_d)`, the
empirical law of :math:`T_\varepsilon` is a mixture of n Gaussians. Kolchinsky & Tracey (2017,
Entropy 19:361) bound a mixture's entropy with the pairwise KL divergences of its components,

.. math:: \hat H_{KL}(T_\varepsilon) = \frac d2\log(2\pi e\sigma^2)
          - \frac1n\sum_i \log\frac1n\sum_j \exp\Big(-\frac{\lVert t_i-t_j\rVert^2}{2\sigma^2}\Big)
          \;\ge\; H(T_\varepsilon).

Saxe et al. (2018, ICLR) take :math:`I(X;T_\varepsilon) = \hat H_{KL}(T_\varepsilon) - H(\varepsilon)`
and :math:`I(T_\varepsilon;Y) = \hat H_{KL}(T_\varepsilon) - \sum_y p(y)\hat H_{KL}(T_\varepsilon|Y=y)`.
The double sum runs in row blocks: O(n·block) memory.
"""

from __future__ import annotations

import math

import numpy as np

from explorer._numerics import logsumexp

__all__ = ["kt_entropy", "noise_entropy"]

BLOCK = 1024


def noise_entropy(d: int, variance: float) -> float:
    """Differential entropy of N(0, variance·I_d) in nats."""
    return 0.5 * d * math.log(2.0 * math.pi * math.e * variance)


def _mean_log_density(t: np.ndarray, variance: float) -> float:
    """:math:`\\frac1n\\sum_i\\log\\frac1n\\sum_j e^{-|t_i-t_j|^2/2\\sigma^2}` in row blocks."""
    n = t.shape[0]
    sq = np.einsum("ij,ij->i", t, t)
    total = 0.0
    for start in range(0, n, BLOCK):
        a = t[start:start + BLOCK]
        d2 = sq[start:start + BLOCK, None] + sq[None, :] - 2.0 * (a @ t.T)
        np.maximum(d2, 0.0, out=d2)
        d2 *= -0.5 / variance
        total += float(np.sum(logsumexp(d2, axis=1)))
    return total / n - math.log(n)


def kt_entropy(t: np.ndarray, variance: float) -> float:
    """Kolchinsky–Tracey upper bound on H(T + N(0, variance·I)) in nats."""
    return noise_entropy(t.shape[1], variance) - _mean_log_density(t, variance)
