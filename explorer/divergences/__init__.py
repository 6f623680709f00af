r"""One registry of divergences between probability distributions.

``compute(name, p, q)`` is :math:`D(p\|q)` - the first argument is the *target* / reference
distribution and the second the *model* when fitting. Hence **forward KL** is
``compute("kl", target, model)`` = KL(target‖model) and **reverse KL** is
``compute("reverse_kl", target, model)`` = KL(model‖target). Values are the true divergence
(never a surrogate such as a cross-entropy), in **nats** for the log-based ones unless a
``base`` is given, and ``inf`` where the divergence is truly infinite (e.g. disjoint supports);
never NaN.

How a value is obtained (``method``):

``"closed_form"``
    exact formulas for Gaussian pairs (KL, Rényi/α, χ², Hellinger, Bhattacharyya, W2, 1-D W1 and
    TV) and for Gaussian mixtures and KDEs (MMD, Cauchy–Schwarz).
``"quadrature"``
    log-space Simpson quadrature on a shared grid with infinite-tail detection (1-D and 2-D;
    see :mod:`explorer.divergences.quadrature`); exact sums for
    :class:`~explorer.distributions.Categorical`.
``"monte_carlo"``
    importance sampling of the same integrand from :math:`(p+q)/2` (densities needed).
``"samples"``
    estimators from samples only (k-NN KL, unbiased MMD², exact OT, Parzen CS); used when
    ``p`` and ``q`` are arrays of samples. Divergences without a dedicated estimator fall back
    to a Gaussian-KDE plug-in (``"kde"``).
``"auto"``
    closed form if one exists for the pair, else quadrature (densities), exact sums
    (categorical) or the sample estimator (arrays, and densities beyond 2-D).

The package: :mod:`~explorer.divergences.registry` (the entry type and lookup),
:mod:`~explorer.divergences.entries` (the entries), :mod:`~explorer.divergences.integrands`,
:mod:`~explorer.divergences.measures`, :mod:`~explorer.divergences.closed_form`,
:mod:`~explorer.divergences.quadrature` and :mod:`~explorer.divergences.dispatch` (evaluate, compute, ...).

Examples
--------
>>> from explorer.distributions import Gaussian
>>> from explorer import divergences as dv
>>> round(dv.compute("kl", Gaussian(0, 1), Gaussian(1, 1)), 6)
0.5
>>> round(dv.compute("kl", Gaussian(0, 1), Gaussian(1, 1), method="quadrature"), 6)
0.5
>>> dv.get("kl").fit.likelihood, dv.get("sinkhorn").fit.landscape
(True, False)
"""

from explorer.divergences import entries  # noqa: F401  (registers every entry)
from explorer.divergences.dispatch import (
    DEFAULT_MC_SAMPLES,
    DEFAULT_SAMPLES,
    METHODS,
    compute,
    compute_all,
    compute_both,
    evaluate,
)
from explorer.divergences.registry import (
    BALANCED,
    COVERING,
    REGISTRY,
    SEEKING,
    Divergence,
    DivergenceValue,
    FitSupport,
    get,
    names,
    register,
)

# the sample estimators and OT solvers, also importable from their homes (explorer.estimators.*,
# explorer.ot): kept here because scripts written against the one-module layout call them as dv.*
from explorer.estimators.kernel import energy_weighted, mmd2_unbiased, mmd2_weighted
from explorer.estimators.knn import knn_kl
from explorer.estimators.parzen import parzen_cs
from explorer.ot.entropic import sinkhorn_divergence, sinkhorn_ot
from explorer.ot.exact import ot_distance

__all__ = [
    "BALANCED",
    "COVERING",
    "DEFAULT_MC_SAMPLES",
    "DEFAULT_SAMPLES",
    "METHODS",
    "REGISTRY",
    "SEEKING",
    "Divergence",
    "DivergenceValue",
    "FitSupport",
    "compute",
    "compute_all",
    "compute_both",
    "energy_weighted",
    "evaluate",
    "get",
    "knn_kl",
    "mmd2_unbiased",
    "mmd2_weighted",
    "names",
    "ot_distance",
    "parzen_cs",
    "register",
    "sinkhorn_divergence",
    "sinkhorn_ot",
]
