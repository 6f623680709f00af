"""The distillation and alignment lab without a browser: build the page, drive its controls by name,
check that the figures and tables follow and that errors reach the ErrorBox.

The grids are shrunk (2 temperatures, 3 β, short training) so that the whole file runs in a
minute or two; the numbers themselves are the library's (tested in test_distill / test_alignment).
"""

from __future__ import annotations

import datetime
import html
import re

import numpy as np
import pytest

from explorer.distill import losses as L
from explorer.ui.distill import align_work, distill_work
from explorer.ui.distill.claims import ALIGNMENT_CLAIMS, DISTILLATION_CLAIMS
from explorer.ui.distill.colours import loss_colour, loss_colours
from explorer.ui.distill.teacher_panel import USER_TEXT
from explorer.ui.widgets.theme import divergence_colours

pytestmark = pytest.mark.slow


@pytest.fixture
def small(monkeypatch):
    monkeypatch.setattr(distill_work, "TEMPERATURES", (1.0, 2.0))
    monkeypatch.setattr(distill_work, "BETAS", (0.0, 0.5, 1.0))
    monkeypatch.setattr(distill_work, "STEPS", 60)
    monkeypatch.setattr(distill_work, "SWEEP_STEPS", 40)
    monkeypatch.setattr(align_work, "BETAS", (0.1, 0.5, 1.5))
    monkeypatch.setattr(align_work, "STEPS", 40)
    from explorer.alignment import fdpg
    from explorer.ui.distill import tab_alignment

    monkeypatch.setattr(fdpg, "FRONTIER_DIVERGENCES", ("kl", "reverse_kl"))
    monkeypatch.setattr(tab_alignment, "DEFAULT_CLAIM", "bayes")  # keeps the default divergences


@pytest.fixture
def lab(small):
    from explorer.ui import distill

    return distill.build(background=False)


def traces(widget, prefix=""):
    return {t.meta: t for t in widget.data if isinstance(t.meta, str) and t.meta.startswith(prefix)}


def test_page_trains_the_default_claim_and_draws_it(lab):
    tab = lab.distillation
    assert lab.errors.value == ""
    assert [n for n, _ in tab.students()] == ["kl", "reverse_kl", "js"]
    students = traces(tab.figure.widget, "dx-student-")
    assert set(students) == {"dx-student-kl", "dx-student-reverse_kl", "dx-student-js"}
    assert all(t.name.startswith(L.get(t.meta[len("dx-student-") :]).label) for t in students.values())
    # the claim's point is visible in the numbers: forward KL covers more modes than reverse KL
    by = dict(tab.students())
    assert by["kl"].metrics.mode_recall > by["reverse_kl"].metrics.mode_recall
    assert tab.table.value.count("<tr>") == 1 + 1 + 3  # header, teacher, three students
    assert "D(t‖s)" in tab.div_table.value and "w2" in tab.div_table.value
    # every temperature and the β sweep were trained (the sliders replay them)
    assert {k[1] for k in tab.fits} == {1.0, 2.0}
    assert len(tab.sweep.results) == 3
    assert "replay" in tab.status.value and tab.progress.value == 100
    assert lab.alignment is None and lab.tabs.selected_index == 0  # the second tab is not built yet


def test_beta_slider_replays_the_sweep_in_place(lab):
    tab = lab.distillation
    runs, updates = tab.runner.runs, tab.figure.updates
    tab.beta.value = 0.0
    y0 = np.array(traces(tab.figure.widget)["dx-beta-student"].y)
    mark0 = traces(tab.figure.widget)["dx-beta-recall"].x
    tab.beta.value = 1.0
    y1 = np.array(traces(tab.figure.widget)["dx-beta-student"].y)
    assert not np.allclose(y0, y1)
    np.testing.assert_allclose(y1, tab.sweep.at(1.0).student)
    assert traces(tab.figure.widget)["dx-beta-recall"].x != mark0
    assert "β = 1" in tab.figure.widget.layout.annotations[1].text
    assert tab.runner.runs == runs  # nothing retrained
    assert tab.figure.updates == updates + 2


def test_temperature_slider_replays_trained_students(lab):
    tab = lab.distillation
    runs = tab.runner.runs
    before = np.array(traces(tab.figure.widget)["dx-student-kl"].y)
    tab.temperature.value = 2.0
    after = np.array(traces(tab.figure.widget)["dx-student-kl"].y)
    assert tab.runner.runs == runs  # already trained: no new work
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, tab.fits[distill_work.fit_key("kl", 2.0, {})].student)
    soft = traces(tab.figure.widget)["dx-softened-teacher"]
    assert soft.visible is True and "1/2" in soft.name
    assert "T = 2" in tab.figure.widget.layout.annotations[0].text


