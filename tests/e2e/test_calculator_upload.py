"""End-to-end: the visitor's own data on the divergence calculator — choosing "Your data" for p
shows the upload box and the example numbers' KDE; a good CSV uploaded through the FileUpload
redraws p's density and every divergence, with a preview of the kept rows; hostile files (binary,
a wrong delimiter, one row, all NaN) each get a readable message in the upload box, no traceback,
and the plot stays as it was. (The 51 MB case runs through the same widget on the KDE page, in
test_upload.py.)

The files are handed to the file chooser the FileUpload's button opens, as in-memory
``{name, mimeType, buffer}`` payloads (see test_upload.py): nothing is written to disk.

CSS contract: family ``.dx-p-family``, upload box ``.dx-p-upload`` with ``-file``, ``-paste``,
``-use``, ``-preview``, ``-errors``; status ``.dx-calc-status``; figure ``.dx-figure`` (trace 0
is p's density); table ``.dx-table``.
"""

from __future__ import annotations

import os
import re
import time

import numpy as np
import pytest
from upload_files import HOSTILE_FILES, tall_screenshot

from explorer.presets import USER_DATA

pytestmark = pytest.mark.e2e

URL_PATH = "/voila/render/01_divergence_calculator.ipynb"
SCREENSHOT = os.environ.get("DX_CALC_UPLOAD_SCREENSHOT")
P_DENSITY = """() => {
  const gd = document.querySelector('.dx-figure.js-plotly-plot, .dx-figure .js-plotly-plot');
  if (!gd || !gd.data || !gd.data[0] || gd.data[0].y == null) return null;
  const plain = (a) => Array.from(a, (v) => Number(v).toPrecision(8));
  return JSON.stringify([plain(gd.data[0].x), plain(gd.data[0].y)]);
}"""  # 8 digits: the bandwidth slider's rounding echo from the browser redraws at the 1e-13 level


def good_csv(n: int = 300, seed: int = 0) -> bytes:
    """A bimodal sample in a semicolon file with decimal commas, a BOM and three bad rows."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(-2, 0.5, n // 2), rng.normal(3, 1.0, n - n // 2)])
    rows = [f"{v:.4f};s{i % 3}".replace(".", ",") for i, v in enumerate(x)]
    lines = ["\ufeffriver flow (m3/s);site", *rows]
    lines[5:5] = ["n/a;s9", "oops;s9", "inf;s9"]
    return "\r\n".join(lines).encode("utf-8")


def untimed(status: str) -> str:
    """The status line without its timing (a slider's rounding echo may recompute)."""
    return re.sub(r"computed in \d+ ms", "", status)


def upload(page, name: str, buffer: bytes, box: str = "dx-p-upload", mime: str = "text/csv") -> None:
    with page.expect_file_chooser() as chooser:
        page.locator(f".{box}-file").first.click()
    chooser.value.set_files({"name": name, "mimeType": mime, "buffer": buffer})


def wait_text(page, css: str, text: str, timeout: float) -> None:
    page.wait_for_function(
        "([css, text]) => { const e = document.querySelector('.' + css); "
        "return e && e.innerText.includes(text); }",
        arg=[css, text], timeout=timeout)


def wait_changed(page, before, timeout: float) -> None:
    page.wait_for_function(f"(before) => {{ const v = ({P_DENSITY})(); return v !== null && v !== before; }}",
                           arg=before, timeout=timeout)


@pytest.fixture(scope="module")
def calc(browser, app_server, e2e, request):
    def ready(page) -> None:
        page.wait_for_function(f"() => ({P_DENSITY})() !== null", timeout=e2e.first_render_timeout)

    yield from e2e.rendered_page(browser, app_server, request, URL_PATH, ".dx-calculator", ready)


@pytest.fixture(autouse=True)
def _artifacts_on_failure(request, app_server, e2e):
    yield
    e2e.artifacts_on_failure(request, app_server, "calc")


def test_choosing_your_data_shows_the_upload_and_the_example(calc, e2e):
    assert not calc.locator(".dx-p-upload-file").is_visible()
    before = calc.evaluate(P_DENSITY)
    calc.locator(".dx-p-family select").select_option(label=USER_DATA)
    calc.locator(".dx-p-upload-file").wait_for(state="visible", timeout=e2e.update_timeout)
    wait_changed(calc, before, e2e.update_timeout)
    wait_text(calc, "dx-calc-status", "KDE of the example numbers (n=30", e2e.update_timeout)
    assert "example numbers" in calc.inner_text(".dx-side-p")
    assert not calc.locator(".dx-q-upload-file").is_visible()
    e2e.assert_clean(calc)


def test_a_good_csv_redraws_p_and_every_divergence(calc, e2e):
    before, table = calc.evaluate(P_DENSITY), calc.inner_text(".dx-table")
    t0 = time.monotonic()
    upload(calc, "river.csv", good_csv())
    wait_changed(calc, before, e2e.update_timeout * 2)
    wait_text(calc, "dx-p-upload-preview", "kept 300 of 303 rows", e2e.update_timeout)
    wait_text(calc, "dx-calc-status", "KDE of river flow (m3/s) (n=300", e2e.update_timeout)
    print(f"good CSV uploaded -> calculator redrawn in {time.monotonic() - t0:.1f} s")
    preview = calc.inner_text(".dx-p-upload-preview")
    assert "river.csv" in preview and "decimal commas" in preview
    assert "dropped 3: 1 not a number, 1 NaN or missing marker, 1 infinite" in preview
    assert "300 values of river flow (m3/s)" in calc.inner_text(".dx-side-p")
    calc.wait_for_function("(t) => document.querySelector('.dx-table').innerText !== t", arg=table,
                           timeout=e2e.update_timeout)
    e2e.assert_clean(calc)
    if SCREENSHOT:
        tall_screenshot(calc, SCREENSHOT)


HOSTILE = HOSTILE_FILES


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_file_gets_a_readable_message_and_the_plot_stays(calc, e2e, case):
    name, buffer, message = HOSTILE[case]
    shown, status = calc.evaluate(P_DENSITY), calc.inner_text(".dx-calc-status")
    upload(calc, name, buffer)
    wait_text(calc, "dx-p-upload-errors", message, e2e.update_timeout)
    text = calc.inner_text(".dx-p-upload-errors")
    assert text.startswith("Could not use your data:") and len(text) < 400, text
    e2e.assert_no_error_text(calc)
    e2e.assert_no_page_errors(calc)
    assert calc.evaluate(P_DENSITY) == shown  # the last good data stay on the plot
    assert untimed(calc.inner_text(".dx-calc-status")) == untimed(status)
    # pasted numbers are taken, and the message goes
    calc.locator(".dx-p-upload-paste textarea").fill("0.1, 0.4, 0.35, 2.2, 2.5, 2.45, 2.9, 0.2")
    calc.locator(".dx-p-upload-use").click()
    wait_changed(calc, shown, e2e.update_timeout)
    wait_text(calc, "dx-calc-status", "KDE of column 1 (n=8", e2e.update_timeout)
    calc.locator(".dx-p-upload-errors").wait_for(state="hidden", timeout=e2e.update_timeout)
    e2e.assert_clean(calc)
    pasted = calc.evaluate(P_DENSITY)
    upload(calc, "river.csv", good_csv(seed=1 + list(HOSTILE).index(case)))  # back to a file
    wait_changed(calc, pasted, e2e.update_timeout)
    wait_text(calc, "dx-calc-status", "KDE of river flow (m3/s) (n=300", e2e.update_timeout)
