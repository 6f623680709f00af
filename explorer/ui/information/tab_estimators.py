"""The "Estimators" tab: every MI estimator of the registry on tasks whose true MI is known —
bias and spread vs n on one task, and the relative error vs dimension on all of them — and below,
the saturation of InfoNCE at log n beside the Wasserstein dependency (:mod:`.saturation_view`).

Any change starts the study on a :class:`~explorer.ui.widgets.LatestRunner`; estimators stream in
one at a time (a newer setting supersedes the study); each (estimator, task, n, repeats) result
is kept, so adding an estimator or going back to a view computes only what is new.
"""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as W

from explorer import information as info
from explorer.ui._common import panel
from explorer.ui.information import estimators_plot
from explorer.ui.information.saturation_view import SaturationView
from explorer.ui.information.tab import Tab, teaching
from explorer.ui.widgets import FigureSlot, Job
from explorer.ui.widgets.text import status_line

__all__ = ["NS", "EstimatorsTab", "run_study"]

NS = (100, 250, 500, 1000, 2000, 4000)
SEED = 0

TEXT = (
    "Which estimator to trust? Each task below has a <b>known</b> mutual information (ideas from the "
    "<i>Beyond Normal</i> benchmark, Czyż et al. 2023): correlated Gaussians in 1 to 5 dimensions per "
    "side, invertible transforms of them (a fair estimator must not change: the MI does not), and "
    "Student t (dependent although uncorrelated). Check here: KSG (Kraskov et al. 2004) is nearly "
    "unbiased in low dimension and biased down as d grows; binning depends on its bin count and "
    "saturates; the Gaussian estimator is exact for Gaussians and wrong after a non-linear transform; "
    "the KDE bound (Kolchinsky &amp; Tracey 2017) depends on its noise variance; the neural InfoNCE "
    "bound can never exceed the log of its batch size (dotted), which matters at high MI. "
    "Results are averaged over independent repeats; the band is ± 1 standard deviation."
)


def run_study(job: Job, plan: list[tuple[str, str, tuple[int, ...]]], reps: int,
              have: dict[tuple, Any]) -> dict[tuple, Any]:
    """Evaluate each ``(method, task, ns)`` of ``plan`` not in ``have``; stream the results so far."""
    out: dict[tuple, Any] = {}
    todo = [p for p in plan if (*p, reps) not in have]
    for i, (method, task, ns) in enumerate(todo):
        def progress(done: int, total: int, i: int = i) -> None:
            job.emit(((i + done / max(total, 1)) / len(todo), dict(out)))

        out[(method, task, ns, reps)] = info.evaluate(method, task, n=list(ns), reps=reps, seed=SEED,
                                                      callback=progress, should_stop=lambda: job.cancelled)
        job.check()
        job.emit(((i + 1) / len(todo), dict(out)))
    return out


