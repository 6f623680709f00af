"""End-to-end: the landing page of ``explorer-app`` (``/`` -> ``00_index.ipynb``)."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

INDEX_PATH = "/voila/render/00_index.ipynb"
CALCULATOR = "01_divergence_calculator.ipynb"
CALCULATOR_LINK = f"a[href$='{CALCULATOR}']"
# the card the kernel draws (the notebook's markdown also links the demos, and that static link
# is on the page before the widgets are: waiting for it alone raced the widget manager)
CALCULATOR_CARD = f".dx-card {CALCULATOR_LINK}"


def _get(url: str, path: str) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_root_redirects_to_the_index(app_server):
    response = _get(app_server.url, "/")
    assert response.status == 302
    assert response.getheader("Location") == INDEX_PATH


def test_notebook_sources_are_not_downloadable(app_server):
    # Voila's default file_denylist: the .ipynb and .py files are never served raw.
    assert _get(app_server.url, f"/voila/files/{CALCULATOR}").status == 403


def test_index_renders_with_a_link_to_the_calculator(page, app_server, e2e):
    seconds = e2e.open_notebook(page, app_server.url + "/", CALCULATOR_CARD)
    print(f"index rendered in {seconds:.1f} s")
    assert urlsplit(page.url).path == INDEX_PATH  # the browser followed the redirect

    # the widgets are live (rendered by the widget manager, not a static placeholder)
    assert page.locator(".jupyter-widgets").count() > 0
    assert page.locator(f".jupyter-widgets {CALCULATOR_CARD}").count() == 1
    links = page.locator(CALCULATOR_LINK)
    assert links.count() == 2  # the card and the markdown link
    for i in range(links.count()):
        href = links.nth(i).evaluate("a => a.href")  # resolved absolute URL
        assert urlsplit(href).path == f"/voila/render/{CALCULATOR}"

    # sources are stripped: the code cell's text never reaches the page
    assert "index.show()" not in page.content()

    e2e.assert_no_error_text(page)
    e2e.assert_no_page_errors(page)
