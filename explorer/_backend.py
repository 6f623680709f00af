"""One set of array operations for numpy and torch, so each formula is written once.

The divergence integrands in :mod:`explorer.divergences` use ``ops = ops_for(lp, lq)`` and then
``ops.exp``, ``ops.where``, ... : the calculator calls them with numpy arrays, the fitting code
with torch tensors (autograd flows through). torch is imported only when a tensor shows up.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

import numpy as np

# up to this dimension squared distances are summed coordinate by coordinate (no cancellation in
# |a|² + |b|² − 2a·b, and 3-4x faster for d = 1); beyond it, by one matrix product
SQDIST_DIRECT_DIM = 3


class NumpyOps:
    name = "numpy"
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    expm1 = staticmethod(np.expm1)
    log1p = staticmethod(np.log1p)
    abs = staticmethod(np.abs)
    sign = staticmethod(np.sign)
    sqrt = staticmethod(np.sqrt)
    square = staticmethod(np.square)
    logaddexp = staticmethod(np.logaddexp)
    where = staticmethod(np.where)
    isfinite = staticmethod(np.isfinite)

    @staticmethod
    def asarray(x: Any) -> np.ndarray:
        return np.asarray(x, dtype=float)

    @staticmethod
    def maximum(a: Any, b: float) -> Any:
        return np.maximum(a, b)

    @staticmethod
    def minimum(a: Any, b: float) -> Any:
        return np.minimum(a, b)

    @staticmethod
    def sum(a: Any, axis: int | None = None) -> Any:
        return np.sum(a, axis=axis)

    @staticmethod
    def logsumexp(a: Any, axis: int = -1) -> Any:
        from explorer._numerics import logsumexp

        return logsumexp(a, axis=axis)

    @staticmethod
    def quiet() -> Any:
        return np.errstate(all="ignore")

    @staticmethod
    def sqdist(a: Any, b: Any) -> Any:
        """Squared distances between point sets a (..., n, d) and b (..., m, d): (..., n, m)."""
        if a.shape[-1] <= SQDIST_DIRECT_DIM:  # per-coordinate differences: exact, and faster
            return sum(np.square(a[..., :, None, k] - b[..., None, :, k]) for k in range(a.shape[-1]))
        aa = np.sum(a * a, axis=-1)[..., :, None]
        bb = np.sum(b * b, axis=-1)[..., None, :]
        return np.maximum(aa + bb - 2.0 * a @ np.swapaxes(b, -1, -2), 0.0)

    @staticmethod
    def detach(x: Any) -> Any:
        return x

    @staticmethod
    def no_grad() -> Any:
        return contextlib.nullcontext()


class TorchOps:
    name = "torch"

    def __init__(self) -> None:
        import torch

        self.t = torch
        self.exp, self.log, self.expm1, self.log1p = torch.exp, torch.log, torch.expm1, torch.log1p
        self.abs, self.sign, self.sqrt, self.square = torch.abs, torch.sign, torch.sqrt, torch.square
        self.isfinite = torch.isfinite

    def asarray(self, x: Any) -> Any:
        return x if isinstance(x, self.t.Tensor) else self.t.as_tensor(x, dtype=self.t.float64)

    def logaddexp(self, a: Any, b: Any) -> Any:
        a, b = self.asarray(a), self.asarray(b)
        return self.t.logaddexp(a, b)

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return self.t.where(self.asarray(cond).bool() if not isinstance(cond, self.t.Tensor) else cond,
                            a if isinstance(a, self.t.Tensor) else float(a),
                            b if isinstance(b, self.t.Tensor) else self.asarray(b))

    def maximum(self, a: Any, b: float) -> Any:
        return self.t.clamp_min(a, b)

    def minimum(self, a: Any, b: float) -> Any:
        return self.t.clamp_max(a, b)

    def sum(self, a: Any, axis: int | None = None) -> Any:
        return a.sum() if axis is None else a.sum(dim=axis)

    def logsumexp(self, a: Any, axis: int = -1) -> Any:
        return self.t.logsumexp(a, dim=axis)

    @staticmethod
    def quiet() -> Any:
        return contextlib.nullcontext()

    def sqdist(self, a: Any, b: Any) -> Any:
        if a.shape[-1] <= SQDIST_DIRECT_DIM:
            return sum(self.t.square(a[..., :, None, k] - b[..., None, :, k]) for k in range(a.shape[-1]))
        aa = (a * a).sum(-1)[..., :, None]
        bb = (b * b).sum(-1)[..., None, :]
        return self.t.clamp_min(aa + bb - 2.0 * a @ b.transpose(-1, -2), 0.0)

    def no_grad(self) -> Any:
        return self.t.no_grad()

    @staticmethod
    def detach(x: Any) -> Any:
        return x.detach()


NP = NumpyOps()
_TORCH: TorchOps | None = None


def ops_for(*arrays: Any) -> Any:
    """``TorchOps`` if any argument is a torch tensor, else ``NumpyOps``."""
    global _TORCH
    for a in arrays:
        if type(a).__module__.startswith("torch"):
            if _TORCH is None:
                _TORCH = TorchOps()
            return _TORCH
    return NP


NEG_INF = -math.inf


@contextlib.contextmanager
def torch_single_thread() -> Any:
    """Run torch on one thread: for the small problems here, a second thread gains nothing when the
    machine is idle and costs 3-6x when another process holds a core (measured on 2 cores)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
