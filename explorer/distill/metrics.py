r"""What a fitted student looks like: diversity, mode recall, hallucination, and every divergence.

Vendi score (Friedman & Dieng 2023, "The Vendi Score: a diversity evaluation metric for machine
learning", TMLR): for a distribution p over items with a similarity kernel K (K_ii = 1),

.. math::

    VS(p) = \exp\Big(−\sum_k λ_k \log λ_k\Big),\qquad
    λ = \operatorname{eig}\big(\operatorname{diag}(\sqrt p)\,K\,\operatorname{diag}(\sqrt p)\big),

the exponential of the entropy of the eigenvalues (which sum to tr = Σ p_i K_ii = 1): the
"effective number of distinct items". With K = I it is exp(H(p)) (the perplexity); with a
Gaussian kernel over ordered tokens, one bump counts as about one item, so a student that
collapsed on one mode scores ≈ 1 and one covering three separate modes ≈ 3.

Teacher-mode recall: the teacher's modes are its local maxima over the token order (each token
for unordered vocabularies) holding at least ``min_height`` of the largest; each mode's basin
is the set of tokens whose steepest ascent ends there. A mode is *recalled* when the student puts
at least ``share`` of the teacher's basin mass on that basin. Hallucination: the student's mass
on tokens where the teacher is exactly zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["DistillMetrics", "entropy", "evaluate", "hallucination_mass", "mode_recall", "teacher_modes",
           "vendi_score"]

VENDI_CUTOFF = 1e-12
"""Tokens with p below this are left out of the Vendi eigenproblem (their eigenvalue share is < it)."""
DEFAULT_LENGTH = 0.05
"""Default Gaussian-kernel length scale of the Vendi similarity for ordered tokens, as a share of the
span of the token positions (5 tokens of 100): one bump of the peaks teachers counts as ≈ 1 item."""


def entropy(p: Any) -> np.ndarray:
    """Shannon entropy in nats of each row of ``p`` (0 log 0 = 0)."""
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=-1)


def _eigvalsh(m: np.ndarray) -> np.ndarray:
    """Eigenvalues of a symmetric matrix on one thread (numpy's threaded LAPACK is 3-4x slower on the
    shared 2-core machines; torch's single-threaded one matches numpy's on one thread)."""
    if m.shape[0] <= 64:
        return np.linalg.eigvalsh(m)
    import torch

    from explorer._backend import torch_single_thread

    with torch_single_thread():
        return torch.linalg.eigvalsh(torch.from_numpy(np.ascontiguousarray(m))).numpy()


def vendi_score(p: Any, positions: Any = None, length: float | None = None) -> float:
    r"""Vendi score of one distribution ``p`` (shape (V,)).

    ``positions`` None or ``length`` 0: K = I (VS = exp H). Otherwise
    ``K_ij = exp(−(x_i − x_j)²/(2ℓ²))`` with ℓ = ``length`` (in position units; default
    :data:`DEFAULT_LENGTH` × the span of the positions).

    >>> round(vendi_score([0.25, 0.25, 0.25, 0.25]), 6)
    4.0
    >>> round(vendi_score([0.5, 0.5, 0.0, 0.0], positions=[0, 1, 2, 3], length=1e-3), 6)
    2.0
    """
    p = np.asarray(p, dtype=float)
    if p.ndim != 1:
        raise ValueError(f"p must be one distribution of shape (V,), got {p.shape}")
    if positions is None or length == 0:
        return float(math.exp(entropy(p)))
    x = np.asarray(positions, dtype=float)
    if length is None:
        length = DEFAULT_LENGTH * float(x.max() - x.min())
    if not length > 0:
        raise ValueError(f"length must be ≥ 0, got {length!r}")
    keep = p > VENDI_CUTOFF * p.max()
    pk, xk = p[keep] / p[keep].sum(), x[keep]
    sq = np.sqrt(pk)
    k = np.exp(-0.5 * ((xk[:, None] - xk[None, :]) / length) ** 2)
    lam = _eigvalsh(sq[:, None] * k * sq[None, :])
    lam = lam[lam > 1e-15]
    lam = lam / lam.sum()
    return float(math.exp(-np.sum(lam * np.log(lam))))


def teacher_modes(t: Any, ordered: bool = True, min_height: float = 0.1,
                  max_modes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """``(modes, basin)``: the teacher's top modes (token indices, largest first) and, for each token,
    the index into ``modes`` of its basin (−1 if its basin's peak is not a top mode)."""
    t = np.asarray(t, dtype=float)
    v = t.size
    if not ordered:
        order = np.argsort(-t, kind="stable")
        top = [i for i in order if t[i] >= min_height * t.max() and t[i] > 0]
        modes = np.array(top[:max_modes], dtype=int)
        basin = np.full(v, -1)
        basin[modes] = np.arange(modes.size)
        return modes, basin
    peak = np.arange(v)
    for i in range(v):  # steepest ascent to a local maximum
        j = i
        while True:
            left = t[j - 1] if j > 0 else -1.0
            right = t[j + 1] if j < v - 1 else -1.0
            if right > t[j] and right >= left:
                j += 1
            elif left > t[j] or (left == t[j] > 0):  # a plateau belongs to its leftmost token
                j -= 1
            else:
                break
        peak[i] = j
    cands = np.unique(peak)
    cands = cands[(t[cands] >= min_height * t.max()) & (t[cands] > 0)]
    masses = np.array([t[peak == c].sum() for c in cands])
    modes = cands[np.argsort(-masses, kind="stable")][:max_modes]
    basin = np.full(v, -1)
    for k, m in enumerate(modes):
        basin[peak == m] = k
    return modes, basin


def mode_recall(t: Any, s: Any, ordered: bool = True, share: float = 0.25, min_height: float = 0.1) -> float:
    """Share of the teacher's top modes on whose basin the student puts ≥ ``share`` of the teacher's mass."""
    t, s = np.asarray(t, dtype=float), np.asarray(s, dtype=float)
    modes, basin = teacher_modes(t, ordered, min_height)
    if modes.size == 0:
        return 1.0
    hit = [s[basin == k].sum() >= share * t[basin == k].sum() for k in range(modes.size)]
    return float(np.mean(hit))


def hallucination_mass(t: Any, s: Any) -> np.ndarray:
    """Student mass on tokens where the teacher is exactly zero (per row)."""
    t, s = np.asarray(t, dtype=float), np.asarray(s, dtype=float)
    return np.sum(np.where(t == 0, s, 0.0), axis=-1)


@dataclass(frozen=True)
class DistillMetrics:
    """Metrics of a student against its teacher (rows averaged with the teacher's context weights).

    ``divergences`` maps every registry name to D(teacher‖student) as a
    :class:`~explorer.divergences.DivergenceValue` (value, units, method, note; ∞ with its
    reason), averaged over rows (an infinite row makes the average infinite).
    """

    entropy: float
    teacher_entropy: float
    vendi: float
    teacher_vendi: float
    mode_recall: float
    n_modes: int
    hallucination: float
    divergences: Mapping[str, Any] = field(default_factory=dict)
    units: str = "nats"
    note: str = ""

    def as_row(self) -> dict[str, float]:
        """Flat ``{column: value}`` for a table."""
        row = {"entropy": self.entropy, "vendi": self.vendi, "mode recall": self.mode_recall,
               "hallucination": self.hallucination}
        row.update({f"D[{k}]": v.value for k, v in self.divergences.items()})
        return row


def _row_divergences(t: np.ndarray, s: np.ndarray, positions: np.ndarray, which: Sequence[str],
                     params: Mapping[str, Mapping[str, float]]) -> dict[str, Any]:
    from explorer import divergences as dv
    from explorer.distributions import Categorical

    tc, sc = Categorical(t, values=positions), Categorical(s / s.sum(), values=positions)
    return {n: dv.evaluate(n, tc, sc, **dict(params.get(n, {}))) for n in which}


def evaluate(teacher: Any, student: Any, *, ordered: bool = True, positions: Any = None,
             weights: Any = None, length: float | None = None, share: float = 0.25,
             min_height: float = 0.1, which: Sequence[str] | None = None,
             params: Mapping[str, Mapping[str, float]] | None = None) -> DistillMetrics:
    """All metrics of ``student`` against ``teacher`` (arrays of shape (V,) or (C, V)).

    ``which``: registry divergences to report (default: every one in ``explorer.divergences``, except
    an entry whose ``max_summary_atoms`` is below V: the note names it);
    ``params`` their parameters (e.g. ``{"alpha": {"alpha": 0.3}}``).
    """
    from dataclasses import replace

    from explorer import divergences as dv

    t = np.atleast_2d(np.asarray(teacher, dtype=float))
    s = np.atleast_2d(np.asarray(student, dtype=float))
    if t.shape != s.shape:
        raise ValueError(f"teacher and student shapes differ: {t.shape} vs {s.shape}")
    v = t.shape[1]
    x = np.arange(v, dtype=float) if positions is None else np.asarray(positions, dtype=float)
    w = np.full(t.shape[0], 1.0 / t.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    w = w / w.sum()
    left_out: list[str] = []
    if which is None:
        which = [n for n in dv.names() if (dv.get(n).max_summary_atoms or v) >= v]
        left_out = [dv.get(n).label for n in dv.names() if n not in which]
    which = list(which)
    params = params or {}
    pos = x if ordered else None
    ell = length if length is not None else DEFAULT_LENGTH * float(x.max() - x.min())
    ent_s, ent_t = entropy(s), entropy(t)
    vendi_s = np.array([vendi_score(r, pos, ell) for r in s])
    vendi_t = np.array([vendi_score(r, pos, ell) for r in t])
    recall = np.array([mode_recall(a, b, ordered, share, min_height) for a, b in zip(t, s, strict=True)])
    n_modes = int(round(np.dot(w, [teacher_modes(a, ordered, min_height)[0].size for a in t])))
    halluc = hallucination_mass(t, s)
    per_row = [_row_divergences(a, b, x, which, params) for a, b in zip(t, s, strict=True)]
    divs = {}
    for n in which:
        vals = np.array([r[n].value for r in per_row])
        first = per_row[0][n]
        value = math.inf if np.any(np.isinf(vals)) else float(np.dot(w, vals))
        note = next((r[n].note for r in per_row if r[n].note), "")
        if t.shape[0] > 1:
            note = (note + "; " if note else "") + f"mean over {t.shape[0]} contexts"
        divs[n] = replace(first, value=value, note=note)
    return DistillMetrics(
        entropy=float(np.dot(w, ent_s)), teacher_entropy=float(np.dot(w, ent_t)),
        vendi=float(np.dot(w, vendi_s)), teacher_vendi=float(np.dot(w, vendi_t)),
        mode_recall=float(np.dot(w, recall)), n_modes=n_modes, hallucination=float(np.dot(w, halluc)),
        divergences=divs,
        note=("Vendi with K = I (exp of entropy)" if not ordered else
              f"Vendi with a Gaussian kernel of length {ell:g}") + f"; recall share {share:g}"
             + (f"; {', '.join(left_out)} left out at {v} tokens (slow there; pass which= to include)"
                if left_out else ""),
    )
