"""One side of the calculator (p or q): a family dropdown and that family's sliders, and for the
visitor's own data (:data:`~explorer.presets.USER_DATA`) an upload box."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from typing import Any

import ipywidgets as W
import numpy as np

from explorer.presets import (
    FAMILIES,
    USER_DATA,
    USER_EXAMPLE,
    Family,
    Scene,
    default_values,
    params_in,
    user_family,
)
from explorer.ui._common import panel
from explorer.ui.widgets.controls import Controls, slider
from explorer.ui.widgets.upload import DataUpload

#: The paste box's first text: the sample the "your data" family shows until the visitor's own.
EXAMPLE_TEXT = " ".join(f"{v:g}" for v in USER_EXAMPLE)


class Side:
    """Family dropdown + parameter sliders for one distribution (``who`` is 'p' or 'q').

    Its controls are declared in the page's :class:`Controls` as ``<who>.family`` and
    ``<who>.<parameter>``; rebuilding for a new family replaces the sliders there. The upload
    (CSS ``dx-<who>-upload``) is not a control: a link can choose the "your data" family, which
    then shows the example numbers until the visitor gives theirs. ``on_data(side)`` is called
    when an upload, a paste or another column brought new samples (refusals are shown by the
    upload box and change nothing).
    """

    def __init__(self, who: str, family: str, controls: Controls,
                 on_data: Callable[[Side], Any] | None = None):
        self.who = who
        self.controls = controls
        self.on_data = on_data
        self.dropdown = W.Dropdown(options=list(FAMILIES), value=family, description="family",
                                   layout=W.Layout(width="330px"))
        self.dropdown.add_class(f"dx-{who}-family")
        controls.add(f"{who}.family", self.dropdown)
        self.user: Family = FAMILIES[USER_DATA]  # the example until the visitor's data arrive
        self.upload = DataUpload(1, self._user_samples, example=EXAMPLE_TEXT, css=f"dx-{who}-upload")
        self.upload.paste.layout.width = "300px"
        self.upload.widget.layout.max_width = "690px"
        self.sliders: dict[str, W.ValueWidget] = {}
        self.box = W.VBox([])
        self.blurb = W.HTML("")
        title = "p — target" if who == "p" else "q — model"
        self.widget = panel(title, [self.dropdown, self.blurb, self.box, self.upload.widget],
                            css=f"dx-side-{who}")

    @property
    def family(self) -> Family:
        """The chosen family; "your data" is the visitor's sample (or the example)."""
        fam = FAMILIES[self.dropdown.value]
        return self.user if fam.user else fam

    def _user_samples(self, x: np.ndarray, report: Any) -> None:
        """The upload's samples: the "your data" family on them (refused here, before the page
        changes, if no KDE can be made), then the page is told."""
        self.user = user_family(x, label=report.columns[0])
        if self.on_data is not None:
            self.on_data(self)

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
        self.upload.widget.layout.display = None if fam.user else "none"

    def values(self) -> dict[str, float]:
        return {k: float(s.value) for k, s in self.sliders.items()}

    def distribution(self):
        return self.family.build(self.values())
