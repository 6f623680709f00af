"""The divergence calculator page (notebooks/01_divergence_calculator.ipynb).

Pick a target p and a model q, move their sliders, and see both densities and every
registered divergence, D(p‖q) and - for the asymmetric ones - D(q‖p). All numbers come from
:func:`explorer.divergences.compute_both`; this module only builds widgets and plots.
"""

from __future__ import annotations

import html
import math
import time
import unicodedata
from typing import Any

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
from IPython.display import display
from plotly.subplots import make_subplots

from explorer import divergences as dv
from explorer.glossary import GLOSSARY
from explorer.params import Param
from explorer.presets import FAMILIES, PRESETS, Family, Scene, default_values, params_in, scene_for
from explorer.ui._common import (
    BEHAVIOUR_COLOURS,
    P_COLOUR,
    Q_COLOUR,
    ErrorBox,
    fmt_value,
    friendly,
    panel,
    style_widget,
)

N_CURVE = 500
FWD_COLOUR = "#2c3e50"
REV_COLOUR = "#a9b7c6"
# Symbols of registry parameters whose name is not a Greek letter's (those are looked up).
PARAM_SYMBOLS = {"bandwidth": "ℓ"}
LOG_STEP = 0.01  # step of the log sliders, in decades
# CSS classes the divergence-parameter sliders carried before they came from the registry.
LEGACY_PARAM_CSS = {("alpha", "alpha"): "dx-alpha", ("renyi", "order"): "dx-order",
                    ("mmd", "bandwidth"): "dx-mmd-bandwidth"}


def param_symbol(param: Param) -> str:
    """'α' for a parameter named 'alpha', 'ℓ' for 'bandwidth', else the name itself."""
    if param.name in PARAM_SYMBOLS:
        return PARAM_SYMBOLS[param.name]
    try:
        return unicodedata.lookup(f"GREEK SMALL LETTER {param.name.upper()}")
    except KeyError:
        return param.name


def param_label(div: dv.Divergence, param: Param) -> str:
    """Slider description from the registry: 'α (α-div.)', 'order (Rényi)', 'ℓ (MMD)', 'ε (Sinkhorn)'.

    The divergence is named by its label (without a trailing ², 'MMD²' → 'MMD'); a label written
    with the parameter's own symbol ('D_α', 'S_ε') says nothing next to it, so the registry name
    is used instead ('sinkhorn' → 'Sinkhorn', and 'alpha', the α-divergence → 'α-div.').
    """
    symbol = param_symbol(param)
    tag = div.label.rstrip("²")
    if symbol in tag:
        tag = f"{symbol}-div." if div.name == param.name else div.name.replace("_", " ").capitalize()
    return f"{symbol} ({tag})"


def _log_limits(lo: float, hi: float, value: float) -> tuple[float, float]:
    """Exponent range of a FloatLogSlider inside [lo, hi] whose step grid contains ``value``.

    The front end snaps a log slider to ``min + k·step`` in the exponent, so an unaligned ``min``
    would show the default 1.0 as 0.998.
    """
    e = math.log10(value)
    n_lo = max(math.floor((e - math.log10(lo)) / LOG_STEP + 1e-6), 1)
    n_hi = max(math.floor((math.log10(hi) - e) / LOG_STEP + 1e-6), 1)
    return e - n_lo * LOG_STEP, e + n_hi * LOG_STEP


