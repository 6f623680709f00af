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

__all__ = ["DATA_SOURCES", "DataSource", "source_distribution", "source_samples"]


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
