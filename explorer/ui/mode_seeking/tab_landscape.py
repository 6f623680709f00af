"""The landscape tab: D(p‖N(μ, σ²)) over mean × log-std for a 1-D Gaussian q, optima marked."""

from __future__ import annotations

import html
import math

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer import divergences as dv
from explorer import fitting
from explorer.ui.mode_seeking.plot import MARGIN, WIDTH, label
from explorer.ui.mode_seeking.tab import Tab, run_button, tab_box
from explorer.ui.widgets import FigureSlot, Job

SIGMA_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
MAX_PANELS = 4
GRID = 41


def has_landscape(name: str) -> bool:
    """Whether the registry says the landscape of ``name`` is cheap enough to draw interactively."""
    return dv.get(name).fit.landscape


def landscapes(job: Job, p, names: list[str], params: dict) -> tuple[np.ndarray, np.ndarray, list, list]:
    """(μ grid, σ grid, [(name, log-scaled L)], [skipped reasons]) for up to MAX_PANELS names."""
    lo, hi = p.plot_range()
    mu = np.linspace(lo, hi, GRID)
    w = hi - lo
    ls = np.linspace(math.log(w / 80), math.log(w / 1.5), GRID)
    panels, skipped = [], []
    for i, name in enumerate(names):
        if len(panels) == MAX_PANELS:
            break
        job.check()
        try:
            L = fitting.landscape(p, name, mu, ls, **params[name])
        except ValueError as exc:
            skipped.append(f"{label(name)}: {exc}")
            continue
        Z = np.log10(np.maximum(L - np.nanmin(L[np.isfinite(L)]), 0) + 1e-3 * max(abs(np.nanmin(L)), 1e-3))
        panels.append((name, Z))
        job.progress(i + 1, len(names))
    return mu, np.exp(ls), panels, skipped


class LandscapeTab(Tab):
    title = "Landscape"
    doing = "drawing the landscape"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.button = run_button("Draw the landscapes", "dx-landscape-run", self.compute)
        self.notice = W.HTML("")
        self.figure = FigureSlot("dx-landscape-figure")
        self._runner = self.runner("dx-landscape")
        self._waiting = False  # asked for before any fit was in: drawn when the fits arrive
        self.widget = tab_box(
            "D(p‖N(μ, σ²)) over mean × log-std for a 1-D Gaussian q (log colour scale); ✕ = the "
            "optima the restarts found, ★ = the best.",
            W.HBox([self.button]), self.notice, self.figure.box)

    def reset(self) -> None:
        self._runner.cancel()
        self._waiting = False
        self.button.disabled = False
        self.notice.value = ""
        self.figure.box.layout.display = "none"

    def compute(self) -> None:
        with self.errors.guard(self.doing):
            p = self.state.p
            if p.dim != 1:
                self.notice.value = "Loss landscapes are drawn for 1-D targets (q has 2 parameters there)."
                self.figure.box.layout.display = "none"
                return
            names = [n for n in self.state.fitted() if has_landscape(n)]
            if not names:
                self._waiting = not self.state.divergences or any(
                    has_landscape(n) for n in self.state.divergences)
                self.notice.value = ("Waiting for the fits: the landscapes are drawn as soon as they are in."
                                     if self._waiting else
                                     "None of the chosen divergences has a landscape cheap enough to draw "
                                     "here; choose another one above.")
                return
            self._waiting = False
            params = {n: dict(self.state.results[n].params) for n in names}
            results = {n: self.state.results[n] for n in names}
            self.button.disabled = True
            self.notice.value = "Computing the landscapes…"
            self._runner.submit(lambda job: landscapes(job, p, names, params),
                                on_done=lambda out: self._done(out, results), on_error=self._failed,
                                context=self.doing)

    def draw(self) -> None:
        """The fits changed while this tab is shown: draw a landscape that was asked for early."""
        if self._waiting and self.state.fitted():
            self.compute()

    def _failed(self, exc: BaseException) -> None:
        self.button.disabled = False
        self.notice.value = ""
        self.errors.report(exc, self.doing)

    def _done(self, out, results: dict) -> None:
        self.button.disabled = False
        mu, sigma, panels, skipped = out
        note = html.escape("; ".join(skipped))
        self.notice.value = f"<small>Not drawn: {note}</small>" if skipped else ""
        fig = make_subplots(rows=1, cols=max(len(panels), 1), subplot_titles=[label(n) for n, _ in panels],
                            horizontal_spacing=0.06)
        for k, (name, Z) in enumerate(panels, 1):
            fig.add_trace(go.Heatmap(x=mu, y=sigma, z=Z, colorscale="Viridis", showscale=False,
                                     hovertemplate="μ=%{x:.2f} σ=%{y:.2f}<extra></extra>"), 1, k)
            r = results[name]
            qs = [o.q for o in r.optima]
            if r.family == "gaussian":  # a 1-D Gaussian q: its (μ, σ) is a point of the map
                fig.add_trace(go.Scatter(x=[q.mean for q in qs[1:]], y=[q.std for q in qs[1:]],
                                         mode="markers", marker={"symbol": "x", "size": 10, "color": "white"},
                                         showlegend=False), 1, k)
                fig.add_trace(go.Scatter(x=[qs[0].mean], y=[qs[0].std], mode="markers",
                                         marker={"symbol": "star", "size": 15, "color": "#ff4136",
                                                 "line": {"color": "white", "width": 1}},
                                         showlegend=False), 1, k)
            fig.update_yaxes(type="log", title_text="σ" if k == 1 else None, row=1, col=k,
                             tickvals=SIGMA_TICKS, ticktext=[f"{t:g}" for t in SIGMA_TICKS])
            fig.update_xaxes(title_text="μ", row=1, col=k)
        fig.update_layout(height=360, width=WIDTH, margin=MARGIN)
        self.figure.box.layout.display = None
        self.figure.show(fig)
