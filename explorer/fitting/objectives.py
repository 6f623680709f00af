r"""Fitting objectives: the loss of a batch of models q_θ, chosen by the entry's capability fields.

:func:`make_objective` asks the registry entry (``div.fit``, ``div.measure``), never its name:

1. ``fit.likelihood`` and p given only by samples: the negative mean log-likelihood;
2. ``fit.kernel``: the exact kernel discrepancy between Gaussian mixtures (p's samples as point
   masses if p has no mixture form);
3. ``measure`` and a density of p: the entry's log-space formula on a batched torch quadrature
   grid around p and every restart's q, rebuilt by ``refresh``;
4. ``fit.sample_objective``: a fresh objective object per fit between fixed samples of p and
   reparametrised samples of q (optimal transport, Sinkhorn, MMD/energy V-statistics).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from explorer.distributions import Distribution, Mixture, gaussian_mixture_parts
from explorer.divergences import Divergence
from explorer.divergences import quadrature as quad
from explorer.divergences.grid2d import BoxGrid2D
from explorer.fitting.families import ModelFamily, _torch

__all__ = ["FIT_CLIP_2D", "FIT_GRID_2D", "FIT_TAIL_EXTENT", "LOG_RATIO_CAP", "MAX_MIXTURE_TERMS",
           "Objective", "TorchMeasure", "make_objective", "needs_density"]


class TorchMeasure:
    """Batched quadrature 'measure' in torch: lp (m,) or (R, m), lq (R, m), weights w (m,)."""

    def __init__(self, lp, lq, w):
        torch = _torch()
        self.lp, self.lq, self._w = lp, lq, w
        self._lw = torch.log(w)

    def integrate(self, g):
        return (g * self._w).sum(dim=-1)

    def integrate_log(self, lg):
        torch = _torch()
        return torch.logsumexp(lg + self._lw, dim=-1)


FIT_TAIL_EXTENT = 4.0
"""Quadrature grids used while fitting reach this many bulk widths beyond the bulk (a truncated,
always finite surrogate; the reported value is recomputed on the full grid)."""

LOG_RATIO_CAP = 40.0
"""While fitting, log(p/q) is smoothly capped to ±LOG_RATIO_CAP so that configurations where the
divergence is infinite (e.g. χ² with q lighter-tailed than p) still give finite values whose
gradient points back towards finite ones; ratios below e^{±30} are unaffected (< 1e-4 relative)."""

FIT_GRID_2D = 81
"""Largest 2-D fitting grid per axis while optimising (the reported value uses the full grid).
The box is the union of p's and the restarts' ±4σ ranges (``scale=0.5``), clipped to p's range
widened by FIT_CLIP_2D of its widths on each side, with trapezoidal weights: on the ring the
surrogate then stays within 1e-4 of the true value at σ ≈ 1.3 steps, where Simpson's weights on
a box doubled by one far restart let a narrow q sit between nodes and report ~0. q's mass
beyond the clipped box is charged at one extra node where p is (almost) zero."""

FIT_CLIP_2D = 0.5

MAX_MIXTURE_TERMS = 2000
"""Largest number of p-components used by the exact kernel (MMD/energy) path; beyond it p is
represented by ``n_samples`` of its samples."""


def _fit_grid(p: Distribution, qs: list[Distribution]) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights covering p and every current q (truncated tails: see FIT_TAIL_EXTENT)."""
    union = Mixture(qs) if len(qs) > 1 else qs[0]
    if p.dim == 1:
        g = quad.Grid1D(p, union, tail_extent=FIT_TAIL_EXTENT)
        return g.x, g.w
    g = BoxGrid2D(p, union, scale=0.5, n_max=FIT_GRID_2D, rule="trapezoid", clip=FIT_CLIP_2D)
    return g.points, g.w


def _capped_lq(lp, lq):
    """lq with log(p/q) smoothly confined to (−cap, cap) wherever p > 0 (see LOG_RATIO_CAP)."""
    torch = _torch()
    sp = torch.nn.functional.softplus
    finite = torch.isfinite(lp)
    lp0 = torch.where(finite, lp, torch.zeros_like(lp))
    lr = lp0 - lq
    capped = -LOG_RATIO_CAP + sp(LOG_RATIO_CAP - sp(LOG_RATIO_CAP - lr) + LOG_RATIO_CAP)
    return torch.where(finite, lp0 - capped, lq)


@dataclass
class Objective:
    """Loss(θ) for a batch of restarts, plus a description of the path it takes."""

    path: str
    loss: Callable[[Any], Any]
    refresh: Callable[[np.ndarray], None] | None = None


def _quantiles(p: Distribution, n: int) -> np.ndarray:
    """The n quantiles F⁻¹((i + ½)/n) of a 1-D distribution (a noise-free 'sample' of p)."""
    lo, hi = p.quad_range()
    w = hi - lo
    x = np.linspace(lo - 2 * w, hi + 2 * w, 20001)
    F = np.maximum.accumulate(p.cdf(x))
    keep = np.concatenate([[True], np.diff(F) > 0])
    return np.interp((np.arange(n) + 0.5) / n, F[keep], x[keep])


def _p_samples(p_density: Distribution | None, p_samples: np.ndarray | None, n: int,
               rng: np.random.Generator) -> np.ndarray:
    """Samples of p as (n, d): the data if given, else quantiles (1-D) or random draws (2-D)."""
    if p_samples is not None:
        x = p_samples
    elif p_density.dim == 1:
        x = _quantiles(p_density, n)
    else:
        x = p_density.sample(n, rng)
    return np.asarray(x, dtype=float).reshape(len(x), -1)


