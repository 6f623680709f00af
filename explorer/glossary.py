"""Words the app and the docs use, defined once (shown in the app and in docs/divergences.md)."""

from __future__ import annotations

GLOSSARY: dict[str, str] = {
    "D(p‖q)": "Every divergence is computed as D(p‖q): the first argument p is the target (the "
    "distribution we want to describe), the second q is the model. Asymmetric divergences change "
    "value when the arguments are swapped, so the calculator shows both D(p‖q) and D(q‖p).",
    "forward KL": "KL(target‖model) = KL(p‖q) = ∫ p log(p/q). It averages over the target: a model "
    "that is small where the target has mass pays a huge price, so fitting q by forward KL spreads "
    "q over every mode (mode-covering, 'zero-avoiding'). Minimising it is maximum likelihood.",
    "reverse KL": "KL(model‖target) = KL(q‖p) = ∫ q log(q/p). It averages over the model: q is only "
    "penalised where it puts mass the target lacks, so fitting q by reverse KL lets q sit on one "
    "mode and ignore the others (mode-seeking, 'zero-forcing'). Variational inference minimises it.",
    "f-divergence": "D_f(p‖q) = ∫ q f(p/q) for a convex f with f(1) = 0 (Csiszár 1967; Ali & Silvey "
    "1966). KL, reverse KL, Jeffreys, JS, Hellinger², TV, χ², Neyman χ² and the α-family are "
    "f-divergences; they do not change when both p and q are pushed through the same invertible map.",
    "nats": "Log-based divergences are reported in nats (natural logarithm). 1 nat = 1/ln 2 ≈ 1.443 "
    "bits; choose bits in the app or pass base=2 in Python.",
    "∞ (infinite)": "A divergence is infinite, not merely large, when e.g. one distribution puts mass "
    "where the other has none (disjoint or nested supports) or when its integral diverges in the "
    "tails (KL from a Cauchy to a Gaussian). The app shows ∞ and says why; it never reports a "
    "truncated number.",
    "mode-seeking / mode-covering": "How a single-mode model q behaves when fitted to a multimodal "
    "target p by minimising D(p‖q): mode-covering divergences (forward KL, χ², α ≥ ¾) make q spread "
    "over all modes; mode-seeking ones (reverse KL, Neyman χ², α ≤ ¼) let q lock onto one mode; "
    "balanced ones (JS, Hellinger, TV, Wasserstein, MMD, CS) sit in between.",
    "metric": "A divergence that is symmetric, zero only for p = q and obeys the triangle inequality "
    "(TV, W₁, W₂). For JS, H² and MMD² the square root is a metric.",
    "closed form / quadrature / samples": "How a value was obtained: an exact formula (Gaussian "
    "pairs, Gaussian mixtures), log-space numerical integration on an adaptive grid with "
    "infinite-tail detection, or an estimator from samples (k-NN, U-statistic, optimal transport).",
}
