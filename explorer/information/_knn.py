r"""k-nearest-neighbour estimators (max-norm), no O(n²) memory.

KSG (Kraskov, Stögbauer & Grassberger 2004, Phys. Rev. E 69:066138, estimator 1):

.. math:: \hat I(X;Y) = \psi(k) + \psi(n) - \langle \psi(n_x+1) + \psi(n_y+1) \rangle

with :math:`\varepsilon_i` the max-norm distance of sample i to its k-th neighbour in the joint
space and :math:`n_x(i)` (:math:`n_y(i)`) the number of samples strictly closer than
:math:`\varepsilon_i` in the x (y) space. 1-D marginal counts use two binary searches on the
sorted values; d-D ones exact distances to the candidates of blocks of queries, the rows sorted
by their first coordinate (a k-d tree above ``_BLOCK_ELEMENTS / _BLOCK`` samples). k-th
neighbour distances come from a k-d tree (``scipy.spatial.cKDTree``, every core: ``WORKERS``).

Continuous x, discrete y (Ross 2014, PLoS ONE 9:e87357):

.. math:: \hat I = \psi(N) - \langle\psi(N_y)\rangle + \psi(k) - \langle\psi(m)\rangle

with :math:`d_i` the distance to the k-th neighbour among the samples of the same class
(:math:`N_y` of them) and :math:`m_i` the number of samples of any class within :math:`d_i`.

Entropy (Kozachenko & Leonenko 1987; max-norm balls of volume :math:`(2\varepsilon)^d`):
:math:`\hat h(X) = \psi(n) - \psi(k) + d\,\langle \log 2\varepsilon_i \rangle`.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist
from scipy.special import digamma

__all__ = ["kl_entropy", "ksg", "ross", "single_thread"]

#: relative jitter that breaks exact ties (repeated values make k-NN distances zero)
JITTER = 1e-10
#: threads for the tree queries and the blocked counts (-1: every core)
WORKERS = -1
#: query rows per block of exact distances in the d-D marginal counts
_BLOCK = 32
#: most distances held at once by a block (8 bytes each: 64 MB a thread); larger n use the tree
_BLOCK_ELEMENTS = 2**23


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
    """Number of rows of ``a`` within max-norm distance ``r[i]`` of row i, self excluded.

    ``strict`` counts distances < ``r[i]``, otherwise ≤. 1-D: two binary searches on the sorted
    values; d-D: blocked exact distances on the rows sorted by their first coordinate
    (:func:`_count_within_blocks`; 2-6x faster than a k-d tree ball count up to n = 1e5 because
    KSG radii are wide: a 5-D marginal ball holds ~1 % of the samples and reaches ~40 % of them
    along each axis), or a tree when n is too large for blocks of ``_BLOCK`` rows.
    """
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
    rr = np.nextafter(r, 0.0) if strict else r
    if a.shape[0] * _BLOCK <= _BLOCK_ELEMENTS:
        return _count_within_blocks(a, rr).astype(float) - 1.0
    tree = cKDTree(a)
    counts = tree.query_ball_point(a, rr, p=np.inf, return_length=True, workers=_tree_workers())
    return counts.astype(float) - 1.0


_LOCAL = threading.local()


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run this thread's tree queries and blocked counts on one thread (``WORKERS`` elsewhere).

    For callers that already spread independent estimates over the cores: nested pools would
    only add threads to switch between.
    """
    before = getattr(_LOCAL, "workers", None)
    _LOCAL.workers = 1
    try:
        yield
    finally:
        _LOCAL.workers = before


def _tree_workers() -> int:
    """``workers`` argument of the tree queries: 1 inside :func:`single_thread`, else ``WORKERS``."""
    local = getattr(_LOCAL, "workers", None)
    return WORKERS if local is None else local


def _workers() -> int:
    w = _tree_workers()
    return (os.cpu_count() or 1) if w == -1 else max(1, w)