def test_a_new_loss_trains_only_that_loss(lab):
    tab = lab.distillation
    kept = dict(tab.fits)
    tab.losses.value = ("kl", "reverse_kl", "js", "tv")
    assert set(kept) < set(tab.fits)
    assert all(tab.fits[k] is v for k, v in kept.items())  # the others were not retrained
    assert "dx-student-tv" in traces(tab.figure.widget)
    assert lab.errors.value == ""


def test_real_text_claim_switches_to_characters_and_a_low_rank_student(lab):
    tab = lab.distillation
    tab.claim.value = "text"
    assert tab.teacher_obj.rows.shape[0] == 24 and not tab.teacher_obj.ordered
    assert tab.family.value == "lowrank"
    # families that need ordered tokens are not offered for characters (capability fields)
    assert "unimodal" not in [v for _, v in tab.family.options]
    top = traces(tab.figure.widget)["dx-student-kl"]
    assert list(top.x)[:3] == ["␣", "a", "b"]
    assert tab.context.layout.display is None and len(tab.context.options) == 24
    y0 = np.array(top.y)
    tab.context.value = 3
    assert not np.allclose(y0, traces(tab.figure.widget)["dx-student-kl"].y)
    assert "hallucination" in tab.table.value and lab.errors.value == ""
    # reverse KL is infinite against the text's exact zeros: trained against a clamped teacher, said so
    assert "clamped" in tab.table.value


def test_training_errors_reach_the_error_box(small, monkeypatch):
    from explorer import distill as lib
    from explorer.ui import distill

    def broken(*args, **kwargs):
        raise ValueError("parameter 'steps' is broken on purpose")

    monkeypatch.setattr(lib, "distill", broken)
    lab = distill.build(background=False)
    assert "broken on purpose" in lab.errors.value
    assert isinstance(lab.errors.last, ValueError)
    assert "failed" in lab.distillation.status.value


def test_a_newer_change_supersedes_the_running_training(small):
    from explorer.ui import distill

    lab = distill.build(background=True)
    tab = lab.distillation
    tab.losses.value = ("kl",)  # supersedes the default claim's training
    assert tab.runner.wait(600)
    assert [n for n, _ in tab.students()] == ["kl"]
    assert lab.errors.value == ""


def test_alignment_tab_is_built_when_opened_and_its_sliders_answer(lab):
    assert lab.alignment is None
    lab.select("Alignment")
    a = lab.alignment
    assert a is not None and lab.errors.value == ""
    assert set(a.shown()) == {"kl", "reverse_kl"}
    w = a.figure.widget
    now = traces(w)["dx-frontier-now"]
    assert len(now.x) == 2
    x0, pol0 = list(now.x), np.array(traces(w)["dx-policy-kl"].y)
    runs = a.runner.runs
    a.beta.value = 1.5
    assert list(traces(w)["dx-frontier-now"].x) != x0
    assert not np.allclose(pol0, traces(w)["dx-policy-kl"].y)
    np.testing.assert_allclose(traces(w)["dx-fdpo-target"].y, a.problem.target(1.5))
    assert a.runner.runs == runs and "β = 1.5" in w.layout.annotations[1].text
    # f-DPO with the reverse-KL regulariser is the target itself (Korbak et al. 2022)
    np.testing.assert_allclose(traces(w)["dx-fdpo-policy"].y, a.problem.target(1.5), rtol=1e-8, atol=1e-14)
    assert "vendi" in a.table.value.lower() and "reverse" not in lab.errors.value


def test_fdpo_regulariser_changes_the_closed_form_policy(lab):
    lab.select("Alignment")
    a = lab.alignment
    a.beta.value = 0.1
    w = a.figure.widget
    rkl = np.array(traces(w)["dx-fdpo-policy"].y)
    a.fdpo_name.value = "neyman_chi2"
    chi = np.array(traces(w)["dx-fdpo-policy"].y)
    assert not np.allclose(rkl, chi)
    assert np.sum(chi == 0) > 0 and np.all(rkl > 0)  # Pearson χ²: exact zeros on low rewards
    assert f"support {int(np.sum(chi > 0))} items" in w.layout.annotations[2].text
    assert lab.errors.value == ""


def test_adding_a_frontier_divergence_fits_only_it(lab):
    lab.select("Alignment")
    a = lab.alignment
    kept = dict(a.frontiers)
    a.divergences.value = ("kl", "reverse_kl", "js")
    assert set(a.shown()) == {"kl", "reverse_kl", "js"}
    assert all(a.frontiers[k] is v for k, v in kept.items())
    assert len(traces(a.figure.widget)["dx-frontier-now"].x) == 3


