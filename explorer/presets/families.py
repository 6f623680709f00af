r"""Distribution families of the calculator's p and q pickers, and its preset pairs.

Parameters are :class:`~explorer.params.Param` given for a *standard scene* (x from -8 to 8).
When a data set is on screen the scene becomes the data's padded range, and every parameter
follows it through :meth:`Param.scaled <explorer.params.Param.scaled>`: positions
(``location``) are mapped onto the range, widths (``unit`` 1) scaled with it, dimensionless
ones (a weight, ν) kept. So a Gaussian can be laid over geyser eruption times in minutes or
penguin flippers in mm. A data family's KDE bandwidth is given in units of the data's
Silverman bandwidth.

The family :data:`USER_DATA` is the visitor's own sample: the registry's entry holds
:data:`USER_EXAMPLE` (shown until the visitor gives data) and :func:`user_family` makes the same
family on an uploaded or pasted sample — a KDE with the bandwidth slider, exactly like the
shipped data sets. Above :data:`MAX_KDE_POINTS` values it keeps a seeded random subset (the exact
KDE's cost grows with n) and says so in its blurb.

Examples
--------
>>> from explorer.presets import FAMILIES, default_values, scene_for
>>> fam = FAMILIES["Gaussian"]
>>> default_values(fam, scene_for(fam))
{'mean': 0.0, 'std': 1.0}
>>> scene = scene_for(FAMILIES["Data: Old Faithful eruptions (min)"])
>>> round(scene.unit, 4), round(default_values(fam, scene)["mean"], 4)
(0.3719, 3.35)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from explorer.distributions import Distribution, Empirical, Gaussian, Laplace, Mixture, StudentT, Uniform
from explorer.params import Param, ParamSet
from explorer.presets.datasets import (
    DATA_SOURCES,
    source_distribution,
    source_samples,
    user_blurb,
    user_subset,
)

__all__ = ["FAMILIES", "MAX_KDE_POINTS", "PRESETS", "STANDARD_SCENE", "USER_DATA", "USER_EXAMPLE", "Family",
           "PresetPair", "Scene", "default_values", "params_in", "scene_for", "user_family"]

STANDARD_SCENE = (-8.0, 8.0)
#: Name of the visitor's-own-data family in the pickers.
USER_DATA = "Your data (CSV / paste)"
#: The sample the "your data" family shows until the visitor gives one (the paste box's text):
#: 30 Old-Faithful-like eruption times, two modes.
USER_EXAMPLE = (1.8, 3.3, 2.0, 4.3, 1.9, 4.5, 3.9, 4.4, 1.7, 4.7, 2.3, 4.1, 1.8, 4.6, 3.7, 4.0, 1.6, 4.2,
                2.1, 4.9, 3.5, 4.0, 1.9, 4.4, 2.5, 4.1, 1.7, 4.8, 3.9, 4.2)
#: Most values a "your data" KDE keeps: every divergence evaluates the exact KDE (a sum over the
#: samples) on fine grids, about 1 s for 5,000 values; more are thinned to a seeded random subset.
MAX_KDE_POINTS = 5_000


@dataclass(frozen=True)
class Family:
    """A family offered by the p/q pickers: its parameters and how to build a member.

    ``source`` names the :data:`~explorer.presets.DATA_SOURCES` entry of a shipped data family;
    ``samples`` gives the sample behind any data family's KDE (shipped or the visitor's), which
    sets the scene and the bandwidth's unit; ``user`` marks the visitor's-own-data family (a page
    shows an upload with it and builds it with :func:`user_family`).
    """

    name: str
    params: ParamSet
    build: Callable[[Mapping[str, float]], Distribution]
    source: str | None = None
    blurb: str = ""
    samples: Callable[[], np.ndarray] | None = field(default=None, compare=False)
    user: bool = False

    @property
    def is_data(self) -> bool:
        """A KDE of a sample (its bandwidth in units of the sample's Silverman bandwidth)."""
        return self.samples is not None


@dataclass(frozen=True)
class Scene:
    """The x-window sliders live in: locations span [lo, hi], widths scale with the span."""

    lo: float
    hi: float

    @property
    def unit(self) -> float:
        """Length of one standard-scene unit in scene coordinates."""
        return (self.hi - self.lo) / (STANDARD_SCENE[1] - STANDARD_SCENE[0])

    @property
    def centre(self) -> float:
        return 0.5 * (self.lo + self.hi)

    def param(self, p: Param) -> Param:
        """``p`` with its default, bounds and slider in scene coordinates."""
        return p.scaled(self.unit, self.centre)

    def from_standard(self, p: Param, v: float) -> float:
        """A value of ``p`` given in standard-scene units, in scene coordinates."""
        if p.location:
            return self.centre + v * self.unit
        return v * self.unit**p.unit

    def slider_range(self, p: Param) -> tuple[float, float, float]:
        """(min, max, step) of the slider for ``p`` in this scene."""
        q = self.param(p)
        return (*q.slider_range(), q.slider_step())


def _loc(name: str, label: str, default: float) -> Param:
    return Param(name, default, label=label, slider=STANDARD_SCENE, step=0.05, unit=1, location=True,
                 doc=f"{label}: a position")


def _width(name: str, label: str, default: float) -> Param:
    return Param(name, default, low=0.0, low_open=True, label=label, slider=(0.05, 4.0), step=0.01, unit=1,
                 doc=f"{label}: a width")


_BANDWIDTH = Param("bandwidth", 1.0, low=0.0, low_open=True, label="KDE bandwidth h", slider=(1 / 8, 4.0),
                   log=True, unit=1, doc="kernel standard deviation of the KDE (unit: Silverman's bandwidth)")


def _data_family(title: str, source: str) -> Family:
    def build(v: Mapping[str, float]) -> Distribution:
        return source_distribution(source, bandwidth=v["bandwidth"])

    return Family(title, ParamSet((_BANDWIDTH,)), build, source=source, blurb=DATA_SOURCES[source].blurb,
                  samples=lambda: source_samples(source))


def user_family(samples: Any, label: str = "your data", example: bool = False) -> Family:
    """The :data:`USER_DATA` family on the visitor's 1-D ``samples``: a Gaussian KDE with the
    bandwidth slider, like a shipped data set's. ``label`` names the data in the KDE's
    description (the column's name); ``example`` says the sample is :data:`USER_EXAMPLE`.

    More than :data:`MAX_KDE_POINTS` values are thinned to a random subset of that size (seed 0,
    so the same data give the same KDE), and the blurb says so. ``ValueError`` for fewer than two
    finite values or a constant sample, before anything is shown.

    >>> fam = user_family([1.0, 2.0, 2.5, 4.0], "flow")
    >>> fam.build({"bandwidth": 0.5}).describe()
    'KDE of flow (n=4, h=0.5)'
    """
    x, n = user_subset(samples, MAX_KDE_POINTS)
    x = Empirical(x).samples.copy()  # validates: ≥ 2 finite values, not all equal
    x.setflags(write=False)

    def build(v: Mapping[str, float]) -> Distribution:
        return Empirical(x, bandwidth=v["bandwidth"], name=label)

    blurb = user_blurb(label, n, x.size, example, "The divergences use a random {used:,} of them (the "
                       "exact KDE's cost grows with the number of values).")
    return Family(USER_DATA, ParamSet((_BANDWIDTH,)), build, blurb=blurb, samples=lambda: x, user=True)


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("Gaussian", ParamSet((_loc("mean", "mean", 0.0), _width("std", "std", 1.0))),
               lambda v: Gaussian(v["mean"], v["std"])),
        Family(
            "Two Gaussians",
            ParamSet((_loc("mean1", "mean 1", -2.5), _loc("mean2", "mean 2", 2.5), _width("std", "std", 0.7),
                      Param("weight1", 0.5, low=0.0, high=1.0, label="weight 1", slider=(0.01, 0.99),
                            doc="mass of the first Gaussian"))),
            lambda v: Mixture([Gaussian(v["mean1"], v["std"]), Gaussian(v["mean2"], v["std"])],
                              [v["weight1"], 1.0 - v["weight1"]]),
        ),
        Family("Student t",
               ParamSet((Param("df", 2.0, low=0.0, low_open=True, label="degrees of freedom ν",
                               slider=(0.5, 30.0), log=True, doc="Student-t degrees of freedom"),
                         _loc("loc", "location", 0.0), _width("scale", "scale", 1.0))),
               lambda v: StudentT(v["df"], v["loc"], v["scale"])),
        Family("Laplace", ParamSet((_loc("loc", "location", 0.0), _width("scale", "scale", 1.0))),
               lambda v: Laplace(v["loc"], v["scale"])),
        Family("Uniform", ParamSet((_loc("centre", "centre", 0.0), _width("width", "width", 3.0))),
               lambda v: Uniform(v["centre"] - v["width"] / 2, v["centre"] + v["width"] / 2)),
        _data_family("Data: Old Faithful eruptions (min)", "old_faithful_eruptions"),
        _data_family("Data: Old Faithful waiting (min)", "old_faithful_waiting"),
        _data_family("Data: penguin flipper length (mm)", "penguin_flipper"),
        user_family(USER_EXAMPLE, "the example numbers", example=True),
    )
}


