"""Mode-seeking vs mode-covering: fit q to a target p under several divergences at once.

All numbers come from :mod:`explorer.fitting`, :mod:`explorer.divergences`, :mod:`explorer.modes`
and :mod:`explorer.estimators`; this module only lays out widgets and draws.
"""

from __future__ import annotations

import html
import math
import time
from typing import Any

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
from IPython.display import display
from plotly.subplots import make_subplots

from explorer import divergences as dv
from explorer import estimators, fitting, modes
from explorer import presets as targets
from explorer.ui._common import ErrorBox, fmt_value, friendly, panel, style_widget

PALETTE = [
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#1f77b4",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#31a354",
]
COLOURS = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(dv.names())}
P_FILL = "rgba(31,95,168,0.20)"
P_LINE = "#1f5fa8"
HANDLE_FILL = "#9cc2ea"
HANDLE_LINE_2D = "rgba(255,191,0,0.75)"  # the editable 1σ ring of each 2-D mode (amber on the blues)
DEFAULT_DIVERGENCES = ("kl", "reverse_kl", "js")
SIGMA_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
FIT_DASHES = ("solid", "dash", "longdash", "dashdot", "longdashdot")
"""Line style of the i-th chosen divergence's fit, so that fits which coincide (forward KL and
JS on two modes) stay visible one over the other (the faint local optima are dotted)."""
N_CURVE = 500
HANDLE_HEIGHT = 0.05  # the draggable bar under each mode, in fractions of the plot's height
HANDLE_MIN_WIDTH = 0.05  # a mode dragged narrower than this is clamped (as the width slider's low end)
HANDLE_LIMIT = 30.0  # centres and widths dragged further out are clamped
MARGIN = {"l": 50, "r": 20, "t": 40, "b": 40}
ALPHAS = np.round(np.linspace(0.0, 1.0, 21), 3)


def _label(name: str) -> str:
    d = dv.get(name)
    return f"{d.label} ({name})"


def _ellipse(q: Any, k: float = 2.0, n: int = 90) -> tuple[np.ndarray, np.ndarray]:
    """The k-σ ellipse of a 2-D Gaussian (or of each component's mean/cov)."""
    t = np.linspace(0, 2 * np.pi, n)
    vals, vecs = np.linalg.eigh(np.asarray(q.cov))
    pts = vecs @ (k * np.sqrt(np.maximum(vals, 0))[:, None] * np.vstack([np.cos(t), np.sin(t)]))
    return q.mean[0] + pts[0], q.mean[1] + pts[1]


def _ellipse_traces(q: Any, showlegend: bool = True, **style: Any) -> list[go.Scatter]:
    """The 2σ ellipse of each Gaussian component of q, one line trace each (legend on the first)."""
    traces = []
    for j, comp in enumerate(_components(q)):
        ex, ey = _ellipse(comp)
        traces.append(go.Scatter(x=ex, y=ey, mode="lines", showlegend=showlegend and j == 0, **style))
    return traces


def _tab_layout(title: str, **extra: Any) -> go.Layout:
    """The layout of the figures in the tabs (α path, playback): 380 px high, title top left."""
    return go.Layout(height=380, template="plotly_white", margin=MARGIN, title={"text": title, "x": 0.01},
                     **extra)


def _components(q: Any) -> list[Any]:
    return list(getattr(q, "components", [q]))


class FigureSlot:
    """A box holding one plotly FigureWidget, updated in place when the trace layout is unchanged.

    plotly's anywidget FigureWidget must be created *with* its data (an empty widget filled
    later stays blank in the browser), so a figure with a different set of traces gets a new
    widget; same-shaped figures (slider moves, playback) update the existing one's traces.
    """

    def __init__(self, css: str, on_shapes: Any = None):
        self.css = css
        self.on_shapes = on_shapes  # called with the layout's shapes after the user edits one
        self.box = W.Box([], layout=W.Layout(width="100%"))
        self.widget: go.FigureWidget | None = None
        self._retired: list[go.FigureWidget] = []

    def show(self, fig: go.Figure) -> None:
        old = self.widget
        same = old is not None and [t.type for t in old.data] == [t.type for t in fig.data]
        if same:
            with old.batch_update():
                for mine, new in zip(old.data, fig.data, strict=True):
                    mine.update(new.to_plotly_json(), overwrite=True)
                old.update_layout(fig.layout.to_plotly_json(), overwrite=True)
            return
        if old is not None:
            # keep the replaced widget alive: if Python collected it while the page was still
            # initialising its model, anywidget reports "Failed to initialize model" in the page
            self._retired.append(old)
        self.widget = go.FigureWidget(fig)
        self.widget.add_class(self.css)
        if self.on_shapes is not None:
            self.widget.layout.on_change(lambda layout, shapes: self.on_shapes(shapes), "shapes")
        self.box.children = [self.widget]