def test_every_claim_sets_declared_controls_only(lab):
    lab.select("Alignment")
    names = set(lab.controls.names())
    for claim in (*DISTILLATION_CLAIMS, *ALIGNMENT_CLAIMS):
        unknown = set(claim.settings) - names
        assert not unknown, (claim.key, unknown)


def test_loss_colours_are_distinct_and_shared_with_the_registry():
    colours = loss_colours()
    assert set(colours) == set(L.names())
    assert len(set(colours.values())) == len(colours)
    shared = divergence_colours()
    for name in set(colours) & set(shared):
        assert loss_colour(name) == shared[name]
    with pytest.raises(ValueError, match="unknown loss"):
        loss_colour("nope")


# -- the "your text" teacher ------------------------------------------------------------------------
TALE = (
    "Once upon a midnight dreary, while I pondered, weak and weary, over many a quaint and curious "
    "volume of forgotten lore, while I nodded, nearly napping, suddenly there came a tapping, as of "
    "some one gently rapping, rapping at my chamber door. 'Tis some visitor, I muttered, tapping at "
    "my chamber door; only this and nothing more."
)  # Poe, The Raven (1845), public domain


def untagged(text: str) -> str:
    return re.sub(r"<[^>]+>", "", html.unescape(text))


def test_your_text_teacher_follows_the_paste_and_the_upload_and_refuses_bad_files(lab):
    tab, panel = lab.distillation, lab.distillation.teacher
    up = panel.upload
    assert up.widget.layout.display == "none"  # only with its kind
    tab.losses.value = ("kl",)  # (less to train)
    panel.kind.value = USER_TEXT
    example = tab.teacher_obj
    assert up.widget.layout.display is None and lab.errors.value == ""
    assert "Darwin" in example.description and example.rows.shape == (24, 32) and not example.ordered
    preview = html.unescape(up.preview.value)
    assert "1,316 characters kept of 1,317 read; 1 dropped outside the alphabet: 1 × ':'" in preview
    assert "Most frequent 2-character histories: th 33 · e␣ 31" in untagged(preview)
    trained = dict(tab.fits)
    kl0 = dict(tab.students())["kl"].student
    assert trained and "unimodal" not in [v for _, v in tab.family.options]  # characters are unordered

    up.paste.value = TALE
    up.use.click()
    pasted = tab.teacher_obj
    assert up.errors.value == "" and "pasted text" in pasted.description
    assert pasted.contexts != example.contexts
    assert not any(tab.fits.get(k) is v for k, v in trained.items())  # the students retrained
    assert not np.allclose(dict(tab.students())["kl"].student, kl0)
    assert list(traces(tab.figure.widget)["dx-student-kl"].x) == list(example.labels)

    panel.sliders[USER_TEXT]["order"].value = 3  # the preview lists the 3-character histories
    assert "Most frequent 3-character histories" in html.unescape(up.preview.value)
    assert tab.teacher_obj.name == "text:order3" and lab.errors.value == ""

    now = datetime.datetime.now(datetime.UTC)
    raven = (TALE + " Quoth the Raven, Nevermore.").encode("cp1252")
    up.file.value = ({"name": "../../raven.txt", "type": "text/plain", "size": len(raven),
                      "last_modified": now, "content": memoryview(raven)},)
    assert up.errors.value == "" and up.file.value == ()
    assert "../../raven.txt" in tab.teacher_obj.description  # the name shown, never opened
    shown, fits = tab.teacher_obj, dict(tab.fits)
    for name, content, message in [
        ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not a text file"),
        ("short.txt", b"Too short.", "at least 200"),
        ("empty.txt", b"", "there is no text"),
    ]:
        up.file.value = ({"name": name, "type": "text/plain", "size": len(content), "last_modified": now,
                          "content": memoryview(content)},)
        text = html.unescape(up.errors.value)
        assert text.startswith("Could not use your text:") and message in text, text
        assert tab.teacher_obj is shown and tab.fits == fits and lab.errors.value == ""  # all kept

    panel.kind.value = "peaks"  # a text given while another teacher is shown chooses "your text"
    up.load(TALE, "pasted text")
    assert panel.kind.value == USER_TEXT and "pasted text" in tab.teacher_obj.description

    lab.select("Alignment")  # the alignment tab does not read the teacher: it opens as usual
    assert lab.alignment is not None and lab.errors.value == ""
