r"""Probability distributions: densities, samplers, moments and plotting ranges.

One module per concern; every public name is re-exported here, so
``from explorer.distributions import Gaussian`` works whatever module defines it.

=====================  ====================================================================
module                 contents
=====================  ====================================================================
``base``               :class:`Distribution` (the interface, the ``discrete``/``batch_shape``/
                       ``on_grid`` capabilities), :data:`GRID_DIMS`, :func:`gaussian_mixture_parts`
``continuous``         :class:`Gaussian` (1-D, d-D), :class:`StudentT`, :class:`Laplace`,
                       :class:`Uniform`
``mixture``            :class:`Mixture`
``empirical``          :class:`Empirical` (data + Gaussian KDE), :func:`silverman_bandwidth`
``transforms``         :class:`Transformed` pushforwards through :class:`Affine`, :class:`Exp`,
                       :class:`Sinh` (:class:`Bijection`)
``discrete``           :class:`Categorical` (batched, from probs or logits), :class:`Joint`
                       (pmf over (x, y): marginals, conditionals, mutual information)
=====================  ====================================================================

1-D continuous distributions also have ``cdf``/``sf`` (used by the Wasserstein quadrature) and
describe where their density has kinks or jumps (``breakpoints``) and how narrow its features
are (``resolution``), which the quadrature uses to place its grid.

Examples
--------
>>> from explorer.distributions import Gaussian, Mixture
>>> p = Mixture([Gaussian(-2, 0.5), Gaussian(2, 0.5)], [0.5, 0.5])
>>> round(float(p.mean), 6), round(float(p.var), 6)
(0.0, 4.25)
"""

from explorer.distributions.base import GRID_DIMS, Distribution, RngLike, gaussian_mixture_parts
from explorer.distributions.continuous import Gaussian, Laplace, StudentT, Uniform
from explorer.distributions.discrete import Categorical, Joint
from explorer.distributions.empirical import Empirical, silverman_bandwidth
from explorer.distributions.mixture import Mixture
from explorer.distributions.transforms import Affine, Bijection, Exp, Sinh, Transformed

__all__ = [
    "GRID_DIMS",
    "Affine",
    "Bijection",
    "Categorical",
    "Distribution",
    "Empirical",
    "Exp",
    "Gaussian",
    "Joint",
    "Laplace",
    "Mixture",
    "RngLike",
    "Sinh",
    "StudentT",
    "Transformed",
    "Uniform",
    "gaussian_mixture_parts",
    "silverman_bandwidth",
]
