"""Information-bottleneck lab: mutual-information estimators, the IB curve, the information plane.

* :func:`mutual_information` / :func:`entropy` over one registry of estimators (:func:`names`,
  :func:`get`): ``binning``, ``adaptive``, ``kde``, ``ksg``, ``gaussian``, ``lossy``, ``neural``.
* :func:`benchmark_tasks` (known MI) and :func:`evaluate` (bias and spread vs n).
* :func:`ib_curve` (iterative / deterministic IB of a joint pmf) and :func:`gaussian_ib_curve`
  (closed form).
* :func:`ib_regression`: Cauchy–Schwarz IB vs MSE + VIB on a real regression set.
* :func:`wasserstein_dependency` and :func:`saturation_study` (MI bounds saturate at log n;
  :func:`gaussian_pairs_mi` is its tasks' true MI).
* :func:`information_plane`: train an MLP, record I(X;T), I(T;Y) per layer and epoch, on a
  shipped data set or on the visitor's own (:func:`plane_data` checks it into a :class:`PlaneData`).

Torch (and POT) are imported only inside the functions that train or transport something.
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
from explorer.information.ib import IBResult, gaussian_ib_curve, ib_curve
from explorer.information.labelled import PlaneData, plane_data
from explorer.information.plane import (
    PlaneResult,
    information_plane,
    load_dataset,
    load_precomputed,
    szt_joint,
    szt_task,
)
from explorer.information.regression import RegressionIBResult, ib_regression
from explorer.information.tasks import EvaluationResult, MITask, benchmark_tasks, evaluate, student_t_mi
from explorer.information.wasserstein import (
    SaturationResult,
    gaussian_pairs_mi,
    saturation_ceiling,
    saturation_study,
    wasserstein_dependency,
)

__all__ = [
    "REGISTRY", "EvaluationResult", "IBResult", "InfoValue", "MIEstimator", "MITask", "PlaneData",
    "PlaneResult", "RegressionIBResult", "SaturationResult", "benchmark_tasks", "entropy", "evaluate",
    "gaussian_ib_curve", "gaussian_pairs_mi",
    "get", "ib_curve", "ib_regression", "information_plane", "load_dataset", "load_precomputed",
    "mutual_information", "names", "plane_data", "saturation_ceiling", "saturation_study",
    "student_t_mi", "szt_joint", "szt_task", "wasserstein_dependency",
]
