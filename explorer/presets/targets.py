r"""Named targets of the mode-seeking demo: a distribution p plus its modes.

Each target is a function of a few meaningful parameters (separation, weights, widths, ...)
returning a :class:`Target`: the distribution ``p`` plus the list of its *modes*, each a group
of mixture components (a moon is 48 small Gaussians along an arc, but one mode). The registry
:data:`TARGETS` lists them with their parameters as :class:`~explorer.params.Param` (bounds,
slider range, units); the demo builds its controls from it and :func:`make` checks values
against it.

Examples
--------
>>> from explorer import presets
>>> t = presets.make("two_gaussians", separation=6.0)
>>> t.p.dim, len(t.modes)
(1, 2)
>>> presets.make("ring").p.dim
2
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer._validation import as_finite_float, as_positive_float
from explorer.distributions import Distribution, Empirical, Gaussian, Mixture, StudentT
from explorer.params import Param, ParamSet
from explorer.presets.datasets import source_distribution, source_samples, user_blurb, user_subset
from explorer.presets.families import USER_EXAMPLE

__all__ = ["MAX_TARGET_POINTS", "TARGETS", "USER_TARGET", "Target", "TargetSpec", "edit_modes", "make",
           "mode_handles", "user_target"]

#: Name of the visitor's-own-data target (the page shows an upload with it).
USER_TARGET = "your_data"
#: Most values a "your data" target keeps: every Fit evaluates the exact KDE (a sum over the
#: samples) for each divergence × 8 restarts. Measured (default Fit: KL, reverse KL, JS × 8
#: restarts, Gaussian q) on a loaded 2-core machine: 1,000 values cost 1.0-1.1× Old Faithful's 272,
#: 2,000 values 1.1-1.25×. More are thinned to a seeded random subset.
MAX_TARGET_POINTS = 1_000


@dataclass(frozen=True)
class Target:
    """A target distribution and its modes.

    Attributes
    ----------
    p : Distribution
        The target density (an :class:`~explorer.distributions.Empirical` KDE for data sets).
    modes : list of tuple[int, ...]
        Component indices of ``p`` (a :class:`Mixture`) forming each mode; empty for a
        non-mixture target, whose modes :mod:`explorer.modes` finds from the density itself.
    samples : ndarray or None
        The raw data for data-set targets (fits may use them directly).
    name, title : str
    """

    p: Distribution
    modes: list[tuple[int, ...]] = field(default_factory=list)
    samples: np.ndarray | None = None
    name: str = ""
    title: str = ""


@dataclass(frozen=True)
class TargetSpec:
    """A registry entry: the builder, its parameters, and what the page shows about it.

    ``source`` names the :data:`~explorer.presets.DATA_SOURCES` entry of a data-set target;
    ``user`` marks the visitor's-own-data target (:data:`USER_TARGET`): the registry's entry shows
    :data:`~explorer.presets.USER_EXAMPLE`, and :func:`user_target` makes the same entry on the
    visitor's sample.
    """

    name: str
    title: str
    dim: int
    build: Callable[..., Target]
    params: ParamSet
    description: str
    source: str | None = None
    user: bool = False


def _singletons(k: int) -> list[tuple[int, ...]]:
    return [(i,) for i in range(k)]


def two_gaussians(separation: float = 5.0, std: float = 0.7, weight: float = 0.5) -> Target:
    """Two Gaussians at ±separation/2 with a common ``std``; ``weight`` is the left one's mass."""
    s = as_positive_float(separation, "separation")
    sd = as_positive_float(std, "std")
    w = as_finite_float(weight, "weight")
    if not 0 < w < 1:
        raise ValueError(f"weight must lie strictly between 0 and 1, got {w}")
    p = Mixture([Gaussian(-s / 2, sd), Gaussian(s / 2, sd)], [w, 1 - w])
    return Target(p, _singletons(2), name="two_gaussians", title="Two separated Gaussians")


def unequal_weights(separation: float = 5.0, std: float = 0.7, weight: float = 0.8) -> Target:
    """Two Gaussians with unequal masses (the left one holds ``weight``)."""
    t = two_gaussians(separation, std, weight)
    return Target(t.p, t.modes, name="unequal_weights", title="Unequal weights")


def three_modes(separation: float = 4.0, std: float = 0.6, middle_weight: float = 0.4) -> Target:
    """Three Gaussians at -separation, 0, +separation; the outer two share the rest of the mass."""
    s = as_positive_float(separation, "separation")
    sd = as_positive_float(std, "std")
    m = as_finite_float(middle_weight, "middle_weight")
    if not 0 < m < 1:
        raise ValueError(f"middle_weight must lie strictly between 0 and 1, got {m}")
    side = (1 - m) / 2
    p = Mixture([Gaussian(-s, sd), Gaussian(0.0, sd), Gaussian(s, sd)], [side, m, side])
    return Target(p, _singletons(3), name="three_modes", title="Three modes")


