"""The estimators tab: how many samples a sample-based estimator needs (mean and spread vs n)."""

from __future__ import annotations

import html

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from explorer import divergences as dv
from explorer import estimators
from explorer.ui.mode_seeking.plot import MARGIN, WIDTH, label
from explorer.ui.mode_seeking.tab import Tab, run_button, tab_box
from explorer.ui.widgets import FigureSlot
from explorer.ui.widgets.theme import divergence_colour, fill

STUDY_NS = (25, 50, 100, 200, 400)


def study_sizes(name: str) -> tuple[int, ...]:
    """The sample sizes of an interactive study of ``name``'s estimator: STUDY_NS up to the entry's
    ``max_interactive_samples`` (e.g. 200 for Sinkhorn, whose estimator costs O(n²) per iteration)."""
    limit = dv.get(name).max_interactive_samples
    return tuple(n for n in STUDY_NS if limit is None or n <= limit)


class EstimatorsTab(Tab):
    title = "Estimators"
    doing = "running the estimator study"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        options = [(label(n), n) for n in dv.names() if dv.get(n).samples]
        self.divergence = W.Dropdown(options=options, value=options[0][1], description="estimator")
        self.reps = W.IntSlider(value=10, min=3, max=40, description="repeats")
        self.controls.add("estimators.divergence", self.divergence)
        self.controls.add("estimators.repeats", self.reps)
        self.button = run_button("Run the study", "dx-estimator-run", self.compute)
        self.progress = W.IntProgress(value=0, min=0, max=100)
        self.progress.add_class("dx-estimator-progress")
        self.figure = FigureSlot("dx-estimator-figure")
        self.summary = W.HTML("")
        self._runner = self.runner("dx-estimators")
        self.widget = tab_box(
            "How many samples does a sample-based estimator need? Estimates of D(p‖q̂) from n "
            "samples of each (q̂ = the first fitted q), mean ± spread over repeats, against the "
            "exact value.",
            W.HBox([self.divergence, self.reps, self.button, self.progress]), self.figure.box, self.summary)

    def reset(self) -> None:
        self._runner.cancel()
        self.button.disabled = False

    def compute(self) -> None:
        with self.errors.guard(self.doing):
            name = self.divergence.value
            fitted = self.state.first_fit()
            if fitted is None:
                raise ValueError("fit first: the study compares p with the fitted q")
            p, reps, ns = self.state.p, self.reps.value, study_sizes(name)
            params = dict(fitted.params) if fitted.divergence == name else {}
            self.button.disabled = True
            self.progress.value = 0
            self._runner.submit(
                lambda job: estimators.study(name, p, fitted.q, ns=ns, reps=reps, seed=0,
                                             progress=job.progress, **params),
                on_partial=self._progress, on_done=lambda res: self._done(name, res, len(ns) * reps),
                on_error=self._failed, context=self.doing)

    def _progress(self, value) -> None:
        _, done, total = value
        self.progress.value = int(100 * done / max(total, 1))

    def _failed(self, exc: BaseException) -> None:
        self.button.disabled = False
        self.errors.report(exc, self.doing)

    def _done(self, name: str, res, total: int) -> None:
        self.button.disabled = False
        self.progress.value = 100
        lo, hi = res.quantiles(0.1, 0.9)
        colour = divergence_colour(name)
        fig = go.Figure([
            go.Scatter(x=np.concatenate([res.ns, res.ns[::-1]]), y=np.concatenate([hi, lo[::-1]]),
                       fill="toself", fillcolor=fill(colour, 0.15), line={"width": 0},
                       name="10–90 % of estimates"),
            go.Scatter(x=res.ns, y=res.mean, mode="lines+markers", name="mean estimate",
                       line={"color": colour, "width": 2.5}),
            go.Scatter(x=[res.ns[0], res.ns[-1]], y=[res.exact, res.exact], mode="lines",
                       name=f"exact ({res.exact_method})", line={"color": "black", "dash": "dash"}),
        ])
        fig.update_layout(height=340, width=WIDTH, margin=MARGIN,
                          xaxis={"type": "log", "title": "n per sample", "tickvals": list(res.ns),
                                 "ticktext": [str(int(n)) for n in res.ns]},
                          yaxis={"title": res.label},
                          title={"text": f"{label(name)} estimator on p vs q̂ ({total} estimates)", "x": 0.01})
        self.figure.show(fig)
        self.summary.value = (
            "<pre class='dx-estimator-summary' style='font-family: var(--jp-code-font-family, monospace); "
            f"font-size: 13px; line-height: 1.3; margin: 4px 0'>{html.escape(res.summary())}</pre>")
