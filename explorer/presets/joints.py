r"""Joint distributions p(x, y) for the information-bottleneck curve, each defined once.

:data:`JOINTS` maps a name to a :class:`JointSpec` (title, a sentence, its parameters as
:class:`~explorer.params.Param`, a builder); :func:`make_joint` validates the values and returns a
:class:`JointScene`: the :class:`~explorer.distributions.Joint` pmf, an order of x for display
(inputs with similar p(y|x) side by side), and — for a Gaussian preset — the covariances whose
closed-form IB curve (Chechik et al. 2005) is the analytical truth to draw beside it.

==============  =====================================================================
name            p(x, y)
==============  =====================================================================
``szt``         the 12-bit task of Shwartz-Ziv & Tishby (2017), generated from the paper's
                description (:func:`explorer.information.szt_joint`): 4,096 inputs, 2 labels
``hierarchy``   16 inputs whose p(y|x) differ at three scales: the IB splits its clusters in
                three phase transitions as β grows
``gaussian``    a correlated Gaussian pair discretised on a grid (closed form available)
``penguins``    real data: Palmer penguins' bill and flipper lengths (binned) → species
``faithful``    real data: Old Faithful eruption duration (binned) → waiting time (binned)
==============  =====================================================================

Examples
--------
>>> from explorer.presets.joints import make_joint
>>> s = make_joint("gaussian", rho=0.8)
>>> s.joint.shape, s.gaussian is not None
((41, 41), True)
>>> round(make_joint("penguins").joint.marginal_y.probs.sum(), 6)
1.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from explorer.distributions import Joint
from explorer.params import Param, ParamSet

__all__ = ["JOINTS", "JointScene", "JointSpec", "make_joint"]


@dataclass(frozen=True, eq=False)
class JointScene:
    """A built joint distribution and what a page needs to show it.

    Attributes
    ----------
    joint : Joint
        p(x, y), rows x, columns y (with labels).
    x_name, y_name : str
        What X and Y are (axis titles).
    x_order : ndarray of int, shape (|X|,)
        Display order of the x values: inputs with similar p(y|x) next to each other.
    gaussian : (cov_xx, cov_xy, cov_yy) or None
        Covariances of the continuous Gaussian this pmf discretises (closed-form IB).
    note : str
        One sentence on how the pmf was made.
    """

    joint: Joint
    x_name: str
    y_name: str
    x_order: np.ndarray
    gaussian: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    note: str = ""


@dataclass(frozen=True)
class JointSpec:
    """A named joint-distribution preset: ``build(**values) -> JointScene``."""

    name: str
    title: str
    description: str
    build: Callable[..., JointScene] = field(repr=False)
    params: ParamSet = field(default_factory=ParamSet)
    real_data: bool = False


def _order_by_conditional(pmf: np.ndarray) -> np.ndarray:
    """x sorted by p(y|x), lexicographically from the first label (stable)."""
    px = pmf.sum(1, keepdims=True)
    cond = np.divide(pmf, px, out=np.zeros_like(pmf), where=px > 0)
    return np.lexsort(tuple(-np.round(cond[:, j], 12) for j in reversed(range(pmf.shape[1])))).astype(int)


def _scene(pmf: np.ndarray, x_name: str, y_name: str, x_labels: Any = None, y_labels: Any = None,
           gaussian: Any = None, note: str = "") -> JointScene:
    pmf = pmf / pmf.sum()
    joint = Joint(pmf, x_labels=x_labels, y_labels=y_labels)
    return JointScene(joint, x_name, y_name, _order_by_conditional(pmf), gaussian, note)


@lru_cache(maxsize=16)
def _szt_pmf(bits: float) -> np.ndarray:
    from explorer.information import szt_joint

    pmf = szt_joint(bits)
    pmf.setflags(write=False)
    return pmf


def _szt(bits: float) -> JointScene:
    return _scene(np.array(_szt_pmf(float(bits))), "x: 12-bit pattern (4,096)", "y: label",
                  y_labels=["y = 0", "y = 1"],
                  note=f"p(y=1|x) = σ(γ(f(x) − θ)) with γ set so that I(X;Y) = {bits:g} bits; x uniform.")


def _hierarchy(noise: float) -> JointScene:
    x = np.arange(16)
    s3, s2, s1 = (2.0 * ((x >> level) & 1) - 1.0 for level in (3, 2, 1))  # ±1 by bit k of x
    p1 = 0.5 + (1.0 - noise) * (0.3 * s3 + 0.13 * s2 + 0.05 * s1)
    pmf = np.column_stack([1 - p1, p1]) / x.size
    return _scene(pmf, "x (16 inputs)", "y", x_labels=[f"x{i}" for i in x], y_labels=["y = 0", "y = 1"],
                  note="p(y=1|x) = ½ + (1−noise)(0.3 s₃ + 0.13 s₂ + 0.05 s₁), s_k = ±1 by bit k of x: "
                       "two groups, four subgroups, eight pairs.")


def _gaussian(rho: float, bins: int = 41) -> JointScene:
    g = np.linspace(-4.0, 4.0, int(bins))
    xx, yy = np.meshgrid(g, g, indexing="ij")
    logp = -(xx**2 - 2 * rho * xx * yy + yy**2) / (2 * (1 - rho**2))
    pmf = np.exp(logp - logp.max())
    cov = (np.eye(1), np.array([[rho]]), np.eye(1))
    return _scene(pmf, "x (grid of 41 values in [−4, 4])", "y (grid of 41 values)",
                  x_labels=[f"{v:.1f}" for v in g], y_labels=[f"{v:.1f}" for v in g], gaussian=cov,
                  note=f"N(0, [[1, ρ], [ρ, 1]]) with ρ = {rho:g}, its density on a 41 × 41 grid "
                       "(normalised); the closed form is for the continuous pair.")


def _binned(values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    edges = np.linspace(values.min(), values.max(), int(bins) + 1)
    return np.clip(np.digitize(values, edges[1:-1]), 0, int(bins) - 1), edges


def _penguins(bins: int) -> JointScene:
    from explorer import data

    table = data.load("penguins")
    bill, flip, species = table["bill_length_mm"], table["flipper_length_mm"], table["species"]
    ok = ~(np.isnan(bill) | np.isnan(flip))
    bill, flip, species = bill[ok], flip[ok], species[ok]
    names = sorted(set(species))
    b, be = _binned(bill, bins)
    f, fe = _binned(flip, bins)
    cell = b * int(bins) + f
    counts = np.zeros((int(bins) ** 2, len(names)))
    np.add.at(counts, (cell, np.searchsorted(names, species)), 1.0)
    used = counts.sum(1) > 0
    labels = [f"bill {be[i]:.0f}–{be[i + 1]:.0f}, flipper {fe[j]:.0f}–{fe[j + 1]:.0f} mm"
              for i in range(int(bins)) for j in range(int(bins))]
    return _scene(counts[used], f"x: (bill, flipper) cell ({int(used.sum())} occupied)", "y: species",
                  x_labels=[lab for lab, u in zip(labels, used, strict=True) if u], y_labels=names,
                  note=f"{int(ok.sum())} penguins; bill and flipper lengths each cut into {int(bins)} "
                       "equal-width bins; p(x, y) = counts / n (empirical).")


def _faithful(bins: int, y_bins: int) -> JointScene:
    from explorer import data

    table = data.load("old_faithful")
    e, w = table["eruptions"], table["waiting"]
    xb, xe = _binned(e, bins)
    yb, ye = _binned(w, y_bins)
    counts = np.zeros((int(bins), int(y_bins)))
    np.add.at(counts, (xb, yb), 1.0)
    used = counts.sum(1) > 0
    xl = [f"{xe[i]:.2f}–{xe[i + 1]:.2f} min" for i in range(int(bins))]
    yl = [f"wait {ye[i]:.0f}–{ye[i + 1]:.0f}" for i in range(int(y_bins))]
    return _scene(counts[used], "x: eruption duration (binned)", "y: waiting time to the next (binned)",
                  x_labels=[lab for lab, u in zip(xl, used, strict=True) if u], y_labels=yl,
                  note=f"{e.size} eruptions; duration in {int(bins)} bins, waiting time in {int(y_bins)} "
                       "equal-width bins; p(x, y) = counts / n (empirical).")


JOINTS: dict[str, JointSpec] = {s.name: s for s in (
    JointSpec("szt", "12-bit task (Shwartz-Ziv & Tishby)",
              "4,096 binary patterns on an icosahedron, labelled by a rotation-invariant rule (generated "
              "from the paper's description); the task of the information-plane experiments.",
              _szt, ParamSet([Param("bits", 0.99, low=0.05, high=0.995, slider=(0.1, 0.99), step=0.01,
                                    label="I(X;Y) (bits)",
                                    doc="mutual information of the soft labels with the patterns")])),
    JointSpec("hierarchy", "Hierarchical clusters (phase transitions)",
              "16 inputs whose label probabilities differ at three scales: as β grows the IB splits T "
              "into 2, then 4, then 8 clusters.",
              _hierarchy, ParamSet([Param("noise", 0.0, low=0.0, high=0.95, step=0.01, label="noise",
                                          doc="shrinks every p(y|x) towards ½")])),
    JointSpec("gaussian", "Gaussian pair (closed form)",
              "X, Y standard normal with correlation ρ, discretised on a grid: the Gaussian IB of "
              "Chechik et al. (2005) is drawn as the analytical truth.",
              _gaussian, ParamSet([Param("rho", 0.8, low=0.0, high=0.995, low_open=True, slider=(0.1, 0.99),
                                         step=0.01, label="correlation ρ", doc="correlation of X and Y")])),
    JointSpec("penguins", "Palmer penguins (real data)",
              "Bill and flipper length of 342 penguins (cut into cells) as X, their species as Y: which "
              "cells can be merged without losing what they say about the species?",
              _penguins, ParamSet([Param("bins", 6, low=2, high=20, integer=True, label="bins per length",
                                         doc="equal-width bins for each of the two lengths")]),
              real_data=True),
    JointSpec("faithful", "Old Faithful (real data)",
              "Eruption duration (binned) as X, waiting time to the next eruption (binned) as Y: the "
              "geyser's two regimes.",
              _faithful, ParamSet([Param("bins", 16, low=2, high=40, integer=True, label="duration bins",
                                         doc="equal-width bins of the eruption duration"),
                                   Param("y_bins", 4, low=2, high=12, integer=True, label="waiting bins",
                                         doc="equal-width bins of the waiting time")]),
              real_data=True),
)}


def make_joint(name: str, **values: Any) -> JointScene:
    """The joint preset ``name`` at ``values`` (defaults for the others; ``ValueError`` naming a bad one).

    Examples
    --------
    >>> make_joint("hierarchy").joint.shape
    (16, 2)
    """
    spec = JOINTS.get(name)
    if spec is None:
        raise ValueError(f"unknown joint preset {name!r}; choose one of: {', '.join(JOINTS)}")
    resolved = spec.params.resolve(values, owner=name)
    return spec.build(**resolved)


def defaults(name: str) -> Mapping[str, float]:
    """Default parameter values of preset ``name``."""
    return JOINTS[name].params.defaults()