def heavy_tails(separation: float = 5.0, df: float = 2.0, scale: float = 0.7) -> Target:
    """Two Student-t modes with ``df`` degrees of freedom: heavy tails make forward KL and χ² explode."""
    s = as_positive_float(separation, "separation")
    nu = as_positive_float(df, "df")
    sc = as_positive_float(scale, "scale")
    p = Mixture([StudentT(nu, -s / 2, sc), StudentT(nu, s / 2, sc)], [0.5, 0.5])
    return Target(p, _singletons(2), name="heavy_tails", title="Heavy tails (Student t)")


def ring(n_modes: float = 8, radius: float = 4.0, std: float = 0.4) -> Target:
    """``n_modes`` isotropic Gaussians evenly spaced on a circle (2-D)."""
    k = int(round(as_positive_float(n_modes, "n_modes")))
    if k < 2:
        raise ValueError(f"n_modes must be at least 2, got {k}")
    r = as_positive_float(radius, "radius")
    sd = as_positive_float(std, "std")
    angles = 2 * np.pi * np.arange(k) / k
    comps = [Gaussian(mean=[r * math.cos(a), r * math.sin(a)], cov=sd**2 * np.eye(2)) for a in angles]
    return Target(Mixture(comps), _singletons(k), name="ring", title=f"Ring of {k} Gaussians (2-D)")


def two_moons(noise: float = 0.15, scale: float = 2.0, n_per_moon: int = 48) -> Target:
    """Two interleaved half-circles blurred by Gaussian noise (2-D), as an exact Gaussian mixture.

    Each moon is ``n_per_moon`` Gaussians of std ``noise·scale`` centred along its arc (the
    arcs of scikit-learn's ``make_moons``, scaled by ``scale``); with the default 48 centres
    the spacing stays below the noise, so the density is a smooth blurred arc.
    """
    nz = as_positive_float(noise, "noise")
    sc = as_positive_float(scale, "scale")
    t = np.linspace(0, np.pi, n_per_moon)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)])
    centres = (np.vstack([upper, lower]) - [0.5, 0.25]) * sc
    cov = (nz * sc) ** 2 * np.eye(2)
    comps = [Gaussian(mean=c, cov=cov) for c in centres]
    modes = [tuple(range(n_per_moon)), tuple(range(n_per_moon, 2 * n_per_moon))]
    return Target(Mixture(comps), modes, name="two_moons", title="Two moons (2-D)")


def old_faithful(bandwidth: float = 0.0) -> Target:
    """Old Faithful eruption durations (min), a real bimodal data set; ``bandwidth`` 0 = Silverman."""
    h = None if not bandwidth else as_positive_float(bandwidth, "bandwidth")
    p = source_distribution("old_faithful_eruptions", bandwidth=h)
    return Target(p, [], samples=p.samples, name="old_faithful", title="Old Faithful eruptions (real data)")


def penguins_2d(bandwidth: float = 0.0) -> Target:
    """Palmer penguins: bill length vs flipper length (mm), standardised; three species clusters."""
    h = None if not bandwidth else as_positive_float(bandwidth, "bandwidth")
    p = source_distribution("penguins_bill_flipper", bandwidth=h)
    return Target(p, [], samples=source_samples("penguins_bill_flipper"), name="penguins_2d",
                  title="Penguins: bill × flipper (real data, 2-D)")


def _separation(label: str = "separation", default: float = 5.0, high: float = 10.0) -> Param:
    return Param("separation", default, low=0.0, low_open=True, label=label, slider=(0.5, high), step=0.1,
                 unit=1, doc="distance between neighbouring mode centres")


def _width(name: str, label: str, default: float, doc: str) -> Param:
    return Param(name, default, low=0.0, low_open=True, label=label, slider=(0.1, 2.0), step=0.05, unit=1,
                 doc=doc)


def _fraction(name: str, label: str, default: float, high: float, doc: str) -> Param:
    return Param(name, default, low=0.0, high=1.0, low_open=True, high_open=True, label=label,
                 slider=(0.05, high), step=0.05, doc=doc)


def _kde_bandwidth(rule: str) -> Param:
    return Param("bandwidth", 0.0, low=0.0, label=f"KDE bandwidth (0 = {rule})", slider=(0.0, 1.0), step=0.01,
                 unit=1, doc=f"kernel standard deviation of the KDE; 0 picks {rule}'s rule")


