"""What the mode-seeking page's parts share: one small explicit state object.

The page writes it (a new target, new fits); the main plot, the table and every tab read it and
are told when it changed. Nothing else is shared between the tabs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from explorer import fitting, presets
from explorer.ui.widgets.theme import divergence_colours

FIT_DASHES = ("solid", "dash", "longdash", "dashdot", "longdashdot")
"""Line style of the i-th chosen divergence's fit, so that fits which coincide (forward KL and
JS on two modes) stay visible one over the other (the faint local optima are dotted)."""


@dataclass
class State:
    """The target p, the chosen divergences and their fits (``results``, by divergence name).

    ``restarts`` is the number of restarts the fits use (the α path reuses it). Listeners added
    with :meth:`listen` are called as ``listener(what)`` with ``what`` in ``{"target", "fits"}``.
    """

    target: presets.Target | None = None
    divergences: tuple[str, ...] = ()
    results: dict[str, fitting.FitResult] = field(default_factory=dict)
    restarts: int = 8
    _listeners: list[Callable[[str], None]] = field(default_factory=list, repr=False)
    #: values derived from (target, fit) pairs, e.g. the table's cross divergences; keyed by the
    #: fit's id with the fit kept beside the value (so a new fit never reads an old entry)
    derived: dict[tuple, tuple[Any, Any]] = field(default_factory=dict, repr=False)

    def listen(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def changed(self, what: str) -> None:
        for listener in list(self._listeners):
            listener(what)

    def set_target(self, target: presets.Target) -> None:
        self.target = target
        self.results = {}
        self.derived = {}
        self.changed("target")

    def memo(self, key: tuple, fit: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` for ``fit`` under this target, computed once (``key`` names the value)."""
        hit = self.derived.get((id(fit), *key))
        if hit is not None and hit[0] is fit:
            return hit[1]
        value = compute()
        self.derived[(id(fit), *key)] = (fit, value)
        return value

    def set_results(self, results: dict[str, Any]) -> None:
        self.results = dict(results)
        self.changed("fits")

    @property
    def p(self) -> Any:
        return self.target.p

    def fitted(self) -> list[str]:
        """The chosen divergences that have a fit, in the order chosen."""
        return [n for n in self.divergences if n in self.results]

    def fits(self) -> list[tuple[str, fitting.FitResult, str, str]]:
        """(name, result, colour, line dash) of each chosen divergence that has a fit."""
        colours = divergence_colours()
        return [(n, self.results[n], colours[n], FIT_DASHES[i % len(FIT_DASHES)])
                for i, n in enumerate(self.divergences) if n in self.results]

    def first_fit(self) -> fitting.FitResult | None:
        """The first chosen divergence's fit (the q the estimator study compares with)."""
        names = self.fitted()
        return self.results[names[0]] if names else next(iter(self.results.values()), None)
