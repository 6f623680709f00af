"""Sample estimators of divergences, and studies of how many samples they need.

* :mod:`~explorer.estimators.interface` — the Protocols an estimator and a measure follow;
* :mod:`~explorer.estimators.knn` — k-NN KL (Wang, Kulkarni & Verdú 2009);
* :mod:`~explorer.estimators.kernel` — MMD² and energy distance (U- and V-statistics, and the
  Gaussian-mixture kernel terms fitting uses);
* :mod:`~explorer.estimators.parzen` — Parzen-window Cauchy–Schwarz;
* :mod:`~explorer.estimators.samples` — the one helper every sample path goes through (draw,
  estimate, describe);
* :mod:`~explorer.estimators.studies` — :func:`study`: bias and spread vs n against the exact
  value (loaded on first use: it imports the divergence registry).

Optimal-transport estimators live in :mod:`explorer.ot`.
"""

from __future__ import annotations

from typing import Any

from explorer.estimators.kernel import energy_unbiased, mmd2_unbiased
from explorer.estimators.knn import knn_kl
from explorer.estimators.parzen import parzen_cs

_STUDY_NAMES = ("DEFAULT_NS", "STUDY_PAIRS", "StudyResult", "min_sample_size", "study")

__all__ = ["energy_unbiased", "knn_kl", "mmd2_unbiased", "parzen_cs", *_STUDY_NAMES]


def __getattr__(name: str) -> Any:
    # explorer.estimators.study & co. are loaded lazily: the study module imports the divergence
    # registry, which itself imports the estimators above (an eager import would be circular)
    if name in _STUDY_NAMES:
        from explorer.estimators import studies

        return getattr(studies, name)
    raise AttributeError(f"module 'explorer.estimators' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_STUDY_NAMES})
