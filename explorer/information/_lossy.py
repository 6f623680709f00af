r"""Lossy compression of a high-dimensional variable before estimating MI (Butakov et al. 2024).

Butakov, Tolmachev, Malanchuk, Neopryatnaya, Frolov & Didenko, "Information bottleneck analysis
of deep neural networks via lossy compression", ICLR 2024: estimate :math:`I(X;T)` as
:math:`I(C_X(X); C_T(T))` with compressors :math:`C` to a few dimensions, where k-NN estimators
still work. By the data-processing inequality the compressed MI is a lower bound on the
original; it is close when the compressors keep the dependence (the data lie near a
low-dimensional manifold). Compressors here: PCA (top ``dims`` principal components, from an
SVD) or a small autoencoder (torch MLP d → 64 → dims → 64 → d, trained by Adam on the
reconstruction error).
"""

from __future__ import annotations

import numpy as np

__all__ = ["autoencoder_codes", "pca_codes"]


def pca_codes(a: np.ndarray, dims: int) -> np.ndarray:
    """Scores on the top ``dims`` principal components (standardised columns first)."""
    sd = a.std(axis=0)
    sd[sd == 0] = 1.0
    z = (a - a.mean(axis=0)) / sd
    _, _, vt = np.linalg.svd(z, full_matrices=False)
    return z @ vt[:dims].T


def autoencoder_codes(a: np.ndarray, dims: int, steps: int, seed: int) -> np.ndarray:
    """Bottleneck codes of a small autoencoder trained ``steps`` Adam steps (batch 256)."""
    import torch

    from explorer._backend import torch_single_thread

    sd = a.std(axis=0)
    sd[sd == 0] = 1.0
    z = (a - a.mean(axis=0)) / sd
    with torch_single_thread():
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        nn = torch.nn
        d = z.shape[1]
        enc = nn.Sequential(nn.Linear(d, 64), nn.ELU(), nn.Linear(64, dims))
        dec = nn.Sequential(nn.Linear(dims, 64), nn.ELU(), nn.Linear(64, d))
        zt = torch.as_tensor(z, dtype=torch.float32)
        opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=3e-3)
        n = zt.shape[0]
        for _ in range(steps):
            idx = torch.randperm(n, generator=gen)[:256]
            loss = ((dec(enc(zt[idx])) - zt[idx]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            return enc(zt).double().numpy()
