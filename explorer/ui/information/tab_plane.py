"""The "Information plane" tab: a small MLP's layers in the (I(X;T), I(T;Y)) plane during training,
two estimators or two activations side by side, accuracy and generalisation gap under them.

Settings that match a shipped precomputed run (``data/information_plane/``) are drawn at once;
any other setting is trained live on a :class:`~explorer.ui.widgets.LatestRunner` (torch imported
then), the trajectories streaming in as they are recorded; a newer setting supersedes it, and
runs trained in this session are kept, so going back is instant. The "up to epoch" slider only
re-reads the recorded arrays.

The data set "your data (CSV / paste)" trains on the visitor's labelled table
(:class:`~explorer.ui.information.plane_user.UserData`; the example until they give theirs);
its runs' keys hold the data's content hash, so new data never reuse a kept run. It is always
trained live, with smaller defaults (:data:`USER_SETTINGS`) so the example's two runs take seconds.
"""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as W

from explorer import information as info
from explorer.information.labelled import PlaneData
from explorer.information.plane import ACTIVATIONS, DATASETS, PRECOMPUTED_DIR, PlaneResult
from explorer.ui._common import panel
from explorer.ui.information import plane_plot
from explorer.ui.information.plane_user import UserData
from explorer.ui.information.tab import Tab, teaching
from explorer.ui.widgets import FigureSlot, Job
from explorer.ui.widgets.text import status_line

__all__ = ["FIXED", "USER", "USER_SETTINGS", "PlaneTab", "RunKey", "shipped_runs"]

#: settings the page does not expose (information_plane's defaults; a shipped run must match them)
FIXED = {"seed": 0, "lr": 1e-3, "train_fraction": 0.85, "batch_size": None, "noise_variance": 0.1}
USER = "user"  # the dataset option of the visitor's own data
DATASET_LABELS = {"szt": "12-bit task (generated; Shwartz-Ziv & Tishby)",
                  "digits": "handwritten digits (scikit-learn, real)",
                  USER: "your data (CSV / paste)"}
#: settings taken when "your data" is chosen: the example (60 rows) trains in a few seconds per run
USER_SETTINGS = {"layers": "16, 8, 4", "epochs": 500, "every": 10}
RunKey = tuple  # (dataset name or PlaneData.key, layers, activation, epochs, every)

TEXT = (
    "<b>Shwartz-Ziv &amp; Tishby (2017)</b>: trained with SGD, each hidden layer T first gains "
    "I(T;Y) (<i>fitting</i>: points move up and right) and then loses I(X;T) (<i>compression</i>: "
    "they drift left) — look for the late, yellow epochs moving left. <b>Saxe et al. (2018)</b>: "
    "that compression comes from tanh saturating into the bins of the <i>binning</i> estimator; "
    "with ReLU it does not happen (compare the two activations with <i>fixed-width binning</i>). "
    "<b>Chelombiev et al. (2019)</b>: with <i>adaptive</i> (equal-mass) bins, compression shows up in "
    "more activations (switch the estimator). <b>Butakov et al. (2024)</b>: compress the layer first, "
    "then estimate (<i>lossy</i>). <b>Kawaguchi et al. (2023)</b>, <i>How does information "
    "bottleneck help deep learning?</i>: the generalisation gap tracks the information the hidden "
    "layers keep about X — compare the gap (bottom right) with I(X;T). Note the ceilings: for a "
    "deterministic network on n distinct inputs, binning gives I(X;T) ≤ log n, reached by any "
    "layer that keeps inputs apart. The shipped runs (12-bit task tanh/ReLU, digits tanh; binning "
    "and adaptive) show at once; other settings train live (a few minutes for 2,000 epochs). "
    "Or choose <i>your data</i> to train on your own labelled table."
)


def shipped_runs() -> dict[str, PlaneResult]:
    """The precomputed runs shipped in ``data/information_plane/`` by file stem."""
    return {p.stem: info.load_precomputed(p.stem) for p in sorted(PRECOMPUTED_DIR.glob("*.npz"))}


def run_key(config: dict[str, Any]) -> RunKey:
    return (config["dataset"], tuple(int(w) for w in config["layers"]), config["activation"],
            int(config["epochs"]), int(config["every"]))


def parse_layers(text: str) -> tuple[int, ...]:
    """``"10, 7, 5"`` → ``(10, 7, 5)`` (``ValueError`` naming the control otherwise)."""
    try:
        widths = tuple(int(t) for t in text.replace(";", ",").split(",") if t.strip())
    except ValueError:
        raise ValueError(f"layer sizes must be whole numbers separated by commas, got {text!r}") from None
    if not widths or any(w < 1 or w > 256 for w in widths) or len(widths) > 8:
        raise ValueError(f"layer sizes: 1 to 8 hidden layers of 1 to 256 units, got {text!r}")
    return widths


