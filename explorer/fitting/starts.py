r"""Where the restarts of a fit begin: at the target's modes, across scales, and at its moments.

A fit promises "every local optimum" of D(p‖q_θ). Restarts drawn at random from p land in the
heavier mode most of the time and miss a light one (a 0.3-weight mode was missed by 8 random
restarts in about half of the seeds), so the Gaussian family starts deterministically:

* restart 0 (when there are at least 3) at p's mean and covariance (the forward-KL answer, the
  start of every mode-covering fit);
* the others cycle through p's modes, highest first, with widths cycling through
  ``WIDTH_FACTORS`` × the mode's own width (its curvature), so each mode is tried at its own
  scale, wider and narrower;
* a small seeded jitter (``JITTER`` of the width) keeps seeds distinct.

Modes are local maxima of the density on nodes that resolve every component (a fine grid over
the plotting range plus points at each Gaussian component's own scale) in 1-D, and the means of
the Gaussian components (or grid peaks) in 2-D.
"""

from __future__ import annotations

import math

import numpy as np

from explorer.distributions import Distribution, Mixture, gaussian_mixture_parts
from explorer.distributions.transforms import Transformed

__all__ = ["JITTER", "WIDTH_FACTORS", "exact_moments", "mode_starts", "modes"]

WIDTH_FACTORS = (1.0, 2.5, 0.5, 5.0)
JITTER = 0.05
PEAK_FRACTION = 1e-3
"""Modes lower than this fraction of the highest are not started from."""
MAX_COMPONENTS_2D = 64


def exact_moments(p: Distribution) -> tuple[np.ndarray, np.ndarray] | None:
    """(mean (d,), covariance (d, d)) of ``p`` if known exactly and finite with a positive-definite
    covariance, else ``None`` (Monte Carlo moments of a pushforward are not exact)."""
    if isinstance(p, Transformed):
        return None
    if isinstance(p, Mixture) and any(exact_moments(c) is None for c in p.components):
        return None
    with np.errstate(all="ignore"):
        mean = np.atleast_1d(np.asarray(p.mean, dtype=float))
        cov = np.atleast_2d(np.asarray(p.cov, dtype=float))
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(cov))):
        return None
    if np.linalg.eigvalsh(0.5 * (cov + cov.T))[0] <= 0:
        return None
    return mean, cov


def _modes_1d(p: Distribution) -> list[tuple[float, float, float]]:
    lo, hi = p.plot_range()
    pts = [np.linspace(lo, hi, 2001)]
    parts = gaussian_mixture_parts(p)
    if parts is not None and parts[0].size <= 512:
        for m, c in zip(parts[1][:, 0], parts[2][:, 0, 0], strict=True):
            s = math.sqrt(c)
            pts.append(m + s * np.linspace(-3, 3, 25))
    x = np.unique(np.concatenate(pts))
    lp = p.logpdf(x)
    out = []
    for i in range(1, x.size - 1):
        if lp[i] >= lp[i - 1] and lp[i] > lp[i + 1] and np.isfinite(lp[i]):
            # the curvature of log p from the parabola through the three nodes
            x0, x1, x2 = x[i - 1:i + 2]
            y0, y1, y2 = lp[i - 1:i + 2]
            d2 = 2 * ((y2 - y1) / (x2 - x1) - (y1 - y0) / (x1 - x0)) / (x2 - x0)
            width = 1 / math.sqrt(-d2) if d2 < 0 else 0.1 * (hi - lo)
            out.append((float(lp[i]), float(x1), min(width, 0.5 * (hi - lo))))
    return out


def _modes_2d(p: Distribution) -> list[tuple[float, np.ndarray, float]]:
    parts = gaussian_mixture_parts(p)
    if parts is not None and parts[0].size <= MAX_COMPONENTS_2D:
        _, means, covs = parts
        cands = [(m, math.sqrt(np.mean(np.linalg.eigvalsh(c)))) for m, c in zip(means, covs, strict=True)]
    else:
        (x0, x1), (y0, y1) = p.plot_range()
        n = 81
        gx, gy = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
        pts = np.stack(np.meshgrid(gx, gy, indexing="ij"), axis=-1).reshape(-1, 2)
        lp = p.logpdf(pts).reshape(n, n)
        pad = np.pad(lp, 1, constant_values=-np.inf)
        peak = np.ones((n, n), bool)
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                if di or dj:
                    peak &= lp >= pad[1 + di:n + 1 + di, 1 + dj:n + 1 + dj]
        width = 0.05 * min(x1 - x0, y1 - y0)
        cands = [(pts[k], width) for k in np.flatnonzero(peak.ravel())]
    lps = p.logpdf(np.array([m for m, _ in cands])) if cands else np.array([])
    out: list[tuple[float, np.ndarray, float]] = []
    for k in np.argsort(-lps):  # highest first; drop a candidate within a width of a higher one
        m, w = cands[k]
        if all(np.hypot(*(m - o[1])) > 0.5 * max(w, o[2]) for o in out):
            out.append((float(lps[k]), np.asarray(m, float), float(w)))
    return out


def modes(p: Distribution) -> list[tuple[float, np.ndarray | float, float]]:
    """``(log p at the mode, location, width)`` of p's modes, highest first."""
    found = _modes_1d(p) if p.dim == 1 else _modes_2d(p)
    found.sort(key=lambda t: -t[0])
    if found:
        top = found[0][0]
        found = [m for m in found if m[0] >= top + math.log(PEAK_FRACTION)]
    return found


def mode_starts(p: Distribution, restarts: int, rng: np.random.Generator,
                scene: float) -> tuple[np.ndarray, np.ndarray] | None:
    """Centres (restarts, d) and widths (restarts,) of the Gaussian-family starts (module docstring),
    or ``None`` if no mode was found."""
    found = modes(p)
    if not found:
        return None
    d = p.dim
    centres = np.empty((restarts, d))
    widths = np.empty(restarts)
    start = 0
    moments = exact_moments(p)
    if restarts >= 3 and moments is not None:
        centres[0] = moments[0]
        widths[0] = math.sqrt(float(np.mean(np.linalg.eigvalsh(moments[1]))))
        start = 1
    for j in range(restarts - start):
        _, loc, width = found[j % len(found)]
        factor = WIDTH_FACTORS[(j // len(found)) % len(WIDTH_FACTORS)]
        centres[start + j] = np.atleast_1d(loc)
        widths[start + j] = width * factor
    widths = np.clip(widths, 1e-12 * scene, scene)
    centres += JITTER * widths[:, None] * rng.standard_normal((restarts, d))
    widths *= np.exp(JITTER * rng.standard_normal(restarts))
    return centres, widths
