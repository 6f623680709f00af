r"""Closed forms: exact values for Gaussian pairs and for Gaussian mixtures (incl. KDEs).

Every function takes ``(p, q, **params)`` and returns a float, or ``None`` when the pair has no
closed form here (the dispatcher then integrates numerically). Gaussian pairs (any dimension):
KL, Jeffreys, Rényi/α, χ², Hellinger, Bhattacharyya (via the Chernoff coefficient
log ∫ p^a q^(1−a), Gil, Alajaji & Linder 2013), W₂ (Dowson & Landau 1982), 1-D W₁, TV (1-D, and
d-D with equal covariances) and Sinkhorn (Janati et al. 2020). Gaussian mixtures: MMD,
Cauchy–Schwarz (Kampa, Hasanbelliu & Principe 2011) and, in 1-D, the energy distance.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from scipy import special

from explorer._numerics import logsumexp
from explorer.distributions import Distribution, Gaussian, gaussian_mixture_parts
from explorer.divergences.integrands import END_TOL

__all__ = ["alpha", "bhattacharyya", "chi2", "cs", "energy", "hellinger", "jeffreys", "kl", "mmd", "neyman",
           "renyi", "rkl", "sinkhorn", "sqrtm_psd", "tv", "w1", "w2"]


def _gauss_pair(p: Any, q: Any) -> tuple[Gaussian, Gaussian] | None:
    if isinstance(p, Gaussian) and isinstance(q, Gaussian) and p.dim == q.dim:
        return p, q
    return None


def _moments(g: Gaussian) -> tuple[np.ndarray, np.ndarray]:
    return np.atleast_1d(np.asarray(g.mean, dtype=float)), g.cov


def _gauss_kl(p, q) -> float | None:
    """KL(N_p‖N_q) = ½[tr(Σq⁻¹Σp) + Δᵀ Σq⁻¹ Δ − d + ln det Σq/det Σp]."""
    if _gauss_pair(p, q) is None:
        return None
    mp, sp = _moments(p)
    mq, sq = _moments(q)
    d = mp.size
    sq_inv = np.linalg.inv(sq)
    diff = mq - mp
    _, ldp = np.linalg.slogdet(sp)
    _, ldq = np.linalg.slogdet(sq)
    return float(0.5 * (np.trace(sq_inv @ sp) + diff @ sq_inv @ diff - d + ldq - ldp))


def _gauss_log_chernoff(p, q, a: float) -> float | None:
    """log ∫ p^a q^(1-a) for Gaussians (Gil, Alajaji & Linder 2013); +inf if it diverges."""
    if _gauss_pair(p, q) is None:
        return None
    mp, sp = _moments(p)
    mq, sq = _moments(q)
    sa = a * sq + (1.0 - a) * sp
    eig = np.linalg.eigvalsh(sa)
    if np.any(eig <= 0):
        return math.inf
    diff = mp - mq
    _, lda = np.linalg.slogdet(sa)
    _, ldp = np.linalg.slogdet(sp)
    _, ldq = np.linalg.slogdet(sq)
    maha = float(diff @ np.linalg.solve(sa, diff))
    return float(-0.5 * a * (1.0 - a) * maha - 0.5 * (lda - (1.0 - a) * ldp - a * ldq))


def kl(p, q):
    return _gauss_kl(p, q)


def rkl(p, q):
    return _gauss_kl(q, p)


def jeffreys(p, q):
    a = _gauss_kl(p, q)
    return None if a is None else a + _gauss_kl(q, p)


def renyi(p, q, order):
    if _gauss_pair(p, q) is None:
        return None
    if abs(order - 1.0) < END_TOL:
        return _gauss_kl(p, q)
    if order == 0.0:
        return 0.0
    li = _gauss_log_chernoff(p, q, order)
    return math.inf if li == math.inf else li / (order - 1.0)


def alpha(p, q, alpha):
    if _gauss_pair(p, q) is None:
        return None
    if abs(alpha - 1.0) < END_TOL:
        return _gauss_kl(p, q)
    if abs(alpha) < END_TOL:
        return _gauss_kl(q, p)
    li = _gauss_log_chernoff(p, q, alpha)
    if li == math.inf:
        return math.inf
    return float(-np.expm1(li) / (alpha * (1.0 - alpha)))


def hellinger(p, q):
    li = _gauss_log_chernoff(p, q, 0.5)
    return None if li is None else float(-np.expm1(li))


def bhattacharyya(p, q):
    li = _gauss_log_chernoff(p, q, 0.5)
    return None if li is None else -li


def chi2(p, q):
    li = _gauss_log_chernoff(p, q, 2.0)
    if li is None:
        return None
    return math.inf if li == math.inf else float(np.expm1(li))


def neyman(p, q):
    return chi2(q, p)


def w2(p, q):
    """W2² = |Δμ|² + tr(Σp + Σq − 2(Σq^½ Σp Σq^½)^½) (Dowson & Landau 1982)."""
    if _gauss_pair(p, q) is None:
        return None
    mp, sp = _moments(p)
    mq, sq = _moments(q)
    if mp.size == 1:
        return float(math.hypot(mp[0] - mq[0], math.sqrt(sp[0, 0]) - math.sqrt(sq[0, 0])))
    root_q = sqrtm_psd(sq)
    cross = sqrtm_psd(root_q @ sp @ root_q)
    w2sq = float(np.sum((mp - mq) ** 2) + np.trace(sp + sq - 2.0 * cross))
    return math.sqrt(max(w2sq, 0.0))


def sqrtm_psd(a: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh(0.5 * (a + a.T))
    return (vecs * np.sqrt(np.maximum(vals, 0.0))) @ vecs.T


def w1(p, q):
    """1-D Gaussians: W1 = E|Δμ + Δσ Z| = |b|√(2/π) e^{−a²/2b²} + a(1 − 2Φ(−a/|b|))."""
    if _gauss_pair(p, q) is None or p.dim != 1:
        return None
    a = p.mean - q.mean
    b = abs(p.std - q.std)
    if b == 0:
        return abs(a)
    spread = b * math.sqrt(2 / math.pi) * math.exp(-0.5 * (a / b) ** 2)
    return float(spread + a * (1 - 2 * special.ndtr(-a / b)))


def _mass(d: Gaussian, lo: float, hi: float) -> float:
    """P(lo < X < hi) without cancellation: from the CDF left of the mean, the survival function right."""
    if hi <= d.mean:
        return float(d.cdf(hi) - d.cdf(lo))
    if lo >= d.mean:
        return float(d.sf(lo) - d.sf(hi))
    return float(1.0 - d.cdf(lo) - d.sf(hi))


def tv(p, q):
    """1-D Gaussians: ½∫|p−q| from the crossing points; d-D equal covariances: 2Φ(δ/2)−1."""
    if _gauss_pair(p, q) is None:
        return None
    if p.dim > 1:
        mp, sp = _moments(p)
        mq, sq = _moments(q)
        if not np.allclose(sp, sq, rtol=1e-12, atol=1e-14):
            return None
        diff = mp - mq
        delta = math.sqrt(float(diff @ np.linalg.solve(sp, diff)))
        return float(2 * special.ndtr(delta / 2) - 1)
    m1, s1, m2, s2 = p.mean, p.std, q.mean, q.std
    # roots of log p(x) = log q(x): A x² + B x + C = 0
    A = 0.5 / s2**2 - 0.5 / s1**2
    B = m1 / s1**2 - m2 / s2**2
    C = 0.5 * m2**2 / s2**2 - 0.5 * m1**2 / s1**2 + math.log(s2 / s1)
    if abs(A) < 1e-14 * max(1 / s1**2, 1 / s2**2):
        if B == 0:
            return 0.0
        roots = [-C / B]
    else:
        disc = B * B - 4 * A * C
        if disc <= 0:
            return 0.0
        r = math.sqrt(disc)
        roots = sorted([(-B - r) / (2 * A), (-B + r) / (2 * A)])
    edges = [-math.inf, *roots, math.inf]
    tv = 0.0
    for lo, hi in itertools.pairwise(edges):
        # a point inside the interval, far enough from a root at 5e149 that x ± 1 is not x
        reach = 1.0 + s1 + s2
        if math.isfinite(lo + hi):
            mid = 0.5 * lo + 0.5 * hi
        elif math.isfinite(hi):
            mid = hi - (abs(hi) + reach)
        elif math.isfinite(lo):
            mid = lo + (abs(lo) + reach)
        else:
            mid = 0.5 * (m1 + m2)
        if p.logpdf(mid) > q.logpdf(mid):
            tv += _mass(p, lo, hi) - _mass(q, lo, hi)
    return float(tv)


_GM_MAX_PAIRS = 4_000_000


def _gm_log_cross(a, b, extra: float = 0.0) -> float:
    """log Σ_ij w_i v_j N(m_i − m_j; 0, S_i + S_j + extra·I)."""
    wa, ma, sa = a
    wb, mb, sb = b
    d = ma.shape[1]
    diff = ma[:, None, :] - mb[None, :, :]
    same_a = np.allclose(sa, sa[0])
    same_b = np.allclose(sb, sb[0])
    if same_a and same_b:
        s = sa[0] + sb[0] + extra * np.eye(d)
        sinv = np.linalg.inv(s)
        _, logdet = np.linalg.slogdet(s)
        maha = np.einsum("ijk,kl,ijl->ij", diff, sinv, diff)
        logn = -0.5 * (maha + logdet + d * math.log(2 * math.pi))
    else:
        s = sa[:, None] + sb[None, :] + extra * np.eye(d)
        sinv = np.linalg.inv(s)
        _, logdet = np.linalg.slogdet(s)
        maha = np.einsum("ijk,ijkl,ijl->ij", diff, sinv, diff)
        logn = -0.5 * (maha + logdet + d * math.log(2 * math.pi))
    return float(logsumexp(logn + np.log(wa)[:, None] + np.log(wb)[None, :]))


def _gm_parts_pair(p, q):
    if not (isinstance(p, Distribution) and isinstance(q, Distribution)) or p.dim != q.dim:
        return None
    a, b = gaussian_mixture_parts(p), gaussian_mixture_parts(q)
    if a is None or b is None:
        return None
    big = max(a[0].size, b[0].size)
    if big * big > _GM_MAX_PAIRS:
        return None
    return a, b


def cs(p, q):
    """Cauchy–Schwarz for Gaussian mixtures in closed form (Kampa, Hasanbelliu & Principe 2011)."""
    pair = _gm_parts_pair(p, q)
    if pair is None:
        return None
    a, b = pair
    return -_gm_log_cross(a, b) + 0.5 * (_gm_log_cross(a, a) + _gm_log_cross(b, b))


def mmd(p, q, bandwidth):
    """MMD² with the RBF kernel between Gaussian mixtures: E k(X,Y) = (2πℓ²)^{d/2} N(Δ; 0, S+ℓ²I)."""
    pair = _gm_parts_pair(p, q)
    if pair is None:
        return None
    a, b = pair
    d = a[1].shape[1]
    c = 0.5 * d * math.log(2 * math.pi * bandwidth**2)
    e = [math.exp(c + _gm_log_cross(u, v, bandwidth**2)) for u, v in ((a, a), (a, b), (b, b))]
    return max(e[0] - 2 * e[1] + e[2], 0.0)


def _mean_abs_gauss(mu: np.ndarray, var: np.ndarray) -> np.ndarray:
    """E|Z| for Z ~ N(mu, var)."""
    s = np.sqrt(var)
    return s * math.sqrt(2 / math.pi) * np.exp(-0.5 * mu**2 / var) + mu * (1 - 2 * special.ndtr(-mu / s))


def energy(p, q):
    """1-D Gaussian mixtures: energy distance from E|X−Y| of Gaussian differences."""
    pair = _gm_parts_pair(p, q)
    if pair is None or p.dim != 1:
        return None

    def cross(u, v):
        (wu, mu, su), (wv, mv, sv) = u, v
        diff = mu[:, 0][:, None] - mv[:, 0][None, :]
        var = su[:, 0, 0][:, None] + sv[:, 0, 0][None, :]
        return float(wu @ _mean_abs_gauss(diff, var) @ wv)

    a, b = pair
    return max(2 * cross(a, b) - cross(a, a) - cross(b, b), 0.0)


def _gauss_entropic_ot(mp, sp, mq, sq, eps: float) -> float:
    """OT_ε between Gaussians in closed form (Janati, Muzellec, Peyré & Cuturi 2020, Thm 1).

    With ε = 2σ²: OT = |Δμ|² + tr A + tr B − tr D + dσ²(1 − log 2σ²) + σ² log det(D + σ²I),
    D = (4 A^½ B A^½ + σ⁴ I)^½.
    """
    d = mp.size
    s2 = eps / 2.0
    ra = sqrtm_psd(sp)
    dm = sqrtm_psd(4.0 * ra @ sq @ ra + s2**2 * np.eye(d))
    _, logdet = np.linalg.slogdet(dm + s2 * np.eye(d))
    return float(np.sum((mp - mq) ** 2) + np.trace(sp) + np.trace(sq) - np.trace(dm)
                 + d * s2 * (1 - math.log(2 * s2)) + s2 * logdet)


def sinkhorn(p, q, epsilon):
    if _gauss_pair(p, q) is None:
        return None
    (mp, sp), (mq, sq) = _moments(p), _moments(q)
    ab = _gauss_entropic_ot(mp, sp, mq, sq, epsilon)
    aa = _gauss_entropic_ot(mp, sp, mp, sp, epsilon)
    bb = _gauss_entropic_ot(mq, sq, mq, sq, epsilon)
    return max(ab - 0.5 * (aa + bb), 0.0)
