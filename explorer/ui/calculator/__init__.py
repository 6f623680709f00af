"""The divergence calculator page (notebooks/01_divergence_calculator.ipynb).

Pick a target p and a model q, move their sliders, and see both densities and every registered
divergence, D(p‖q) and - for the asymmetric ones - D(q‖p). All numbers come from
:func:`explorer.divergences.compute_both`; this package only builds widgets and plots.

Modules: :mod:`.page` (the page: controls, events), :mod:`.side` (a distribution's family and
sliders), :mod:`.divergence_params` (the registry's parameter sliders), :mod:`.plot` (the
figure), :mod:`.table` (the table and glossary).
"""

from explorer.ui.calculator.divergence_params import param_label, param_symbol
from explorer.ui.calculator.page import DEFAULT_PRESET, Calculator, build, show

__all__ = ["DEFAULT_PRESET", "Calculator", "build", "param_label", "param_symbol", "show"]