class ModeSeeking:
    """Widget tree and logic of the mode-seeking demo; ``widget`` is what the notebook shows."""

    def __init__(self, target: str = "two_gaussians", divergences: tuple[str, ...] = DEFAULT_DIVERGENCES):
        self.errors = ErrorBox()
        self.status = W.HTML("")
        self.status.add_class("dx-status")
        self.target_name = W.Dropdown(
            options=[(s.title, s.name) for s in targets.TARGETS.values()],
            value=target,
            description="target",
            layout=W.Layout(width="320px"),
        )
        self.target_name.add_class("dx-target")
        self.target_blurb = W.HTML("", layout=W.Layout(width="330px"))
        self.target_box = W.VBox([])
        self.target_sliders: dict[str, W.FloatSlider] = {}
        self.divs = W.SelectMultiple(
            options=[(_label(n), n) for n in dv.names()],
            value=divergences,
            rows=9,
            description="divergences",
            layout=W.Layout(width="320px"),
        )
        self.divs.add_class("dx-divergences")
        self.family = W.ToggleButtons(
            options=[("Gaussian", "gaussian"), ("mixture", "mixture")],
            value="gaussian",
            description="q family",
            style={"button_width": "80px"},
        )
        self.family.add_class("dx-family")
        self.components = W.IntSlider(value=2, min=2, max=5, description="components")
        self.restarts = W.IntSlider(value=8, min=1, max=16, description="restarts")
        self.restarts.add_class("dx-restarts")
        self.auto = W.Checkbox(value=True, description="refit when the target changes", indent=False)
        self.fit_button = W.Button(description="Fit", button_style="primary", icon="play")
        self.fit_button.add_class("dx-fit")
        self.progress = W.IntProgress(value=0, min=0, max=100, description="", layout=W.Layout(width="300px"))
        self.progress.add_class("dx-progress")
        self.table = W.HTML("")
        self.table.add_class("dx-table")
        self.figure = FigureSlot("dx-figure", on_shapes=self._handles_moved)
        self.results: dict[str, fitting.FitResult] = {}
        self.target: targets.Target | None = None
        self._fit_key: tuple | None = None
        self._build_tabs()

        self.target_name.observe(lambda c: self._target_chosen(), names="value")
        self.divs.observe(lambda c: self._divergences_changed(), names="value")
        self.fit_button.on_click(lambda b: self.fit())
        self.family.observe(lambda c: self._family_changed(), names="value")

        controls = W.HBox(
            [
                panel("Target p", [self.target_name, self.target_blurb, self.target_box], css="dx-side-p"),
                panel(
                    "Fit q",
                    [
                        self.divs,
                        self.family,
                        self.components,
                        self.restarts,
                        self.auto,
                        W.HBox([self.fit_button, self.progress]),
                    ],
                    css="dx-side-q",
                ),
            ],
            layout=W.Layout(flex_flow="row wrap"),
        )
        self.widget = W.VBox(
            [style_widget(), controls, self.errors, self.figure.box, self.status, self.table, self.tabs]
        )
        self.widget.add_class("dx-mode-seeking")
        self._family_changed(refit=False)
        self._live = False
        self._target_chosen()
        self._live = True

    # -- target ----------------------------------------------------------------------------------
    def _target_chosen(self) -> None:
        spec = targets.TARGETS[self.target_name.value]
        sliders = {}
        for prm in spec.params:
            lo, hi = prm.slider_range()
            s = W.FloatSlider(
                value=prm.default,
                min=lo,
                max=hi,
                step=prm.slider_step(),
                description=prm.title,
                continuous_update=False,
                style={"description_width": "150px"},
                layout=W.Layout(width="330px"),
            )
            s.add_class(f"dx-t-{prm.name}")
            s.observe(lambda c: self._target_changed(), names="value")
            sliders[prm.name] = s
        self.target_sliders = sliders
        self.target_box.children = list(sliders.values())
        self._target_changed()

    def _target_changed(self) -> None:
        friendly(self.errors, "building the target")(self._rebuild_target)()

    def _rebuild_target(self) -> None:
        params = {k: s.value for k, s in self.target_sliders.items()}
        target = targets.make(self.target_name.value, **params)
        spec = targets.TARGETS[self.target_name.value]
        blurb = f"<i>{html.escape(spec.description)}</i>"
        if targets.mode_handles(target) is not None:
            what = "a blue bar under a mode" if spec.dim == 1 else "the amber outline of a mode"
            blurb += (f"<br><span class='dx-drag-hint'>✥ Or edit p on the plot: click {what}, then "
                      "drag it (moves the mode) or pull a corner (changes its width). A slider resets "
                      "the edits.</span>")
        self.target_blurb.value = blurb
        self._set_target(target)

    def _handles_moved(self, shapes: Any) -> None:
        friendly(self.errors, "editing the target")(self._edit_target)(shapes)

    def _edit_target(self, shapes: Any) -> None:
        """The user dragged or resized a mode's shape (bar in 1-D, ellipse in 2-D): move/rescale it."""
        handles = targets.mode_handles(self.target) if self.target is not None else None
        if handles is None or len(shapes) != len(handles):
            return
        two_d = self.target.p.dim == 2
        centres, widths = [], []
        for shape in shapes:
            spans = [(shape.x0, shape.x1), (shape.y0, shape.y1)] if two_d else [(shape.x0, shape.x1)]
            centres.append([np.clip(0.5 * (lo + hi), -HANDLE_LIMIT, HANDLE_LIMIT) for lo, hi in spans])
            widths.append([np.clip(0.5 * abs(hi - lo), HANDLE_MIN_WIDTH, HANDLE_LIMIT) for lo, hi in spans])
        old_c = np.array([c for c, _ in handles], dtype=float).reshape(len(handles), -1)
        old_w = np.array([w for _, w in handles], dtype=float).reshape(len(handles), -1)
        new_c, new_w = np.array(centres, dtype=float), np.array(widths, dtype=float)
        changed = np.flatnonzero(np.any(np.abs(new_c - old_c) > 1e-9, axis=1)
                                 | np.any(np.abs(new_w - old_w) > 1e-9, axis=1))
        if not changed.size:
            return  # our own redraw, or a bar moved only vertically: not an edit of p
        shape = (len(handles), 2) if two_d else (len(handles),)
        self._set_target(targets.edit_modes(self.target, new_c.reshape(shape), new_w.reshape(shape)),
                         from_plot=True)

        def fmt(v: np.ndarray) -> str:
            return f"{v[0]:.2f}" if v.size == 1 else "(" + ", ".join(f"{u:.2f}" for u in v) + ")"

        edits = "; ".join(f"mode {i + 1} → centre {fmt(new_c[i])}, width {fmt(new_w[i])}" for i in changed)
        self.status.value += f" · p edited on the plot: {edits}."

    def _set_target(self, target: targets.Target, from_plot: bool = False) -> None:
        self.target = target
        self.results = {}
        self.landscape_out.clear_output()
        self.alpha_results = None
        if from_plot:  # the figure the user is dragging on: update it in place (see _show_new_p)
            self._show_new_p()
        elif self._live:  # p at once; the fits follow with a progress bar
            self._draw()  # (not while building: the first figure then already carries the fits, so no
            # FigureWidget is created and replaced before the page sees it; with a preheated kernel
            # that replaced widget made anywidget report "Failed to initialize model")
        self._table()
        if self.auto.value:
            self._fit()
        else:
            if not from_plot:
                self._draw()
            self.status.value = "Target changed: press <b>Fit</b>."

    def _show_new_p(self) -> None:
        """After a drag on the plot: redraw p and hide the old fits *in place*. Replacing the
        FigureWidget while plotly.js is still handling the mouse makes it hover on a purged plot
        ("Cannot read properties of undefined (reading '_hoverlayer')" in the page)."""
        widget = self.figure.widget
        new = go.Figure(self._traces_1d() if self.target.p.dim == 1 else self._traces_2d(), self._layout())
        with widget.batch_update():
            widget.data[0].update(new.data[0].to_plotly_json(), overwrite=True)
            for trace in widget.data[1:]:
                trace.visible = False
            widget.layout.title = new.layout.title

    def _family_changed(self, refit: bool = True) -> None:
        self.components.layout.display = None if self.family.value == "mixture" else "none"
        if refit and self.results:
            self.results = {}
            self._draw()
            self.status.value = "Model family changed: press <b>Fit</b>."

    def _divergences_changed(self) -> None:
        if not self.divs.value:
            return
        missing = [n for n in self.divs.value if n not in self.results]
        if self.results and missing and self.auto.value:
            self.fit(only=missing)
        else:
            self._draw()
            self._table()

    # -- fitting ---------------------------------------------------------------------------------
    def fit(self, only: list[str] | None = None) -> None:
        friendly(self.errors, "fitting")(self._fit)(only)

    def _fit(self, only: list[str] | None = None) -> None:
        names = list(only or self.divs.value)
        if not only:
            self.results = {}
        t0 = time.perf_counter()
        self.fit_button.disabled = True
        try:
            for i, name in enumerate(names):

                def progress(step: int, steps: int, i: int = i) -> None:
                    self.progress.value = int(100 * (i + step / max(steps, 1)) / len(names))

                self.status.value = f"Fitting {html.escape(_label(name))} ({i + 1}/{len(names)})…"
                self.results[name] = fitting.fit(
                    self.target.p,
                    family=self.family.value,
                    divergence=name,
                    restarts=self.restarts.value,
                    components=self.components.value,
                    progress=progress,
                )
            self.progress.value = 100
        finally:
            self.fit_button.disabled = False
        self._draw()
        self._table()
        self._refresh_tabs()
        secs = time.perf_counter() - t0
        self.status.value = (
            f"p = {html.escape(self.target.title)} · fitted {len(names)} divergence(s) × "
            f"{self.restarts.value} restarts in {secs:.2f} s. Faint curves: other local "
            "optima found by the restarts."
        )

    # -- main figure -----------------------------------------------------------------------------
    def _x(self) -> np.ndarray:
        lo, hi = self.target.p.plot_range()
        qs = [r.q for r in self.results.values()]
        for q in qs:
            a, b = q.plot_range()
            lo, hi = min(lo, a), max(hi, b)
        w = hi - lo
        lo, hi = (
            max(lo, self.target.p.plot_range()[0] - 0.5 * w),
            min(hi, self.target.p.plot_range()[1] + 0.5 * w),
        )
        return np.linspace(lo, hi, N_CURVE)

    def _draw(self) -> None:
        traces = self._traces_1d() if self.target.p.dim == 1 else self._traces_2d()
        self.figure.show(go.Figure(traces, self._layout()))

    def _layout(self) -> go.Layout:
        two_d = self.target.p.dim == 2
        lay = go.Layout(
            height=480,
            width=1050,
            template="plotly_white",
            margin=MARGIN,
            title={"text": f"{self.target.title}: fitted q per divergence", "x": 0.01},
            legend={"orientation": "v", "x": 1.01, "y": 1.0},
            font={"size": 13},
            xaxis={"title": "x" if not two_d else "x₁"},
            yaxis={"title": "density", "rangemode": "tozero"}
            if not two_d
            else {"title": "x₂", "scaleanchor": "x", "scaleratio": 1},
        )
        if two_d:  # p's range, widened to the best fits' 2σ ellipses by at most half its width
            (x0, x1), (y0, y1) = self.target.p.plot_range()
            lo, hi = np.array([x0, y0]), np.array([x1, y1])
            for _, r, _, _ in self._fits():
                for c in _components(r.q):
                    half = 2.0 * np.sqrt(np.diag(c.cov))
                    lo, hi = np.minimum(lo, c.mean - half), np.maximum(hi, c.mean + half)
            pad = 0.5 * np.array([x1 - x0, y1 - y0])
            lo, hi = np.maximum(lo, np.array([x0, y0]) - pad), np.minimum(hi, np.array([x1, y1]) + pad)
            lay.xaxis.range, lay.yaxis.range = [lo[0], hi[0]], [lo[1], hi[1]]
        handles = targets.mode_handles(self.target)
        if handles is not None:  # one shape per mode, spanning centre ± width: drag it to edit p
            lay.activeshape = {"fillcolor": P_LINE, "opacity": 0.6}  # the shape clicked for editing
            lay.shapes = [self._handle_shape(i, c, w) for i, (c, w) in enumerate(handles)]
        return lay

    def _handle_shape(self, i: int, centre: Any, width: Any) -> dict:
        """The editable plotly shape of mode i: a bar under it in 1-D, its 1σ ellipse in 2-D."""
        if self.target.p.dim == 1:
            return {"type": "rect", "xref": "x", "yref": "paper", "x0": centre - width, "x1": centre + width,
                    "y0": 0.0, "y1": HANDLE_HEIGHT, "editable": True, "layer": "above",
                    # fill opacity × opacity > ½, or plotly.js lets clicks on the bar's inside through
                    "fillcolor": HANDLE_FILL, "opacity": 0.8, "line": {"color": P_LINE, "width": 1},
                    "name": f"mode {i + 1}"}
        (cx, cy), (sx, sy) = centre, width
        # an outline only (a fill would hide the mode): plotly.js then takes clicks on the line,
        # so it is a wide, soft ring
        return {"type": "circle", "xref": "x", "yref": "y", "x0": cx - sx, "x1": cx + sx, "y0": cy - sy,
                "y1": cy + sy, "editable": True, "layer": "above", "fillcolor": "rgba(0,0,0,0)",
                "line": {"color": HANDLE_LINE_2D, "width": 6}, "name": f"mode {i + 1}"}

    def _fits(self) -> list[tuple[str, fitting.FitResult, str, str]]:
        """(name, result, colour, line dash) of each chosen divergence that has a fit."""
        return [(n, self.results[n], COLOURS[n], FIT_DASHES[i % len(FIT_DASHES)])
                for i, n in enumerate(self.divs.value) if n in self.results]

    def _traces_1d(self) -> list[go.BaseTraceType]:
        x = self._x()
        p = self.target.p
        out: list[go.BaseTraceType] = [
            go.Scatter(
                x=x,
                y=p.pdf(x),
                name="p (target)",
                mode="lines",
                fill="tozeroy",
                fillcolor=P_FILL,
                line={"color": P_LINE, "width": 2.5},
            )
        ]
        if self.target.samples is not None:
            out.append(
                go.Histogram(
                    x=np.ravel(self.target.samples),
                    histnorm="probability density",
                    name="p data",
                    marker={"color": P_LINE},
                    opacity=0.18,
                    nbinsx=40,
                )
            )
        for name, r, c, dash in self._fits():
            for k, o in enumerate(r.optima[1:], 1):
                out.append(
                    go.Scatter(
                        x=x,
                        y=o.q.pdf(x),
                        mode="lines",
                        legendgroup=name,
                        showlegend=False,
                        line={"color": c, "width": 1.2, "dash": "dot"},
                        opacity=0.45,
                        name=f"{name} optimum {k + 1}",
                        hovertemplate=f"{html.escape(name)}: local optimum, D = "
                        f"{fmt_value(o.value)}<extra></extra>",
                    )
                )
            out.append(
                go.Scatter(
                    x=x,
                    y=r.q.pdf(x),
                    mode="lines",
                    legendgroup=name,
                    name=f"{dv.get(name).label}: {fmt_value(r.value)}",
                    line={"color": c, "width": 3, "dash": dash},
                    hovertemplate=f"{html.escape(name)}: best of {len(r.optima)} optima, "
                    f"D = {fmt_value(r.value)}<extra></extra>",
                )
            )
        return out

    def _traces_2d(self) -> list[go.BaseTraceType]:
        p = self.target.p
        (x0, x1), (y0, y1) = p.plot_range()
        gx, gy = np.linspace(x0, x1, 120), np.linspace(y0, y1, 120)
        X, Y = np.meshgrid(gx, gy)
        Z = p.pdf(np.column_stack([X.ravel(), Y.ravel()])).reshape(X.shape)
        out: list[go.BaseTraceType] = [
            go.Contour(
                x=gx,
                y=gy,
                z=Z,
                name="p (target)",
                showscale=False,
                colorscale="Blues",
                contours={"coloring": "heatmap"},
                line={"width": 0.5},
                opacity=0.85,
                hoverinfo="skip",
            )
        ]
        if self.target.samples is not None:
            s = self.target.samples
            out.append(
                go.Scatter(
                    x=s[:, 0],
                    y=s[:, 1],
                    mode="markers",
                    name="p data",
                    marker={"size": 3, "color": "#123"},
                    opacity=0.5,
                )
            )
        for name, r, c, dash in self._fits():
            for o in r.optima[1:]:
                out += _ellipse_traces(
                    o.q, legendgroup=name, showlegend=False, opacity=0.5,
                    line={"color": c, "width": 1.2, "dash": "dot"},
                    hovertemplate=f"{html.escape(name)}: local optimum, D = "
                                  f"{fmt_value(o.value)}<extra></extra>")
            out += _ellipse_traces(
                r.q, legendgroup=name, name=f"{dv.get(name).label}: {fmt_value(r.value)}",
                line={"color": c, "width": 3, "dash": dash},
                hovertemplate=f"{html.escape(name)} (2σ ellipse), D = {fmt_value(r.value)}<extra></extra>")
        return out

    # -- summary table ---------------------------------------------------------------------------
    def _table(self) -> None:
        names = [n for n in self.divs.value if n in self.results]
        if not names:
            self.table.value = ""
            return
        head = (
            "<tr><th>fitted under</th><th>D at fit</th><th>path</th><th>optima</th><th>modes covered</th>"
            "<th>entropy H(q)</th>"
            + "".join(f"<th>{html.escape(dv.get(n).label)}(p‖q̂)</th>" for n in names)
            + "</tr>"
        )
        rows = []
        for name in names:
            r = self.results[name]
            cov = modes.coverage(self.target, r.q)
            cross = []
            for other in names:
                v = r.value if other == name else dv.compute(other, self.target.p, r.q)
                cls = " inf" if math.isinf(v) else ""
                bold = ("<b>", "</b>") if other == name else ("", "")
                cross.append(f"<td class='num{cls}'>{bold[0]}{fmt_value(v)}{bold[1]}</td>")
            stuck = f" (+{len(r.unsettled)} unsettled)" if r.unsettled else ""
            rows.append(
                f"<tr><td><span class='tag' style='background:{COLOURS[name]}'>{html.escape(_label(name))}"
                f"</span></td><td class='num'>{fmt_value(r.value)}</td><td>{html.escape(r.path)}</td>"
                f"<td class='num'>{len(r.optima)}{stuck}</td>"
                f"<td class='num'>{cov.n_covered} of {cov.n_modes}</td>"
                f"<td class='num'>{fmt_value(modes.entropy(r.q))}</td>{''.join(cross)}</tr>"
            )
        self.table.value = f"<table>{head}{''.join(rows)}</table>"

    # -- tabs ------------------------------------------------------------------------------------
    def _run_button(self, description: str, css: str, doing: str, action: Any) -> W.Button:
        """A ▶ button running ``action`` with errors reported as "… while <doing>"."""
        button = W.Button(description=description, icon="play", layout=W.Layout(width="auto"))
        button.add_class(css)
        button.on_click(lambda b: friendly(self.errors, doing)(action)())
        return button

    @staticmethod
    def _tab(text: str, *rows: W.Widget) -> W.VBox:
        """One tab: a sentence of explanation above its controls and output."""
        return W.VBox([W.HTML(text), *rows])

    def _build_tabs(self) -> None:
        # α slider
        self.alpha = W.SelectionSlider(options=list(ALPHAS), value=0.5, description="α",
                                       continuous_update=True, layout=W.Layout(width="500px"))
        self.alpha.add_class("dx-alpha-slider")
        self.alpha_button = self._run_button("Compute the α path", "dx-alpha-run", "computing the α path",
                                             self._alpha_path)
        self.alpha_figure = FigureSlot("dx-alpha-figure")
        self.alpha_results: list[fitting.FitResult] | None = None
        self.alpha.observe(lambda c: self._draw_alpha(), names="value")
        alpha_tab = self._tab(
            "α-divergence fits from α = 0 (reverse KL, mode-seeking) to α = 1 (forward KL, "
            "mode-covering); each α warm-started from its neighbour.",
            W.HBox([self.alpha_button, self.alpha]), self.alpha_figure.box)
        # landscape
        self.landscape_button = self._run_button("Draw the landscapes", "dx-landscape-run",
                                                 "drawing the landscape", self._landscape)
        self.landscape_out = W.Output()
        land_tab = self._tab(
            "D(p‖N(μ, σ²)) over mean × log-std for a 1-D Gaussian q (log colour scale); ✕ = the "
            "optima the restarts found, ★ = the best.",
            W.HBox([self.landscape_button]), self.landscape_out)
        # playback
        self.play = W.Play(value=0, min=0, max=1, step=1, interval=60)
        self.step = W.IntSlider(value=0, min=0, max=1, description="step")
        self.step.add_class("dx-step")
        W.jslink((self.play, "value"), (self.step, "value"))
        self.play_div = W.Dropdown(options=[], description="divergence")
        self.play_figure = FigureSlot("dx-play-figure")
        self.step.observe(lambda c: self._draw_step(), names="value")
        self.play_div.observe(lambda c: self._setup_playback(), names="value")
        play_tab = self._tab("Every restart's q during optimisation (Adam steps).",
                             W.HBox([self.play_div, self.play, self.step]), self.play_figure.box)
        # gradient weights
        self.weights_out = W.Output()
        weights_tab = self._tab(
            "For an f-divergence the fit's gradient is a score difference ∇log p − ∇log q averaged "
            "under q·h(r), r = p/q, h(r) = r²f''(r) (f-distill). The curves show q·h(r) (normalised) "
            "at one common q — the forward-KL fit — so you see which regions pull on q under each "
            "divergence: forward KL (h = r) listens where p ≫ q, reverse KL (h = 1) only where q "
            "already is.",
            self.weights_out)
        # estimators
        self.est_div = W.Dropdown(options=[(_label(n), n) for n in dv.names() if dv.get(n).samples],
                                  value="kl", description="estimator")
        self.est_reps = W.IntSlider(value=10, min=3, max=40, description="repeats")
        self.est_button = self._run_button("Run the study", "dx-estimator-run", "running the estimator study",
                                           self._study)
        self.est_progress = W.IntProgress(value=0, min=0, max=100)
        self.est_out = W.Output()
        est_tab = self._tab(
            "How many samples does a sample-based estimator need? Estimates of D(p‖q̂) from n "
            "samples of each (q̂ = the first fitted q), mean ± spread over repeats, against the "
            "exact value.",
            W.HBox([self.est_div, self.est_reps, self.est_button, self.est_progress]), self.est_out)
        self.tabs = W.Tab(children=[alpha_tab, land_tab, play_tab, weights_tab, est_tab])
        titles = ["α path", "Landscape", "Playback", "Gradient weights", "Estimators"]
        for i, t in enumerate(titles):
            self.tabs.set_title(i, t)
        self.tabs.add_class("dx-tabs")

    def _refresh_tabs(self) -> None:
        names = [n for n in self.divs.value if n in self.results]
        self.play_div.options = [(_label(n), n) for n in names]
        if names:
            self.play_div.value = names[0]
            self._setup_playback()
        self._weights()

    # α path
    def _alpha_path(self) -> None:
        p = self.target.p
        seeker = fitting.fit(p, divergence="alpha", alpha=0.0, restarts=self.restarts.value)
        init = np.repeat(seeker.history.theta[-1][seeker.best_restart][None], 1, axis=0)
        self.alpha_button.disabled = True
        try:
            path = fitting.fit_path(
                p,
                "alpha",
                "alpha",
                ALPHAS,
                restarts=1,
                init=init,
                steps=150,
                progress=lambda i, n: setattr(self.progress, "value", int(100 * i / n)),
            )
        finally:
            self.alpha_button.disabled = False
        self.alpha_results = path
        self._draw_alpha()

    def _draw_alpha(self) -> None:
        if not self.alpha_results:
            return
        i = list(ALPHAS).index(self.alpha.value)
        r = self.alpha_results[i]
        p = self.target.p
        if p.dim == 1:
            x = self._x()
            traces = [
                go.Scatter(
                    x=x, y=p.pdf(x), name="p", fill="tozeroy", fillcolor=P_FILL, line={"color": P_LINE}
                ),
                go.Scatter(
                    x=x,
                    y=r.q.pdf(x),
                    name=f"q at α = {self.alpha.value:g}",
                    line={"color": COLOURS["alpha"], "width": 3},
                ),
            ]
        else:
            ex, ey = _ellipse(_components(r.q)[0])
            traces = [
                *self._traces_2d()[:1],
                go.Scatter(
                    x=ex,
                    y=ey,
                    name=f"q at α = {self.alpha.value:g}",
                    line={"color": COLOURS["alpha"], "width": 3},
                ),
            ]
        title = f"α = {self.alpha.value:g}: D_α = {fmt_value(r.value)}"
        self.alpha_figure.show(go.Figure(traces, _tab_layout(title)))

    # landscape
    def _landscape(self) -> None:
        p = self.target.p
        self.landscape_out.clear_output()
        if p.dim != 1:
            with self.landscape_out:
                print("Loss landscapes are drawn for 1-D targets (q has 2 parameters there).")
            return
        names = [n for n in self.divs.value if n in self.results and n != "sinkhorn"][:4]
        lo, hi = p.plot_range()
        mu = np.linspace(lo, hi, 41)
        w = hi - lo
        ls = np.linspace(math.log(w / 80), math.log(w / 1.5), 41)
        figs = make_subplots(
            rows=1,
            cols=max(len(names), 1),
            subplot_titles=[_label(n) for n in names],
            horizontal_spacing=0.06,
        )
        for k, name in enumerate(names, 1):
            L = fitting.landscape(p, name, mu, ls, **self.results[name].params)
            Z = np.log10(
                np.maximum(L - np.nanmin(L[np.isfinite(L)]), 0) + 1e-3 * max(abs(np.nanmin(L)), 1e-3)
            )
            figs.add_trace(
                go.Heatmap(
                    x=mu,
                    y=np.exp(ls),
                    z=Z,
                    colorscale="Viridis",
                    showscale=False,
                    hovertemplate="μ=%{x:.2f} σ=%{y:.2f}<extra></extra>",
                ),
                1,
                k,
            )
            r = self.results[name]
            if r.family == "gaussian":
                qs = [o.q for o in r.optima]
                figs.add_trace(
                    go.Scatter(
                        x=[q.mean for q in qs[1:]],
                        y=[q.std for q in qs[1:]],
                        mode="markers",
                        marker={"symbol": "x", "size": 10, "color": "white"},
                        showlegend=False,
                    ),
                    1,
                    k,
                )
                figs.add_trace(
                    go.Scatter(
                        x=[qs[0].mean],
                        y=[qs[0].std],
                        mode="markers",
                        marker={
                            "symbol": "star",
                            "size": 15,
                            "color": "#ff4136",
                            "line": {"color": "white", "width": 1},
                        },
                        showlegend=False,
                    ),
                    1,
                    k,
                )
            figs.update_yaxes(type="log", title_text="σ" if k == 1 else None, row=1, col=k,
                              tickvals=SIGMA_TICKS, ticktext=[f"{t:g}" for t in SIGMA_TICKS])
            figs.update_xaxes(title_text="μ", row=1, col=k)
        figs.update_layout(height=360, template="plotly_white", margin=MARGIN)
        with self.landscape_out:
            figs.show()

    # playback
    def _setup_playback(self) -> None:
        r = self.results.get(self.play_div.value)
        if r is None:
            return
        self.step.max = r.history.steps
        self.play.max = r.history.steps
        self.step.value = r.history.steps
        self._draw_step()

    def _draw_step(self) -> None:
        r = self.results.get(self.play_div.value)
        if r is None:
            return
        s = min(self.step.value, r.history.steps)
        p = self.target.p
        c = COLOURS[r.divergence]
        if p.dim == 1:
            x = self._x()
            traces = [
                go.Scatter(
                    x=x, y=p.pdf(x), name="p", fill="tozeroy", fillcolor=P_FILL, line={"color": P_LINE}
                )
            ]
            for j in range(r.history.theta.shape[1]):
                traces.append(
                    go.Scatter(
                        x=x,
                        y=r.history.q(s, j).pdf(x),
                        mode="lines",
                        showlegend=False,
                        line={"color": c, "width": 3 if j == r.best_restart else 1.2},
                        opacity=1.0 if j == r.best_restart else 0.5,
                    )
                )
        else:
            traces = self._traces_2d()[:1]
            for j in range(r.history.theta.shape[1]):
                for comp in _components(r.history.q(s, j)):
                    ex, ey = _ellipse(comp)
                    traces.append(
                        go.Scatter(
                            x=ex,
                            y=ey,
                            mode="lines",
                            showlegend=False,
                            line={"color": c, "width": 3 if j == r.best_restart else 1.2},
                        )
                    )
        loss = r.history.loss[s]
        best = (
            float(np.nanmin(np.where(np.isfinite(loss), loss, np.nan)))
            if np.isfinite(loss).any()
            else math.inf
        )
        title = f"{_label(r.divergence)} · step {s}/{r.history.steps} · lowest objective {fmt_value(best)}"
        square = {"scaleanchor": "x"} if p.dim == 2 else {}
        self.play_figure.show(go.Figure(traces, _tab_layout(title, yaxis=square)))

    # gradient weights
    def _weights(self) -> None:
        self.weights_out.clear_output()
        p = self.target.p
        with self.weights_out:
            if p.dim != 1:
                print("The gradient-weight view is drawn for 1-D targets.")
                return
            names = [n for n in self.divs.value if dv.get(n).weight is not None]
            if not names:
                print("None of the chosen divergences is an f-divergence with a gradient weight h(r).")
                return
            q = (
                self.results["kl"].q
                if "kl" in self.results
                else fitting.fit(p, divergence="kl", restarts=1).q
            )
            x = self._x()
            fig = go.Figure(
                [
                    go.Scatter(
                        x=x,
                        y=p.pdf(x) / p.pdf(x).max(),
                        name="p (scaled)",
                        fill="tozeroy",
                        fillcolor=P_FILL,
                        line={"color": P_LINE, "width": 1},
                    )
                ]
            )
            for n in names:
                params = self.results[n].params if n in self.results else {}
                w = fitting.gradient_weight(p, q, n, x, **params)
                fig.add_trace(
                    go.Scatter(
                        x=x,
                        y=w / max(w.max(), 1e-300),
                        name=_label(n),
                        line={"color": COLOURS[n], "width": 2.5},
                    )
                )
            fig.update_layout(
                height=340,
                template="plotly_white",
                margin=MARGIN,
                title={"text": f"q·h(p/q) at q = {q.describe()} (each scaled to max 1)", "x": 0.01},
                yaxis={"title": "relative weight"},
                xaxis={"title": "x"},
            )
            fig.show()

    # estimators
    def _study(self) -> None:
        name = self.est_div.value
        fitted = next(iter(self.results.values()), None)
        if fitted is None:
            raise ValueError("fit first: the study compares p with the fitted q")
        ns = (25, 50, 100, 200, 400) if name != "sinkhorn" else (25, 50, 100, 200)
        total = len(ns) * self.est_reps.value

        def progress(done: int, tot: int) -> None:
            self.est_progress.value = int(100 * done / max(tot, 1))

        self.est_button.disabled = True
        try:
            res = estimators.study(
                name,
                self.target.p,
                fitted.q,
                ns=ns,
                reps=self.est_reps.value,
                seed=0,
                progress=progress,
                **{k: v for k, v in fitted.params.items() if name == fitted.divergence},
            )
        finally:
            self.est_button.disabled = False
        self.est_progress.value = 100
        self.est_out.clear_output()
        lo, hi = res.quantiles(0.1, 0.9)
        fig = go.Figure(
            [
                go.Scatter(
                    x=np.concatenate([res.ns, res.ns[::-1]]),
                    y=np.concatenate([hi, lo[::-1]]),
                    fill="toself",
                    fillcolor="rgba(214,39,40,0.15)",
                    line={"width": 0},
                    name="10–90 % of estimates",
                ),
                go.Scatter(
                    x=res.ns,
                    y=res.mean,
                    mode="lines+markers",
                    name="mean estimate",
                    line={"color": COLOURS.get(name, "#d62728"), "width": 2.5},
                ),
                go.Scatter(
                    x=[res.ns[0], res.ns[-1]],
                    y=[res.exact, res.exact],
                    mode="lines",
                    name=f"exact ({res.exact_method})",
                    line={"color": "black", "dash": "dash"},
                ),
            ]
        )
        fig.update_layout(
            height=340,
            template="plotly_white",
            xaxis={"type": "log", "title": "n per sample", "tickvals": list(res.ns),
                   "ticktext": [str(int(n)) for n in res.ns]},
            yaxis={"title": res.label},
            margin=MARGIN,
            title={"text": f"{_label(name)} estimator on p vs q̂ ({total} estimates)", "x": 0.01},
        )
        with self.est_out:
            fig.show()
            print(res.summary())


def build(target: str = "two_gaussians") -> ModeSeeking:
    """The demo object (its ``widget`` is the page); handy in tests and scripts."""
    return ModeSeeking(target)


def show(target: str = "two_gaussians") -> None:
    """Display the demo in the notebook / Voila page."""
    display(build(target).widget)
