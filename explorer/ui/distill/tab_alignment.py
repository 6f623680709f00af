"""The Alignment tab: the alignment–diversity frontier over β for several divergences (f-DPG), the
policies fitted at the slider's β, and f-DPO's closed-form policy beside them.

The frontier is computed on a :class:`~explorer.ui.widgets.LatestRunner` (one divergence at a time,
drawn as it arrives); the β slider, the diversity axis and the f-DPO regulariser answer at once
(a lookup in the computed frontier and one 1-D root search).
"""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as W

from explorer.alignment import fdpg, fdpo
from explorer.distill import losses as L
from explorer.ui._common import panel
from explorer.ui.distill import align_plot as plot
from explorer.ui.distill import align_work as work
from explorer.ui.distill.claims import ALIGNMENT_CLAIMS, claim_html
from explorer.ui.distill.figure_out import OutputFigure
from explorer.ui.widgets import Controls, ErrorBox, LatestRunner, slider
from explorer.ui.widgets.text import status_line

__all__ = ["AlignmentTab"]

DEFAULT_CLAIM = "fdpg"
NO_CLAIM = "(choose a claim to check)"


class AlignmentTab:
    """Controls (``align.claim``, ``align.problem``, ``align.capacity``, ``align.divergences``,
    ``align.beta``, ``align.diversity``, ``align.fdpo``, ``align.fdpo.<param>``), the figure, the
    table and the runner. :meth:`start` draws and starts the frontier (the page calls it when the
    tab is first opened)."""

    title = "Alignment"

    def __init__(self, controls: Controls, errors: ErrorBox, background: bool = True):
        self.controls = c = controls
        self.errors = errors
        self.runner = LatestRunner(errors, background=background, name="dx-align")
        self.problem: Any = None
        self.spec: work.AlignSpec | None = None
        self.frontiers: dict[str, Any] = {}
        self._cache_key: Any = None
        self._t0 = 0.0
        self.seconds: float | None = None

        self.claim = c.add(
            "align.claim",
            W.Dropdown(
                options=[(NO_CLAIM, NO_CLAIM), *[(k.title, k.key) for k in ALIGNMENT_CLAIMS]],
                value=NO_CLAIM,
                description="claim",
                layout=W.Layout(width="560px"),
            ),
        )
        self.claim.add_class("dx-align-claim")
        self.claim_text = W.HTML("")
        self.kind = c.add(
            "align.problem",
            W.Dropdown(
                options=[(v, k) for k, v in work.PROBLEMS.items()],
                value="reward",
                description="problem",
                layout=W.Layout(width="430px"),
            ),
        )
        self.capacity = c.add(
            "align.capacity",
            W.IntSlider(
                value=fdpg.DEFAULT_CAPACITY,
                min=1,
                max=20,
                description="policy capacity K",
                style={"description_width": "130px"},
                continuous_update=False,
                layout=W.Layout(width="430px"),
            ),
        )
        self.capacity.add_class("dx-align-capacity")
        self.divergences = c.add(
            "align.divergences",
            W.SelectMultiple(
                options=[(f"{e.label} ({e.name})", e.name) for e in L.LOSSES.values()],
                value=tuple(fdpg.FRONTIER_DIVERGENCES),
                rows=len(L.LOSSES),
                description="divergences",
                layout=W.Layout(width="330px"),
            ),
        )
        self.divergences.add_class("dx-align-divergences")
        self.beta = c.add(
            "align.beta",
            W.SelectionSlider(
                options=list(work.BETAS),
                value=work.BETAS[len(work.BETAS) // 2],
                description="β",
                continuous_update=True,
                layout=W.Layout(width="520px"),
            ),
        )
        self.beta.add_class("dx-align-beta")
        self.diversity = c.add(
            "align.diversity",
            W.ToggleButtons(
                options=[("entropy", "entropy"), ("Vendi", "vendi"), ("coverage", "coverage")],
                value="entropy",
                description="diversity axis",
                style={"button_width": "80px", "description_width": "100px"},
            ),
        )
        self.fdpo_name = c.add(
            "align.fdpo",
            W.Dropdown(
                options=[(f"{g.label} ({g.name})", g.name) for g in fdpo.GENERATORS.values()],
                value="reverse_kl",
                description="f-DPO regulariser",
                style={"description_width": "130px"},
                layout=W.Layout(width="430px"),
            ),
        )
        self.fdpo_name.add_class("dx-fdpo")
        self.fdpo_sliders = {
            g.name: {
                p.name: c.add(f"align.fdpo.{g.name}.{p.name}", slider(p, css="dx-fdpo-param"))
                for p in g.params
            }
            for g in fdpo.GENERATORS.values()
        }
        self.fdpo_box = W.VBox([])
        self.fdpo_formula = W.HTML("")
        self.progress = W.IntProgress(value=0, min=0, max=100, layout=W.Layout(width="260px"))
        self.progress.add_class("dx-align-progress")
        self.status = status_line("dx-align-status")
        self.figure = OutputFigure("dx-align-figure")
        self.table = W.HTML("")
        self.table.add_class("dx-table")
        self.table.add_class("dx-align-table")
        side = W.HBox(
            [
                panel(
                    "Problem and policy", [self.kind, self.capacity, self.diversity], css="dx-side-problem"
                ),
                panel("f-DPG: fit π_θ to p_β under", [self.divergences], css="dx-side-fdpg"),
                panel(
                    "f-DPO: max E_π[r] − β·D(a‖π)",
                    [self.fdpo_name, self.fdpo_formula, self.fdpo_box],
                    css="dx-side-fdpo",
                ),
            ],
            layout=W.Layout(flex_flow="row wrap"),
        )
        self.widget = W.VBox(
            [
                W.HTML(_INTRO),
                self.claim,
                self.claim_text,
                side,
                W.HBox([self.beta, self.progress, self.status], layout=W.Layout(flex_flow="row wrap")),
                self.figure.box,
                W.HTML("<b>At the slider's β</b>"),
                self.table,
            ]
        )
        self.widget.add_class("dx-align-tab")

        c.observe(self._on_claim, names="align.claim")
        c.observe(
            lambda n, ch: self._guard(self.restart),
            names=("align.problem", "align.capacity", "align.divergences"),
        )
        c.observe(lambda n, ch: self._guard(self.beta_moved), names=("align.beta", "align.fdpo"))
        c.observe(lambda n, ch: self._guard(self.draw), names="align.diversity")

    def _guard(self, fn: Any) -> None:
        with self.errors.guard("computing the alignment frontier"):
            fn()

    def start(self) -> None:
        self.apply_claim(DEFAULT_CLAIM)

    # -- claims ------------------------------------------------------------------------------------
    def _on_claim(self, name: str, change: dict) -> None:
        if change["new"] != NO_CLAIM:
            self._guard(lambda: self.apply_claim(change["new"]))

    def apply_claim(self, key: str) -> None:
        claim = next(k for k in ALIGNMENT_CLAIMS if k.key == key)
        with self.controls.muted():
            self.claim.value = key
            self.controls.set(dict(claim.settings))
        self.claim_text.value = claim_html(claim)
        self.restart()

    # -- computing ---------------------------------------------------------------------------------
    def restart(self) -> None:
        """Problem, capacity or divergences changed: keep what still holds, fit the rest."""
        spec = work.AlignSpec(self.kind.value, int(self.capacity.value), tuple(self.divergences.value))
        if spec.key() != self._cache_key:
            self.problem = work.make_problem(spec.kind)
            self.frontiers = {}
            self._cache_key = spec.key()
        self.spec = spec
        self.draw()
        missing = [d for d in spec.divergences if d not in self.frontiers]
        if not missing:
            self.runner.cancel()
            self._finished()
            return
        problem, done = self.problem, dict(self.frontiers)
        self._t0 = time.perf_counter()
        self.progress.value = 0
        self.status.value = f"Fitting the frontier of {html.escape(L.get(missing[0]).label)}…"
        self.runner.submit(
            lambda job: work.run(job, problem, spec, done),
            on_partial=self._partial,
            on_done=self._done,
            on_error=self._failed,
            context="computing the alignment frontier",
        )

    def _partial(self, p: work.Progress) -> None:
        self.progress.value = int(100 * p.fraction)
        self.status.value = (
            f"Fitting the frontier of {html.escape(L.get(p.doing).label)} ({len(work.BETAS)} β values)…"
        )
        if set(p.frontiers) - set(self.frontiers):
            self.frontiers.update(p.frontiers)
            self.draw()

    def _done(self, out: dict) -> None:
        self.frontiers.update(out)
        self.seconds = time.perf_counter() - self._t0
        self.draw()
        self._finished()

    def _finished(self) -> None:
        self.progress.value = 100
        took = f" in {self.seconds:.1f} s" if self.seconds is not None else ""
        self.status.value = (
            f"Frontier: {len(self.shown())} divergence(s) × {len(work.BETAS)} β fitted{took}. "
            "The β slider replays it."
        )

    def _failed(self, exc: BaseException) -> None:
        self.progress.value = 0
        self.status.value = "The frontier failed (see the message above)."
        self.errors.report(exc, "computing the alignment frontier")

    # -- drawing -----------------------------------------------------------------------------------
    def shown(self) -> dict[str, Any]:
        """The chosen divergences' frontiers computed so far, in the order chosen."""
        if self.spec is None:
            return {}
        return {d: self.frontiers[d] for d in self.spec.divergences if d in self.frontiers}

    def fdpo_result(self) -> tuple[Any, str]:
        """f-DPO's closed-form policy at the slider's β for the chosen regulariser, and its label."""
        gen = fdpo.get(self.fdpo_name.value)
        params = {k: w.value for k, w in self.fdpo_sliders[gen.name].items()}
        self.fdpo_box.children = list(self.fdpo_sliders[gen.name].values())
        self.fdpo_formula.value = f"<span style='font-size:12px'>{html.escape(gen.formula)}</span>"
        label = gen.label + "".join(f", {k} = {v:g}" for k, v in params.items())
        res = fdpo.closed_form(
            self.problem.base, self.problem.reward, float(self.beta.value), gen.name, **params
        )
        return res, label

    def draw(self) -> None:
        if self.problem is None:
            return
        res, label = self.fdpo_result()
        frontiers = self.shown()
        self.figure.show(
            plot.figure(
                self.problem,
                self.spec.divergences,
                frontiers,
                float(self.beta.value),
                self.diversity.value,
                res,
                label,
                self.fdpo_name.value,
            )
        )
        self.table.value = plot.table_html(self.problem, frontiers, float(self.beta.value))

    def beta_moved(self) -> None:
        """β or the f-DPO regulariser moved: a lookup in the frontier and one root search, in place."""
        if self.problem is None:
            return
        if self.figure.widget is None:
            self.draw()
            return
        res, label = self.fdpo_result()
        frontiers = self.shown()
        with self.figure.batch() as w:
            plot.update_beta(
                w, self.problem, frontiers, float(self.beta.value), self.diversity.value, res, label
            )
        self.table.value = plot.table_html(self.problem, frontiers, float(self.beta.value))


_INTRO = """
<div style='max-width:1100px;font-size:14px;line-height:1.45'>
A finite space of 300 items, a <b>base model</b> a(x) and a <b>reward</b> r(x) (or a binary preference b(x)).
The aligned <b>target</b> is p_β ∝ a·exp(r/β): small β = strongly aligned, large β = close to a.
<b>f-DPG</b> fits a limited policy π_θ(x) ∝ a(x)·exp(Σ_k θ_k cos(πkx)) (K = capacity) to p_β under a chosen
divergence D(p_β‖π_θ): the frontier shows the alignment each divergence buys and the diversity it keeps.
<b>f-DPO</b> solves max E_π[r] − β·D(a‖π) exactly: π*(x) = a(x)·(f′)⁻¹((r(x) − λ)/β), λ by a 1-D root search.
</div>
"""
