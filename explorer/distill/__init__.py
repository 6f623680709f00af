"""Distillation lab: teacher/student losses over a vocabulary, limited students, and their metrics.

``loss(name, student_logits, teacher, ...)`` is a drop-in PyTorch loss over a registry of
divergences (:mod:`explorer.distill.losses`); ``distill(teacher, student=..., loss=...)`` trains a
deliberately limited student (:mod:`explorer.distill.students`) against a multimodal teacher
(:mod:`explorer.distill.teachers`) and reports diversity, mode recall, hallucination and every
divergence of :mod:`explorer.divergences` (:mod:`explorer.distill.metrics`). torch is imported
only when a loss is evaluated or a student trained.
"""

from explorer.distill import losses, metrics, students, teachers
from explorer.distill.fit import DistillResult, DistillSweep, distill, sweep
from explorer.distill.losses import LOSSES, get, loss, names

__all__ = ["LOSSES", "DistillResult", "DistillSweep", "distill", "get", "loss", "losses", "metrics", "names",
           "students", "sweep", "teachers"]
