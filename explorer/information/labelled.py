r"""A visitor's own labelled data set for the information plane: features and class labels,
checked, capped and standardised by :func:`plane_data`.

:func:`~explorer.information.information_plane` takes ``dataset`` as a name (``"szt"``,
``"digits"``) or as a :class:`PlaneData`. The network is retrained on every change, so the data
are kept small enough for a live page: at most :data:`MAX_ROWS` rows (a seeded random subset
above it) and :data:`MAX_FEATURES` feature columns. A class needs at least two rows (one may land
in the held-out split); at most :data:`MAX_CLASSES` classes: a column with more distinct values
is most likely a measurement, not a class label.

The features are standardised, :math:`x'_{ij} = (x_{ij} - \bar x_j) / s_j` with :math:`s_j` the
column's standard deviation over the kept rows, so that one unit means the same for every input
of the first layer (the shipped sets are already on [0, 1]). Constant columns carry no
information about the class and are dropped, with a note.

:attr:`PlaneData.key` (``"user:<digest>"``, a hash of the checked arrays and the class names) is
what a run's ``config["dataset"]`` holds, so a cache keyed on the configuration never serves a
run of other data under the same name.

Examples
--------
>>> d = plane_data([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [4.0, 5.0]], ["a", "a", "b", "b"], "toy")
>>> d.x.shape, d.y.tolist(), d.classes, d.features
((4, 1), [0, 0, 1, 1], ('a', 'b'), ('feature 1',))
>>> d.notes[0]
'dropped 1 constant feature column (feature 2): it says nothing about the class'
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["MAX_CLASSES", "MAX_FEATURES", "MAX_ROWS", "PlaneData", "example_csv", "plane_data"]

#: Most rows trained on: 4,096 (the 12-bit task's size); a live run on the example takes seconds.
MAX_ROWS = 4096
#: Most feature columns (the digits set has 64).
MAX_FEATURES = 64
#: Most classes: more distinct labels look like a continuous column.
MAX_CLASSES = 20


@dataclass(frozen=True, eq=False)
class PlaneData:
    """A checked labelled data set for :func:`~explorer.information.information_plane`.

    Attributes
    ----------
    x : ndarray of float, shape (n, d)
        Standardised features (each column mean 0, standard deviation 1), read-only.
    y : ndarray of int, shape (n,)
        Class codes 0..k-1, the position of each row's label in ``classes``.
    name : str
        What the data are called on the page (e.g. the label column's name).
    classes : tuple of str
        The label of each class code (numbers written with ``%g``).
    features : tuple of str
        The names of the kept feature columns.
    notes : tuple of str
        What was changed: dropped constant columns, a random subset of the rows.
    n_given : int
        Rows given (before a subset was taken).
    digest : str
        Hex SHA-256 prefix of ``x``, ``y`` and ``classes``.
    """

    x: np.ndarray
    y: np.ndarray
    name: str
    classes: tuple[str, ...]
    features: tuple[str, ...]
    notes: tuple[str, ...]
    n_given: int
    digest: str

    @property
    def key(self) -> str:
        """``"user:<digest>"``: the run configuration's ``dataset`` (a cache key for these data)."""
        return f"user:{self.digest}"

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    def describe(self) -> str:
        """One line: rows, features, classes."""
        counts = np.bincount(self.y, minlength=len(self.classes))
        shown = ", ".join(f"{c} ({k})" for c, k in zip(self.classes[:8], counts[:8], strict=True))
        more = f", … {len(self.classes) - 8} more" if len(self.classes) > 8 else ""
        return (f"{self.n:,} rows × {len(self.features)} standardised feature"
                f"{'s' * (len(self.features) != 1)}, {len(self.classes)} classes: {shown}{more}")


def _label_text(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float | np.floating) else str(v)


def _class_codes(labels: np.ndarray, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Codes 0..k-1 of ``labels`` (numbers in numeric order, text in alphabetical order)."""
    if labels.dtype.kind in "fiub":
        lab = labels.astype(float)
        if not np.all(np.isfinite(lab)):
            raise ValueError(f"parameter 'labels' of {name!r} has NaN or infinite values; drop those rows")
    elif labels.dtype.kind in "OUS":
        lab = np.array([str(v).strip() for v in labels], dtype=object)
        if any(not v for v in lab):
            raise ValueError(f"parameter 'labels' of {name!r} has empty labels; drop those rows")
    else:
        raise ValueError(f"parameter 'labels' must hold numbers or text, got dtype {labels.dtype}")
    values, codes = np.unique(lab, return_inverse=True)
    if values.size > MAX_CLASSES:
        raise ValueError(
            f"the label column {name!r} has {values.size:,} distinct values: this looks like a continuous "
            f"column; the information plane needs class labels (at most {MAX_CLASSES} classes). Choose "
            "a column of class codes or names as the label")
    if values.size < 2:
        raise ValueError(f"the label column {name!r} has a single class ({_label_text(values[0])}); "
                         "the information plane needs at least 2 classes")
    return codes.astype(np.int64).ravel(), tuple(_label_text(v) for v in values)


def plane_data(features: Any, labels: Any, name: str = "your data",
               feature_names: Sequence[str] | None = None, seed: int = 0) -> PlaneData:
    """Check a labelled data set and make it a :class:`PlaneData`.

    Parameters
    ----------
    features : array-like of float, shape (n, d)
        One row per sample (a 1-D array is one feature). Must be finite.
    labels : array-like, shape (n,)
        Class labels: numbers (class codes, e.g. 0/1/2) or text (``"setosa"``); at most
        :data:`MAX_CLASSES` distinct values, each on at least 2 rows.
    name : str
        What the data are called (shown on the page).
    feature_names : sequence of str, optional
        The feature columns' names (default ``"feature 1"``, …).
    seed : int
        Seed of the random subset taken above :data:`MAX_ROWS` rows.

    Returns
    -------
    PlaneData
        Features standardised per column (mean 0, standard deviation 1), constant columns
        dropped; ``notes`` says what was changed.

    Raises
    ------
    ValueError
        Shapes that do not match, non-finite features, more than :data:`MAX_FEATURES` features,
        fewer than 2 or more than :data:`MAX_CLASSES` classes, a class with one row, every
        feature constant. The message names the parameter or the column.
    """
    x = np.asarray(features, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    lab = np.asarray(labels)
    if x.ndim != 2 or lab.ndim != 1 or x.shape[0] != lab.shape[0]:
        raise ValueError(f"parameter 'features' must be (n, d) and 'labels' (n,) with the same n, got "
                         f"{x.shape} and {lab.shape}")
    n_given, d = x.shape
    names = tuple(feature_names) if feature_names is not None else tuple(f"feature {j + 1}" for j in range(d))
    if len(names) != d:
        raise ValueError(f"parameter 'feature_names' must name the {d} feature columns, got {len(names)}")
    if d < 1:
        raise ValueError("parameter 'features' needs at least one feature column")
    if d > MAX_FEATURES:
        raise ValueError(f"{d} feature columns chosen; the information plane here takes at most "
                         f"{MAX_FEATURES} (it retrains the network on every change): choose fewer")
    if not np.all(np.isfinite(x)):
        bad = int((~np.isfinite(x)).any(axis=1).sum())
        raise ValueError(f"parameter 'features' has NaN or infinite values in {bad:,} rows; drop those rows")
    notes = []
    if n_given > MAX_ROWS:
        keep = np.sort(np.random.default_rng(seed).choice(n_given, MAX_ROWS, replace=False))
        x, lab = x[keep], lab[keep]
        notes.append(f"trained on a random {MAX_ROWS:,} of the {n_given:,} rows (seed {seed}) to stay "
                     "interactive")
    y, classes = _class_codes(lab, name)
    counts = np.bincount(y, minlength=len(classes))
    if counts.min() < 2:
        lonely = [classes[i] for i in np.flatnonzero(counts < 2)]
        shown = ", ".join(repr(c) for c in lonely[:5]) + (" …" if len(lonely) > 5 else "")
        raise ValueError(f"class{'es' * (len(lonely) > 1)} {shown} of {name!r} "
                         f"{'have' if len(lonely) > 1 else 'has'} a single row; every class needs at "
                         "least 2 (one to train on, one to test): remove or merge "
                         f"{'them' if len(lonely) > 1 else 'it'}")
    spread = x.std(axis=0)
    constant = spread <= 1e-12 * np.maximum(1.0, np.abs(x).max(axis=0))
    if constant.all():
        raise ValueError(f"every feature column of {name!r} is constant ({', '.join(names[:5])}"
                         f"{' …' if d > 5 else ''}): the network would have nothing to learn from; "
                         "choose other columns")
    if constant.any():
        gone = [n for n, c in zip(names, constant, strict=True) if c]
        notes.append(f"dropped {len(gone)} constant feature column{'s' * (len(gone) > 1)} "
                     f"({', '.join(gone[:5])}{' …' if len(gone) > 5 else ''}): "
                     f"{'they say' if len(gone) > 1 else 'it says'} nothing about the class")
        x, spread = x[:, ~constant], spread[~constant]
        names = tuple(n for n, c in zip(names, constant, strict=True) if not c)
    x = (x - x.mean(axis=0)) / spread
    x.setflags(write=False)
    y.setflags(write=False)
    h = hashlib.sha256(np.ascontiguousarray(x).tobytes())
    h.update(y.tobytes())
    h.update("\x00".join(classes).encode())
    return PlaneData(x, y, str(name), classes, names, tuple(notes), int(n_given), h.hexdigest()[:16])


@lru_cache(maxsize=1)
def example_csv(per_class: int = 20) -> str:
    """``per_class`` rows of each species of Fisher's iris flowers (scikit-learn's bundled copy,
    no download) as CSV text, the species written out: an example for the upload box.

    >>> example_csv().splitlines()[0]
    'sepal length (cm),sepal width (cm),petal length (cm),petal width (cm),species'
    """
    from sklearn.datasets import load_iris

    iris = load_iris()
    rows = [",".join([*iris.feature_names, "species"])]
    for k, species in enumerate(iris.target_names):
        idx = np.flatnonzero(iris.target == k)
        for i in idx[np.linspace(0, idx.size - 1, per_class).round().astype(int)]:
            rows.append(",".join([*(f"{v:g}" for v in iris.data[i]), str(species)]))
    return "\n".join(rows) + "\n"
