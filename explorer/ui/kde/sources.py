"""What the KDE lab's Bandwidth tab can estimate: toy targets (the true density is known), real
data sets, or the visitor's own data (a CSV upload or pasted numbers, read by
:mod:`explorer.userdata` through :class:`explorer.ui.widgets.upload.DataUpload`); and the 2-D
data sets of its contour view, the visitor's own two columns included.

Nothing is defined twice: the toy targets are the 1-D targets of :data:`explorer.presets.TARGETS`
(their ``p`` at default parameters is the truth), the shipped data are the 1-D entries of
:data:`explorer.presets.DATA_SOURCES`, and scikit-learn's bundled iris data (read from the
installed package, never downloaded) adds a small real sample where the selectors disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from explorer import data, presets

__all__ = ["SOURCES", "SOURCES_2D", "USER", "USER_TITLE", "Source", "Source2D"]

USER = "user"
USER_TITLE = "Your data (CSV / paste)"


@dataclass(frozen=True)
class Source:
    """A 1-D sample for the Bandwidth tab.

    ``truth()`` gives the true density (toy targets; ``None`` for real data), ``fixed()`` the
    fixed sample of a real data set (``None`` for toy targets, which are sampled at the n
    slider's size).
    """

    key: str
    title: str
    blurb: str
    truth: Callable[[], Any] | None = None
    fixed: Callable[[], np.ndarray] | None = None

    @property
    def sampled(self) -> bool:
        """Drawn from a known truth (the n slider and a new sample apply)."""
        return self.truth is not None

    def draw(self, n: int, seed: int) -> np.ndarray:
        if self.truth is not None:
            return np.asarray(self.truth().sample(int(n), rng=np.random.default_rng(seed)), dtype=float)
        if self.fixed is not None:
            return np.asarray(self.fixed(), dtype=float)
        raise ValueError("parameter 'data': upload a CSV file or paste numbers first")


@cache
def _truth(name: str) -> Any:
    return presets.make(name).p


@cache
def _iris_petal_length() -> np.ndarray:
    try:
        from sklearn.datasets import load_iris
    except ImportError as exc:  # pragma: no cover - scikit-learn is a dependency
        raise ImportError("the iris data set needs scikit-learn") from exc
    iris = load_iris()
    x = iris.data[:, iris.feature_names.index("petal length (cm)")].astype(float)
    x.setflags(write=False)
    return x


def _sources() -> dict[str, Source]:
    out: list[Source] = []
    for spec in presets.TARGETS.values():
        if spec.dim == 1 and spec.source is None:
            out.append(Source(spec.name, f"Toy: {spec.title} (truth known)", spec.description,
                              truth=lambda name=spec.name: _truth(name)))
    for src in presets.DATA_SOURCES.values():
        if src.dim == 1:
            out.append(Source(src.key, f"Data: {src.label}", src.blurb,
                              fixed=lambda key=src.key: presets.source_samples(key)))
    out.append(Source("iris_petal_length", "Data: iris petal length (cm), scikit-learn",
                      "150 iris flowers (Fisher 1936, bundled with scikit-learn): setosa's short petals "
                      "form a separate narrow mode.", fixed=_iris_petal_length))
    out.append(Source(USER, USER_TITLE,
                      "Upload a CSV/TSV/text file or paste numbers (or a table) below, then choose "
                      "the column."))
    return {s.key: s for s in out}


SOURCES: dict[str, Source] = _sources()


@dataclass(frozen=True)
class Source2D:
    """A 2-D data set of the contour view (shipped data: columns standardised, mixed units).

    ``samples`` is ``None`` for the visitor's own data, which the view holds itself.
    """

    key: str
    title: str
    axes: tuple[str, str]
    samples: Callable[[], np.ndarray] | None


@cache
def _faithful_2d() -> np.ndarray:
    x = data.samples("old_faithful", ("eruptions", "waiting"))
    return (x - x.mean(axis=0)) / x.std(axis=0)


def _sources_2d() -> dict[str, Source2D]:
    out = [Source2D(s.key, s.label, tuple(f"{c} (standardised)" for c in s.columns),
                    lambda key=s.key: presets.source_samples(key))
           for s in presets.DATA_SOURCES.values() if s.dim == 2]
    out.append(Source2D("old_faithful_2d", "Old Faithful: eruption vs waiting time (standardised)",
                        ("eruption time (standardised)", "waiting time (standardised)"), _faithful_2d))
    out.append(Source2D(USER, USER_TITLE, ("x", "y"), None))
    return {s.key: s for s in out}


SOURCES_2D: dict[str, Source2D] = _sources_2d()
