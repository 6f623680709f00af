"""The "IB curve" tab: a joint distribution, the IB plane with the full curve, the point at β and
the encoder p(t|x); iterative vs deterministic IB; the Gaussian closed form where it applies.

A new joint (preset or slider) is drawn at once — p(y|x), I(X;Y), the closed form — and the curve
follows from a :class:`~explorer.ui.widgets.LatestRunner` with a progress bar (a newer setting
supersedes it). Curves are kept per setting, so going back is instant. The β slider only reads
the computed result (:meth:`IBResult.at`) and patches three traces in place.

The joint *Your data (CSV / paste)* (:data:`~explorer.presets.joints.USER_JOINT`) shows a
:class:`~explorer.ui.widgets.upload.DataUpload` for two columns under its bin sliders: the
visitor's rows become the pmf through :func:`explorer.presets.user_joint` (the example rows until
then, or when a link chooses it: the data are never in a link). A refusal stays in the upload's
box and leaves the plot as it was. Cached curves are keyed by the data's digest too, so new data
are never served an old curve.
"""

from __future__ import annotations

import hashlib
import html
import time
from typing import Any, NamedTuple

import ipywidgets as W
import numpy as np

from explorer import information as info
from explorer.presets.joints import (
    JOINTS,
    USER_JOINT,
    make_joint,
    user_joint,
    user_joint_example,
    y_is_categorical,
)
from explorer.ui.information import ib_plot
from explorer.ui.information.tab import Tab, teaching
from explorer.ui.widgets import FigureSlot, Job, slider
from explorer.ui.widgets.controls import log_limits
from explorer.ui.widgets.text import status_line
from explorer.ui.widgets.upload import DataUpload

__all__ = ["BETAS", "DEFAULT_JOINT", "MAX_ITER", "TOL", "IBTab"]

DEFAULT_JOINT = "hierarchy"
BETAS = np.geomspace(0.1, 1000.0, 50)
#: solver limits of the page (a point that misses them is drawn hollow and says so)
TOL, MAX_ITER = 1e-6, 300
METHODS = ("iterative", "deterministic")

TEXT = (
    "<b>The information bottleneck</b> (Tishby, Pereira &amp; Bialek 1999) squeezes X into a "
    "summary T that keeps as much as possible about Y: it minimises I(X;T) − β·I(T;Y). Each β gives "
    "one point of the <i>IB curve</i>, the best I(T;Y) reachable for a given I(X;T). Check here: "
    "the curve is non-decreasing and concave, never above I(X;Y) (the dashed line), its slope at "
    "the point of β is 1/β (the dotted line touches it there); below a critical β the best T is "
    "trivial, I(X;T) = 0; as β grows, clusters split at <i>phase transitions</i> (watch the "
    "<i>Hierarchical clusters</i> preset split into 2, 4, 8 blocks in p(t|x)). The "
    "<b>deterministic IB</b> (Strouse &amp; Schwab 2017) uses H(T) instead of I(X;T) and hard "
    "assignments. For the <b>Gaussian pair</b>, the closed form of Chechik et al. (2005) is the "
    "truth the discretised problem approaches (up to log |T| nats)."
)


def compute_curves(job: Job, pmf: np.ndarray, methods: tuple[str, ...], n_clusters: int,
                   restarts: int) -> dict[str, Any]:
    """Each method's IB curve in turn, streaming ``(fraction done, curves so far)`` through ``job``
    (a superseded job stops with :class:`~explorer.ui.widgets.Cancelled`)."""
    out: dict[str, Any] = {}
    total = len(methods)
    for i, method in enumerate(methods):
        def progress(done: int, of: int, i: int = i) -> None:
            job.emit(((i + done / max(of, 1)) / total, dict(out)))

        out[method] = info.ib_curve(pmf, BETAS, n_clusters=n_clusters, method=method, restarts=restarts,
                                    seed=0, tol=TOL, max_iter=MAX_ITER, callback=progress,
                                    should_stop=lambda: job.cancelled)
        job.check()
    return out


class UserRows(NamedTuple):
    """The visitor's rows as taken: the samples, the columns' names, where they came from, the rows
    kept and dropped (:meth:`SampleReport.summary`) and a digest of the samples (the cache's key)."""

    xy: np.ndarray
    x_name: str
    y_name: str
    source: str
    rows: str
    digest: str


