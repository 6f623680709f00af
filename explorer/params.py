r"""The one parameter type of the package: divergences, estimators, presets and sliders read it.

A :class:`Param` says what a number means (``name``, ``doc``), which values the mathematics
accepts (``low``/``high``, ``integer``), how it scales with the data (``unit``: the power of the
length unit of x it carries; ``location``: a position, shifted with the data's centre) and how a
slider shows it (``label``, ``slider`` range, ``log`` scale, ``step``). The UI's slider factory
(:mod:`explorer.ui.widgets.controls`) builds every slider from these fields, so adding a
parameter to a registry entry or a preset is one line.

``check`` is the single validation rule of the public API: the value must be a real number
(booleans refused), finite, inside ``[low, high]`` (or ``(low, high)`` where the bound is
open), integral if ``integer``; the ``ValueError`` names the parameter.

Examples
--------
>>> from explorer.params import Param
>>> p = Param("bandwidth", 1.0, low=0.0, low_open=True, unit=1, log=True, slider=(0.05, 5.0))
>>> p.check(0.3)
0.3
>>> p.check(0)
Traceback (most recent call last):
...
ValueError: parameter 'bandwidth' must be > 0, got 0.0
>>> p.scaled(2.0).default       # a data set whose length unit is 2: the default doubles
2.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["Param", "ParamSet", "resolve"]


@dataclass(frozen=True)
class Param:
    """A real parameter: its meaning, its valid range, its units and its slider.

    Parameters
    ----------
    name : str
        Keyword name in the Python API (``alpha``, ``bandwidth``, ``k``...).
    default : float
        Value used when none is given (for x in units of order one; see ``unit``).
    low, high : float
        Bounds of the values the mathematics accepts (``±inf``: unbounded; infinite values
        themselves are always refused).
    low_open, high_open : bool
        Whether the bound itself is excluded (a bandwidth must be ``> 0``).
    doc : str
        One line saying what the parameter does.
    label : str
        Short label for a slider (default: ``name``).
    slider : (float, float), optional
        Range a slider offers, for x in units of order one (default: the bounds, where finite).
    log : bool
        Slider on a logarithmic scale.
    step : float, optional
        Slider step (default: 1/200 of the range; 1 for integers).
    unit : int
        Power of the length unit of x the parameter carries: 0 dimensionless (α, an order, a
        weight), 1 a length (a bandwidth, a width, a position), 2 a squared length (Sinkhorn's ε).
    location : bool
        A position (``unit`` 1): rescaled *and* shifted with the data's centre.
    integer : bool
        Only integers are valid (a number of neighbours, of modes).
    """

    name: str
    default: float
    low: float = -math.inf
    high: float = math.inf
    doc: str = ""
    label: str = ""
    slider: tuple[float, float] | None = None
    log: bool = False
    step: float | None = None
    unit: int = 0
    location: bool = False
    integer: bool = False
    low_open: bool = False
    high_open: bool = False

    def __post_init__(self) -> None:
        if self.location and self.unit != 1:
            raise ValueError(f"parameter {self.name!r}: a location has unit 1, got {self.unit}")
        if self.log and self.slider is not None and self.slider[0] <= 0:
            raise ValueError(f"parameter {self.name!r}: a log slider needs a positive range")

    # -- validation ----------------------------------------------------------------------------
    def check(self, value: Any) -> float:
        """``value`` as a float (an int for ``integer`` parameters), or ``ValueError`` naming it."""
        if isinstance(value, bool):
            raise ValueError(f"parameter {self.name!r} must be a number, got {value!r}")
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"parameter {self.name!r} must be a number, got {value!r}") from None
        if not math.isfinite(v):
            raise ValueError(f"parameter {self.name!r} must be finite, got {v}")
        if v < self.low or (self.low_open and v == self.low):
            raise ValueError(f"parameter {self.name!r} must be {'>' if self.low_open else '>='} "
                             f"{self.low:g}, got {v}")
        if v > self.high or (self.high_open and v == self.high):
            raise ValueError(f"parameter {self.name!r} must be {'<' if self.high_open else '<='} "
                             f"{self.high:g}, got {v}")
        if self.integer:
            if v != round(v):
                raise ValueError(f"parameter {self.name!r} must be an integer, got {v}")
            return int(round(v))
        return v

    def describe_range(self) -> str:
        """The valid range in words, e.g. ``> 0`` or ``in [0, 1]``."""
        lo, hi = math.isfinite(self.low), math.isfinite(self.high)
        lo_s = f"{'(' if self.low_open else '['}{self.low:g}"
        hi_s = f"{self.high:g}{')' if self.high_open else ']'}"
        if lo and hi:
            return f"in {lo_s}, {hi_s}"
        if lo:
            return f"{'>' if self.low_open else '≥'} {self.low:g}"
        if hi:
            return f"{'<' if self.high_open else '≤'} {self.high:g}"
        return "any real number"

    # -- sliders ---------------------------------------------------------------------------------
    @property
    def title(self) -> str:
        return self.label or self.name

    def slider_range(self) -> tuple[float, float]:
        """(min, max) a slider offers, for x in units of order one."""
        if self.slider is not None:
            return self.slider
        if math.isfinite(self.low) and math.isfinite(self.high):
            return self.low, self.high
        raise ValueError(f"parameter {self.name!r} has no finite range: give it a slider range")

    def slider_step(self) -> float:
        if self.step is not None:
            return self.step
        if self.integer:
            return 1.0
        lo, hi = self.slider_range()
        return (hi - lo) / 200.0

    def scaled(self, length: float, centre: float = 0.0) -> Param:
        """This parameter for data whose length unit is ``length`` (and centre ``centre``).

        Lengths scale by ``length ** unit``; a location is also shifted by ``centre``. The bounds
        of the mathematics (0 for a width) are kept; only finite ones move.
        """
        if self.unit == 0:
            return self
        f = float(length) ** self.unit
        shift = centre if self.location else 0.0

        def move(v: float) -> float:
            return v * f + shift if math.isfinite(v) and (self.location or v != 0.0) else v

        slider = None if self.slider is None else (move(self.slider[0]), move(self.slider[1]))
        step = None if self.step is None else self.step * f
        return replace(self, default=move(self.default), low=move(self.low), high=move(self.high),
                       slider=slider, step=step)


class ParamSet(tuple):
    """A tuple of :class:`Param` with lookup by name (``ps["alpha"]``) and :meth:`resolve`."""

    def __new__(cls, params: Iterable[Param] = ()) -> ParamSet:
        params = tuple(params)
        seen = [p.name for p in params]
        if len(set(seen)) != len(seen):
            raise ValueError(f"duplicate parameter names: {seen}")
        return super().__new__(cls, params)

    def names(self) -> list[str]:
        return [p.name for p in self]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            for p in self:
                if p.name == key:
                    return p
            raise KeyError(key)
        return super().__getitem__(key)

    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self}

    def resolve(self, given: Mapping[str, Any], owner: str = "") -> dict[str, float]:
        """Defaults updated with ``given``, each checked; unknown names raise ``ValueError``."""
        return resolve(self, given, owner)


def resolve(params: Iterable[Param], given: Mapping[str, Any], owner: str = "") -> dict[str, float]:
    """``{name: value}``: defaults of ``params`` updated with ``given`` (each value checked).

    Unknown names raise a ``ValueError`` that lists the valid ones (``owner`` says whose).
    """
    params = tuple(params)
    valid = {p.name: p for p in params}
    unknown = sorted(set(given) - set(valid))
    if unknown:
        whose = f" for {owner!r}" if owner else ""
        raise ValueError(f"unknown parameter(s) {unknown}{whose}; valid: {', '.join(valid) or 'none'}")
    out = {p.name: p.default for p in params}
    for k, v in given.items():
        out[k] = valid[k].check(v)
    return out
