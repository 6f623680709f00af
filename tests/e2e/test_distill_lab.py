"""End-to-end: the distillation and alignment lab renders, its sliders replay trained students, and
the Alignment tab opens, computes its frontier and answers its β slider.

CSS contract (explorer/ui/distill/): root ``.dx-distill-lab``; tabs ``.dx-lab-tabs``; the
Distillation figure ``.dx-distill-figure`` (traces carry ``meta``: ``dx-student-<loss>``,
``dx-beta-student``, ...), sliders ``.dx-beta`` and ``.dx-temperature``, tables
``.dx-distill-table``, status ``.dx-distill-status``; the Alignment figure ``.dx-align-figure``
(``dx-frontier-now``, ``dx-policy-<divergence>``, ``dx-fdpo-policy``, ``dx-fdpo-target``), its β
slider ``.dx-align-beta``; errors ``.dx-error``.

``DX_SCREENSHOTS=<dir>`` saves a screenshot of each tab there.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from plotly_js import JS_PLAIN

pytestmark = pytest.mark.e2e

URL_PATH = "/voila/render/05_distillation_alignment.ipynb"
SLOW = 300_000  # ms: training on a loaded 2-core box

JS_TRACE = """([css, meta]) => {
  const gd = document.querySelector(`${css}.js-plotly-plot, ${css} .js-plotly-plot`);
  if (!gd || !gd.data) return null;
  const t = gd.data.find(t => t.meta === meta);
  if (!t) return null;
  const plain = __PLAIN__;
  return JSON.stringify([plain(t.x), plain(t.y)]);
}""".replace("__PLAIN__", JS_PLAIN)

JS_READY = """() => {
  const gd = document.querySelector('.dx-distill-figure .js-plotly-plot');
  if (!gd || !gd.data) return false;
  const plain = __PLAIN__;
  const filled = (a) => { const v = plain(a); return v != null && v.length > 0; };
  const vendi = gd.data.find(t => t.name === 'Vendi score');
  const students = gd.data.filter(t => String(t.meta).startsWith('dx-student-'));
  return !!(vendi && filled(vendi.x) && students.length === 3 && students.every(t => filled(t.y)));
}""".replace("__PLAIN__", JS_PLAIN)


def trace(page, css: str, meta: str) -> str | None:
    return page.evaluate(JS_TRACE, [css, meta])


def wait_trace_changed(page, css: str, meta: str, before, timeout: int) -> None:
    page.wait_for_function(
        f"([css, meta, before]) => {{ const v = ({JS_TRACE})([css, meta]);"
        " return v !== null && v !== before; }",
        arg=[css, meta, before],
        timeout=timeout,
    )


def press(page, css: str, key: str = "ArrowRight") -> None:
    handle = page.locator(f"{css} .noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    page.keyboard.press(key)


def screenshot(page, name: str) -> None:
    where = os.environ.get("DX_SCREENSHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        size = page.viewport_size
        page.set_viewport_size({"width": size["width"], "height": 3000})  # Voila scrolls inside the page
        try:
            page.screenshot(path=str(Path(where) / f"{name}.png"), full_page=True)
        finally:
            page.set_viewport_size(size)


@pytest.fixture(scope="module")
def lab(browser, app_server, e2e, request):
    def ready(page) -> None:
        page.wait_for_function(JS_READY, timeout=SLOW)

    yield from e2e.rendered_page(browser, app_server, request, URL_PATH, ".dx-distill-lab", ready)


@pytest.fixture(autouse=True)
def _artifacts_on_failure(request, app_server, e2e):
    yield
    e2e.artifacts_on_failure(request, app_server, "lab")


def test_lab_renders_with_students(lab, e2e):
    print(f"distillation lab rendered (students and β sweep in) in {lab.dx_render_seconds:.1f} s")
    for loss in ("kl", "reverse_kl", "js"):
        assert trace(lab, ".dx-distill-figure", f"dx-student-{loss}") is not None, loss
    table = lab.inner_text(".dx-distill-table")
    assert "Vendi score" in table and "mode recall" in table and "teacher t" in table
    assert "MiniLLM" in lab.inner_text(".dx-distill-tab")  # the default claim's paper
    screenshot(lab, "distillation")
    e2e.assert_clean(lab)


def test_beta_slider_moves_the_jsd_student(lab, e2e):
    before = trace(lab, ".dx-distill-figure", "dx-beta-student")
    t0 = time.monotonic()
    press(lab, ".dx-beta")
    wait_trace_changed(lab, ".dx-distill-figure", "dx-beta-student", before, e2e.update_timeout)
    print(f"β slider -> JSD(β) student redrawn in {(time.monotonic() - t0) * 1000:.0f} ms")
    e2e.assert_clean(lab)


def test_temperature_slider_redraws_the_students(lab, e2e):
    before = trace(lab, ".dx-distill-figure", "dx-student-kl")
    t0 = time.monotonic()
    press(lab, ".dx-temperature")  # T = 1 -> 1.5: trained in the background, or replayed if done
    wait_trace_changed(lab, ".dx-distill-figure", "dx-student-kl", before, SLOW)
    print(f"temperature slider -> students at T = 1.5 in {(time.monotonic() - t0) * 1000:.0f} ms")
    assert "T = 1.5" in lab.inner_text(".dx-distill-figure")
    e2e.assert_clean(lab)


def test_alignment_tab_frontier_and_beta(lab, e2e):
    lab.locator(".dx-lab-tabs .lm-TabBar-tab, .dx-lab-tabs .p-TabBar-tab").nth(1).click()
    lab.wait_for_selector(".dx-align-figure", state="visible", timeout=e2e.first_render_timeout)
    t0 = time.monotonic()
    # the frontier streams in one divergence at a time: wait for all five
    lab.wait_for_function(
        f"() => {{ const v = ({JS_TRACE})(['.dx-align-figure', 'dx-frontier-now']);"
        " return v !== null && JSON.parse(v)[0].length === 5; }",
        timeout=SLOW,
    )
    lab.wait_for_function(
        "() => document.querySelector('.dx-align-status').innerText.includes('replays')", timeout=SLOW
    )
    print(f"alignment frontier (5 divergences × 20 β) in {time.monotonic() - t0:.1f} s")
    screenshot(lab, "alignment")
    before = trace(lab, ".dx-align-figure", "dx-fdpo-target")
    t1 = time.monotonic()
    press(lab, ".dx-align-beta")
    wait_trace_changed(lab, ".dx-align-figure", "dx-fdpo-target", before, e2e.update_timeout)
    print(f"alignment β slider -> redrawn in {(time.monotonic() - t1) * 1000:.0f} ms")
    assert "f-DPO closed form" in lab.inner_text(".dx-align-figure")
    e2e.assert_clean(lab)