def _kernel_objective(div: Divergence, params: dict, fam: ModelFamily, p_density: Distribution | None,
                      p_samples: np.ndarray | None, n_mc: int, rng: np.random.Generator) -> Objective | None:
    """MMD/energy: exact kernel discrepancy between p (a Gaussian mixture, or its samples as point
    masses) and the Gaussian-mixture q; ``None`` if the kernel has no form in this dimension."""
    torch = _torch()
    parts = gaussian_mixture_parts(p_density) if p_density is not None else None
    if parts is not None and parts[0].size <= MAX_MIXTURE_TERMS:
        w, m, c = parts
        path = "closed form (Gaussian mixtures)"
    else:
        m = _p_samples(p_density, p_samples, n_mc, rng)
        if len(m) > MAX_MIXTURE_TERMS:
            m = m[rng.choice(len(m), MAX_MIXTURE_TERMS, replace=False)]
        w, c = np.full(len(m), 1.0 / len(m)), np.zeros((len(m), m.shape[1], m.shape[1]))
        path = "closed form in q, samples of p"
    a = tuple(torch.as_tensor(np.array(v, dtype=float)) for v in (w, m, c))
    try:
        kaa = div.fit.kernel(a, a, **params)
    except ValueError:
        return None

    def loss(th):
        b = fam.gm_parts(th)
        ab = div.fit.kernel((a[0][None], a[1][None], a[2][None]), b, **params)
        return kaa - 2.0 * ab + div.fit.kernel(b, b, **params)

    return Objective(path, loss)


def needs_density(div: Divergence) -> bool:
    """True if fitting ``div`` needs a density of p (samples of p are then turned into a KDE)."""
    return not div.fit.from_samples


def make_objective(div: Divergence, params: dict, fam: ModelFamily, p_density: Distribution | None,
                    p_samples: np.ndarray | None, n_mc: int, seed: int) -> Objective:
    torch = _torch()
    dt = torch.float64
    rng = np.random.default_rng(seed)
    if div.fit.likelihood and p_density is None:
        x = torch.as_tensor(p_samples, dtype=dt)
        if fam.dim == 1:
            x = x.reshape(-1)
        return Objective("maximum likelihood", lambda th: -fam.logpdf(th, x).mean(dim=-1))
    if div.fit.kernel is not None:
        obj = _kernel_objective(div, params, fam, p_density, p_samples, n_mc, rng)
        if obj is not None:
            return obj
    if div.measure is not None and p_density is not None:
        state: dict[str, Any] = {}

        def refresh(theta_np: np.ndarray) -> None:
            qs = [fam.distribution(th) for th in theta_np]
            nodes, w = _fit_grid(p_density, qs)
            lp = p_density.logpdf(nodes)
            state["x"] = torch.as_tensor(nodes, dtype=dt)
            state["lp"] = torch.as_tensor(lp, dtype=dt)
            state["w"] = torch.as_tensor(w, dtype=dt)
            with np.errstate(divide="ignore"):
                state["lw"] = torch.as_tensor(np.log(w), dtype=dt)
            state["w_out"] = torch.cat([state["w"], torch.ones(1, dtype=dt)])  # + the node at infinity

        def loss(th):
            lq = fam.logpdf(th, state["x"])
            log_in = torch.logsumexp(lq + state["lw"], dim=-1, keepdim=True)  # q's mass on the grid
            if fam.dim == 1:
                # q renormalised on the grid: otherwise a q that slips off the grid between refreshes
                # "hides" mass from the integral and the optimiser exploits it (thin, shifted q's)
                lq = _capped_lq(state["lp"], lq - log_in)
                return div.measure(TorchMeasure(state["lp"], lq, state["w"]), **params)
            # 2-D (the box is clipped, see FIT_CLIP_2D): q's mass beyond the box goes to one node
            # "at infinity" where log(p/q) sits at the cap's floor, so the divergence charges it as
            # mass where p has (almost) none (½ log 2 per unit for JS, the cap for reverse KL);
            # renormalising instead let a q stretched far beyond the box look concentrated in it
            lq = _capped_lq(state["lp"], lq - torch.clamp_min(log_in, 0.0))
            out = torch.log(torch.clamp_min(-torch.expm1(torch.clamp_max(log_in, 0.0)), 1e-300))
            lq = torch.cat([lq, out], dim=-1)
            lp = torch.cat([state["lp"].expand(lq.shape[0], -1), out - LOG_RATIO_CAP], dim=-1)
            return div.measure(TorchMeasure(lp, lq, state["w_out"]), **params)

        return Objective("quadrature", loss, refresh)
    if div.fit.sample_objective is not None:
        fit_samples = div.fit.sample_objective()  # a fresh object: its state belongs to this fit
        xp = torch.as_tensor(_p_samples(p_density, p_samples, n_mc, rng), dtype=dt)
        wp = torch.full((xp.shape[0],), 1.0 / xp.shape[0], dtype=dt)
        if fam.dim == 1:  # reparametrisation noise at the normal quantiles: no Monte Carlo noise
            noise = special.ndtri((np.arange(n_mc) + 0.5) / n_mc)[:, None]
        else:
            noise = rng.standard_normal((n_mc, fam.dim))
        eps = torch.as_tensor(noise, dtype=dt)

        def loss(th):
            xq, wq = fam.sample(th, eps)
            return fit_samples(xp, wp, xq, wq, **params)

        return Objective("samples", loss)
    if p_density is None:
        raise ValueError(f"{div.name!r} needs a density of p: pass a distribution, or samples "
                         "(they are turned into a KDE automatically)")
    raise ValueError(f"{div.name!r} cannot be used as a fitting objective")
