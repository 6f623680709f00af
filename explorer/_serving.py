"""Serving a class: a cap on visitors' kernels, closed tabs' kernels freed, idle visitors culled.

Voila starts one kernel (a Python process, 200-400 MB) per open page.  With a room of visitors
the server runs out of memory long before it runs out of CPU, so ``explorer-app`` adds:

* :class:`KernelCap` -- at most ``max_kernels`` visitor kernels at a time.  A page request beyond
  the cap gets HTTP 503 with a short, readable "busy, try again in a minute" page
  (:func:`busy_page`, ``Retry-After`` header, reloads itself) instead of a kernel the machine cannot
  hold.  Preheated pool kernels waiting for a visitor do not count; a kernel counts from the
  moment its page is requested until it is shut down (tab closed, culled, server stopped).
* :func:`make_render_handler` -- Voila's render handler with that admission check.  It also sets
  the ``_xsrf`` cookie that the page's "tab closed" beacon sends back, so Voila's
  ``/voila/api/shutdown/<kernel>`` accepts it and the kernel goes at once (without the cookie the
  beacon is refused with 403 and the kernel lingers until culled: voila issue #1458).
* :func:`discard_dead_pool_kernels` -- before a visitor is handed a preheated kernel, kernels of
  that page's pool that failed to start or died (seen here: ``zmq.error.ZMQError: Address already
  in use`` when two kernels race for a port) are dropped and replaced.  Voila hands them out as they
  are: the visitor got an empty page, and a pool entry whose start raised was never refilled.
* :func:`limit_pool_refills` -- a page's pool refills after each visitor takes a kernel, and a class
  arriving at once emptied a 20-kernel pool and started 20 replacements (each imports numpy,
  plotly, torch and runs the notebook: ~4 s of CPU) on the cores its visitors were rendering on.
  Refills now start at most ``concurrency`` at a time, each holding its slot until its notebook
  has run; the pool filled at start-up is not affected.
* :class:`VisitorKernelManager` -- jupyter_server's kernel manager plus a second culling rule:
  ``cull_connected_timeout`` shuts down kernels whose page is still open but unused for that
  long (``MappingKernelManager.cull_idle_timeout`` with ``cull_connected=False`` handles pages
  that are gone).

:func:`default_max_kernels` sizes the cap for the machine.  This module imports tornado and
jupyter_server; only ``explorer.app`` imports it (``import explorer`` stays light).
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from jupyter_core.utils import ensure_async
from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Integer

#: Resident memory of one visitor's kernel, MiB: the heaviest page (the mode-seeking page, 443 MiB,
#: torch loaded) as measured by ``benchmarks/load.py`` (docs/deploy.md), rounded up.
KERNEL_RSS_MIB = 450
#: The Voila server process itself, MiB (measured 130-390 MiB, growing with open pages).
SERVER_RSS_MIB = 400
#: Share of the machine's memory the kernels may use when the cap is sized automatically.
MEMORY_SHARE = 0.75
#: Visitors per CPU core when the cap is sized automatically: kernels are idle most of the time
#: (a slider move costs 10-60 ms of compute on the calculator), so a core serves many visitors.
VISITORS_PER_CORE = 10
#: Seconds a visitor is asked to wait (``Retry-After``; the busy page reloads itself after that).
RETRY_AFTER = 60
#: Seconds to wait for a preheated kernel to answer before giving up on it (nbclient's default
#: ``startup_timeout``, which Voila would wait anyway).
POOL_KERNEL_STARTUP_TIMEOUT = 60.0
#: Seconds a pool refill holds its slot at most while its notebook runs (Voila's execution timeout
#: is 120 s per cell; a refill is normally done in 3-5 s on an idle core).
REFILL_SLOT_SECONDS = 120.0
#: A refill also waits while more than this share of the machine's CPU is busy (visitors moving
#: sliders), sampled every REFILL_SAMPLE_SECONDS, for at most REFILL_MAX_WAIT seconds, unless a
#: visitor is waiting for it (:func:`hurry_pool_refills`).
REFILL_BUSY_SHARE = 0.5
REFILL_SAMPLE_SECONDS = 0.5
REFILL_MAX_WAIT = 120.0


def cpu_times() -> tuple[float, float] | None:
    """(busy, total) CPU time of the whole machine in clock ticks, from /proc/stat (None elsewhere)."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [float(v) for v in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    if len(fields) < 5:
        return None
    idle = fields[3] + fields[4]  # idle + iowait
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal (guests are in user)
    return total - idle, total


