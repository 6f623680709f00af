"""End-to-end: the information-bottleneck page in Chromium — the IB curve and its β slider, a new
preset, the information plane (shipped runs, the epoch slider, another estimator) and the
estimators study; no error text reaches the page.

CSS contract (explorer/ui/information/): root ``.dx-information``; tabs ``.dx-info-tabs``; IB tab:
``.dx-ib-figure`` (traces named "IB curve: …", "current β", "Gaussian IB, closed form"),
``.dx-ib-preset``, ``.dx-ib-beta``, ``.dx-ib-status``, ``.dx-ib-readout``; plane tab:
``.dx-plane-figure`` (one trace per layer and plane, named after the layer), ``.dx-plane-upto``,
``.dx-plane-estimator``, ``.dx-plane-status``; estimators tab: ``.dx-est-figure``, ``.dx-est-view``,
``.dx-est-status``; its saturation section: ``.dx-sat-n``, ``.dx-sat-steps``, ``.dx-sat-run`` (the ▶
button), ``.dx-sat-status``, ``.dx-sat-figure`` (traces "InfoNCE estimate …", "Wasserstein dependency …");
errors ``.dx-error``.
"""

from __future__ import annotations

import time

import pytest
from plotly_js import JS_PLAIN

pytestmark = pytest.mark.e2e

URL_PATH = "/voila/render/04_information_bottleneck.ipynb"

# name -> [x...] of the traces of the plot inside `css` (null while there is no plot)
JS_TRACES = """(css) => {
  const gd = document.querySelector(`${css} .js-plotly-plot`)
             || document.querySelector(`${css}.js-plotly-plot`);
  if (!gd || !gd.data) return null;
  const plain = (a) => (__PLAIN__)(a) || [];
  return gd.data.map(t => [t.name || '', plain(t.x).length, JSON.stringify(plain(t.x).slice(0, 3)),
                           JSON.stringify(plain(t.y).slice(0, 3))]);
}""".replace("__PLAIN__", JS_PLAIN)


def traces(page, css):
    return page.evaluate(JS_TRACES, css)


def trace(page, css, name_start):
    return next((t for t in traces(page, css) or [] if t[0].startswith(name_start)), None)


def wait_trace(page, css, name_start, timeout, min_points=1):
    page.wait_for_function(
        "([js, css, name, n]) => { const ts = eval(js)(css); "
        "return ts !== null && ts.some(t => t[0].startsWith(name) && t[1] >= n); }",
        arg=[JS_TRACES, css, name_start, min_points], timeout=timeout)


def wait_status(page, css, text, timeout):
    page.wait_for_function("([css, text]) => { const s = document.querySelector(css); "
                           "return s && s.innerText.includes(text); }", arg=[css, text], timeout=timeout)


def wait_changed(page, css, name_start, before, timeout):
    page.wait_for_function(
        "([js, css, name, before]) => { const ts = eval(js)(css); if (ts === null) return false; "
        "const t = ts.find(t => t[0].startsWith(name)); return t && JSON.stringify(t) !== before; }",
        arg=[JS_TRACES, css, name_start, before], timeout=timeout)


def set_readout(page, css, value) -> None:
    """Type ``value`` into a slider's readout and press Enter (as a visitor can)."""
    box = page.locator(f"{css} .widget-readout").first
    box.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(value))
    page.keyboard.press("Enter")


def open_tab(page, i: int) -> None:
    page.locator(".dx-info-tabs .lm-TabBar-tab, .dx-info-tabs .p-TabBar-tab").nth(i).click()


def wait_ready(page, timeout: float) -> None:
    """The page's first tab has drawn its IB curve and finished computing it."""
    wait_trace(page, ".dx-ib-figure", "IB curve", timeout)
    wait_status(page, ".dx-ib-status", "computed in", timeout)


@pytest.fixture(scope="module")
def lab(browser, app_server, e2e, request):
    yield from e2e.rendered_page(browser, app_server, request, URL_PATH, ".dx-information",
                                 lambda page: wait_ready(page, e2e.first_render_timeout))


@pytest.fixture(autouse=True)
def _artifacts_on_failure(request, app_server, e2e):
    yield
    e2e.artifacts_on_failure(request, app_server, "lab")


def test_page_renders_the_ib_curve(lab, e2e):
    print(f"information page rendered (IB curve in) in {lab.dx_render_seconds:.1f} s")
    assert trace(lab, ".dx-ib-figure", "IB curve")[1] >= 5
    assert trace(lab, ".dx-ib-figure", "deterministic IB")[1] >= 2
    assert "β = " in lab.inner_text(".dx-ib-readout")
    e2e.assert_clean(lab)


