"""The mode-seeking page: target and fit controls, the main figure, the table and the tabs.

A control answers at once: a new target (a slider, the dropdown, a mode dragged on the plot) is
drawn immediately, then the fits run on a :class:`~explorer.ui.widgets.LatestRunner` and stream
in one divergence at a time with the progress bar moving; a newer change supersedes a fit still
running. All numbers come from :mod:`explorer.fitting` (and the registry); the page only draws.
"""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as W
from IPython.display import display

from explorer import divergences as dv
from explorer import fitting, presets
from explorer.ui._common import panel, style_widget
from explorer.ui.mode_seeking import plot
from explorer.ui.mode_seeking.edits import edit_from_shapes
from explorer.ui.mode_seeking.state import State
from explorer.ui.mode_seeking.tab_alpha import AlphaTab
from explorer.ui.mode_seeking.tab_estimators import EstimatorsTab
from explorer.ui.mode_seeking.tab_landscape import LandscapeTab
from explorer.ui.mode_seeking.tab_playback import PlaybackTab
from explorer.ui.mode_seeking.tab_weights import WeightsTab
from explorer.ui.mode_seeking.table import table_html
from explorer.ui.widgets import Controls, ErrorBox, FigureSlot, Job, LatestRunner, ViewLink, slider
from explorer.ui.widgets.text import status_line
from explorer.ui.widgets.upload import DataUpload

DEFAULT_TARGET = "two_gaussians"
DEFAULT_DIVERGENCES = ("kl", "reverse_kl", "js")
MAIN_SPARE_TRACES = 60  # 3 divergences × (best + 8 restarts' optima) × a few mixture components
#: The paste box's first text: the sample the "your data" target shows until the visitor's own.
EXAMPLE_TEXT = " ".join(f"{v:g}" for v in presets.USER_EXAMPLE)
TABS = (AlphaTab, LandscapeTab, PlaybackTab, WeightsTab, EstimatorsTab)


def fit_all(job: Job, p: Any, names: list[str], keep: dict, settings: dict) -> dict:
    """Fit every divergence in ``names`` in turn (those in ``keep`` are already fitted), streaming
    ``(fraction done, name being fitted, its index, fits so far)`` through ``job``."""
    out = dict(keep)
    for i, name in enumerate(names):
        job.emit((i / len(names), name, i, dict(out)))

        def progress(step: int, steps: int, i: int = i, name: str = name) -> None:
            job.emit(((i + step / max(steps, 1)) / len(names), name, i, dict(out)))

        out[name] = fitting.fit(p, divergence=name, progress=progress, **settings)
    return out