async def wait_for_quiet_cpu(hurry: asyncio.Event, busy_share: float = REFILL_BUSY_SHARE,
                             sample: float = REFILL_SAMPLE_SECONDS, max_wait: float = REFILL_MAX_WAIT,
                             times: Callable[[], tuple[float, float] | None] = cpu_times) -> str:
    """Wait until the CPU is quiet: ``"quiet"``, ``"hurried"`` (``hurry`` was set), ``"timeout"``
    after ``max_wait`` s, or ``"unknown"`` at once when the CPU load cannot be read."""
    before = times()
    if before is None:
        return "unknown"
    deadline = time.monotonic() + max_wait
    while True:
        try:
            await asyncio.wait_for(hurry.wait(), sample)
            return "hurried"
        except TimeoutError:
            pass
        now = times()
        if now is None:
            return "unknown"
        span = now[1] - before[1]
        if span > 0 and (now[0] - before[0]) / span < busy_share:
            return "quiet"
        if time.monotonic() >= deadline:
            return "timeout"
        before = now


def memory_bytes() -> int | None:
    """Memory available to this process: physical RAM, or the cgroup (container) limit if lower."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = None
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            limit = int(text)
            if total is None or limit < total:
                total = limit
        break
    return total


def default_max_kernels(
    mem_bytes: int | None = None,
    cpus: int | None = None,
    *,
    pool_kernels: int = 0,
    kernel_rss_mib: float = KERNEL_RSS_MIB,
) -> int:
    """The kernel cap sized for the machine.

    ``min(VISITORS_PER_CORE * cpus, floor((MEMORY_SHARE * mem - server - pool_kernels * kernel) /
    kernel))``, at least 1.  ``mem_bytes`` and ``cpus`` default to this machine's
    (:func:`memory_bytes`, ``os.cpu_count()``); ``pool_kernels`` is the number of preheated kernels
    that live next to the visitors' kernels.
    """
    if mem_bytes is None:
        mem_bytes = memory_bytes()
    if cpus is None:
        cpus = os.cpu_count() or 1
    if cpus < 1:
        raise ValueError(f"cpus must be at least 1, got {cpus}")
    if kernel_rss_mib <= 0:
        raise ValueError(f"kernel_rss_mib must be positive, got {kernel_rss_mib}")
    by_cpu = VISITORS_PER_CORE * cpus
    if mem_bytes is None:
        return max(1, by_cpu)
    budget_mib = MEMORY_SHARE * mem_bytes / 2**20 - SERVER_RSS_MIB - pool_kernels * kernel_rss_mib
    by_memory = int(budget_mib // kernel_rss_mib)
    return max(1, min(by_cpu, by_memory))


def busy_page(retry_after: int = RETRY_AFTER, max_kernels: int | None = None) -> str:
    """The HTML shown (with HTTP 503) when every kernel slot is taken: readable, self-contained
    (no scripts, no external assets), and it reloads itself after ``retry_after`` seconds."""
    minutes = max(1, round(retry_after / 60))
    wait = "a minute" if minutes == 1 else f"{minutes} minutes"
    if max_kernels:
        plural = "s" if max_kernels != 1 else ""
        who = f"It is already serving {max_kernels} visitor{plural}, as many as it can hold"
    else:
        who = "It is serving as many visitors as it can hold"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{int(retry_after)}">
<title>Divergence Explorer is busy</title>
<style>
  body {{ font-family: system-ui, sans-serif; max-width: 36em; margin: 4em auto; padding: 0 1em;
         color: #222; line-height: 1.5; }}
  h1 {{ font-size: 1.5em; }}
  a {{ color: #1f5fa8; }}
</style>
</head>
<body class="dx-busy">
<h1>The Divergence Explorer is busy</h1>
<p>{html.escape(who)}. Please try again in {wait}: this page reloads itself, or
<a href="">reload it</a> yourself.</p>
<p>Each visitor gets a live Python session; a session is freed when its page is closed or has been
unused for a while.</p>
</body>
</html>
"""


@dataclass
class Ticket:
    """One admitted page request; ``kernel_id`` is set once its kernel is known."""

    kernel_id: str | None = None
    released: bool = False


