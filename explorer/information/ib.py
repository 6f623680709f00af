r"""The information-bottleneck curve of a discrete joint distribution p(x, y).

The IB (Tishby, Pereira & Bialek 1999) looks for an encoder :math:`p(t|x)` minimising

.. math:: \mathcal L_\beta = I(X;T) - \beta\, I(T;Y),

whose stationary points satisfy the self-consistent equations

.. math:: p(t|x) = \frac{p(t)}{Z(x,\beta)} e^{-\beta D_{KL}[p(y|x)\,\|\,p(y|t)]},\quad
          p(t) = \sum_x p(x)p(t|x),\quad p(y|t) = \frac1{p(t)}\sum_x p(y|x)p(t|x)p(x).

``method="iterative"`` iterates them (a Blahut–Arimoto alternating minimisation); the
deterministic IB of Strouse & Schwab (2017, Neural Comput. 29:1611) replaces :math:`I(X;T)` by
:math:`H(T)` and the soft-max by a hard assignment
:math:`f(x) = \arg\max_t [\log p(t) - \beta D_{KL}(p(y|x)\|p(y|t))]`.

How the sweep is made fast and reliable
---------------------------------------
* The state of an iteration is only :math:`(p(t), p(y|t))` (|T|·(|Y|+1) numbers): the encoder
  is recomputed from it, vectorised over x. Inputs with the same p(y|x) get the same encoder at a
  fixed point, so they are merged first (exact). One update is two small matrix products and one
  exponential per (t, x): the term −βH(Y|x) of −βD_KL does not depend on t and cancels in the
  normalisation, and the new (p(t), p(y|t)) is summed from the unnormalised encoder.
* Near a phase transition (a cluster splitting) the fixed-point map converges very slowly
  (its Jacobian has an eigenvalue near 1). The iteration is accelerated by Anderson mixing on
  the small state, safeguarded by a restart whenever the residual grows. A converged state is
  probed for instability (Anderson also finds saddles), counting only growth that a split can
  make: mass moved between identical clusters is a neutral direction, not an instability.
* Annealing: β increases through ``betas`` and each solution, slightly perturbed, starts the
  next (Slonim 2002); a second sweep runs downward from the largest β; more restarts anneal with
  other perturbations. For each β the lowest :math:`\mathcal L_\beta` is kept. The curve is the
  upper concave envelope of every point found; points below it are reported as local optima.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["IBResult", "gaussian_ib_curve", "ib_curve", "joint_from"]

#: perturbation mixed into a warm start so that a cluster can split when β passes a transition
PERTURB = 1e-2
#: a cluster with p(t) below this fraction of the largest is empty, re-seeded by the warm start
DEAD = 1e-9
#: number of past iterates Anderson acceleration combines
ANDERSON_DEPTH = 6
#: size of the nudge and number of plain steps of the stability probe after convergence
PROBE = 1e-5
PROBE_STEPS = 25
#: the probe stops early once the nudge has shrunk below this fraction of its size, still shrinking
PROBE_DECAY = 1e-2
MAX_ESCAPES = 3
#: Anderson iterations without a new smallest residual before its history is dropped
STALL = 40
#: consecutive growing residuals (below ESCAPE_RES) after which the iteration is leaving a saddle
#: and is extrapolated along its plain step (doubling the step each time, at most ESCAPE_RES long)
ESCAPE_AFTER = 3
ESCAPE_RES = 1e-3
#: stagnation: every STAGNATION_STEPS iterations, stop (not converged) if the residual is below
#: STAGNATION_RES·tol and the merit fell by less than STAGNATION·tol·max(1, |merit|) per iteration
STAGNATION_STEPS = 100
STAGNATION = 1e-2
STAGNATION_RES = 100.0
#: plain steps (at most) and distance used to leave an unstable fixed point
ESCAPE_STEPS = 1000
ESCAPE_DISTANCE = 1e-2
#: log of the smallest probability used inside logs (keeps 0·log 0 terms finite)
LOG_FLOOR = 1e-300
#: a point more than this (nats, relative to max(1, I(T;Y))) below the envelope is a local optimum
ENVELOPE_TOL = 1e-4


def joint_from(pxy: Any, name: str = "pxy") -> np.ndarray:
    """A checked joint pmf: 2-D, finite, non-negative, summing to 1 (within 1e-6), no empty x row."""
    try:
        p = np.asarray(pxy, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 2-D array of probabilities p(x, y)") from None
    if p.ndim != 2 or p.shape[0] < 2 or p.shape[1] < 2:
        raise ValueError(f"{name} must be a 2-D array p(x, y) with |X|, |Y| >= 2, got shape {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if np.any(p < 0):
        raise ValueError(f"{name} must be non-negative, got min {p.min():.3g}")
    total = float(p.sum())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"{name} must sum to 1, got {total:.10g}")
    return p / total


def _entropy(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-np.dot(p, np.log(p)))


def _mi(pxy: np.ndarray) -> float:
    return _entropy(pxy.sum(1)) + _entropy(pxy.sum(0)) - _entropy(pxy.ravel())


@dataclass(frozen=True, eq=False)
class IBResult:
    """An IB curve: one point per β, with the encoders and what the search found.

    Attributes
    ----------
    method : str
        ``"iterative"``, ``"deterministic"`` or ``"gaussian"`` (closed form).
    betas : ndarray, shape (m,)
        Trade-off parameters, ascending.
    I_XT, I_TY : ndarray, shape (m,)
        Information kept about X and about Y (nats) of the best solution at each β.
    H_T : ndarray, shape (m,) or None
        Entropy of T (``None`` for the Gaussian IB, whose T is continuous).
    encoders : ndarray, shape (m, |X|, |T|) or None
        p(t|x) of each best solution (rows sum to 1).
    objective : ndarray, shape (m,)
        Lagrangian I(X;T) − βI(T;Y) (H(T) − βI(T;Y) for the deterministic IB).
    converged : ndarray of bool, shape (m,)
        Whether the best solution met the tolerance before ``max_iter``.
    iterations : ndarray of int, shape (m,)
        Fixed-point iterations spent at each β (all restarts).
    on_curve : ndarray of bool, shape (m,)
        Whether the point lies on the upper envelope of all points found.
    local_optima : dict of ndarray
        Points found by some restart strictly below the envelope: ``beta``, ``I_XT``, ``I_TY``,
        ``restart``.
    I_XY, H_X : float
        Bounds: I(T;Y) ≤ I(X;Y) and I(X;T) ≤ H(X).
    n_clusters : int
        |T|.
    seconds : float
        Wall time of the computation.
    """

    method: str
    betas: np.ndarray
    I_XT: np.ndarray
    I_TY: np.ndarray
    H_T: np.ndarray | None
    encoders: np.ndarray | None
    objective: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    on_curve: np.ndarray
    local_optima: dict[str, np.ndarray] = field(default_factory=dict)
    I_XY: float = math.nan
    H_X: float = math.nan
    n_clusters: int = 0
    units: str = "nats"
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def index(self, beta: float) -> int:
        """Index of the computed β closest to ``beta`` (on a log scale)."""
        b = float(beta)
        if not b > 0:
            raise ValueError(f"beta must be > 0, got {beta!r}")
        return int(np.argmin(np.abs(np.log(self.betas) - math.log(b))))

    def at(self, beta: float) -> dict[str, Any]:
        """The point nearest ``beta``: β, I_XT, I_TY, H_T, encoder, on_curve, converged (O(1))."""
        i = self.index(beta)
        return {
            "beta": float(self.betas[i]), "I_XT": float(self.I_XT[i]), "I_TY": float(self.I_TY[i]),
            "H_T": None if self.H_T is None else float(self.H_T[i]),
            "encoder": None if self.encoders is None else self.encoders[i],
            "on_curve": bool(self.on_curve[i]), "converged": bool(self.converged[i]),
        }

    def envelope(self) -> tuple[np.ndarray, np.ndarray]:
        """The curve: (I_XT, I_TY) of the points on the upper envelope, by increasing I_XT."""
        keep = self.on_curve
        order = np.argsort(self.I_XT[keep], kind="stable")
        return self.I_XT[keep][order], self.I_TY[keep][order]


def _upper_envelope(px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Upper concave hull (monotone chain) of points, with (0, 0) added; returns its vertices."""
    pts = np.unique(np.column_stack([np.append(px, 0.0), np.append(py, 0.0)]), axis=0)
    hull: list[np.ndarray] = []
    for p in pts:
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1) >= 0:
                hull.pop()
            else:
                break
        hull.append(p)
    h = np.array(hull)
    # the IB curve is non-decreasing: cut the hull after its highest point
    top = int(np.argmax(h[:, 1]))
    return h[: top + 1, 0], h[: top + 1, 1]


