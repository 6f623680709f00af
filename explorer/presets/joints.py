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
``your_data``   the visitor's two columns (:func:`user_joint`): x binned, y binned or its
                values as categories; shows the first 60 Old Faithful rows until data arrive
==============  =====================================================================

Examples
--------
>>> from explorer.presets.joints import make_joint
>>> s = make_joint("gaussian", rho=0.8)
>>> s.joint.shape, s.gaussian is not None
((41, 41), True)
>>> round(float(make_joint("penguins").joint.marginal_y.probs.sum()), 6)
1.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from explorer._validation import as_finite_array, check_locations
from explorer.distributions import Joint
from explorer.params import Param, ParamSet

__all__ = ["JOINTS", "MAX_Y_CATEGORIES", "MIN_JOINT_SAMPLES", "USER_JOINT", "JointScene", "JointSpec",
           "make_joint", "user_joint", "user_joint_example", "y_is_categorical"]

#: Name of the visitor's-own-data joint (the IB tab shows an upload box with it).
USER_JOINT = "your_data"
#: A y column with at most this many distinct values is read as categories (one column of the pmf
#: per value: class labels, counts, codes); with more it is binned like x.
MAX_Y_CATEGORIES = 20
#: Fewest rows a "your data" joint takes: an empirical p(x, y) of a handful of pairs is mostly
#: noise, and the IB would only sort single points.
MIN_JOINT_SAMPLES = 10
#: Rows of Old Faithful in the example table (what "your data" shows until the visitor's own).
EXAMPLE_ROWS = 60


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
    user: bool = False  #: the visitor's own data (:data:`USER_JOINT`): the page shows an upload


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


_X_BINS = Param("x_bins", 10, low=2, high=40, integer=True, label="x bins",
                doc="equal-width bins of the x column (the first chosen)")
_Y_BINS = Param("y_bins", 4, low=2, high=12, integer=True, label="y bins",
                doc=f"equal-width bins of the y column when it has more than {MAX_Y_CATEGORIES} distinct "
                    "values (otherwise each value is a category)")


def y_is_categorical(samples: Any) -> bool:
    """Whether :func:`user_joint` reads the y column (``samples[:, 1]``) as categories: at most
    :data:`MAX_Y_CATEGORIES` distinct values."""
    y = np.asarray(samples, dtype=float).reshape(-1, 2)[:, 1]
    return bool(np.unique(y).size <= MAX_Y_CATEGORIES)