def _count_within_blocks(a: np.ndarray, r: np.ndarray, block: int = _BLOCK, slabs: int = 10,
                         points: np.ndarray | None = None) -> np.ndarray:
    """Rows of ``points`` (default ``a``; shape (m, d ≥ 2)) within max-norm distance ``r[i]`` (≤)
    of row i of ``a`` (n, d): self included when ``points`` is ``a``.

    The points are sorted by the first coordinate: the candidates of a block of queries are the
    contiguous run whose first coordinate lies within ``r`` of one of them, kept if every other
    coordinate also lies in the block's box, and the distances to those are computed exactly
    (``cdist``, the same ``max |a_jd - a_id|`` a k-d tree compares). Queries are grouped into
    compact blocks (slabs of the first coordinate, each sorted by the second) so that the box is
    small. Memory: ``block`` × m distances at most per thread (``WORKERS``).
    """
    n, d = a.shape
    order = np.argsort(a[:, 0], kind="stable")
    q, rs = a[order], r[order]
    if points is None:
        s = q
    else:
        s = points[np.argsort(points[:, 0], kind="stable")]
    cols = np.ascontiguousarray(s.T)
    # widen the pruning bounds far beyond rounding; the kept candidates are then tested exactly
    pad = 1e-9 * (max(np.abs(q).max(), np.abs(s).max()) + rs.max())
    lo = np.searchsorted(cols[0], q[:, 0] - rs - pad, side="left")
    hi = np.searchsorted(cols[0], q[:, 0] + rs + pad, side="right")
    # query order: slabs of consecutive rows (by first coordinate), each sorted by the second
    queries = np.concatenate([part[np.argsort(q[part, 1], kind="stable")]
                              for part in np.array_split(np.arange(n), slabs)])
    starts = np.arange(0, n, block)
    q_all = q[queries]
    box_lo = np.minimum.reduceat(q_all - rs[queries, None], starts, axis=0) - pad
    box_hi = np.maximum.reduceat(q_all + rs[queries, None], starts, axis=0) + pad
    win_lo = np.minimum.reduceat(lo[queries], starts)
    win_hi = np.maximum.reduceat(hi[queries], starts)
    counts = np.empty(n, dtype=np.int64)

    def count(blocks: range) -> None:
        for b in blocks:
            l, h = win_lo[b], win_hi[b]
            keep = cols[1, l:h] >= box_lo[b, 1]
            keep &= cols[1, l:h] <= box_hi[b, 1]
            for j in range(2, d):
                keep &= cols[j, l:h] >= box_lo[b, j]
                keep &= cols[j, l:h] <= box_hi[b, j]
            st = starts[b]
            qi = queries[st:st + block]
            dist = cdist(q_all[st:st + block], s[l + np.flatnonzero(keep)], "chebyshev")
            counts[qi] = np.count_nonzero(dist <= rs[qi, None], axis=1)

    # cdist and the numpy masks release the GIL: threads take interleaved blocks (disjoint rows)
    workers = min(_workers(), len(starts) // 16)   # small problems: no pool
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(count, [range(w, len(starts), workers) for w in range(workers)]))
    else:
        count(range(len(starts)))
    out = np.empty(n, dtype=np.int64)
    out[order] = counts
    return out


def _kth_distance(a: np.ndarray, k: int) -> np.ndarray:
    tree = cKDTree(a)
    d, _ = tree.query(a, k=[k + 1], p=np.inf, workers=_tree_workers())
    return d[:, 0]


def ksg(x: np.ndarray, y: np.ndarray, k: int, rng: np.random.Generator) -> float:
    r"""KSG estimator 1 (nats) for continuous ``x`` (n, dx) and ``y`` (n, dy).

    Kraskov, Stögbauer & Grassberger (2004), Phys. Rev. E 69:066138, algorithm 1, max-norm:

    .. math:: \hat I(X;Y) = \psi(k) + \psi(n) - \langle \psi(n_x+1) + \psi(n_y+1) \rangle

    Parameters
    ----------
    x, y : ndarray
        Samples, shape (n, dx) and (n, dy); each is standardised and jittered (``_prepare``).
    k : int
        Neighbour order; :math:`\varepsilon_i` is the joint max-norm distance to the k-th neighbour.
    rng : numpy.random.Generator
        Source of the tie-breaking jitter.

    Returns
    -------
    float
        The estimate; :math:`n_x(i)`, :math:`n_y(i)` count the samples strictly within
        :math:`\varepsilon_i` in each marginal (:func:`_count_within`).
    """
    n = x.shape[0]
    if n <= k:
        raise ValueError(f"ksg needs more samples than k = {k}, got n = {n}")
    xs, ys = _prepare(x, rng, True), _prepare(y, rng, True)
    eps = _kth_distance(np.hstack([xs, ys]), k)
    nx = _count_within(xs, eps, strict=True)
    ny = _count_within(ys, eps, strict=True)
    return float(digamma(k) + digamma(n) - np.mean(digamma(nx + 1.0) + digamma(ny + 1.0)))


def _ross_counts(xs: np.ndarray, labels: np.ndarray, k: int, radius: np.ndarray,
                 kk: np.ndarray) -> np.ndarray:
    """Ross's :math:`m_i` (samples of any class within :math:`d_i`, ≤, self excluded) for d ≥ 2,
    filling ``radius`` (:math:`d_i`) and ``kk`` (the class's k).

    :math:`m_i` = same-class samples within :math:`d_i` + other-class ones. The first is the
    class's k unless the next neighbour ties with the k-th (then counted exactly), since
    :math:`d_i` is the k-th same-class distance; only the other classes are counted
    (:func:`_count_within_blocks` against their samples): half the pairs for two classes.
    The same integers as counting all samples.
    """
    m = np.empty(xs.shape[0])
    for c in np.unique(labels):
        inside = labels == c
        idx = np.flatnonzero(inside)
        own = xs[idx]
        kc = min(k, idx.size - 1)
        # distances to the (kc+1)-th and (kc+2)-th nearest of the class, self first (inf if none)
        dist, _ = cKDTree(own).query(own, k=[kc + 1, kc + 2], p=np.inf, workers=_tree_workers())
        r = dist[:, 0]
        same = np.full(idx.size, kc, dtype=np.int64)
        tied = dist[:, 1] <= r
        if tied.any():
            same[tied] = _count_within_blocks(own[tied], r[tied], points=own) - 1
        others = xs[~inside]
        other = _count_within_blocks(own, r, points=others) if others.shape[0] else 0
        radius[idx] = r
        kk[idx] = kc
        m[idx] = same + other
    return m


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
    if xs.shape[1] == 1 or n * _BLOCK > _BLOCK_ELEMENTS:
        for c in np.unique(labels):
            idx = np.flatnonzero(labels == c)
            kc = min(k, idx.size - 1)
            radius[idx] = _kth_distance(xs[idx], kc)
            kk[idx] = kc
        m = _count_within(xs, radius, strict=False)
    else:
        m = _ross_counts(xs, labels, k, radius, kk)
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
