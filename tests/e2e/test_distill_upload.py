"""End-to-end: the distillation lab's "your text" teacher — choosing it shows the upload box and the
example's teacher at once; pasted text and an uploaded .txt become the teacher (redrawn, students
retrained); a binary, a too-short and an empty file get a message in the box and the plot stays.

CSS contract: teacher kind ``.dx-teacher-kind``; upload box ``.dx-teacher-upload`` with ``-file``,
``-paste``, ``-use``, ``-preview``, ``-errors``; the figure ``.dx-distill-figure`` (the teacher's
row is the ``dx-softened-teacher`` trace's y), status ``.dx-distill-status``.

``DX_SCREENSHOTS=<dir>`` saves a screenshot of the page with an uploaded text there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_calculator_upload import upload, wait_text
from test_distill_lab import JS_TRACE, SLOW, trace, wait_trace_changed
from upload_files import HOSTILE_FILES, tall_screenshot

from explorer.ui.distill.teacher_panel import TEACHERS, USER_TEXT

pytestmark = pytest.mark.e2e

URL_PATH = "/voila/render/05_distillation_alignment.ipynb"
BOX = "dx-teacher-upload"
FIGURE = ".dx-distill-figure"
TEACHER_ROW = "dx-softened-teacher"

RAVEN = (
    "Once upon a midnight dreary, while I pondered, weak and weary, Over many a quaint and curious "
    "volume of forgotten lore, While I nodded, nearly napping, suddenly there came a tapping, As of "
    "some one gently rapping, rapping at my chamber door. 'Tis some visitor, I muttered, tapping at my "
    "chamber door; Only this, and nothing more."
)  # Poe, The Raven (1845), public domain
GETTYSBURG = (
    "Four score and seven years ago our fathers brought forth on this continent, a new nation, "
    "conceived in Liberty, and dedicated to the proposition that all men are created equal.\n\n"
    "Now we are engaged in a great civil war, testing whether that nation, or any nation so conceived "
    "and so dedicated, can long endure. We are met on a great battle-field of that war.\n"
)  # Lincoln, the Gettysburg Address (1863, Bliss copy), public domain


@pytest.fixture(scope="module")
def lab(browser, app_server, e2e, request):
    def ready(page) -> None:  # the figure is up (the default claim's training need not finish)
        page.wait_for_function(f"() => ({JS_TRACE})(['{FIGURE}', '{TEACHER_ROW}']) !== null", timeout=SLOW)

    yield from e2e.rendered_page(browser, app_server, request, URL_PATH, ".dx-distill-lab", ready)


@pytest.fixture(autouse=True)
def _artifacts_on_failure(request, app_server, e2e):
    yield
    e2e.artifacts_on_failure(request, app_server, "lab")


def wait_trained(page) -> None:
    """The status says the students are trained (the sliders replay them)."""
    page.wait_for_function(
        "() => document.querySelector('.dx-distill-status').innerText.includes('replay')", timeout=SLOW
    )


def test_choosing_your_text_shows_the_box_and_the_example_teacher(lab, e2e):
    assert lab.locator(f".{BOX}").count() == 1  # this worktree's page (the box exists, hidden)
    assert not lab.locator(f".{BOX}-file").is_visible()
    before = trace(lab, FIGURE, TEACHER_ROW)
    lab.locator(".dx-teacher-kind select").select_option(label=TEACHERS[USER_TEXT].title)
    lab.locator(f".{BOX}-file").wait_for(state="visible", timeout=e2e.update_timeout)
    wait_trace_changed(lab, FIGURE, TEACHER_ROW, before, e2e.update_timeout * 2)
    preview = lab.inner_text(f".{BOX}-preview")
    assert "Darwin" in preview and "1 dropped outside the alphabet: 1 × ':'" in preview
    assert "keeps the settings, not the text" in lab.inner_text(".dx-side-teacher")
    e2e.assert_clean(lab)


def test_pasted_text_becomes_the_teacher(lab, e2e):
    before = trace(lab, FIGURE, TEACHER_ROW)
    lab.locator(f".{BOX}-paste textarea").fill(RAVEN)
    lab.locator(f".{BOX}-use button, button.{BOX}-use").first.click()
    wait_text(lab, f"{BOX}-preview", "pasted text", e2e.update_timeout)
    wait_trace_changed(lab, FIGURE, TEACHER_ROW, before, e2e.update_timeout * 2)
    assert "Most frequent 2-character histories" in lab.inner_text(f".{BOX}-preview")
    wait_text(lab, "dx-distill-table", "pasted text", e2e.update_timeout)  # the teacher's row, at once
    e2e.assert_clean(lab)


def test_an_uploaded_txt_becomes_the_teacher(lab, e2e):
    before = trace(lab, FIGURE, TEACHER_ROW)
    upload(lab, "gettysburg.txt", GETTYSBURG.encode("utf-8"), box=BOX, mime="text/plain")
    wait_text(lab, f"{BOX}-preview", "gettysburg.txt", e2e.update_timeout)
    wait_trace_changed(lab, FIGURE, TEACHER_ROW, before, e2e.update_timeout * 2)
    wait_text(lab, "dx-distill-table", "gettysburg.txt", e2e.update_timeout)
    e2e.assert_clean(lab)
    where = os.environ.get("DX_SCREENSHOTS")
    if where:  # (the students trained first: a minute or two on a loaded box)
        wait_trained(lab)
        Path(where).mkdir(parents=True, exist_ok=True)
        tall_screenshot(lab, str(Path(where) / "distill_your_text.png"), height=2400)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (HOSTILE_FILES["binary"][0].replace(".csv", ".txt"), HOSTILE_FILES["binary"][1], "not a text file"),
        ("short.txt", b"Too short to count.", "at least 200"),
        ("empty.txt", b"", "there is no text"),
    ],
    ids=["binary", "too short", "empty"],
)
def test_a_hostile_file_gets_a_message_and_the_plot_stays(lab, e2e, name, content, message):
    shown = trace(lab, FIGURE, TEACHER_ROW)
    upload(lab, name, content, box=BOX, mime="text/plain")
    wait_text(lab, f"{BOX}-errors", message, e2e.update_timeout)
    text = lab.inner_text(f".{BOX}-errors")
    assert text.startswith("Could not use your text:") and len(text) < 500, text
    assert trace(lab, FIGURE, TEACHER_ROW) == shown
    assert "gettysburg.txt" in lab.inner_text(f".{BOX}-preview")  # the previous text is kept
    e2e.assert_no_error_text(lab)
    e2e.assert_no_page_errors(lab)
