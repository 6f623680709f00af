"""Sliders from :class:`explorer.params.Param`, and :class:`Controls`: a page's controls by name.

:func:`slider` reads everything a slider needs from the parameter: the label, the range it offers
(``Param.slider`` or the finite bounds), a log scale, the step, integers. :class:`Controls` is
the one place a page declares its controls (``"p.mean"`` → the widget); links that encode a view,
fuzzing every widget and screenshots iterate over it, set values by name and observe them all.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import ipywidgets as W

from explorer.params import Param

__all__ = ["LOG_STEP", "RUN_CLASS", "Controls", "log_limits", "nice_step", "set_range", "slider"]

LOG_STEP = 0.01  # step of the log sliders, in decades
#: CSS class of a button that starts a tab's optional long work (a study, a landscape): a static
#: snapshot (:mod:`explorer.ui.snapshot`) presses every such button, so it shows the results.
RUN_CLASS = "dx-run"


def log_limits(lo: float, hi: float, value: float, step: float = LOG_STEP) -> tuple[float, float]:
    """Exponent range of a FloatLogSlider inside [lo, hi] whose step grid contains ``value``.

    The front end snaps a log slider to ``min + k·step`` in the exponent, so an unaligned ``min``
    would show the default 1.0 as 0.998.
    """
    if not (0 < lo <= hi and value > 0):
        raise ValueError(f"a log slider needs 0 < lo <= hi and a positive value, got {lo}, {hi}, {value}")
    e = math.log10(value)
    n_lo = max(math.floor((e - math.log10(lo)) / step + 1e-6), 1)
    n_hi = max(math.floor((math.log10(hi) - e) / step + 1e-6), 1)
    return e - n_lo * step, e + n_hi * step


def nice_step(span: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is at least span/100."""
    raw = span / 100
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw * (1 - 1e-9))


def _classes(css: str | Sequence[str]) -> list[str]:
    return [css] if isinstance(css, str) else list(css)


def slider(param: Param, value: float | None = None, *, css: str | Sequence[str] = (),
           continuous_update: bool = True, description_width: str = "130px",
           width: str = "330px", readout_format: str = ".3g") -> W.ValueWidget:
    """A slider for ``param`` at ``value`` (default: ``param.default``), clamped into its range.

    Integers get an ``IntSlider``; ``param.log`` a ``FloatLogSlider`` (step 0.01 decade, aligned
    so that ``value`` is on its grid); otherwise a ``FloatSlider`` with ``param.step`` or a round
    step of about 1/100 of the range. The label is ``param.title``, the tooltip ``param.doc``;
    ``readout_format`` is the d3 format of the value shown next to a float slider.
    """
    lo, hi = param.slider_range()
    v = float(param.default if value is None else value)
    common: dict[str, Any] = {"description": param.title, "continuous_update": continuous_update,
                              "style": {"description_width": description_width},
                              "layout": W.Layout(width=width)}
    if param.doc:
        common["tooltip"] = param.doc
    if param.integer:
        step = max(int(round(param.step or 1)), 1)
        s: W.ValueWidget = W.IntSlider(value=int(round(min(max(v, lo), hi))), min=int(math.ceil(lo)),
                                       max=int(math.floor(hi)), step=step, **common)
    elif param.log:
        e_lo, e_hi = log_limits(lo, hi, min(max(v, lo), hi))
        s = W.FloatLogSlider(value=min(max(v, lo), hi), base=10, min=e_lo, max=e_hi, step=LOG_STEP,
                             readout_format=readout_format, **common)
    else:
        step = param.step if param.step is not None else nice_step(hi - lo)
        s = W.FloatSlider(value=min(max(v, lo), hi), min=lo, max=hi, step=step, readout_format=readout_format,
                          **common)
    for c in _classes(css):
        s.add_class(c)
    return s


def set_range(widget: W.ValueWidget, param: Param, value: float) -> None:
    """Move ``widget`` to ``param``'s range and ``value`` in one message (min, max, value validated
    together; a log slider keeps ``value`` on its grid)."""
    lo, hi = param.slider_range()
    with widget.hold_sync(), widget.hold_trait_notifications():
        if isinstance(widget, W.FloatLogSlider):
            widget.min, widget.max = log_limits(lo, hi, value)
        else:
            widget.min, widget.max = lo, hi
        widget.value = min(max(value, lo), hi)


