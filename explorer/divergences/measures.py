r"""Measures: what a divergence formula integrates over, and the grid-based divergences.

A *measure* (:class:`explorer.estimators.interface.Measure`) has log densities ``lp``, ``lq`` at
some nodes and two reductions, ``integrate`` and ``integrate_log``. The quadrature grids of
:mod:`explorer.divergences.quadrature` are measures; so are :class:`Discrete` (two probability
vectors on one support), :class:`ImportanceSample` (Monte Carlo from (p+q)/2) and the batched torch
grid of :mod:`explorer.fitting`. The ratio-only divergences (Rényi, Bhattacharyya, Cauchy–Schwarz
and every f-divergence through :func:`from_integrand`) are written once against that interface.

Divergences that depend on where mass sits (W₁, W₂, MMD, energy, Sinkhorn) need the positions:
``*_grid`` functions take a :class:`~explorer.divergences.quadrature.Grid1D` (Sinkhorn also a
:class:`~explorer.divergences.grid2d.Grid2D`), ``*_categorical`` ones a :class:`Discrete`.

:func:`make_grid` and :func:`integrate_on_grid` build the shared grid and retry on wider 2-D boxes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from explorer import _notes
from explorer._backend import NEG_INF, ops_for
from explorer._numerics import logsumexp
from explorer.distributions import Categorical, Distribution
from explorer.divergences.grid2d import MAX_REFINE_2D, Grid2D, Refine
from explorer.divergences.integrands import END_TOL, KL_INTEGRAND, LOG2, TV_INTEGRAND, log_chernoff_integrand
from explorer.divergences.quadrature import MAX_DOUBLINGS, Grid1D, NonConvergence
from explorer.estimators.kernel import rbf
from explorer.ot.entropic import sinkhorn_divergence, sinkhorn_divergence_grid, sinkhorn_histograms
from explorer.ot.exact import ot_1d

__all__ = ["Discrete", "ImportanceSample", "bhattacharyya_measure", "cs_measure", "energy_categorical",
           "energy_grid", "from_integrand", "integrate_on_grid", "make_grid", "mmd_categorical", "mmd_grid",
           "renyi_measure", "sinkhorn_categorical", "sinkhorn_grid", "tv_measure", "w1_categorical",
           "w1_grid", "w2_categorical", "w2_grid"]


class Discrete:
    """Two probability vectors on one support, with the integration interface of a grid."""

    def __init__(self, p: Categorical, q: Categorical):
        self.p, self.q = p, q
        with np.errstate(divide="ignore"):
            self.lp, self.lq = np.log(p.probs), np.log(q.probs)

    @staticmethod
    def integrate(g: np.ndarray) -> float:
        if np.any(np.isnan(g)):
            raise FloatingPointError("NaN in a categorical sum (please report this)")
        with np.errstate(over="ignore"):
            s = float(np.sum(g))
        return math.inf if math.isnan(s) else s

    @staticmethod
    def integrate_log(lg: np.ndarray) -> float:
        if np.any(np.isposinf(lg)):
            return math.inf
        return float(logsumexp(lg))

    def swapped(self) -> Discrete:
        return Discrete(self.q, self.p)


def from_integrand(integrand: Callable[..., np.ndarray]) -> Callable[..., float]:
    def measure(m: Any, **params: float) -> float:
        return m.integrate(integrand(m.lp, m.lq, **params))

    return measure


def tv_measure(m: Any) -> float:
    """TV: exact from the CDFs at the crossing points on a 1-D grid (:meth:`Grid1D.tv_exact`), else
    the integral of ½|p − q|."""
    if isinstance(m, Grid1D):
        return m.tv_exact()
    return m.integrate(TV_INTEGRAND(m.lp, m.lq))


def log_chernoff(m: Any, a: float) -> Any:
    """``log ∫ p^a q^(1-a)`` normalised by the grid masses of p and q (exact for p = q).

    Branch-free, so it also runs batched in torch (``m.lq`` of shape (R, m)).
    """
    li = m.integrate_log(log_chernoff_integrand(m.lp, m.lq, a))
    zp = _log_mass(m.integrate_log(m.lp))
    zq = _log_mass(m.integrate_log(m.lq))
    return li - a * zp - (1.0 - a) * zq


def _log_mass(z: Any) -> Any:
    """A density's log-mass on a grid; ``+inf`` (a tail too heavy for the grid to judge, e.g. a
    Student t with ν = 0.01, half of whose mass lies beyond 1e30) is read as its true mass, 1."""
    return 0.0 if isinstance(z, float) and z == math.inf else z


def renyi_measure(m: Any, order: float) -> Any:
    if abs(order - 1.0) < END_TOL:
        return m.integrate(KL_INTEGRAND(m.lp, m.lq))
    if order == 0.0:
        # D_0 = -log Q(p > 0)
        ops = ops_for(m.lp, m.lq)
        lq_on = ops.where(m.lp > NEG_INF, m.lq, NEG_INF)
        return -(m.integrate_log(lq_on) - m.integrate_log(m.lq))
    # log I = +inf (order > 1, diverging) or -inf (disjoint, order < 1) both give +inf here
    return log_chernoff(m, order) / (order - 1.0)


def bhattacharyya_measure(m: Any) -> Any:
    return -log_chernoff(m, 0.5)


def cs_measure(m: Any) -> Any:
    """−log ∫pq + ½ log ∫p² + ½ log ∫q² (+inf when ∫pq = 0)."""
    lpq = m.integrate_log(m.lp + m.lq)
    lpp = m.integrate_log(2.0 * m.lp)
    lqq = m.integrate_log(2.0 * m.lq)
    return -lpq + 0.5 * (lpp + lqq)


def needs_1d(g: Any, what: str) -> None:
    if not isinstance(g, Grid1D):
        raise NotImplementedError(f"{what} by quadrature is 1-D only")


def w1_grid(g: Grid1D) -> float:
    needs_1d(g, "W1")
    return g.integrate(g.cdf_gap())


def w2_grid(g: Grid1D) -> float:
    """W2² = ∫ (x − T(x))² p(x) dx with T = Q_q∘F_p, integrated in both directions.

    The two integrals are equal when finite. Each sees the far tail of its own variable, so
    if either diverges W2 is infinite. Otherwise the *smaller* one is the reliable value:
    where one density stops at a finite edge (a uniform) while the other's quantile runs off
    to infinity, T has an integrable log singularity at that edge, which the Simpson node next
    to it turns into a large overestimate (taking the larger value gave W2(U[0,1], N(0,1)) =
    2.02 instead of 0.877); the other direction is smooth there. Apart from that, the error of
    the interpolated map T is ~1e-4 relative or less.
    """
    needs_1d(g, "W2")
    vals = []
    for h in (g, g.swapped()):
        t = h.transport_map()
        with np.errstate(divide="ignore", over="ignore"):
            integrand = np.exp(h.lp + 2.0 * np.log(np.abs(h.x - t)))
        vals.append(h.integrate(integrand))
    if any(math.isinf(v) for v in vals):
        return math.inf
    return math.sqrt(max(min(vals), 0.0))


def w1_categorical(m: Discrete) -> float:
    cp, cq = np.cumsum(m.p.probs), np.cumsum(m.q.probs)
    return float(np.sum(np.abs(cp - cq)[:-1] * np.diff(m.p.values)))


def w2_categorical(m: Discrete) -> float:
    return ot_1d(m.p.values, m.p.probs, m.q.values, m.q.probs, 2.0)


def mmd_categorical(m: Discrete, bandwidth: float) -> float:
    v = m.p.values
    d = m.p.probs - m.q.probs
    k = rbf((v[:, None] - v[None, :]) ** 2, bandwidth)
    return max(float(d @ k @ d), 0.0)


def mmd_grid(g: Any, bandwidth: float) -> float:
    r"""MMD² between 1-D densities with the RBF kernel :math:`k(x, y) = e^{-(x-y)^2/2ℓ^2}`.

    Where p and q have Gaussian-smoothed forms (:meth:`~explorer.distributions.Distribution.smoothed`:
    Gaussian, uniform, Laplace, mixtures and KDEs of those), with :math:`s = ℓ/\sqrt2`

    .. math:: \mathrm{MMD}^2 = \iint k(x,y)\,d(x)\,d(y) = \sqrt{2π}\,ℓ \int (p_s − q_s)^2\,dx,
        \qquad d = p − q,

    since :math:`k = \sqrt{2π}ℓ\,\mathcal N(0, ℓ^2)` and :math:`\mathcal N(0, ℓ^2) = \mathcal N(0, ℓ^2/2) *
    \mathcal N(0, ℓ^2/2)`; the integrand is smooth and non-negative, and the grid of
    :math:`(p_s, q_s)` places nodes at the scale s around every smoothed jump or kink, so any ℓ
    down to the parameter's minimum 1e-6 is exact to the quadrature's accuracy (Gretton et al. 2012,
    Lemma 6, for the kernel-mean form). Otherwise (a Student t, a pushforward): the masses of the
    grid are linearly binned and convolved with the kernel by FFT, with an "approximate" note
    when the bins are coarser than ℓ/4 (the bin count is capped).
    """
    needs_1d(g, "MMD")
    s = bandwidth / math.sqrt(2.0)
    ps, qs = g.p.smoothed(s), g.q.smoothed(s)
    if ps is not None and qs is not None:
        h = Grid1D(ps, qs)
        with np.errstate(under="ignore"):
            diff = np.exp(h.lp) - np.exp(h.lq)
        return max(math.sqrt(2.0 * math.pi) * bandwidth * h.integrate(diff * diff), 0.0)
    return _mmd_fft(g, bandwidth)


MMD_MAX_BINS = 1 << 17
"""Cap on the bins of the FFT path of :func:`mmd_grid` (a time and memory bound)."""


def _mmd_fft(g: Any, bandwidth: float) -> float:
    """MMD² = ∬ k(x,y) (p-q)(x) (p-q)(y): masses linearly binned, then an FFT convolution."""
    mass = g.w * (np.exp(g.lp) - np.exp(g.lq))
    lo, hi = g.lo - 6 * bandwidth, g.hi + 6 * bandwidth
    step = min(g.step, bandwidth / 40.0)
    nb = int(min(max((hi - lo) / step, 64), MMD_MAX_BINS))
    step = (hi - lo) / nb
    if step > bandwidth / 4 or g.step > bandwidth:
        _notes.add(f"approximate: MMD with ℓ = {bandwidth:g} on bins of {min(step, g.step):.2g} "
                   "(no smoothed closed form for this pair; the grid is coarser than the kernel)")
    pos = np.clip((g.x - lo) / step, 0.0, nb - 1e-9)
    i0 = np.floor(pos).astype(int)
    frac = pos - i0
    bins = np.zeros(nb + 1)
    np.add.at(bins, i0, mass * (1 - frac))
    np.add.at(bins, i0 + 1, mass * frac)
    lags = np.arange(-nb, nb + 1) * step
    kern = rbf(lags**2, bandwidth)
    size = 1 << math.ceil(math.log2(bins.size + kern.size))
    conv = np.fft.irfft(np.fft.rfft(bins, size) * np.fft.rfft(kern, size), size)
    smoothed = conv[nb: nb + bins.size]
    return max(float(bins @ smoothed), 0.0)


def energy_grid(g: Any) -> float:
    needs_1d(g, "the energy distance")
    return g.integrate(2.0 * np.square(g.cdf_gap()))


def energy_categorical(m: Any) -> float:
    cp, cq = np.cumsum(m.p.probs), np.cumsum(m.q.probs)
    return float(2.0 * np.sum((cp - cq)[:-1] ** 2 * np.diff(m.p.values)))


SINKHORN_GRID_2D = 64
"""Cells per axis of the regular grid on which S_ε between 2-D densities is computed."""
SINKHORN_BOX = 1.5
"""That grid spans the joint plot ranges (±4σ) enlarged by this factor (±6σ)."""


def sinkhorn_grid_2d(g: Any, epsilon: float) -> float:
    """2-D densities: p and q at the centres of a SINKHORN_GRID_2D² grid over both plot ranges
    (cells far finer than the blur √ε of the usual ε), then the debiased S_ε of the two
    histograms by separable log-domain Sinkhorn."""
    import torch

    rp, rq = g.p.plot_range(), g.q.plot_range()
    axes = []
    for i in range(2):
        lo, hi = min(rp[i][0], rq[i][0]), max(rp[i][1], rq[i][1])
        mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo) * SINKHORN_BOX  # tails matter: cost grows as x²
        edges = np.linspace(mid - half, mid + half, SINKHORN_GRID_2D + 1)
        axes.append(0.5 * (edges[1:] + edges[:-1]))
    gx, gy = np.meshgrid(axes[0], axes[1], indexing="ij")
    pts = np.stack([gx.ravel(), gy.ravel()], axis=1)
    shape = (SINKHORN_GRID_2D, SINKHORN_GRID_2D)
    la, lb = (torch.as_tensor(lw - logsumexp(lw), dtype=torch.float64).reshape(shape)
              for lw in (g.p.logpdf(pts), g.q.logpdf(pts)))
    cx, cy = (torch.as_tensor((v[:, None] - v[None, :]) ** 2, dtype=torch.float64) for v in axes)
    return sinkhorn_divergence_grid(la, lb, cx, cy, epsilon)


SINKHORN_ATOMS = 128
"""Atoms per distribution of the quantile discretisation of S_ε between 1-D densities."""
SINKHORN_SWEEPS = 1000
"""Cap on the Sinkhorn sweeps of each solve between densities (a time bound: ≲ 1 s at the smallest ε)."""


def sinkhorn_grid(g: Any, epsilon: float) -> float:
    r"""S_ε between 1-D densities: a tail-resolving quantile discretisation plus an exact correction.

    p and q are replaced by ``SINKHORN_ATOMS`` weighted atoms at their quantiles
    (:meth:`~explorer.divergences.quadrature.Grid1D.quantile_atoms`: levels crowding into both tails down to
    1e-17 instead of piling the tails into edge bins), S_ε of the atoms is computed by the same
    log-domain solver as the sample path, and the discretisation error of its dominant part is
    removed with W₂² as a control variate:

    .. math:: S_ε(p, q) ≈ S_ε(\hat p, \hat q) + W_2^2(p, q) − W_2^2(\hat p, \hat q),

    with :math:`W_2^2(p, q)` by quadrature of the quantile functions (exact to the grid's accuracy)
    and :math:`W_2^2(\hat p, \hat q) = Σ_i m_i (x^p_i − x^q_i)^2` (equal masses, sorted atoms). The
    far tails, where S_ε and W₂² coincide (atoms farther apart than √ε), are thus counted exactly;
    S_ε(p, p(· − τ)) = τ² holds exactly. 2-D: see :func:`sinkhorn_grid_2d`.
    """
    if isinstance(g, Grid2D):
        return sinkhorn_grid_2d(g, epsilon)
    needs_1d(g, "the Sinkhorn divergence")
    w2 = w2_grid(g)
    if math.isinf(w2):
        return math.inf  # no coupling of finite quadratic cost: OT_ε(p, q) is infinite too
    xp, xq, mass = g.quantile_atoms(SINKHORN_ATOMS)
    # one canonical order of the two atom sets, so S_ε(p, q) and S_ε(q, p) are the same computation
    # (bit-identical, even where the capped solve stops unconverged)
    first, second = (xp, xq) if xp.tobytes() <= xq.tobytes() else (xq, xp)
    s_hat = float(sinkhorn_divergence(first[:, None], mass, second[:, None], mass, epsilon,
                                      iters=SINKHORN_SWEEPS))
    w2_hat = float(np.dot(mass, (xp - xq) ** 2))
    return max(s_hat + w2 * w2 - w2_hat, 0.0)


def sinkhorn_categorical(m: Any, epsilon: float) -> float:
    return sinkhorn_histograms(m.p.values, m.p.probs, m.q.probs, epsilon)



class ImportanceSample:
    """Importance sampling from the mixture m = (p + q)/2: nodes z ~ m, weights 1/(n m(z)).

    Draws ``n // 2`` points from p and the rest from q with ``rng``.
    """

    def __init__(self, p: Distribution, q: Distribution, n: int, rng: np.random.Generator):
        half = n // 2
        z = np.concatenate([p.sample(half, rng), q.sample(n - half, rng)], axis=0)
        self.lp, self.lq = p.logpdf(z), q.logpdf(z)
        self._lw = -(np.logaddexp(self.lp, self.lq) - LOG2) - math.log(n)  # log(1/(n m(z)))

    def integrate(self, g: np.ndarray) -> float:
        return Discrete.integrate(np.exp(self._lw) * g)

    def integrate_log(self, lg: np.ndarray) -> float:
        return Discrete.integrate_log(lg + self._lw)


def make_grid(p: Distribution, q: Distribution, scale: float = 1.0, refine: int = 0) -> Grid1D | Grid2D:
    """The shared quadrature grid of a 1-D or 2-D pair (``scale`` widens, ``refine`` halves the steps
    of a 2-D grid)."""
    if p.dim == 1:
        return Grid1D(p, q)
    if p.dim == 2:
        return Grid2D(p, q, scale=scale, refine=refine)
    raise ValueError(f"quadrature supports 1-D and 2-D distributions, got {p.dim}-D")


def integrate_on_grid(fn: Callable[..., float], p: Distribution, q: Distribution, params: dict,
                      grid: Any = None) -> float:
    """``fn(grid, **params)`` on ``grid`` (default: :func:`make_grid`); a 2-D grid whose far region
    is not negligible is widened up to ``MAX_DOUBLINGS`` times, after which the value is ``inf``; one
    whose error estimate is above tolerance is refined (see :mod:`explorer.divergences.grid2d`)."""
    g = grid if grid is not None else make_grid(p, q)
    scale, refine = 1.0, getattr(g, "refine", 0)
    for _ in range(MAX_DOUBLINGS + MAX_REFINE_2D + 1):
        try:
            return fn(g, **params)
        except NonConvergence:
            scale *= 2.0
            if scale > 2.0**MAX_DOUBLINGS:
                return math.inf
        except Refine:
            refine += 1
        g = make_grid(p, q, scale, refine)
    return math.inf