def test_beta_slider_moves_the_point_along_the_curve(lab, e2e):
    before = str(trace(lab, ".dx-ib-figure", "current β"))
    t0 = time.monotonic()
    set_readout(lab, ".dx-ib-beta", 200)
    wait_changed(lab, ".dx-ib-figure", "current β", before, e2e.update_timeout)
    print(f"β typed -> point moved in {(time.monotonic() - t0) * 1000:.0f} ms")
    # the readout names the computed β nearest the typed one (50 log-spaced values: within 15 %)
    lab.wait_for_function(
        "() => { const m = /β = ([0-9.e+]+)/.exec(document.querySelector('.dx-ib-readout').innerText);"
        " return m && Math.abs(parseFloat(m[1]) - 200) < 30; }", timeout=e2e.update_timeout)
    # keyboard steps on the handle: small moves, each answered
    handle = lab.locator(".dx-ib-beta .noUi-handle")
    handle.focus()
    before = lab.inner_text(".dx-ib-readout")
    for _ in range(12):
        lab.keyboard.press("ArrowLeft")
    lab.wait_for_function("(b) => document.querySelector('.dx-ib-readout').innerText !== b", arg=before,
                          timeout=e2e.update_timeout)
    e2e.assert_clean(lab)


def test_a_gaussian_preset_draws_the_closed_form_and_its_curve(lab, e2e):
    lab.locator(".dx-ib-preset select").select_option(label="Gaussian pair (closed form)")
    wait_trace(lab, ".dx-ib-figure", "Gaussian IB, closed form", e2e.update_timeout, min_points=10)
    wait_status(lab, ".dx-ib-status", "computed in", e2e.update_timeout * 6)
    wait_trace(lab, ".dx-ib-figure", "IB curve", e2e.update_timeout)
    e2e.assert_clean(lab)


def test_information_plane_shows_shipped_runs_and_the_epoch_slider_truncates(lab, e2e):
    open_tab(lab, 1)
    wait_trace(lab, ".dx-plane-figure", "layer 1", e2e.first_render_timeout, min_points=50)
    assert "shipped precomputed run" in lab.inner_text(".dx-plane-status")
    full = trace(lab, ".dx-plane-figure", "layer 1")[1]
    t0 = time.monotonic()
    set_readout(lab, ".dx-plane-upto", 400)
    lab.wait_for_function(
        "([js, n]) => { const ts = eval(js)('.dx-plane-figure'); "
        "const t = ts && ts.find(t => t[0].startsWith('layer 1')); return t && t[1] < n; }",
        arg=[JS_TRACES, full], timeout=e2e.update_timeout)
    print(f"epoch slider -> trajectories truncated in {(time.monotonic() - t0) * 1000:.0f} ms")
    assert trace(lab, ".dx-plane-figure", "layer 1")[1] == 400 // 20 + 1
    before = str(trace(lab, ".dx-plane-figure", "layer 1"))
    lab.locator(".dx-plane-estimator select").select_option(label="Adaptive (equal-mass) binning")
    wait_changed(lab, ".dx-plane-figure", "layer 1", before, e2e.update_timeout)
    lab.wait_for_function("() => document.querySelector('.dx-plane-figure').textContent.includes('Adaptive')",
                          timeout=e2e.update_timeout)  # the panel titles name the new estimator
    e2e.assert_clean(lab)


def test_estimators_study_streams_in_and_switches_view(lab, e2e):
    open_tab(lab, 2)
    wait_trace(lab, ".dx-est-figure", "true I(X;Y)", e2e.first_render_timeout)
    wait_status(lab, ".dx-est-status", "studies in", e2e.update_timeout * 8)
    assert trace(lab, ".dx-est-figure", "KSG")[1] >= 3
    lab.locator(".dx-est-view button", has_text="vs dimension").click()
    wait_status(lab, ".dx-est-status", "studies in", e2e.update_timeout * 10)
    lab.wait_for_function(
        "(plain) => { const gd = document.querySelector('.dx-est-figure .js-plotly-plot')"
        " || document.querySelector('.dx-est-figure.js-plotly-plot');"
        " return gd && gd.data.some(t => t.type === 'bar' && (eval(plain)(t.x) || []).length >= 8); }",
        arg=JS_PLAIN, timeout=e2e.update_timeout)
    e2e.assert_clean(lab)


def test_saturation_run_button_streams_infonce_and_the_wd(lab, e2e):
    open_tab(lab, 2)
    wait_trace(lab, ".dx-sat-figure", "InfoNCE's ceiling", e2e.first_render_timeout)
    assert trace(lab, ".dx-sat-figure", "InfoNCE estimate")[1] == 0  # waits for its button
    lab.locator(".dx-sat-n select").select_option(label="128")
    lab.locator(".dx-sat-steps select").select_option(label="100")
    # scored on the 64 held-out pairs of 128
    wait_trace(lab, ".dx-sat-figure", "InfoNCE's ceiling log 64 = 4.16", e2e.update_timeout)
    t0 = time.monotonic()
    lab.locator(".dx-sat-run").click()
    wait_trace(lab, ".dx-sat-figure", "InfoNCE estimate", e2e.update_timeout * 10, min_points=1)
    wait_status(lab, ".dx-sat-status", "dimensions in", e2e.update_timeout * 20)
    wait_trace(lab, ".dx-sat-figure", "InfoNCE estimate", e2e.update_timeout, min_points=5)
    print(f"saturation study (n = 128, 100 steps) drawn in {time.monotonic() - t0:.1f} s")
    assert trace(lab, ".dx-sat-figure", "Wasserstein dependency")[1] == 5
    e2e.assert_clean(lab)
