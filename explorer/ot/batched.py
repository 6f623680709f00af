r"""Batched, differentiable entropic optimal transport between histograms on one support (torch).

For weights ``a``, ``b`` of shape ``[..., n]`` on the same ``n`` points and a cost matrix ``C``
(``[n, n]``, or ``[..., n, n]``), the entropic OT cost is

.. math::

    OT_ε(a, b) = \min_{π ∈ Π(a, b)} ⟨π, C⟩ + ε\,KL(π \| a ⊗ b)

and the debiased **Sinkhorn divergence** is :math:`S_ε = OT_ε(a,b) − ½OT_ε(a,a) − ½OT_ε(b,b)`
(Feydy, Séjourné, Vialard, Amari, Trouvé & Peyré 2019, "Interpolating between optimal transport
and MMD using Sinkhorn divergences", AISTATS; Cuturi 2013, NeurIPS). This is the convention of
``explorer.divergences``' ``"sinkhorn"`` entry, whose categorical form uses ``C_ij = (x_i − x_j)²``.

Method
------
Log-domain Sinkhorn on the dual potentials (f, g): ε-scaling from the cost's diameter down to ε
(two sweeps per halving), then over-relaxed sweeps (ω = :data:`OMEGA`, Thibault et al. 2017)
until the L1 error of the plan's marginals is below ``tol`` for every problem of the batch. The
sweeps run without autograd; the value is the dual function at the converged, detached
potentials,

.. math::

    D(f, g; a, b, C) = ⟨a, f⟩ + ⟨b, g⟩ − ε\,\Big(\sum_{ij} a_i b_j e^{(f_i + g_j − C_{ij})/ε} − 1\Big),

whose partial derivatives in (a, b, C) at the optimum are the derivatives of :math:`OT_ε`
(envelope theorem). So autograd through one evaluation of D gives exact gradients, in double
precision to the accuracy of the potentials (``torch.autograd.gradcheck`` passes), at the cost
of one extra ``[..., n, n]`` log-sum-exp. Zero weights are allowed (their log is −∞; the
potentials stay finite on the whole support).

The symmetric problems OT(a, a) use the averaged update f ← ½(f + T(f)) (Feydy et al. 2019),
which converges in a few sweeps. Warm starts (``state=``) reuse potentials across calls, e.g.
across the steps of a training loop where the weights move slowly.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["OMEGA", "SinkhornState", "entropic_ot", "sinkhorn_divergence", "squared_index_cost"]

OMEGA = 1.5
"""Over-relaxation of the final sweeps (1.8 can stall on many narrow modes; 1.5 is safe)."""
DEFAULT_TOL = 1e-9
"""L1 error of the marginals at which the sweeps stop (the value's error is second order in it)."""
DEFAULT_MAX_ITER = 5000


@dataclass
class SinkhornState:
    """Potentials of the three problems of :func:`sinkhorn_divergence`, for warm starts."""

    ab: tuple[Any, Any] | None = None
    aa: Any = None
    bb: Any = None
    iterations: int = 0
    converged: bool = True


def squared_index_cost(n: int, dtype: Any = None, positions: Any = None) -> Any:
    """``C_ij = (x_i − x_j)²`` with ``x = 0, 1, ..., n−1`` (or ``positions``), as a torch tensor."""
    import torch

    x = torch.arange(n, dtype=dtype or torch.float64) if positions is None else torch.as_tensor(
        positions, dtype=dtype or torch.float64)
    return (x[:, None] - x[None, :]) ** 2


def _safe_log(w: Any) -> Any:
    """log w with log 0 = −∞ and a zero (not NaN) gradient at w = 0."""
    import torch

    pos = w > 0
    return torch.where(pos, torch.log(torch.where(pos, w, torch.ones_like(w))), -math.inf)


def _softmin_rows(h: Any, c: Any, e: float) -> Any:
    """f_i = −ε log Σ_j exp((h_j − C_ij)/ε)."""
    import torch

    return -e * torch.logsumexp((h[..., None, :] - c) / e, dim=-1)


def _softmin_cols(h: Any, c: Any, e: float) -> Any:
    """g_j = −ε log Σ_i exp((h_i − C_ij)/ε)."""
    import torch

    return -e * torch.logsumexp((h[..., :, None] - c) / e, dim=-2)


def _marginal_error(la: Any, pot: Any, pot_t: Any, e: float) -> Any:
    """Σ_i a_i |exp((pot_i − T_i)/ε) − 1|: the L1 error of that marginal of the current plan."""
    import torch

    r = torch.clamp((pot - pot_t) / e, max=50.0)
    return (la.exp() * torch.expm1(r).abs()).sum(-1)


def _potentials(la: Any, lb: Any, c: Any, eps: float, warm: Any, symmetric: bool, tol: float,
                max_iter: int) -> tuple[Any, Any, int, bool]:
    """Converged (detached) potentials of one batched problem; see the module docstring."""
    import torch

    with torch.no_grad():
        if warm is None:
            f = torch.zeros_like(la)
            g = torch.zeros_like(lb)
            e = max(float(c.max()), eps)
            while e > eps:
                for _ in range(2):
                    if symmetric:
                        f = 0.5 * (f + _softmin_rows(f + e * la, c, e))
                    else:
                        f = _softmin_rows(g + e * lb, c, e)
                        g = _softmin_cols(f + e * la, c, e)
                e = max(0.5 * e, eps)
            if symmetric:
                g = f
        else:
            pair = (warm, warm) if symmetric else warm
            f, g = (torch.zeros_like(la) if w is None else torch.broadcast_to(w.detach(), la.shape).clone()
                    for w in pair)
        for it in range(1, max_iter + 1):
            if symmetric:
                f_t = _softmin_rows(f + eps * la, c, eps)
                err = _marginal_error(la, f, f_t, eps)
                f = 0.5 * (f + f_t)
                g = f
            else:
                f_t = _softmin_rows(g + eps * lb, c, eps)
                err = _marginal_error(la, f, f_t, eps)
                f = (1.0 - OMEGA) * f + OMEGA * f_t
                g_t = _softmin_cols(f + eps * la, c, eps)
                err = err + _marginal_error(lb, g, g_t, eps)
                g = (1.0 - OMEGA) * g + OMEGA * g_t
            if float(err.max()) < tol:
                return f, g, it, True
        return f, g, max_iter, False


def _dual(a: Any, b: Any, la: Any, lb: Any, c: Any, f: Any, g: Any, eps: float) -> Any:
    import torch

    mass = torch.logsumexp(
        (la[..., :, None] + lb[..., None, :] + (f[..., :, None] + g[..., None, :] - c) / eps).flatten(-2),
        dim=-1,
    )
    af = torch.where(a > 0, a * f, torch.zeros_like(f))
    bg = torch.where(b > 0, b * g, torch.zeros_like(g))
    return af.sum(-1) + bg.sum(-1) - eps * torch.expm1(mass)


def _check(a: Any, b: Any, cost: Any, eps: float) -> tuple[Any, Any, Any]:
    import torch

    if not (isinstance(eps, int | float) and math.isfinite(eps) and eps > 0):
        raise ValueError(f"epsilon must be a finite number > 0, got {eps!r}")
    a, b = torch.as_tensor(a), torch.as_tensor(b)
    dtype = torch.promote_types(a.dtype, b.dtype)
    if not dtype.is_floating_point:
        dtype = torch.float64
    a, b = a.to(dtype), b.to(dtype)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"a and b must share the last dimension, got {tuple(a.shape)} and {tuple(b.shape)}")
    n = a.shape[-1]
    cost = squared_index_cost(n, dtype) if cost is None else torch.as_tensor(cost).to(dtype)
    if cost.shape[-2:] != (n, n):
        raise ValueError(f"cost must have shape [..., {n}, {n}], got {tuple(cost.shape)}")
    if not bool(torch.isfinite(cost).all()):
        raise ValueError("cost contains NaN or infinite values")
    return a, b, cost