class ModeSeeking:
    """Widget tree and logic of the mode-seeking demo; ``widget`` is what the notebook shows.

    ``controls`` holds every control by name (``target``, ``p.<param>``, ``divergences``,
    ``q.family``, ``q.components``, ``fit.restarts``, ``fit.auto``, and the tabs' own);
    ``state`` is what the figure, the table and the tabs share; ``runner`` runs the fits.
    ``background=False`` runs them inline (scripts, benchmarks).

    The "your data" target (a registry entry with ``user``) shows ``upload``, a
    :class:`~explorer.ui.widgets.upload.DataUpload` that is not a control: a link can choose the
    target, which then shows the example numbers until the visitor gives theirs.
    """

    def __init__(self, target: str = DEFAULT_TARGET, divergences: tuple[str, ...] = DEFAULT_DIVERGENCES,
                 background: bool = True):
        for name in divergences:
            dv.get(name)
        self.state = State(divergences=tuple(divergences))
        self.controls = Controls()
        self.errors = ErrorBox()
        self.status = status_line()
        self.runner = LatestRunner(self.errors, background=background, name="dx-fit")
        # the page's first fits run before it is shown, so that its figure is created with them
        # and the first render shows them without waiting for updates (a figure that missed
        # anywidget's 2 s initialisation used to keep its first state; see ui/widgets/plotly_esm.py)
        self._inline = LatestRunner(self.errors, background=False, name="dx-fit-first")
        self._building = True
        self._note = ""  # what the last edit on the plot did, kept under the fits' status
        self._t0 = 0.0

        c = self.controls
        self.target_name = c.add("target", W.Dropdown(
            options=[(s.title, s.name) for s in presets.TARGETS.values()], value=target,
            description="target", layout=W.Layout(width="320px")))
        self.target_name.add_class("dx-target")
        self.target_blurb = W.HTML("", layout=W.Layout(width="330px"))
        self.target_box = W.VBox([])
        self.target_sliders: dict[str, W.ValueWidget] = {}
        self.user_spec = next(s for s in presets.TARGETS.values() if s.user)  # the example until data
        self.upload = DataUpload(1, self._user_samples, example=EXAMPLE_TEXT, css="dx-target-upload")
        self.upload.paste.layout.width = "300px"
        self.upload.widget.layout.max_width = "690px"
        self.divs = c.add("divergences", W.SelectMultiple(
            options=[(plot.label(n), n) for n in dv.names()], value=tuple(divergences), rows=9,
            description="divergences", layout=W.Layout(width="320px")))
        self.divs.add_class("dx-divergences")
        self.family = c.add("q.family", W.ToggleButtons(
            options=[("Gaussian", "gaussian"), ("mixture", "mixture")], value="gaussian",
            description="q family", style={"button_width": "80px"}))
        self.family.add_class("dx-family")
        self.components = c.add("q.components", W.IntSlider(value=2, min=2, max=5, description="components"))
        self.restarts = c.add("fit.restarts", W.IntSlider(value=8, min=1, max=16, description="restarts"))
        self.restarts.add_class("dx-restarts")
        self.auto = c.add("fit.auto", W.Checkbox(value=True, description="refit when the target changes",
                                                 indent=False))
        self.fit_button = W.Button(description="Fit", button_style="primary", icon="play")
        self.fit_button.add_class("dx-fit")
        self.progress = W.IntProgress(value=0, min=0, max=100, description="", layout=W.Layout(width="300px"))
        self.progress.add_class("dx-progress")
        self.table = W.HTML("")
        self.table.add_class("dx-table")
        # spare traces: the fits stream in as restyles of hidden curves, not as new traces
        self.figure = FigureSlot("dx-figure", on_shapes=self._handles_moved, spare=MAIN_SPARE_TRACES)

        self.tab_list = [cls(self.state, self.errors, c, background=background) for cls in TABS]
        self.tabs = W.Tab(children=[t.widget for t in self.tab_list])
        for i, t in enumerate(self.tab_list):
            self.tabs.set_title(i, t.title)
        self.tabs.add_class("dx-tabs")
        self.tabs.observe(lambda ch: self._tab_selected(), names="selected_index")

        c.observe(lambda n, ch: self._guard("building the target", self._target_chosen), names="target")
        c.observe(lambda n, ch: self._guard("building the target", self._target_changed), names="p")
        c.observe(lambda n, ch: self._guard("fitting", self._divergences_changed), names="divergences")
        c.observe(lambda n, ch: self._guard("fitting", self._family_changed), names="q.family")
        c.observe(lambda n, ch: setattr(self.state, "restarts", int(ch["new"])), names="fit.restarts")
        self.fit_button.on_click(lambda b: self.fit())

        controls = W.HBox([
            panel("Target p", [self.target_name, self.target_blurb, self.target_box, self.upload.widget],
                  css="dx-side-p"),
            panel("Fit q", [self.divs, self.family, self.components, self.restarts, self.auto,
                            W.HBox([self.fit_button, self.progress])], css="dx-side-q"),
        ], layout=W.Layout(flex_flow="row wrap"))
        self.widget = W.VBox([style_widget(), controls, self.errors, self.figure.box, self.status, self.table,
                              self.tabs])
        self.widget.add_class("dx-mode-seeking")
        self._family_changed(refit=False)
        self._target_chosen()
        self._building = False
        if self.figure.widget is None:  # no fit ran while building (it failed, or auto-refit is off)
            self.draw()
        self._tab_selected()
        self.link = ViewLink(c, self.tabs).place(self.widget)

    # -- convenience views of the state ---------------------------------------------------------
    @property
    def target(self) -> presets.Target | None:
        return self.state.target

    @property
    def results(self) -> dict[str, fitting.FitResult]:
        return self.state.results

    def tab(self, cls: type) -> Any:
        """The tab of class ``cls`` (``ui.tab(AlphaTab)``)."""
        return next(t for t in self.tab_list if isinstance(t, cls))

    def _guard(self, doing: str, fn: Any, *args: Any) -> None:
        with self.errors.guard(doing):
            fn(*args)

    def _tab_selected(self) -> None:
        for i, t in enumerate(self.tab_list):
            t.set_visible(i == self.tabs.selected_index)

    # -- target ----------------------------------------------------------------------------------
    @property
    def spec(self) -> presets.TargetSpec:
        """The chosen target's registry entry; "your data" is the visitor's sample (or the example)."""
        spec = presets.TARGETS[self.target_name.value]
        return self.user_spec if spec.user else spec

    def _user_samples(self, x: Any, report: Any) -> None:
        """The upload's samples: the "your data" target on them (refused here, in the upload's box,
        before the page changes, if no KDE can be made), chosen and fitted."""
        self.user_spec = presets.user_target(x, label=report.columns[0])
        if presets.TARGETS[self.target_name.value].user:
            self._target_changed()
        else:  # an upload while another target is shown chooses "your data"
            self.target_name.value = self.user_spec.name

    def _target_chosen(self) -> None:
        spec = self.spec
        self.upload.widget.layout.display = None if spec.user else "none"
        sliders = {}
        for prm in spec.params:
            sliders[prm.name] = slider(prm, css=f"dx-t-{prm.name}", description_width="150px",
                                       readout_format=".2f")
        self.target_sliders = sliders
        self.controls.replace_group("p", sliders)
        self.target_box.children = list(sliders.values())
        self._target_changed()

    def _target_changed(self) -> None:
        params = {k: s.value for k, s in self.target_sliders.items()}
        spec = self.spec
        target = spec.build(**spec.params.resolve(params, owner=f"target {spec.name}"))
        blurb = f"<i>{html.escape(spec.description)}</i>"
        if presets.mode_handles(target) is not None:
            what = "a blue bar under a mode" if spec.dim == 1 else "the amber outline of a mode"
            blurb += (f"<br><span class='dx-drag-hint'>✥ Or edit p on the plot: click {what}, then "
                      "drag it (moves the mode) or pull a corner (changes its width). A slider resets "
                      "the edits.</span>")
        self.target_blurb.value = blurb
        self._set_target(target)

    def _handles_moved(self, shapes: Any) -> None:
        with self.errors.guard("editing the target"):
            edit = edit_from_shapes(self.state.target, shapes)
            if edit is not None:
                self._set_target(edit.target, note=f" · p edited on the plot: {edit.describe()}.")

    def _set_target(self, target: presets.Target, note: str = "") -> None:
        """p at once (the figure redrawn in place, stale fits gone); the fits follow."""
        self._note = note
        self.state.set_target(target)
        if not self._building:  # (while building, the first figure is drawn with the fits)
            self.draw()
        if self.auto.value:
            self.fit()
        else:
            self.runner.cancel()
            self._idle()
            self.status.value = "Target changed: press <b>Fit</b>." + self._note

    def _family_changed(self, refit: bool = True) -> None:
        self.components.layout.display = None if self.family.value == "mixture" else "none"
        if refit and (self.state.results or self.runner.busy):
            self.runner.cancel()
            self._idle()
            self.state.set_results({})
            self.draw()
            self.status.value = "Model family changed: press <b>Fit</b>."

    def _divergences_changed(self) -> None:
        if not self.divs.value:
            return
        self.state.divergences = tuple(self.divs.value)
        missing = [n for n in self.divs.value if n not in self.state.results]
        if self.state.results and missing and self.auto.value:
            self.fit(only=missing)
        else:
            self.state.changed("fits")
            self.draw()

    # -- fitting ---------------------------------------------------------------------------------
    def fit(self, only: list[str] | None = None) -> None:
        """Fit the chosen divergences (or only ``only``, keeping the other fits) in the background."""
        with self.errors.guard("fitting"):
            names = list(only or self.state.divergences)
            if not names or self.state.target is None:
                return
            keep = dict(self.state.results) if only else {}
            if not only and self.state.results:
                self.state.set_results({})
                self.draw()
            settings = {"family": self.family.value, "restarts": self.restarts.value,
                        "components": self.components.value}
            p = self.state.p
            self.fit_button.disabled = True
            self.progress.value = 0
            self.status.value = f"Fitting {html.escape(plot.label(names[0]))} (1/{len(names)})…" + self._note
            self._t0 = time.perf_counter()
            runner = self._inline if self._building else self.runner
            runner.submit(lambda job: fit_all(job, p, names, keep, settings),
                               on_partial=lambda v: self._fit_partial(v, len(names)),
                               on_done=lambda out: self._fit_done(out, len(names), settings["restarts"]),
                               on_error=self._fit_failed, context="fitting")

    def _fit_partial(self, value: tuple, n: int) -> None:
        fraction, name, i, out = value
        self.progress.value = int(100 * fraction)
        self.status.value = f"Fitting {html.escape(plot.label(name))} ({i + 1}/{n})…" + self._note
        if out.keys() != self.state.results.keys():  # a fit finished: draw it at once
            self.state.set_results(out)
            self.draw()

    def _fit_done(self, out: dict, n: int, restarts: int) -> None:
        self.progress.value = 100
        self.state.set_results(out)
        self.draw()
        secs = time.perf_counter() - self._t0
        self.status.value = (
            f"p = {html.escape(self.state.target.title)} · fitted {n} divergence(s) × {restarts} restarts in "
            f"{secs:.2f} s. Faint curves: other local optima found by the restarts." + self._note)
        self._idle()  # last: an enabled Fit button means that everything above is on the page

    def _fit_failed(self, exc: BaseException) -> None:
        self._idle()
        self.errors.report(exc, "fitting")

    def _idle(self) -> None:
        self.fit_button.disabled = False

    # -- drawing ---------------------------------------------------------------------------------
    def draw(self) -> None:
        """The main figure and the table from the state (in place)."""
        self.figure.show(plot.figure(self.state))
        self.table.value = table_html(self.state)


def build(target: str = DEFAULT_TARGET, background: bool = True) -> ModeSeeking:
    """The demo object (its ``widget`` is the page); handy in tests and scripts."""
    if target not in presets.TARGETS:
        raise ValueError(f"unknown target {target!r}; choose one of: {', '.join(presets.TARGETS)}")
    return ModeSeeking(target, background=background)


def show(target: str = DEFAULT_TARGET) -> None:
    """Display the demo in the notebook / Voila page."""
    display(build(target).widget)