class EstimatorsTab(Tab):
    title = "Estimators"
    doing = "running the estimator study"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        c = self.controls
        self.tasks = info.benchmark_tasks()
        fast = [n for n in info.names() if not info.get(n).uses_torch]
        self.view = c.add("estimators.view", W.ToggleButtons(
            options=[("vs n (one task)", "n"), ("vs dimension (all tasks)", "d")], value="n",
            description="view", style={"button_width": "165px"}))
        self.view.add_class("dx-est-view")
        self.task = c.add("estimators.task", W.Dropdown(
            options=[(f"{t.name}: I = {t.true_mi:.3f} nats", t.name) for t in self.tasks.values()],
            value=next(iter(self.tasks)), description="task", layout=W.Layout(width="400px")))
        self.task.add_class("dx-est-task")
        self.methods = c.add("estimators.methods", W.SelectMultiple(
            options=[(estimators_plot.legend_name(n), n) for n in info.names()], value=tuple(fast), rows=7,
            description="estimators", layout=W.Layout(width="400px")))
        self.methods.add_class("dx-est-methods")
        self.n = c.add("estimators.n", W.SelectionSlider(options=list(NS), value=1000,
                                                         description="n (largest)", continuous_update=False))
        self.n.add_class("dx-est-n")
        self.reps = c.add("estimators.reps", W.IntSlider(value=5, min=2, max=20, description="repeats",
                                                         continuous_update=False))
        self.progress = W.IntProgress(value=0, min=0, max=100, layout=W.Layout(width="220px"))
        self.progress.add_class("dx-est-progress")
        self.status = status_line("dx-est-status")
        self.figure = FigureSlot("dx-est-figure")
        self.figure.box.add_class("dx-figure-box")
        self._runner = self.runner("dx-estimators")
        self.results: dict[tuple, Any] = {}  # (method, task, ns, reps) -> EvaluationResult
        self._plan: list[tuple[str, str, tuple[int, ...]]] = []
        self._t0 = 0.0
        c.observe(lambda n, ch: self.guard(self.doing, self.run), names="estimators")
        self.saturation = SaturationView(c, self.errors, self.runner("dx-saturation"))
        self.widget = W.VBox([
            teaching(TEXT),
            W.HBox([panel("Study", [self.view, self.task, self.n, self.reps,
                                    W.HBox([self.progress, self.status])], css="dx-est-study"),
                    panel("Estimators (ctrl-click to add)", [self.methods], css="dx-est-list")],
                   layout=W.Layout(flex_flow="row wrap")),
            self.figure.box,
            self.saturation.widget])

    def first_show(self) -> None:
        self.saturation.first_show()
        self.run()

    def plan(self) -> list[tuple[str, str, tuple[int, ...]]]:
        """``[(method, task, ns)]`` the current view needs, torch-free estimators first."""
        methods = sorted(self.methods.value, key=lambda m: (info.get(m).uses_torch, info.names().index(m)))
        if self.view.value == "n":
            ns = tuple(n for n in NS if n <= self.n.value)
            return [(m, self.task.value, ns) for m in methods]
        return [(m, t, (int(self.n.value),)) for m in methods for t in self.tasks]

    def run(self) -> None:
        self.task.layout.display = None if self.view.value == "n" else "none"
        if not self.shown:
            return
        if not self.methods.value:
            raise ValueError("choose at least one estimator (ctrl-click in the list)")
        self._plan = self.plan()
        reps = int(self.reps.value)
        self.draw()
        if all((*p, reps) in self.results for p in self._plan):
            self._runner.cancel()
            self.progress.value = 100
            self.status.value = "from this session's results"
            return
        self.progress.value = 0
        self.status.value = "estimating…"
        self._t0 = time.perf_counter()
        plan, have = list(self._plan), dict(self.results)
        self._runner.submit(lambda job: run_study(job, plan, reps, have), on_partial=self._partial,
                            on_done=self._done, on_error=self._failed, context=self.doing)

    def _partial(self, value: tuple) -> None:
        fraction, out = value
        self.progress.value = int(100 * fraction)
        if any(k not in self.results for k in out):
            self.results.update(out)
            self.draw()

    def _done(self, out: dict) -> None:
        self.results.update(out)
        self.progress.value = 100
        self.status.value = f"{len(out)} studies in {time.perf_counter() - self._t0:.1f} s"
        self.draw()

    def _failed(self, exc: BaseException) -> None:
        self.status.value = "failed"
        self.errors.report(exc, self.doing)

    def draw(self) -> None:
        reps = int(self.reps.value)
        pending = [m for m, t, ns in self._plan if (m, t, ns, reps) not in self.results]
        pending = [html.escape(m) for m in dict.fromkeys(pending)]
        if self.view.value == "n":
            got = {m: self.results[(m, t, ns, reps)] for m, t, ns in self._plan
                   if (m, t, ns, reps) in self.results}
            fig = estimators_plot.versus_n(self.tasks[self.task.value], got, pending)
        else:
            per: dict[str, dict[str, Any]] = {}
            for m, t, ns in self._plan:
                if (m, t, ns, reps) in self.results:
                    per.setdefault(m, {})[t] = self.results[(m, t, ns, reps)]
            fig = estimators_plot.by_dimension(self.tasks, per, int(self.n.value), pending)
        self.figure.show(fig)
