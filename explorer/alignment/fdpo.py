r"""f-DPO: the closed-form optimal policy of f-regularised reward maximisation, and its reward mapping.

Wang, Jiang, Yang, Liu & Chen (2024), "Beyond reverse KL: generalizing direct preference
optimization with diverse divergence constraints", ICLR. For a base (reference) model a and a
regulariser that is an f-divergence in the registry's convention,

.. math::

    R(π) = D(a\|π) = \sum_x a(x)\,g\big(π(x)/a(x)\big)

(``explorer.divergences.compute(name, a, π)``: a is the reference, π the model; ``reverse_kl``
gives the usual KL(π‖a) of RLHF), the problem :math:`\max_π E_π[r] − β R(π)` over the simplex
has the KKT solution

.. math::

    π^*(x) = a(x)\,(g')^{-1}\Big(\max\Big(\frac{r(x) − λ}{β},\ g'(0^+)\Big)\Big),

with λ the normaliser, found here by a 1-D root search (Brent) of :math:`\sum_x π^*(x) = 1`,
which is monotone in λ. Where :math:`g'(0^+)` is finite (Pearson χ², α < 0), items whose reward
is too low get exactly zero probability. Conversely a policy implies the reward
:math:`r(x) = β\,g'(π(x)/a(x)) + λ` (the DPO reparametrisation), up to the constant λ.
:func:`numerical_optimum` solves the same problem by L-BFGS over softmax logits, as a check.

Examples
--------
>>> import numpy as np
>>> a = np.array([0.5, 0.3, 0.2]); r = np.array([1.0, 0.0, 2.0])
>>> pi = closed_form(a, r, beta=0.5, divergence="reverse_kl").policy
>>> bool(np.allclose(pi, a * np.exp(r / 0.5) / np.sum(a * np.exp(r / 0.5))))
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize

from explorer._validation import as_finite_array
from explorer.params import Param, ParamSet

__all__ = ["GENERATORS", "FDPOResult", "Generator", "closed_form", "implied_reward", "numerical_optimum",
           "objective", "regulariser"]


@dataclass(frozen=True)
class Generator:
    """``g(u)`` with D(a‖π) = Σ a g(π/a); its derivative, the inverse of the derivative, and g′'s range.

    ``lower`` = g′(0⁺) (−inf when the derivative is unbounded below: the optimum is then
    positive everywhere); ``upper`` = sup g′ (the admissible (r − λ)/β lie below it).
    """

    name: str
    label: str
    g: Callable[..., np.ndarray]
    g_prime: Callable[..., np.ndarray]
    g_prime_inv: Callable[..., np.ndarray]
    lower: Callable[..., float]
    upper: Callable[..., float]
    params: ParamSet = field(default_factory=ParamSet)
    formula: str = ""
    g_torch: Callable[..., Any] | None = None

    def resolve(self, given: Mapping[str, Any]) -> dict[str, float]:
        out = self.params.resolve(given, owner=self.name)
        alpha = out.get("alpha")  # the α family's own parameter (0 and 1 are its KL limits)
        if alpha is not None and (abs(alpha) < 1e-9 or abs(alpha - 1.0) < 1e-9):
            raise ValueError("parameter 'alpha' must not be 0 or 1 here: use 'reverse_kl' or 'kl'")
        return out


def torch_log(u: Any) -> Any:
    """``torch.log`` (a module-level name so the generators' torch forms need no import at load)."""
    import torch

    return torch.log(u)


def _xlogx(u):
    return np.where(u > 0, u * np.log(np.where(u > 0, u, 1.0)), 0.0)


def _alpha_g(u, alpha):
    with np.errstate(divide="ignore"):
        return (u ** (1.0 - alpha) - (1.0 - alpha) * u - alpha) / (alpha * (alpha - 1.0))


def _alpha_gp(u, alpha):
    with np.errstate(divide="ignore"):
        return (1.0 - u ** (-alpha)) / alpha


def _alpha_inv(y, alpha):
    return (1.0 - alpha * y) ** (-1.0 / alpha)


_ALPHA = Param("alpha", 0.5, -3.0, 3.0, doc="registry α: → 1 forward KL(a‖π), → 0 reverse KL(π‖a)",
               label="α", slider=(-1.0, 2.0))

GENERATORS: dict[str, Generator] = {g.name: g for g in (
    Generator("reverse_kl", "KL(π‖a)", _xlogx, lambda u: np.log(u) + 1.0, lambda y: np.exp(y - 1.0),
              lambda: -math.inf, lambda: math.inf, formula="g(u) = u log u",
              g_torch=lambda u: u * torch_log(u)),
    Generator("kl", "KL(a‖π)", lambda u: -np.log(u), lambda u: -1.0 / u, lambda y: -1.0 / y,
              lambda: -math.inf, lambda: 0.0, formula="g(u) = −log u",
              g_torch=lambda u: -torch_log(u)),
    Generator("js", "JS(a,π)",
              lambda u: 0.5 * (_xlogx(u) - (1.0 + u) * np.log((1.0 + u) / 2.0)),
              lambda u: 0.5 * np.log(2.0 * u / (1.0 + u)),
              lambda y: np.exp(2.0 * y) / (2.0 - np.exp(2.0 * y)),
              lambda: -math.inf, lambda: 0.5 * math.log(2.0),
              formula="g(u) = ½[u log u − (1+u) log((1+u)/2)]",
              g_torch=lambda u: 0.5 * (u * torch_log(u) - (1.0 + u) * torch_log((1.0 + u) / 2.0))),
    Generator("hellinger", "H²(a,π)", lambda u: 0.5 * (1.0 - np.sqrt(u)) ** 2,
              lambda u: 0.5 * (1.0 - 1.0 / np.sqrt(u)), lambda y: (1.0 - 2.0 * y) ** -2.0,
              lambda: -math.inf, lambda: 0.5, formula="g(u) = ½(1 − √u)²",
              g_torch=lambda u: 0.5 * (1.0 - u.sqrt()) ** 2),
    Generator("chi2", "χ²(a‖π)", lambda u: (1.0 - u) ** 2 / u, lambda u: 1.0 - 1.0 / u**2,
              lambda y: (1.0 - y) ** -0.5, lambda: -math.inf, lambda: 1.0, formula="g(u) = (1 − u)²/u",
              g_torch=lambda u: (1.0 - u) ** 2 / u),
    Generator("neyman_chi2", "Pearson χ²(π‖a)", lambda u: (u - 1.0) ** 2, lambda u: 2.0 * (u - 1.0),
              lambda y: 1.0 + 0.5 * y, lambda: -2.0, lambda: math.inf,
              formula="g(u) = (u − 1)²  (registry neyman_chi2(a‖π); sparse optima)",
              g_torch=lambda u: (u - 1.0) ** 2),
    Generator("alpha", "D_α(a‖π)", _alpha_g, _alpha_gp, _alpha_inv,
              lambda alpha: -math.inf if alpha > 0 else 1.0 / alpha,
              lambda alpha: 1.0 / alpha if alpha > 0 else math.inf,
              params=ParamSet([_ALPHA]), formula="g(u) = (u^(1−α) − (1−α)u − α)/(α(α−1))",
              g_torch=lambda u, alpha: (u ** (1.0 - alpha) - (1.0 - alpha) * u - alpha)
              / (alpha * (alpha - 1.0))),
)}


def get(name: str) -> Generator:
    try:
        return GENERATORS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown f-DPO divergence {name!r}; choose one of: "
                         f"{', '.join(GENERATORS)}") from None