def scene_for(*families: Family) -> Scene:
    """Standard scene, or the padded range of the data set(s) among ``families``."""
    ranges = []
    for fam in families:
        if fam.samples is not None:
            x = fam.samples()
            lo, hi = float(np.min(x)), float(np.max(x))
            pad = 0.35 * (hi - lo)
            ranges.append((lo - pad, hi + pad))
    if not ranges:
        return Scene(*STANDARD_SCENE)
    return Scene(min(r[0] for r in ranges), max(r[1] for r in ranges))


def _bandwidth_unit(fam: Family) -> float:
    if fam.source is not None:
        return source_distribution(fam.source).bandwidth_  # cached
    return Empirical(fam.samples()).bandwidth_ if fam.samples is not None else 1.0


def params_in(fam: Family, scene: Scene) -> ParamSet:
    """The family's parameters in scene coordinates (a data family's in data units), for sliders."""
    if fam.is_data:
        return ParamSet(p.scaled(_bandwidth_unit(fam)) for p in fam.params)
    return ParamSet(scene.param(p) for p in fam.params)


def default_values(fam: Family, scene: Scene,
                   overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Slider values in scene coordinates (``overrides`` in standard-scene units)."""
    given = overrides or {}
    out = {}
    for p in fam.params:
        v = float(given.get(p.name, p.default))
        out[p.name] = v * _bandwidth_unit(fam) if fam.is_data else scene.from_standard(p, v)
    return out


class PresetPair(NamedTuple):
    """A calculator preset: p's family and values, q's family and values (standard-scene units)."""

    p: str
    p_values: dict[str, float]
    q: str
    q_values: dict[str, float]


PRESETS: dict[str, PresetPair] = {
    "Two modes vs one Gaussian": PresetPair("Two Gaussians", {"mean1": -2.5, "mean2": 2.5, "std": 0.7},
                                            "Gaussian", {"mean": 0.0, "std": 1.5}),
    "Shifted Gaussians": PresetPair("Gaussian", {"mean": 0.0, "std": 1.0},
                                    "Gaussian", {"mean": 1.5, "std": 1.0}),
    "Narrow vs wide Gaussian": PresetPair("Gaussian", {"mean": 0.0, "std": 0.6},
                                          "Gaussian", {"mean": 0.0, "std": 2.0}),
    "Heavy tail vs Gaussian": PresetPair("Student t", {"df": 1.5}, "Gaussian", {"mean": 0.0, "std": 1.0}),
    "Disjoint uniforms": PresetPair("Uniform", {"centre": -2.0, "width": 2.0},
                                    "Uniform", {"centre": 2.0, "width": 2.0}),
    "Nested uniforms": PresetPair("Uniform", {"centre": 0.0, "width": 2.0},
                                  "Uniform", {"centre": 0.0, "width": 4.0}),
    "Old Faithful vs Gaussian": PresetPair("Data: Old Faithful eruptions (min)", {},
                                           "Gaussian", {"mean": 0.0, "std": 1.5}),
}
