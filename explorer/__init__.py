"""Divergence Explorer: see and measure how the choice of divergence or estimator changes the answer.

The computational core (``explorer.distributions``, ``explorer.divergences``, ...) imports only
numpy/scipy (torch and POT lazily where needed); the widget code lives in ``explorer.ui`` and is
never imported from here.
"""

from explorer import distributions, divergences
from explorer.divergences import compute, compute_all, evaluate, names

__version__ = "0.1.0"
__all__ = ["compute", "compute_all", "distributions", "divergences", "evaluate", "names"]
