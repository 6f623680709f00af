"""The divergence-parameter sliders: one per (divergence, parameter) of the registry, in its order.

Labels, ranges, log scales and units come from the registry entries' :class:`explorer.params.Param`;
a length-valued parameter (an MMD bandwidth, Sinkhorn's ε) follows the length unit of the scene
on screen (data in minutes, millimetres).
"""

from __future__ import annotations

import unicodedata
from typing import Any

import ipywidgets as W

from explorer import divergences as dv
from explorer.params import Param
from explorer.ui.widgets.controls import Controls, set_range, slider

# Symbols of registry parameters whose name is not a Greek letter's (those are looked up).
PARAM_SYMBOLS = {"bandwidth": "ℓ"}
# CSS classes the divergence-parameter sliders carried before they came from the registry.
LEGACY_PARAM_CSS = {("alpha", "alpha"): "dx-alpha", ("renyi", "order"): "dx-order",
                    ("mmd", "bandwidth"): "dx-mmd-bandwidth"}


def param_symbol(param: Any) -> str:
    """'α' for a parameter named 'alpha', 'ℓ' for 'bandwidth', else the name itself."""
    if param.name in PARAM_SYMBOLS:
        return PARAM_SYMBOLS[param.name]
    try:
        return unicodedata.lookup(f"GREEK SMALL LETTER {param.name.upper()}")
    except KeyError:
        return param.name


def divergence_tag(div: dv.Divergence, param: Any) -> str:
    """How a slider names its divergence: the entry's ``short_name`` ('Sinkhorn', 'α-div.') where
    its label holds the parameter's own symbol, else its label without a trailing ² ('MMD²' → 'MMD')."""
    return div.short_name or div.label.rstrip("²")


def param_label(div: dv.Divergence, param: Any) -> str:
    """Slider description from the registry: 'α (α-div.)', 'order (Rényi)', 'ℓ (MMD)', 'ε (Sinkhorn)'."""
    return f"{param_symbol(param)} ({divergence_tag(div, param)})"


def _display_param(div: dv.Divergence, param: Param, length: float) -> Param:
    """``param`` as its slider shows it: in the scene's length unit, labelled, on a log scale if
    it is a length (a bandwidth spans decades)."""
    scaled = param.scaled(length)
    return Param(scaled.name, scaled.default, low=scaled.low, high=scaled.high, doc=scaled.doc,
                 label=param_label(div, param), slider=scaled.slider_range(),
                 log=param.log or param.unit > 0, step=scaled.step)


class DivergenceParams:
    """The sliders of every registry parameter, declared in ``controls`` as ``divergence.<name>.<param>``."""

    def __init__(self, controls: Controls, length: float = 1.0):
        self.controls = controls
        self.length = length
        self.sliders: dict[tuple[str, str], W.ValueWidget] = {}
        for name in dv.names():
            div = dv.get(name)
            for raw in div.params:
                param = raw
                s = slider(_display_param(div, param, length), css=f"dx-param-{name}-{param.name}",
                           description_width="90px")
                if (name, param.name) in LEGACY_PARAM_CSS:
                    s.add_class(LEGACY_PARAM_CSS[name, param.name])
                controls.add(f"divergence.{name}.{param.name}", s)
                self.sliders[name, param.name] = s

    def rescale(self, length: float) -> None:
        """Put the length-valued parameters back to their defaults in a scene of length unit ``length``."""
        self.length = length
        for (name, pname), s in self.sliders.items():
            div = dv.get(name)
            param = next(p for p in div.params if p.name == pname)
            if param.unit == 0:
                continue
            shown = _display_param(div, param, length)
            set_range(s, shown, shown.default)

    def values(self) -> dict[str, dict[str, float]]:
        """``{divergence: {parameter: value}}``."""
        out: dict[str, dict[str, float]] = {}
        for (name, pname), s in self.sliders.items():
            out.setdefault(name, {})[pname] = float(s.value)
        return out
