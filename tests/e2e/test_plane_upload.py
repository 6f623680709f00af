"""End-to-end: the visitor's own data on the information plane — choosing "your data (CSV / paste)"
shows the upload box (labelled mode: a label column and feature columns) and trains the example;
a good CSV uploaded through the FileUpload is trained on (the plot changes); a hostile file gets
a readable message in the upload box and the plot stays as it was.

CSS contract: tabs ``.dx-info-tabs``; plane tab: data set ``.dx-plane-dataset``, upload box
``.dx-plane-upload`` with ``-file``, ``-label``, ``-features``, ``-preview``, ``-errors``; the data's
note ``.dx-plane-data-note``; figure ``.dx-plane-figure`` (traces named after the layers); status
``.dx-plane-status``; read-out ``.dx-plane-readout``.

``DX_PLANE_UPLOAD_SCREENSHOT=<file.png>`` saves the page after the good CSV was trained on.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from test_calculator_upload import upload, wait_text
from test_information_lab import URL_PATH, open_tab, trace, traces, wait_ready, wait_trace
from upload_files import HOSTILE_FILES, tall_screenshot

pytestmark = pytest.mark.e2e

BOX = "dx-plane-upload"
SCREENSHOT = os.environ.get("DX_PLANE_UPLOAD_SCREENSHOT")
TRAIN_TIMEOUT = 240_000  # ms: torch imported, then two runs of a few seconds each (slower under load)


def good_csv(n: int = 90, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    x = rng.normal(size=(n, 3)) + 2.5 * y[:, None]
    rows = ["a,b,c,kind"] + [f"{r[0]:.4f},{r[1]:.4f},{r[2]:.4f},{'xyz'[k]}"
                             for r, k in zip(x, y, strict=True)]
    return ("\n".join(rows) + "\n1,2,3,\nnan,1,1,x\n").encode()


def wait_trained(page, name: str, timeout: float) -> None:
    """Both runs done and the read-out naming the data ``name``."""
    page.wait_for_function(
        "(name) => { const s = document.querySelector('.dx-plane-status').innerText; "
        "const r = document.querySelector('.dx-plane-readout').innerText; "
        "return s.includes('Trained 2 run') && r.includes(name) && !r.includes('training…'); }",
        arg=name, timeout=timeout)


@pytest.fixture(scope="module")
def lab(browser, app_server, e2e, request):
    def ready(page) -> None:
        wait_ready(page, e2e.first_render_timeout)
        open_tab(page, 1)
        wait_trace(page, ".dx-plane-figure", "layer 1", e2e.first_render_timeout, min_points=50)

    yield from e2e.rendered_page(browser, app_server, request, URL_PATH, ".dx-information", ready)


@pytest.fixture(autouse=True)
def _artifacts_on_failure(request, app_server, e2e):
    yield
    e2e.artifacts_on_failure(request, app_server, "lab")


def test_choosing_your_data_shows_the_upload_and_trains_the_example(lab, e2e):
    assert not lab.locator(f".{BOX}-file").is_visible()
    assert "shipped precomputed run" in lab.inner_text(".dx-plane-status")
    before = str(trace(lab, ".dx-plane-figure", "layer 1"))
    lab.locator(".dx-plane-dataset select").select_option(label="your data (CSV / paste)")
    lab.locator(f".{BOX}-file").wait_for(state="visible", timeout=e2e.update_timeout)
    # the worktree's widget: a label column and a feature list (the labelled mode)
    lab.locator(f".{BOX}-features select").wait_for(state="visible", timeout=e2e.update_timeout)
    assert lab.locator(f".{BOX}-features select option:checked").count() == 4
    assert lab.locator(f".{BOX}-label select").input_value() == "species"
    wait_trained(lab, "the example", TRAIN_TIMEOUT)
    assert str(trace(lab, ".dx-plane-figure", "layer 1")) != before
    note = lab.inner_text(".dx-plane-data-note")
    assert "60 rows × 4 standardised features" in note and "keeps the settings, not the data" in note
    e2e.assert_clean(lab)


def test_a_good_csv_is_trained_on(lab, e2e):
    before = str(traces(lab, ".dx-plane-figure"))
    upload(lab, "blobs.csv", good_csv(), box=BOX)
    wait_text(lab, f"{BOX}-preview", "kept 90 of 92 rows", e2e.update_timeout)
    wait_trained(lab, "blobs.csv", TRAIN_TIMEOUT)
    assert str(traces(lab, ".dx-plane-figure")) != before
    assert lab.locator(f".{BOX}-label select").input_value() == "kind"
    assert "3 classes: x (30), y (30), z (30)" in lab.inner_text(".dx-plane-data-note")
    e2e.assert_clean(lab)
    if SCREENSHOT:
        tall_screenshot(lab, SCREENSHOT, height=2200)


# the labelled mode needs two columns: a one-column file (the all-NaN one too) gets that message
LABELLED_MESSAGES = {"all NaN": "only one column was found"}
CASES = {**{k: (n, b, LABELLED_MESSAGES.get(k, m)) for k, (n, b, m) in HOSTILE_FILES.items()},
         "all NaN, two columns": ("nan2.csv", b"a,kind\nnan,x\nNaN,y\nNA,x\n,y\n", "0 usable rows"),
         "one row per class": ("lonely.csv", b"a,kind\n1,x\n2,x\n3,y\n", "has a single row")}


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_file_gets_a_message_and_the_plot_stays(lab, e2e, case):
    name, buffer, message = CASES[case]
    shown, readout = str(traces(lab, ".dx-plane-figure")), lab.inner_text(".dx-plane-readout")
    upload(lab, name, buffer, box=BOX)
    wait_text(lab, f"{BOX}-errors", message, e2e.update_timeout)
    text = lab.inner_text(f".{BOX}-errors")
    assert text.startswith("Could not use your data:") and len(text) < 400, text
    e2e.assert_no_error_text(lab)
    e2e.assert_no_page_errors(lab)
    assert str(traces(lab, ".dx-plane-figure")) == shown
    assert lab.inner_text(".dx-plane-readout") == readout
