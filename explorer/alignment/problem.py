r"""An alignment problem on a finite space: a base model a(x), a reward r(x) or a preference b(x).

Targets (Korbak, Perez & Buckley 2022, "RL with KL penalties is better viewed as Bayesian
inference"; Khalifa, Elsahar & Dymetman 2021, "A distributional approach to controlled text
generation", ICLR):

* KL-regularised RL: :math:`p_β(x) ∝ a(x)\,e^{r(x)/β}`, the optimum of
  :math:`\max_π E_π[r] − β\,KL(π\|a)`;
* distributional control with a binary preference: :math:`p(x) ∝ a(x)\,b(x)` (the limit β → 0
  of the former with r = b).

Examples
--------
>>> from explorer.alignment import problem
>>> pb = problem.toy(n=200)
>>> p = pb.target(0.5)
>>> round(float(p.sum()), 12), bool(pb.alignment(p) > pb.alignment(pb.base))
(1.0, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from explorer._validation import as_finite_array

__all__ = ["AlignmentProblem", "toy"]


@dataclass(frozen=True)
class AlignmentProblem:
    """Items x = 0..n−1 at ``positions`` (for similarity), a base model and a reward or preference.

    ``binary``: the reward is a preference b(x) ∈ {0, 1} and alignment is π(b = 1).
    """

    base: np.ndarray
    reward: np.ndarray
    binary: bool = False
    positions: np.ndarray = field(default=None)  # type: ignore[assignment]
    name: str = "custom"
    description: str = ""

    def __post_init__(self) -> None:
        a = as_finite_array(self.base, "base", ndim=1)
        r = as_finite_array(self.reward, "reward", ndim=1)
        if a.size < 2 or r.size != a.size:
            raise ValueError(f"base and reward must be two vectors of one length ≥ 2, got {a.size} and "
                             f"{r.size}")
        if np.any(a <= 0):
            raise ValueError("base probabilities must be > 0 (the base model covers every item)")
        if abs(a.sum() - 1.0) > 1e-8:
            raise ValueError(f"base must sum to 1, got {a.sum():.10g}")
        if self.binary and not np.all((r == 0) | (r == 1)):
            raise ValueError("a binary preference must take the values 0 and 1 only")
        if self.binary and not np.any(r == 1):
            raise ValueError("the preference b(x) = 1 on no item: the target a·b is empty")
        x = np.arange(a.size, dtype=float) if self.positions is None else as_finite_array(self.positions,
                                                                                          "positions", 1)
        if x.size != a.size:
            raise ValueError("positions must have one entry per item")
        for name, v in (("base", a / a.sum()), ("reward", r), ("positions", x)):
            v = v.copy()
            v.setflags(write=False)
            object.__setattr__(self, name, v)

    @property
    def n(self) -> int:
        return int(self.base.size)

    def target(self, beta: float | None = None) -> np.ndarray:
        """:math:`p ∝ a·e^{r/β}`; for a binary preference with ``beta=None``, :math:`p ∝ a·b`."""
        if beta is None:
            if not self.binary:
                raise ValueError("beta is required for a reward (beta=None means p ∝ a·b for a preference)")
            p = self.base * self.reward
            return p / p.sum()
        if not (isinstance(beta, int | float) and math.isfinite(beta) and beta > 0):
            raise ValueError(f"beta must be a finite number > 0, got {beta!r}")
        lw = np.log(self.base) + self.reward / beta
        w = np.exp(lw - lw.max())
        return w / w.sum()

    def alignment(self, policy: np.ndarray) -> np.ndarray:
        """:math:`E_π[r]` (π(b = 1) for a preference), per row of ``policy``."""
        return np.asarray(policy, dtype=float) @ self.reward


def toy(n: int = 300, kind: str = "reward", seed: int = 0) -> AlignmentProblem:
    """A base model with two broad humps over n items on [0, 1], and a reward with three narrow peaks
    (one where the base is likely, two where it is rare), plus seeded noise; ``kind="preference"``
    thresholds it into b(x) = 1 on the top 15 % of items."""
    if not (isinstance(n, int) and n >= 10):
        raise ValueError(f"n must be an integer ≥ 10, got {n!r}")
    if kind not in ("reward", "preference"):
        raise ValueError(f"kind must be 'reward' or 'preference', got {kind!r}")
    x = np.linspace(0.0, 1.0, n)
    rng = np.random.default_rng(seed)
    a = 0.65 * np.exp(-0.5 * ((x - 0.3) / 0.12) ** 2) + 0.35 * np.exp(-0.5 * ((x - 0.75) / 0.1) ** 2) + 0.02
    a = a / a.sum()
    r = (1.0 * np.exp(-0.5 * ((x - 0.35) / 0.03) ** 2) + 0.9 * np.exp(-0.5 * ((x - 0.6) / 0.03) ** 2)
         + 0.8 * np.exp(-0.5 * ((x - 0.9) / 0.03) ** 2) + 0.05 * rng.standard_normal(n))
    if kind == "preference":
        b = (r >= np.quantile(r, 0.85)).astype(float)
        return AlignmentProblem(a, b, True, x, "toy preference",
                                "two-hump base, preference b = 1 on the 15 % highest-reward items")
    return AlignmentProblem(a, r, False, x, "toy reward", "two-hump base, reward with three narrow peaks")
