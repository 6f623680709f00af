"""What ``benchmarks/load.py``'s two kinds of visitor share: pages, bounds, the server, memory,
statistics and the report.

``load.py --protocol browser`` (Playwright browser contexts, ``load.py``) and ``--protocol ws``
(Voila's page and kernel websocket spoken directly, ``load_ws.py``) differ only in how one
visitor opens a page and moves its slider; each produces :class:`Visit` records, and everything
around them -- starting and stopping the app, preheated pools, memory sampling, kernels left
behind, percentiles, the table -- lives here.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from explorer.app import stop_app

REPO_ROOT = Path(__file__).resolve().parents[1]
MAX_VISITORS = 60
MAX_MOVES = 200
MAX_THINK_S = 60.0
MAX_POOL = 60  # preheated kernels for one page
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
QUIET_BEFORE_MS = 300  # the page must be still this long before a move (previous move finished)
QUIET_AFTER_MS = 500  # ... and after a move, to call it settled
ERROR_TEXTS = ("Traceback", "There was an error when executing")


@dataclass(frozen=True)
class Page:
    """One page of the app as the load test drives it.

    ``root``/``plot``/``slider`` are CSS selectors of the UI's contract (browser visitors);
    ``slider_class`` is the prefix of a ``_dom_classes`` entry that marks the same slider in the
    widget state (websocket visitors; None: the first slider of the page, in display order).
    """

    notebook: str
    root: str  # the page's root widget: visible = rendered
    plot: str | None = None  # a plotly plot inside root that must have data to count as rendered
    slider: str | None = None  # the slider handle(s) moved; first match wins; None: no moves
    slider_class: str | None = None


PAGES = {
    "index": Page("00_index.ipynb", root=".dx-index"),
    "calculator": Page(
        "01_divergence_calculator.ipynb", root=".dx-calculator", plot=".js-plotly-plot",
        slider='[class*="dx-p-"] .noUi-handle, .noUi-handle', slider_class="dx-p-",
    ),
    "mode_seeking": Page(
        "02_mode_seeking.ipynb", root=".dx-mode-seeking", plot=".js-plotly-plot",
        slider='[class*="dx-t-"] .noUi-handle, .noUi-handle', slider_class="dx-t-",
    ),
    "kde": Page("03_kde.ipynb", root=".dx-kde", plot=".js-plotly-plot", slider=".noUi-handle"),
    "information": Page("04_information_bottleneck.ipynb", root=".dx-information", plot=".js-plotly-plot",
                        slider=".noUi-handle"),
    "distillation": Page("05_distillation_alignment.ipynb", root=".dx-distill-lab", plot=".js-plotly-plot",
                         slider=".noUi-handle"),
}


@dataclass
class Visit:
    """What one visitor saw.  Times: ``first_render_s`` from the page request; ``*_ms`` per move,
    from the move (see each protocol's module for the exact events)."""

    page: str
    index: int
    first_render_s: float | None = None
    busy: bool = False
    kernel_id: str | None = None
    response_ms: list[float] = field(default_factory=list)
    plot_ms: list[float] = field(default_factory=list)
    settled_ms: list[float] = field(default_factory=list)
    idle_ms: list[float] = field(default_factory=list)  # ws only: the kernel's idle for the move
    #: Wall-clock time (epoch s) each move in ``response_ms`` was made: to line the slow moves up
    #: with what the server did then (its log, a refill starting).
    moved_at: list[float] = field(default_factory=list)
    #: Wall-clock time (epoch s) the first render was complete (the first move comes a think
    #: pause after it).
    drawn_at: float | None = None
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # not errors, but worth knowing (see the table)


#: One visitor's round: its record, and how to close it as a leaving visitor does (the kernel's
#: RSS is read between the two).
VisitResult = tuple[Visit, Callable[[], Awaitable[None]]]


def pct(values, q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation (numpy's default); None for no values."""
    xs = sorted(v for v in values if v is not None)
    if not xs:
        return None
    pos = q * (len(xs) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def think_pauses(index: int, think: float, spread: float):
    """Visitor ``index``'s pauses, one before each move (the first included): ``think`` s each,
    drawn uniformly from ``think·[1 − spread, 1 + spread]`` by a generator seeded with ``index``
    (the same run, the same pauses). ``spread`` 0 keeps every visitor in step: a class that
    arrived together then moves its sliders at the same instants, every time -- the worst case,
    not a class."""
    rng = random.Random(1_000_003 + index)
    while True:
        yield think * (1.0 + spread * (2.0 * rng.random() - 1.0))


def pauses_for(index: int, args):
    """:func:`think_pauses` for visitor ``index`` from the command line's ``--think`` and
    ``--think-spread`` (None without think time)."""
    return think_pauses(index, args.think, args.think_spread) if args.think > 0 else None


def arrival_delay(index: int, visitors: int, ramp: float) -> float:
    """Seconds visitor ``index`` waits before arriving: arrivals spread evenly over ``ramp``."""
    return ramp * index / (visitors - 1) if visitors > 1 else 0.0


# --- the server and its memory ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(extra: list[str], log_path: Path, timeout: float = 120) -> tuple[subprocess.Popen, str]:
    """Start ``python -m explorer`` on a free 127.0.0.1 port (own session, log to ``log_path``);
    return the process and its base URL once it listens."""
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


def voila_pools(repo_root: Path = REPO_ROOT) -> dict[str, dict]:
    """``VoilaKernelManager.kernel_pools_config`` of the repository's voila.json ({} if preheat
    is off)."""
    conf = json.loads((repo_root / "voila.json").read_text())
    if not conf.get("VoilaConfiguration", {}).get("preheat_kernel"):
        return {}
    return conf.get("VoilaKernelManager", {}).get("kernel_pools_config", {})


def pools_with(sizes: dict[str, int], repo_root: Path = REPO_ROOT) -> dict[str, dict]:
    """voila.json's pools with ``sizes`` ({page name or notebook: pool size}) put in.  A traitlets
    option replaces the whole dict, so the result carries every page's setting."""
    pools = {name: dict(conf) for name, conf in voila_pools(repo_root).items()}
    pools.setdefault("default", {"pool_size": 0})
    for name, size in sizes.items():
        notebook = PAGES[name].notebook if name in PAGES else name
        pools.setdefault(notebook, {})["pool_size"] = int(size)
    return pools


def parse_pool_size(text: str) -> tuple[str, int]:
    """``PAGE=N`` (a page of :data:`PAGES` or a notebook file name) -> (page, N); ValueError else."""
    name, sep, size = text.partition("=")
    name = name.strip().removesuffix(".ipynb")
    known = {p.notebook.removesuffix(".ipynb"): key for key, p in PAGES.items()}
    name = known.get(name, name)
    if not sep or name not in PAGES:
        raise ValueError(f"--pool-size wants PAGE=N with PAGE one of {', '.join(PAGES)}, not {text!r}")
    try:
        n = int(size)
    except ValueError:
        raise ValueError(f"--pool-size {text!r}: N must be an integer") from None
    if not 0 <= n <= MAX_POOL:
        raise ValueError(f"--pool-size {text!r}: N must be between 0 and {MAX_POOL}")
    return name, n


def pool_kernel_count(pools: dict[str, dict], repo_root: Path = REPO_ROOT) -> int:
    """Preheated kernels those pools hold (notebooks that exist; ``default`` is 0 in tree mode)."""
    notebooks = repo_root / "notebooks"
    return sum(int(c.get("pool_size", 0)) for name, c in pools.items()
               if name != "default" and (notebooks / name).is_file())


def wait_pools_filled(log_path: Path, pools: dict[str, dict], timeout: float) -> float:
    """Wait until the server log reports every non-empty pool filled; return the seconds waited."""
    wanted = {name for name, c in pools.items() if name != "default" and c.get("pool_size", 0) > 0}
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        text = log_path.read_text(errors="replace")
        if all(f"Kernel pool of {name} is filled" in text for name in wanted):
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
    """SIGTERM (Voila shuts its kernels down), then SIGKILL to the server's own process group."""
    stop_app(proc)


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
    """Samples the server's and its kernels' RSS every ``interval`` s in a thread; keeps peaks,
    and the CPU time (user + system) the server and the kernels used while it ran (a kernel's
    from its first sample, i.e. after its start for a kernel started during the round)."""

    def __init__(self, server_pid: int | None, interval: float = 0.5):
        self.server_pid = server_pid
        self.interval = interval
        self.peak_server = 0.0
        self.peak_total = 0.0
        self.peak_kernels = 0
        self.server_cpu_s: float | None = None
        self._cpu0: float | None = None
        self._kernel_cpu: dict[int, list[float]] = {}  # pid: [first, last] CPU seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _cpu(self) -> float | None:
        import psutil

        try:
            t = psutil.Process(self.server_pid).cpu_times()
            return t.user + t.system
        except psutil.Error:
            return None

    def __enter__(self):
        if self.server_pid is not None:
            self._cpu0 = self._cpu()
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        if self._cpu0 is not None and (cpu := self._cpu()) is not None:
            self.server_cpu_s = cpu - self._cpu0

    def sample(self) -> None:
        import psutil

        try:
            server = rss_mib(psutil.Process(self.server_pid)) or 0.0
        except psutil.Error:
            return
        kernels = kernel_processes(self.server_pid)
        total = server + sum(rss_mib(p) or 0.0 for p in kernels.values())
        for p in kernels.values():
            try:
                t = p.cpu_times()
            except psutil.Error:
                continue
            self._kernel_cpu.setdefault(p.pid, [t.user + t.system, 0.0])[1] = t.user + t.system
        self.peak_server = max(self.peak_server, server)
        self.peak_total = max(self.peak_total, total)
        self.peak_kernels = max(self.peak_kernels, len(kernels))

    @property
    def kernels_cpu_s(self) -> float | None:
        """CPU seconds all kernels used during the round (as sampled)."""
        if not self._kernel_cpu:
            return None
        return sum(max(0.0, last - first) for first, last in self._kernel_cpu.values())

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)


# --- a round of visitors on one page -----------------------------------------------------------------


async def run_page(name: str, visit_all: Callable[[], Awaitable[list[VisitResult]]],
                   server_pid: int | None) -> dict:
    """Run one page's visitors (``visit_all``), read their kernels' memory while their pages are
    still open, close them as leaving visitors do, count kernels left 10 s later, summarise."""
    with MemorySampler(server_pid) as sampler:
        outcomes = await visit_all()
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
        closed = await asyncio.gather(*(close() for _, close in outcomes), return_exceptions=True)
        for exc in closed:
            if isinstance(exc, Exception):
                print(f"load.py: closing a visitor: {exc!r}", file=sys.stderr)
    left = None
    if server_pid is not None:
        ids = {v.kernel_id for v in visits if v.kernel_id}
        t_end = time.monotonic() + 10
        while time.monotonic() < t_end:
            left = len(ids & set(kernel_processes(server_pid)))
            if left == 0:
                break
            await asyncio.sleep(0.5)
    return summarise(name, visits, sampler, kernel_rss, torch_loaded, left)


def summarise(name: str, visits: Sequence[Visit], sampler: MemorySampler, kernel_rss: list,
              torch_loaded: list, kernels_left: int | None) -> dict:
    """One page's row: counts, percentiles, errors, memory."""
    renders = [v.first_render_s for v in visits]

    def moves(attr: str) -> list[float]:
        return [x for v in visits for x in getattr(v, attr)]

    def quantiles(xs, with_max: bool = True) -> dict:
        out = {"p50": pct(xs, 0.5), "p95": pct(xs, 0.95)}
        if with_max:
            out["max"] = pct(xs, 1)
        return out

    return {
        "page": name,
        "visitors": len(visits),
        "rendered": sum(r is not None for r in renders),
        "busy": sum(v.busy for v in visits),
        "moves": len(moves("response_ms")),
        "first_render_s": quantiles(renders),
        "response_ms": quantiles(moves("response_ms")),
        "plot_ms": quantiles(moves("plot_ms"), False),
        "settled_ms": quantiles(moves("settled_ms"), False),
        "idle_ms": quantiles(moves("idle_ms"), False),
        "errors": [e for v in visits for e in v.errors],
        "notes": [n for v in visits for n in v.notes],
        "server_rss_mib": sampler.peak_server or None,
        "server_cpu_s": sampler.server_cpu_s,
        "kernels_cpu_s": sampler.kernels_cpu_s,
        "total_rss_mib": sampler.peak_total or None,
        "peak_kernels": sampler.peak_kernels or None,
        "kernel_rss_mib": statistics.median(kernel_rss) if kernel_rss else None,
        "torch_in_kernel": (all(torch_loaded) if torch_loaded and None not in torch_loaded else None),
        "kernels_left": kernels_left,
        "visits": [asdict(v) for v in visits],
    }


async def run_pages(pages: Sequence[str], deadline: float,
                    round_for: Callable[[str], Awaitable[dict]]) -> list[dict]:
    """Each page's round in turn (``round_for(name)``), within the run's ``deadline``."""
    results = []
    for name in pages:
        if time.monotonic() > deadline:
            print(f"load.py: --timeout reached, {name} skipped", file=sys.stderr)
            break
        try:
            results.append(await asyncio.wait_for(round_for(name),
                                                  timeout=max(1.0, deadline - time.monotonic()) + 30))
        except TimeoutError:
            results.append({"page": name, "errors": ["the round exceeded --timeout"], "visitors": 0})
    return results


# --- report -----------------------------------------------------------------------------------------


def _f(x, fmt: str = "{:.0f}") -> str:
    return "—" if x is None else fmt.format(x)


def table(results: list[dict]) -> str:
    """The results as a Markdown table, one row per page."""
    head = ("| page | visitors (rendered / busy) | first render p50 / p95 / max (s) "
            "| response p50 / p95 (ms) | plot p50 / p95 (ms) | settled p50 / p95 (ms) | idle p50 / p95 (ms) "
            "| moves | errors | server RSS (MiB) | server CPU (s) | kernels CPU (s) | kernels (peak) "
            "| kernels RSS peak (MiB) | kernel RSS (MiB) | torch | kernels left |")
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    columns = head.count(" | ") + 1
    for r in results:
        if "first_render_s" not in r:  # the round did not finish: only its errors are known
            cells = [r["page"], *["—"] * (columns - 1)]
            cells[8] = str(len(r["errors"]))
            lines.append("| " + " | ".join(cells) + " |")
            continue
        fr, rs, pl, st = r["first_render_s"], r["response_ms"], r["plot_ms"], r["settled_ms"]
        idle = r.get("idle_ms") or {"p50": None, "p95": None}
        torch = {True: "yes", False: "no", None: "—"}[r["torch_in_kernel"]]
        lines.append(
            f"| {r['page']} | {r['visitors']} ({r['rendered']} / {r['busy']}) "
            f"| {_f(fr['p50'], '{:.1f}')} / {_f(fr['p95'], '{:.1f}')} / {_f(fr['max'], '{:.1f}')} "
            f"| {_f(rs['p50'])} / {_f(rs['p95'])} | {_f(pl['p50'])} / {_f(pl['p95'])} "
            f"| {_f(st['p50'])} / {_f(st['p95'])} | {_f(idle['p50'])} / {_f(idle['p95'])} "
            f"| {r['moves']} | {len(r['errors'])} "
            f"| {_f(r['server_rss_mib'])} | {_f(r.get('server_cpu_s'), '{:.1f}')} "
            f"| {_f(r.get('kernels_cpu_s'), '{:.1f}')} | {_f(r.get('peak_kernels'), '{}')} "
            f"| {_f(r['total_rss_mib'])} "
            f"| {_f(r['kernel_rss_mib'])} | {torch} | {_f(r['kernels_left'], '{}')} |"
        )
    return "\n".join(lines)
