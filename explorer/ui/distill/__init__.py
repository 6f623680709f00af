"""Distillation and alignment lab (notebooks/05_distillation_alignment.ipynb).

Modules: :mod:`.page` (the two tabs, the Alignment tab built when first opened),
:mod:`.tab_distillation` with :mod:`.teacher_panel`, :mod:`.distill_work` (training in the
background, cached per temperature), :mod:`.distill_plot`, :mod:`.distill_table`;
:mod:`.tab_alignment` with :mod:`.align_work` and :mod:`.align_plot`; :mod:`.claims` (the papers'
claims and their presets) and :mod:`.colours`.
"""

from explorer.ui.distill.page import TAB_TITLES, DistillLab, build, show

__all__ = ["TAB_TITLES", "DistillLab", "build", "show"]