def entropic_ot(a: Any, b: Any, cost: Any = None, epsilon: float = 0.5, *, warm: Any = None,
                symmetric: bool = False, tol: float = DEFAULT_TOL, max_iter: int = DEFAULT_MAX_ITER,
                return_state: bool = False, warn: bool = True) -> Any:
    r"""Entropic OT cost :math:`OT_ε(a, b)` between batched histograms, differentiable in a, b, C.

    Parameters
    ----------
    a, b : torch.Tensor of shape ``[..., n]``
        Non-negative weights summing to 1 along the last axis (leading axes broadcast).
    cost : torch.Tensor of shape ``[n, n]`` or ``[..., n, n]``, optional
        Default ``(i − j)²`` on the indices.
    epsilon : float
        Entropic regularisation ε (units of the cost).
    warm : (f, g) or f, optional
        Potentials of a previous call (a single f when ``symmetric``).
    symmetric : bool
        ``a`` and ``b`` are the same histogram: the faster symmetric update is used.
    return_state : bool
        Also return ``((f, g), iterations, converged)``.

    Returns
    -------
    torch.Tensor of shape ``[...]`` (and the state when asked). Warns (``RuntimeWarning``) when
    ``max_iter`` sweeps did not reach ``tol``.
    """
    a, b, cost = _check(a, b, cost, epsilon)
    shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape), tuple(cost.shape[:-1]))
    a, b = a.expand(shape), b.expand(shape)
    la, lb = _safe_log(a), _safe_log(b)
    c = cost.detach()
    f, g, it, ok = _potentials(la.detach(), lb.detach(), c, float(epsilon), warm, symmetric, tol, max_iter)
    if not ok and warn:
        warnings.warn(f"Sinkhorn did not converge in {max_iter} sweeps at ε = {epsilon:g} (marginal error "
                      f"above {tol:g}); the value may be inaccurate: try a larger ε", RuntimeWarning,
                      stacklevel=2)
    value = _dual(a, b, la, lb, cost, f, g, float(epsilon))
    if return_state:
        return value, ((f, g), it, ok)
    return value


