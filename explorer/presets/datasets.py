r"""Distributions backed by the shipped data sets, each defined once and loaded one way.

A :class:`DataSource` names a data set of :mod:`explorer.data` (checked by SHA-256 on load)
and the column(s) used; :func:`source_samples` returns the cleaned samples (cached, read-only)
and :func:`source_distribution` their :class:`~explorer.distributions.Empirical` KDE. The
calculator's data families and the mode-seeking demo's data targets both go through here.

Examples
--------
>>> from explorer.presets import source_distribution, source_samples
>>> source_samples("old_faithful_eruptions").shape
(272,)
>>> source_distribution("penguins_bill_flipper").dim
2
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from explorer import data
from explorer.distributions import Empirical

__all__ = ["DATA_SOURCES", "DataSource", "source_distribution", "source_samples", "user_blurb", "user_subset"]


@dataclass(frozen=True)
class DataSource:
    """One data-set-backed distribution: which columns of which shipped data set.

    Attributes
    ----------
    key : str
        Registry name.
    dataset : str
        Name in :data:`explorer.data.DATASETS`.
    columns : str or tuple of str
        One column (a 1-D distribution) or several (a ``len(columns)``-D one).
    label : str
        Name shown in plots (the KDE's ``name``).
    blurb : str
        One sentence for the page.
    standardise : bool
        Centre each column and divide by its standard deviation (mixed units, e.g. mm and g).
    """

    key: str
    dataset: str
    columns: str | tuple[str, ...]
    label: str
    blurb: str = ""
    standardise: bool = False

    @property
    def dim(self) -> int:
        return 1 if isinstance(self.columns, str) else len(self.columns)


DATA_SOURCES: dict[str, DataSource] = {
    s.key: s
    for s in (
        DataSource("old_faithful_eruptions", "old_faithful", "eruptions", "Old Faithful eruptions (min)",
                   "272 eruption durations of the Old Faithful geyser — bimodal."),
        DataSource("old_faithful_waiting", "old_faithful", "waiting", "Old Faithful waiting time (min)",
                   "Waiting time to the next eruption — bimodal."),
        DataSource("penguin_flipper", "penguins", "flipper_length_mm", "Penguin flipper length (mm)",
                   "Flipper lengths of 342 Palmer penguins, three species."),
        DataSource("penguins_bill_flipper", "penguins", ("bill_length_mm", "flipper_length_mm"),
                   "penguins: bill vs flipper (standardised)",
                   "342 penguins, bill × flipper length: three species clusters.", standardise=True),
    )
}


def _get(key: str) -> DataSource:
    try:
        return DATA_SOURCES[key]
    except KeyError:
        raise ValueError(f"unknown data source {key!r}; choose one of: {', '.join(DATA_SOURCES)}") from None


@cache
def source_samples(key: str) -> np.ndarray:
    """The samples of data source ``key`` (rows with missing values dropped; read-only).

    Shape ``(n,)`` for one column, ``(n, d)`` for several; standardised if the source says so.
    """
    src = _get(key)
    x = data.samples(src.dataset, src.columns)
    if src.standardise:
        x = (x - x.mean(axis=0)) / x.std(axis=0)
    x.setflags(write=False)
    return x


def source_distribution(key: str, bandwidth: Any = None) -> Empirical:
    """The KDE of data source ``key``: :class:`~explorer.distributions.Empirical` of its samples.

    ``bandwidth`` as for :class:`~explorer.distributions.Empirical` (``None``: Silverman's rule
    in 1-D, Scott's in d-D). Without a bandwidth the result is cached.
    """
    if bandwidth is None:
        return _default_distribution(key)
    return Empirical(source_samples(key), bandwidth=bandwidth, name=_get(key).label)


@cache
def _default_distribution(key: str) -> Empirical:
    return Empirical(source_samples(key), name=_get(key).label)


def user_subset(samples: Any, cap: int) -> tuple[np.ndarray, int]:
    """A visitor's 1-D sample as floats, thinned to a seeded random ``cap`` values (sorted) when it
    has more (seed 0: the same data give the same subset); and its size before thinning."""
    x = np.asarray(samples, dtype=float).reshape(-1)
    n = x.size
    if n > cap:
        x = np.sort(np.random.default_rng(0).choice(x, cap, replace=False))
    return x, n


def user_blurb(label: str, n: int, used: int, example: bool, subset: str, example_note: str = "") -> str:
    """The sentence a page shows about a visitor's sample: the example's notice, or ``n`` values of
    ``label``; ``subset`` (e.g. "The fits use a random {used:,} of them (…).") is added when only
    ``used`` of them are used; a link keeps the settings, not the data."""
    if example:
        return ("Showing the example numbers in the box below until you upload a CSV file or paste "
                "your own numbers." + example_note)
    blurb = f"{n:,} values of {label}, as a Gaussian KDE."
    if n > used:
        blurb += " " + subset.format(used=used)
    return blurb + " A link to this view keeps the settings, not the data."
