r"""k-nearest-neighbour estimators on a k-d tree (``scipy.spatial.cKDTree``), no O(n²) memory.

KSG (Kraskov, Stögbauer & Grassberger 2004, Phys. Rev. E 69:066138, estimator 1):

.. math:: \hat I(X;Y) = \psi(k) + \psi(n) - \langle \psi(n_x+1) + \psi(n_y+1) \rangle

with :math:`\varepsilon_i` the max-norm distance of sample i to its k-th neighbour in the joint
space and :math:`n_x(i)` (:math:`n_y(i)`) the number of samples strictly closer than
:math:`\varepsilon_i` in the x (y) space. 1-D marginal counts use two binary searches on the
sorted values; d-D ones a ball count on a tree. Tree queries use every core (``WORKERS``).

Continuous x, discrete y (Ross 2014, PLoS ONE 9:e87357):

.. math:: \hat I = \psi(N) - \langle\psi(N_y)\rangle + \psi(k) - \langle\psi(m)\rangle

with :math:`d_i` the distance to the k-th neighbour among the samples of the same class
(:math:`N_y` of them) and :math:`m_i` the number of samples of any class within :math:`d_i`.

Entropy (Kozachenko & Leonenko 1987; max-norm balls of volume :math:`(2\varepsilon)^d`):
:math:`\hat h(X) = \psi(n) - \psi(k) + d\,\langle \log 2\varepsilon_i \rangle`.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma

__all__ = ["kl_entropy", "ksg", "ross"]

#: relative jitter that breaks exact ties (repeated values make k-NN distances zero)
JITTER = 1e-10
#: threads for the tree queries (scipy splits the query points; -1: every core)
WORKERS = -1


def _prepare(a: np.ndarray, rng: np.random.Generator, standardise: bool) -> np.ndarray:
    a = np.array(a, dtype=float, copy=True)
    if standardise:
        sd = a.std(axis=0)
        sd[sd == 0] = 1.0
        a = (a - a.mean(axis=0)) / sd
    scale = np.maximum(1.0, np.abs(a).mean(axis=0))
    a += JITTER * scale * rng.standard_normal(a.shape)
    return a


def _count_within(a: np.ndarray, r: np.ndarray, strict: bool) -> np.ndarray:
    """Number of rows of ``a`` within max-norm distance ``r[i]`` of row i, self excluded."""
    if a.shape[1] == 1:
        s = np.sort(a[:, 0])
        v = a[:, 0]
        if strict:
            hi = np.searchsorted(s, v + r, side="left")
            lo = np.searchsorted(s, v - r, side="right")
        else:
            hi = np.searchsorted(s, v + r, side="right")
            lo = np.searchsorted(s, v - r, side="left")
        return (hi - lo - 1).astype(float)
    tree = cKDTree(a)
    rr = np.nextafter(r, 0.0) if strict else r
    return tree.query_ball_point(a, rr, p=np.inf, return_length=True, workers=WORKERS).astype(float) - 1.0


def _kth_distance(a: np.ndarray, k: int) -> np.ndarray:
    tree = cKDTree(a)
    d, _ = tree.query(a, k=[k + 1], p=np.inf, workers=WORKERS)
    return d[:, 0]


def ksg(x: np.ndarray, y: np.ndarray, k: int, rng: np.random.Generator) -> float:
    """KSG estimator 1 (nats) for continuous ``x`` (n, dx) and ``y`` (n, dy)."""
    n = x.shape[0]
    if n <= k:
        raise ValueError(f"ksg needs more samples than k = {k}, got n = {n}")
    xs, ys = _prepare(x, rng, True), _prepare(y, rng, True)
    eps = _kth_distance(np.hstack([xs, ys]), k)
    nx = _count_within(xs, eps, strict=True)
    ny = _count_within(ys, eps, strict=True)
    return float(digamma(k) + digamma(n) - np.mean(digamma(nx + 1.0) + digamma(ny + 1.0)))


def ross(x: np.ndarray, labels: np.ndarray, k: int, rng: np.random.Generator) -> tuple[float, int]:
    """Ross (2014) estimator (nats) for continuous ``x`` and discrete ``labels`` (codes).

    Samples of classes with a single member carry no within-class neighbour and are left out;
    returns the estimate and the number of samples used.
    """
    xs = _prepare(x, rng, True)
    counts = np.bincount(labels)
    keep = counts[labels] > 1
    if keep.sum() < 2:
        raise ValueError("ksg with a discrete variable needs classes with at least 2 samples each")
    xs, labels = xs[keep], labels[keep]
    n = xs.shape[0]
    radius = np.empty(n)
    kk = np.empty(n)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        kc = min(k, idx.size - 1)
        radius[idx] = _kth_distance(xs[idx], kc)
        kk[idx] = kc
    m = _count_within(xs, radius, strict=False)
    nc = np.bincount(labels)[labels].astype(float)
    value = digamma(n) - np.mean(digamma(nc)) + np.mean(digamma(kk)) - np.mean(digamma(m))
    return float(value), int(n)


def kl_entropy(x: np.ndarray, k: int, rng: np.random.Generator) -> float:
    """Kozachenko-Leonenko differential entropy (nats) with max-norm k-NN distances."""
    n, d = x.shape
    if n <= k:
        raise ValueError(f"ksg needs more samples than k = {k}, got n = {n}")
    eps = _kth_distance(_prepare(x, rng, False), k)
    eps = np.maximum(eps, np.finfo(float).tiny)
    return float(digamma(n) - digamma(k) + d * np.mean(np.log(2.0 * eps)))