def user_joint(samples: Any, x_bins: int = 10, y_bins: int = 4, x_label: str = "x", y_label: str = "y",
               example: bool = False) -> JointScene:
    r"""The empirical joint pmf of a visitor's two columns: x binned, y binned or as categories.

    .. math::
        \hat p(i, j) = \frac{\#\{k : x_k \in B_i,\ y_k \in C_j\}}{n},

    with :math:`B_1, \dots, B_{x\_bins}` equal-width bins spanning [min x, max x] (the last one
    closed), and :math:`C_j` the distinct values of y when there are at most
    :data:`MAX_Y_CATEGORIES` of them (class labels, counts, codes: binning them would merge
    classes), else ``y_bins`` equal-width bins of y. Bins no sample falls in are dropped (rows
    and columns of the pmf), so every p(x) and p(y) is positive: the IB never meets an empty
    input, and nothing is NaN. The binning is the one of the shipped ``penguins`` and ``faithful``
    presets.

    Equal-width rather than quantile bins: the edges are round numbers in the data's own units,
    p(x) keeps the shape of the data (the IB weighs each input by it, and with quantile bins it
    would be flat by construction), and a column with ties (integers, rounded values) gives no
    duplicate edges. The price: a far outlier stretches the range and leaves most bins empty —
    the note counts the occupied ones.

    Parameters
    ----------
    samples : array_like, shape (n, 2)
        Rows (x, y) of finite numbers, n ≥ :data:`MIN_JOINT_SAMPLES`, each column with at least two
        distinct values.
    x_bins, y_bins : int
        Numbers of bins (2-40 and 2-12, as the sliders).
    x_label, y_label : str
        The columns' names (axis titles, the note).
    example : bool
        Say that these are the example rows (:func:`user_joint_example`).

    Returns
    -------
    JointScene
        The pmf with labels ("3.6–3.9" bins, or the category values), the display order and a
        note on how it was made.

    Raises
    ------
    ValueError
        Naming ``samples`` (wrong shape, NaN/inf, too few rows, a constant column), ``x_bins`` or
        ``y_bins`` (not an integer in range).

    Examples
    --------
    >>> xy = [[1.0, 0], [1.2, 0], [1.1, 0], [3.0, 1], [3.3, 1], [2.9, 1], [2.0, 0], [2.1, 1],
    ...       [1.3, 0], [3.1, 1]]
    >>> s = user_joint(xy, x_bins=3, x_label="dose", y_label="cured")
    >>> s.joint.shape, s.joint.marginal_y.labels
    ((3, 2), ['0', '1'])
    """
    nx, ny_bins = int(_X_BINS.check(x_bins)), int(_Y_BINS.check(y_bins))
    xy = check_locations(as_finite_array(samples, "samples"), "samples")
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"samples must have shape (n, 2), one row per pair (x, y); got shape {xy.shape}")
    n = xy.shape[0]
    if n < MIN_JOINT_SAMPLES:
        raise ValueError(f"the data ('samples') have {n} usable row{'s' * (n != 1)}; a joint distribution "
                         f"p(x, y) estimated from data needs at least {MIN_JOINT_SAMPLES} rows (pairs x, y)")
    x, y = xy[:, 0], xy[:, 1]
    for values, label in ((x, x_label), (y, y_label)):
        if np.unique(values).size < 2:
            raise ValueError(f"column {label!r} of the data ('samples') is constant (every row is "
                             f"{values[0]:g}); X and Y each need at least two different values to carry "
                             "information")
    xb, xe = _binned(x, nx)
    categorical = y_is_categorical(xy)
    if categorical:
        cats, yb = np.unique(y, return_inverse=True)
        yl = [f"{v:g}" for v in cats]
        y_how = f"its {cats.size} distinct values as categories (no y bins)"
    else:
        yb, ye = _binned(y, ny_bins)
        yl = [f"{ye[j]:.3g}–{ye[j + 1]:.3g}" for j in range(ny_bins)]
        y_how = f"{ny_bins} equal-width bins"
    counts = np.zeros((nx, len(yl)))
    np.add.at(counts, (xb, np.asarray(yb).ravel()), 1.0)
    rows, cols = counts.sum(1) > 0, counts.sum(0) > 0
    if rows.sum() < 2:  # only for values closer than the float resolution of the bin edges
        raise ValueError(f"column {x_label!r} of the data ('samples') falls into a single bin: its values "
                         "are too close together to bin")
    if not categorical and cols.sum() < 2:
        raise ValueError(f"column {y_label!r} of the data ('samples') falls into a single bin: its values "
                         "are too close together to bin")
    xl = [f"{xe[i]:.3g}–{xe[i + 1]:.3g}" for i in range(nx)]
    if not categorical and cols.sum() < ny_bins:
        y_how += f" ({int(cols.sum())} occupied)"
    note = (f"{n:,} rows; x = {x_label} in {nx} equal-width bins ({int(rows.sum())} occupied), "
            f"y = {y_label}: {y_how}; p(x, y) = counts / n (empirical), empty bins left out.")
    if example:
        note = (f"The example: the first {n} Old Faithful eruptions, in the box below until you upload a "
                "CSV file or paste your own two columns. " + note)
    return _scene(counts[rows][:, cols], f"x: {x_label} (binned)",
                  f"y: {y_label}" + (" (categories)" if categorical else " (binned)"),
                  x_labels=[lab for lab, u in zip(xl, rows, strict=True) if u],
                  y_labels=[lab for lab, u in zip(yl, cols, strict=True) if u], note=note)


@lru_cache(maxsize=1)
def user_joint_example() -> tuple[np.ndarray, str]:
    """The example of the "your data" joint: the first :data:`EXAMPLE_ROWS` rows of the shipped Old
    Faithful data (eruption duration, waiting time; :mod:`explorer.data`) and the same rows as the
    CSV text the paste box shows."""
    from explorer import data

    table = data.load("old_faithful")
    xy = np.column_stack([table["eruptions"], table["waiting"]])[:EXAMPLE_ROWS]
    xy.setflags(write=False)
    text = "eruptions,waiting\n" + "\n".join(f"{a:g},{b:g}" for a, b in xy)
    return xy, text


def _user_example(x_bins: int, y_bins: int) -> JointScene:
    return user_joint(user_joint_example()[0], x_bins, y_bins, "eruptions", "waiting", example=True)


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
    JointSpec(USER_JOINT, "Your data (CSV / paste)",
              "Two numeric columns of your own, uploaded or pasted below: the first is X (binned), the "
              f"second Y (binned, or its values as categories when it has at most {MAX_Y_CATEGORIES}). "
              "Which ranges of X can be merged without losing what they say about Y?",
              _user_example, ParamSet([_X_BINS, _Y_BINS]), real_data=True, user=True),
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
