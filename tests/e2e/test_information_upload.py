"""End-to-end: the visitor's own data on the information-bottleneck page — choosing the joint
"Your data (CSV / paste)" shows the upload box and the example's IB curve; pasted columns and an
uploaded CSV each become p(x, y) and a new curve; hostile files get a readable message in the upload
box while the plot and the blurb stay as they were. One page load for all of it.

CSS contract: preset ``.dx-ib-preset``, its panel ``.dx-ib-joint``, upload box ``.dx-ib-upload``
with ``-file``, ``-paste``, ``-use``, ``-preview``, ``-errors``; figure ``.dx-ib-figure`` (trace 0
is the I(X;Y) line, named after its value; "IB curve: …" the curve); status ``.dx-ib-status``.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from plotly_js import JS_PLAIN
from test_calculator_upload import upload, wait_text
from test_information_lab import URL_PATH, wait_ready, wait_status
from upload_files import HOSTILE_FILES, tall_screenshot

from explorer.presets.joints import JOINTS, USER_JOINT

pytestmark = pytest.mark.e2e

BOX = "dx-ib-upload"
SCREENSHOT = os.environ.get("DX_IB_UPLOAD_SCREENSHOT")
# the figure's fingerprint: the I(X;Y) line's name and the whole IB curve (null while none)
JS_IB = """() => {
  const gd = document.querySelector('.dx-ib-figure .js-plotly-plot, .dx-ib-figure.js-plotly-plot');
  if (!gd || !gd.data || !gd.data.length) return null;
  const curve = gd.data.find(t => (t.name || '').startsWith('IB curve'));
  const y = curve ? ((__PLAIN__)(curve.y) || []) : [];
  if (!y.length) return null;
  return JSON.stringify([gd.data[0].name, y.map(v => Number(v).toPrecision(8))]);
}""".replace("__PLAIN__", JS_PLAIN)

#: this page takes two columns: what each shared hostile file must be told here
MESSAGES = {"binary": "not a text file", "wrong delimiter": "separate the columns by commas",
            "one row": "only 1 row", "all NaN": "this page needs 2 columns"}
CASES = {**{k: (v[0], v[1], MESSAGES[k]) for k, v in HOSTILE_FILES.items()},
         "all NaN, two columns": ("nan2.csv", b"a,b\nnan,1\nNaN,2\nNA,3\n\n", "0 usable rows"),
         "constant y": ("flat.csv", b"a,b\n" + b"".join(b"%d,5\n" % i for i in range(30)), "is constant")}


def good_csv(n: int = 300, seed: int = 0) -> bytes:
    """x a dose, y one of three classes depending on it; three bad rows."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, n)
    y = np.digitize(x + 0.5 * rng.normal(size=n), [-0.5, 0.5])
    rows = [f"{a:.4f},{b}" for a, b in zip(x, y, strict=True)]
    return "\n".join(["dose,class", *rows, "n/a,1", "0.5,", "inf,2"]).encode()


def wait_changed(page, before, timeout: float) -> None:
    page.wait_for_function(f"(b) => {{ const v = ({JS_IB})(); return v !== null && v !== b; }}",
                           arg=before, timeout=timeout)


def wait_computed(page, before, timeout: float) -> str:
    """Wait for a new figure and the status's "computed in"; return the figure's fingerprint."""
    wait_changed(page, before, timeout)
    wait_status(page, ".dx-ib-status", "computed in", timeout)
    return page.evaluate(JS_IB)


@pytest.fixture(scope="module")
def lab(browser, app_server, e2e, request):
    yield from e2e.rendered_page(browser, app_server, request, URL_PATH, ".dx-information",
                                 lambda page: wait_ready(page, e2e.first_render_timeout))


@pytest.fixture(autouse=True)
def _artifacts_on_failure(request, app_server, e2e):
    yield
    e2e.artifacts_on_failure(request, app_server, "lab")


def test_choosing_your_data_shows_the_upload_and_the_example_curve(lab, e2e):
    assert lab.locator(f".{BOX}").count() == 1  # this worktree's page (the upload box is new here)
    assert not lab.locator(f".{BOX}-file").is_visible()
    before = lab.evaluate(JS_IB)
    lab.locator(".dx-ib-preset select").select_option(label=JOINTS[USER_JOINT].title)
    lab.locator(f".{BOX}-file").wait_for(state="visible", timeout=e2e.update_timeout)
    wait_computed(lab, before, e2e.update_timeout * 2)
    side = lab.inner_text(".dx-ib-joint")
    assert "first 60 Old Faithful eruptions" in side and "keeps the settings, not the data" in side
    assert lab.locator(".dx-ib-x_bins").is_visible() and lab.locator(".dx-ib-y_bins").is_visible()
    e2e.assert_clean(lab)


def test_pasted_columns_then_an_uploaded_csv_each_give_a_new_curve(lab, e2e):
    before = lab.evaluate(JS_IB)
    t0 = time.monotonic()
    lab.locator(f".{BOX}-paste textarea").fill(
        "temp rain\n" + "\n".join(f"{t} {r}" for t, r in [(12, 0), (14, 0), (15, 1), (18, 0), (21, 0),
                                                            (9, 1), (8, 1), (11, 1), (23, 0), (25, 0),
                                                            (7, 1), (19, 0), (13, 1), (16, 0), (10, 1)]))
    lab.locator(f".{BOX}-use").click()
    pasted = wait_computed(lab, before, e2e.update_timeout * 2)
    print(f"pasted columns -> IB curve recomputed in {time.monotonic() - t0:.1f} s")
    side = lab.inner_text(".dx-ib-joint")
    assert "pasted data: kept 15 of 15 rows" in side and "2 distinct values as categories" in side
    t0 = time.monotonic()
    upload(lab, "trial.csv", good_csv(), box=BOX)
    wait_text(lab, f"{BOX}-preview", "kept 300 of 303 rows", e2e.update_timeout)
    wait_computed(lab, pasted, e2e.update_timeout * 2)
    print(f"good CSV uploaded -> IB curve recomputed in {time.monotonic() - t0:.1f} s")
    side = lab.inner_text(".dx-ib-joint")
    assert "trial.csv: kept 300 of 303 rows; dropped 3" in side
    assert "3 distinct values as categories" in side
    assert not lab.locator(f".{BOX}-errors").is_visible()
    e2e.assert_clean(lab)
    if SCREENSHOT:
        tall_screenshot(lab, SCREENSHOT, height=1600)


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_file_gets_a_message_and_the_plot_stays(lab, e2e, case):
    name, buffer, message = CASES[case]
    shown, side = lab.evaluate(JS_IB), lab.inner_text(".dx-ib-joint .dx-status")
    upload(lab, name, buffer, box=BOX)
    wait_text(lab, f"{BOX}-errors", message, e2e.update_timeout)
    text = lab.inner_text(f".{BOX}-errors")
    assert text.startswith("Could not use your data:") and len(text) < 400, text
    e2e.assert_no_error_text(lab)
    e2e.assert_no_page_errors(lab)
    assert lab.evaluate(JS_IB) == shown  # the last good data stay on the plot
    assert lab.inner_text(".dx-ib-joint .dx-status") == side
