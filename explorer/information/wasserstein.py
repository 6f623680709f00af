r"""The Wasserstein dependency measure beside MI lower bounds on the known-MI tasks.

Ozair, Lynch, Bengio, van den Oord, Levine & Sermanet (2019), "Wasserstein dependency measure
for representation learning", NeurIPS: replace the KL divergence in
:math:`I(X;Y) = KL(p_{XY}\|p_Xp_Y)` by a Wasserstein distance,

.. math:: \mathrm{WD}(X;Y) = W_1(p_{XY},\ p_X\otimes p_Y).

It is estimated here between the n joint samples and n samples of the product (y shuffled),
by exact optimal transport (POT's network simplex, O(n³)) with the Euclidean ground cost on
standardised coordinates. Unlike KL-based MI, it is not capped by :math:`\log n` for
sample-based lower bounds (McAllester & Stratos 2020): on Gaussians with d independent
correlated pairs the MI grows like d while InfoNCE stays below log B, and the WD keeps growing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.information._data import as_variable, check_pair

__all__ = ["SaturationResult", "gaussian_pairs_mi", "saturation_study", "wasserstein_dependency"]


def wasserstein_dependency(x: Any, y: Any, seed: int = 0, max_n: int = 2000) -> float:
    """:math:`W_1(p_{XY}, p_X\\otimes p_Y)` (standardised units) from paired samples.

    Parameters
    ----------
    x, y : array_like, shape (n,) or (n, d)
        Paired continuous samples.
    seed : int
        Seed of the shuffle that samples the product of marginals.
    max_n : int
        Exact OT costs O(n³): at most ``max_n`` pairs are used (a random subset).
    """
    import ot

    xv, yv = as_variable(x, "x", False), as_variable(y, "y", False)
    check_pair(xv, yv)
    rng = np.random.default_rng(seed)
    n = xv.n
    idx = rng.permutation(n)[:max_n] if n > max_n else np.arange(n)
    xs = xv.values[idx]
    ys = yv.values[idx]
    xs = (xs - xs.mean(0)) / xs.std(0)
    ys = (ys - ys.mean(0)) / ys.std(0)
    joint = np.hstack([xs, ys])
    prod = np.hstack([xs, ys[rng.permutation(idx.size)]])
    cost = ot.dist(joint, prod, metric="euclidean")
    w = np.full(idx.size, 1.0 / idx.size)
    return float(ot.emd2(w, w, cost, numItermax=1_000_000))


@dataclass(frozen=True, eq=False)
class SaturationResult:
    """MI truth, a neural lower bound, its log B ceiling and the WD, per dimension.

    ``n`` samples per dimension; InfoNCE trains on ``n − n_eval`` of them and is evaluated on the
    ``n_eval`` held-out ones in one batch, so ``ceiling = log n_eval``.
    """

    dims: np.ndarray
    true_mi: np.ndarray
    infonce: np.ndarray
    ceiling: float
    wasserstein: np.ndarray
    rho: float
    n: int
    n_eval: int


def gaussian_pairs_mi(dims: Sequence[int] | int, rho: float) -> np.ndarray:
    """:math:`I(X;Y) = -\\tfrac{d}{2}\\log(1-\\rho^2)` nats of d independent pairs of correlation ρ."""
    return -0.5 * np.asarray(dims, float) * math.log(1 - rho**2)


def saturation_ceiling(n: int) -> tuple[float, int]:
    """``(log n_eval, n_eval)``: InfoNCE's ceiling in :func:`saturation_study` with n samples.

    The study's batch is the whole evaluation set, n_eval held-out pairs (the neural estimator's
    default ``holdout``), so no estimate can exceed log n_eval.
    """
    from explorer.information import _neural
    from explorer.information.estimators import get

    entry = get("neural")
    params = entry.resolve({"batch": n})
    return entry.ceiling(n, params), _neural.eval_size(n, params["holdout"])


def saturation_study(dims: Sequence[int] = (1, 2, 4, 8, 16), rho: float = 0.8, n: int = 512,
                     seed: int = 0, steps: int = 300,
                     callback: Callable[[int, int], None] | None = None,
                     should_stop: Callable[[], bool] | None = None,
                     on_partial: Callable[[SaturationResult], None] | None = None) -> SaturationResult:
    """Gaussians with d pairs of correlation ρ: true MI, InfoNCE (batch n), WD, for each d.

    InfoNCE trains on part of the n samples and is evaluated on the held-out rest
    (:func:`saturation_ceiling`); the WD uses all n.

    ``callback(done, total)`` and ``on_partial(result so far)`` are called after each dimension
    (the partial result holds the dimensions done); ``should_stop()`` is asked before each one and,
    when true, the study returns the dimensions done so far.
    """
    from explorer.information.estimators import mutual_information
    from explorer.information.tasks import _gauss_sampler

    if not 0 < rho < 1:
        raise ValueError(f"rho must be in (0, 1), got {rho!r}")
    d = np.asarray(dims, int)
    ceiling, n_eval = saturation_ceiling(n)
    true: list[float] = []
    nce: list[float] = []
    wd: list[float] = []

    def result() -> SaturationResult:
        k = len(true)
        return SaturationResult(d[:k], np.array(true), np.array(nce), ceiling, np.array(wd), rho, n,
                                n_eval)

    for i, di in enumerate(d):
        if should_stop is not None and should_stop():
            break
        x, y = _gauss_sampler(int(di), rho)(n, np.random.default_rng(seed + i))
        true.append(float(gaussian_pairs_mi(int(di), rho)))
        nce.append(float(mutual_information(x, y, "neural", batch=n, steps=steps, seed=seed)))
        wd.append(wasserstein_dependency(x, y, seed=seed))
        if callback is not None:
            callback(i + 1, d.size)
        if on_partial is not None:
            on_partial(result())
    return result()
