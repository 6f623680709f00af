"""End-to-end: the divergence calculator reacts to its controls.

Written against the UI's CSS contract:

* root widget ``.dx-calculator``; one plotly FigureWidget ``.dx-figure`` whose
  ``.js-plotly-plot`` element carries ``data`` (trace 0 = p's density, trace 1 = q's density).
  With plotly 7's anywidget FigureWidget the class lands on the ``.js-plotly-plot`` element
  itself (``.dx-figure.js-plotly-plot``), not on an ancestor, so both forms are accepted;
* ``.dx-table`` (HTML widget with the divergence values), ``.dx-calc-status`` ("computed in
  12 ms"; not ``.dx-status``, which the upload box's help text carries too),
  ``.dx-error`` (empty or hidden unless something went wrong);
* sliders ``.dx-p-<param>`` / ``.dx-q-<param>`` (noUiSlider handles), family dropdowns
  ``.dx-p-family`` / ``.dx-q-family`` (a ``<select>`` inside).

The page is rendered once per module (each render costs a kernel and 4-10 s); the tests then
drive it in order.
"""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.e2e

URL_PATH = "/voila/render/01_divergence_calculator.ipynb"
PLOT = ".dx-figure.js-plotly-plot, .dx-figure .js-plotly-plot"
JS_PLOT = f"document.querySelector('{PLOT}')"

# A fingerprint of a trace's x and y values (both: moving a location parameter can shift the grid
# with the curve, leaving y unchanged) that works whether plotly.js holds plain arrays, typed
# arrays or still-encoded {dtype, bdata} objects.
JS_TRACE_XY = """(i) => {
  const gd = __PLOT__;
  if (!gd || !gd.data || !gd.data[i]) return null;
  const t = gd.data[i];
  if (t.y == null) return null;
  const plain = (a) => (a != null && ArrayBuffer.isView(a)) ? Array.from(a) : a;
  return JSON.stringify([plain(t.x), plain(t.y)]);
}""".replace("__PLOT__", JS_PLOT)
JS_PLOT_READY = """() => {
  const gd = __PLOT__;
  if (!gd || !gd.data || gd.data.length < 2) return false;
  const n = (y) => y == null ? 0 : (y.length !== undefined ? y.length : (y.bdata ? y.bdata.length : 0));
  return n(gd.data[0].y) > 0 && n(gd.data[1].y) > 0;
}""".replace("__PLOT__", JS_PLOT)


def _calculator_ready(page, timeout: float) -> None:
    page.locator(PLOT).locator(".main-svg").first.wait_for(state="visible", timeout=timeout)
    page.wait_for_function(JS_PLOT_READY, timeout=timeout)


@pytest.fixture(scope="module")
def calc(browser, app_server, e2e, request):
    """The calculator page, rendered once for this module."""
    yield from e2e.rendered_page(browser, app_server, request, URL_PATH, ".dx-calculator",
                                 lambda page: _calculator_ready(page, e2e.first_render_timeout))


@pytest.fixture(autouse=True)
def _artifacts_on_failure(request, app_server, e2e):
    yield
    e2e.artifacts_on_failure(request, app_server, "calc")


def trace_xy(page, index: int) -> str | None:
    return page.evaluate(JS_TRACE_XY, index)


def table_text(page) -> str:
    return page.inner_text(".dx-table")


def assert_no_user_error(page) -> None:
    errors = page.locator(".dx-error")
    for i in range(errors.count()):
        box = errors.nth(i)
        if box.is_visible():
            text = box.inner_text().strip()
            assert not text, f"the page shows an error to the user: {text}"


def wait_until_trace_changed(page, index: int, before: str | None, timeout: int) -> None:
    page.wait_for_function(
        f"([i, before]) => {{ const v = ({JS_TRACE_XY})(i); return v !== null && v !== before; }}",
        arg=[index, before],
        timeout=timeout,
    )


def test_calculator_renders(calc, e2e):
    print(f"calculator rendered (plot drawn) in {calc.dx_render_seconds:.1f} s")
    assert calc.locator(".dx-figure").count() == 1, "expected exactly one .dx-figure"
    assert trace_xy(calc, 0) and trace_xy(calc, 1)
    assert table_text(calc).strip(), ".dx-table is empty"
    assert calc.locator(".dx-calc-status").first.inner_text().strip(), ".dx-status is empty"
    assert calc.locator(".dx-q-mean .noUi-handle").count() == 1
    assert calc.locator(".dx-q-family select").count() == 1
    assert_no_user_error(calc)
    e2e.assert_no_error_text(calc)
    e2e.assert_no_page_errors(calc)


def test_moving_a_q_slider_updates_plot_and_values(calc, e2e):
    q_before = trace_xy(calc, 1)
    table_before = table_text(calc)
    status_before = calc.inner_text(".dx-calc-status")

    handle = calc.locator(".dx-q-mean .noUi-handle")
    handle.focus()
    t0 = time.monotonic()
    for _ in range(5):
        calc.keyboard.press("ArrowRight")

    wait_until_trace_changed(calc, 1, q_before, e2e.update_timeout)
    calc.wait_for_function(
        "(before) => document.querySelector('.dx-table').innerText !== before",
        arg=table_before,
        timeout=e2e.update_timeout,
    )
    print(f"slider -> plot and table updated in {time.monotonic() - t0:.2f} s")

    assert trace_xy(calc, 1) != q_before
    assert table_text(calc) != table_before
    # the handle moved, so the slider's own readout changed too
    assert calc.locator(".dx-q-mean .widget-readout").first.inner_text().strip()
    assert calc.inner_text(".dx-calc-status").strip()
    assert status_before.strip()
    assert_no_user_error(calc)
    e2e.assert_no_error_text(calc)
    e2e.assert_no_page_errors(calc)


def test_changing_q_family_updates_plot_and_values(calc, e2e):
    select = calc.locator(".dx-q-family select")
    options = select.locator("option").all_inner_texts()
    current = select.input_value()
    others = [o for o in options if o != current]
    assert others, f"only one family to choose from: {options}"
    q_before = trace_xy(calc, 1)
    table_before = table_text(calc)

    select.select_option(label=others[0])

    wait_until_trace_changed(calc, 1, q_before, e2e.update_timeout)
    calc.wait_for_function(
        "(before) => document.querySelector('.dx-table').innerText !== before",
        arg=table_before,
        timeout=e2e.update_timeout,
    )
    assert_no_user_error(calc)
    e2e.assert_no_error_text(calc)
    e2e.assert_no_page_errors(calc)
