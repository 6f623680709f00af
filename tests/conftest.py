"""Suite-wide fixtures and ordering.

* Browser tests (``tests/e2e``) run last, so the fast library tests report first.
* ``run_coroutine`` runs a coroutine to completion on its own event loop in a worker thread: Playwright's
  sync API keeps an event loop running on the main thread for the whole browser session, and
  ``asyncio.run`` refuses to start inside a running loop.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine
from typing import Any

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: "/e2e/" in item.nodeid.replace("\\", "/"))  # stable: keeps the rest in order


def _run_in_thread(coro: Coroutine[Any, Any, Any]) -> Any:
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture
def run_coroutine() -> Callable[[Coroutine[Any, Any, Any]], Any]:
    """``run_coroutine(coro)`` → its result, whatever loop the main thread is running."""
    return _run_in_thread