def _below_envelope(ex: np.ndarray, ey: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """How far each point lies below the envelope (≥ 0; beyond its end the envelope is flat)."""
    return np.maximum(np.interp(x, ex, ey, right=ey[-1]) - y, 0.0)


class _Problem:
    """The merged IB problem: distinct conditionals p(y|x) with their masses."""

    def __init__(self, pxy: np.ndarray, n_clusters: int) -> None:
        px = pxy.sum(1)
        support = px > 0
        pyx = np.zeros_like(pxy)
        pyx[support] = pxy[support] / px[support, None]
        key = np.round(pyx, 12)
        uniq, inverse = np.unique(key, axis=0, return_inverse=True)
        self.inverse = np.asarray(inverse).ravel()
        self.px = np.bincount(self.inverse, weights=px)
        self.pyx = np.zeros((uniq.shape[0], pxy.shape[1]))
        np.add.at(self.pyx, self.inverse, pyx * px[:, None])
        nz = self.px > 0
        self.pyx[nz] /= self.px[nz, None]
        self.pxy = self.px[:, None] * self.pyx
        self.py = pxy.sum(0)
        self.neg_hyx = np.sum(np.where(self.pyx > 0, self.pyx * np.log(np.maximum(self.pyx, LOG_FLOOR)), 0.0),
                              axis=1)
        self.nt = n_clusters
        self.ny = pxy.shape[1]
        #: [p(y|x); 1], shape (|Y|+1, |X|): the fixed factor of the exponent of the encoder
        self._rows = np.vstack([self.pyx.T, np.ones(self.px.size)])
        #: [p(x, y), p(x)], shape (|X|, |Y|+1): what the encoder sums into (p(t, y), p(t))
        self._mass = np.column_stack([self.pxy, self.px])
        self._neg_hyx_mean = float(self.px @ self.neg_hyx)
        #: work arrays of the update: [β log q(y|t), log p(t)] and [p(x, y), p(x)] / z(x)
        self._w = np.empty((self.nt, self.ny + 1))
        self._scaled = np.empty_like(self._mass)

    def divergences(self, qyt: np.ndarray) -> np.ndarray:
        """D[x, t] = KL(p(y|x) ‖ q(y|t))."""
        return self.neg_hyx[:, None] - self.pyx @ np.log(np.maximum(qyt, LOG_FLOOR)).T

    def _weights(self, qt: np.ndarray, qyt: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray, float]:
        r"""Unnormalised encoder, transposed, and the merit: ``(e, z, merit)``.

        :math:`e[t, x] = p(t) e^{-\beta D_{KL}[p(y|x)\|q(y|t)] - c(x)}` with the row shift
        :math:`c(x)` that makes :math:`\max_t e[t, x] = 1`, :math:`z[x] = \sum_t e[t, x]`, so that
        :math:`p(t|x) = e[t, x]/z[x]`, and the merit :math:`-\sum_x p(x)\log Z(x,\beta)`.
        Since :math:`-\beta D_{KL} = \beta\sum_y p(y|x)\log q(y|t) + \beta\,(-H(Y|x))` and the
        last term does not depend on t, the exponent is one product
        :math:`[\beta\log q(y|t),\ \log p(t)]\,[p(y|x);\ 1]` of a |T|×(|Y|+1) matrix with a
        fixed (|Y|+1)×|X| one; the (|T|, |X|) layout makes the sums over t contiguous.
        """
        w = self._w
        np.maximum(qyt, LOG_FLOOR, out=w[:, :-1])
        np.log(w[:, :-1], out=w[:, :-1])
        w[:, :-1] *= beta
        empty = qt <= 0
        np.maximum(qt, LOG_FLOOR, out=w[:, -1])
        np.log(w[:, -1], out=w[:, -1])
        # a fresh array: soft() hands its transpose out, step() only reads it
        e = np.matmul(w, self._rows)
        if empty.any():
            e[empty] = -np.inf  # p(t) = 0: exactly no mass, as exp(log 0)
        m = e.max(axis=0)
        e -= m
        np.exp(e, out=e)
        z = e.sum(axis=0)
        merit = beta * self._neg_hyx_mean - float(self.px @ (np.log(z) + m))
        return e, z, merit

    def step(self, qt: np.ndarray, qyt: np.ndarray, beta: float,
             ) -> tuple[tuple[np.ndarray, np.ndarray], float]:
        r"""One IB update: ``(p(t), p(y|t))`` of the encoder of ``(qt, qyt)`` and the merit of ``(qt, qyt)``.

        Equal to ``marginals(soft(qt, qyt, beta)[0])`` with ``soft``'s merit, without forming the
        normalised encoder: :math:`\sum_x p(t|x)\,[p(x,y),\ p(x)] = \sum_x e[t,x]\,[p(x,y),\ p(x)]/z[x]`.
        """
        e, z, merit = self._weights(qt, qyt, beta)
        np.divide(self._mass, z[:, None], out=self._scaled)
        return self._conditional(e @ self._scaled), merit

    def _conditional(self, joint: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(p(t), p(y|t)) from the (|T|, |Y|+1) array [p(t, y), p(t)] (p(y|t) = p(y) where p(t) = 0)."""
        qt = joint[:, -1].copy()
        qyt = joint[:, :-1]
        nz = qt > 0
        qyt[nz] /= qt[nz, None]
        qyt[~nz] = self.py
        return qt, qyt

    def soft(self, qt: np.ndarray, qyt: np.ndarray, beta: float) -> tuple[np.ndarray, float]:
        """Encoder of the IB update, shape (|X|, |T|), and the merit −Σ p(x) log Z(x)."""
        e, z, merit = self._weights(qt, qyt, beta)
        e /= z
        return np.ascontiguousarray(e.T), merit

    def hard(self, qt: np.ndarray, qyt: np.ndarray, beta: float) -> tuple[np.ndarray, float]:
        """Encoder of the deterministic-IB update and its objective H(T) − βI(T;Y) proxy."""
        with np.errstate(divide="ignore"):
            logit = np.log(qt)[None, :] - beta * self.divergences(qyt)
        f = np.argmax(logit, axis=1)
        enc = np.zeros((self.px.size, self.nt))
        enc[np.arange(self.px.size), f] = 1.0
        return enc, float(-np.dot(self.px, logit[np.arange(self.px.size), f]))

    def marginals(self, enc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """p(t) and p(y|t) of an encoder p(t|x) on the merged rows."""
        return self._conditional(enc.T @ self._mass)

    def measures(self, enc: np.ndarray) -> tuple[float, float, float]:
        """I(X;T), I(T;Y), H(T) of an encoder on the merged rows."""
        qt, qyt = self.marginals(enc)
        with np.errstate(divide="ignore", invalid="ignore"):
            ixt = float(np.sum(np.where(enc > 0, self.px[:, None] * enc * np.log(enc / qt[None, :]), 0.0)))
            ity = float(np.sum(np.where(qyt > 0, qt[:, None] * qyt * np.log(qyt / self.py[None, :]), 0.0)))
        return max(ixt, 0.0), max(ity, 0.0), _entropy(qt)


def _normalise(qt: np.ndarray, qyt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    qt = np.maximum(qt, 0.0)
    qt /= qt.sum()
    qyt = np.maximum(qyt, 0.0)
    qyt /= qyt.sum(axis=1, keepdims=True)
    return qt, qyt


def _anderson(prob: _Problem, qt: np.ndarray, qyt: np.ndarray, beta: float, tol: float,
                max_iter: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, bool]:
    """Iterate the IB equations from (qt, qyt) with Anderson acceleration (may stop on a saddle).

    Anderson mixing (Walker & Ni 2011, SIAM J. Numer. Anal. 49:1715) of depth ``ANDERSON_DEPTH``
    on the state θ = (p(t), p(y|t)): the next state combines the last images G(θ_k) with the
    weights that minimise the norm of the combined residual. The mixed state is projected back
    onto probabilities. Safeguard: the plain map never raises the merit −Σ p(x) log Z(x) (the IB
    free energy minimised over the encoder); a mixed state that raises it is replaced by the plain
    image and the history dropped, so the accelerated iteration is monotone too and cannot climb
    back onto a saddle it has left.

    Leaving a saddle, the plain iteration is slow too (an eigenvalue just above 1: the residual
    grows by a fraction of a percent per step, ≈ 1000 steps near a split) and Anderson mixing,
    which aims at the fixed point, is rejected by the safeguard. Once the residual has grown
    ``ESCAPE_AFTER`` times in a row, the state is moved ω times its plain step, ω doubling while
    the growth lasts (bounded so that the move stays below ``ESCAPE_RES`` and empties nothing);
    the same free-energy safeguard rejects a jump that raises the merit.

    Stagnation: with many clusters the state can creep for thousands of steps (a cluster draining
    at 0.5 % per step, near-copies drifting apart) while the merit changes by less than 1e-10 per
    step. Every ``STAGNATION_STEPS`` iterations, when the residual is below ``STAGNATION_RES``·tol
    and the merit fell by less than ``STAGNATION``·tol·max(1, |merit|) per step, the iteration
    stops and reports no convergence (as at ``max_iter``).
    """
    nt, ny = qyt.shape
    theta = np.concatenate([qt, qyt.ravel()])
    d_f: list[np.ndarray] = []
    d_g: list[np.ndarray] = []
    f_prev = g_prev = None
    merit_prev = math.inf
    best_res, best_it = math.inf, 0
    res_prev, grow, omega = math.inf, 0, 1.0
    merit_w = math.inf
    for it in range(1, max_iter + 1):
        (a, b), merit = prob.step(theta[:nt], theta[nt:].reshape(nt, ny), beta)
        if merit > merit_prev + 1e-13 * abs(merit_prev) and g_prev is not None:
            # the mixed state raised the free energy: take the plain (monotone) image instead
            theta = g_prev
            d_f.clear()
            d_g.clear()
            f_prev = None
            if omega > 1.0:
                grow, omega = 0, 1.0  # a rejected jump: grow again before the next one
            (a, b), merit = prob.step(theta[:nt], theta[nt:].reshape(nt, ny), beta)
        merit_prev = merit
        g = np.concatenate([a, b.ravel()])
        f = g - theta
        res = float(np.max(np.abs(f)))
        if res < tol:
            enc, _ = prob.soft(theta[:nt], theta[nt:].reshape(nt, ny), beta)
            return enc, a, b, it, True
        grow = grow + 1 if res > res_prev else 0
        res_prev = res
        if it % STAGNATION_STEPS == 0:
            if (res < STAGNATION_RES * tol
                    and merit_w - merit < STAGNATION_STEPS * STAGNATION * tol * max(1.0, abs(merit))):
                # creeping along a flat valley (a cluster draining away, near-copies drifting):
                # the free energy no longer moves; stop, reported as not converged
                enc, _ = prob.soft(theta[:nt], theta[nt:].reshape(nt, ny), beta)
                return enc, a, b, it, False
            merit_w = merit
        if grow >= ESCAPE_AFTER and res < ESCAPE_RES:
            # leaving a saddle slowly: the residual grows while the free energy falls. Mixing would
            # aim back at the saddle; jump along the plain step instead, twice as far each time
            # (at most ESCAPE_RES, and at most half-way to emptying a cluster or a p(y|t) entry)
            neg = f < 0
            room = float(np.min(theta[neg] / -f[neg], initial=np.inf))
            omega = max(1.0, min(2.0 * omega, ESCAPE_RES / res, 0.5 * room))
            d_f.clear()
            d_g.clear()
            f_prev, g_prev = None, g
            a, b = _normalise(theta[:nt] + omega * f[:nt], (theta[nt:] + omega * f[nt:]).reshape(nt, ny))
            theta = np.concatenate([a, b.ravel()])
            continue
        omega = 1.0
        if res < best_res:
            best_res, best_it = res, it
        elif it - best_it > STALL:
            # the mixing stalls: restart it from the plain image
            d_f.clear()
            d_g.clear()
            f_prev = None
            best_res, best_it = res, it
        if f_prev is not None:
            d_f.append(f - f_prev)
            d_g.append(g - g_prev)
            if len(d_f) > ANDERSON_DEPTH:
                d_f.pop(0)
                d_g.pop(0)
        f_prev, g_prev = f, g
        if d_f:
            mf = np.column_stack(d_f)
            gamma, *_ = np.linalg.lstsq(mf, f, rcond=None)
            new = g - np.column_stack(d_g) @ gamma
            a, b = _normalise(new[:nt].copy(), new[nt:].reshape(nt, ny).copy())
            theta = np.concatenate([a, b.ravel()])
        else:
            theta = g
    enc, _ = prob.soft(theta[:nt], theta[nt:].reshape(nt, ny), beta)
    qt, qyt = prob.marginals(enc)
    return enc, qt, qyt, max_iter, False


def _solve_soft(prob: _Problem, qt: np.ndarray, qyt: np.ndarray, beta: float, tol: float,
                max_iter: int, rng: np.random.Generator,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, bool]:
    """Solve the IB equations at β, escaping unstable fixed points.

    Anderson mixing converges to any fixed point, stable or not (above a critical β the
    unsplit solution is a saddle the plain iteration leaves). So after convergence the state is
    nudged by ``PROBE`` and iterated ``PROBE_STEPS`` times without acceleration: if the nudge
    grew (:func:`_probe_distance`: moves of mass between copies of a cluster are neutral and not
    counted), the fixed point may be unstable; plain steps carry the state away from it
    (``ESCAPE_DISTANCE``, :func:`_push`; a transient growth that the plain iteration undoes ends
    the search) and the accelerated solve resumes, its free-energy safeguard keeping it from
    returning (at most ``MAX_ESCAPES`` times). The solution with the lower Lagrangian is kept.
    Skipped when all clusters are in use and distinct (no split left).
    """
    enc, qt, qyt, total, ok = _anderson(prob, qt, qyt, beta, tol, max_iter)
    for _ in range(MAX_ESCAPES):
        if not ok or _distinct_clusters(qt, qyt) == qt.size:
            break  # every cluster in use and distinct: no split left to find
        a, b = _normalise(qt + PROBE * rng.random(qt.size),
                          qyt * np.exp(PROBE * rng.standard_normal(qyt.shape)))
        group = _copies(qyt)
        d0 = d = _probe_distance(a, b, qt, qyt, group)
        for _step in range(PROBE_STEPS):
            (a, b), _ = prob.step(a, b, beta)
            total += 1
            d_prev, d = d, _probe_distance(a, b, qt, qyt, group)
            if d < PROBE_DECAY * d0 and d < d_prev:
                break  # the nudge has all but died out: no growth to come back from
        if d <= d0:
            break
        # unstable: follow the plain iteration away from the saddle, then accelerate again
        a, b, it_push, left = _push(prob, a, b, beta, qt, qyt, group)
        total += it_push
        if not left:
            break  # the plain iteration comes back: the growth was transient
        l1 = _lagrangian(prob, enc, beta)
        enc2, qt2, qyt2, it2, ok2 = _anderson(prob, a, b, beta, tol, max_iter)
        total += it2
        if _lagrangian(prob, enc2, beta) >= l1 - 1e-12:  # pulled back to the saddle: no acceleration
            a, b, it3, ok2 = _plain(prob, a, b, beta, tol, max_iter)
            total += it3
            enc2, _ = prob.soft(a, b, beta)
            qt2, qyt2 = prob.marginals(enc2)
        if _lagrangian(prob, enc2, beta) < l1 - 1e-12:
            enc, qt, qyt, ok = enc2, qt2, qyt2, ok2
        else:
            break
    return enc, qt, qyt, total, ok


def _plain(prob: _Problem, qt: np.ndarray, qyt: np.ndarray, beta: float, tol: float, max_iter: int,
           ) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Plain fixed-point iteration until the change is < tol."""
    for it in range(1, max_iter + 1):
        (a, b), _ = prob.step(qt, qyt, beta)
        if max(np.max(np.abs(a - qt)), np.max(np.abs(b - qyt))) < tol:
            return a, b, it, True
        qt, qyt = a, b
    return qt, qyt, max_iter, False


def _push(prob: _Problem, a: np.ndarray, b: np.ndarray, beta: float, qt: np.ndarray, qyt: np.ndarray,
          group: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Plain steps from (a, b) away from the fixed point (qt, qyt): ``(a, b, steps, left)``.

    ``left`` once the state is ``ESCAPE_DISTANCE`` away (distance of :func:`_probe_distance`);
    not left after ``ESCAPE_STEPS`` steps, or as soon as the distance has shrunk ``PROBE_STEPS``
    times in a row (the iterates return to the fixed point: its instability was a transient growth).
    """
    d_prev, shrinking = _probe_distance(a, b, qt, qyt, group), 0
    for it in range(1, ESCAPE_STEPS + 1):
        (a, b), _ = prob.step(a, b, beta)
        d = _probe_distance(a, b, qt, qyt, group)
        if d > ESCAPE_DISTANCE:
            return a, b, it, True
        shrinking = shrinking + 1 if d < d_prev else 0
        if shrinking >= PROBE_STEPS:
            return a, b, it, False
        d_prev = d
    return a, b, ESCAPE_STEPS, False


def _copies(qyt: np.ndarray) -> np.ndarray:
    """Label of each cluster; clusters with the same p(y|t) (within 1e-6) share the first one's."""
    d = np.max(np.abs(qyt[:, None, :] - qyt[None, :, :]), axis=2)
    return np.argmax(d < 1e-6, axis=1)


def _probe_distance(a: np.ndarray, b: np.ndarray, qt: np.ndarray, qyt: np.ndarray,
                    group: np.ndarray) -> float:
    """Sup distance of the state (a, b) from the fixed point (qt, qyt), with p(t) summed over copies.

    Mass moved between copies of one cluster (same p(y|t)) is a neutral direction of the IB map:
    the encoder of identical clusters is proportional to p(t), so such a move is neither undone
    nor amplified. The stability probe measures growth without it, and without p(y|t) of the
    clusters unused at the fixed point (p(t) ≤ 1e-12: their p(y|t) is free, only their mass counts).
    """
    moved = np.bincount(group, weights=a - qt, minlength=qt.size)
    used = qt > 1e-12
    return float(max(np.max(np.abs(moved)), np.max(np.abs(b[used] - qyt[used]), initial=0.0)))


def _distinct_clusters(qt: np.ndarray, qyt: np.ndarray) -> int:
    """Number of occupied clusters with distinct p(y|t) (merged copies count once)."""
    used = qyt[qt > 1e-12]
    if used.shape[0] <= 1:
        return used.shape[0]
    return int(np.sum(_copies(used) == np.arange(used.shape[0])))  # each copy group's first member


def _lagrangian(prob: _Problem, enc: np.ndarray, beta: float) -> float:
    ixt, ity, _ = prob.measures(enc)
    return ixt - beta * ity


def _solve_hard(prob: _Problem, enc: np.ndarray, beta: float,
                max_iter: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, bool]:
    """Iterate the deterministic-IB assignment from ``enc`` until it stops changing."""
    qt, qyt = prob.marginals(enc)
    for it in range(1, max_iter + 1):
        new, _ = prob.hard(qt, qyt, beta)
        if np.array_equal(new, enc):
            return enc, qt, qyt, it, True
        enc = new
        qt, qyt = prob.marginals(enc)
    return enc, qt, qyt, max_iter, False


def _perturb(qt: np.ndarray, qyt: np.ndarray, rng: np.random.Generator,
             eta: float = PERTURB) -> tuple[np.ndarray, np.ndarray]:
    nt = qt.size
    dead = qt <= DEAD * qt.max()
    if dead.any():
        # an empty cluster's p(y|t) is free and usually far from every row, so the uniform mass
        # below would flow straight back out of it: re-seed it as a copy of a live cluster (the
        # heaviest first, the likeliest to hold rows that should split), as deterministic
        # annealing splits clusters, so that a split that has become favourable can happen
        live = np.flatnonzero(~dead)
        qyt = qyt.copy()
        qyt[dead] = qyt[np.resize(live[np.argsort(-qt[live], kind="stable")], int(dead.sum()))]
    qt = (1 - eta) * qt + eta / nt
    qyt = qyt * np.exp(eta * rng.standard_normal(qyt.shape) * 10)
    return _normalise(qt, qyt)


def _random_state(prob: _Problem, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    enc = rng.dirichlet(np.ones(prob.nt), size=prob.px.size)
    return prob.marginals(enc)


def _random_hard(prob: _Problem, rng: np.random.Generator) -> np.ndarray:
    enc = np.zeros((prob.px.size, prob.nt))
    enc[np.arange(prob.px.size), rng.integers(prob.nt, size=prob.px.size)] = 1.0
    return enc


def _check_args(betas: Any, n_clusters: Any, method: str, restarts: Any, tol: Any,
                max_iter: Any) -> tuple[np.ndarray, int, int]:
    if method not in ("iterative", "deterministic"):
        raise ValueError(f"method must be one of ('iterative', 'deterministic'), got {method!r}")
    b = np.asarray(betas, dtype=float).ravel()
    if b.size == 0 or not np.all(np.isfinite(b)) or np.any(b <= 0):
        raise ValueError("betas must be a non-empty sequence of finite numbers > 0")
    for name, v, lo in (("n_clusters", n_clusters, 2), ("restarts", restarts, 1), ("max_iter", max_iter, 1)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < lo:
            raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
    if not (isinstance(tol, int | float) and 0 < tol < 1):
        raise ValueError(f"tol must be in (0, 1), got {tol!r}")
    return np.unique(b), int(n_clusters), int(restarts)


def ib_curve(pxy: Any, betas: Any = None, n_clusters: int = 8, method: str = "iterative", restarts: int = 1,
             seed: int = 0, tol: float = 1e-8, max_iter: int = 2000,
             callback: Callable[[int, int], None] | None = None,
             should_stop: Callable[[], bool] | None = None) -> IBResult:
    r"""The IB curve of ``pxy`` over ``betas`` (iterative IB or deterministic IB).

    Parameters
    ----------
    pxy : array_like, shape (|X|, |Y|)
        Joint pmf p(x, y) (anything with ``__array__``); sums to 1.
    betas : array_like, optional
        Trade-off values > 0 (sorted, duplicates dropped). Default: 50 values log-spaced in
        [0.1, 1000].
    n_clusters : int
        |T|, the number of clusters.
    method : {"iterative", "deterministic"}
        Tishby et al. (1999) soft IB with annealing, or Strouse & Schwab (2017) hard DIB.
    restarts : int
        Independent sweeps (iterative: an upward anneal, a downward anneal, then upward anneals
        with other perturbations; deterministic: a downward sweep, then random hard starts at
        every β). The best Lagrangian at each β is kept.
    seed : int
        Seed of the initialisations and perturbations.
    tol : float
        Convergence tolerance on the change of p(t), p(y|t) (sup norm).
    max_iter : int
        Maximum fixed-point iterations per β and restart.
    callback : callable, optional
        ``callback(done, total)`` after each (restart, β) solve: progress for a UI.
    should_stop : callable, optional
        Polled between solves; when it returns True the sweep stops early and the result holds
        the β values done so far (cooperative cancellation).

    Returns
    -------
    IBResult

    Examples
    --------
    >>> import numpy as np
    >>> pxy = np.array([[0.3, 0.05], [0.05, 0.3], [0.15, 0.15]])
    >>> r = ib_curve(pxy, betas=[0.5, 50.0], n_clusters=3, restarts=1)
    >>> bool(r.I_XT[0] < 1e-6), bool(abs(r.I_TY[-1] - r.I_XY) < 1e-3)
    (True, True)
    """
    t0 = time.perf_counter()
    p = joint_from(pxy)
    if betas is None:
        betas = np.geomspace(0.1, 1000.0, 50)
    b, nt, restarts = _check_args(betas, n_clusters, method, restarts, tol, max_iter)
    prob = _Problem(p, nt)
    rng = np.random.default_rng(seed)
    m = b.size
    total = restarts * m
    done = 0
    # per restart and beta: objective, I_XT, I_TY, H_T, encoder (merged rows)
    obj = np.full((restarts, m), np.inf)
    pts = np.full((restarts, m, 3), np.nan)
    encs: dict[tuple[int, int], np.ndarray] = {}
    conv = np.zeros((restarts, m), dtype=bool)
    iters = np.zeros(m, dtype=int)
    stopped = False
    last_up = None
    for r in range(restarts):
        sub = np.random.default_rng(rng.integers(2**63))
        if method == "iterative":
            order = range(m - 1, -1, -1) if r == 1 else range(m)
        else:
            order = range(m - 1, -1, -1)
        # the downward sweep starts from the upward sweep's solution at the largest β
        state = last_up if (method == "iterative" and r == 1) else None
        for j in order:
            if should_stop is not None and should_stop():
                stopped = True
                break
            beta = float(b[j])
            if method == "iterative":
                qt, qyt = _random_state(prob, sub) if state is None else _perturb(*state, sub)
                enc, qt, qyt, it, ok = _solve_soft(prob, qt, qyt, beta, tol, max_iter, sub)
                state = (qt, qyt)
                if r == 0 and j == m - 1:
                    last_up = state
            else:
                start = _random_hard(prob, sub) if (state is None or r > 0) else state
                enc, qt, qyt, it, ok = _solve_hard(prob, start, beta, max_iter)
                state = enc
            ixt, ity, ht = prob.measures(enc)
            obj[r, j] = (ht if method == "deterministic" else ixt) - beta * ity
            pts[r, j] = (ixt, ity, ht)
            encs[(r, j)] = enc
            conv[r, j] = ok
            iters[j] += it
            done += 1
            if callback is not None:
                callback(done, total)
        if stopped:
            break
    have = np.isfinite(obj).any(axis=0)
    if stopped and not have.any():
        raise RuntimeError("ib_curve was stopped before any β was solved")
    b, obj, pts, conv, iters = b[have], obj[:, have], pts[:, have], conv[:, have], iters[have]
    cols = np.flatnonzero(have)
    best = np.argmin(obj, axis=0)
    idx = np.arange(b.size)
    ixt, ity, ht = pts[best, idx, 0], pts[best, idx, 1], pts[best, idx, 2]
    encoders = np.stack([encs[(int(best[i]), int(cols[i]))][prob.inverse] for i in idx])
    # the curve: upper envelope of every point found (I(X;T) axis; H(T) for the DIB)
    xkey = 1 if method == "iterative" else 2
    allx, ally = pts[..., 0 if xkey == 1 else 2], pts[..., 1]
    finite = np.isfinite(allx)
    ex, ey = _upper_envelope(allx[finite], ally[finite])
    gap = np.full(allx.shape, np.inf)
    gap[finite] = _below_envelope(ex, ey, allx[finite], ally[finite])
    scale = max(1.0, float(ey.max()))
    on_curve = gap[best, idx] <= ENVELOPE_TOL * scale
    low = finite & (gap > ENVELOPE_TOL * scale)
    rr, jj = np.nonzero(low)
    local = {"beta": b[jj], "I_XT": pts[rr, jj, 0], "I_TY": pts[rr, jj, 1], "restart": rr}
    return IBResult(
        method=method, betas=b, I_XT=ixt, I_TY=ity, H_T=ht, encoders=encoders, objective=obj[best, idx],
        converged=conv[best, idx], iterations=iters, on_curve=on_curve, local_optima=local,
        I_XY=_mi(p), H_X=_entropy(p.sum(1)), n_clusters=nt, seconds=time.perf_counter() - t0,
        extra={"stopped": stopped, "merged_rows": int(prob.px.size)},
    )


def gaussian_ib_curve(cov_xx: Any, cov_xy: Any, cov_yy: Any, betas: Any = None) -> IBResult:
    r"""Closed-form IB curve of jointly Gaussian vectors X, Y (Chechik, Globerson, Tishby & Weiss 2005).

    With :math:`\lambda_1\le\dots\le\lambda_{d}` the eigenvalues of
    :math:`\Sigma_{x|y}\Sigma_x^{-1}` (:math:`\Sigma_{x|y} = \Sigma_x - \Sigma_{xy}\Sigma_y^{-1}\Sigma_{yx}`),
    component i becomes active above :math:`\beta_i^c = 1/(1-\lambda_i)` and contributes

    .. math:: I(X;T) = \tfrac12\log\frac{(\beta-1)(1-\lambda_i)}{\lambda_i},\qquad
              I(T;Y) = \tfrac12\log\frac{\beta-1}{\beta\lambda_i}

    (J. Mach. Learn. Res. 6:165–188, section 5); as β → ∞, I(T;Y) → I(X;Y) = −½Σ log λ_i.

    Parameters
    ----------
    cov_xx : array_like, shape (dx, dx)
    cov_xy : array_like, shape (dx, dy)
    cov_yy : array_like, shape (dy, dy)
    betas : array_like, optional
        Default: 200 values log-spaced in [1, 1000].

    Returns
    -------
    IBResult
        ``H_T`` and ``encoders`` are ``None``; ``extra`` holds ``eigenvalues`` and
        ``critical_betas``.
    """
    cxx, cyy = np.atleast_2d(np.asarray(cov_xx, float)), np.atleast_2d(np.asarray(cov_yy, float))
    cxy = np.asarray(cov_xy, float).reshape(cxx.shape[0], cyy.shape[0])
    joint = np.block([[cxx, cxy], [cxy.T, cyy]])
    if not np.all(np.isfinite(joint)):
        raise ValueError("covariances contain NaN or infinite values")
    if not np.allclose(joint, joint.T) or np.linalg.eigvalsh(joint).min() <= 0:
        raise ValueError("the joint covariance [[cov_xx, cov_xy], [cov_xy.T, cov_yy]] must be "
                         "symmetric positive definite")
    b = np.unique(np.asarray(np.geomspace(1.0, 1000.0, 200) if betas is None else betas, float).ravel())
    if b.size == 0 or not np.all(np.isfinite(b)) or np.any(b <= 0):
        raise ValueError("betas must be a non-empty sequence of finite numbers > 0")
    cond = cxx - cxy @ np.linalg.solve(cyy, cxy.T)
    lam = np.sort(np.clip(np.real(np.linalg.eigvals(cond @ np.linalg.inv(cxx))), 1e-300, 1.0))
    with np.errstate(divide="ignore"):
        crit = np.where(lam < 1.0, 1.0 / (1.0 - lam), np.inf)
    active = b[:, None] > crit[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        gx = 0.5 * np.log((b[:, None] - 1) * (1 - lam[None, :]) / lam[None, :])
        gy = 0.5 * np.log((b[:, None] - 1) / (b[:, None] * lam[None, :]))
    ixt = np.where(active, gx, 0.0).sum(axis=1)
    ity = np.where(active, gy, 0.0).sum(axis=1)
    ixy = float(-0.5 * np.sum(np.log(lam)))
    return IBResult(
        method="gaussian", betas=b, I_XT=ixt, I_TY=ity, H_T=None, encoders=None, objective=ixt - b * ity,
        converged=np.ones(b.size, bool), iterations=np.zeros(b.size, int), on_curve=np.ones(b.size, bool),
        I_XY=ixy, H_X=math.inf, n_clusters=0, extra={"eigenvalues": lam, "critical_betas": crit},
    )