class IBTab(Tab):
    title = "IB curve"
    doing = "computing the IB curve"

    def __init__(self, *args: Any, joint: str = DEFAULT_JOINT, **kwargs: Any):
        super().__init__(*args, **kwargs)
        c = self.controls
        self.preset = c.add("ib.preset", W.Dropdown(
            options=[(s.title, s.name) for s in JOINTS.values()], value=joint, description="p(x, y)",
            layout=W.Layout(width="340px")))
        self.preset.add_class("dx-ib-preset")
        self.blurb = W.HTML("", layout=W.Layout(width="340px"))
        self.joint_box = W.VBox([])
        self.user_data: UserRows | None = None  # the visitor's rows (the example until then)
        self.upload = DataUpload(2, self._user_samples, example=user_joint_example()[1], css="dx-ib-upload")
        self.upload.paste.layout.width = "300px"
        self.upload.paste.layout.height = "80px"
        self.upload.widget.layout.max_width = "560px"
        self.upload.widget.layout.display = "none"
        self.method = c.add("ib.method", W.ToggleButtons(
            options=[("iterative IB", "iterative"), ("deterministic IB", "deterministic")], value="iterative",
            description="method", style={"button_width": "120px"}))
        self.method.add_class("dx-ib-method")
        self.compare = c.add("ib.compare", W.Checkbox(value=True, description="also draw the other method",
                                                      indent=False))
        self.clusters = c.add("ib.clusters", W.IntSlider(value=8, min=2, max=16, description="|T| clusters",
                                                         continuous_update=False))
        self.clusters.add_class("dx-ib-clusters")
        self.restarts = c.add("ib.restarts", W.IntSlider(value=1, min=1, max=4, description="restarts",
                                                         continuous_update=False))
        lo, hi = log_limits(float(BETAS[0]), float(BETAS[-1]), 5.0)
        self.beta = c.add("ib.beta", W.FloatLogSlider(value=5.0, base=10, min=lo, max=hi, step=0.01,
                                                      description="β", readout_format=".3g",
                                                      continuous_update=True, layout=W.Layout(width="420px")))
        self.beta.add_class("dx-ib-beta")
        self.progress = W.IntProgress(value=0, min=0, max=100, layout=W.Layout(width="220px"))
        self.progress.add_class("dx-ib-progress")
        self.status = status_line("dx-ib-status")
        self.readout = W.HTML("")
        self.readout.add_class("dx-ib-readout")
        self.figure = FigureSlot("dx-ib-figure")
        self.figure.box.add_class("dx-figure-box")
        self._runner = self.runner("dx-ib")
        self.scene: Any = None
        self.closed: Any = None
        self.results: dict[str, Any] = {}  # the curves of the current setting, by method
        self._cache: dict[tuple, dict[str, Any]] = {}
        self._key: tuple = ()
        self._t0 = 0.0

        c.observe(lambda n, ch: self.guard("building the joint distribution", self._preset_chosen),
                  names="ib.preset")
        c.observe(lambda n, ch: self.guard("building the joint distribution", self._setting_changed),
                  names=["ib.joint", "ib.clusters", "ib.restarts", "ib.compare"])
        c.observe(lambda n, ch: self.guard("drawing the IB curve", self._method_changed), names="ib.method")
        c.observe(lambda n, ch: self.guard("moving β", self._beta_moved), names="ib.beta")

        from explorer.ui._common import panel

        side = W.HBox([
            panel("Joint distribution p(x, y)", [self.preset, self.blurb, self.joint_box, self.upload.widget],
                  css="dx-ib-joint"),
            panel("Information bottleneck", [self.method, self.compare, self.clusters, self.restarts,
                                             W.HBox([self.progress, self.status])], css="dx-ib-side"),
        ], layout=W.Layout(flex_flow="row wrap"))
        self.widget = W.VBox([teaching(TEXT), side, self.beta, self.readout, self.figure.box])
        self._build_sliders()

    # -- controls --------------------------------------------------------------------------------
    def _build_sliders(self) -> None:
        spec = JOINTS[self.preset.value]
        sliders = {p.name: slider(p, css=f"dx-ib-{p.name}", continuous_update=False,
                                  description_width="120px", width="320px") for p in spec.params}
        self.controls.replace_group("ib.joint", sliders)
        self.joint_box.children = list(sliders.values())
        self.upload.widget.layout.display = None if spec.user else "none"
        self.blurb.layout.width = "440px" if spec.user else "340px"  # as wide as the upload box

    def _user_samples(self, xy: np.ndarray, report: Any) -> None:
        """The upload's rows: refused here (in the upload's box, the plot unchanged) if no pmf can be
        made of them; else kept and drawn — an upload while another joint is shown chooses "your data"."""
        x_name, y_name = report.columns
        values = (self.joint_values() if JOINTS[self.preset.value].user
                  else dict(JOINTS[USER_JOINT].params.defaults()))
        user_joint(xy, x_label=x_name, y_label=y_name, **values)  # ValueError: refused before any change
        digest = hashlib.blake2b(np.ascontiguousarray(xy).tobytes(), digest_size=12).hexdigest()
        self.user_data = UserRows(xy, x_name, y_name, self.upload.source, report.summary(), digest)
        if JOINTS[self.preset.value].user:
            self._setting_changed()
        else:
            self.preset.value = USER_JOINT

    def _build_scene(self, spec: Any, values: dict[str, float]) -> tuple[Any, str, str]:
        """The joint of ``spec`` at ``values``, its blurb (HTML) and the identity of its data."""
        blurb = f"<i>{html.escape(spec.description)}</i>"
        if not (spec.user and self.user_data is not None):
            scene = make_joint(spec.name, **values)
            data_id = "example" if spec.user else ""
            if spec.user:
                blurb += "<br>A link to this view keeps the settings, not the data."
            return scene, blurb + f"<br><span class='dx-status'>{html.escape(scene.note)}</span>", data_id
        d = self.user_data
        scene = user_joint(d.xy, x_label=d.x_name, y_label=d.y_name,
                           **spec.params.resolve(values, owner=spec.name))
        note = f"{d.source}: {d.rows}. {scene.note} A link to this view keeps the settings, not the data."
        return scene, blurb + f"<br><span class='dx-status'>{html.escape(note)}</span>", d.digest

    def _preset_chosen(self) -> None:
        with self.controls.muted():
            self._build_sliders()
        self._setting_changed()

    def joint_values(self) -> dict[str, float]:
        return {k: w.value for k, w in self.controls.group("ib.joint").items()}

    def first_show(self) -> None:
        self._setting_changed()

    # -- events ----------------------------------------------------------------------------------
    def _setting_changed(self) -> None:
        """New joint or solver setting: draw what is known at once, compute the curves behind."""
        if not self.shown:
            return
        values = self.joint_values()
        spec = JOINTS[self.preset.value]
        self.scene, self.blurb.value, data_id = self._build_scene(spec, values)
        if spec.user:  # a y column read as categories has no bins
            xy = self.user_data.xy if self.user_data is not None else user_joint_example()[0]
            self.controls.group("ib.joint")["y_bins"].disabled = y_is_categorical(xy)
        self.closed = (info.gaussian_ib_curve(*self.scene.gaussian, betas=np.geomspace(1.0, 1000.0, 200))
                       if self.scene.gaussian is not None else None)
        methods = METHODS if self.compare.value else (self.method.value,)
        key = (spec.name, data_id, tuple(sorted(values.items())), self.clusters.value, self.restarts.value)
        self._key = key
        have = self._cache.setdefault(key, {})
        self.results = {m: have.get(m) for m in methods}
        missing = tuple(m for m in (self.method.value, *methods) if have.get(m) is None)
        missing = tuple(dict.fromkeys(missing))
        self.draw()
        if not missing:
            self._runner.cancel()
            self.progress.value = 100
            self.status.value = "curves from this session's cache"
            return
        self.progress.value = 0
        self.status.value = f"computing the IB curve ({len(BETAS)} values of β)…"
        self._t0 = time.perf_counter()
        pmf, nt, restarts = self.scene.joint.pmf, self.clusters.value, self.restarts.value
        self._runner.submit(lambda job: compute_curves(job, pmf, missing, nt, restarts),
                            on_partial=lambda v: self._partial(key, v),
                            on_done=lambda out: self._done(key, out), on_error=self._failed,
                            context=self.doing)

    def _method_changed(self) -> None:
        if self.compare.value and all(self.results.get(m) is not None for m in METHODS):
            self.draw()
        else:
            self._setting_changed()

    def _partial(self, key: tuple, value: Any) -> None:
        fraction, curves = value
        self.progress.value = int(100 * fraction)
        new = {m: r for m, r in curves.items() if self._cache[key].get(m) is None}
        self._cache[key].update(new)
        if key == self._key and any(m in self.results for m in new):
            self.results.update({m: r for m, r in new.items() if m in self.results})
            self.draw()

    def _done(self, key: tuple, out: dict[str, Any]) -> None:
        self._cache[key].update(out)
        if key != self._key:
            return
        self.results.update({m: r for m, r in out.items() if m in self.results})
        self.draw()
        self.progress.value = 100
        main = self.results.get(self.method.value)
        misses = int(np.sum(~main.converged)) if main is not None else 0
        self.status.value = (f"computed in {time.perf_counter() - self._t0:.1f} s"
                             + (f"; {misses} of {len(BETAS)} β values did not converge (stalled, or hit "
                                f"the {MAX_ITER}-iteration limit: hollow markers)" if misses else ""))

    def _failed(self, exc: BaseException) -> None:
        self.status.value = "failed"
        self.errors.report(exc, self.doing)

    def _beta_moved(self) -> None:
        main = self.results.get(self.method.value)
        if self.figure.widget is None or main is None:
            return
        with self.figure.batch() as fig:
            ib_plot.beta_patch(fig, self.scene, main, self.beta.value)
        self.readout.value = ib_plot.readout(self.scene, main, self.beta.value, self.method.value)

    # -- drawing ---------------------------------------------------------------------------------
    def draw(self) -> None:
        main = self.results.get(self.method.value)
        self.figure.show(ib_plot.figure(self.scene, self.results, self.method.value, self.beta.value,
                                        self.closed))
        self.readout.value = ib_plot.readout(self.scene, main, self.beta.value, self.method.value)
