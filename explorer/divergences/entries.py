r"""The registry entries: every divergence the package computes, in display order.

Each entry wires the maths of :mod:`~explorer.divergences.integrands`,
:mod:`~explorer.divergences.measures`, :mod:`~explorer.divergences.closed_form`, the sample
estimators of :mod:`explorer.estimators` and the optimal transport of :mod:`explorer.ot` into one
:class:`~explorer.divergences.registry.Divergence`, with its capability fields (``fit``,
``needs_positions``, ``upper_bound``, ...). Adding a divergence is one ``register(...)`` call here;
the calculator, the fitting code, the docs and the property tests pick it up from the registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import numpy as np

from explorer.divergences import closed_form as cf
from explorer.divergences import integrands as ig
from explorer.divergences import measures as ms
from explorer.divergences.integrands import LOG2
from explorer.divergences.registry import BALANCED, COVERING, SEEKING, Divergence, FitSupport, register
from explorer.estimators.kernel import (
    energy_unbiased,
    energy_weighted,
    gm_kernel_energy,
    gm_kernel_rbf,
    mmd2_unbiased,
    mmd2_weighted,
)
from explorer.estimators.knn import knn_kl
from explorer.estimators.parzen import parzen_cs
from explorer.ot.entropic import sinkhorn_samples
from explorer.ot.exact import ot_distance
from explorer.ot.objectives import SinkhornObjective, WassersteinObjective
from explorer.params import Param

__all__ = ["K_PARAM"]


def _alpha_behaviour(params: Mapping[str, float]) -> str:
    a = params.get("alpha", params.get("order", 0.5))
    if a <= 0.25:
        return SEEKING
    if a >= 0.75:
        return COVERING
    return BALANCED


# sample estimators in the registry's signature estimator(x, y, rng, **params)
def samples_kl(x: Any, y: Any, rng: Any, k: int = 5) -> float:
    return knn_kl(x, y, int(k), rng)


def samples_rkl(x: Any, y: Any, rng: Any, k: int = 5) -> float:
    return knn_kl(y, x, int(k), rng)


def samples_jeffreys(x: Any, y: Any, rng: Any, k: int = 5) -> float:
    return knn_kl(x, y, int(k), rng) + knn_kl(y, x, int(k), rng)


def samples_w1(x: Any, y: Any, rng: Any) -> float:
    return ot_distance(x, y, 1)


def samples_w2(x: Any, y: Any, rng: Any) -> float:
    return ot_distance(x, y, 2)


def samples_mmd(x: Any, y: Any, rng: Any, bandwidth: float = 1.0) -> float:
    return mmd2_unbiased(x, y, bandwidth)


def samples_cs(x: Any, y: Any, rng: Any, window: float | None = None) -> float:
    return parzen_cs(x, y, window)


def samples_energy(x: Any, y: Any, rng: Any) -> float:
    return energy_unbiased(x, y)


def samples_sinkhorn(x: Any, y: Any, rng: Any, epsilon: float = 0.5) -> float:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return sinkhorn_samples(x.reshape(len(x), -1), y.reshape(len(y), -1), epsilon)


K_PARAM = Param("k", 5, low=1, high=100, slider=(1, 20), integer=True,
                doc="number of nearest neighbours of the k-NN estimator")

register(Divergence(
    name="kl", label="KL", formula="KL(p‖q) = ∫ p log(p/q) dx",
    description="Forward KL = KL(target‖model): infinite wherever the model misses target mass, "
                "so a fitted model spreads over every mode.",
    reference="Kullback & Leibler (1951), Ann. Math. Statist. 22(1):79–86.",
    symmetric=False, metric=False, sqrt_metric=False, f_divergence=True, behaviour=COVERING,
    generator=lambda t: t * np.log(t), generator_text="f(t) = t log t",
    measure=ms.from_integrand(ig.KL_INTEGRAND), integrand=ig.KL_INTEGRAND, closed_form=cf.kl,
    weight=ig.weight_kl,
    samples=samples_kl, sample_estimator="k-NN (Wang, Kulkarni & Verdú 2009)",
    estimator_params=(K_PARAM,), fit=FitSupport(likelihood=True, moments=True),
))
register(Divergence(
    name="reverse_kl", label="RKL", formula="RKL(p‖q) = KL(q‖p) = ∫ q log(q/p) dx",
    description="Reverse KL = KL(model‖target): infinite wherever the model puts mass the target "
                "lacks, so a fitted model hides inside one mode.",
    reference="Kullback & Leibler (1951); its mode-seeking use: Minka (2005), 'Divergence measures "
              "and message passing', MSR-TR-2005-173.",
    symmetric=False, metric=False, sqrt_metric=False, f_divergence=True, behaviour=SEEKING,
    generator=lambda t: -np.log(t), generator_text="f(t) = −log t",
    measure=ms.from_integrand(ig.RKL_INTEGRAND), integrand=ig.RKL_INTEGRAND, closed_form=cf.rkl,
    weight=ig.weight_reverse_kl,
    samples=samples_rkl, sample_estimator="k-NN (Wang, Kulkarni & Verdú 2009), arguments swapped",
    estimator_params=(K_PARAM,),
))
register(Divergence(
    name="jeffreys", label="Jeffreys", formula="J(p,q) = KL(p‖q) + KL(q‖p)",
    description="Symmetrised KL; inherits the infinities of both directions.",
    reference="Jeffreys (1946), Proc. R. Soc. A 186:453–461.",
    symmetric=True, metric=False, sqrt_metric=False, f_divergence=True, behaviour=COVERING,
    generator=lambda t: (t - 1) * np.log(t), generator_text="f(t) = (t − 1) log t",
    measure=ms.from_integrand(ig.JEFFREYS_INTEGRAND), integrand=ig.JEFFREYS_INTEGRAND,
    weight=ig.weight_jeffreys,
    closed_form=cf.jeffreys, samples=samples_jeffreys,
    sample_estimator="k-NN KL both ways", estimator_params=(K_PARAM,),
))
register(Divergence(
    name="js", label="JS", formula="JS(p,q) = ½KL(p‖m) + ½KL(q‖m),  m = (p+q)/2",
    description="Jensen–Shannon: bounded by log 2 (reached for disjoint supports); its square root "
                "is a metric.",
    reference="Lin (1991), IEEE Trans. Inf. Theory 37(1):145–151; metric: Endres & Schindelin (2003).",
    symmetric=True, metric=False, sqrt_metric=True, f_divergence=True, behaviour=BALANCED,
    upper_bound=LOG2, upper_bound_text="≤ log 2",
    generator=lambda t: 0.5 * (t * np.log(t) - (1 + t) * np.log((1 + t) / 2)),
    generator_text="f(t) = ½[t log t − (1+t) log((1+t)/2)]",
    measure=ms.from_integrand(ig.JS_INTEGRAND), integrand=ig.JS_INTEGRAND,
    weight=ig.weight_js,
))
register(Divergence(
    name="hellinger", label="H²", formula="H²(p,q) = ½∫(√p − √q)² dx = 1 − ∫√(pq) dx",
    description="Squared Hellinger distance with the ½ convention, so 0 ≤ H² ≤ 1; H is a metric.",
    reference="Hellinger (1909), J. reine angew. Math. 136:210–271.",
    symmetric=True, metric=False, sqrt_metric=True, f_divergence=True, behaviour=BALANCED,
    units="", log_based=False, upper_bound=1.0, upper_bound_text="≤ 1",
    generator=lambda t: 0.5 * (np.sqrt(t) - 1) ** 2, generator_text="f(t) = ½(√t − 1)²",
    measure=ms.from_integrand(ig.HELLINGER_INTEGRAND), integrand=ig.HELLINGER_INTEGRAND,
    weight=ig.weight_hellinger,
    closed_form=cf.hellinger,
))
register(Divergence(
    name="tv", label="TV", formula="TV(p,q) = ½∫|p − q| dx = sup_A |P(A) − Q(A)|",
    description="Total variation distance: the largest difference in probability of any event; a "
                "metric bounded by 1.",
    reference="e.g. Tsybakov (2009), Introduction to Nonparametric Estimation, §2.4.",
    symmetric=True, metric=True, sqrt_metric=True, f_divergence=True, behaviour=BALANCED,
    units="", log_based=False, upper_bound=1.0, upper_bound_text="≤ 1",
    generator=lambda t: 0.5 * np.abs(t - 1), generator_text="f(t) = ½|t − 1|",
    measure=ms.tv_measure, integrand=ig.TV_INTEGRAND, closed_form=cf.tv,
))
register(Divergence(
    name="chi2", label="χ²", formula="χ²(p‖q) = ∫ (p − q)²/q dx",
    description="Pearson χ²: explodes where the model q is small under target mass - strongly "
                "mode-covering.",
    reference="Pearson (1900), Phil. Mag. 50:157–175; Liese & Vajda (2006).",
    symmetric=False, metric=False, sqrt_metric=False, f_divergence=True, behaviour=COVERING,
    units="", log_based=False,
    generator=lambda t: (t - 1) ** 2, generator_text="f(t) = (t − 1)²",
    measure=ms.from_integrand(ig.CHI2_INTEGRAND), integrand=ig.CHI2_INTEGRAND, closed_form=cf.chi2,
    weight=ig.weight_chi2,
))
register(Divergence(
    name="neyman_chi2", label="Neyman χ²", formula="χ²_N(p‖q) = ∫ (p − q)²/p dx = χ²(q‖p)",
    description="Neyman χ²: explodes where the model puts mass the target lacks - mode-seeking.",
    reference="Neyman (1949), Proc. Berkeley Symp. 1:239–273.",
    symmetric=False, metric=False, sqrt_metric=False, f_divergence=True, behaviour=SEEKING,
    units="", log_based=False,
    generator=lambda t: (1 - t) ** 2 / t, generator_text="f(t) = (1 − t)²/t",
    measure=ms.from_integrand(ig.NEYMAN_INTEGRAND), integrand=ig.NEYMAN_INTEGRAND,
    weight=ig.weight_neyman,
    closed_form=cf.neyman,
))
register(Divergence(
    name="alpha", label="D_α",
    formula="D_α(p‖q) = (1 − ∫ p^α q^(1−α) dx) / (α(1−α))",
    description="Amari α-divergence. Convention: α → 1 gives KL(p‖q) (forward, mode-covering), "
                "α → 0 gives KL(q‖p) (reverse, mode-seeking), α = ½ gives 4·H². Defined for "
                "every real α; α ≥ 1 and α ≤ 0 can be infinite.",
    reference="Amari (1985), Differential-Geometrical Methods in Statistics; Cichocki & Amari "
              "(2010), Entropy 12:1532–1568; Minka (2005).",
    symmetric=False, metric=False, sqrt_metric=False, f_divergence=True,
    behaviour=_alpha_behaviour, units="", log_based=False,
    generator=lambda t, alpha=0.5: (t**alpha - alpha * t - (1 - alpha)) / (alpha * (alpha - 1)),
    generator_text="f_α(t) = (t^α − αt − (1−α)) / (α(α−1))",
    params=(Param("alpha", 0.5, slider=(-1.0, 2.0), label="α",
                  doc="α: 1 = forward KL, 0 = reverse KL, ½ = 4·Hellinger²"),),
    measure=lambda m, alpha: m.integrate(ig.ALPHA_INTEGRAND(m.lp, m.lq, alpha)),
    integrand=ig.ALPHA_INTEGRAND, closed_form=cf.alpha,
    weight=ig.weight_alpha,
))
register(Divergence(
    name="renyi", label="Rényi",
    formula="D_a(p‖q) = log(∫ p^a q^(1−a) dx) / (a − 1)",
    description="Rényi divergence of order a ≥ 0: a → 1 is KL(p‖q), a = ½ is twice the "
                "Bhattacharyya distance, a = 2 is log(1 + χ²). Non-decreasing in a.",
    reference="Rényi (1961), Proc. 4th Berkeley Symp. 1:547–561; van Erven & Harremoës (2014), "
              "IEEE Trans. Inf. Theory 60(7); Gaussian closed form: Gil, Alajaji & Linder (2013).",
    symmetric=False, metric=False, sqrt_metric=False, f_divergence=False,
    behaviour=_alpha_behaviour,
    params=(Param("order", 2.0, low=0.0, slider=(0.0, 5.0), doc="order a ≥ 0 (a = 1 is KL)"),),
    measure=ms.renyi_measure, closed_form=cf.renyi,
))
register(Divergence(
    name="bhattacharyya", label="Bhattacharyya", formula="D_B(p,q) = −log ∫ √(p q) dx",
    description="Bhattacharyya distance: −log of the overlap coefficient; ½ of Rényi order ½.",
    reference="Bhattacharyya (1943), Bull. Calcutta Math. Soc. 35:99–109.",
    symmetric=True, metric=False, sqrt_metric=False, f_divergence=False, behaviour=BALANCED,
    measure=ms.bhattacharyya_measure, closed_form=cf.bhattacharyya,
))
register(Divergence(
    name="w1", label="W₁", formula="W₁(p,q) = inf_π E|X − Y| = ∫ |F_p(x) − F_q(x)| dx (1-D)",
    description="Wasserstein-1 (earth mover's) distance, in units of x: how far mass must move. "
                "Finite even for disjoint supports.",
    reference="Villani (2009), Optimal Transport: Old and New, ch. 6; Kantorovich (1942).",
    symmetric=True, metric=True, sqrt_metric=True, f_divergence=False, behaviour=BALANCED,
    units="x", log_based=False,
    needs_positions=True, grid=ms.w1_grid, categorical=ms.w1_categorical,
    closed_form=cf.w1, samples=samples_w1, sample_estimator="exact OT (sorting in 1-D, POT emd2)",
    fit=FitSupport(sample_objective=partial(WassersteinObjective, 1)),
))
register(Divergence(
    name="w2", label="W₂", formula="W₂(p,q) = (inf_π E|X − Y|²)^½ = (∫₀¹ |Q_p(u) − Q_q(u)|² du)^½ (1-D)",
    description="Wasserstein-2 distance, in units of x; closed form for Gaussians (Dowson & Landau).",
    reference="Dowson & Landau (1982), J. Multivar. Anal. 12:450–455; Villani (2009).",
    symmetric=True, metric=True, sqrt_metric=True, f_divergence=False, behaviour=BALANCED,
    units="x", log_based=False,
    needs_positions=True, grid=ms.w2_grid, categorical=ms.w2_categorical,
    closed_form=cf.w2, samples=samples_w2, sample_estimator="exact OT (sorting in 1-D, POT emd2)",
    fit=FitSupport(sample_objective=partial(WassersteinObjective, 2)),
))
register(Divergence(
    name="cs", label="CS", formula="D_CS(p,q) = −log ∫pq + ½log ∫p² + ½log ∫q²",
    description="Cauchy–Schwarz divergence: symmetric, 0 iff p = q, closed form for Gaussian "
                "mixtures; not a metric.",
    reference="Principe (2010), Information Theoretic Learning, ch. 2; mixtures: Kampa, "
              "Hasanbelliu & Principe (2011), IJCNN.",
    symmetric=True, metric=False, sqrt_metric=False, f_divergence=False, behaviour=BALANCED,
    measure=ms.cs_measure, closed_form=cf.cs, samples=samples_cs,
    sample_estimator="Parzen windows (Principe 2010)",
    estimator_params=(Param("window", 0.3, low=1e-6, slider=(0.01, 3.0), log=True, unit=1, label="σ",
                            doc="Parzen window width σ (not given: Silverman's rule on the pooled data)"),),
))
register(Divergence(
    name="mmd", label="MMD²",
    formula="MMD²(p,q) = E k(X,X') − 2E k(X,Y) + E k(Y,Y'),  k = exp(−|x−y|²/2ℓ²)",
    description="Squared maximum mean discrepancy with an RBF kernel of bandwidth ℓ; MMD is a "
                "metric on distributions; bounded, blind to differences much finer than ℓ.",
    reference="Gretton, Borgwardt, Rasch, Schölkopf & Smola (2012), JMLR 13:723–773.",
    symmetric=True, metric=False, sqrt_metric=True, f_divergence=False, behaviour=BALANCED,
    units="", log_based=False, upper_bound=2.0, upper_bound_text="≤ 2", needs_positions=True,
    params=(Param("bandwidth", 1.0, low=1e-6, slider=(0.05, 5.0), log=True, unit=1, label="ℓ",
                  doc="RBF kernel bandwidth ℓ"),),
    grid=ms.mmd_grid, categorical=ms.mmd_categorical,
    closed_form=cf.mmd, samples=samples_mmd, sample_estimator="unbiased U-statistic",
    fit=FitSupport(kernel=gm_kernel_rbf, sample_objective=lambda: mmd2_weighted),
))

register(Divergence(
    name="energy", label="Energy",
    formula="E(p,q) = 2E|X−Y| − E|X−X'| − E|Y−Y'| = 2∫ (F_p − F_q)² dx (1-D)",
    description="Energy distance: MMD with the distance kernel −|x−y|; its square root is a "
                "metric, in units of √x. Sensitive to location at every scale, unlike an RBF MMD.",
    reference="Székely & Rizzo (2013), J. Stat. Plan. Inference 143:1249–1272; Sejdinovic et al. "
              "(2013), Ann. Statist. 41(5) (equivalence with MMD).",
    symmetric=True, metric=False, sqrt_metric=True, f_divergence=False, behaviour=BALANCED,
    units="x", log_based=False,
    needs_positions=True, grid=ms.energy_grid, categorical=ms.energy_categorical,
    closed_form=cf.energy, samples=samples_energy, sample_estimator="unbiased U-statistic",
    fit=FitSupport(kernel=gm_kernel_energy, sample_objective=lambda: energy_weighted),
))
register(Divergence(
    name="sinkhorn", label="S_ε",
    formula="S_ε(p,q) = OT_ε(p,q) − ½OT_ε(p,p) − ½OT_ε(q,q),  OT_ε = min_π ⟨π,|x−y|²⟩ + ε KL(π‖p⊗q)",
    description="Debiased Sinkhorn divergence: entropic optimal transport with the self-transport "
                "bias removed; ε → 0 approaches W₂², large ε an MMD. Non-negative, 0 iff p = q.",
    reference="Feydy, Séjourné, Vialard, Amari, Trouvé & Peyré (2019), AISTATS; Cuturi (2013), "
              "NeurIPS; Gaussian closed form: Janati, Muzellec, Peyré & Cuturi (2020), NeurIPS.",
    symmetric=True, metric=False, sqrt_metric=False, f_divergence=False, behaviour=BALANCED,
    units="x²", log_based=False,
    params=(Param("epsilon", 0.5, low=1e-4, slider=(0.01, 10.0), log=True, unit=2, label="ε",
                  doc="entropic regularisation ε (units of x²)"),),
    needs_positions=True, grid=ms.sinkhorn_grid, categorical=ms.sinkhorn_categorical,
    closed_form=cf.sinkhorn,
    samples=samples_sinkhorn, sample_estimator="log-domain Sinkhorn on the samples",
    fit=FitSupport(sample_objective=SinkhornObjective, n_samples_1d=64, landscape=False),
    short_name="Sinkhorn", max_interactive_samples=200,
    # ε = 0.5 on (i − j)² between a 3-peak teacher and a broad student: 0.3 s at 200 tokens, 108 s
    # (20,000 sweeps, not converged) at 300: the cost spans 9·10⁴ = 1.8·10⁵ ε there
    max_summary_atoms=256,
))
