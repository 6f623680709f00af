"""Adam (Kingma & Ba 2015, ICLR) by hand on one flat float64 tensor, with a cosine-decayed step.

For the small full-batch problems of the labs, this is ~4x less Python overhead per step than
``torch.optim.Adam`` over a dict of tensors; the fitting loops of :mod:`explorer.distill` and
:mod:`explorer.alignment` share it (callback, cooperative cancellation, loss history).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

B1, B2, EPS = 0.9, 0.999, 1e-8
LR_FLOOR = 0.05
"""The learning rate decays along a half cosine from lr to LR_FLOOR·lr (the last steps settle)."""


def minimise(objective: Callable[[Any], Any], flat: Any, steps: int, lr: float, *,
             callback: Callable[[int, float], None] | None = None,
             should_stop: Callable[[], bool] | None = None,
             on_step: Callable[[int, Any], None] | None = None) -> tuple[Any, np.ndarray, bool]:
    """Minimise ``objective(flat)`` (a scalar tensor) over ``flat``; returns (flat, history, stopped).

    ``on_step(step, flat)`` is called after each update (snapshots); ``callback(step, loss)`` too
    (progress); ``should_stop()`` is polled after each step.
    """
    import torch

    flat = flat.detach().clone().requires_grad_(True)
    m1, m2 = torch.zeros_like(flat), torch.zeros_like(flat)
    history = np.empty(steps)
    done, stopped = steps, False
    for i in range(steps):
        step_lr = lr * (LR_FLOOR + (1.0 - LR_FLOOR) * 0.5 * (1.0 + math.cos(math.pi * i / steps)))
        val = objective(flat)
        (grad,) = torch.autograd.grad(val, flat)
        with torch.no_grad():
            m1.mul_(B1).add_(grad, alpha=1.0 - B1)
            m2.mul_(B2).addcmul_(grad, grad, value=1.0 - B2)
            denom = (m2 / (1.0 - B2 ** (i + 1))).sqrt_().add_(EPS)
            flat.addcdiv_(m1, denom, value=-step_lr / (1.0 - B1 ** (i + 1)))
        history[i] = float(val.detach())
        if on_step is not None:
            on_step(i + 1, flat)
        if callback is not None:
            callback(i + 1, history[i])
        if should_stop is not None and should_stop():
            done, stopped = i + 1, True
            break
    return flat.detach(), history[:done], stopped
