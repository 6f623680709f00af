r"""Neural variational lower bounds on mutual information (torch, imported lazily).

A separable critic :math:`f(x, y) = g(x)^\top h(y)` (two small MLPs) is trained by Adam on
minibatches of B pairs to maximise the bound; the estimate is the bound averaged over batches
of the data. With the score matrix :math:`S_{ij} = f(x_i, y_j)` of a batch (pairs on the
diagonal, product-of-marginals samples off it):

InfoNCE (van den Oord et al. 2018; Poole et al. 2019, ICML, eq. 12)
    :math:`I \ge \frac1B\sum_i \big[S_{ii} - \log\frac1B\sum_j e^{S_{ij}}\big]`, never above
    :math:`\log B`: a high MI saturates at the log of the batch size.
NWJ / f-GAN KL (Nguyen, Wainwright & Jordan 2010; MINE-f of Belghazi et al. 2018)
    :math:`I \ge E_p[f] - e^{-1}E_{p_xp_y}[e^{f}]`: no log B ceiling, but a variance that grows
    like :math:`e^{I}`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["neural_bound", "one_hot"]


def one_hot(codes: np.ndarray, k: int) -> np.ndarray:
    """One-hot rows (n, k) of integer codes."""
    out = np.zeros((codes.size, k))
    out[np.arange(codes.size), codes] = 1.0
    return out


def _standardise(a: np.ndarray) -> np.ndarray:
    sd = a.std(axis=0)
    sd[sd == 0] = 1.0
    return (a - a.mean(axis=0)) / sd


def _mlp(torch: Any, d_in: int, hidden: int, d_out: int) -> Any:
    nn = torch.nn
    return nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, d_out))


def _bound(torch: Any, s: Any, kind: str) -> Any:
    b = s.shape[0]
    diag = torch.diagonal(s)
    if kind == "infonce":
        return (diag - torch.logsumexp(s, dim=1)).mean() + math.log(b)
    off = s - torch.diag(torch.full((b,), float("inf")))  # exclude the joint pairs
    neg = torch.logsumexp(off.flatten(), dim=0) - math.log(b * (b - 1))
    return diag.mean() - torch.exp(neg - 1.0)


def neural_bound(x: np.ndarray, y: np.ndarray, kind: str, steps: int, batch: int, hidden: int,
                 lr: float, seed: int) -> float:
    """Train a separable critic and return the InfoNCE or NWJ lower bound (nats)."""
    import torch

    from explorer._backend import torch_single_thread

    n = x.shape[0]
    b = min(batch, n)
    with torch_single_thread():
        gen = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)
        xt = torch.as_tensor(_standardise(x), dtype=torch.float32)
        yt = torch.as_tensor(_standardise(y), dtype=torch.float32)
        g = _mlp(torch, xt.shape[1], hidden, 32)
        h = _mlp(torch, yt.shape[1], hidden, 32)
        opt = torch.optim.Adam([*g.parameters(), *h.parameters()], lr=lr)
        for _ in range(steps):
            idx = torch.randperm(n, generator=gen)[:b]
            s = g(xt[idx]) @ h(yt[idx]).T
            loss = -_bound(torch, s, kind)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            perm = torch.randperm(n, generator=gen)
            vals, weights = [], []
            for start in range(0, n - b + 1, b):
                idx = perm[start:start + b]
                vals.append(float(_bound(torch, g(xt[idx]) @ h(yt[idx]).T, kind)))
                weights.append(idx.numel())
    return float(np.average(vals, weights=weights))