def sinkhorn_divergence(a: Any, b: Any, cost: Any = None, epsilon: float = 0.5, *,
                        state: SinkhornState | None = None, tol: float = DEFAULT_TOL,
                        max_iter: int = DEFAULT_MAX_ITER, warn: bool = True) -> Any:
    r"""Debiased Sinkhorn divergence :math:`S_ε(a, b) = OT_ε(a,b) − ½OT_ε(a,a) − ½OT_ε(b,b)` (batched).

    Same arguments as :func:`entropic_ot`. ``state`` (a :class:`SinkhornState`, updated in place)
    warm-starts the three problems from the previous call's potentials.

    Examples
    --------
    >>> import torch
    >>> a = torch.tensor([0.5, 0.5, 0.0], dtype=torch.float64)
    >>> round(float(sinkhorn_divergence(a, a, epsilon=0.5)), 12)
    0.0
    """
    ws = state if state is not None else SinkhornState()
    kw = {"tol": tol, "max_iter": max_iter, "return_state": True, "warn": warn}
    ab, (pab, it1, ok1) = entropic_ot(a, b, cost, epsilon, warm=ws.ab, **kw)
    aa, ((faa, _), it2, ok2) = entropic_ot(a, a, cost, epsilon, warm=ws.aa, symmetric=True, **kw)
    bb, ((fbb, _), it3, ok3) = entropic_ot(b, b, cost, epsilon, warm=ws.bb, symmetric=True, **kw)
    if state is not None:
        state.ab, state.aa, state.bb = pab, faa, fbb
        state.iterations, state.converged = it1 + it2 + it3, ok1 and ok2 and ok3
    return ab - 0.5 * (aa + bb)
