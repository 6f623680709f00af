"""Alignment lab: targets a·b and a·exp(r/β), restricted policies fitted under any divergence (f-DPG),
the alignment–diversity frontier over β, and f-DPO's closed-form policies (λ by a 1-D root search).

torch is imported only when a policy is fitted.
"""

from explorer.alignment import fdpg, fdpo, problem
from explorer.alignment.fdpg import AlignmentMetrics, FitResult, Frontier, fit, frontier
from explorer.alignment.fdpo import FDPOResult, closed_form, implied_reward, numerical_optimum
from explorer.alignment.problem import AlignmentProblem, toy

__all__ = ["AlignmentMetrics", "AlignmentProblem", "FDPOResult", "FitResult", "Frontier", "closed_form",
           "fdpg", "fdpo", "fit", "frontier", "implied_reward", "numerical_optimum", "problem", "toy"]
