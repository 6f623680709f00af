"""Opening a page's tabs: bytes over the kernel websocket and the time from click to plot.

One visitor (a fresh Chromium context) opens the mode-seeking and the information pages, waits for
the first plot, then clicks each further tab and waits until one more plot is drawn. Prints, per
page, the websocket bytes received at load and after opening the tabs, and seconds from each
click to its plot ("-" for a tab that draws only on a button, e.g. the landscape). Tabs create
their figures when first opened, so this is where a per-figure cost shows: plotly's 5 MB widget
bundle was sent once per figure before ``explorer/ui/widgets/plotly_esm.py``, once per page since.

Compare two versions in the same session: run it as is, then with ``PYTHONPATH`` pointing at a
checkout of the older commit (``git worktree add --detach ../old <commit>``); the app and its
kernels then import that checkout's ``explorer`` and serve its notebooks.

    .venv/bin/python benchmarks/bench_tabs.py
    PYTHONPATH=../old .venv/bin/python benchmarks/bench_tabs.py

Loopback only: the app is started here on a free 127.0.0.1 port and stopped by its PID.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

PAGES = (("02_mode_seeking.ipynb", ".dx-tabs", 5, ".dx-figure"),
         ("04_information_bottleneck.ipynb", ".dx-info-tabs", 3, ".dx-ib-figure"))
CHROMIUM = "/usr/bin/chromium"
WARM_UP = 30  # s for the preheated kernels to fill before the first visit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def visit(browser, url: str, nb: str, tabs_css: str, n_tabs: int, plot_css: str) -> str:
    from playwright.sync_api import Error as PlaywrightError

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    received = [0]
    page.on("websocket", lambda ws: ws.on(
        "framereceived", lambda payload: received.__setitem__(0, received[0] + len(payload))))
    page.goto(f"{url}/voila/render/{nb}", timeout=300_000)
    page.wait_for_selector(f"{plot_css}.js-plotly-plot .main-svg, {plot_css} .js-plotly-plot .main-svg",
                           timeout=300_000)
    time.sleep(3)
    at_load, times = received[0], []
    count = "() => document.querySelectorAll('.js-plotly-plot .main-svg').length"
    for i in range(1, n_tabs):
        before = page.evaluate(count)
        t0 = time.monotonic()
        page.locator(f"{tabs_css} .lm-TabBar-tab").nth(i).click()
        try:
            page.wait_for_function(f"(n) => ({count})() > n", arg=before, timeout=120_000)
            times.append(f"{time.monotonic() - t0:.1f}")
        except PlaywrightError:
            times.append("-")
        time.sleep(2)
    context.close()
    return (f"{nb}: at load {at_load / 1e6:.1f} MB; after opening {n_tabs - 1} tabs "
            f"{received[0] / 1e6:.1f} MB; click -> tab plot (s): {', '.join(times)}")


def main() -> int:
    from playwright.sync_api import sync_playwright

    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="bench_tabs_", suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, "-m", "explorer", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=tempfile.gettempdir(), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not listen within 120 s (log: {log.name})") from None
                time.sleep(0.2)
        time.sleep(WARM_UP)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for page in PAGES:
                print(visit(browser, f"http://127.0.0.1:{port}", *page), flush=True)
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
