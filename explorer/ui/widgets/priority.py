"""The kernel's main thread first: how a page's background work gives way to its controls.

Voila runs one kernel per visitor, and a class puts twenty of them on two cores. A control's
answer (the target redrawn, a value updated, "fitting…") is computed on a kernel's main thread;
fits, studies and trainings run on :class:`~explorer.ui.widgets.tasks.LatestRunner` worker
threads. Two things keep the answers quick while every kernel's worker is busy:

* **Workers run niced** (:func:`lower_this_thread`): the scheduler gives any kernel's main
  thread the CPU before the workers, so one visitor's slider does not wait behind the other
  nineteen visitors' fits. A lone visitor's fits still get every idle cycle.
* **Workers pause while their kernel answers a message** (:func:`install_ui_gate`,
  :func:`yield_to_ui`): inside one process the threads share Python's GIL, and a niced worker
  holding it would make the main thread wait for the worker's turn on the CPU (a priority
  inversion: measured on the mode-seeking page, nice alone moved the 20-visitor response p95 only
  from 639 to 554 ms). The kernel's shell dispatch is wrapped to count the messages being
  handled; a worker reaching :meth:`Job.check <explorer.ui.widgets.tasks.Job.check>` or
  :meth:`~explorer.ui.widgets.tasks.Job.emit` while one is handled waits, GIL released, until it
  is done (at most :data:`UI_YIELD_MAX_S` per check, so a long cell never stalls the work).
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

__all__ = ["UI_YIELD_MAX_S", "WORKER_NICE", "WORKER_NICE_ENV", "install_ui_gate", "lower_this_thread",
           "ui_busy", "yield_to_ui"]

WORKER_NICE = 10
"""Nice steps by which a worker thread is scheduled below the kernel's main thread (Linux; the
weight of nice 10 is a tenth of nice 0's). Overridden by the environment variable
:data:`WORKER_NICE_ENV` (``0`` keeps workers at the main thread's priority)."""
WORKER_NICE_ENV = "EXPLORER_WORKER_NICE"
UI_YIELD_MAX_S = 1.0
"""Longest a worker waits at one check for the kernel's main thread to finish a message."""

_ACTIVE = 0  # shell messages being handled on the main thread
_COND = threading.Condition()


def lower_this_thread() -> int:
    """Lower the calling thread's priority by :data:`WORKER_NICE` (or :data:`WORKER_NICE_ENV`) nice
    steps, on Linux, where ``setpriority`` given a thread id changes that thread only. Returns the
    steps applied (0 elsewhere, when disabled, or when not permitted)."""
    raw = os.environ.get(WORKER_NICE_ENV, "").strip()
    try:
        steps = WORKER_NICE if raw == "" else int(raw)
    except ValueError:
        steps = WORKER_NICE
    if steps <= 0 or not sys.platform.startswith("linux"):
        return 0
    tid = threading.get_native_id()
    try:
        now = os.getpriority(os.PRIO_PROCESS, tid)
        target = min(19, now + steps)  # 19: the lowest priority there is
        os.setpriority(os.PRIO_PROCESS, tid, target)
    except OSError:
        return 0
    return target - now


def ui_busy() -> bool:
    """Whether the kernel's main thread is handling a message now."""
    return _ACTIVE > 0


def _enter() -> None:
    global _ACTIVE
    with _COND:
        _ACTIVE += 1


def _leave() -> None:
    global _ACTIVE
    with _COND:
        _ACTIVE = max(0, _ACTIVE - 1)
        if _ACTIVE == 0:
            _COND.notify_all()


def yield_to_ui(limit: float = UI_YIELD_MAX_S) -> bool:
    """On a thread other than the main one, wait (at most ``limit`` s) while the kernel's main
    thread handles a message; returns whether it waited. Free when nothing is being handled."""
    if _ACTIVE == 0 or threading.current_thread() is threading.main_thread():
        return False
    with _COND:
        _COND.wait_for(lambda: _ACTIVE == 0, timeout=limit)
    return True


def install_ui_gate(kernel: Any) -> bool:
    """Wrap ``kernel.dispatch_shell`` (ipykernel) so that :func:`yield_to_ui` knows when a message
    is being handled. Idempotent; returns whether the kernel has the gate."""
    if kernel is None or not hasattr(kernel, "dispatch_shell"):
        return False
    if getattr(kernel, "_dx_ui_gate", False):
        return True
    original = kernel.dispatch_shell

    async def dispatch_shell(*args: Any, **kwargs: Any) -> Any:
        _enter()
        try:
            return await original(*args, **kwargs)
        finally:
            _leave()

    kernel.dispatch_shell = dispatch_shell
    kernel._dx_ui_gate = True
    return True