def _nice_step(span: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is at least span/100."""
    raw = span / 100
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw * (1 - 1e-9))


class Side:
    """Family dropdown + parameter sliders for one distribution (``who`` is 'p' or 'q')."""

    def __init__(self, who: str, family: str, on_change: Any):
        self.who = who
        self._on_change = on_change
        self._muted = False
        self.dropdown = W.Dropdown(options=list(FAMILIES), value=family, description="family",
                                   layout=W.Layout(width="330px"))
        self.dropdown.add_class(f"dx-{who}-family")
        self.sliders: dict[str, W.Widget] = {}
        self.box = W.VBox([])
        self.blurb = W.HTML("")
        self.dropdown.observe(self._family_changed, names="value")

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
            lo, hi = spec.slider_range()
            if spec.log:
                s = W.FloatLogSlider(value=v, base=10, min=math.log10(lo), max=math.log10(hi),
                                     step=0.01, description=spec.title, readout_format=".3g")
            else:
                s = W.FloatSlider(value=min(max(v, lo), hi), min=lo, max=hi, step=spec.slider_step(),
                                  description=spec.title, readout_format=".3g")
            s.style.description_width = "130px"
            s.layout.width = "330px"
            s.add_class(f"dx-{self.who}-{spec.name}")
            s.observe(self._value_changed, names="value")
            sliders[spec.name] = s
        self.sliders = sliders
        self.box.children = list(sliders.values())
        self.blurb.value = f"<small>{html.escape(fam.blurb)}</small>" if fam.blurb else ""

    def values(self) -> dict[str, float]:
        return {k: float(s.value) for k, s in self.sliders.items()}

    def distribution(self):
        return self.family.build(self.values())

    def _family_changed(self, change: dict) -> None:
        if not self._muted:
            self._on_change(family_changed=True)

    def _value_changed(self, change: dict) -> None:
        if not self._muted:
            self._on_change(family_changed=False)

    def set_family(self, family: str) -> None:
        self._muted = True
        try:
            self.dropdown.value = family
        finally:
            self._muted = False

    @property
    def widget(self) -> W.Widget:
        title = "p — target" if self.who == "p" else "q — model"
        return panel(title, [self.dropdown, self.blurb, self.box], css=f"dx-side-{self.who}")


class Calculator:
    """Widget tree and update logic of the calculator; ``widget`` is what the notebook shows."""

    def __init__(self, preset: str = "Two modes vs one Gaussian"):
        self.errors = ErrorBox()
        self.status = W.HTML("")
        self.status.add_class("dx-status")
        self.p_side = Side("p", PRESETS[preset][0], self._changed)
        self.q_side = Side("q", PRESETS[preset][2], self._changed)
        self.preset = W.Dropdown(options=["(choose a preset)", *PRESETS], value="(choose a preset)",
                                 description="preset", layout=W.Layout(width="330px"))
        self.preset.add_class("dx-preset")
        self._muted = False  # set while sliders are reset programmatically (one update after)
        self._scene = scene_for(FAMILIES[PRESETS[preset][0]], FAMILIES[PRESETS[preset][2]])
        # one slider per (divergence, parameter) of the registry, in registry order
        self.param_sliders: dict[tuple[str, str], W.Widget] = {}
        for name in dv.names():
            div = dv.get(name)
            for param in div.params:
                self.param_sliders[name, param.name] = self._param_slider(div, param)
        self.units = W.ToggleButtons(options=["nats", "bits"], value="nats", description="units",
                                     style={"button_width": "60px"})
        self.units.add_class("dx-units")
        self.units.style.description_width = "90px"
        for w in (*self.param_sliders.values(), self.units):
            w.observe(self._param_changed, names="value")
        self.table = W.HTML("")
        self.table.add_class("dx-table")
        self.figure: go.FigureWidget | None = None  # created on the first draw, with its data
        self.preset.observe(self._preset_chosen, names="value")
        self._apply_preset(preset)
        glossary = W.Accordion(children=[W.HTML(self._glossary_html())])
        glossary.set_title(0, "Glossary: what exactly is computed")
        glossary.selected_index = None
        controls = W.HBox([
            self.p_side.widget,
            self.q_side.widget,
            panel("Divergence parameters", [self.preset, *self.param_sliders.values(), self.units],
                  css="dx-div-params"),
        ], layout=W.Layout(flex_flow="row wrap"))
        self.widget = W.VBox([style_widget(), controls, self.errors, self.figure, self.status,
                              self.table, glossary])
        self.widget.add_class("dx-calculator")

    # -- building ------------------------------------------------------------------------------
    def _param_range(self, param: Param) -> tuple[float, float, float]:
        """(slider min, slider max, default) of ``param`` in the current scene's units."""
        factor = self._scene.unit ** param.unit
        lo, hi = param.slider
        return lo * factor, hi * factor, param.default * factor

    def _param_slider(self, div: dv.Divergence, param: Param) -> W.Widget:
        lo, hi, value = self._param_range(param)
        common = {"description": param_label(div, param), "tooltip": param.doc, "readout_format": ".3g"}
        if param.log or param.unit > 0:
            e_lo, e_hi = _log_limits(lo, hi, value)
            s = W.FloatLogSlider(value=value, base=10, min=e_lo, max=e_hi, step=LOG_STEP, **common)
        else:
            s = W.FloatSlider(value=min(max(value, lo), hi), min=lo, max=hi, step=_nice_step(hi - lo),
                              **common)
        s.style.description_width = "90px"
        s.layout.width = "330px"
        s.add_class(f"dx-param-{div.name}-{param.name}")
        if (div.name, param.name) in LEGACY_PARAM_CSS:
            s.add_class(LEGACY_PARAM_CSS[div.name, param.name])
        return s

    def _rescale_params(self) -> None:
        """Put the length-valued parameters back to their defaults in the current scene's units."""
        for (name, pname), s in self.param_sliders.items():
            param = next(p for p in dv.get(name).params if p.name == pname)
            if param.unit == 0:
                continue
            lo, hi, value = self._param_range(param)
            # validate min/max/value together, and send them to the page in one message
            with s.hold_sync(), s.hold_trait_notifications():
                s.min, s.max = _log_limits(lo, hi, value)
                s.value = value

    @staticmethod
    def _make_figure() -> go.Figure:
        fig = make_subplots(rows=1, cols=2, column_widths=[0.52, 0.48], horizontal_spacing=0.17,
                            subplot_titles=("Densities", "Divergences (log scale)"))
        fig.add_trace(go.Scatter(name="p (target)", mode="lines", fill="tozeroy",
                                 line={"color": P_COLOUR, "width": 2.5},
                                 fillcolor="rgba(31,95,168,0.18)"), 1, 1)
        fig.add_trace(go.Scatter(name="q (model)", mode="lines",
                                 line={"color": Q_COLOUR, "width": 2.5, "dash": "dash"}), 1, 1)
        for who, colour in (("p", P_COLOUR), ("q", Q_COLOUR)):
            fig.add_trace(go.Histogram(name=f"{who} data", histnorm="probability density",
                                       marker={"color": colour}, opacity=0.22, showlegend=False,
                                       visible=False, nbinsx=40), 1, 1)
        labels = [dv.get(n).label for n in dv.names()]
        for name, colour in (("D(p‖q)", FWD_COLOUR), ("D(q‖p)", REV_COLOUR)):
            fig.add_trace(go.Bar(name=name, orientation="h", y=labels, x=[None] * len(labels),
                                 marker={"color": colour, "pattern": {"shape": [""] * len(labels)}},
                                 textposition="outside", cliponaxis=False, constraintext="none",
                                 textfont={"size": 11}), 1, 2)
        fig.update_layout(height=620, margin={"l": 40, "r": 40, "t": 60, "b": 40}, barmode="group",
                          bargap=0.25, template="plotly_white", uirevision="keep",
                          legend={"orientation": "h", "y": -0.08, "x": 0.0},
                          font={"size": 13})
        fig.update_xaxes(title_text="x", row=1, col=1)
        fig.update_yaxes(title_text="density", rangemode="tozero", row=1, col=1)
        fig.update_xaxes(type="log", title_text="value (∞ drawn to the edge, hatched)", row=1, col=2)
        fig.update_yaxes(autorange="reversed", row=1, col=2)
        return fig

    @staticmethod
    def _glossary_html() -> str:
        rows = "".join(f"<p><b>{html.escape(k)}</b>: {html.escape(v)}</p>" for k, v in GLOSSARY.items())
        return f"<div style='max-width: 900px; font-size: 13px'>{rows}</div>"

    # -- events --------------------------------------------------------------------------------
    def _preset_chosen(self, change: dict) -> None:
        if change["new"] in PRESETS:
            self._apply_preset(change["new"])

    def _apply_preset(self, name: str) -> None:
        pf, pv, qf, qv = PRESETS[name]
        self.p_side.set_family(pf)
        self.q_side.set_family(qf)
        scene = scene_for(FAMILIES[pf], FAMILIES[qf])
        self.p_side.rebuild(scene, default_values(FAMILIES[pf], scene, pv))
        self.q_side.rebuild(scene, default_values(FAMILIES[qf], scene, qv))
        self._set_scene(scene)
        self.update()

    def _set_scene(self, scene: Scene) -> None:
        self._scene = scene
        self._muted = True
        try:
            self._rescale_params()
        finally:
            self._muted = False

    def _param_changed(self, change: dict) -> None:
        if not self._muted:
            self._changed()

    def _changed(self, family_changed: bool = False) -> None:
        if family_changed:
            scene = scene_for(self.p_side.family, self.q_side.family)
            if scene != self._scene:
                # new scene: both sides re-laid out with defaults in the new units
                self.p_side.rebuild(scene)
                self.q_side.rebuild(scene)
                self._set_scene(scene)
            else:
                for side in (self.p_side, self.q_side):
                    if set(side.sliders) != {s.name for s in side.family.params}:
                        side.rebuild(scene)
        self.update()

    # -- computing and drawing -----------------------------------------------------------------
    def params(self) -> dict[str, dict[str, float]]:
        """``{divergence: {parameter: value}}`` from the divergence-parameter sliders."""
        out: dict[str, dict[str, float]] = {}
        for (name, pname), s in self.param_sliders.items():
            out.setdefault(name, {})[pname] = float(s.value)
        return out

    def compute(self) -> tuple[Any, Any, dict, float]:
        p = self.p_side.distribution()
        q = self.q_side.distribution()
        t0 = time.perf_counter()
        base = 2 if self.units.value == "bits" else None
        results = dv.compute_both(p, q, params=self.params(), base=base)
        return p, q, results, time.perf_counter() - t0

    def update(self) -> None:
        friendly(self.errors, "computing the divergences")(self._update)()

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

    def _curve_x(self, p, q) -> np.ndarray:
        lo = min(p.plot_range()[0], q.plot_range()[0])
        hi = max(p.plot_range()[1], q.plot_range()[1])
        x = np.linspace(lo, hi, N_CURVE)
        edges = [b for b in (*p.breakpoints(), *q.breakpoints()) if lo < b < hi]
        for b in (*edges, *(s for d in (p, q) for s in d.support if lo < s < hi)):
            x = np.concatenate([x, [np.nextafter(b, -np.inf), b, np.nextafter(b, np.inf)]])
        return np.unique(x)

    def _draw(self, p, q, results: dict) -> None:
        x = self._curve_x(p, q)
        fwd = [pair[0].value for pair in results.values()]
        rev = [None if pair[1] is None else pair[1].value for pair in results.values()]
        finite = [v for v in (*fwd, *rev) if v is not None and 0 < v < math.inf]
        lo = 10 ** (math.floor(math.log10(min(finite))) - 0.3) if finite else 1e-4
        hi = 10 ** (math.ceil(math.log10(max(finite))) + 0.6) if finite else 10.0
        lo = max(lo, hi * 1e-9)

        def bar(vals: list) -> tuple[list, list, list, list]:
            xs, texts, patterns, where = [], [], [], []
            for v in vals:
                if v is None:
                    xs.append(None)
                    texts.append("")
                    patterns.append("")
                    where.append("none")
                elif math.isinf(v):
                    xs.append(hi)
                    texts.append("∞")
                    patterns.append("/")
                    where.append("outside")
                else:
                    xs.append(max(v, lo))
                    texts.append(fmt_value(v))
                    patterns.append("")
                    where.append("outside")
            return xs, texts, patterns, where

        fx, ft, fp, fw = bar(fwd)
        rx, rt, rp, rw = bar(rev)
        # A FigureWidget drops updates made before it is displayed, so the first draw fills a
        # plain Figure and wraps it; later draws mutate the live widget in one batch.
        fig = self.figure if self.figure is not None else self._make_figure()
        with fig.batch_update():
            d = fig.data
            xs = x.tolist()
            d[0].x, d[0].y = xs, p.pdf(x).tolist()
            d[1].x, d[1].y = xs, q.pdf(x).tolist()
            for trace, dist in ((d[2], p), (d[3], q)):
                samples = getattr(dist, "samples", None)
                if samples is not None and np.ndim(samples) == 1:
                    trace.x, trace.visible = samples.tolist(), True
                else:
                    trace.visible = False
            d[4].x, d[4].text, d[4].marker.pattern.shape, d[4].textposition = fx, ft, fp, fw
            d[5].x, d[5].text, d[5].marker.pattern.shape, d[5].textposition = rx, rt, rp, rw
            fig.layout.xaxis2.range = [math.log10(lo), math.log10(hi)]
        if self.figure is None:
            self.figure = go.FigureWidget(fig)
            self.figure.add_class("dx-figure")
        self.table.value = self._table_html(results)

    def _table_html(self, results: dict) -> str:
        def cell(r) -> str:
            if r is None:
                return "<td class='num'>= D(p‖q)</td>"
            if r.is_infinite:
                why = html.escape(r.note.replace("infinite: ", ""))
                return f"<td class='num'><span class='inf'>∞</span><span class='why'>{why}</span></td>"
            return f"<td class='num'>{fmt_value(r.value)}</td>"

        rows = []
        for name, (fwd, rev) in results.items():
            div = dv.get(name)
            beh = div.behaviour_for(fwd.params)
            props = ", ".join(
                t for t, ok in (("symmetric", div.symmetric), ("metric", div.metric),
                                ("√ is a metric", div.sqrt_metric and not div.metric),
                                ("f-divergence", div.f_divergence)) if ok
            )
            units = fwd.units or "—"
            rows.append(
                f"<tr><td title='{html.escape(div.formula)}'><b>{html.escape(div.label)}</b> "
                f"<small>({html.escape(name)})</small></td>{cell(fwd)}{cell(rev)}"
                f"<td>{html.escape(units)}</td><td>{html.escape(fwd.method)}</td>"
                f"<td><span class='tag' style='background:{BEHAVIOUR_COLOURS[beh]}'>{beh}</span></td>"
                f"<td class='props'>{html.escape(props)}</td></tr>"
            )
        head = ("<tr><th>divergence</th><th>D(p‖q)</th><th>D(q‖p)</th><th>units</th><th>method</th>"
                "<th>fitting q to p is</th><th>properties</th></tr>")
        return f"<table>{head}{''.join(rows)}</table>"


def build(preset: str = "Two modes vs one Gaussian") -> Calculator:
    """Build the calculator (returns the object; ``.widget`` is the widget tree)."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}")
    return Calculator(preset)


def show(preset: str = "Two modes vs one Gaussian") -> None:
    """Display the calculator in the notebook / Voila page."""
    display(build(preset).widget)
