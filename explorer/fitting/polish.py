r"""Polish the end points of a fit with damped Newton steps and judge them by their gradient.

Adam with a decaying learning rate stops *near* an optimum, and an objective that has stopped
changing is not necessarily at one (a restart crawling along a flat valley looked settled at
N(1.59, 1.43²) with a gradient of 3e-2). So the distinct end points of a smooth objective are
polished in float64 by Levenberg–Marquardt-damped Newton steps (Nocedal & Wright 2006,
"Numerical Optimization", §4 and §10.3) on the *precise* objective (the calculator's
quadrature grid, rebuilt around the polished models between rounds), and a point is called an
optimum only if the gradient norm there is below ``GRAD_TOL`` (in scaled coordinates: locations
in units of the scene width, log-widths and logits as they are).

Each iteration computes the gradient g and Hessian H by autograd and tries the steps
:math:`-(H + λ I)^{-1} g` for λ in ``DAMPING`` × (1 + max |H_ii|), smallest first, keeping for
each model the first that is defined (H + λI positive definite) and lowers the loss.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from explorer.fitting.families import _torch

__all__ = ["DAMPING", "GRAD_TOL", "POLISH_ITERS", "POLISH_ROUNDS", "gradient_norms", "polish"]

GRAD_TOL = 1e-5
"""A point is stationary when ‖∇‖ ≤ GRAD_TOL · max(1, |D|) in the scaled coordinates."""
POLISH_ITERS = 8
POLISH_ROUNDS = 2
DAMPING = (0.0, 1e-6, 1e-4, 1e-2, 1.0, 1e2)


def _grad_hess(loss: Callable[[Any], Any], u: Any, scale: Any, hessian: bool = True) -> tuple:
    torch = _torch()
    u = u.detach().clone().requires_grad_(True)
    losses = loss(u * scale)
    g = torch.autograd.grad(losses.sum(), u, create_graph=hessian)[0]
    if not hessian:
        return losses.detach(), g.detach(), None
    rows = [torch.autograd.grad(g[:, j].sum(), u, retain_graph=True)[0] for j in range(u.shape[1])]
    return losses.detach(), g.detach(), torch.stack(rows, dim=1).detach()


def _tolerance(losses: np.ndarray) -> np.ndarray:
    return GRAD_TOL * np.maximum(1.0, np.abs(np.nan_to_num(losses, nan=0.0, posinf=0.0)))


def gradient_norms(objective: Any, theta: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(losses, ‖∇‖ in scaled coordinates) of the objective at ``theta`` (its grid as it is)."""
    torch = _torch()
    s = torch.as_tensor(scale, dtype=torch.float64)
    u = torch.as_tensor(theta, dtype=torch.float64) / s
    losses, g, _ = _grad_hess(objective.loss, u, s, hessian=False)
    gn = torch.linalg.vector_norm(torch.nan_to_num(g, nan=np.inf), dim=1)
    return losses.numpy(), gn.numpy()


def polish(objective: Any, theta: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Damped Newton polish of each row of ``theta`` (see the module docstring).

    Returns ``(theta, losses, gradient norms)``, the last two on the final precise grid.
    """
    torch = _torch()
    s = torch.as_tensor(scale, dtype=torch.float64)
    u = torch.as_tensor(theta, dtype=torch.float64) / s
    eye = torch.eye(u.shape[1], dtype=torch.float64)
    for _ in range(POLISH_ROUNDS):
        if objective.refresh is not None:
            objective.refresh((u * s).numpy(), precise=True)
        for _ in range(POLISH_ITERS):
            losses, g, H = _grad_hess(objective.loss, u, s)
            gn = torch.linalg.vector_norm(g, dim=1).numpy()
            todo = torch.as_tensor(np.isfinite(losses.numpy()) & np.isfinite(gn)
                                   & (gn > 0.01 * _tolerance(losses.numpy())))
            if not bool(todo.any()):
                break
            H = torch.nan_to_num(0.5 * (H + H.transpose(1, 2)))
            g = torch.nan_to_num(g)
            size = 1.0 + H.diagonal(dim1=1, dim2=2).abs().amax(dim=1)
            accepted = torch.zeros(u.shape[0], dtype=torch.bool)
            new_u, new_loss = u.clone(), losses.clone()
            for lam in DAMPING:
                A = H + (lam * size)[:, None, None] * eye
                chol, info = torch.linalg.cholesky_ex(A)
                step = torch.cholesky_solve(g[:, :, None], chol)[:, :, 0]
                cand = u - torch.nan_to_num(step)
                with torch.no_grad():
                    cand_loss = objective.loss(cand * s)
                better = (todo & ~accepted & (info == 0) & torch.isfinite(cand_loss)
                          & (cand_loss < losses))
                new_u[better] = cand[better]
                new_loss[better] = cand_loss[better]
                accepted |= better
                if bool((accepted | ~todo).all()):
                    break
            if not bool(accepted.any()):
                break
            u = new_u
    losses, gn = gradient_norms(objective, (u * s).numpy(), scale)
    return (u * s).numpy(), losses, gn
