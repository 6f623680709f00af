"""Per-fit optimal-transport objectives for :mod:`explorer.fitting` (created fresh for every fit).

A registry entry holds a *factory* (the class, or a ``functools.partial`` of it), never an
instance: the state these objects keep between optimisation steps (a transport plan re-solved
every ``REPLAN`` calls, Sinkhorn potentials for warm starts, the cached OT_ε(p, p)) belongs to one
fit. Each is called as ``objective(xp, wp, xq, wq, **params)`` with samples of p ``xp`` (n, d),
weights ``wp`` (n,), and samples of R models ``xq`` (R, m, d) with weights ``wq`` (R, m); it returns
R values (numpy or torch, differentiable in torch).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from explorer._backend import NP as NP_OPS
from explorer._backend import ops_for
from explorer.ot.entropic import sinkhorn_ot
from explorer.ot.exact import ot_1d_weighted

__all__ = ["SinkhornObjective", "WassersteinObjective"]


class WassersteinObjective:
    """Exact W_power between p's samples and each model's, by majorisation–minimisation on the plan.

    In 1-D the exact cost is cheap (sorted pairing, or POT's quantile functions) at every call.
    Otherwise the optimal plan π* (POT's network simplex) gives the objective
    (Σ π*_ij |x_i − y_j|^power)^(1/power), with the exact gradient (envelope theorem; q's dual
    potential for its weights). π* is re-solved every ``replan`` calls (default ``REPLAN``); in
    between the objective is an upper bound of W_power that Adam can follow (it touches W
    whenever the plan is fresh). ``replan=1`` gives the exact W_power at every call.
    """

    REPLAN = 4

    def __init__(self, power: int, replan: int | None = None) -> None:
        if power not in (1, 2):
            raise ValueError(f"power must be 1 or 2, got {power!r}")
        self.power = power
        self.replan = self.REPLAN if replan is None else int(replan)
        self.calls = 0
        self.plan: Any = None

    def __call__(self, xp, wp, xq, wq):
        ops = ops_for(xq)
        r, _, d = xq.shape
        if d == 1:
            return ot_1d_weighted(xp, wp, xq, wq, self.power)
        import ot  # ~1 s to import: only where it is needed

        xqn, xpn, a, b = (np.asarray(ops.detach(v), dtype=float) for v in (xq, xp, wq, wp))
        if self.plan is None or self.calls % self.replan == 0 or self.plan.shape != (r, len(a[0]), len(b)):
            cn = NP_OPS.sqdist(xqn, xpn[None])
            if self.power == 1:
                cn = np.sqrt(cn)
            solved = [ot.emd(a[i], b, cn[i], log=True) for i in range(r)]
            self.plan = np.stack([s[0] for s in solved])
            self.plan_t = ops.asarray(self.plan)  # for W₁, whose cost has no such split
            # dual potential of q's side: the derivative of the cost in q's weights (mixtures)
            self.u = ops.asarray(np.stack([s[1]["u"] for s in solved]))
            # for W₂, Σ π|x − y|² = Σ_i r_i|x_i|² − 2Σ_i x_i·(πy)_i + Σ_j s_j|y_j|²: with π fixed,
            # only these O(n·d) terms of q's points carry gradients, not the n×m cost matrix
            self.rows = ops.asarray(self.plan.sum(-1))
            self.py = ops.asarray(self.plan @ xpn)
            self.yy = float(np.sum(b * np.sum(xpn * xpn, -1)))
        self.calls += 1
        if self.power == 2:
            xx, xy = ops.sum(xq * xq, -1), ops.sum(xq * self.py, -1)
            cost = ops.sum(self.rows * xx - 2.0 * xy, -1) + self.yy
        else:
            c = ops.sqrt(ops.maximum(ops.sqdist(xq, xp[None]), 1e-30))
            cost = ops.sum(ops.sum(self.plan_t * c, -1), -1)
        cost = cost + ops.sum((wq - ops.detach(wq)) * self.u, -1)
        return ops.maximum(cost, 0.0) ** (1.0 / self.power)


class SinkhornObjective:
    """Debiased S_ε between p's samples and each model's, warm-started across optimisation steps.

    OT_ε(p, p) is computed once (it does not depend on q); after a converged first solve, each
    call makes ``SWEEPS`` warm-started sweeps from the previous potentials (the optimum moves
    little between steps; see :func:`explorer.ot.entropic.sinkhorn_ot`).
    """

    SWEEPS = 3

    def __init__(self) -> None:
        self.cache: dict[str, Any] = {}

    def __call__(self, xp, wp, xq, wq, epsilon: float = 0.5):
        ops = ops_for(xq)
        r = xq.shape[0]
        xpb = xp[None].expand(r, -1, -1) if ops.name == "torch" else np.broadcast_to(xp, (r, *xp.shape))
        wpb = wp[None].expand(r, -1) if ops.name == "torch" else np.broadcast_to(wp, (r, wp.size))
        key = (id(xp), epsilon, tuple(xq.shape))
        if self.cache.get("key") != key:
            self.cache = {"key": key, "pp": sinkhorn_ot(xp, wp, xp, wp, epsilon, symmetric=True)[0]}
        ab, self.cache["w_ab"] = sinkhorn_ot(xq, wq, xpb, wpb, epsilon, self.cache.get("w_ab"),
                                             iters=self.SWEEPS)
        bb, self.cache["w_bb"] = sinkhorn_ot(xq, wq, xq, wq, epsilon, self.cache.get("w_bb"), symmetric=True,
                                             iters=self.SWEEPS)
        return ab - 0.5 * (self.cache["pp"] + bb)