class KernelCap:
    """At most ``max_kernels`` visitor kernels at a time (``max_kernels <= 0``: no cap).

    A request is admitted (:meth:`admit` returns a :class:`Ticket`) when the live visitor kernels
    plus the admitted requests whose kernel is not known yet are fewer than ``max_kernels``.
    :meth:`bind` records the request's kernel; :meth:`release` ends the request (a ticket never
    bound frees its slot).  ``alive(kernel_id)`` tells whether a recorded kernel still runs, so
    kernels shut down by any route (tab closed, culled) free their slot without a callback.
    All calls happen on the server's event loop thread: no locking needed.
    """

    def __init__(self, max_kernels: int):
        self.max_kernels = int(max_kernels)
        self._kernels: set[str] = set()
        self._pending: set[int] = set()

    @property
    def enabled(self) -> bool:
        return self.max_kernels > 0

    def in_use(self, alive: Callable[[str], bool]) -> int:
        """Slots taken: live visitor kernels plus admitted requests without a kernel yet."""
        self._kernels = {k for k in self._kernels if alive(k)}
        return len(self._kernels) + len(self._pending)

    def admit(self, alive: Callable[[str], bool]) -> Ticket | None:
        """A ticket if a slot is free, else None (the caller shows the busy page)."""
        if self.enabled and self.in_use(alive) >= self.max_kernels:
            return None
        ticket = Ticket()
        self._pending.add(id(ticket))
        return ticket

    def bind(self, ticket: Ticket, kernel_id: str) -> None:
        if ticket.released or ticket.kernel_id is not None:
            return
        ticket.kernel_id = kernel_id
        self._pending.discard(id(ticket))
        self._kernels.add(kernel_id)

    def release(self, ticket: Ticket) -> None:
        """The request is over; a ticket that never got a kernel frees its slot."""
        ticket.released = True
        self._pending.discard(id(ticket))


class _BindingKernelManager:
    """The kernel manager as seen by one render request: the kernel it starts (or takes from the
    preheated pool) is recorded on the request's ticket.  Everything else is passed through."""

    def __init__(self, manager, cap: KernelCap, ticket: Ticket):
        self._manager = manager
        self._cap = cap
        self._ticket = ticket

    def __getattr__(self, name):
        return getattr(self._manager, name)

    async def start_kernel(self, *args, **kwargs):
        kernel_id = await ensure_async(self._manager.start_kernel(*args, **kwargs))
        self._cap.bind(self._ticket, kernel_id)
        return kernel_id

    async def get_rendered_notebook(self, *args, **kwargs):
        result = await self._manager.get_rendered_notebook(*args, **kwargs)
        self._cap.bind(self._ticket, result[2])  # (render task, rendered cells, kernel id)
        return result


def make_render_handler(base: type, cap: KernelCap, retry_after: int = RETRY_AFTER) -> type:
    """Voila's notebook render handler ``base`` with the kernel cap and the closing-beacon cookie."""

    class CappedRenderHandler(base):
        _dx_ticket: Ticket | None = None

        @property
        def kernel_manager(self):
            manager = self.settings["kernel_manager"]
            if self._dx_ticket is None:
                return manager
            return _BindingKernelManager(manager, cap, self._dx_ticket)

        async def get(self, path=None):
            manager = self.settings["kernel_manager"]
            ticket = cap.admit(lambda kernel_id: kernel_id in manager)
            if ticket is None:
                self.log.warning(
                    "Kernel cap reached (%d visitor kernels): busy page for %s",
                    cap.max_kernels, self.request.path,
                )
                self.set_status(503)
                self.set_header("Retry-After", str(int(retry_after)))
                self.set_header("Content-Type", "text/html; charset=UTF-8")
                self.set_header("Cache-Control", "no-cache, no-store, must-revalidate")
                self.finish(busy_page(retry_after, cap.max_kernels if cap.enabled else None))
                return
            self._dx_ticket = ticket
            # Reading xsrf_token sets the _xsrf cookie; the page's beforeunload beacon posts it to
            # /voila/api/shutdown/<kernel>, which otherwise refuses with 403 (voila#1458).
            _ = self.xsrf_token
            try:
                hurry_pool_refills(manager, self.notebook_path or path)
                await discard_dead_pool_kernels(manager, self.notebook_path or path, log=self.log)
                await super().get(path)
            finally:
                cap.release(ticket)

    CappedRenderHandler.__name__ = CappedRenderHandler.__qualname__ = f"Capped{base.__name__}"
    return CappedRenderHandler


