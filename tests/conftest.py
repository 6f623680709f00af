"""Suite-wide fixtures and ordering.

* Browser tests (``tests/e2e``) run last, so the fast library tests report first.
* ``random_view(lab, seed)`` sets every linkable control of a page (``lab.controls``) to another
  valid value, in declaration order, after opening its last tab; returns the names it changed
  (links round-trip tests, in Python and in the browser).
* ``run_coroutine`` runs a coroutine to completion on its own event loop in a worker thread: Playwright's
  sync API keeps an event loop running on the main thread for the whole browser session, and
  ``asyncio.run`` refuses to start inside a running loop.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import math
import random
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


def _other_value(widget, rng: random.Random):
    """A valid value of ``widget`` different from its current one (None: it has no other)."""
    import ipywidgets as W

    from explorer.ui.widgets.links import _is_selection, _numeric_range

    value = widget.value
    if _is_selection(widget):
        options = list(widget._options_values)
        if isinstance(value, tuple):  # several choices
            k = rng.randint(1, len(options))
            pick = tuple(o for o in options if o in rng.sample(options, k))
            return pick if pick != value else (tuple(options[:1]) if value != tuple(options[:1]) else None)
        others = [o for o in options if o != value]
        return rng.choice(others) if others else None
    if isinstance(value, bool):
        return not value
    bounds = _numeric_range(widget)
    if isinstance(value, (int, float)) and bounds is not None:
        lo, hi = bounds
        if lo == hi:
            return None
        # on the slider's step grid, as a visitor's value is (the browser snaps to it)
        step = getattr(widget, "step", None) or 0
        if isinstance(widget, W.FloatLogSlider):
            if step:
                x = widget.base ** (widget.min + rng.randint(0, int((widget.max - widget.min) / step)) * step)
            else:
                x = 10 ** rng.uniform(math.log10(lo), math.log10(hi))
        elif step:
            x = lo + rng.randint(0, int((hi - lo) / step + 1e-9)) * step
        else:
            x = rng.uniform(lo, hi)
        x = min(max(x, lo), hi)
        if isinstance(value, int):
            x = int(round(x))
            return x if x != value else (int(lo) if value != lo else int(hi))
        return x if x != value else None
    if isinstance(value, tuple) and bounds is not None:  # a range slider
        lo, hi = bounds
        a, b = sorted(rng.uniform(lo, hi) for _ in range(2))
        return (int(a), int(b)) if isinstance(value[0], int) else (a, b)
    if isinstance(value, str):
        return value + "x"
    return None



def _random_view(lab, seed: str) -> set[str]:
    from explorer.ui.widgets.links import _linkable

    rng = random.Random(seed)
    tabs = getattr(lab, "tabs", None)
    if tabs is not None:  # the last tab: its controls are declared (a lab may build tabs lazily)
        tabs.selected_index = len(tabs.children) - 1
    changed: set[str] = set()
    done: set[str] = set()
    progress = True
    while progress:  # in declaration order; a family change rebuilds its group: go round again
        progress = False
        for name in lab.controls.names():
            widget = lab.controls[name]
            if name in done or not _linkable(widget):
                continue
            done.add(name)
            new = _other_value(widget, rng)
            if new is not None:
                widget.value = new
                changed.add(name)
                progress = True
                break
    return changed


@pytest.fixture
def random_view() -> Callable[[Any, str], set[str]]:
    """``random_view(lab, seed)``: every linkable control of the page to another valid value."""
    return _random_view
