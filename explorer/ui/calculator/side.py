"""One side of the calculator (p or q): a family dropdown and that family's sliders."""

from __future__ import annotations

import html
import math

import ipywidgets as W

from explorer.presets import FAMILIES, Family, Scene, default_values, params_in
from explorer.ui._common import panel
from explorer.ui.widgets.controls import Controls, slider


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
        for spec in params_in(fam, scene):
            v = float(values[spec.name])
            if spec.log and not (math.isfinite(v) and v > 0):
                raise ValueError(f"parameter {spec.name!r} must be > 0, got {v}")
            sliders[spec.name] = slider(spec, v, css=f"dx-{self.who}-{spec.name}")
        self.sliders = sliders
        self.controls.replace_group(self.who, {"family": self.dropdown, **sliders})
        self.box.children = list(sliders.values())
        self.blurb.value = f"<small>{html.escape(fam.blurb)}</small>" if fam.blurb else ""

    def values(self) -> dict[str, float]:
        return {k: float(s.value) for k, s in self.sliders.items()}

    def distribution(self):
        return self.family.build(self.values())