#: The "your data" bandwidth is relative (any units): a multiple of the sample's Silverman bandwidth.
_USER_BANDWIDTH = Param("bandwidth", 1.0, low=0.0, low_open=True, label="KDE bandwidth (× Silverman)",
                        slider=(0.1, 4.0), step=0.05, doc="kernel standard deviation of the KDE, in units "
                        "of the sample's Silverman bandwidth")


def user_target(samples: Any, label: str = "your data", example: bool = False) -> TargetSpec:
    """The :data:`USER_TARGET` registry entry on the visitor's 1-D ``samples``: p is a Gaussian KDE
    (``bandwidth`` × Silverman's), like a shipped data-set target. ``label`` names the data (the
    column's name); ``example`` says the sample is :data:`~explorer.presets.USER_EXAMPLE`.

    More than :data:`MAX_TARGET_POINTS` values are thinned to a random subset of that size (seed 0:
    the same data give the same target) and the description says so. ``ValueError`` for fewer
    than two finite values or a constant sample, before anything is shown.

    >>> spec = user_target([1.0, 2.0, 2.5, 4.0], "flow")
    >>> spec.build(bandwidth=1.0).p.describe()[:15]
    'KDE of flow (n='
    """
    x, n = user_subset(samples, MAX_TARGET_POINTS)
    silverman = Empirical(x, name=label)  # validates: ≥ 2 finite values, not all equal
    x = silverman.samples.copy()
    x.setflags(write=False)
    h0 = float(silverman.bandwidth_)

    def build(bandwidth: float = 1.0) -> Target:
        h = as_positive_float(bandwidth, "bandwidth") * h0
        return Target(Empirical(x, bandwidth=h, name=label), [], samples=x, name=USER_TARGET,
                      title=f"Your data: {label}")

    description = user_blurb(
        label, n, x.size, example,
        "The fits use a random {used:,} of them (each Fit evaluates the KDE for every restart).",
        example_note=f" Fits use a seeded random {MAX_TARGET_POINTS:,} of larger samples (each Fit "
                     "evaluates the KDE for every restart).")
    return TargetSpec(USER_TARGET, "Your data (CSV / paste)", 1, build, ParamSet((_USER_BANDWIDTH,)),
                      description, user=True)


_STD = _width("std", "mode width", 0.7, "standard deviation of each mode")

TARGETS: dict[str, TargetSpec] = {
    s.name: s
    for s in (
        TargetSpec("two_gaussians", "Two separated Gaussians", 1, two_gaussians,
                   ParamSet((_separation(), _STD,
                             _fraction("weight", "left weight", 0.5, 0.95, "mass of the left mode"))),
                   "Two equal Gaussians: reverse KL picks one, forward KL straddles both."),
        TargetSpec("unequal_weights", "Unequal weights", 1, unequal_weights,
                   ParamSet((_separation(), _STD,
                             _fraction("weight", "left weight", 0.8, 0.95, "mass of the left mode"))),
                   "A big and a small mode: which one does each divergence keep?"),
        TargetSpec("three_modes", "Three modes", 1, three_modes,
                   ParamSet((_separation("spacing", 4.0, 8.0),
                             _width("std", "mode width", 0.6, "standard deviation of each mode"),
                             _fraction("middle_weight", "middle weight", 0.4, 0.9,
                                       "mass of the middle mode"))),
                   "Three modes: mode-seeking fits have three local optima."),
        TargetSpec("heavy_tails", "Heavy tails", 1, heavy_tails,
                   ParamSet((_separation(),
                             Param("df", 2.0, low=0.0, low_open=True, label="degrees of freedom ν",
                                   slider=(0.5, 30.0), step=0.1, doc="Student-t degrees of freedom"),
                             _width("scale", "mode scale", 0.7, "Student-t scale of each mode"))),
                   "Student-t modes: with ν ≤ 2 forward KL to any Gaussian is infinite."),
        TargetSpec("old_faithful", "Old Faithful (real data)", 1, old_faithful,
                   ParamSet((_kde_bandwidth("Silverman"),)),
                   "272 real eruption durations, short and long: a bimodal target from data.",
                   source="old_faithful_eruptions"),
        TargetSpec("ring", "Ring of Gaussians (2-D)", 2, ring,
                   ParamSet((Param("n_modes", 8, low=2, integer=True, label="modes", slider=(2, 12), step=1,
                                   doc="number of Gaussians on the circle"),
                             Param("radius", 4.0, low=0.0, low_open=True, label="radius", slider=(1.0, 8.0),
                                   step=0.1, unit=1, doc="radius of the circle"),
                             _width("std", "mode width", 0.4, "standard deviation of each mode"))),
                   "Eight modes on a circle, the classic GAN mode-collapse benchmark."),
        TargetSpec("two_moons", "Two moons (2-D)", 2, two_moons,
                   ParamSet((Param("noise", 0.15, low=0.0, low_open=True, label="noise", slider=(0.05, 0.5),
                                   step=0.01, doc="Gaussian blur, relative to the scale"),
                             Param("scale", 2.0, low=0.0, low_open=True, label="scale", slider=(0.5, 5.0),
                                   step=0.1, unit=1, doc="size of the moons"))),
                   "Two interleaved crescents: curved, non-Gaussian modes."),
        TargetSpec("penguins_2d", "Penguins (real data, 2-D)", 2, penguins_2d,
                   ParamSet((_kde_bandwidth("Scott"),)),
                   "342 penguins, bill × flipper length: three species clusters.",
                   source="penguins_bill_flipper"),
        user_target(USER_EXAMPLE, "the example numbers", example=True),
    )
}


