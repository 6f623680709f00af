"""Notes that a computation attaches to the value it returns ("approximate: ...").

Deep inside a quadrature or a solver, code that cannot meet its tolerance calls :func:`add`; the
public entry point (:func:`explorer.divergences.evaluate`) wraps the computation in
:func:`collect` and puts what was said into the result's ``note``, so a number that is not exact
to the promised accuracy says so where the user reads it. Outside :func:`collect`, :func:`add`
does nothing. Context-local (``contextvars``), so threads of the UI do not mix their notes.

>>> with collect() as notes:
...     add("approximate: Sinkhorn stopped after 3000 sweeps")
>>> notes
['approximate: Sinkhorn stopped after 3000 sweeps']
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_CURRENT: ContextVar[list[str] | None] = ContextVar("explorer_notes", default=None)


def add(note: str) -> None:
    """Record ``note`` for the innermost :func:`collect` (ignored outside one; no duplicates)."""
    notes = _CURRENT.get()
    if notes is not None and note not in notes:
        notes.append(note)


@contextlib.contextmanager
def collect() -> Iterator[list[str]]:
    """Collect the notes added while the block runs (nested blocks collect separately)."""
    notes: list[str] = []
    token = _CURRENT.set(notes)
    try:
        yield notes
    finally:
        _CURRENT.reset(token)
