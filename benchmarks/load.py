"""Load test: N simulated visitors open a page of the app and move a slider k times.

Each visitor is a Playwright browser context (its own cookies, its own kernel) in one headless
Chromium; all visitors of a page arrive together (``--ramp`` spreads them), so this is a class
opening the link at once.  Per page it reports, as a table:

* first render: request -> the page's root widget and its plot drawn (p50 / p95 / max, s);
* interaction, end to end in the browser: the slider's keydown -> the first change of the page's
  outputs (a plot redrawn, a table or label rewritten; the slider's own readout excluded), p50 /
  p95, ms; "plot": keydown -> the plot's first change; "settled": keydown -> the last change
  before 0.5 s of quiet (a refit that streams is settled when its last frame is drawn);
* errors: a render or move that timed out, an uncaught page error, an error text on the page;
  busy: visitors turned away by the kernel cap (HTTP 503), counted separately;
* memory: the server's RSS, every kernel's RSS (peak of the sum during the round), and each
  visitor kernel's RSS after its moves, with whether torch is loaded in it (its memory map holds
  libtorch), from /proc via psutil.

Visitors close their tabs as a browser does (beforeunload runs, so the page's shutdown beacon
frees the kernel); "kernels left" counts visitor kernels still alive 10 s later.

Loopback only, bounded: at most 60 visitors and 200 moves per visitor, every wait has a timeout,
and the whole run stops at ``--timeout`` seconds.  By default the app is started here
(``python -m explorer`` on a free 127.0.0.1 port, stopped by PID at the end); ``--url`` uses a
running one (loopback addresses only; no memory figures then unless ``--server-pid`` is given).

    .venv/bin/python benchmarks/load.py --visitors 3 --moves 5
    .venv/bin/python benchmarks/load.py --visitors 20 --moves 10 --pages calculator --timeout 900
    .venv/bin/python benchmarks/load.py --json results.json   # the numbers, machine-readable

Needs Chromium at /usr/lib/chromium/chromium or /usr/bin/chromium (``DX_CHROMIUM`` overrides);
never ``playwright install``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

REPO_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--no-first-run",
    "--disable-default-apps", "--disable-sync", "--metrics-recording-only",
    # many visitors in one browser: background tabs must not be throttled
    "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
MAX_VISITORS = 60
MAX_MOVES = 200
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
QUIET_BEFORE_MS = 300  # the page must be still this long before a move (previous move finished)
QUIET_AFTER_MS = 500  # ... and after a move, to call it settled
HARMLESS_PAGEERRORS = (r"ResizeObserver loop",)
ERROR_TEXTS = ("Traceback", "There was an error when executing")


@dataclass(frozen=True)
class Page:
    """One page of the app as the load test drives it (CSS selectors of the UI's contract)."""

    notebook: str
    root: str  # the page's root widget: visible = rendered
    plot: str | None = None  # a plotly plot inside root that must have data to count as rendered
    slider: str | None = None  # the slider handle(s) moved; first match wins; None: no moves


PAGES = {
    "index": Page("00_index.ipynb", root=".dx-index"),
    "calculator": Page(
        "01_divergence_calculator.ipynb", root=".dx-calculator", plot=".js-plotly-plot",
        slider='[class*="dx-p-"] .noUi-handle, .noUi-handle',
    ),
    "mode_seeking": Page(
        "02_mode_seeking.ipynb", root=".dx-mode-seeking", plot=".js-plotly-plot",
        slider='[class*="dx-t-"] .noUi-handle, .noUi-handle',
    ),
    "kde": Page("03_kde.ipynb", root=".dx-kde", plot=".js-plotly-plot", slider=".noUi-handle"),
    "information": Page("04_information_bottleneck.ipynb", root=".dx-information", plot=".js-plotly-plot",
                        slider=".noUi-handle"),
    "distillation": Page("05_distillation_alignment.ipynb", root=".dx-distill-lab", plot=".js-plotly-plot",
                         slider=".noUi-handle"),
}

JS_READY = """([root, plot]) => {
  const r = document.querySelector(root);
  if (!r || !r.offsetParent) return false;
  if (!plot) return true;
  const gd = r.querySelector(plot);
  return !!(gd && gd.data && gd.data.length > 0 && gd.querySelector('.main-svg'));
}"""

# A MutationObserver on the page root timestamps output changes; the slider's own DOM (handle,
# readout) is excluded.  arm() starts a measurement at the next keydown.
JS_OBSERVE = """(root) => {
  const r = document.querySelector(root);
  const SLIDER = '.noUi-target, .widget-readout, .widget-slider, .widget-hslider, .widget-vslider';
  const dx = window.__dx = {key: null, first: null, plot: null, last: performance.now(), armed: false};
  dx.arm = () => { dx.key = null; dx.first = null; dx.plot = null; dx.armed = true; };
  document.addEventListener('keydown', () => { if (dx.armed && dx.key === null) dx.key = performance.now(); },
                            true);
  new MutationObserver((records) => {
    const now = performance.now();
    for (const m of records) {
      const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
      if (!el || el.closest(SLIDER)) continue;
      dx.last = now;
      if (dx.armed && dx.key !== null) {
        if (dx.first === null) dx.first = now;
        // a plot redrawn in place, or a new plot put into an output area
        const plot = el.closest('.js-plotly-plot') || Array.from(m.addedNodes || []).some(
          (n) => n.nodeType === 1 && (n.matches('.js-plotly-plot') || n.querySelector('.js-plotly-plot')));
        if (dx.plot === null && plot) dx.plot = now;
      }
    }
  }).observe(r, {subtree: true, childList: true, characterData: true, attributes: true});
}"""
JS_QUIET = "(ms) => performance.now() - window.__dx.last > ms"
JS_CHANGED = "() => window.__dx.first !== null"
JS_SETTLED = "(ms) => window.__dx.first !== null && performance.now() - window.__dx.last > ms"
JS_RESULT = """() => {
  const dx = window.__dx; dx.armed = false;
  const d = (t) => (t === null || dx.key === null) ? null : t - dx.key;
  return {response: d(dx.first), plot: d(dx.plot), settled: d(dx.last)};
}"""
JS_KERNEL_ID = "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId || null"


@dataclass
class Visit:
    page: str
    index: int
    first_render_s: float | None = None
    busy: bool = False
    kernel_id: str | None = None
    response_ms: list[float] = field(default_factory=list)
    plot_ms: list[float] = field(default_factory=list)
    settled_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def pct(values, q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation; None for no values."""
    xs = sorted(v for v in values if v is not None)
    if not xs:
        return None
    pos = q * (len(xs) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


# --- the server and its memory ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(extra: list[str], log_path: Path, timeout: float = 120) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "explorer", "--host", "127.0.0.1", "--port", str(port), *extra]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True, env=env)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"explorer-app exited {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if time.monotonic() > deadline:
                stop_server(proc)
                raise RuntimeError(f"explorer-app not listening after {timeout} s") from None
            time.sleep(0.2)


def preheated_pools() -> int:
    """How many notebooks voila.json keeps a preheated kernel for (0 if preheat is off)."""
    conf = json.loads((REPO_ROOT / "voila.json").read_text())
    if not conf.get("VoilaConfiguration", {}).get("preheat_kernel"):
        return 0
    pools = conf.get("VoilaKernelManager", {}).get("kernel_pools_config", {})
    notebooks = REPO_ROOT / "notebooks"
    return sum(1 for name, c in pools.items()
               if name != "default" and c.get("pool_size", 0) > 0 and (notebooks / name).is_file())


def wait_pools_filled(log_path: Path, pools: int, timeout: float) -> float:
    """Wait until the server log reports every preheated pool filled; return the seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if log_path.read_text(errors="replace").count("is filled with") >= pools:
            break
        time.sleep(0.5)
    return time.monotonic() - t0


def wait_kernels_idle(server_pid: int, timeout: float, threshold: float = 5.0) -> float:
    """Wait until every kernel of the server uses < ``threshold`` % CPU over two 1-s windows in a
    row: the preheated kernels have finished executing their notebooks ("pool filled" in the log
    only means their kernels started).  Returns the seconds waited."""
    import psutil

    t0 = time.monotonic()
    calm = 0
    while time.monotonic() - t0 < timeout and calm < 2:
        procs = list(kernel_processes(server_pid).values())
        for p in procs:
            try:
                p.cpu_percent(None)
            except psutil.Error:
                pass
        time.sleep(1.0)
        busy = 0
        for p in procs:
            try:
                busy += p.cpu_percent(None) >= threshold
            except psutil.Error:
                pass
        calm = calm + 1 if procs and not busy else 0
    return time.monotonic() - t0


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()  # SIGTERM: Voila shuts its kernels down
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # stragglers in the server's own session
    except (ProcessLookupError, PermissionError):
        pass


def kernel_processes(server_pid: int) -> dict[str, object]:
    """{kernel id: psutil.Process} for the server's kernel children (id from the connection file)."""
    import psutil

    found = {}
    try:
        children = psutil.Process(server_pid).children(recursive=True)
    except psutil.Error:
        return found
    for child in children:
        try:
            cmdline = " ".join(child.cmdline())
        except psutil.Error:
            continue
        m = re.search(r"kernel-([0-9a-f-]{36})\.json", cmdline)
        if m:
            found[m.group(1)] = child
    return found


def rss_mib(proc) -> float | None:
    try:
        return proc.memory_info().rss / 2**20
    except Exception:
        return None


def has_torch(proc) -> bool | None:
    """Whether libtorch is mapped into the process (i.e. ``import torch`` ran in it)."""
    try:
        return any("libtorch" in (m.path or "") for m in proc.memory_maps(grouped=True))
    except Exception:
        return None


class MemorySampler:
    """Samples the server's and its kernels' RSS every ``interval`` s in a thread; keeps peaks."""

    def __init__(self, server_pid: int | None, interval: float = 0.5):
        self.server_pid = server_pid
        self.interval = interval
        self.peak_server = 0.0
        self.peak_total = 0.0
        self.peak_kernels = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        if self.server_pid is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def sample(self) -> None:
        import psutil

        try:
            server = rss_mib(psutil.Process(self.server_pid)) or 0.0
        except psutil.Error:
            return
        kernels = kernel_processes(self.server_pid)
        total = server + sum(rss_mib(p) or 0.0 for p in kernels.values())
        self.peak_server = max(self.peak_server, server)
        self.peak_total = max(self.peak_total, total)
        self.peak_kernels = max(self.peak_kernels, len(kernels))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)


# --- visitors ---------------------------------------------------------------------------------------


async def visit(browser, base_url: str, name: str, page_def: Page, index: int, moves: int,
                timeout_ms: float, delay: float, deadline: float) -> tuple[Visit, object]:
    result = Visit(page=name, index=index)
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)
    page.on("pageerror", lambda exc: None if any(re.search(p, str(exc)) for p in HARMLESS_PAGEERRORS)
            else result.errors.append(f"pageerror: {str(exc)[:200]}"))
    try:
        t0 = time.monotonic()
        response = await page.goto(f"{base_url}/voila/render/{page_def.notebook}", wait_until="commit",
                                   timeout=timeout_ms)
        if response is not None and response.status == 503:
            result.busy = True
            return result, context
        await page.wait_for_function(JS_READY, arg=[page_def.root, page_def.plot], timeout=timeout_ms,
                                     polling=50)
        result.first_render_s = time.monotonic() - t0
        result.kernel_id = await page.evaluate(JS_KERNEL_ID)
        body = await page.inner_text("body")
        result.errors += [f"error text on the page: {t!r}" for t in ERROR_TEXTS if t in body]
        if page_def.slider is None or moves == 0:
            return result, context
        handle = page.locator(page_def.slider).first
        await page.evaluate(JS_OBSERVE, page_def.root)
        for i in range(moves):
            if time.monotonic() > deadline:
                result.errors.append("run deadline reached before all moves")
                break
            await page.wait_for_function(JS_QUIET, arg=QUIET_BEFORE_MS, timeout=timeout_ms, polling=50)
            await handle.focus()
            await page.evaluate("() => window.__dx.arm()")
            await page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            try:
                await page.wait_for_function(JS_CHANGED, timeout=timeout_ms, polling="raf")
                await page.wait_for_function(JS_SETTLED, arg=QUIET_AFTER_MS, timeout=timeout_ms, polling=50)
            except Exception as exc:
                what = type(exc).__name__
                result.errors.append(f"move {i}: no change within {timeout_ms / 1e3:.0f} s ({what})")
                continue
            r = await page.evaluate(JS_RESULT)
            if r["response"] is None:
                result.errors.append(f"move {i}: keydown not seen")
                continue
            result.response_ms.append(r["response"])
            if r["plot"] is not None:
                result.plot_ms.append(r["plot"])
            result.settled_ms.append(r["settled"])
        body = await page.inner_text("body")
        result.errors += [f"error text after moves: {t!r}" for t in ERROR_TEXTS if t in body]
    except Exception as exc:
        what = "render" if result.first_render_s is None else "interaction"
        result.errors.append(f"{what}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    return result, context


async def run_page(browser, base_url: str, name: str, args, server_pid: int | None,
                   deadline: float) -> dict:
    page_def = PAGES[name]
    timeout_ms = 1e3 * max(5.0, min(args.op_timeout, deadline - time.monotonic()))
    with MemorySampler(server_pid) as sampler:
        tasks = [
            visit(browser, base_url, name, page_def, i, args.moves, timeout_ms,
                  args.ramp * i / max(1, args.visitors - 1) if args.visitors > 1 else 0.0, deadline)
            for i in range(args.visitors)
        ]
        outcomes = await asyncio.gather(*tasks)
        visits = [v for v, _ in outcomes]
        kernel_rss, torch_loaded = [], []
        if server_pid is not None:
            sampler.sample()
            procs = kernel_processes(server_pid)
            for v in visits:
                proc = procs.get(v.kernel_id or "")
                if proc is not None:
                    kernel_rss.append(rss_mib(proc))
                    torch_loaded.append(has_torch(proc))
        for _, context in outcomes:  # close as a browser does: beforeunload -> shutdown beacon
            for pg in context.pages:
                try:
                    await pg.close(run_before_unload=True)
                except Exception:
                    pass
        await asyncio.sleep(1.0)
        for _, context in outcomes:
            await context.close()
    left = None
    if server_pid is not None:
        ids = {v.kernel_id for v in visits if v.kernel_id}
        t_end = time.monotonic() + 10
        while time.monotonic() < t_end:
            left = len(ids & set(kernel_processes(server_pid)))
            if left == 0:
                break
            await asyncio.sleep(0.5)
    renders = [v.first_render_s for v in visits]
    response = [x for v in visits for x in v.response_ms]
    plot = [x for v in visits for x in v.plot_ms]
    settled = [x for v in visits for x in v.settled_ms]
    return {
        "page": name,
        "visitors": len(visits),
        "rendered": sum(r is not None for r in renders),
        "busy": sum(v.busy for v in visits),
        "moves": len(response),
        "first_render_s": {"p50": pct(renders, 0.5), "p95": pct(renders, 0.95), "max": pct(renders, 1)},
        "response_ms": {"p50": pct(response, 0.5), "p95": pct(response, 0.95), "max": pct(response, 1)},
        "plot_ms": {"p50": pct(plot, 0.5), "p95": pct(plot, 0.95)},
        "settled_ms": {"p50": pct(settled, 0.5), "p95": pct(settled, 0.95)},
        "errors": [e for v in visits for e in v.errors],
        "server_rss_mib": sampler.peak_server or None,
        "total_rss_mib": sampler.peak_total or None,
        "peak_kernels": sampler.peak_kernels or None,
        "kernel_rss_mib": statistics.median(kernel_rss) if kernel_rss else None,
        "torch_in_kernel": (all(torch_loaded) if torch_loaded and None not in torch_loaded else None),
        "kernels_left": left,
        "visits": [asdict(v) for v in visits],
    }


def find_chromium() -> str:
    override = os.environ.get("DX_CHROMIUM")
    for candidate in [override] if override else CHROMIUM_CANDIDATES:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit(f"load.py: no Chromium at {override or ', '.join(CHROMIUM_CANDIDATES)} "
                     "(apt-get install chromium; never `playwright install`)")


async def run(args, base_url: str, server_pid: int | None, deadline: float) -> list[dict]:
    from playwright.async_api import async_playwright

    results = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            for name in args.pages:
                if time.monotonic() > deadline:
                    print(f"load.py: --timeout reached, {name} skipped", file=sys.stderr)
                    break
                try:
                    results.append(await asyncio.wait_for(
                        run_page(browser, base_url, name, args, server_pid, deadline),
                        timeout=max(1.0, deadline - time.monotonic()) + 30,
                    ))
                except TimeoutError:
                    results.append({"page": name, "errors": ["the round exceeded --timeout"], "visitors": 0})
        finally:
            await browser.close()
    return results


# --- report -----------------------------------------------------------------------------------------


def _f(x, fmt: str = "{:.0f}") -> str:
    return "—" if x is None else fmt.format(x)


def table(results: list[dict]) -> str:
    head = ("| page | visitors (rendered / busy) | first render p50 / p95 / max (s) "
            "| response p50 / p95 (ms) | plot p50 / p95 (ms) | settled p50 / p95 (ms) | moves | errors "
            "| server RSS (MiB) | kernels RSS peak (MiB) | kernel RSS (MiB) | torch | kernels left |")
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r in results:
        if "first_render_s" not in r:
            lines.append(f"| {r['page']} | — | — | — | — | — | — | {len(r['errors'])} | — | — | — | — | — |")
            continue
        fr, rs, pl, st = r["first_render_s"], r["response_ms"], r["plot_ms"], r["settled_ms"]
        torch = {True: "yes", False: "no", None: "—"}[r["torch_in_kernel"]]
        lines.append(
            f"| {r['page']} | {r['visitors']} ({r['rendered']} / {r['busy']}) "
            f"| {_f(fr['p50'], '{:.1f}')} / {_f(fr['p95'], '{:.1f}')} / {_f(fr['max'], '{:.1f}')} "
            f"| {_f(rs['p50'])} / {_f(rs['p95'])} | {_f(pl['p50'])} / {_f(pl['p95'])} "
            f"| {_f(st['p50'])} / {_f(st['p95'])} | {r['moves']} | {len(r['errors'])} "
            f"| {_f(r['server_rss_mib'])} | {_f(r['total_rss_mib'])} | {_f(r['kernel_rss_mib'])} | {torch} "
            f"| {_f(r['kernels_left'], '{}')} |"
        )
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=3, help="simultaneous visitors per page (default 3)")
    parser.add_argument("--moves", type=int, default=5, help="slider moves per visitor (default 5)")
    parser.add_argument("--pages", default="index,calculator,mode_seeking",
                        help=f"comma-separated, from {', '.join(PAGES)} "
                        "(default: index, calculator, mode_seeking)")
    parser.add_argument("--timeout", type=float, default=600, help="whole run, seconds (default 600)")
    parser.add_argument("--op-timeout", type=float, default=120,
                        help="one render or one move, seconds (default 120)")
    parser.add_argument("--ramp", type=float, default=0.0,
                        help="spread the visitors' arrivals over this many seconds (default 0: together)")
    parser.add_argument("--url", help="use this running app (loopback only) instead of starting one")
    parser.add_argument("--server-pid", type=int, help="with --url: the server's PID, for memory figures")
    parser.add_argument("--server-arg", action="append", default=[],
                        help="extra explorer-app option for the server started here (repeatable), "
                        "e.g. --server-arg=--max-kernels=30")
    parser.add_argument("--cold", action="store_true",
                        help="do not wait for the preheated kernels before the visitors arrive")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    args.pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = [p for p in args.pages if p not in PAGES]
    if unknown:
        parser.error(f"unknown page(s) {unknown}; choose from {list(PAGES)}")
    if not 1 <= args.visitors <= MAX_VISITORS:
        parser.error(f"--visitors must be between 1 and {MAX_VISITORS}")
    if not 0 <= args.moves <= MAX_MOVES:
        parser.error(f"--moves must be between 0 and {MAX_MOVES}")
    if not 0 < args.timeout <= 3600:
        parser.error("--timeout must be in (0, 3600] seconds")
    if args.url and urlparse(args.url).hostname not in LOOPBACK:
        parser.error(f"--url must be a loopback address ({', '.join(sorted(LOOPBACK))}), not {args.url}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    proc = None
    load_before = os.getloadavg()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dx-load-") as tmp:
        log_path = Path(tmp) / "server.log"
        try:
            if args.url:
                base_url, server_pid = args.url.rstrip("/"), args.server_pid
            else:
                # the cap must admit every visitor, unless the caller is testing the cap itself
                server_args = args.server_arg or [f"--max-kernels={args.visitors + 2}"]
                proc, base_url = start_server(server_args, log_path)
                server_pid = proc.pid
                pools = 0 if any("preheat_kernel=False" in a for a in server_args) else preheated_pools()
                if pools and not args.cold:
                    waited = wait_pools_filled(log_path, pools, timeout=min(300.0, args.timeout / 2))
                    waited += wait_kernels_idle(server_pid, timeout=min(300.0, args.timeout / 2))
                    print(f"load.py: {pools} preheated kernel(s) ready after {waited:.0f} s",
                          file=sys.stderr)
            results = asyncio.run(run(args, base_url, server_pid, deadline=t0 + args.timeout))
        finally:
            if proc is not None:
                stop_server(proc)
        failed_log = log_path.read_text(errors="replace")[-4000:] if log_path.exists() else ""
    load_after = os.getloadavg()
    print(f"\n{args.visitors} visitor(s) per page, {args.moves} move(s) each, {time.monotonic() - t0:.0f} s; "
          f"{os.cpu_count()} CPUs, load average {load_before[0]:.1f} before / {load_after[0]:.1f} after; "
          f"{time.strftime('%Y-%m-%d %H:%M')}\n")
    print(table(results))
    errors = [(r["page"], e) for r in results for e in r["errors"]]
    for page, error in errors[:20]:
        print(f"  {page}: {error}")
    if errors and proc is not None:
        print("\nlast lines of the server log:\n" + failed_log[-1500:])
    if args.json:
        meta = {"visitors": args.visitors, "moves": args.moves, "cpus": os.cpu_count(),
                "load_before": load_before, "load_after": load_after, "date": time.strftime("%Y-%m-%d %H:%M")}
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
