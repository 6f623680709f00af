"""Load test: N simulated visitors open a page of the app and move a slider k times.

Two kinds of visitor (``--protocol``):

* ``browser`` (default): each visitor is a Playwright browser context (its own cookies, its own
  kernel) in one headless Chromium -- the real page, drawn.  On a small machine the browsers
  compete with the server for the CPU (20 Chromium renderers swamp 2 cores), so the numbers then
  measure the browsers as much as the server.
* ``ws``: each visitor speaks Voila's protocol directly (``load_ws.py``): it requests the page,
  opens the kernel's websocket (jupyter_server's v1 binary subprotocol, ``load_protocol.py``),
  fetches the widget states as the page's widget manager does, and sends the slider's updates as
  its JavaScript does.  Nothing is drawn: this measures the server's side of a class.

All visitors of a page arrive together (``--ramp`` spreads them), so this is a class opening the
link at once; ``--think S`` makes each wait S seconds before each move, as a student looking at the
plot would (before the first move too: a page just drawn is looked at before its slider is
touched).  Per page it reports, as a table (``load_common.table``):

* first render (p50 / p95 / max, s): browser: request -> the page's root widget and its plot
  drawn; ws: request -> every widget's state received (what the browser needs to draw);
* interaction (p50 / p95, ms), per move: browser: the slider's keydown -> the first change of the
  page's outputs (the slider's own readout excluded), "plot": -> the plot's first change,
  "settled": -> the last change before 0.5 s of quiet; ws: the update sent -> the first message
  changing the page ("response"), the first redrawing a plot ("plot"), the kernel's idle ("idle"),
  the last message before 0.5 s of quiet ("settled");
* errors: a render or move that timed out, an uncaught page error, an error text on the page, a
  blank page; busy: visitors turned away by the kernel cap (HTTP 503), counted separately;
* memory and CPU: the server's RSS and CPU time during the round, every kernel's RSS (peak of the
  sum), and each visitor kernel's RSS after its moves, with whether torch is loaded in it (its
  memory map holds libtorch), from /proc via psutil.

Visitors leave as a closing tab does (the page's shutdown beacon frees the kernel); "kernels left"
counts visitor kernels still alive 10 s later.

Loopback only, bounded: at most 60 visitors, 200 moves per visitor, 60 s of think time and 60
preheated kernels per page; every wait has a timeout, and the whole run stops at ``--timeout``
seconds.  By default the app is started here (``python -m explorer`` on a free 127.0.0.1 port,
stopped by its PID at the end; ``--pool-size PAGE=N`` preheats N kernels for that page for the
run); ``--url`` uses a running one (loopback addresses only; no memory figures then unless
``--server-pid`` is given).

    .venv/bin/python benchmarks/load.py --visitors 3 --moves 5
    .venv/bin/python benchmarks/load.py --protocol ws --visitors 20 --moves 10 --pages calculator \\
        --pool-size calculator=20
    .venv/bin/python benchmarks/load.py --json results.json   # the numbers, machine-readable

The browser protocol needs Chromium at /usr/lib/chromium/chromium or /usr/bin/chromium
(``DX_CHROMIUM`` overrides); never ``playwright install``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))  # load_common & co. when imported by path

from load_common import (
    ERROR_TEXTS,
    LOOPBACK,
    MAX_MOVES,
    MAX_THINK_S,
    MAX_VISITORS,
    PAGES,
    QUIET_AFTER_MS,
    QUIET_BEFORE_MS,
    Page,
    Visit,
    VisitResult,
    arrival_delay,
    parse_pool_size,
    pauses_for,
    pool_kernel_count,
    pools_with,
    run_page,
    run_pages,
    start_server,
    stop_server,
    table,
    voila_pools,
    wait_kernels_idle,
    wait_pools_filled,
)

CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--no-first-run",
    "--disable-default-apps", "--disable-sync", "--metrics-recording-only",
    # many visitors in one browser: background tabs must not be throttled
    "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]

HARMLESS_PAGEERRORS = (r"ResizeObserver loop",)

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


# --- browser visitors -------------------------------------------------------------------------------


async def visit(browser, base_url: str, name: str, page_def: Page, index: int, moves: int, pauses,
                timeout_ms: float, delay: float, deadline: float) -> VisitResult:
    """One browser visitor (a fresh browser context); returns its record and its closer."""
    result = Visit(page=name, index=index)
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})

    async def close() -> None:  # as a browser closes a tab: beforeunload -> shutdown beacon
        for pg in context.pages:
            try:
                await pg.close(run_before_unload=True)
            except Exception:
                pass
        await asyncio.sleep(1.0)
        await context.close()

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
            return result, close
        await page.wait_for_function(JS_READY, arg=[page_def.root, page_def.plot], timeout=timeout_ms,
                                     polling=50)
        result.first_render_s = time.monotonic() - t0
        result.drawn_at = time.time()
        result.kernel_id = await page.evaluate(JS_KERNEL_ID)
        body = await page.inner_text("body")
        result.errors += [f"error text on the page: {t!r}" for t in ERROR_TEXTS if t in body]
        if page_def.slider is None or moves == 0:
            return result, close
        handle = page.locator(page_def.slider).first
        await page.evaluate(JS_OBSERVE, page_def.root)
        for i in range(moves):
            if time.monotonic() > deadline:
                result.errors.append("run deadline reached before all moves")
                break
            await page.wait_for_function(JS_QUIET, arg=QUIET_BEFORE_MS, timeout=timeout_ms, polling=50)
            if pauses is not None:  # the first too: a student looks at the page before moving
                await asyncio.sleep(next(pauses))
            await handle.focus()
            await page.evaluate("() => window.__dx.arm()")
            moved_at = time.time()
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
            result.moved_at.append(moved_at)
            if r["plot"] is not None:
                result.plot_ms.append(r["plot"])
            result.settled_ms.append(r["settled"])
        body = await page.inner_text("body")
        result.errors += [f"error text after moves: {t!r}" for t in ERROR_TEXTS if t in body]
    except Exception as exc:
        what = "render" if result.first_render_s is None else "interaction"
        result.errors.append(f"{what}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    return result, close


def find_chromium() -> str:
    override = os.environ.get("DX_CHROMIUM")
    for candidate in [override] if override else CHROMIUM_CANDIDATES:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit(f"load.py: no Chromium at {override or ', '.join(CHROMIUM_CANDIDATES)} "
                     "(apt-get install chromium; never `playwright install`)")


async def run_browser(args, base_url: str, server_pid: int | None, deadline: float) -> list[dict]:
    """Every page's round with browser visitors (one headless Chromium, a context per visitor)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            def visit_all(name: str):
                timeout_ms = 1e3 * max(5.0, min(args.op_timeout, deadline - time.monotonic()))
                return asyncio.gather(*(
                    visit(browser, base_url, name, PAGES[name], i, args.moves, pauses_for(i, args),
                          timeout_ms, arrival_delay(i, args.visitors, args.ramp), deadline)
                    for i in range(args.visitors)))

            return await run_pages(args.pages, deadline,
                                   lambda name: run_page(name, lambda: visit_all(name), server_pid))
        finally:
            await browser.close()