async def _pool_item_problem(manager, task: asyncio.Future, wait: float) -> str | None:
    """Why the pool entry ``task`` cannot serve a visitor, or None if it can (or cannot be judged).

    ``wait`` > 0: wait up to that long for the entry to start and its kernel to answer
    ``kernel_info`` (Voila's renderer has a kernel client once it has); 0: judge it as it is now.
    """
    deadline = time.monotonic() + wait
    if not task.done():
        if wait <= 0:
            return None
        await asyncio.wait([task], timeout=wait)
        if not task.done():
            return None
    if task.cancelled():
        return "its start was cancelled"
    if task.exception() is not None:
        return f"its start failed: {task.exception()!r}"
    content = task.result()
    kernel_id = content.get("kernel_id")
    if kernel_id is None or kernel_id not in manager:
        return "its kernel is gone"
    render = content.get("task")
    renderer = content.get("renderer")
    while True:
        if render is not None and render.done():
            if render.cancelled():
                return "its rendering was cancelled"
            if render.exception() is not None:
                return f"its rendering failed: {render.exception()!r}"
            return None
        try:
            alive = await ensure_async(manager.get_kernel(kernel_id).is_alive())
        except KeyError:
            return "its kernel is gone"
        if not alive:
            return "its kernel process has exited"
        if getattr(getattr(renderer, "executor", None), "kc", None) is not None:
            return None  # the kernel answered kernel_info: it runs the page
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(0.05)


async def discard_dead_pool_kernels(
    manager,
    notebook_path: str | None,
    *,
    wait: float = POOL_KERNEL_STARTUP_TIMEOUT,
    log: logging.Logger | None = None,
) -> int:
    """Drop the preheated kernels of ``notebook_path`` that cannot serve a visitor; refill the pool.

    Voila's pool (``manager._pools[notebook_path]``, a list of start tasks) hands its first entry to
    the next visitor as it is.  An entry whose start raised made that visitor's request fail and was
    never replaced; an entry whose kernel died at start (``ZMQError: Address already in use`` when
    two kernels race for a port) gave the visitor an empty page.  This waits (up to ``wait``
    seconds, as Voila would) for the first entry's kernel to answer, drops every entry that failed,
    whose kernel exited or whose rendering failed -- shutting its kernel down -- and asks the pool
    to refill (``fill_if_needed``), repeating until the first entry is healthy or the pool is empty
    (then Voila starts a fresh kernel for the visitor).  Returns the number of entries dropped.
    Managers without pools (preheating off, the server extension) are left alone.
    """
    log = log or logging.getLogger(__name__)
    pools = getattr(manager, "_pools", None)
    if not isinstance(pools, dict) or notebook_path not in pools:
        return 0
    dropped = 0
    while True:
        pool = pools.get(notebook_path) or []
        bad = []
        for index, task in enumerate(list(pool)):
            problem = await _pool_item_problem(manager, task, wait if index == 0 else 0.0)
            if problem is not None:
                bad.append((task, problem))
        if not bad:
            return dropped
        for task, problem in bad:
            if task in pool:
                pool.remove(task)
            dropped += 1
            kernel_id = None
            if task.done() and not task.cancelled() and task.exception() is None:
                kernel_id = task.result().get("kernel_id")
            log.warning(
                "Preheated kernel %s for %s dropped: %s; starting a replacement.",
                kernel_id or "(none)", notebook_path, problem,
            )
            if kernel_id is not None and kernel_id in manager:
                try:
                    await ensure_async(manager.shutdown_kernel(kernel_id, now=True))
                except Exception as exc:  # a dead kernel may refuse; it is gone anyway
                    log.debug("Shutting down dropped kernel %s: %r", kernel_id, exc)
        if dropped > 4 * max(1, len(pool) + len(bad)):
            log.error("Preheated kernels for %s keep failing; visitors get fresh kernels.", notebook_path)
            return dropped
        manager.fill_if_needed(delay=0, notebook_name=notebook_path)


