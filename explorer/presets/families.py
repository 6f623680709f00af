r"""Distribution families of the calculator's p and q pickers, and its preset pairs.

Parameters are :class:`~explorer.params.Param` given for a *standard scene* (x from -8 to 8).
When a data set is on screen the scene becomes the data's padded range, and every parameter
follows it through :meth:`Param.scaled <explorer.params.Param.scaled>`: positions
(``location``) are mapped onto the range, widths (``unit`` 1) scaled with it, dimensionless
ones (a weight, ν) kept. So a Gaussian can be laid over geyser eruption times in minutes or
penguin flippers in mm. A data family's KDE bandwidth is given in units of the data's
Silverman bandwidth.

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
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from explorer.distributions import Distribution, Gaussian, Laplace, Mixture, StudentT, Uniform
from explorer.params import Param, ParamSet
from explorer.presets.datasets import DATA_SOURCES, source_distribution, source_samples

__all__ = ["FAMILIES", "PRESETS", "STANDARD_SCENE", "Family", "PresetPair", "Scene", "default_values",
           "params_in", "scene_for"]

STANDARD_SCENE = (-8.0, 8.0)


@dataclass(frozen=True)
class Family:
    """A family offered by the p/q pickers: its parameters and how to build a member.

    ``source`` names the :data:`~explorer.presets.DATA_SOURCES` entry of a data family.
    """

    name: str
    params: ParamSet
    build: Callable[[Mapping[str, float]], Distribution]
    source: str | None = None
    blurb: str = ""


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

    return Family(title, ParamSet((_BANDWIDTH,)), build, source=source, blurb=DATA_SOURCES[source].blurb)


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
    )
}


def scene_for(*families: Family) -> Scene:
    """Standard scene, or the padded range of the data set(s) among ``families``."""
    ranges = []
    for fam in families:
        if fam.source is not None:
            x = source_samples(fam.source)
            lo, hi = float(np.min(x)), float(np.max(x))
            pad = 0.35 * (hi - lo)
            ranges.append((lo - pad, hi + pad))
    if not ranges:
        return Scene(*STANDARD_SCENE)
    return Scene(min(r[0] for r in ranges), max(r[1] for r in ranges))


def _bandwidth_unit(fam: Family) -> float:
    return source_distribution(fam.source).bandwidth_ if fam.source is not None else 1.0


def params_in(fam: Family, scene: Scene) -> ParamSet:
    """The family's parameters in scene coordinates (a data family's in data units), for sliders."""
    if fam.source is not None:
        return ParamSet(p.scaled(_bandwidth_unit(fam)) for p in fam.params)
    return ParamSet(scene.param(p) for p in fam.params)


def default_values(fam: Family, scene: Scene,
                   overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Slider values in scene coordinates (``overrides`` in standard-scene units)."""
    given = overrides or {}
    out = {}
    for p in fam.params:
        v = float(given.get(p.name, p.default))
        out[p.name] = v * _bandwidth_unit(fam) if fam.source is not None else scene.from_standard(p, v)
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
