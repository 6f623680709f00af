"""The teacher's controls: a kind (peaks, long tail, real text, your text) and its sliders,
declared as Params.

Every teacher is built by :mod:`explorer.distill.teachers`; this module only says which sliders
each kind has and passes their values on. The "your text" kind also shows an upload box
(:class:`~explorer.ui.distill.text_upload.TextUpload`, not a control: a link keeps the kind and
its sliders, and shows the example text until the visitor gives theirs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as W

from explorer.distill import teachers
from explorer.distill.corpus import EXAMPLE_SOURCE, EXAMPLE_TEXT
from explorer.params import Param, ParamSet
from explorer.ui.distill.text_upload import TextUpload
from explorer.ui.widgets import Controls, slider

__all__ = ["CONTEXTS", "MAX_PEAKS", "TEACHERS", "USER_TEXT", "TeacherKind", "TeacherPanel"]

MAX_PEAKS = 5
CONTEXTS = ("th", "q", "e", "wh", "in", "an", "of", " a")
"""Histories offered for the one-context text teacher (all occur in the shipped text)."""

_VOCAB = Param(
    "vocab_size",
    100,
    2,
    2000,
    integer=True,
    label="tokens V",
    slider=(20, 400),
    step=10,
    doc="vocabulary size V",
)
_HEIGHTS = [
    Param(
        f"h{k + 1}",
        h,
        0.0,
        1.0,
        low_open=True,
        label=f"peak {k + 1} mass",
        slider=(0.05, 1.0),
        doc=f"relative mass of peak {k + 1}",
    )
    for k, h in enumerate((1.0, 0.6, 0.3, 0.6, 0.3))
]


_ORDER = Param(
    "order",
    2,
    1,
    4,
    integer=True,
    label="history length",
    slider=(1, 3),
    doc="characters of history",
)
_N_CONTEXTS = Param(
    "n_contexts",
    24,
    2,
    64,
    integer=True,
    label="contexts",
    slider=(4, 32),
    step=4,
    doc="number of most frequent histories (rows)",
)
#: The kind counted in the visitor's own text.
USER_TEXT = "text_user"


@dataclass(frozen=True)
class TeacherKind:
    """A kind of teacher: its title, one sentence, its sliders and how to build it."""

    name: str
    title: str
    description: str
    params: ParamSet
    make: Callable[[Mapping[str, Any]], teachers.Teacher]
    uses_context: bool = False
    uses_text: bool = False  # counted in the visitor's text: the panel shows the upload box


def _peaks(v: Mapping[str, Any]) -> teachers.Teacher:
    k = int(v["peaks"])
    return teachers.peaks(
        int(v["vocab_size"]),
        heights=[v[f"h{i + 1}"] for i in range(k)],
        width=v["width"],
        background=v["background"],
    )


TEACHERS: dict[str, TeacherKind] = {
    k.name: k
    for k in (
        TeacherKind(
            "peaks",
            "2–5 peaks",
            "Separated discretised Gaussian peaks of chosen masses; far from "
            "every peak the teacher is exactly zero unless a background is added.",
            ParamSet(
                [
                    Param(
                        "peaks",
                        3,
                        1,
                        MAX_PEAKS,
                        integer=True,
                        label="peaks",
                        slider=(2, MAX_PEAKS),
                        doc="number of peaks",
                    ),
                    *_HEIGHTS,
                    Param(
                        "width",
                        3.0,
                        0.0,
                        50.0,
                        low_open=True,
                        label="peak width",
                        slider=(0.5, 12.0),
                        step=0.5,
                        doc="standard deviation of each peak, in tokens",
                    ),
                    Param(
                        "background",
                        0.0,
                        0.0,
                        0.99,
                        label="background",
                        slider=(0.0, 0.2),
                        step=0.01,
                        doc="share of the mass spread uniformly (0: exact zeros)",
                    ),
                    _VOCAB,
                ]
            ),
            _peaks,
        ),
        TeacherKind(
            "long_tail",
            "long tail (Zipf)",
            "p_i ∝ (i + 1)^(−s): one head and many rare tokens.",
            ParamSet(
                [
                    Param(
                        "exponent",
                        1.1,
                        0.0,
                        5.0,
                        low_open=True,
                        label="Zipf exponent s",
                        slider=(0.3, 3.0),
                        step=0.05,
                        doc="tail exponent s",
                    ),
                    _VOCAB,
                ]
            ),
            lambda v: teachers.long_tail(int(v["vocab_size"]), v["exponent"]),
        ),
        TeacherKind(
            "text_one",
            "real text: next character after…",
            "Next-character distribution after one history, counted in Bierce's The Devil's "
            "Dictionary (1911, public domain; data/devils_dictionary.txt). Characters are unordered.",
            ParamSet(),
            lambda v: teachers.text(context=v["context"]),
            uses_context=True,
        ),
        TeacherKind(
            "text_many",
            "real text: 24 contexts",
            "Next-character distributions after the most frequent histories of the same text: one "
            "teacher row per context, weighted by its frequency (a student shares its parameters).",
            ParamSet([_ORDER, _N_CONTEXTS]),
            lambda v: teachers.text(order=int(v["order"]), n_contexts=int(v["n_contexts"])),
        ),
        TeacherKind(
            USER_TEXT,
            "your text (upload / paste)",
            "Next-character distributions after the most frequent histories of your own text (upload "
            "or paste it below; the example is the closing paragraph of Darwin's On the Origin of "
            "Species, 1859). A link to this view keeps the settings, not the text.",
            ParamSet([_ORDER, _N_CONTEXTS]),
            lambda v: teachers.text(
                order=int(v["order"]), n_contexts=int(v["n_contexts"]), corpus=v["corpus"]
            ),
            uses_text=True,
        ),
    )
}


class TeacherPanel:
    """The teacher's dropdown and sliders, declared in ``controls`` as ``teacher.kind``,
    ``teacher.context`` and ``teacher.<kind>.<param>`` (only the chosen kind's are shown), and the
    "your text" upload box ``upload``.

    ``on_text()`` is called when the visitor's text changes while "your text" is chosen (a text
    given while another kind is shown chooses "your text", which the controls report as usual).
    """

    def __init__(self, controls: Controls, kind: str = "peaks", on_text: Callable[[], Any] | None = None):
        self.controls = controls
        self.on_text = on_text
        self.upload = TextUpload(self._text_loaded, example=EXAMPLE_TEXT, css="dx-teacher-upload")
        self.upload.paste.layout.width = "310px"
        self.upload.paste.layout.height = "90px"
        self.upload.widget.layout.max_width = "340px"
        self.upload.load(EXAMPLE_TEXT, f"{EXAMPLE_SOURCE} (the example)", notify=False)
        self.kind = controls.add(
            "teacher.kind",
            W.Dropdown(
                options=[(k.title, k.name) for k in TEACHERS.values()],
                value=kind,
                description="teacher",
                layout=W.Layout(width="330px"),
            ),
        )
        self.kind.add_class("dx-teacher-kind")
        self.context = controls.add(
            "teacher.context",
            W.Dropdown(
                options=[(repr(c), c) for c in CONTEXTS],
                value=CONTEXTS[0],
                description="history",
                layout=W.Layout(width="330px"),
            ),
        )
        self.blurb = W.HTML("", layout=W.Layout(width="330px"))
        self.sliders: dict[str, dict[str, W.ValueWidget]] = {}
        for k in TEACHERS.values():
            self.sliders[k.name] = {
                p.name: controls.add(f"teacher.{k.name}.{p.name}", slider(p, css=f"dx-teacher-{p.name}"))
                for p in k.params
            }
        self.box = W.VBox([])
        self.widget = W.VBox([self.kind, self.blurb, self.context, self.box, self.upload.widget])
        controls.observe(lambda n, ch: self.layout(), names=("teacher.kind", "teacher.peaks.peaks"))
        self.layout()

    @property
    def spec(self) -> TeacherKind:
        return TEACHERS[self.kind.value]

    def values(self) -> dict[str, Any]:
        v: dict[str, Any] = {n: w.value for n, w in self.sliders[self.kind.value].items()}
        v["context"] = self.context.value
        v["corpus"] = self.upload.corpus
        return v

    def layout(self) -> None:
        """Show the chosen kind's sliders (and only as many peak masses as peaks)."""
        spec = self.spec
        shown = list(self.sliders[spec.name].values())
        if spec.name == "peaks":  # the number of peak-mass sliders follows the "peaks" slider
            k = int(self.sliders["peaks"]["peaks"].value)
            shown = [
                w for n, w in self.sliders["peaks"].items() if not (n.startswith("h") and int(n[1:]) > k)
            ]
        self.box.children = shown
        self.context.layout.display = None if spec.uses_context else "none"
        self.upload.widget.layout.display = None if spec.uses_text else "none"
        if spec.uses_text:
            self.upload.show_order(int(self.sliders[spec.name]["order"].value))
        self.blurb.value = f"<i style='font-size:12px'>{spec.description}</i>"

    def _text_loaded(self, corpus: teachers.Corpus) -> None:
        if not self.spec.uses_text:  # the controls' observers retrain
            self.kind.value = USER_TEXT
        elif self.on_text is not None:
            self.on_text()

    def teacher(self) -> teachers.Teacher:
        """The teacher the controls describe (``ValueError`` from the library for bad values)."""
        return self.spec.make(self.values())
