"""A visible place for errors and notices, and guards that send every callback exception there.

A widget callback that raises inside ipywidgets is lost (at best printed to the browser's
console). Every callback of a page therefore runs under :meth:`ErrorBox.guard` (or
:func:`friendly`): a ``ValueError`` — invalid input, with the parameter named by the library — is
shown as is; any other exception politely, with the traceback written to the server log (the
kernel's original stderr), never to the page.
"""

from __future__ import annotations

import contextlib
import functools
import html
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import ipywidgets as W

__all__ = ["ErrorBox", "friendly", "log_exception", "message_for"]


def log_exception(context: str, exc: BaseException | None = None) -> None:
    """Full traceback to the server log (the kernel's original stderr), never to the page."""
    print(f"[divergence-explorer] error while {context}:", file=sys.__stderr__)
    if exc is None:
        traceback.print_exc(file=sys.__stderr__)
    else:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.__stderr__)
    sys.__stderr__.flush()


def message_for(exc: BaseException, context: str) -> str:
    """What the visitor reads: the ValueError's own text, or a polite note for a bug."""
    if isinstance(exc, ValueError):
        return f"That combination is not valid: {exc}"
    return (f"Sorry, something went wrong while {context}. The details were written to the "
            "server log; try another setting or reload the page.")


class ErrorBox(W.HTML):
    """A red box for messages to the visitor; empty (hidden) when all is well.

    ``report(exc, context)`` logs and shows an exception; ``guard(context)`` is a context manager
    doing that for a block (and clearing the box when the block succeeds); ``last`` keeps the
    last exception reported (tests read it).
    """

    def __init__(self, **kwargs: Any):
        super().__init__("", **kwargs)
        self.add_class("dx-error")
        self.layout.display = "none"
        self.last: BaseException | None = None

    def show(self, message: str) -> None:
        self.value = html.escape(message)
        self.layout.display = None

    def clear(self) -> None:
        if self.value:
            self.value = ""
            self.layout.display = "none"

    def report(self, exc: BaseException, context: str) -> None:
        """Log ``exc`` with its traceback and show the visitor a sentence about it."""
        self.last = exc
        log_exception(context, exc)
        self.show(message_for(exc, context))

    @contextlib.contextmanager
    def guard(self, context: str, clear: bool = True) -> Iterator[None]:
        """Run a block; an exception is reported here instead of propagating."""
        try:
            yield
        except Exception as exc:
            self.report(exc, context)
        else:
            if clear:
                self.clear()

    def wrap(self, context: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` guarded: returns its result, or ``None`` after reporting its exception."""
        return friendly(self, context)(fn)


def friendly(box: ErrorBox, context: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a widget callback: input errors are shown plainly, bugs politely, both logged."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                out = fn(*args, **kwargs)
            except Exception as exc:
                box.report(exc, context)
                return None
            box.clear()
            return out

        return wrapper

    return deco