def _inputs(base: Any, reward: Any, beta: Any) -> tuple[np.ndarray, np.ndarray, float]:
    a = as_finite_array(base, "base", ndim=1)
    r = as_finite_array(reward, "reward", ndim=1)
    if a.size != r.size or a.size < 1:
        raise ValueError(f"base and reward must have one length, got {a.size} and {r.size}")
    if np.any(a <= 0) or abs(a.sum() - 1.0) > 1e-8:
        raise ValueError("base must be positive and sum to 1")
    if not (isinstance(beta, int | float) and math.isfinite(beta) and beta > 0):
        raise ValueError(f"beta must be a finite number > 0, got {beta!r}")
    return a / a.sum(), r, float(beta)


def regulariser(base: Any, policy: Any, divergence: str, **params: Any) -> float:
    """:math:`Σ a g(π/a)` = D(a‖π) (``explorer.divergences`` gives the same number)."""
    gen = get(divergence)
    kw = gen.resolve(params)
    a, q = np.asarray(base, dtype=float), np.asarray(policy, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum(a * gen.g(q / a, **kw)))


def objective(base: Any, reward: Any, policy: Any, beta: float, divergence: str, **params: Any) -> float:
    """:math:`E_π[r] − β D(a\\|π)`."""
    return float(np.dot(policy, reward)) - beta * regulariser(base, policy, divergence, **params)


