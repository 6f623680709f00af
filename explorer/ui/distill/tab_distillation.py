"""The Distillation tab: a teacher over V tokens, a limited student, several losses at once.

A change of teacher, student or losses redraws the teacher at once and trains on a
:class:`~explorer.ui.widgets.LatestRunner` (the students stream in, a newer change supersedes);
the temperature and β sliders replay students already trained (see :mod:`.distill_work`).
"""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as W

from explorer.distill import losses as L
from explorer.distill import students as S
from explorer.ui._common import panel
from explorer.ui.distill import distill_plot as plot
from explorer.ui.distill import distill_work as work
from explorer.ui.distill.claims import DISTILLATION_CLAIMS, claim_html
from explorer.ui.distill.distill_table import divergences_html, metrics_html
from explorer.ui.distill.figure_out import OutputFigure
from explorer.ui.distill.teacher_panel import TeacherPanel
from explorer.ui.widgets import Controls, ErrorBox, LatestRunner, slider
from explorer.ui.widgets.text import status_line

__all__ = ["DistillationTab"]

DEFAULT_CLAIM = "averaging"
NO_CLAIM = "(choose a claim to check)"


class DistillationTab:
    """Controls (``distill.claim``, ``teacher.*``, ``student.*``, ``losses``, ``loss.<name>.<param>``,
    ``temperature``, ``sweep.beta``, ``view.context``), the figure, the tables and the runner."""

    title = "Distillation"

    def __init__(self, controls: Controls, errors: ErrorBox, background: bool = True):
        self.controls = c = controls
        self.errors = errors
        self.runner = LatestRunner(errors, background=background, name="dx-distill")
        self.teacher_obj: Any = None
        self.spec: work.FitSpec | None = None
        self.fits: dict = {}
        self.sweeps: dict = {}
        self.timings: dict[str, float] = {}
        self._t0 = 0.0
        self._cache_key: Any = None

        self.claim = c.add(
            "distill.claim",
            W.Dropdown(
                options=[(NO_CLAIM, NO_CLAIM), *[(k.title, k.key) for k in DISTILLATION_CLAIMS]],
                value=NO_CLAIM,
                description="claim",
                layout=W.Layout(width="560px"),
            ),
        )
        self.claim.add_class("dx-distill-claim")
        self.claim_text = W.HTML("")
        self.teacher = TeacherPanel(c, on_text=lambda: self._guard(self.restart))

        self.family = c.add(
            "student.family",
            W.Dropdown(
                options=[(f.label, f.name) for f in S.FAMILIES.values()],
                value="unimodal",
                description="student",
                layout=W.Layout(width="330px"),
            ),
        )
        self.family.add_class("dx-student-family")
        self.family_blurb = W.HTML("", layout=W.Layout(width="330px"))
        self.family_sliders = {
            f.name: {
                p.name: c.add(f"student.{f.name}.{p.name}", slider(p, css="dx-capacity")) for p in f.params
            }
            for f in S.FAMILIES.values()
        }
        self.family_box = W.VBox([])
        self.temperature = c.add(
            "temperature",
            W.SelectionSlider(
                options=list(work.TEMPERATURES),
                value=1.0,
                description="temperature T",
                continuous_update=True,
                style={"description_width": "130px"},
                layout=W.Layout(width="330px"),
            ),
        )
        self.temperature.add_class("dx-temperature")

        self.losses = c.add(
            "losses",
            W.SelectMultiple(
                options=[(f"{e.label} ({e.name})", e.name) for e in L.LOSSES.values()],
                value=("kl", "reverse_kl", "js"),
                rows=len(L.LOSSES),
                description="losses",
                layout=W.Layout(width="330px"),
            ),
        )
        self.losses.add_class("dx-losses")
        self.loss_sliders = {
            e.name: {
                p.name: c.add(
                    f"loss.{e.name}.{p.name}",
                    slider(p, css=f"dx-loss-{e.name}-{p.name}", continuous_update=False),
                )
                for p in e.params
            }
            for e in L.LOSSES.values()
        }
        self.loss_box = W.VBox([])

        self.progress = W.IntProgress(value=0, min=0, max=100, layout=W.Layout(width="260px"))
        self.progress.add_class("dx-distill-progress")
        self.status = status_line("dx-distill-status")
        self.figure = OutputFigure("dx-distill-figure")
        self.context = c.add(
            "view.context",
            W.Dropdown(options=[("—", 0)], value=0, description="context", layout=W.Layout(width="260px")),
        )
        self.context.add_class("dx-context")
        self.beta = c.add(
            "sweep.beta",
            W.SelectionSlider(
                options=list(work.BETAS),
                value=min(work.BETAS, key=lambda b: abs(b - 0.5)),
                description="JSD β",
                continuous_update=True,
                style={"description_width": "60px"},
                layout=W.Layout(width="520px"),
            ),
        )
        self.beta.add_class("dx-beta")
        self.table = W.HTML("")
        self.table.add_class("dx-table")
        self.table.add_class("dx-distill-table")
        self.div_table = W.HTML("")
        self.div_table.add_class("dx-table")
        more = W.Accordion(children=[self.div_table])
        more.set_title(0, "Every divergence of the registry, D(teacher ‖ student), at each student")
        more.selected_index = None

        side = W.HBox(
            [
                panel("Teacher t", [self.teacher.widget], css="dx-side-teacher"),
                panel(
                    "Student s",
                    [self.family, self.family_blurb, self.family_box, self.temperature],
                    css="dx-side-student",
                ),
                panel("Losses D(t‖s)", [self.losses, self.loss_box], css="dx-side-losses"),
            ],
            layout=W.Layout(flex_flow="row wrap"),
        )
        self.widget = W.VBox(
            [
                W.HTML(_INTRO),
                W.HBox([self.claim]),
                self.claim_text,
                side,
                W.HBox([self.progress, self.status]),
                self.figure.box,
                W.HBox([self.beta, self.context], layout=W.Layout(flex_flow="row wrap")),
                W.HTML(
                    "<b>Students</b> (the row of the teacher for reference; numbers averaged over contexts, "
                    "weighted by their frequency)"
                ),
                self.table,
                more,
            ]
        )
        self.widget.add_class("dx-distill-tab")

        c.observe(self._on_claim, names="distill.claim")
        c.observe(lambda n, ch: self._guard(self.restart), names=("teacher", "student", "losses", "loss"))
        c.observe(lambda n, ch: self._guard(self.temperature_moved), names="temperature")
        c.observe(lambda n, ch: self._guard(self.beta_moved), names="sweep.beta")
        c.observe(lambda n, ch: self._guard(self.draw), names="view.context")
        self.apply_claim(DEFAULT_CLAIM)

    # -- helpers -----------------------------------------------------------------------------------
    def _guard(self, fn: Any) -> None:
        with self.errors.guard("training the students"):
            fn()

    def _layout(self) -> None:
        fam = S.get(self.family.value)
        self.family_blurb.value = f"<i style='font-size:12px'>{html.escape(fam.description)}</i>"
        self.family_box.children = list(self.family_sliders[fam.name].values())
        self.loss_box.children = [w for n in self.losses.value for w in self.loss_sliders[n].values()]

    def _valid_families(self, teacher: Any) -> list[str]:
        rows = teacher.rows.shape[0]
        return [
            f.name
            for f in S.FAMILIES.values()
            if (teacher.ordered or not f.needs_ordered) and rows >= f.needs_rows
        ]

    def _sync_families(self, teacher: Any) -> None:
        """Offer only the student families that can fit this teacher (their capability fields)."""
        valid = self._valid_families(teacher)
        current = self.family.value
        options = [(S.get(n).label, n) for n in valid]
        if [v for _, v in self.family.options] != valid:
            with self.controls.muted():
                self.family.options = options
                self.family.value = current if current in valid else valid[0]
        contexts = list(teacher.contexts) if teacher.rows.shape[0] > 1 else []
        weights = teacher.weights[: len(contexts)]
        opts = [
            (f"{h!r} (weight {w:.2f})", i) for i, (h, w) in enumerate(zip(contexts, weights, strict=True))
        ]
        opts = opts or [("—", 0)]
        if list(self.context.options) != opts:
            with self.controls.muted():
                self.context.options = opts
                self.context.value = 0
        self.context.layout.display = None if contexts else "none"

    # -- claims ------------------------------------------------------------------------------------
    def _on_claim(self, name: str, change: dict) -> None:
        if change["new"] != NO_CLAIM:
            self._guard(lambda: self.apply_claim(change["new"]))

    def apply_claim(self, key: str) -> None:
        """Set the controls of one claim and train once."""
        claim = next(k for k in DISTILLATION_CLAIMS if k.key == key)
        with self.controls.muted():
            self.claim.value = key
            settings = dict(claim.settings)
            kind = settings.pop("teacher.kind", None)
            if kind is not None:
                self.controls.set({"teacher.kind": kind})
                self.teacher.layout()
                self._sync_families(self.teacher.teacher())
            family = settings.pop("student.family", None)
            if family is not None:
                self.family.value = family
            self.controls.set(settings)
            self.teacher.layout()
        self.claim_text.value = claim_html(claim)
        self.restart()

    # -- computing ---------------------------------------------------------------------------------
    def current_spec(self) -> work.FitSpec:
        fam = self.family.value
        losses = tuple(self.losses.value)
        params = {n: {k: float(w.value) for k, w in self.loss_sliders[n].items()} for n in losses}
        fparams = {k: w.value for k, w in self.family_sliders[fam].items()}
        return work.FitSpec(fam, fparams, losses, params, steps=work.STEPS)

    def restart(self) -> None:
        """Teacher, student or losses changed: the teacher drawn at once, the training follows."""
        self.teacher.layout()
        teacher = self.teacher.teacher()
        self._sync_families(teacher)
        self._layout()
        spec = self.current_spec()
        key = (teacher.name, teacher.description, teacher.probs.tobytes(), spec.key())
        if key != self._cache_key:
            self.fits, self.sweeps = {}, {}
            self._cache_key = key
        self.teacher_obj, self.spec = teacher, spec
        self.draw()
        self.submit()

    def submit(self) -> None:
        teacher, spec, t = self.teacher_obj, self.spec, float(self.temperature.value)
        todo = work.plan(spec, t, self.fits, self.sweeps)
        if not todo:
            self.runner.cancel()
            self._finished()
            return
        fits, sweeps = dict(self.fits), dict(self.sweeps)
        self._t0 = time.perf_counter()
        self.progress.value = 0
        self.status.value = "Training…"
        self.runner.submit(
            lambda job: work.run(job, teacher, spec, t, fits, sweeps),
            on_partial=self._partial,
            on_done=self._done,
            on_error=self._failed,
            context="training the students",
        )

    def _merge(self, snap: work.Snapshot) -> bool:
        """Take the snapshot's results; True if something on screen changed."""
        shown = {k for k in self._shown_keys()}
        new = set(snap.fits) - set(self.fits)
        sweep_new = set(snap.sweeps) - set(self.sweeps)
        self.fits.update(snap.fits)
        self.sweeps.update(snap.sweeps)
        return bool(new & shown) or bool(sweep_new)

    def _partial(self, snap: work.Snapshot) -> None:
        self.progress.value = int(100 * snap.fraction)
        self.status.value = f"Training: {html.escape(snap.doing)}…"
        if self._merge(snap):
            self.draw()

    def _done(self, snap: work.Snapshot) -> None:
        self._merge(snap)
        self.draw()
        self.timings["all"] = time.perf_counter() - self._t0
        self._finished()

    def _finished(self) -> None:
        self.progress.value = 100
        n = len(self.spec.losses) if self.spec else 0
        secs = self.timings.get("all")
        took = f" in {secs:.1f} s" if secs is not None else ""
        self.status.value = (
            f"Trained {n} loss(es) × {len(work.TEMPERATURES)} temperatures and the β sweep "
            f"({len(work.BETAS)} students){took}. The temperature and β sliders now replay them."
        )

    def _failed(self, exc: BaseException) -> None:
        self.progress.value = 0
        self.status.value = "Training failed (see the message above)."
        self.errors.report(exc, "training the students")

    # -- drawing -----------------------------------------------------------------------------------
    def _shown_keys(self) -> list[tuple]:
        if self.spec is None:
            return []
        t = float(self.temperature.value)
        return [work.fit_key(n, t, self.spec.params_of(n)) for n in self.spec.losses]

    def students(self) -> list[tuple[str, Any]]:
        """``(loss, DistillResult)`` trained at the slider's temperature, in the chosen order."""
        if self.spec is None:
            return []
        return [(k[0], self.fits[k]) for k in self._shown_keys() if k in self.fits]

    @property
    def sweep(self) -> Any:
        return self.sweeps.get(work.SWEEP_TEMPERATURE)

    def _context_label(self) -> str:
        t = self.teacher_obj
        if t is None or t.rows.shape[0] == 1:
            return ""
        return f" · context {t.contexts[self.context.value]!r}"

    def draw(self) -> None:
        """The figure and the tables from what is trained (the figure updated in place)."""
        if self.teacher_obj is None:
            return
        students = self.students()
        fig = plot.figure(
            self.teacher_obj,
            self.spec.losses,
            students,
            float(self.temperature.value),
            int(self.context.value),
            self.sweep,
            float(self.beta.value),
            self._context_label(),
        )
        self.figure.show(fig)
        self._tables(students)

    def _tables(self, students: list[tuple[str, Any]]) -> None:
        notes = {
            n: f"teacher clamped at {work.FLOOR:g} (this loss is infinite against its exact zeros)"
            for n, _ in students
            if work.floor_for(n, self.teacher_obj, self.spec.params_of(n)) > 0
        }
        self.table.value = metrics_html(self.teacher_obj, students, notes)
        self.div_table.value = divergences_html(students)

    def temperature_moved(self) -> None:
        """Replay the students trained at this temperature (in place), or train them first."""
        students = self.students()
        if plot.can_update_students(self.figure.widget, self.spec.losses):
            with self.figure.batch() as w:
                plot.update_students(
                    w,
                    self.teacher_obj,
                    students,
                    float(self.temperature.value),
                    int(self.context.value),
                    self._context_label(),
                )
            self._tables(students)
        else:
            self.draw()
        if work.plan(self.spec, float(self.temperature.value), self.fits, self.sweeps):
            self.submit()

    def beta_moved(self) -> None:
        """Replay the β sweep: only the β traces change."""
        if self.figure.widget is None or self.teacher_obj is None:
            return
        with self.figure.batch() as w:
            plot.update_beta(w, self.teacher_obj, self.sweep, float(self.beta.value), int(self.context.value))


_INTRO = """
<div style='max-width:1100px;font-size:14px;line-height:1.45'>
A <b>teacher</b> t (a distribution over V tokens) is distilled into a deliberately limited <b>student</b> s
by minimising a divergence D(t‖s) — several at once, one colour each. <b>Forward KL</b>, KL(t‖s), is
mode-covering; <b>reverse KL</b>, KL(s‖t), is mode-seeking. Each claim below names a paper and sets up the
scene that shows it. <b>Vendi score</b>: the effective number of distinct modes of the student (≈ 1 after
a collapse); <b>mode recall</b>: share of the teacher's modes that get at least a quarter of their mass;
<b>hallucination</b>: student mass on tokens where the teacher is exactly zero.
</div>
"""
