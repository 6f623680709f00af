"""Screenshot every demo page from a running app into explorer/ui/thumbnails/ (and test-artifacts/).

Usage: ``.venv/bin/python scripts/make_thumbnails.py [--only NOTEBOOK] [--full]``. It starts the app
on a free loopback port, renders each notebook listed in ``explorer.ui.index.DEMOS`` in headless
Chromium, saves a full-page screenshot to ``test-artifacts/<name>.png`` and a 760x400 thumbnail of
the top of the page to ``explorer/ui/thumbnails/<thumbnail>``, then stops the server by its PID.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# the page is idle when no status line says that work is still running (the mode-seeking fits,
# the information-bottleneck page's IB curves)
BUSY = ("Fitting", "computing", "computing the IB curve", "Training live", "estimating")
IDLE = ("() => [...document.querySelectorAll('.dx-status')].every(s => !" + repr(list(BUSY))
        + ".some(w => s.innerText.includes(w)))")
# pages whose background work goes on long after the first frame: what must be on screen first
READY = {
    # the students at the temperature on screen and the β sweep (the other temperatures keep training)
    "05_distillation_alignment.ipynb": "() => [...document.querySelectorAll("
    "'.dx-distill-figure .js-plotly-plot')].some(p => (p.data || [])"
    ".some(t => t.name === 'Vendi score' && t.x && t.x.length > 0)"
    " && (p.data || []).filter(t => String(t.meta).startsWith('dx-student-')).every(t => t.y && t.y.length))",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chromium() -> str:
    for path in ("/usr/lib/chromium/chromium", "/usr/bin/chromium"):
        if Path(path).exists():
            return path
    raise SystemExit("Chromium not found: apt-get install -y chromium")


def main() -> None:
    from playwright.sync_api import sync_playwright

    from explorer.ui.index import DEMOS, THUMBNAILS

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", help="notebook file name to shoot (default: all demos)")
    args = ap.parse_args()
    port = free_port()
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    log = open(out / "thumbnails-voila.log", "w")
    cmd = [sys.executable, "-m", "voila", str(ROOT / "notebooks"), "--no-browser", f"--port={port}",
           "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--VoilaExecutor.timeout=120"]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT)
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise SystemExit("voila did not start; see test-artifacts/thumbnails-voila.log") from None
                time.sleep(0.2)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
            for demo in DEMOS:
                if args.only and demo.notebook != args.only:
                    continue
                page = browser.new_page(viewport={"width": 1400, "height": 2000})
                page.goto(f"http://127.0.0.1:{port}/voila/render/{demo.notebook}", timeout=120_000)
                page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
                # long work (the mode-seeking fits) streams in after the first frame: wait for it
                page.wait_for_function(READY.get(demo.notebook, IDLE), timeout=300_000)
                time.sleep(2.0)
                stem = Path(demo.notebook).stem
                page.screenshot(path=str(out / f"{stem}.png"), full_page=True)
                # the card shows the top of the page, moved down just enough to include the
                # whole first plot (the plot is what tells demos apart)
                box = page.locator(".js-plotly-plot").first.bounding_box()
                top = max(0.0, box["y"] + box["height"] + 10 - 740) if box else 0.0
                page.screenshot(path=str(THUMBNAILS / demo.thumbnail),
                                clip={"x": 0, "y": top, "width": 1400, "height": 740})
                print(f"saved {out / (stem + '.png')} and {THUMBNAILS / demo.thumbnail}")
                page.close()
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
