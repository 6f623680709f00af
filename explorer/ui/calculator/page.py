"""The calculator page: its controls (declared once, in :attr:`Calculator.controls`), the events
and the update that recomputes every divergence and redraws."""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as W
from IPython.display import display

from explorer import divergences as dv
from explorer.presets import FAMILIES, PRESETS, USER_DATA, Scene, default_values, scene_for
from explorer.ui._common import panel, style_widget
from explorer.ui.calculator import plot
from explorer.ui.calculator.divergence_params import DivergenceParams
from explorer.ui.calculator.side import Side
from explorer.ui.calculator.table import glossary_html, table_html
from explorer.ui.widgets import Controls, ErrorBox, FigureSlot, ViewLink
from explorer.ui.widgets.text import status_line

DEFAULT_PRESET = "Two modes vs one Gaussian"
NO_PRESET = "(choose a preset)"


class Calculator:
    """Widget tree and update logic of the calculator; ``widget`` is what the notebook shows.

    ``controls`` holds every control by name: ``preset``, ``p.family``, ``p.<param>``,
    ``q.family``, ``q.<param>``, ``divergence.<name>.<param>``, ``units``. The family
    :data:`~explorer.presets.USER_DATA` is the visitor's own sample, given through the side's
    upload box (``p_side.upload``; not a control: a link shows the example numbers).
    """

    def __init__(self, preset: str = DEFAULT_PRESET):
        self.controls = Controls()
        self.errors = ErrorBox()
        self.status = status_line("dx-calc-status")
        self.preset = W.Dropdown(options=[NO_PRESET, *PRESETS], value=NO_PRESET, description="preset",
                                 layout=W.Layout(width="330px"))
        self.preset.add_class("dx-preset")
        self.controls.add("preset", self.preset)
        self.p_side = Side("p", PRESETS[preset][0], self.controls, on_data=self._data_changed)
        self.q_side = Side("q", PRESETS[preset][2], self.controls, on_data=self._data_changed)
        self._scene = scene_for(FAMILIES[PRESETS[preset][0]], FAMILIES[PRESETS[preset][2]])
        self.div_params = DivergenceParams(self.controls, self._scene.unit)
        self.units = W.ToggleButtons(options=["nats", "bits"], value="nats", description="units",
                                     style={"button_width": "60px"})
        self.units.add_class("dx-units")
        self.units.style.description_width = "90px"
        self.controls.add("units", self.units)
        self.table = W.HTML("")
        self.table.add_class("dx-table")
        self.figure = FigureSlot("dx-figure", full_width=True)
        self.results: dict = {}
        self.controls.observe(self._control_changed)
        self._apply_preset(preset)
        glossary = W.Accordion(children=[W.HTML(glossary_html())])
        glossary.set_title(0, "Glossary: what exactly is computed")
        glossary.selected_index = None
        controls = W.HBox([
            self.p_side.widget,
            self.q_side.widget,
            panel("Divergence parameters",
                  [self.preset, *self.div_params.sliders.values(), self.units], css="dx-div-params"),
        ], layout=W.Layout(flex_flow="row wrap"))
        self.widget = W.VBox([style_widget(), controls, self.errors, self.figure.box, self.status,
                              self.table, glossary])
        self.widget.add_class("dx-calculator")
        self.link = ViewLink(self.controls).place(self.widget)

    # -- events --------------------------------------------------------------------------------
    def _control_changed(self, name: str, change: dict) -> None:
        with self.errors.guard("computing the divergences", clear=False):
            if name == "preset":
                if change["new"] in PRESETS:
                    self._apply_preset(change["new"])
                return
            if name in ("p.family", "q.family"):
                self._family_changed(self.p_side if name == "p.family" else self.q_side)
            self.update()

    def _data_changed(self, side: Side) -> None:
        """New samples in ``side``'s upload: show them (choosing "your data" if another family
        is shown). Only the page's own errors reach its box; the upload's refusals stay there."""
        if side.dropdown.value != USER_DATA:
            side.dropdown.value = USER_DATA  # the control's observer re-lays out and updates
            return
        with self.errors.guard("computing the divergences", clear=False):
            self._family_changed(side)
        self.update()

    def _apply_preset(self, name: str) -> None:
        pf, pv, qf, qv = PRESETS[name]
        scene = scene_for(FAMILIES[pf], FAMILIES[qf])
        with self.controls.muted():  # one update at the end, not one per slider
            self.p_side.dropdown.value = pf
            self.q_side.dropdown.value = qf
            self.p_side.rebuild(scene, default_values(FAMILIES[pf], scene, pv))
            self.q_side.rebuild(scene, default_values(FAMILIES[qf], scene, qv))
            self._set_scene(scene)
        self.update()

    def _set_scene(self, scene: Scene) -> None:
        self._scene = scene
        with self.controls.muted():
            self.div_params.rescale(scene.unit)

    def _family_changed(self, changed: Side | None = None) -> None:
        """Lay the sides out for their families: a new scene re-lays out both with defaults in
        its units; otherwise the ``changed`` side (a new family or new data: another bandwidth
        unit) and any side whose sliders no longer fit its family."""
        scene = scene_for(self.p_side.family, self.q_side.family)
        with self.controls.muted():
            if scene != self._scene:  # new scene: both sides re-laid out with defaults in its units
                self.p_side.rebuild(scene)
                self.q_side.rebuild(scene)
                self._set_scene(scene)
            else:
                for side in (self.p_side, self.q_side):
                    if side is changed or set(side.sliders) != {s.name for s in side.family.params}:
                        side.rebuild(scene)

    # -- computing and drawing -----------------------------------------------------------------
    def params(self) -> dict[str, dict[str, float]]:
        """``{divergence: {parameter: value}}`` from the divergence-parameter sliders."""
        return self.div_params.values()

    def compute(self) -> tuple[Any, Any, dict, float]:
        p = self.p_side.distribution()
        q = self.q_side.distribution()
        t0 = time.perf_counter()
        base = 2 if self.units.value == "bits" else None
        results = dv.compute_both(p, q, params=self.params(), base=base)
        return p, q, results, time.perf_counter() - t0

    def update(self) -> None:
        with self.errors.guard("computing the divergences"):
            self._update()

    def _update(self) -> None:
        p, q, results, seconds = self.compute()
        self._draw(p, q, results)
        n_inf = sum(r.is_infinite for pair in results.values() for r in pair if r is not None)
        self.status.value = (
            f"p = {html.escape(p.describe())} &nbsp;·&nbsp; q = {html.escape(q.describe())} &nbsp;·&nbsp; "
            f"{len(results)} divergences, both directions, computed in {seconds * 1000:.0f} ms"
            + (f" &nbsp;·&nbsp; <b>{n_inf} infinite</b>" if n_inf else "")
        )
        self.results = results

    def _draw(self, p, q, results: dict) -> None:
        if self.figure.widget is None:
            fig = plot.make_figure()
            plot.fill(fig, p, q, results)
            self.figure.show(fig)
        else:
            with self.figure.batch() as fig:
                plot.fill(fig, p, q, results)
        self.table.value = table_html(results)


def build(preset: str = DEFAULT_PRESET) -> Calculator:
    """Build the calculator (returns the object; ``.widget`` is the widget tree)."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}")
    return Calculator(preset)


def show(preset: str = DEFAULT_PRESET) -> None:
    """Display the calculator in the notebook / Voila page."""
    display(build(preset).widget)
