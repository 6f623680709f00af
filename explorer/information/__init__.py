"""Information-bottleneck lab: mutual-information estimators, the IB curve, the information plane.

* :func:`mutual_information` / :func:`entropy` over one registry of estimators (:func:`names`,
  :func:`get`): ``binning``, ``adaptive``, ``kde``, ``ksg``, ``gaussian``, ``lossy``, ``neural``.

Torch is imported only by the estimators and functions that train something.
"""

from explorer.information.estimators import (
    REGISTRY,
    InfoValue,
    MIEstimator,
    entropy,
    get,
    mutual_information,
    names,
)

__all__ = ["REGISTRY", "InfoValue", "MIEstimator", "entropy", "get", "mutual_information", "names"]
