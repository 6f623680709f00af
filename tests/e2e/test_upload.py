"""End-to-end: a visitor's own data on the KDE page — a good CSV uploaded through the FileUpload
redraws the estimate with a preview of the kept rows; hostile files (51 MB, binary, a wrong
delimiter, one row, all NaN) each get a readable message and no traceback, and the page keeps
working; two uploaded columns draw the 2-D contours.

The FileUpload's ``<input type=file>`` is never attached to the document (ipywidgets 8 creates it
detached and clicks it from the button), so the files are handed over through the file chooser
it opens (``page.expect_file_chooser`` → ``set_files``, the same call as ``set_input_files``), as
in-memory ``{name, mimeType, buffer}`` payloads: nothing is written to disk.

CSS contract: source ``.dx-kde-source``, upload box ``.dx-kde-upload`` with ``-file`` (the
button), ``-paste``, ``-use``, ``-x``, ``-preview``, ``-errors``; 2-D: ``.dx-kde2d-data``,
``.dx-kde2d-upload-*``, figure ``.dx-kde2d-figure``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from upload_files import HOSTILE_FILES, tall_screenshot

from explorer.ui.kde.sources import USER_TITLE
from explorer.userdata import column_samples, parse_table

pytestmark = pytest.mark.e2e

URL_PATH = "/voila/render/03_kde.ipynb"
SCREENSHOT = os.environ.get("DX_UPLOAD_SCREENSHOT")
ESTIMATE = """() => {
  const gd = document.querySelector('.dx-kde-figure.js-plotly-plot, .dx-kde-figure .js-plotly-plot');
  if (!gd || !gd.data || !gd.data[2]) return null;
  const v = gd.data[2].y; return JSON.stringify(ArrayBuffer.isView(v) ? Array.from(v) : v);
}"""
CONTOUR = """() => {
  const gd = document.querySelector('.dx-kde2d-figure.js-plotly-plot, .dx-kde2d-figure .js-plotly-plot');
  if (!gd || !gd.data || !gd.data[1]) return null;
  const v = gd.data[1].x; return JSON.stringify(ArrayBuffer.isView(v) ? Array.from(v) : v);
}"""


def good_csv(n: int = 300, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(-2, 0.5, n // 2), rng.normal(3, 1.0, n - n // 2)])
    rows = [f"{v:.4f};s{i % 3}".replace(".", ",") for i, v in enumerate(x)]
    lines = ["\ufeffriver flow (m3/s);site", *rows]
    lines[5:5] = ["n/a;s9", "oops;s9", "inf;s9"]  # three bad rows: dropped and counted
    return "\r\n".join(lines).encode("utf-8")


def upload(page, name: str, buffer: bytes | Path, box: str = "dx-kde-upload", mime: str = "text/csv") -> None:
    """Choose a file in the upload ``box``: an in-memory payload, or a path (Playwright refuses
    in-memory buffers above 50 MiB: the 51 MB case is written to the test's temporary directory)."""
    with page.expect_file_chooser() as chooser:
        page.locator(f".{box}-file").first.click()
    chooser.value.set_files(buffer if isinstance(buffer, Path) else
                            {"name": name, "mimeType": mime, "buffer": buffer})


def wait_text(page, css: str, text: str, timeout: float) -> None:
    page.wait_for_function(
        "([css, text]) => { const e = document.querySelector('.' + css); "
        "return e && e.innerText.includes(text); }",
        arg=[css, text], timeout=timeout)


def wait_changed(page, js: str, before, timeout: float) -> None:
    page.wait_for_function(f"(before) => {{ const v = ({js})(); return v !== null && v !== before; }}",
                           arg=before, timeout=timeout)


def wait_idle(page, timeout: float) -> None:
    page.wait_for_function(
        "() => { const s = document.querySelector('.dx-kde-status'); "
        "return s && s.innerText.includes('selectors') && !s.innerText.includes('computing'); }",
        timeout=timeout)


def wait_stable(page, js: str, timeout: float, quiet_s: float = 1.0) -> str:
    """``js``'s value once it has not changed for ``quiet_s`` seconds (a redraw can still be arriving
    after the status line reads idle: the trace and the layout travel as separate messages)."""
    deadline = time.monotonic() + timeout / 1000
    value, since = page.evaluate(js), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = page.evaluate(js)
        if now != value:
            value, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return value
    raise AssertionError(f"the plot kept changing for {timeout / 1000:.0f} s")


@pytest.fixture(scope="module")
def lab(browser, app_server, e2e, request):
    def ready(page) -> None:
        page.wait_for_function(f"() => ({ESTIMATE})() !== null", timeout=e2e.first_render_timeout)
        wait_idle(page, e2e.first_render_timeout)
        before = page.evaluate(ESTIMATE)
        page.locator(".dx-kde-source select").select_option(label=USER_TITLE)
        page.locator(".dx-kde-upload-file").wait_for(state="visible")
        wait_changed(page, ESTIMATE, before, e2e.update_timeout)  # the paste box's example
        wait_idle(page, e2e.update_timeout * 4)

    yield from e2e.rendered_page(browser, app_server, request, URL_PATH, ".dx-kde", ready)


@pytest.fixture(autouse=True)
def _artifacts_on_failure(request, app_server, e2e):
    yield
    e2e.artifacts_on_failure(request, app_server, "lab")


def load_good(lab, e2e, seed: int = 0) -> None:
    before = lab.evaluate(ESTIMATE)
    upload(lab, f"river-{seed}.csv", good_csv(seed=seed))
    wait_changed(lab, ESTIMATE, before, e2e.update_timeout * 2)
    wait_text(lab, "dx-kde-upload-preview", "kept 300 of 303 rows", e2e.update_timeout)
    wait_idle(lab, e2e.update_timeout * 4)


def test_a_good_csv_changes_the_kde_plot_and_is_previewed(lab, e2e):
    t0 = time.monotonic()
    load_good(lab, e2e)
    print(f"good CSV uploaded -> estimate redrawn in {time.monotonic() - t0:.1f} s")
    preview = lab.inner_text(".dx-kde-upload-preview")
    assert "river-0.csv" in preview and "semicolon-separated" in preview and "decimal commas" in preview
    assert "dropped 3: 1 not a number, 1 NaN or missing marker, 1 infinite" in preview
    first = column_samples(parse_table(good_csv()), 0)[0][0]
    assert "river flow (m3/s)" in preview and f"{first:.6g}" in preview  # the first kept rows
    # the trace and the layout arrive in separate messages: wait for the title and the axis (the
    # column's name); plotly draws them as SVG text, hence textContent
    lab.wait_for_function(
        "(texts) => { const f = document.querySelector('.dx-kde-figure'); "
        "return f && texts.every(t => f.textContent.includes(t)); }",
        arg=["n = 300", "river flow (m3/s)"], timeout=e2e.update_timeout)
    # every selector ran on the upload (the status line may still read as before: wait for the marks)
    lab.wait_for_function("() => document.querySelectorAll('.dx-ruler .dx-mark').length === 5",
                          timeout=e2e.update_timeout * 2)
    e2e.assert_clean(lab)
    if SCREENSHOT:
        tall_screenshot(lab, SCREENSHOT)


HOSTILE = {
    "huge (51 MB)": ("big.csv", b"1.5\n" * (51 * 2**20 // 4), "the data are 51.0 MB; the limit is 50.0 MB"),
    **HOSTILE_FILES,
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_file_gets_a_readable_message_and_the_page_still_works(lab, e2e, case, tmp_path):
    name, buffer, message = HOSTILE[case]
    if len(buffer) > 2**20:
        (tmp_path / name).write_bytes(buffer)
        buffer = tmp_path / name
    shown = wait_stable(lab, ESTIMATE, e2e.update_timeout)
    t0 = time.monotonic()
    upload(lab, name, buffer)
    big = isinstance(buffer, Path)
    wait_text(lab, "dx-kde-upload-errors", message, e2e.update_timeout * (4 if big else 1))
    print(f"{case}: message shown {time.monotonic() - t0:.1f} s after the upload")
    text = lab.inner_text(".dx-kde-upload-errors")
    assert text.startswith("Could not use your data:") and len(text) < 400, text
    e2e.assert_no_error_text(lab)  # no traceback, no "Error" anywhere
    e2e.assert_no_page_errors(lab)
    assert lab.evaluate(ESTIMATE) == shown  # the last good data stay on the plot
    load_good(lab, e2e, seed=1 + list(HOSTILE).index(case))  # and the page still takes data
    # the message goes (its text and its box's display travel as two messages: wait for both)
    lab.locator(".dx-kde-upload-errors").wait_for(state="hidden", timeout=e2e.update_timeout)
    e2e.assert_clean(lab)


def test_pasted_numbers_and_two_uploaded_columns_in_the_2d_view(lab, e2e):
    before = lab.evaluate(ESTIMATE)
    lab.locator(".dx-kde-upload-paste textarea").fill("0.1, 0.4, 0.35, 2.2, 2.5, 2.45, 2.9, 0.2")
    lab.locator(".dx-kde-upload-use").click()
    wait_changed(lab, ESTIMATE, before, e2e.update_timeout)
    wait_text(lab, "dx-kde-upload-preview", "kept 8 of 8 rows", e2e.update_timeout)
    lab.locator(".dx-kde2d .lm-AccordionPanel-title, .dx-kde2d .jupyter-widget-Collapse-header").first.click()
    lab.wait_for_function(f"() => ({CONTOUR})() !== null", timeout=e2e.update_timeout * 2)
    before = lab.evaluate(CONTOUR)
    lab.locator(".dx-kde2d-data select").select_option(label=USER_TITLE)
    lab.locator(".dx-kde2d-upload-file").wait_for(state="visible")
    wait_changed(lab, CONTOUR, before, e2e.update_timeout)  # the 2-D paste box's example
    before = lab.evaluate(CONTOUR)
    rng = np.random.default_rng(5)
    xy = rng.multivariate_normal([0, 10], [[1, 0.8], [0.8, 1]], size=150)
    csv = "u\tv\tw\n" + "\n".join(f"{a:.5f}\t{b:.5f}\t7" for a, b in xy)
    upload(lab, "pairs.tsv", csv.encode(), box="dx-kde2d-upload", mime="text/tab-separated-values")
    wait_changed(lab, CONTOUR, before, e2e.update_timeout)
    wait_text(lab, "dx-kde2d-upload-preview", "kept 150 of 150 rows", e2e.update_timeout)
    assert len(json.loads(lab.evaluate(CONTOUR))) == 150
    lab.locator(".dx-kde2d-upload-y select").select_option("w")
    wait_text(lab, "dx-kde2d-upload-errors", "column 'w' is constant", e2e.update_timeout)
    lab.locator(".dx-kde2d-upload-y select").select_option("v")
    lab.locator(".dx-kde2d-upload-errors").wait_for(state="hidden", timeout=e2e.update_timeout)
    e2e.assert_clean(lab)
