"""Distillation lab: teacher/student losses over a vocabulary, limited students, and their metrics."""