class Controls:
    """The controls of a page by name: iterate, read, set and observe them all in one place.

    Names are dotted paths (``"p.mean"``, ``"divergence.alpha.alpha"``, ``"target"``); a group
    (``"p"``) can be replaced as a whole when a page rebuilds its sliders (a new family), and
    observers registered with :meth:`observe` follow the new widgets too.

    Examples
    --------
    >>> import ipywidgets as W
    >>> c = Controls()
    >>> _ = c.add("units", W.ToggleButtons(options=["nats", "bits"]))
    >>> c.set(units="bits")
    >>> c.values()
    {'units': 'bits'}
    """

    def __init__(self) -> None:
        self._widgets: dict[str, W.ValueWidget] = {}
        self._defaults: dict[str, Any] = {}
        self._observers: list[tuple[Callable[[str, dict], None], tuple[str, ...] | None, bool]] = []
        self._handlers: dict[str, Callable[[dict], None]] = {}
        self._muted = 0

    # -- declaring -----------------------------------------------------------------------------
    def add(self, name: str, widget: W.ValueWidget) -> W.ValueWidget:
        """Declare ``widget`` as control ``name`` (returns the widget)."""
        if name in self._widgets:
            raise ValueError(f"control {name!r} is already declared")
        if not hasattr(widget, "value"):
            raise ValueError(f"control {name!r} has no value: {type(widget).__name__}")
        self._widgets[name] = widget
        self._defaults[name] = widget.value

        def handler(change: dict, name: str = name) -> None:
            for cb, names, always in list(self._observers):
                if self._muted and not always:
                    continue
                if names is None or any(name == n or name.startswith(n + ".") for n in names):
                    cb(name, change)

        self._handlers[name] = handler
        widget.observe(handler, names="value")
        return widget

    def remove(self, name: str) -> W.ValueWidget:
        widget = self._widgets.pop(name)
        self._defaults.pop(name, None)
        widget.unobserve(self._handlers.pop(name), names="value")
        return widget

    def replace_group(self, group: str, widgets: Mapping[str, W.ValueWidget]) -> None:
        """Make ``{group.key: widget}`` the controls of ``group``: controls of the group not in
        ``widgets`` (or now another widget) are removed, a control that stays keeps its place
        (so a family dropdown declared before its sliders is still set first by :meth:`set`)."""
        for key, widget in self.group(group).items():
            if widgets.get(key) is not widget:
                self.remove(f"{group}.{key}")
        for key, widget in widgets.items():
            if f"{group}.{key}" not in self._widgets:
                self.add(f"{group}.{key}", widget)

    def group(self, group: str) -> dict[str, W.ValueWidget]:
        """``{key: widget}`` of the controls named ``group.key``."""
        prefix = group + "."
        return {n[len(prefix):]: w for n, w in self._widgets.items() if n.startswith(prefix)}

    # -- reading and writing -------------------------------------------------------------------
    def __getitem__(self, name: str) -> W.ValueWidget:
        try:
            return self._widgets[name]
        except KeyError:
            raise KeyError(f"no control {name!r}; controls: {', '.join(self._widgets)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._widgets

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._widgets))

    def __len__(self) -> int:
        return len(self._widgets)

    def names(self) -> list[str]:
        return list(self._widgets)

    def items(self) -> list[tuple[str, W.ValueWidget]]:
        return list(self._widgets.items())

    def values(self) -> dict[str, Any]:
        """``{name: value}`` of every control (a view's state)."""
        return {n: w.value for n, w in self._widgets.items()}

    def default(self, name: str) -> Any:
        """The value control ``name`` had when it was declared (a link leaves it out)."""
        self[name]  # KeyError listing the controls
        return self._defaults[name]

    def set(self, values: Mapping[str, Any] | None = None, **more: Any) -> None:
        """Set controls by name, in the order given (each one's observers run as a user's move
        would). Unknown names raise ``KeyError`` listing the controls."""
        for name, value in {**(values or {}), **more}.items():
            self[name].value = value

    @contextlib.contextmanager
    def muted(self) -> Iterator[None]:
        """Changes made inside the block do not call the observers (programmatic resets)."""
        self._muted += 1
        try:
            yield
        finally:
            self._muted -= 1

    def observe(self, callback: Callable[[str, dict], None],
                names: str | Sequence[str] | None = None, *, include_muted: bool = False) -> None:
        """Call ``callback(name, change)`` after every change of a control, present or future.

        ``names`` restricts it to those controls or groups (``"p"`` matches ``"p.mean"``);
        ``include_muted`` also reports changes made inside :meth:`muted` (a view's link follows
        every value, however it was set).
        """
        self._observers.append((callback, None if names is None else tuple(_classes(names)),
                                include_muted))
