"""Distribution families offered by the 1-D pickers, with slider specifications.

Slider values are given in a *standard scene* (x from -8 to 8). When a real data set is on
screen, the scene becomes the data's range and every location/scale slider is mapped onto it,
so a Gaussian can be laid over geyser eruption times in minutes or penguin flippers in mm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from explorer import data
from explorer.distributions import Distribution, Empirical, Gaussian, Laplace, Mixture, StudentT, Uniform

STANDARD_SCENE = (-8.0, 8.0)


@dataclass(frozen=True)
class ParamSpec:
    """One slider: ``kind`` is 'loc' (a position), 'scale' (a width), 'weight' or 'shape'."""

    name: str
    label: str
    kind: str
    default: float
    lo: float = 0.0
    hi: float = 1.0
    log: bool = False


@dataclass(frozen=True)
class Family:
    name: str
    params: tuple[ParamSpec, ...]
    build: Callable[[dict[str, float]], Distribution]
    dataset: tuple[str, str] | None = None
    blurb: str = ""
    extra: dict = field(default_factory=dict)


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

    def from_standard(self, spec: ParamSpec, v: float) -> float:
        if spec.kind == "loc":
            return self.centre + v * self.unit
        if spec.kind == "scale":
            return v * self.unit
        return v

    def slider_range(self, spec: ParamSpec) -> tuple[float, float, float]:
        """(min, max, step) of the slider for ``spec`` in this scene."""
        if spec.kind == "loc":
            return self.lo, self.hi, 0.05 * self.unit
        if spec.kind == "scale":
            return 0.05 * self.unit, 4.0 * self.unit, 0.01 * self.unit  # widths
        return spec.lo, spec.hi, (spec.hi - spec.lo) / 200


def _loc(name: str, label: str, default: float) -> ParamSpec:
    return ParamSpec(name, label, "loc", default)


def _scale(name: str, label: str, default: float) -> ParamSpec:
    return ParamSpec(name, label, "scale", default)


@cache
def dataset_distribution(name: str, column: str) -> Empirical:
    """Cached KDE of one data column (Silverman bandwidth)."""
    return data.distribution(name, column)


def _data_family(title: str, name: str, column: str, blurb: str) -> Family:
    def build(v: dict[str, float]) -> Distribution:
        base = dataset_distribution(name, column)
        return Empirical(base.samples, bandwidth=v["bandwidth"], name=base.name)

    return Family(
        title,
        (ParamSpec("bandwidth", "KDE bandwidth h", "bandwidth", 0.0),),
        build,
        dataset=(name, column),
        blurb=blurb,
    )


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("Gaussian", (_loc("mean", "mean", 0.0), _scale("std", "std", 1.0)),
               lambda v: Gaussian(v["mean"], v["std"])),
        Family(
            "Two Gaussians",
            (_loc("mean1", "mean 1", -2.5), _loc("mean2", "mean 2", 2.5), _scale("std", "std", 0.7),
             ParamSpec("weight1", "weight 1", "weight", 0.5, 0.01, 0.99)),
            lambda v: Mixture([Gaussian(v["mean1"], v["std"]), Gaussian(v["mean2"], v["std"])],
                              [v["weight1"], 1.0 - v["weight1"]]),
        ),
        Family("Student t", (ParamSpec("df", "degrees of freedom ν", "shape", 2.0, 0.5, 30.0, log=True),
                             _loc("loc", "location", 0.0), _scale("scale", "scale", 1.0)),
               lambda v: StudentT(v["df"], v["loc"], v["scale"])),
        Family("Laplace", (_loc("loc", "location", 0.0), _scale("scale", "scale", 1.0)),
               lambda v: Laplace(v["loc"], v["scale"])),
        Family("Uniform", (_loc("centre", "centre", 0.0), _scale("width", "width", 3.0)),
               lambda v: Uniform(v["centre"] - v["width"] / 2, v["centre"] + v["width"] / 2)),
        _data_family("Data: Old Faithful eruptions (min)", "old_faithful", "eruptions",
                     "272 eruption durations of the Old Faithful geyser — bimodal."),
        _data_family("Data: Old Faithful waiting (min)", "old_faithful", "waiting",
                     "Waiting time to the next eruption — bimodal."),
        _data_family("Data: penguin flipper length (mm)", "penguins", "flipper_length_mm",
                     "Flipper lengths of 342 Palmer penguins, three species."),
    )
}


def scene_for(*families: Family) -> Scene:
    """Standard scene, or the padded range of the data set(s) among ``families``."""
    ranges = []
    for fam in families:
        if fam.dataset is not None:
            d = dataset_distribution(*fam.dataset)
            lo, hi = float(np.min(d.samples)), float(np.max(d.samples))
            pad = 0.35 * (hi - lo)
            ranges.append((lo - pad, hi + pad))
    if not ranges:
        return Scene(*STANDARD_SCENE)
    return Scene(min(r[0] for r in ranges), max(r[1] for r in ranges))


def default_values(fam: Family, scene: Scene, overrides: dict[str, float] | None = None) -> dict[str, float]:
    """Slider values in scene coordinates (``overrides`` are in standard-scene units)."""
    vals = {}
    for spec in fam.params:
        if spec.kind == "bandwidth":
            vals[spec.name] = dataset_distribution(*fam.dataset).bandwidth_
            continue
        v = (overrides or {}).get(spec.name, spec.default)
        vals[spec.name] = scene.from_standard(spec, v)
    return vals


# Preset pairs (p family, p values, q family, q values) in standard-scene units
PRESETS: dict[str, tuple[str, dict, str, dict]] = {
    "Two modes vs one Gaussian": ("Two Gaussians", {"mean1": -2.5, "mean2": 2.5, "std": 0.7},
                                  "Gaussian", {"mean": 0.0, "std": 1.5}),
    "Shifted Gaussians": ("Gaussian", {"mean": 0.0, "std": 1.0}, "Gaussian", {"mean": 1.5, "std": 1.0}),
    "Narrow vs wide Gaussian": ("Gaussian", {"mean": 0.0, "std": 0.6}, "Gaussian", {"mean": 0.0, "std": 2.0}),
    "Heavy tail vs Gaussian": ("Student t", {"df": 1.5}, "Gaussian", {"mean": 0.0, "std": 1.0}),
    "Disjoint uniforms": ("Uniform", {"centre": -2.0, "width": 2.0},
                          "Uniform", {"centre": 2.0, "width": 2.0}),
    "Nested uniforms": ("Uniform", {"centre": 0.0, "width": 2.0}, "Uniform", {"centre": 0.0, "width": 4.0}),
    "Old Faithful vs Gaussian": ("Data: Old Faithful eruptions (min)", {},
                                 "Gaussian", {"mean": 0.0, "std": 1.5}),
}
