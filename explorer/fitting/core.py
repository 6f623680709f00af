r"""Fit a model q from a simple family to a target p by minimising a registered divergence D(p‖q).

The argument order is the registry's: ``fit(p, divergence="kl")`` minimises KL(p‖q) (forward
KL, mode-covering; the same as maximum likelihood) and ``divergence="reverse_kl"`` minimises
KL(q‖p) (mode-seeking). Optimisation is by Adam on an unconstrained parametrisation with torch
autograd; all restarts run together as one batch (Adam is per-coordinate, so batched restarts
are exactly independent runs).

How the objective is computed (the ``path`` of the result):

``"quadrature"``
    p has a density (a distribution, or a data set turned into a Gaussian KDE): the divergence
    is integrated on a quadrature grid covering p and every restart's q, rebuilt every
    ``refresh`` steps, with the registry's own log-space integrands evaluated in torch - the
    same formulas the calculator uses. f-divergences, α, Rényi, Bhattacharyya and
    Cauchy–Schwarz take this path (1-D and 2-D).
``"maximum likelihood"``
    forward KL with p given only as samples: minimising KL(p̂‖q) over q is maximising
    :math:`\sum_i \log q(x_i)`; no density of p is needed.
``"samples"``
    optimal transport, MMD and energy distance are computed between fixed samples of p and
    reparametrised samples of q (:math:`x = \mu + L\varepsilon` with fixed ε, so the objective
    is deterministic and smooth). Wasserstein uses POT (``ot.wasserstein_1d``, ``ot.emd2``).

The reported ``value`` of every optimum is then the *true* divergence of the fitted q,
recomputed by :func:`explorer.divergences.evaluate` (closed form or full quadrature), not the
optimisation objective.

Examples
--------
>>> from explorer.distributions import Gaussian, Mixture
>>> from explorer.fitting import fit
>>> p = Mixture([Gaussian(-2.5, 0.7), Gaussian(2.5, 0.7)])
>>> r = fit(p, divergence="kl", restarts=2, steps=300)
>>> round(r.q.mean, 3), round(r.q.std, 3)    # forward KL = moment matching
(0.0, 2.598)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from explorer import divergences as dv
from explorer._backend import torch_single_thread
from explorer._validation import as_finite_array, as_sample_count
from explorer.distributions import GRID_DIMS, Distribution, Empirical
from explorer.fitting.families import Gaussian1D, _torch, model_family
from explorer.fitting.objectives import make_objective, needs_density
from explorer.fitting.polish import GRAD_TOL, gradient_norms, polish
from explorer.fitting.results import FitHistory, FitResult, Optimum
from explorer.fitting.starts import exact_moments, mode_starts

__all__ = ["fit", "fit_path", "gradient_weight", "landscape"]



LOG_STEP = {1: 2.5, 2: 1.0}
"""Step of log-widths and mixture logits relative to locations (in units of the scene width), by
dimension (larger steps in 2-D let thin ellipses form and slip between modes of a ring)."""

FIT_GRID_2D = 81


def _as_target(p: Any) -> tuple[Distribution | None, np.ndarray | None, Distribution]:
    """(density or None, samples or None, distribution used to re-evaluate the result)."""
    if isinstance(p, Distribution):
        samples = p.samples if isinstance(p, Empirical) else None
        return p, samples, p
    x = as_finite_array(p, "p samples")
    if x.ndim not in (1, 2) or x.shape[0] < 2:
        raise ValueError("p must be a Distribution or an array of samples of shape (n,) or (n, d)")
    kde = Empirical(x)
    return None, x, kde


def _cluster(values: np.ndarray, sigs: np.ndarray, tol: float) -> list[list[int]]:
    order = np.argsort(values)
    groups: list[list[int]] = []
    for i in order:
        for g in groups:
            if np.max(np.abs(sigs[g[0]] - sigs[i])) < tol:
                g.append(int(i))
                break
        else:
            groups.append([int(i)])
    return groups


def fit(
    p: Any,
    family: str = "gaussian",
    divergence: str = "reverse_kl",
    restarts: int = 8,
    seed: int = 0,
    steps: int | None = None,
    *,
    components: int = 2,
    lr: float = 0.02,
    refresh: int | None = None,
    n_samples: int | None = None,
    init: np.ndarray | None = None,
    progress: Callable[[int, int], None] | None = None,
    **divergence_params: Any,
) -> FitResult:
    r"""Fit q from ``family`` to ``p`` by minimising ``D(p‖q)`` over ``restarts`` random starts.

    Parameters
    ----------
    p : Distribution or array_like
        Target: a 1-D/2-D distribution (incl. an :class:`~explorer.distributions.Empirical`),
        or raw samples of shape (n,) / (n, 2).
    family : {"gaussian", "mixture"}
        Model family: a Gaussian (full covariance in 2-D, via a Cholesky factor) or a
        ``components``-component Gaussian mixture.
    divergence : str
        A registered divergence name; ``divergence_params`` are its parameters (e.g.
        ``alpha=0.3``).
    restarts, seed : int
        Number of random initialisations (run as one batch) and the seed that draws them.
    steps : int, optional
        Adam steps (default 300 for a Gaussian, 500 for a mixture).
    lr : float
        Adam learning rate (cosine-decayed to a tenth).
    refresh : int
        Quadrature path: rebuild the grid around the current q's every ``refresh`` steps
        (default 25 in 1-D, 10 in 2-D).
    n_samples : int
        Samples path: number of samples of p and of (each component of) q (default 256 in 1-D,
        64 for Sinkhorn in 1-D, 128 in 2-D: exact OT and Sinkhorn cost O(n²) per restart and
        step; in 1-D they are quantiles of p and q, so 64 already resolves a blur of √ε).
    init : ndarray, optional
        Explicit initial parameters, shape (restarts, n_params) (e.g. a warm start).
    progress : callable, optional
        Called as ``progress(step, steps)`` during optimisation.

    Returns
    -------
    FitResult
        ``.q`` (best model), ``.value`` (its true divergence), ``.optima`` (distinct local
        optima with values), ``.history`` (per-step parameters and objective).
    """
    torch = _torch()
    div = dv.get(divergence)
    params = {k: v for k, v in div.resolve_params(divergence_params).items()}
    restarts = as_sample_count(restarts, "restarts")

    p_density, p_samples, p_eval = _as_target(p)
    dim = p_eval.dim
    if dim not in GRID_DIMS:
        raise ValueError(f"fitting supports targets of dimension {GRID_DIMS}, got {dim}-D")
    fam = model_family(family, dim, components)
    steps = as_sample_count(steps if steps is not None else (300 if family == "gaussian" else 500), "steps")
    if p_density is None and needs_density(div):
        p_density = p_eval  # KDE of the samples where a density of p is needed
    if n_samples is None:  # samples path: OT/Sinkhorn cost grows as n² per restart and step
        n_samples = div.fit.n_samples_1d if dim == 1 else div.fit.n_samples_2d
    n_samples = as_sample_count(n_samples, "n_samples")
    objective = make_objective(div, params, fam, p_density, p_samples, n_samples, seed)
    refresh = as_sample_count(refresh if refresh is not None else (25 if dim == 1 else 10), "refresh")

    rng = np.random.default_rng(seed)
    rng_box = p_eval.plot_range()
    box = np.array([rng_box] if dim == 1 else rng_box, dtype=float)
    if init is not None:
        theta0 = np.asarray(init, dtype=float)
        if theta0.shape != (restarts, fam.n_params):
            raise ValueError(f"init must have shape ({restarts}, {fam.n_params}), got {theta0.shape}")
    else:
        theta0 = _initial(fam, p_eval, p_samples, restarts, rng, box)
    scale = float(np.mean(box[:, 1] - box[:, 0]))
    # optimise φ = θ / D with D = the scene's length scale for coordinates in units of x, so that
    # Adam's step (≈ lr per coordinate) means the same thing at every scale of the data; log-scales
    # and logits move LOG_STEP times faster (a width must be able to grow 10x within ~100 steps)
    D = torch.as_tensor(np.where(fam.lengths() > 0, scale, LOG_STEP[dim]), dtype=torch.float64)
    phi = torch.tensor(theta0 / D.numpy(), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([phi], lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=lr / 1000)
    hist_theta = np.empty((steps + 1, restarts, fam.n_params))
    hist_loss = np.empty((steps + 1, restarts))
    t0 = time.perf_counter()
    with torch_single_thread():  # small tensors: threading costs more than it saves
        for s in range(steps + 1):
            theta = phi * D
            if objective.refresh is not None and s % refresh == 0:
                objective.refresh(theta.detach().numpy())
            opt.zero_grad()
            losses = objective.loss(theta)
            hist_theta[s] = theta.detach().numpy()
            hist_loss[s] = losses.detach().numpy()
            if s == steps:
                break
            finite = torch.isfinite(losses)
            total = torch.where(finite, losses, torch.zeros_like(losses)).sum()
            total.backward()
            with torch.no_grad():
                phi.grad[~torch.isfinite(phi.grad)] = 0.0
                phi.grad[~finite] = 0.0
            opt.step()
            sched.step()
            if progress is not None and (s % 10 == 0):
                progress(s, steps)
    if progress is not None:
        progress(steps, steps)

    final, objective_values, grads, settled, path = _end_points(
        div, fam, objective, p_density, p_samples, hist_theta, hist_loss, scale)
    hist_theta[-1], hist_loss[-1] = final, objective_values
    sigs = np.array([fam.signature(th, scale) for th in final])
    pool = np.flatnonzero(settled)
    if pool.size == 0:  # nothing stationary: report the lowest point, flagged
        pool = np.array([int(np.argmin(np.where(np.isfinite(objective_values), objective_values, np.inf)))])
    groups = [[int(pool[i]) for i in g] for g in _cluster(objective_values[pool], sigs[pool], tol=0.05)]
    optima = []
    for g in groups:  # the true divergence of one representative per distinct optimum
        q = fam.distribution(final[g[0]])
        value = dv.evaluate(div.name, p_eval, q, **divergence_params).value
        optima.append(Optimum(q, float(value), tuple(sorted(g)), float(objective_values[g[0]]),
                              float(grads[g[0]]), bool(settled[g[0]])))
    optima.sort(key=lambda o: (math.isnan(o.value), o.value))
    stuck = [o for o in optima[1:] if not math.isfinite(o.value)]  # ended where D = ∞: not optima
    optima = [o for o in optima if o is optima[0] or math.isfinite(o.value)]
    settled[[i for o in stuck for i in o.restarts]] = False
    best = optima[0].restarts[0]
    return FitResult(
        q=optima[0].q, value=optima[0].value, divergence=div.name, params=params, family=family,
        path=path, optima=tuple(optima),
        history=FitHistory(hist_theta, hist_loss, fam), best_restart=best,
        converged=bool(settled[best]), unsettled=tuple(int(i) for i in np.flatnonzero(~settled)),
        seconds=time.perf_counter() - t0, grad_norms=grads,
    )


def _initial(fam: Any, p_eval: Distribution, p_samples: np.ndarray | None, restarts: int,
             rng: np.random.Generator, box: np.ndarray) -> np.ndarray:
    """Starting parameters: a Gaussian q at p's modes and moments across scales
    (:func:`~explorer.fitting.starts.mode_starts`), a mixture's components at draws from p."""
    scene = float(np.mean(box[:, 1] - box[:, 0]))
    if fam.k == 1:
        starts = mode_starts(p_eval, restarts, rng, scene)
        if starts is not None:
            return fam.init(rng, box, restarts, starts[0], starts[1])
    n_centres = restarts * fam.k
    pool = p_samples if p_samples is not None else p_eval.sample(n_centres, rng)
    pool = np.asarray(pool, dtype=float).reshape(len(pool), -1)
    centres = pool[rng.choice(len(pool), n_centres, replace=len(pool) < n_centres)]
    return fam.init(rng, box, restarts, centres)