def make(name: str, **params: Any) -> Target:
    """Build target ``name`` with ``params`` (defaults from :data:`TARGETS`, each value checked).

    Raises
    ------
    ValueError
        Unknown target or parameter (the valid ones are listed), or a value outside its bounds.
    """
    try:
        spec = TARGETS[name]
    except KeyError:
        raise ValueError(f"unknown target {name!r}; choose one of: {', '.join(TARGETS)}") from None
    return spec.build(**spec.params.resolve(params, owner=f"target {name}"))


def mode_handles(target: Target) -> list[tuple[Any, Any]] | None:
    """(centre, width) of each mode of a target whose modes can be edited one by one.

    Editable: a :class:`Mixture` whose modes are single components — in 1-D Gaussians (width =
    std) or Student t (width = scale), floats; in 2-D Gaussians with a diagonal covariance,
    pairs (x₁, x₂) for the centre and the two stds. ``None`` otherwise (two moons, data sets).
    These are the handles the mode-seeking demo lets the user drag on the plot.
    """
    p = target.p
    if not isinstance(p, Mixture) or sorted(target.modes) != _singletons(len(p.components)):
        return None
    handles: list[tuple[Any, Any]] = []
    for c in p.components:
        if p.dim == 1 and isinstance(c, Gaussian):
            handles.append((float(c.mean), float(c.std)))
        elif p.dim == 1 and isinstance(c, StudentT):
            handles.append((c.loc, c.scale))
        elif p.dim == 2 and isinstance(c, Gaussian) and c.cov[0, 1] == 0.0:
            sd = np.sqrt(np.diag(c.cov))
            handles.append(((float(c.mean[0]), float(c.mean[1])), (float(sd[0]), float(sd[1]))))
        else:
            return None
    return handles


def edit_modes(target: Target, centres: Any, widths: Any) -> Target:
    """``target`` with mode i moved to ``centres[i]`` and rescaled to ``widths[i]``.

    In 1-D ``centres`` and ``widths`` hold one number per mode, in 2-D a pair (the stds along
    x₁ and x₂ of an axis-aligned Gaussian). Weights and the shape of each component (Gaussian, or
    Student t with its ν) are kept; the result is named ``<name>_edited``. Only for targets with
    :func:`mode_handles`.

    Examples
    --------
    >>> t = edit_modes(make("two_gaussians"), [-1.0, 3.0], [0.5, 1.0])
    >>> [round(c.mean, 2) for c in t.p.components], t.title
    ([-1.0, 3.0], 'Two separated Gaussians (edited)')
    """
    if mode_handles(target) is None:
        raise ValueError(f"the modes of target {target.name!r} cannot be edited one by one "
                         "(only mixtures of single Gaussian / Student-t modes, axis-aligned in 2-D)")
    k, d = len(target.p.components), target.p.dim
    shape = (k,) if d == 1 else (k, d)
    mu = np.asarray(centres, dtype=float)
    sd = np.asarray(widths, dtype=float)
    if mu.shape != shape or sd.shape != shape:
        raise ValueError(f"need centres and widths of shape {shape}, got {mu.shape} and {sd.shape}")
    if not np.all(np.isfinite(mu)):
        raise ValueError(f"every centre must be finite, got {mu.tolist()}")
    if not np.all((sd > 0) & np.isfinite(sd)):
        raise ValueError(f"every width must be positive and finite, got {sd.tolist()}")
    comps: list[Distribution] = []
    for c, m, w in zip(target.p.components, mu, sd, strict=True):
        if d == 2:
            comps.append(Gaussian(mean=m, cov=np.diag(w**2)))
        else:
            comps.append(Gaussian(m, w) if isinstance(c, Gaussian) else StudentT(c.df, m, w))
    base = target.name.removesuffix("_edited")
    title = target.title if target.title.endswith("(edited)") else f"{target.title} (edited)"
    return Target(Mixture(comps, target.p.weights), list(target.modes), name=f"{base}_edited", title=title)