def train_runs(job: Job, todo: list[tuple[int, RunKey, tuple[str, ...]]],
               datasets: dict[str, PlaneData] | None = None) -> dict[int, PlaneResult]:
    """Train each requested run in turn, streaming ``(partial runs by slot, slot, epoch)``;
    ``datasets`` gives the visitor's data by key (a key's first item)."""
    done: dict[int, PlaneResult] = {}
    for slot, key, estimators in todo:
        name, layers, activation, epochs, every = key
        dataset = (datasets or {}).get(name, name)
        job.emit(({**done}, slot, 0))

        def streamed(epoch: int, partial: PlaneResult, slot: int = slot) -> None:
            job.emit(({**done, slot: partial}, slot, epoch))

        done[slot] = info.information_plane(layers, activation, dataset, epochs, estimators, every,
                                            callback=streamed, should_stop=lambda: job.cancelled, **FIXED)
        job.check()
    return done


class PlaneTab(Tab):
    title = "Information plane"
    doing = "training the network"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        c = self.controls
        self.runs: dict[RunKey, list[PlaneResult]] = {}  # shipped and trained, by setting
        self.sources: dict[int, str] = {}  # id(run) -> where it came from
        names = info.names()
        usable = [n for n in names if not info.get(n).uses_torch]  # a torch estimator per recording: too slow
        estimator_options = [(info.get(n).label, n) for n in usable]
        self.dataset = c.add("plane.dataset", W.Dropdown(
            options=[(DATASET_LABELS[d], d) for d in (*DATASETS, USER)], value="szt", description="dataset",
            style={"description_width": "100px"}, layout=W.Layout(width="420px")))
        self.dataset.add_class("dx-plane-dataset")
        wide = {"description_width": "100px"}
        self.layers = c.add("plane.layers", W.Text(value="10, 7, 5, 4, 3", description="hidden layers",
                                                   continuous_update=False, style=wide,
                                                   layout=W.Layout(width="300px")))
        self.layers.add_class("dx-plane-layers")
        self.epochs = c.add("plane.epochs", W.IntSlider(value=2000, min=100, max=4000, step=100,
                                                        description="epochs", continuous_update=False,
                                                        style=wide))
        self.every = c.add("plane.every", W.IntSlider(value=20, min=1, max=100, description="record every",
                                                      continuous_update=False, style=wide))
        self.compare = c.add("plane.compare", W.ToggleButtons(
            options=[("two activations", "activations"), ("two estimators", "estimators")],
            value="activations", description="side by side", style={"button_width": "125px"}))
        self.compare.add_class("dx-plane-compare")
        self.activation = c.add("plane.activation", W.Dropdown(options=list(ACTIVATIONS), value="tanh",
                                                               description="activation", style=wide))
        self.activation.add_class("dx-plane-activation")
        self.activation_b = c.add("plane.activation_b", W.Dropdown(options=list(ACTIVATIONS), value="relu",
                                                                   description="vs activation", style=wide))
        self.activation_b.add_class("dx-plane-activation-b")
        self.estimator = c.add("plane.estimator", W.Dropdown(options=estimator_options, value=usable[0],
                                                             description="estimator", style=wide,
                                                             layout=W.Layout(width="360px")))
        self.estimator.add_class("dx-plane-estimator")
        self.estimator_b = c.add("plane.estimator_b", W.Dropdown(
            options=estimator_options, value=usable[1], description="vs estimator", style=wide,
            layout=W.Layout(width="360px")))
        self.estimator_b.add_class("dx-plane-estimator-b")
        self.upto = c.add("plane.upto", W.IntSlider(value=2000, min=0, max=2000, step=20,
                                                    description="up to epoch", continuous_update=True,
                                                    layout=W.Layout(width="520px")))
        self.upto.add_class("dx-plane-upto")
        self.stop = W.Button(description="Stop training", icon="stop", disabled=True)
        self.stop.add_class("dx-plane-stop")
        self.stop.on_click(lambda b: self._stop())
        self.progress = W.IntProgress(value=0, min=0, max=100, layout=W.Layout(width="220px"))
        self.progress.add_class("dx-plane-progress")
        self.status = status_line("dx-plane-status")
        self.readout = W.HTML("")
        self.readout.add_class("dx-plane-readout")
        self.figure = FigureSlot("dx-plane-figure")
        self.figure.box.add_class("dx-figure-box")
        self._runner = self.runner("dx-plane")
        self.live: dict[int, PlaneResult] = {}  # runs streaming in, by panel slot
        self._request: list[tuple[RunKey, tuple[str, ...]]] = []
        self._t0 = 0.0
        self._drawn: plane_plot.Drawn | None = None
        self._drawn_at, self._draw_cost = -float("inf"), 0.0  # when the last partial was drawn, in how long
        self.user = UserData(lambda: self.guard(self.doing, self._user_data))

        c.observe(lambda n, ch: self.guard(self.doing, self._dataset_changed), names="plane.dataset")
        c.observe(lambda n, ch: self.guard(self.doing, self._setting_changed),
                  names=["plane.layers", "plane.epochs", "plane.every", "plane.compare", "plane.activation",
                         "plane.activation_b", "plane.estimator", "plane.estimator_b"])
        c.observe(lambda n, ch: self.guard("drawing the information plane", self._upto_moved),
                  names="plane.upto")
        self.widget = W.VBox([
            teaching(TEXT),
            W.HBox([panel("Network and data", [self.dataset, self.layers, self.epochs, self.every],
                          css="dx-plane-net"),
                    panel("Side by side", [self.compare, self.activation, self.activation_b, self.estimator,
                                           self.estimator_b], css="dx-plane-side"),
                    ], layout=W.Layout(flex_flow="row wrap")),
            self.user.widget, W.HBox([self.upto, self.stop, self.progress]), self.status, self.figure.box,
            self.readout])
        self._show_choices()

    # -- runs ------------------------------------------------------------------------------------
    def _load_shipped(self) -> None:
        for stem, run in shipped_runs().items():
            if all(run.config.get(k) == v for k, v in FIXED.items()):
                self.runs.setdefault(run_key(run.config), []).append(run)
                self.sources[id(run)] = f"shipped precomputed run data/information_plane/{stem}.npz"

    def available(self, key: RunKey, estimators: tuple[str, ...]) -> PlaneResult | None:
        return next((r for r in self.runs.get(key, []) if all(e in r.estimators for e in estimators)), None)

    def requests(self) -> list[tuple[RunKey, tuple[str, ...]]]:
        """The runs the current setting needs: ``[(key, estimators)]`` (one or two)."""
        data = self.user.current().key if self.dataset.value == USER else self.dataset.value
        base = (data, parse_layers(self.layers.value))
        tail = (int(self.epochs.value), int(self.every.value))
        if self.compare.value == "estimators":
            ests = tuple(dict.fromkeys((self.estimator.value, self.estimator_b.value)))
            return [((*base, self.activation.value, *tail), ests)]
        return [((*base, a, *tail), (self.estimator.value,))
                for a in (self.activation.value, self.activation_b.value)]

    def panels(self) -> list[plane_plot.Panel]:
        out = []
        for slot, (key, ests) in enumerate(self._request):
            run = self.available(key, ests) or self.live.get(slot)
            act, epochs = key[2], key[3]
            for est in ests if self.compare.value == "estimators" else ests[:1]:
                title = f"{act}, {info.get(est).label}"
                if self.available(key, ests) is None:
                    title += " — training…"
                out.append(plane_plot.Panel(title, run, est, slot, epochs))
        if len(out) == 1:  # the same estimator twice: one plane
            out[0] = plane_plot.Panel(out[0].title, out[0].run, out[0].estimator, 0, out[0].epochs)
        return out

    # -- events ----------------------------------------------------------------------------------
    def first_show(self) -> None:
        self._load_shipped()
        self._setting_changed()

    def _show_choices(self) -> None:
        two_acts = self.compare.value == "activations"
        self.activation_b.layout.display = None if two_acts else "none"
        self.estimator_b.layout.display = "none" if two_acts else None

    def _user_data(self) -> None:
        """New data from the visitor: trained on; with another data set shown, "your data" is chosen."""
        if self.dataset.value == USER:
            self._setting_changed()
        else:
            self.dataset.value = USER

    def _dataset_changed(self) -> None:
        """A new dataset: take the settings of its shipped run (if any), so it shows at once;
        "your data" shows the upload and takes :data:`USER_SETTINGS`."""
        user = self.dataset.value == USER
        self.user.show(user)
        if user:
            self.user.current()  # the example until the visitor gives data
            with self.controls.muted():
                for name, value in USER_SETTINGS.items():
                    getattr(self, name).value = value
        shipped = [k for k, runs in self.runs.items() if k[0] == self.dataset.value
                   and any(self.sources.get(id(r), "").startswith("shipped") for r in runs)]
        if shipped:
            _, layers, act, epochs, every = shipped[0]
            with self.controls.muted():
                self.layers.value = ", ".join(str(w) for w in layers)
                self.epochs.value, self.every.value, self.activation.value = epochs, every, act
                if any(self.available(k, e) is None for k, e in self.requests()):
                    # one activation shipped (digits: tanh): compare its estimators instead
                    ests = self.available(shipped[0], ())
                    self.compare.value = "estimators"
                    self.estimator.value, self.estimator_b.value = (list(ests.estimators) * 2)[:2]
        self._setting_changed()

    def _setting_changed(self) -> None:
        self._show_choices()
        if not self.shown:
            return
        self._request = self.requests()
        self.live = {}
        top = max(k[3] for k, _ in self._request)
        with self.controls.muted():
            self.upto.max = top
            self.upto.step = self._request[0][0][4]
            self.upto.value = top
        todo = [(slot, key, ests) for slot, (key, ests) in enumerate(self._request)
                if self.available(key, ests) is None]
        if not todo:
            self._runner.cancel()
            self._idle(100)
            self.status.value = "Shown from stored runs (" + "; ".join(
                html.escape(self.sources.get(id(self.available(k, e)), "")) for k, e in self._request) + ")."
            self.draw()
            return
        self.draw()
        self.progress.value = 0
        self.stop.disabled = False
        self._t0 = time.perf_counter()
        self.status.value = "Training live (importing torch, building the network)…"
        datasets = dict(self.user.sets)
        self._runner.submit(lambda job: train_runs(job, todo, datasets), on_partial=self._partial,
                            on_done=self._done, on_error=self._failed, context=self.doing)

    def _partial(self, value: tuple) -> None:
        runs, slot, epoch = value
        self.live = dict(runs)
        key = self._request[slot][0]
        total = sum(k[3] for k, e in self._request if self.available(k, e) is None) or 1
        before = sum(k[3] for s, (k, e) in enumerate(self._request)
                     if s < slot and self.available(k, e) is None)
        self.progress.value = int(100 * (before + epoch) / total)
        self.status.value = (f"Training live: {html.escape(key[2])} network, epoch {epoch} of {key[3]} "
                             f"({time.perf_counter() - self._t0:.0f} s); trajectories stream in as they are "
                             "recorded.")
        # a redraw costs ~0.3 s: at most a third of the time, or it slows the training it shows
        # (the same interpreter; a small data set records many epochs a second)
        now = time.perf_counter()
        if now - self._drawn_at >= 2 * self._draw_cost:
            self.draw()
            self._drawn_at = time.perf_counter()
            self._draw_cost = self._drawn_at - now

    def _done(self, runs: dict[int, PlaneResult]) -> None:
        secs = time.perf_counter() - self._t0
        for slot, run in runs.items():
            key, _ = self._request[slot]
            self.runs.setdefault(key, []).append(run)
            self.sources[id(run)] = f"trained live in this session ({run.seconds:.0f} s)"
        self.live = {}
        self._idle(100)
        self.status.value = f"Trained {len(runs)} run(s) in {secs:.0f} s; kept for this session."
        self.draw()

    def _failed(self, exc: BaseException) -> None:
        self._idle(0)
        self.status.value = "Training failed."
        self.errors.report(exc, self.doing)

    def _stop(self) -> None:
        self._runner.cancel()
        self._idle(self.progress.value)
        self.status.value = ("Training stopped: the partial trajectories stay on the plot; change a setting "
                             "to start again.")
        self.draw()  # the last partial may have been held back

    def _idle(self, progress: int) -> None:
        self.progress.value = progress
        self.stop.disabled = True

    # -- drawing ---------------------------------------------------------------------------------
    def _upto_moved(self) -> None:
        """Cheap: the recorded arrays truncated, the traces updated in place."""
        if self.figure.widget is None or self._drawn is None:
            return
        with self.figure.batch() as fig:
            plane_plot.upto_patch(fig, self._drawn, int(self.upto.value))

    def draw(self) -> None:
        if not self._request:
            return
        fig, self._drawn = plane_plot.figure(self.panels(), int(self.upto.value))
        self.figure.show(fig)
        lines = []
        for slot, (key, ests) in enumerate(self._request):
            run = self.available(key, ests) or self.live.get(slot)
            if run is None or not run.epochs.size:
                continue
            src = self.sources.get(id(run), "training…")
            lines.append(f"<b>{html.escape(key[2])}</b> ({html.escape(self.user.name(key[0]))}, layers "
                         f"{key[1]}): after "
                         f"epoch {int(run.epochs[-1])}, train accuracy {run.train_acc[-1]:.3f}, test "
                         f"{run.test_acc[-1]:.3f}, gap {run.generalization_gap[-1]:+.3f}; H(X) = log n = "
                         f"{run.H_X:.2f} nats, I(X;Y) = {run.I_XY:.3f} nats — {html.escape(src)}.")
        self.readout.value = "<br>".join(lines)
