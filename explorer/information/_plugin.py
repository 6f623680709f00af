r"""Plug-in estimators on discretised variables: fixed-width bins and equal-mass (adaptive) bins.

A discretised variable has integer codes; the plug-in mutual information is

.. math:: \hat I(X;Y) = \hat H(X) + \hat H(Y) - \hat H(X,Y),\qquad
          \hat H = -\sum_k \hat p_k \log \hat p_k

with :math:`\hat p` the empirical frequencies. For a deterministic layer :math:`T=f(X)` and
distinct inputs, :math:`\hat I(X;T) = \hat H(T_{\mathrm{bins}}) \le \log n`: the binning
estimator of Shwartz-Ziv & Tishby (2017) saturates at the log of the number of inputs.
"""

from __future__ import annotations

import numpy as np

from explorer.information._data import Variable, row_codes

__all__ = ["adaptive_codes", "binned_codes", "codes_of", "entropy_codes", "mi_codes"]


#: codes up to this many times the sample size are counted with ``np.bincount`` (a table of
#: max(code) + 1 entries); sparser ones (a joint code of two variables with ~n categories each
#: spans ~n² values: 128 MB for n = 4096) by sorting them
_BINCOUNT_SPAN = 8


def entropy_codes(codes: np.ndarray) -> float:
    r"""Plug-in entropy (nats) of integer codes: :math:`\log n - \frac1n \sum_k c_k \log c_k`.

    The counts :math:`c_k` of the values present, in increasing order of the code (both ways
    of counting give the same numbers in the same order, hence the same sum).
    """
    codes = np.asarray(codes)
    if codes.size and int(codes.max()) >= _BINCOUNT_SPAN * codes.size:
        counts = np.unique(codes, return_counts=True)[1].astype(float)
    else:
        counts = np.bincount(codes)
        counts = counts[counts > 0].astype(float)
    n = counts.sum()
    return float(np.log(n) - np.dot(counts, np.log(counts)) / n)


def mi_codes(cx: np.ndarray, cy: np.ndarray) -> float:
    """Plug-in mutual information (nats) of two integer code arrays of equal length."""
    ky = int(cy.max()) + 1
    joint = cx.astype(np.int64) * ky + cy
    value = entropy_codes(cx) + entropy_codes(cy) - entropy_codes(joint)
    return max(value, 0.0) if value > -1e-12 else value


def binned_codes(values: np.ndarray, bins: int) -> np.ndarray:
    """Codes of rows binned in ``bins`` equal-width bins over the variable's range (all coordinates).

    Shwartz-Ziv & Tishby (2017) bin every neuron of a layer on the same grid; here the grid spans
    the observed ``[min, max]`` of the whole variable (Saxe et al. 2018 do the same).
    """
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        return np.zeros(values.shape[0], dtype=np.int64)
    idx = np.floor((values - lo) * (bins / (hi - lo))).astype(np.int64)
    np.clip(idx, 0, bins - 1, out=idx)
    return row_codes(idx)[0]


def adaptive_codes(values: np.ndarray, bins: int) -> np.ndarray:
    """Codes of rows binned per coordinate at that coordinate's quantiles (equal-mass bins).

    The adaptive binning of Chelombiev, Houghton & O'Donnell (2019): each neuron's edges are the
    ``j/bins`` quantiles of its own activations, so saturated (tied) values share one bin.
    """
    n, d = values.shape
    idx = np.empty((n, d), dtype=np.int64)
    qs = np.linspace(0.0, 1.0, bins + 1)[1:-1]
    for j in range(d):
        col = values[:, j]
        edges = np.unique(np.quantile(col, qs))
        idx[:, j] = np.searchsorted(edges, col, side="right")
    return row_codes(idx)[0]


def codes_of(v: Variable, bins: int, adaptive: bool) -> np.ndarray:
    """Integer codes of a checked variable: its categories, or its bins if continuous."""
    if v.discrete:
        return v.codes
    return adaptive_codes(v.values, bins) if adaptive else binned_codes(v.values, bins)
