"""The estimators tab's section "Saturation: the log n ceiling": InfoNCE trained on Gaussians with
d = 1 … 16 correlated pairs (true MI up to several times log n) beside the Wasserstein dependency,
computed by :func:`explorer.information.saturation_study`.

The study trains one critic per d, so it waits for its ▶ button (a static snapshot presses it);
each d's point is drawn as it finishes. A change of ρ, n or the training steps after a run starts
the study again (the running one is superseded); studies are kept per setting.
"""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as W

from explorer import information as info
from explorer.ui._common import panel
from explorer.ui.information import saturation_plot
from explorer.ui.information.tab import teaching
from explorer.ui.mode_seeking.tab import run_button
from explorer.ui.widgets import Controls, ErrorBox, FigureSlot, Job, LatestRunner
from explorer.ui.widgets.text import status_line

__all__ = ["DIMS", "NS", "STEPS", "SaturationView", "run_saturation"]

DIMS = (1, 2, 4, 8, 16)
NS = (128, 256, 512, 1024)
STEPS = (100, 150, 300, 1000)
SEED = 0
DOING = "running the saturation study"

TEXT = (
    "<b>Saturation: the log n ceiling.</b> Any distribution-free lower bound on MI estimated from n "
    "samples cannot exceed about log n (McAllester &amp; Stratos 2020, <i>Formal limitations on the "
    "measurement of mutual information</i>), so as the true MI of d correlated Gaussian pairs grows "
    "past log n the InfoNCE estimate flattens under the dashed line, while the Wasserstein dependency "
    "W₁(p<sub>XY</sub>, p<sub>X</sub>p<sub>Y</sub>) of Ozair et al. (2019), <i>Wasserstein dependency "
    "measure for representation learning</i>, has no such cap and keeps rising with d (it is a "
    "distance, in standardised units, not nats: right axis). The critic is trained on half of the n "
    "samples and scored on the other half, in one batch of n/2 pairs, so its ceiling is log(n/2); "
    "scored on its own training pairs it would overfit them and could overshoot the truth."
)


def run_saturation(job: Job, rho: float, n: int, steps: int, dims: tuple[int, ...]) -> info.SaturationResult:
    """The study, each finished dimension emitted as ``(fraction done, result so far)``."""
    return info.saturation_study(dims=dims, rho=rho, n=n, steps=steps, seed=SEED,
                                 should_stop=lambda: job.cancelled,
                                 on_partial=lambda r: job.emit((r.dims.size / len(dims), r)))


class SaturationView:
    """Controls ``saturation.rho``/``.n``/``.steps``, a ▶ button, a progress bar and the figure."""

    def __init__(self, controls: Controls, errors: ErrorBox, runner: LatestRunner):
        self.errors = errors
        self.dims = DIMS
        self.rho = controls.add("saturation.rho", W.FloatSlider(
            value=0.8, min=0.5, max=0.95, step=0.05, description="ρ per pair", continuous_update=False))
        self.rho.add_class("dx-sat-rho")
        self.n = controls.add("saturation.n", W.Dropdown(options=list(NS), value=512, description="n (batch)",
                                                         layout=W.Layout(width="200px")))
        self.n.add_class("dx-sat-n")
        self.steps = controls.add("saturation.steps", W.Dropdown(
            options=list(STEPS), value=150, description="steps", layout=W.Layout(width="200px")))
        self.steps.add_class("dx-sat-steps")
        self.button = run_button("run the study", "dx-sat-run", lambda: self.errors_guard(self.run))
        self.progress = W.IntProgress(value=0, min=0, max=100, layout=W.Layout(width="220px"))
        self.progress.add_class("dx-sat-progress")
        self.status = status_line("dx-sat-status")
        self.figure = FigureSlot("dx-sat-figure")
        self.figure.box.add_class("dx-figure-box")
        self._runner = runner
        self.results: dict[tuple, info.SaturationResult] = {}  # (rho, n, steps, dims) -> study
        self.shown: info.SaturationResult | None = None  # what the figure shows (partial while running)
        self.requested = False  # the ▶ button was pressed: later changes rerun the study
        self._t0 = 0.0
        self._computing: tuple | None = None  # the setting of the study submitted last
        controls.observe(lambda name, ch: self.errors_guard(self.changed), names="saturation")
        self.status.value = f"press ▶ to train InfoNCE at d = {', '.join(map(str, self.dims))}"
        self.widget = W.VBox([
            teaching(TEXT),
            panel("Saturation study", [W.HBox([self.rho, self.n, self.steps]),
                                       W.HBox([self.button, self.progress, self.status])],
                  css="dx-sat-study"),
            self.figure.box])
        self.widget.add_class("dx-saturation")

    def errors_guard(self, fn: Any) -> None:
        with self.errors.guard(DOING):
            fn()

    def key(self) -> tuple:
        return (round(float(self.rho.value), 4), int(self.n.value), int(self.steps.value), tuple(self.dims))

    def first_show(self) -> None:
        self.draw()

    def changed(self) -> None:
        if self.requested:
            self.run()
        else:
            self.shown = self.results.get(self.key())
            self.draw()

    def run(self) -> None:
        """Start the study at the current setting (superseding a running one); a kept one is shown."""
        self.requested = True
        key = self.key()
        if key == self._computing and self._runner.busy:
            return  # already running at this setting
        if key in self.results:
            self._runner.cancel()
            self.shown = self.results[key]
            self.progress.value = 100
            self.status.value = "from this session's results"
            self.draw()
            return
        rho, n, steps, dims = key
        self.shown = None
        self.progress.value = 0
        self.status.value = f"training InfoNCE at d = {dims[0]} (1 of {len(dims)})…"
        self.draw()
        self._t0 = time.perf_counter()
        self._computing = key
        self._runner.submit(lambda job: run_saturation(job, rho, n, steps, dims),
                            on_partial=lambda v: self._partial(key, v), on_done=lambda r: self._done(key, r),
                            on_error=self._failed, context=DOING)

    def _partial(self, key: tuple, value: tuple) -> None:
        fraction, result = value
        if key != self.key():
            return
        self.shown = result
        self.progress.value = int(100 * fraction)
        k = result.dims.size
        if k < len(self.dims):
            self.status.value = f"training InfoNCE at d = {self.dims[k]} ({k + 1} of {len(self.dims)})…"
        self.draw()

    def _done(self, key: tuple, result: info.SaturationResult) -> None:
        self.results[key] = result
        if key != self.key():
            return
        self.shown = result
        self.progress.value = 100
        self.status.value = f"{result.dims.size} dimensions in {time.perf_counter() - self._t0:.1f} s"
        self.draw()

    def _failed(self, exc: BaseException) -> None:
        self.status.value = "failed"
        self.errors.report(exc, DOING)

    def draw(self) -> None:
        rho, n, _, dims = self.key()
        done = 0 if self.shown is None else self.shown.dims.size
        if done == len(dims):
            waiting = ""
        else:
            waiting = f" — {done} of {len(dims)} done" if self.requested else " — press ▶ to run"
        self.figure.show(saturation_plot.figure(self.shown, dims, rho, n, waiting))
