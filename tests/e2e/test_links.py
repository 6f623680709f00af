"""End-to-end: links that open a view, in Chromium against the real server.

For every page, a view with every linkable control changed (set in Python on a page built in this
process) is opened by its URL; once the kernel has applied it, the page's own link (the query the
kernel computes, also written to the address bar) must open exactly that view on a fresh page.
A malformed link shows the defaults and a note; the "Copy link" button and the address bar
follow a control moved in the browser.
"""

from __future__ import annotations

import importlib
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

PAGES = [
    ("calculator", "01_divergence_calculator.ipynb", ".dx-calculator"),
    ("mode_seeking", "02_mode_seeking.ipynb", ".dx-mode-seeking"),
    ("kde", "03_kde.ipynb", ".dx-kde"),
    ("information", "04_information_bottleneck.ipynb", ".dx-information"),
    ("distill", "05_distillation_alignment.ipynb", ".dx-distill-lab"),
]
LINK = ".dx-link"
JS_APPLIED = """() => {
  const el = document.querySelector('.dx-link');
  return el && Number(el.dataset.applied || 0) >= 2;
}"""


def _build(name: str):
    module = importlib.import_module(f"explorer.ui.{name}")
    return module.build() if name == "calculator" else module.build(background=True)


def _stop_background_work() -> None:
    from explorer.ui.widgets import tasks

    runners = list(tasks._RUNNERS)
    for runner in runners:
        runner.cancel()
    for runner in runners:
        runner.wait(60)


def _open(browser, app_server, e2e, request, url: str, root: str):
    context, page, log = e2e.make_page(browser)
    page.dx_log = log
    try:
        e2e.open_notebook(page, url, root)
        page.locator(LINK).wait_for(state="visible", timeout=e2e.first_render_timeout)
        page.wait_for_function(JS_APPLIED, timeout=e2e.first_render_timeout)
    except Exception:
        app_server.failures += 1
        e2e.save_page_artifacts(page, log, app_server, e2e.safe_name(f"{request.node.nodeid}-open"))
        context.close()
        raise
    return context, page


@pytest.mark.parametrize(("name", "notebook", "root"), PAGES, ids=[p[0] for p in PAGES])
def test_a_link_opens_its_view_with_every_control(name, notebook, root, browser, app_server, e2e,
                                                 request, random_view):
    lab = _build(name)
    changed = random_view(lab, f"browser-links-{name}")
    query = lab.link.button.query
    expected = lab.controls.values()
    _stop_background_work()
    assert len(changed) >= 0.6 * len(expected)

    context, page = _open(browser, app_server, e2e, request,
                          f"{app_server.url}/voila/render/{notebook}?{query}", root)
    try:
        # the address bar holds the view's link (once the browser's sliders have settled)
        page.wait_for_function(
            "() => location.search.replace(/^\\?/, '') === document.querySelector('.dx-link').dataset.query")
        shown = page.locator(LINK).get_attribute("data-query")
        assert page.locator(".dx-link-notes").count() == 0, page.locator(".dx-link-notes").inner_text()
        e2e.assert_clean(page)
    except Exception:
        app_server.failures += 1
        e2e.save_page_artifacts(page, page.dx_log, app_server, e2e.safe_name(request.node.nodeid))
        raise
    finally:
        context.close()

    # what the kernel applied, read back through its own link, is the view we asked for
    fresh = _build(name)
    assert fresh.link.apply(shown) == []
    got = fresh.controls.values()
    _stop_background_work()
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == (pytest.approx(value, rel=1e-12) if isinstance(value, float) else value), key


def test_a_malformed_link_shows_the_defaults_and_a_note_and_copy_follows_the_view(
        browser, app_server, e2e, request):
    url = (f"{app_server.url}/voila/render/01_divergence_calculator.ipynb"
           "?nonsense=1&units=furlongs&p.family=%00%ff&tab=3")
    context, page = _open(browser, app_server, e2e, request, url, ".dx-calculator")
    try:
        note = page.locator(".dx-link-notes")
        note.wait_for(state="visible")
        text = note.inner_text()
        assert "Parts of this link were not used" in text
        assert "“nonsense” is not a control of this page" in text
        assert "“units=furlongs” is not one of the choices" in text
        assert page.locator(LINK).get_attribute("data-query") == ""  # every control at its default
        assert urlsplit(page.url).query == ""  # the address bar dropped what was not used
        e2e.assert_clean(page)

        # a control moved in the browser: the address bar and the copied link follow it
        page.locator(".dx-units button", has_text="bits").first.click()
        page.wait_for_function("() => location.search.includes('units=bits')")
        page.locator(".dx-link-button").click()
        field = page.locator(".dx-link-url")
        field.wait_for(state="visible")
        assert field.input_value() == page.url
        # the status is written once the clipboard has answered, after the field is shown
        page.wait_for_function("() => document.querySelector('.dx-link-status').textContent !== ''")
        assert page.locator(".dx-link-status").inner_text() in (
            "Link copied", "Press Ctrl+C to copy the selected link")
        e2e.assert_clean(page)
    except Exception:
        app_server.failures += 1
        e2e.save_page_artifacts(page, page.dx_log, app_server, e2e.safe_name(request.node.nodeid))
        raise
    finally:
        context.close()