def _exact_solution(div: dv.Divergence, fam: Any, p_density: Distribution | None,
                    p_samples: np.ndarray | None) -> tuple[np.ndarray, str] | None:
    """(θ, path) of the exact minimiser where the entry knows one for this family (moment matching)."""
    if not div.fit.moments:
        return None
    if p_density is None:
        x = np.asarray(p_samples, dtype=float).reshape(len(p_samples), -1)
        moments = (x.mean(axis=0), np.atleast_2d(np.cov(x, rowvar=False, bias=True)))
        path = "maximum likelihood"
    else:
        moments = exact_moments(p_density)
        path = "moment matching (exact)"
    if moments is None:
        return None
    theta = fam.from_moments(*moments)
    return None if theta is None else (theta, path)


def _end_points(div: dv.Divergence, fam: Any, objective: Any, p_density: Distribution | None,
                p_samples: np.ndarray | None, hist_theta: np.ndarray, hist_loss: np.ndarray,
                scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """(end points, objective values, gradient norms, stationary/settled mask, path) of the restarts.

    An exact solution replaces every end point; a smooth objective's distinct end points are
    polished (:func:`~explorer.fitting.polish.polish`) and kept if stationary; on the sample paths
    a restart counts if its objective settled (non-smooth objectives such as W at 0 jitter at
    their best point: any restart below all settled ones counts too).
    """
    final, values = hist_theta[-1].copy(), hist_loss[-1].copy()
    S = np.where(fam.lengths() > 0, scale, 1.0)
    finite = np.isfinite(values)
    exact = _exact_solution(div, fam, p_density, p_samples)
    if exact is not None:
        final[:] = exact[0]
        if objective.refresh is not None:
            objective.refresh(final[:1], precise=True)
        values, _ = gradient_norms(objective, final, S)
        return final, values, np.zeros(len(final)), np.ones(len(final), bool), exact[1]
    if objective.smooth:
        sigs = np.array([fam.signature(th, scale) for th in final])
        idx = np.flatnonzero(finite)
        grads = np.full(len(final), np.inf)
        groups = [[int(idx[i]) for i in g] for g in _cluster(values[idx], sigs[idx], tol=0.05)]
        if groups:
            reps = [g[0] for g in groups]
            th, loss, gn = polish(objective, final[reps], S)
            for g, t, v, n in zip(groups, th, loss, gn, strict=True):
                final[g], values[g], grads[g] = t, v, n
        tol = GRAD_TOL * np.maximum(1.0, np.abs(np.where(np.isfinite(values), values, 0.0)))
        settled = np.isfinite(values) & (grads <= tol)
        return final, values, grads, settled, objective.path
    tails = hist_loss[-21:]
    settled = np.all(np.isfinite(tails), axis=0) & (
        np.ptp(tails, axis=0) <= 1e-4 * np.maximum(1.0, np.abs(tails[-1])))
    values = np.where(finite, values, np.inf)
    below = values < values[settled].min() if settled.any() else np.ones(len(final), bool)
    if objective.refresh is not None:
        objective.refresh(final)
    _, grads = gradient_norms(objective, final, S)
    return final, values, grads, settled | below, objective.path


def fit_path(p: Any, divergence: str, name: str, values: np.ndarray, family: str = "gaussian",
             restarts: int = 4, seed: int = 0, steps: int | None = None,
             progress: Callable[[int, int], None] | None = None, **kwargs: Any) -> list[FitResult]:
    """Fits along a parameter path (e.g. α from 0 to 1), each warm-started from the previous optima.

    Warm starts make the fitted q move continuously with the parameter, as the α-slider needs.
    """
    out: list[FitResult] = []
    init = kwargs.pop("init", None)
    for i, v in enumerate(values):
        r = fit(p, family, divergence, restarts=restarts, seed=seed, steps=steps, init=init,
                **{name: float(v)}, **kwargs)
        out.append(r)
        init = r.history.theta[-1]
        if progress is not None:
            progress(i + 1, len(values))
    return out


def landscape(p: Any, divergence: str, means: Any, log_stds: Any, **divergence_params: Any) -> np.ndarray:
    r"""The objective D(p‖N(μ, σ²)) over a grid of means × log-std's, for a 1-D Gaussian q.

    Evaluated in one batch with the same objective :func:`fit` minimises (so its minima are the
    fit's optima); the quadrature path integrates on one grid covering every q of the scan, with
    tails truncated at ``FIT_TAIL_EXTENT`` bulk widths. Returns an array of shape
    ``(len(log_stds), len(means))``.
    """
    torch = _torch()
    div = dv.get(divergence)
    params = dict(div.resolve_params(divergence_params))
    p_density, p_samples, p_eval = _as_target(p)
    if p_eval.dim != 1:
        raise ValueError("loss landscapes are drawn for 1-D targets")
    if not div.fit.landscape:
        raise ValueError(f"the {div.name!r} landscape is not drawn: thousands of its objective "
                         "evaluations would take minutes (fit it instead)")
    mu = as_finite_array(means, "means").ravel()
    ls = as_finite_array(log_stds, "log_stds").ravel()
    if p_density is None and needs_density(div):
        p_density = p_eval
    fam = Gaussian1D()
    objective = make_objective(div, params, fam, p_density, p_samples, 256, 0)
    M, S = np.meshgrid(mu, ls)
    theta = np.column_stack([M.ravel(), S.ravel()])
    if objective.refresh is not None:
        corners = np.array([[mu.min(), ls.min()], [mu.max(), ls.min()], [mu.min(), ls.max()],
                            [mu.max(), ls.max()], [mu.mean(), ls.min()]])
        objective.refresh(corners)
    out = np.empty(len(theta))
    with torch.no_grad(), torch_single_thread():
        for i in range(0, len(theta), 256):
            th = torch.as_tensor(theta[i:i + 256], dtype=torch.float64)
            out[i:i + 256] = objective.loss(th).numpy()
    return out.reshape(S.shape)


def gradient_weight(p: Distribution, q: Distribution, divergence: str, x: Any,
                    **divergence_params: Any) -> np.ndarray | None:
    r"""Where an f-divergence's gradient comes from: the density q(x)·h(r(x)), normalised to 1.

    For :math:`D_f(p\|q_θ)` the gradient of the fit is
    :math:`\nabla_θ D = -E_{q}[h(r)\,(\nabla_x\log p - \nabla_x\log q)\,\partial x/\partial θ]`
    with :math:`r = p/q` and :math:`h(r) = r^2 f''(r)` (Xu, Nie et al. 2025, "One-step diffusion
    models with f-divergence distribution matching" (f-distill)); so q·h(r) says which regions
    drive the fit: forward KL (h = r) weighs where p ≫ q, reverse KL (h = 1) only where q has
    mass. Returns ``None`` for divergences that are not f-divergences with a registered weight.
    """
    div = dv.get(divergence)
    if div.weight is None:
        return None
    params = dict(div.resolve_params(divergence_params))
    xs = as_finite_array(x, "x")
    lp, lq = p.logpdf(xs), q.logpdf(xs)
    with np.errstate(invalid="ignore", over="ignore"):
        lr = np.where(np.isfinite(lp), lp - lq, -np.inf)
        lw = lq + np.asarray(div.weight(lr, **params), dtype=float)
    lw = np.where(np.isnan(lw), -np.inf, lw)
    if xs.ndim != 1 or not np.isfinite(lw).any():
        return np.zeros_like(lw)
    w = np.exp(lw - lw[np.isfinite(lw)].max())
    total = np.trapezoid(w, xs)
    return w / total if total > 0 else w
