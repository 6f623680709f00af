"""Fit a model q to a target p under any registered divergence (torch autograd, batched restarts).

* :mod:`~explorer.fitting.core` — :func:`fit`, :func:`fit_path`, :func:`landscape`,
  :func:`gradient_weight` (how paths are chosen and results built: see its docstring);
* :mod:`~explorer.fitting.families` — the model families q_θ (:data:`MODEL_FAMILIES`);
* :mod:`~explorer.fitting.objectives` — the objectives, selected by the entry's capability fields;
* :mod:`~explorer.fitting.results` — :class:`FitResult`, :class:`Optimum`, :class:`FitHistory`.

torch is imported on the first fit, not by ``import explorer.fitting``.
"""

from explorer.fitting.core import fit, fit_path, gradient_weight, landscape
from explorer.fitting.families import (
           MODEL_FAMILIES,
           Gaussian1D,
           Gaussian2D,
           GaussianMixtureFamily,
           ModelFamily,
)
from explorer.fitting.results import FitHistory, FitResult, Optimum

__all__ = ["MODEL_FAMILIES", "FitHistory", "FitResult", "Gaussian1D", "Gaussian2D", "GaussianMixtureFamily",
           "ModelFamily", "Optimum", "fit", "fit_path", "gradient_weight", "landscape"]