@dataclass(frozen=True)
class FDPOResult:
    """The closed-form optimum: π*, the normaliser λ, the objective and its parts, and how λ was found."""

    divergence: str
    beta: float
    params: Mapping[str, float]
    policy: np.ndarray
    lam: float
    objective: float
    expected_reward: float
    regulariser: float
    root_iterations: int
    support: int
    note: str = ""


def _policy_at(gen: Generator, a: np.ndarray, r: np.ndarray, beta: float, lam: float, kw: dict) -> np.ndarray:
    y = (r - lam) / beta
    low = gen.lower(**kw)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        u = np.where(y > low, gen.g_prime_inv(np.maximum(y, low), **kw), 0.0)
    return a * u


def closed_form(base: Any, reward: Any, beta: float, divergence: str = "reverse_kl",
                **params: Any) -> FDPOResult:
    """π*(x) = a(x)·(g′)⁻¹(max((r(x) − λ)/β, g′(0⁺))) with λ such that Σπ* = 1 (Brent's method)."""
    a, r, beta = _inputs(base, reward, beta)
    gen = get(divergence)
    kw = gen.resolve(params)
    up = gen.upper(**kw)

    def excess(lam: float) -> float:
        return float(np.sum(_policy_at(gen, a, r, beta, lam, kw))) - 1.0

    if math.isfinite(up):  # λ > max r − β·sup g′: approach that bound from above
        bound = float(r.max() - beta * up)
        lo, step = bound, 1e-3 * (1.0 + abs(bound))
        while True:
            lo = bound + step
            if excess(lo) > 0 or step < 1e-300:
                break
            step *= 0.5
    else:
        lo, step = float(r.min()) - 1.0, 1.0
        while excess(lo) <= 0:
            step *= 2.0
            lo = float(r.min()) - step
    hi, step = float(r.max()) + beta, beta
    while excess(hi) >= 0:
        step *= 2.0
        hi = float(r.max()) + step
    lam, info = optimize.brentq(excess, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500,
                                full_output=True)
    pi = _policy_at(gen, a, r, beta, lam, kw)
    pi = pi / pi.sum()
    reg = regulariser(a, pi, divergence, **kw)
    ev = float(pi @ r)
    return FDPOResult(divergence, beta, kw, pi, float(lam), ev - beta * reg, ev, reg, info.iterations,
                      int(np.sum(pi > 0)), note=f"λ by Brent's method in [{lo:.6g}, {hi:.6g}]")


def implied_reward(base: Any, policy: Any, beta: float, divergence: str = "reverse_kl",
                   **params: Any) -> np.ndarray:
    """:math:`β\\,g'(π/a)`: the reward (up to an additive constant) for which ``policy`` is optimal;
    ``-inf`` where π = 0 (any reward below the cut-off)."""
    gen = get(divergence)
    kw = gen.resolve(params)
    a, q = np.asarray(base, dtype=float), np.asarray(policy, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = beta * gen.g_prime(q / a, **kw)
    return np.where(q > 0, out, -np.inf)


def numerical_optimum(base: Any, reward: Any, beta: float, divergence: str = "reverse_kl", *,
                      tol: float = 1e-16, **params: Any) -> tuple[np.ndarray, float]:
    """Maximise :math:`E_π[r] − β D(a\\|π)` over softmax logits by L-BFGS (torch gradients, float64).

    Returns ``(policy, objective)``. Independent of the closed form: no KKT, no root search.
    """
    import torch

    a, r, beta = _inputs(base, reward, beta)
    gen = get(divergence)
    kw = gen.resolve(params)
    ta, tr = torch.tensor(a), torch.tensor(r)

    def g_torch(u: Any) -> Any:
        return gen.g_torch(u, **kw)

    def f(z: np.ndarray) -> tuple[float, np.ndarray]:
        zt = torch.tensor(z, requires_grad=True)
        pi = torch.softmax(zt, 0)
        val = -((pi * tr).sum() - beta * (ta * g_torch(pi / ta)).sum())
        (grad,) = torch.autograd.grad(val, zt)
        return float(val.detach()), grad.numpy()

    z0 = np.log(a)
    res = optimize.minimize(f, z0, jac=True, method="L-BFGS-B",
                            options={"maxiter": 20000, "ftol": tol, "gtol": 1e-12, "maxcor": 30})
    pi = np.exp(res.x - res.x.max())
    pi = pi / pi.sum()
    return pi, float(-res.fun)
