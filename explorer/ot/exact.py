r"""Exact optimal transport: the 1-D quantile coupling and the d-D assignment (network simplex).

* :func:`ot_1d` — weighted atoms in 1-D: the monotone (quantile) coupling is optimal for every
  convex cost, so :math:`W_p^p = \int_0^1 |Q_a(u) - Q_b(u)|^p du` is a sort and a merge.
* :func:`ot_distance` — two empirical measures with uniform weights (1-D: sorting; d-D: POT's
  network simplex ``ot.emd2``, :math:`O(n^3)`).
* :func:`ot_1d_weighted` — the same 1-D cost between weighted samples, batched over a leading
  axis of models and differentiable in torch (used by fitting).

Reference: Villani (2009), *Optimal Transport: Old and New*, ch. 2 and 6; Peyré & Cuturi (2019),
*Computational Optimal Transport*, §2.6 (1-D) and §3 (network simplex).
"""

from __future__ import annotations

import math

import numpy as np

from explorer._backend import ops_for
from explorer._numerics import as_2d

__all__ = ["ot_1d", "ot_1d_weighted", "ot_distance"]


def ot_1d(xa: np.ndarray, wa: np.ndarray, xb: np.ndarray, wb: np.ndarray, power: float) -> float:
    """Exact 1-D optimal transport cost ``(∫|Q_a(u) - Q_b(u)|^power du)^(1/power)``.

    Atoms ``xa`` (weights ``wa``) and ``xb`` (``wb``); the monotone (quantile) coupling is
    optimal for convex costs in 1-D.
    """
    ia, ib = np.argsort(xa, kind="stable"), np.argsort(xb, kind="stable")
    xa, wa, xb, wb = xa[ia], wa[ia], xb[ib], wb[ib]
    ca, cb = np.cumsum(wa), np.cumsum(wb)
    ca[-1] = cb[-1] = 1.0
    u = np.union1d(ca, cb)
    du = np.diff(np.concatenate([[0.0], u]))
    mid = u - 0.5 * du
    qa = xa[np.minimum(np.searchsorted(ca, mid), xa.size - 1)]
    qb = xb[np.minimum(np.searchsorted(cb, mid), xb.size - 1)]
    return float(np.dot(du, np.abs(qa - qb) ** power) ** (1.0 / power))


def ot_distance(x: np.ndarray, y: np.ndarray, power: int) -> float:
    """Exact Wasserstein-``power`` distance between two empirical measures (uniform weights).

    1-D: the quantile coupling (exact, O(n log n)). d-D: the network-simplex solver of POT
    (``ot.emd2``), O(n³) - keep n below a few thousand.
    """
    x, y = as_2d(x), as_2d(y)
    if x.shape[1] == 1:
        return ot_1d(x[:, 0], np.full(x.shape[0], 1 / x.shape[0]),
                      y[:, 0], np.full(y.shape[0], 1 / y.shape[0]), float(power))
    import ot  # POT, imported lazily (slow to import)

    cost = ot.dist(x, y, metric="sqeuclidean" if power == 2 else "euclidean")
    a = np.full(x.shape[0], 1 / x.shape[0])
    b = np.full(y.shape[0], 1 / y.shape[0])
    val = float(ot.emd2(a, b, cost, numItermax=1_000_000))
    return math.sqrt(max(val, 0.0)) if power == 2 else val


def _uniform(w) -> bool:
    w = np.asarray(w.detach() if hasattr(w, "detach") else w)
    return bool(np.ptp(w) <= 1e-12 * np.max(w))

def ot_1d_weighted(xp, wp, xq, wq, power: int):
    """Exact 1-D W_power between weighted samples (batched over q's leading axis; autograd)."""
    ops = ops_for(xq)
    r, n, _ = xq.shape
    if n == xp.shape[0] and _uniform(wq) and _uniform(wp):
        # equal uniform weights: the monotone coupling pairs the sorted samples
        diff = ops.abs(ops.t.sort(xq[..., 0], dim=-1)[0] - ops.t.sort(xp[:, 0])[0][None]) \
            if ops.name == "torch" else np.abs(np.sort(xq[..., 0], -1) - np.sort(xp[:, 0])[None])
        return (ops.sum(diff**power, -1) / n) ** (1.0 / power)
    import ot  # ~1 s to import: only where it is needed

    u = xq[..., 0].T
    uw = wq.T
    if ops.name == "torch":
        v, vw = xp[:, :1].expand(-1, r), wp[:, None].expand(-1, r)
    else:
        v, vw = np.broadcast_to(xp[:, :1], (xp.shape[0], r)), np.broadcast_to(wp[:, None], (wp.size, r))
    return ot.wasserstein_1d(u, v, uw, vw, p=power) ** (1.0 / power)