def limit_pool_refills(manager, concurrency: int, slot_seconds: float = REFILL_SLOT_SECONDS,
                       log: logging.Logger | None = None,
                       quiet: Callable[[asyncio.Event], Awaitable[str]] | None = wait_for_quiet_cpu) -> bool:
    """Start the preheated pool's refills when the CPU is quiet, at most ``concurrency`` at a time
    (0: no limit) — but at once for a visitor who is waiting for one.

    Voila's pooled kernel manager refills a page's pool ``fill_delay`` after each visitor takes a
    kernel, every missing kernel at once (``_initialize`` with no ``kernel_id``: start a kernel,
    then run the notebook in it as a background task). Wrapped here: a refill first waits
    (``quiet``, default :func:`wait_for_quiet_cpu`) until the visitors leave the CPU half idle,
    then for one of ``concurrency`` slots, starts its kernel and frees the slot when its notebook
    has run (or after ``slot_seconds``, or if the start fails). When a visitor arrives to a pool
    whose next entry is such a waiting refill (:func:`hurry_pool_refills`, one event per page),
    that page's waiting refills skip both waits. Restarts (``kernel_id`` given) are not limited.
    Managers without a pool are left alone; returns whether the manager was wrapped.
    """
    initialize = getattr(manager, "_initialize", None)
    if concurrency <= 0 or initialize is None or not isinstance(getattr(manager, "_pools", None), dict):
        return False
    log = log or logging.getLogger(__name__)
    slots = asyncio.Semaphore(concurrency)
    hurry: dict[str | None, asyncio.Event] = {}
    manager._dx_refill_hurry = hurry

    async def slot_unless_hurried(event: asyncio.Event) -> bool:
        """Take a slot (True), or give up waiting for one when ``event`` is set (False)."""
        if event.is_set():
            return False
        acquire = asyncio.ensure_future(slots.acquire())
        hurried = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait({acquire, hurried}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            hurried.cancel()
            if not acquire.done():
                acquire.cancel()
        return acquire.done() and not acquire.cancelled()

    async def limited(notebook_path: str, kernel_id: str | None = None, **kwargs):
        if kernel_id is not None:
            return await initialize(notebook_path, kernel_id, **kwargs)
        event = hurry.setdefault(notebook_path, asyncio.Event())
        asked = time.monotonic()
        how = "no wait" if quiet is None else await quiet(event)
        has_slot = False if how == "hurried" else await slot_unless_hurried(event)
        if event.is_set():
            how = "hurried"
            event.clear()  # used: the next refill of this page waits again
        started = time.monotonic()
        log.info("Pool refill for %s starts after %.1f s (%s)", notebook_path, started - asked, how)
        released = not has_slot

        def release(*_args) -> None:
            nonlocal released
            if not released:
                released = True
                slots.release()

        def ready(*_args) -> None:
            log.info("Pool refill for %s ready in %.1f s", notebook_path, time.monotonic() - started)

        try:
            content = await initialize(notebook_path, None, **kwargs)
        except BaseException:
            release()
            raise
        task = content.get("task") if isinstance(content, dict) else None
        if isinstance(task, asyncio.Future) and not task.done():
            task.add_done_callback(release)
            task.add_done_callback(ready)
            asyncio.get_running_loop().call_later(slot_seconds, release)
        else:
            release()
        return content

    manager._initialize = limited
    return True


def hurry_pool_refills(manager, notebook_path: str | None) -> bool:
    """A visitor is about to take ``notebook_path``'s first pool entry and it is not ready: let that
    page's refills that wait for a quiet CPU or a slot start now. Returns whether one was hurried."""
    hurry = getattr(manager, "_dx_refill_hurry", None)
    pools = getattr(manager, "_pools", None)
    if not isinstance(hurry, dict) or not isinstance(pools, dict):
        return False
    pool = pools.get(notebook_path) or []
    if pool and not pool[0].done():
        hurry.setdefault(notebook_path, asyncio.Event()).set()
        return True
    return False


class VisitorKernelManager(AsyncMappingKernelManager):
    """jupyter_server's kernel manager with a separate idle limit for kernels whose page is open.

    ``cull_idle_timeout`` / ``cull_connected=False`` (jupyter_server's rules) cull kernels left
    behind by closed tabs; ``cull_connected_timeout`` (seconds, 0 = never) also culls a kernel
    whose page is still open but has sent nothing for that long -- a visitor who walked away.
    Both run on the culler's ``cull_interval``, which runs only when ``cull_idle_timeout > 0``.
    """

    cull_connected_timeout = Integer(
        0,
        config=True,
        help="Shut down a kernel whose page is still connected after this many seconds without "
        "activity (0: never). Kernels without a connected page follow cull_idle_timeout.",
    )

    async def cull_kernel_if_idle(self, kernel_id):
        await super().cull_kernel_if_idle(kernel_id)
        if self.cull_connected_timeout <= 0 or kernel_id not in self:
            return
        kernel = self._kernels[kernel_id]
        last_activity = getattr(kernel, "last_activity", None)
        if last_activity is None or getattr(kernel, "execution_state", None) == "busy":
            return
        idle = utcnow() - last_activity
        connected = self._kernel_connections.get(kernel_id, 0) > 0
        if connected and idle > timedelta(seconds=self.cull_connected_timeout):
            self.log.warning(
                "Culling kernel %s: its page is open but unused for %d s (cull_connected_timeout).",
                kernel_id, int(idle.total_seconds()),
            )
            await ensure_async(self.shutdown_kernel(kernel_id))


__all__ = [
    "KernelCap",
    "Ticket",
    "VisitorKernelManager",
    "busy_page",
    "cpu_times",
    "default_max_kernels",
    "discard_dead_pool_kernels",
    "hurry_pool_refills",
    "limit_pool_refills",
    "make_render_handler",
    "memory_bytes",
    "wait_for_quiet_cpu",
]