async def run_ws(args, base_url: str, server_pid: int | None, deadline: float) -> list[dict]:
    """Every page's round with websocket visitors (``load_ws.py``)."""
    import load_ws

    return await run_pages(args.pages, deadline, lambda name: run_page(
        name, lambda: load_ws.visit_all(base_url, name, PAGES[name], args, deadline), server_pid))


PROTOCOLS = {"browser": run_browser, "ws": run_ws}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--protocol", choices=sorted(PROTOCOLS), default="browser",
                        help="browser: Playwright browser contexts (default); ws: Voila's page and kernel "
                        "websocket spoken directly, no browser")
    parser.add_argument("--visitors", type=int, default=3, help="simultaneous visitors per page (default 3)")
    parser.add_argument("--moves", type=int, default=5, help="slider moves per visitor (default 5)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds a visitor waits before each move (the first included), as a "
                        "student looks at the plot (default 0: moves back to back, the first as soon "
                        "as the page is drawn)")
    parser.add_argument("--think-spread", type=float, default=0.5,
                        help="each pause is drawn from think x [1 - F, 1 + F], seeded per visitor "
                        "(default 0.5; 0: all visitors move in step, the worst case)")
    parser.add_argument("--pages", default="index,calculator,mode_seeking",
                        help=f"comma-separated, from {', '.join(PAGES)} "
                        "(default: index, calculator, mode_seeking)")
    parser.add_argument("--pool-size", action="append", default=[], metavar="PAGE=N",
                        help="preheat N kernels for PAGE for this run instead of voila.json's pool "
                        "(repeatable), e.g. --pool-size calculator=20")
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
    parser.add_argument("--server-log", type=Path, help="keep the started server's log in this file")
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
    if not 0 <= args.think <= MAX_THINK_S:
        parser.error(f"--think must be between 0 and {MAX_THINK_S:.0f} seconds")
    if not 0 <= args.think_spread <= 1:
        parser.error("--think-spread must be between 0 and 1")
    if not 0 < args.timeout <= 3600:
        parser.error("--timeout must be in (0, 3600] seconds")
    if not 0 < args.op_timeout <= args.timeout:
        parser.error("--op-timeout must be positive and at most --timeout")
    if not 0 <= args.ramp <= args.timeout:
        parser.error("--ramp must be between 0 and --timeout")
    try:
        args.pool_size = dict(parse_pool_size(p) for p in args.pool_size)
    except ValueError as exc:
        parser.error(str(exc))
    if args.url:
        if urlparse(args.url).hostname not in LOOPBACK:
            parser.error(f"--url must be a loopback address ({', '.join(sorted(LOOPBACK))}), not {args.url}")
        if args.pool_size or args.server_arg or args.server_log:
            parser.error("--pool-size, --server-arg and --server-log configure the server started here, "
                         "not one given with --url")
    return args


