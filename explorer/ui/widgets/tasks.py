"""Long work off the kernel's main thread, newest request first: :class:`LatestRunner`.

A page answers a control at once (redraws the target, writes "fitting…") and hands the long part
(fits, studies, α paths) to a runner. The runner executes it on one background thread, streams
partial results to the page a few times per second, and when a newer request arrives while one is
running, the running one is told to stop (cooperative cancellation: the work polls its
:class:`Job`) and only the newest request runs next — no queue of stale fits while a slider is
dragged; the last value always wins. An exception in the work (or in a callback) goes to the
page's :class:`~explorer.ui.widgets.errors.ErrorBox`, never lost.

Callbacks (``on_partial``, ``on_done``, ``on_error``) run on the kernel's main thread — they are
handed to its event loop, the thread that also handles the widgets' messages — so a callback and
a slider's handler never mutate a widget at the same time. Outside a kernel (tests, scripts) they
are queued and run by :meth:`LatestRunner.wait` (or :meth:`LatestRunner.flush`) on the thread
calling it, for the same reason.

Examples
--------
>>> runner = LatestRunner(dispatch=lambda fn: fn())
>>> def work(job):
...     total = 0
...     for i in range(5):
...         job.check()           # raises Cancelled once a newer request superseded this one
...         total += i
...         job.emit(total)       # a partial result (throttled)
...     return total
>>> seen = []
>>> _ = runner.submit(work, on_done=seen.append)
>>> runner.wait(5)
True
>>> seen
[10]
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import queue
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from explorer.ui.widgets.priority import install_ui_gate, lower_this_thread, yield_to_ui

__all__ = ["INLINE_ENV", "Cancelled", "Job", "LatestRunner", "busy_runners", "kernel_loop",
           "ui_thread_dispatch"]

Dispatch = Callable[[Callable[[], None]], None]
#: Set (to anything but "" or "0") in a kernel's environment, every runner works inline and runs
#: its callbacks at once: the static snapshot (``explorer-app --export``) stores only the widget
#: messages sent while a cell runs, so nothing may happen later on the kernel's event loop.
INLINE_ENV = "EXPLORER_INLINE_WORK"
_RUNNERS: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    """At exit, stop the work still running (torch aborts the process if a thread computing
    with it is torn down by the interpreter's shutdown)."""
    deadline = time.monotonic() + 5.0  # in all: idle workers are daemons and are not waited for
    for runner in list(_RUNNERS):
        runner.cancel()
        thread = runner._thread
        if thread is not None and thread.is_alive() and runner._running is not None:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))


def _call(fn: Callable[[], None]) -> None:
    fn()


class Cancelled(Exception):
    """Raised inside the work by :meth:`Job.check` once a newer request superseded it."""


@functools.cache
def _import_pandas_here() -> None:
    """Import pandas (if installed) on this thread, once, before any worker thread runs.

    plotly decides whether a value is a pandas object by looking at ``sys.modules["pandas"]``
    without importing it. Work on a worker thread that imports scikit-learn (POT's OT solvers,
    KSG, the digits data) imports pandas; while it does, the main thread drawing a figure finds a
    partially initialised module there and fails with "partially initialized module 'pandas' has
    no attribute 'Series'" (seen in CI on the information page). Imported first, here, the module
    is complete before any worker starts.
    """
    with contextlib.suppress(ImportError):
        import pandas  # noqa: F401


def busy_runners() -> list[str]:
    """Names of this process's runners with work waiting, running, or callbacks not yet run."""
    return sorted(runner.name for runner in list(_RUNNERS) if runner.busy)


def _kernel() -> Any | None:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with ipywidgets
        return None
    return getattr(get_ipython(), "kernel", None)


def kernel_loop() -> Any | None:
    """The running kernel's main event loop (tornado; the thread that handles the widgets'
    messages), or ``None`` outside a kernel."""
    return getattr(_kernel(), "io_loop", None)


