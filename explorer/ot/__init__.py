"""Optimal transport solvers shared by the labs (batched, differentiable, torch)."""
