"""One side of the calculator (p or q): a family dropdown and that family's sliders."""

from __future__ import annotations

import html
import math

import ipywidgets as W

from explorer.params import Param
from explorer.ui._common import panel
from explorer.ui._families import FAMILIES, Family, Scene, default_values
from explorer.ui.widgets.controls import Controls, slider


def spec_param(spec, scene: Scene, value: float) -> Param:
    """A family's slider specification as an :class:`explorer.params.Param` in ``scene``'s units.

    TEMPORARY bridge until the families' parameters are ``explorer.params.Param``
    (restructure-data): a bandwidth offers 1/8 to 4 times the data's own, a log parameter its
    range, locations and widths the scene's window.
    """
    if spec.kind == "bandwidth":
        return Param(spec.name, value, low=0.0, low_open=True, label=spec.label, unit=1, log=True,
                     slider=(value / 8, value * 4))
    if spec.log:
        return Param(spec.name, value, label=spec.label, log=True, slider=(spec.lo, spec.hi))
    lo, hi, step = scene.slider_range(spec)
    return Param(spec.name, value, label=spec.label, slider=(lo, hi), step=step)


class Side:
    """Family dropdown + parameter sliders for one distribution (``who`` is 'p' or 'q').

    Its controls are declared in the page's :class:`Controls` as ``<who>.family`` and
    ``<who>.<parameter>``; rebuilding for a new family replaces the sliders there.
    """

    def __init__(self, who: str, family: str, controls: Controls):
        self.who = who
        self.controls = controls
        self.dropdown = W.Dropdown(options=list(FAMILIES), value=family, description="family",
                                   layout=W.Layout(width="330px"))
        self.dropdown.add_class(f"dx-{who}-family")
        controls.add(f"{who}.family", self.dropdown)
        self.sliders: dict[str, W.ValueWidget] = {}
        self.box = W.VBox([])
        self.blurb = W.HTML("")
        title = "p — target" if who == "p" else "q — model"
        self.widget = panel(title, [self.dropdown, self.blurb, self.box], css=f"dx-side-{who}")

    @property
    def family(self) -> Family:
        return FAMILIES[self.dropdown.value]

    def rebuild(self, scene: Scene, values: dict[str, float] | None = None) -> None:
        """Recreate the sliders for the current family in ``scene`` (values in scene units)."""
        fam = self.family
        values = values if values is not None else default_values(fam, scene)
        sliders = {}
        for spec in fam.params:
            v = float(values[spec.name])
            if spec.log and not (math.isfinite(v) and v > 0):
                raise ValueError(f"parameter {spec.name!r} must be > 0, got {v}")
            sliders[spec.name] = slider(spec_param(spec, scene, v), css=f"dx-{self.who}-{spec.name}")
        self.sliders = sliders
        self.controls.replace_group(self.who, {"family": self.dropdown, **sliders})
        self.box.children = list(sliders.values())
        self.blurb.value = f"<small>{html.escape(fam.blurb)}</small>" if fam.blurb else ""

    def values(self) -> dict[str, float]:
        return {k: float(s.value) for k, s in self.sliders.items()}

    def distribution(self):
        return self.family.build(self.values())