def ui_thread_dispatch() -> Dispatch | None:
    """``fn -> None`` scheduling ``fn`` on the running kernel's main event loop, or ``None``
    outside a kernel."""
    loop = kernel_loop()
    return None if loop is None else loop.add_callback


class Job:
    """One request to a :class:`LatestRunner`; the work function receives it.

    The work calls :meth:`check` (or :meth:`emit`) regularly: both raise :class:`Cancelled` once
    the job is superseded, and both flush a partial result that was held back by the throttle.
    """

    def __init__(self, runner: LatestRunner, number: int, on_partial: Callable[[Any], None] | None):
        self.number = number
        self._runner = runner
        self._on_partial = on_partial
        self._cancel = threading.Event()
        self._pending: tuple[Any] | None = None  # a held-back partial value (boxed)
        self._last_emit = -float("inf")
        self.finished = False  # the final result (or error) was handed over: no more partials

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if superseded; hand over a held-back partial if it is time.
        On a worker thread, first wait while the kernel's main thread handles a message
        (:func:`~explorer.ui.widgets.priority.yield_to_ui`)."""
        yield_to_ui()
        if self._cancel.is_set():
            raise Cancelled
        if self._pending is not None and time.monotonic() - self._last_emit >= self._runner.interval:
            self._flush()

    def emit(self, value: Any) -> None:
        """A partial result: handed to ``on_partial`` at most ``fps`` times per second (the most
        recent one wins; the final result supersedes any still held back). Yields to the UI
        like :meth:`check`."""
        yield_to_ui()
        if self._cancel.is_set():
            raise Cancelled
        if self._on_partial is None:
            return
        self._pending = (value,)
        if time.monotonic() - self._last_emit >= self._runner.interval:
            self._flush()

    def progress(self, done: float, total: float) -> None:
        """Shorthand for work that reports ``done`` of ``total`` through :meth:`emit`."""
        self.emit(("progress", done, total))

    def _flush(self) -> None:
        boxed, self._pending = self._pending, None
        if boxed is None or self._on_partial is None:
            return
        self._last_emit = time.monotonic()
        self._runner._deliver(self, self._on_partial, boxed[0], partial=True)


class LatestRunner:
    """Run long work on one background thread; a newer :meth:`submit` supersedes the running one.

    Parameters
    ----------
    errors : ErrorBox, optional
        Where exceptions of the work and of the callbacks are reported (default: the server log).
    fps : float
        Most partial results per second handed to ``on_partial`` (a live fit at ~5 frames/s).
    dispatch : callable, optional
        ``dispatch(fn)`` runs ``fn`` on the UI thread; default: the kernel's event loop when
        running in a kernel, else a queue that :meth:`wait`/:meth:`flush` run on their thread.
    background : bool
        ``False`` runs the work inline in :meth:`submit` (scripts, benchmarks).
    """

    def __init__(self, errors: Any = None, *, fps: float = 5.0, dispatch: Dispatch | None = None,
                 background: bool = True, name: str = "dx-runner"):
        if not fps > 0:
            raise ValueError(f"parameter 'fps' must be > 0, got {fps}")
        if os.environ.get(INLINE_ENV, "") not in ("", "0"):
            background, dispatch = False, _call
        self.errors = errors
        self.interval = 1.0 / fps
        self.background = background
        self.name = name
        self._queue: queue.SimpleQueue | None = None
        self._dispatch = dispatch if dispatch is not None else ui_thread_dispatch()
        if background and dispatch is None and self._dispatch is not None:
            install_ui_gate(_kernel())  # in a kernel: workers pause while it answers a control
        if self._dispatch is None and not background:  # inline: everything on the caller's thread
            self._dispatch = _call
        elif self._dispatch is None:  # no kernel: callbacks wait for wait()/flush() on the caller's thread
            self._queue = queue.SimpleQueue()
            self._dispatch = self._enqueue
        self._serial = threading.RLock()  # one callback at a time
        self._cond = threading.Condition()
        self._next: tuple[Job, Callable[[Job], Any], dict] | None = None
        self._running: Job | None = None
        self._latest: Job | None = None
        self._outstanding = 0  # callbacks handed to the UI thread and not yet run
        self._count = 0
        self._thread: threading.Thread | None = None
        self.runs = 0  # work functions started (superseded requests that never started not counted)
        _RUNNERS.add(self)

    # -- public ------------------------------------------------------------------------------------
    def submit(self, work: Callable[[Job], Any], *, on_partial: Callable[[Any], None] | None = None,
               on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None, context: str = "computing") -> Job:
        """Request ``work(job)``; cancels the running and any waiting request. Returns the job."""
        callbacks = {"on_done": on_done, "on_error": on_error, "context": context}
        with self._cond:
            self._count += 1
            job = Job(self, self._count, on_partial)
            if self._latest is not None:
                self._latest.cancel()
            self._latest = job
            self._next = (job, work, callbacks)
            if self.background:
                self._ensure_thread()
                self._cond.notify_all()
        if not self.background:
            self._take_and_run()
        return job

    def cancel(self) -> None:
        """Cancel the running and the waiting request (their callbacks will not run)."""
        with self._cond:
            if self._latest is not None:
                self._latest.cancel()
            self._next = None
            self._cond.notify_all()

    @property
    def busy(self) -> bool:
        with self._cond:
            return self._next is not None or self._running is not None or self._outstanding > 0

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no work is waiting or running and every callback has run, running the
        queued callbacks here (outside a kernel; in a kernel never call it on the main thread:
        its callbacks need that thread). ``False`` on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self.flush()
            with self._cond:
                if self._next is None and self._running is None and self._outstanding == 0:
                    return True
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(0.02 if left is None else min(left, 0.02))

    def flush(self) -> None:
        """Run the callbacks queued so far (outside a kernel) on this thread."""
        if self._queue is None:
            return
        while True:
            try:
                fn = self._queue.get_nowait()
            except queue.Empty:
                return
            fn()

    def _enqueue(self, fn: Callable[[], None]) -> None:
        self._queue.put(fn)
        with self._cond:
            self._cond.notify_all()

    # -- worker ------------------------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            _import_pandas_here()
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        lower_this_thread()
        while True:
            with self._cond:
                while self._next is None:
                    self._cond.wait()
            self._take_and_run()

    def _take_and_run(self) -> None:
        with self._cond:
            if self._next is None:
                return
            job, work, cb = self._next
            self._next = None
            self._running = job
        try:
            if not job.cancelled:
                self.runs += 1
                self._run(job, work, cb)
        finally:
            with self._cond:
                self._running = None
                self._cond.notify_all()

    def _run(self, job: Job, work: Callable[[Job], Any], cb: dict) -> None:
        try:
            result = work(job)
        except Cancelled:
            return
        except Exception as exc:
            if job.cancelled:
                return  # superseded while failing: the newer request speaks
            job.finished = True
            self._deliver(job, cb["on_error"] or (lambda e: self._report(e, cb["context"])), exc)
            return
        if job.cancelled:
            return
        job.finished = True
        if cb["on_done"] is not None:
            self._deliver(job, cb["on_done"], result, context=cb["context"])

    # -- handing results to the UI thread ---------------------------------------------------------
    def _deliver(self, job: Job, fn: Callable[[Any], None], value: Any, partial: bool = False,
                 context: str = "showing the result") -> None:
        def run() -> None:
            try:
                with self._serial:
                    # re-checked on the UI thread: a newer request may have come in meanwhile,
                    # and a partial queued before the final result must not overwrite it
                    if not job.cancelled and not (partial and job.finished):
                        fn(value)
            except Exception as exc:
                self._report(exc, context)
            finally:
                with self._cond:
                    self._outstanding -= 1
                    self._cond.notify_all()

        with self._cond:
            self._outstanding += 1
        self._dispatch(run)

    def _report(self, exc: BaseException, context: str) -> None:
        if self.errors is not None:
            self.errors.report(exc, context)
        else:
            from explorer.ui.widgets.errors import log_exception

            log_exception(context, exc)
