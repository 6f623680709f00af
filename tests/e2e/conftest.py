"""Fixtures for the end-to-end tests: one ``explorer-app`` server per session, headless Chromium.

* ``app_server`` starts ``python -m explorer`` (the ``explorer-app`` command) on a free loopback
  port, waits for the TCP port, yields the server, and stops it by PID (SIGTERM, wait, SIGKILL).
  Its log goes to a temporary file; on any test failure it is copied to ``test-artifacts/``.
* ``browser`` launches the system Chromium through Playwright (``playwright install`` is never
  needed).  Without a Chromium binary every browser test is skipped, loudly, with the reason.
* ``page`` is a fresh tab that records ``pageerror`` events and console errors; on failure a
  screenshot, the page HTML and the console log are saved to ``test-artifacts/``.

Tests run serially: the box has 2 cores, and each page also costs a kernel (~250-400 MB).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from explorer.app import stop_app

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # no phoning home: the box is offline and these only add noise and latency
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-domain-reliability",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
]
SERVER_START_TIMEOUT = 90  # s, until the port answers
FIRST_RENDER_TIMEOUT = 200_000  # ms, request -> widgets on screen (measured 4-12 s quiet; > 60 s at load 15)
UPDATE_TIMEOUT = 30_000  # ms, slider -> plot updated (measured 0.07-0.5 s)

# Browser messages that are known and harmless here (see /work/shared/reference/serving.md §5):
# the lab template loads FontAwesome from a CDN (offline here), Voila bundles JupyterLab 4.2 core
# while plotly/anywidget were built against 4.6 ("Unsatisfied version"), and the page's
# beforeunload kernel-shutdown beacon is refused (voila#1458).
HARMLESS_CONSOLE = [
    r"Failed to load resource",
    r"net::ERR_",
    r"cdn\.jsdelivr\.net",
    r"fontawesome",
    r"Unsatisfied version",
    r"api/shutdown",
    r"_xsrf",
    r"favicon",
]
HARMLESS_PAGEERRORS: list[str] = [
    r"ResizeObserver loop",  # benign layout notification some widgets trigger
]


def find_chromium() -> str | None:
    """The Chromium binary to drive, or None.

    ``DX_CHROMIUM=/path/to/chromium`` replaces the default locations (and a path that does not
    exist shows what happens on a machine without Chromium).
    """
    override = os.environ.get("DX_CHROMIUM")
    for candidate in [override] if override else CHROMIUM_CANDIDATES:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _safe_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[-150:]


def _matches(text: str, patterns: list[str]) -> bool:
    return any(re.search(p, text, re.IGNORECASE) for p in patterns)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Expose each phase's report as ``item.rep_<phase>`` so fixtures can see failures."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _failed(node) -> bool:
    return any(getattr(getattr(node, f"rep_{w}", None), "failed", False) for w in ("setup", "call"))


@dataclass
class AppServer:
    url: str
    port: int
    pid: int
    log_path: Path
    proc: subprocess.Popen = field(repr=False)
    failures: int = 0

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def save_log(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        target = ARTIFACTS / f"{name}.voila.log"
        shutil.copyfile(self.log_path, target)
        return target




@pytest.fixture(scope="session")
def app_server(tmp_path_factory, request) -> AppServer:
    """``python -m explorer`` on a free loopback port, started from a directory outside the repo."""
    workdir = tmp_path_factory.mktemp("app")
    log_path = workdir / "voila.log"
    port = free_port()
    cmd = [
        sys.executable, "-m", "explorer",
        "--host", "127.0.0.1",
        "--port", str(port),
        # A stalled execution (voila#1395, seen ~1 in 30 renders here) becomes an error page
        # well before the browser-side timeout instead of a hang.
        "--VoilaExecutor.timeout=150",
        # Otherwise the production voila.json as is, including its two preheated kernels (index
        # and calculator): that is the code path visitors hit.
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in the test runner must not hit the server first
        )
    server = AppServer(url=f"http://127.0.0.1:{port}", port=port, pid=proc.pid, log_path=log_path, proc=proc)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"explorer-app exited with status {proc.returncode} before listening; "
                    f"log:\n{server.log_text()}"
                )
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"explorer-app did not listen on port {port} within {SERVER_START_TIMEOUT} s; "
                        f"log:\n{server.log_text()}"
                    ) from None
                time.sleep(0.1)
        yield server
    finally:
        stop_app(proc)
        if server.failures:
            server.save_log("session")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        looked = os.environ.get("DX_CHROMIUM") or ", ".join(CHROMIUM_CANDIDATES)
        message = (
            f"NO CHROMIUM: none of {looked} exists; the browser (e2e) tests are SKIPPED. "
            "Install it with `apt-get install -y chromium` (scripts/test.sh does)."
        )
        sys.stderr.write("\n" + "!" * 80 + "\n" + message + "\n" + "!" * 80 + "\n")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class PageLog:
    """What the page reported: uncaught exceptions and console errors."""

    def __init__(self):
        self.pageerrors: list[str] = []
        self.console: list[str] = []

    def attach(self, page) -> None:
        page.on("pageerror", lambda exc: self.pageerrors.append(f"{exc.name}: {exc.message}"))
        page.on("console", lambda msg: self.console.append(f"[{msg.type}] {msg.text}"))

    @property
    def unexpected_pageerrors(self) -> list[str]:
        return [e for e in self.pageerrors if not _matches(e, HARMLESS_PAGEERRORS)]

    @property
    def unexpected_console_errors(self) -> list[str]:
        return [c for c in self.console if c.startswith("[error]") and not _matches(c, HARMLESS_CONSOLE)]


def save_page_artifacts(page, log: PageLog, server: AppServer, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True, timeout=15_000)
        (ARTIFACTS / f"{name}.html").write_text(page.content())
    except Exception as exc:  # the page may be gone; the log is still worth having
        (ARTIFACTS / f"{name}.screenshot-error.txt").write_text(repr(exc))
    (ARTIFACTS / f"{name}.console.txt").write_text(
        "\n".join(["# pageerror", *log.pageerrors, "# console", *log.console]) + "\n"
    )
    server.save_log(name)


def make_page(browser, width: int = 1400, height: int = 1000):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(UPDATE_TIMEOUT)
    log = PageLog()
    log.attach(page)
    return context, page, log


@pytest.fixture
def page(browser, app_server, request):
    """A fresh tab; on failure its screenshot, HTML, console and the server log go to test-artifacts/."""
    context, pg, log = make_page(browser)
    pg.dx_log = log
    yield pg
    if _failed(request.node):
        app_server.failures += 1
        save_page_artifacts(pg, log, app_server, _safe_name(request.node.nodeid))
    context.close()


def open_notebook(page, url: str, ready_selector: str) -> float:
    """Go to ``url`` and wait until ``ready_selector`` is visible; return the seconds it took.

    A render that stalls (a known, rare Voila hang; see serving.md §3) is retried once.
    """
    t0 = time.monotonic()
    for attempt in (1, 2):
        page.goto(url, timeout=FIRST_RENDER_TIMEOUT, wait_until="domcontentloaded")
        try:
            page.wait_for_selector(ready_selector, state="visible", timeout=FIRST_RENDER_TIMEOUT)
            return time.monotonic() - t0
        except Exception:
            if attempt == 2:
                raise
            sys.stderr.write(f"\n[e2e] {url}: {ready_selector!r} not visible after 90 s; retrying once\n")
    raise AssertionError("unreachable")


def rendered_page(browser, app_server, request, url_path: str, root_css: str, ready):
    """Body of a module-scoped page fixture (``yield from``): open ``url_path``, wait for
    ``root_css`` and then ``ready(page)``; on a failed render save the artefacts and re-raise."""
    context, page, log = make_page(browser)
    page.dx_log = log
    try:
        page.dx_render_seconds = open_notebook(page, app_server.url + url_path, root_css)
        ready(page)
    except Exception:
        app_server.failures += 1
        save_page_artifacts(page, log, app_server, _safe_name(f"{request.node.nodeid}-render"))
        context.close()
        raise
    yield page
    context.close()


def artifacts_on_failure(request, app_server, fixture: str) -> None:
    """After a failed test that used the module page ``fixture``: save its artefacts."""
    if _failed(request.node) and fixture in request.fixturenames:
        app_server.failures += 1
        page = request.getfixturevalue(fixture)
        save_page_artifacts(page, page.dx_log, app_server, _safe_name(request.node.nodeid))


ERROR_TEXTS = ("Traceback", "Error", "There was an error")


def assert_no_error_text(page) -> None:
    body = page.inner_text("body")
    found = [t for t in ERROR_TEXTS if t in body]
    assert not found, f"error text {found} on {page.url}:\n{body[:3000]}"


def assert_no_page_errors(page) -> None:
    log: PageLog = page.dx_log
    assert not log.unexpected_pageerrors, f"uncaught errors in the page: {log.unexpected_pageerrors}"


def assert_clean(page) -> None:
    """No visible error box (``.dx-error``) with text, no error text on the page, no uncaught errors."""
    for i in range(page.locator(".dx-error").count()):
        box = page.locator(".dx-error").nth(i)
        if box.is_visible():
            assert not box.inner_text().strip(), f"the page shows an error: {box.inner_text()}"
    assert_no_error_text(page)
    assert_no_page_errors(page)


@pytest.fixture(scope="session")
def e2e() -> SimpleNamespace:
    """The helpers above, for the test modules (conftest.py itself is not importable by name)."""
    return SimpleNamespace(
        open_notebook=open_notebook,
        rendered_page=rendered_page,
        artifacts_on_failure=artifacts_on_failure,
        assert_no_error_text=assert_no_error_text,
        assert_no_page_errors=assert_no_page_errors,
        assert_clean=assert_clean,
        make_page=make_page,
        save_page_artifacts=save_page_artifacts,
        failed=_failed,
        safe_name=_safe_name,
        first_render_timeout=FIRST_RENDER_TIMEOUT,
        update_timeout=UPDATE_TIMEOUT,
    )
