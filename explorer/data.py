"""Loaders for the small real data sets shipped in ``data/`` (checked by SHA-256, never downloaded).

Provenance and licences: ``data/README.md``.

Examples
--------
>>> from explorer import data
>>> faithful = data.load("old_faithful")
>>> faithful["eruptions"].shape
(272,)
>>> round(float(faithful["eruptions"].mean()), 6)
3.487783
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from explorer.distributions import Empirical

__all__ = ["DATASETS", "Dataset", "data_dir", "distribution", "load", "samples"]


@dataclass(frozen=True)
class Dataset:
    """A shipped data set: its file, checksum, and what its columns mean."""

    name: str
    title: str
    filename: str
    sha256: str
    description: str
    source: str
    licence: str
    numeric: tuple[str, ...]
    units: dict[str, str]


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            name="old_faithful",
            title="Old Faithful geyser eruptions",
            filename="old_faithful.csv",
            sha256="35755e109446ec911891b1eae5cb33bc2f18367ce712145e4f9d27d19f575bad",
            description="272 eruptions of the Old Faithful geyser: duration and waiting time "
            "to the next eruption - both bimodal.",
            source="R datasets::faithful (Härdle 1991; Azzalini & Bowman 1990)",
            licence="factual measurements, freely redistributed with R",
            numeric=("eruptions", "waiting"),
            units={"eruptions": "min", "waiting": "min"},
        ),
        Dataset(
            name="penguins",
            title="Palmer penguins",
            filename="penguins.csv",
            sha256="f204db2c753b0937caac3cb35258562c14f073e4bbc76be24b4c51ce22767a93",
            description="344 penguins of three species: bill and flipper measurements, "
            "multimodal across species.",
            source="Horst, Hill & Gorman (2020), palmerpenguins; Gorman et al. (2014)",
            licence="CC0 1.0",
            numeric=("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"),
            units={"bill_length_mm": "mm", "bill_depth_mm": "mm", "flipper_length_mm": "mm",
                   "body_mass_g": "g", "year": ""},
        ),
    )
}


def data_dir() -> Path:
    """Folder holding the CSV files: inside an installed wheel, else the repository's ``data/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data", here.parent / "data"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "the data folder is missing: expected explorer/_data (installed) or data/ next to the "
        "explorer package (source checkout)"
    )


def _get(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown data set {name!r}; choose one of: {', '.join(DATASETS)}") from None


@cache
def _load_checked(name: str) -> dict[str, np.ndarray]:
    ds = _get(name)
    path = data_dir() / ds.filename
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != ds.sha256:
        raise OSError(
            f"{path} failed its checksum (sha256 {digest}, expected {ds.sha256}); "
            "restore the file from the repository"
        )
    rows = list(csv.DictReader(raw.decode("utf-8").splitlines()))
    out: dict[str, np.ndarray] = {}
    for col in rows[0]:
        values = [r[col] for r in rows]
        if col in ds.numeric:
            out[col] = np.array([np.nan if v in ("NA", "") else float(v) for v in values])
        else:
            out[col] = np.array(values, dtype=object)
    for arr in out.values():
        arr.setflags(write=False)
    return out


def load(name: str) -> dict[str, np.ndarray]:
    """All columns of data set ``name`` (numeric ones as float arrays, ``nan`` for missing).

    Raises
    ------
    ValueError
        Unknown name.
    OSError
        The file's SHA-256 does not match the recorded value.
    """
    return dict(_load_checked(name))


def samples(name: str, columns: str | tuple[str, ...]) -> np.ndarray:
    """Numeric column(s) of a data set with rows holding missing values dropped.

    One column gives shape ``(n,)``; a tuple of columns gives ``(n, len(columns))``.
    """
    ds = _get(name)
    cols = (columns,) if isinstance(columns, str) else tuple(columns)
    for c in cols:
        if c not in ds.numeric:
            raise ValueError(f"{c!r} is not a numeric column of {name!r}; choose from {ds.numeric}")
    table = _load_checked(name)
    arr = np.column_stack([table[c] for c in cols])
    arr = arr[~np.any(np.isnan(arr), axis=1)]
    return arr[:, 0].copy() if isinstance(columns, str) else arr


def distribution(
    name: str, columns: str | tuple[str, ...], bandwidth: float | str | None = None
) -> Empirical:
    """An :class:`~explorer.distributions.Empirical` (data + Gaussian KDE) of the chosen column(s)."""
    ds = _get(name)
    cols = (columns,) if isinstance(columns, str) else tuple(columns)
    label = f"{ds.title}: {', '.join(cols)}"
    return Empirical(samples(name, columns), bandwidth=bandwidth, name=label)
