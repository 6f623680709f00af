"""End-to-end: the visitor's own data on the mode-seeking page — choosing "Your data" as the target
shows the upload box and fits the example numbers' KDE; a good CSV uploaded through the
FileUpload becomes the target (p redrawn, every divergence refitted); a hostile file gets a
readable message in the upload box and the plot stays as it was.

CSS contract: target ``.dx-target``, upload box ``.dx-target-upload`` with ``-file``, ``-preview``,
``-errors``; figure ``.dx-figure`` (trace 0 is p); status ``.dx-status``; Fit ``.dx-fit``.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_calculator_upload import upload, wait_text
from test_mode_seeking import URL_PATH, fits, wait_fits_changed, wait_fitted, wait_ready
from upload_files import HOSTILE_FILES

from explorer.presets import TARGETS, USER_TARGET

pytestmark = pytest.mark.e2e

BOX = "dx-target-upload"


def good_csv(n: int = 400, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(40, 3, n // 2), rng.normal(60, 4, n - n // 2)])
    return ("flow\n" + "\n".join(f"{v:.4f}" for v in x) + "\nn/a\n").encode()


@pytest.fixture(scope="module")
def demo(browser, app_server, e2e, request):
    yield from e2e.rendered_page(browser, app_server, request, URL_PATH, ".dx-mode-seeking",
                                 lambda page: wait_ready(page, e2e.first_render_timeout))


@pytest.fixture(autouse=True)
def _artifacts_on_failure(request, app_server, e2e):
    yield
    e2e.artifacts_on_failure(request, app_server, "demo")


def test_choosing_your_data_shows_the_upload_and_fits_the_example(demo, e2e):
    assert not demo.locator(f".{BOX}-file").is_visible()
    before = fits(demo)
    demo.locator(".dx-target select").select_option(label=TARGETS[USER_TARGET].title)
    demo.locator(f".{BOX}-file").wait_for(state="visible", timeout=e2e.update_timeout)
    wait_fits_changed(demo, before, e2e.update_timeout * 4)
    wait_text(demo, "dx-status", "Your data: the example numbers", e2e.update_timeout * 4)
    wait_fitted(demo, e2e.update_timeout * 4)
    assert "example numbers" in demo.inner_text(".dx-side-p")
    e2e.assert_clean(demo)


def test_a_good_csv_becomes_the_target(demo, e2e):
    before = fits(demo)
    upload(demo, "flow.csv", good_csv(), box=BOX)
    wait_text(demo, f"{BOX}-preview", "kept 400 of 401 rows", e2e.update_timeout)
    wait_fits_changed(demo, before, e2e.update_timeout * 4)
    wait_text(demo, "dx-status", "Your data: flow", e2e.update_timeout * 4)
    wait_fitted(demo, e2e.update_timeout * 4)
    assert "400 values of flow" in demo.inner_text(".dx-side-p")
    e2e.assert_clean(demo)


@pytest.mark.parametrize("case", ["binary", "wrong delimiter"])
def test_a_hostile_file_gets_a_message_and_the_plot_stays(demo, e2e, case):
    name, buffer, message = HOSTILE_FILES[case]
    shown = fits(demo)
    upload(demo, name, buffer, box=BOX)
    wait_text(demo, f"{BOX}-errors", message, e2e.update_timeout)
    text = demo.inner_text(f".{BOX}-errors")
    assert text.startswith("Could not use your data:") and len(text) < 400, text
    e2e.assert_no_error_text(demo)
    e2e.assert_no_page_errors(demo)
    assert fits(demo) == shown
