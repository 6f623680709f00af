"""``explorer-app --export``: the static snapshot opens in Chromium with the network blocked.

The pages are exported once (through the command line, as a user would), then opened from
``file://`` in a browser context that aborts every other request: the figures must draw from the
vendored JavaScript alone, every tab of a tabbed page must hold its plot, nothing may fail to load
and the console must stay free of errors.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import ARTIFACTS, PageLog

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# the index, a page without tabs, and the distillation lab (tabs; figures in Output widgets that
# the exporter must turn into FigureWidgets)
PAGES = ("00_index", "01_divergence_calculator", "05_distillation_alignment")
PLOT = ".js-plotly-plot .main-svg"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("snapshot")
    start = time.monotonic()
    command = [sys.executable, "-m", "explorer", "--export", str(out), "--pages", ",".join(PAGES)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"export failed:\n{proc.stdout}\n{proc.stderr}"
    print(f"exported {len(PAGES)} pages in {time.monotonic() - start:.1f} s")
    return out


@pytest.fixture
def offline(browser, request):
    """A page whose context aborts every request that is not ``file://``; records what it blocked."""
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    blocked: list[str] = []
    failed: list[str] = []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    log = PageLog()
    log.attach(pg)
    pg.on("requestfailed", lambda r: failed.append(r.url))
    pg.dx_log, pg.dx_blocked, pg.dx_failed = log, blocked, failed
    yield pg
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"export-{request.node.name}.png"), full_page=True)
    context.close()


def _assert_offline_clean(pg) -> None:
    assert pg.dx_blocked == [], f"the snapshot asked the network for {pg.dx_blocked[:5]}"
    assert pg.dx_failed == [], f"files missing beside the snapshot: {pg.dx_failed[:5]}"
    assert pg.dx_log.pageerrors == [], pg.dx_log.pageerrors
    errors = [c for c in pg.dx_log.console if c.startswith("[error]")]
    assert errors == [], errors


def test_export_writes_every_page_and_the_vendored_scripts(snapshot):
    for stem in PAGES:
        text = (snapshot / f"{stem}.html").read_text(encoding="utf-8")
        assert "Snapshot, not live" in text
        assert 'src="vendor/require.js"' in text and "vendor/embed-amd.js" in text
        assert "unpkg.com" not in text and "cdnjs.cloudflare.com/ajax/libs/require" not in text
        assert "application/vnd.jupyter.widget-state+json" in text
    for path in ("index.html", "vendor/require.js", "vendor/embed-amd.js", "vendor/anywidget/index.js",
                 "@jupyter-widgets/html-manager/dist/1551f4f60c37af51121f.woff2"):
        assert (snapshot / path).is_file(), path


def test_calculator_snapshot_draws_offline(snapshot, offline):
    offline.goto((snapshot / "01_divergence_calculator.html").as_uri())
    offline.wait_for_selector(PLOT)
    assert offline.locator(".dx-snapshot-banner").is_visible()
    offline.wait_for_function("document.querySelectorAll('.js-plotly-plot .trace').length >= 4")
    assert offline.locator(".dx-view-link").count() == 0  # no "copy link" without a kernel
    _assert_offline_clean(offline)


def test_every_tab_of_the_distillation_snapshot_has_its_plot(snapshot, offline):
    offline.goto((snapshot / "05_distillation_alignment.html").as_uri())
    offline.wait_for_selector(PLOT)
    tabs = offline.locator(".lm-TabBar-tab")
    assert tabs.count() == 2
    for i, css in enumerate(("dx-distill-figure", "dx-align-figure")):
        tabs.nth(i).click()
        figure = offline.locator(f".{css} .main-svg").first
        figure.wait_for(state="visible")
        box = figure.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 200, (css, box)
        assert offline.locator(f".{css} .trace").count() >= 2, css
    _assert_offline_clean(offline)


def test_index_snapshot_links_open_the_exported_pages(snapshot, offline):
    offline.goto((snapshot / "index.html").as_uri())
    card = offline.locator(".dx-card a").first
    card.wait_for(state="visible")
    hrefs = offline.locator(".dx-card a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    exported = {f"{p}.html" for p in PAGES if p != "00_index"}
    assert exported <= set(hrefs), hrefs  # links to exported pages go to their .html files
    assert all((snapshot / h).is_file() for h in hrefs if h.endswith(".html"))
    assert all(h.endswith(".ipynb") for h in set(hrefs) - exported), hrefs  # pages left out: unchanged
    offline.locator(".dx-card a[href='01_divergence_calculator.html']").click()
    offline.wait_for_selector(PLOT)
    assert offline.url.endswith("01_divergence_calculator.html")
    _assert_offline_clean(offline)