def server_options(args) -> tuple[list[str], dict[str, dict]]:
    """The explorer-app options for this run, and the preheated pools the server will hold."""
    options = list(args.server_arg)
    if not any(a.startswith("--max-kernels") for a in options):
        # the cap must admit every visitor, unless the caller is testing the cap itself
        options.append(f"--max-kernels={args.visitors + 2}")
    pools = voila_pools()
    if args.pool_size:
        pools = pools_with(args.pool_size)
        options.append("--VoilaKernelManager.kernel_pools_config=" + json.dumps(pools, separators=(",", ":")))
    if any("preheat_kernel=False" in a for a in options):
        pools = {}
    return options, pools


def main(argv=None) -> int:
    args = parse_args(argv)
    proc = None
    load_before = os.getloadavg()
    cpu0 = time.process_time()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dx-load-") as tmp:
        log_path = args.server_log or Path(tmp) / "server.log"
        try:
            if args.url:
                base_url, server_pid = args.url.rstrip("/"), args.server_pid
            else:
                options, pools = server_options(args)
                proc, base_url = start_server(options, log_path)
                server_pid = proc.pid
                if pool_kernel_count(pools) and not args.cold:
                    waited = wait_pools_filled(log_path, pools, timeout=min(600.0, args.timeout / 2))
                    waited += wait_kernels_idle(server_pid, timeout=min(600.0, args.timeout / 2))
                    print(f"load.py: {pool_kernel_count(pools)} preheated kernel(s) ready after "
                          f"{waited:.0f} s", file=sys.stderr)
            results = asyncio.run(PROTOCOLS[args.protocol](args, base_url, server_pid,
                                                           deadline=t0 + args.timeout))
        finally:
            if proc is not None:
                stop_server(proc)
        failed_log = log_path.read_text(errors="replace")[-4000:] if log_path.exists() else ""
    load_after = os.getloadavg()
    own_cpu = time.process_time() - cpu0
    print(f"\n{args.protocol} protocol: {args.visitors} visitor(s) per page, {args.moves} move(s) each, "
          f"think {args.think:g} s ± {args.think_spread:.0%}, {time.monotonic() - t0:.0f} s; "
          f"{os.cpu_count()} CPUs, load average "
          f"{load_before[0]:.1f} before / {load_after[0]:.1f} after; load generator CPU {own_cpu:.1f} s; "
          f"{time.strftime('%Y-%m-%d %H:%M')}\n")
    print(table(results))
    errors = [(r["page"], e) for r in results for e in r["errors"]]
    for page, error in errors[:20]:
        print(f"  {page}: {error}")
    notes = [(r["page"], n) for r in results for n in r.get("notes", [])]
    for page, note in notes[:10]:
        print(f"  note, {page}: {note}")
    if errors and proc is not None:
        print("\nlast lines of the server log:\n" + failed_log[-1500:])
    if args.json:
        meta = {"protocol": args.protocol, "visitors": args.visitors, "moves": args.moves,
                "think": args.think, "think_spread": args.think_spread, "pool_size": args.pool_size,
                "cpus": os.cpu_count(),
                "load_before": load_before, "load_after": load_after, "generator_cpu_s": own_cpu,
                "date": time.strftime("%Y-%m-%d %H:%M")}
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
