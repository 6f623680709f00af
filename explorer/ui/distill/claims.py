"""The papers' claims this lab lets a visitor check, each with a preset of the controls that shows it.

A claim is data: the paper, what it says, where to look on the page, and the control values
(``Controls`` names) that set the scene. The tabs offer them in a dropdown; choosing one sets the
controls and recomputes once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ALIGNMENT_CLAIMS", "DISTILLATION_CLAIMS", "Claim", "claim_html"]


@dataclass(frozen=True)
class Claim:
    key: str
    title: str
    paper: str
    says: str
    look: str
    settings: Mapping[str, Any] = field(default_factory=dict)


_PEAKS3 = {
    "teacher.kind": "peaks",
    "teacher.peaks.peaks": 3,
    "teacher.peaks.h1": 1.0,
    "teacher.peaks.h2": 0.6,
    "teacher.peaks.h3": 0.3,
    "teacher.peaks.width": 3.0,
    "teacher.peaks.background": 0.0,
    "teacher.peaks.vocab_size": 100,
}

DISTILLATION_CLAIMS: tuple[Claim, ...] = (
    Claim(
        "averaging",
        "KL averages the modes, reverse KL collapses onto one",
        "Gu, Dong, Wei & Huang (2024), MiniLLM, ICLR; Wen, Li, Du & Mou (2023), f-divergence "
        "minimization for sequence-level KD, ACL",
        "A student too small for the teacher, trained with forward KL(t‖s), spreads over every mode and puts "
        "mass between them (mode averaging); with reverse KL(s‖t) it locks onto one mode (mode "
        "collapse); JS lies between.",
        "Top plot: the red (KL) bump covers all three peaks, the green (reverse KL) one sits on one. Table: "
        "KL's Vendi score is large and its mode recall 3 of 3; reverse KL's Vendi ≈ 1, recall 1 of 3.",
        {**_PEAKS3, "student.family": "unimodal", "losses": ("kl", "reverse_kl", "js"), "temperature": 1.0},
    ),
    Claim(
        "gkd",
        "The generalised JSD slides from covering to seeking",
        "Agarwal, Vieillard, Zhou, Stanczyk, Ramos, Geist & Bachem (2024), On-policy distillation of "
        "language models (GKD), ICLR",
        "JSD(β) = β KL(t‖m) + (1−β) KL(s‖m), m = βt + (1−β)s, runs from forward KL (β → 0) to reverse KL "
        "(β → 1): one knob between mode-covering and mode-seeking.",
        "Move the β slider under the plot: the purple student shrinks from a bump over all peaks to one "
        "peak; the right panel shows its Vendi score and mode recall fall as β grows.",
        {**_PEAKS3, "student.family": "unimodal", "losses": ("kl", "js", "reverse_kl"), "temperature": 1.0},
    ),
    Claim(
        "sinkhorn",
        "Sinkhorn stays informative when the supports barely overlap",
        "Cui, Yang, Zhang, Xia, Zhang & Yan (2024), SinKD: Sinkhorn distance minimization for "
        "knowledge distillation, IEEE TNNLS",
        "KL 'averages', reverse KL 'collapses' and JS 'underestimates' modes; an optimal-transport loss "
        "compares positions, so it still sees a mode the student does not overlap.",
        "Two narrow peaks: compare the Sinkhorn student with the others, and the W1/W2 rows of the lower "
        "table (the divergences that measure distance between tokens).",
        {
            "teacher.kind": "peaks",
            "teacher.peaks.peaks": 2,
            "teacher.peaks.h1": 1.0,
            "teacher.peaks.h2": 0.7,
            "teacher.peaks.width": 1.5,
            "teacher.peaks.background": 0.0,
            "teacher.peaks.vocab_size": 60,
            "student.family": "mixture",
            "student.mixture.components": 2,
            "losses": ("kl", "js", "sinkhorn"),
            "loss.sinkhorn.epsilon": 5.0,
            "temperature": 1.0,
        },
    ),
    Claim(
        "bdkd",
        "Balancing forward and reverse KL",
        "Amara, Zhang, Bhatt & Tavakoli (2022), BD-KD: balancing the divergences for online knowledge "
        "distillation, BMVC",
        "Weighting forward and reverse KL adaptively (here by the entropy gap between student and teacher) "
        "keeps the student's mass on the teacher's modes without dropping the smaller ones.",
        "Compare the pink BKL student with KL and reverse KL: its mode recall and Vendi score lie between "
        "theirs; raise κ to make the switch between the two sharper.",
        {
            **_PEAKS3,
            "teacher.peaks.background": 0.01,
            "student.family": "smooth",
            "student.smooth.rank": 6,
            "losses": ("kl", "reverse_kl", "balanced_kl"),
            "temperature": 1.0,
        },
    ),
    Claim(
        "skew",
        "Skewed KL stays finite where reverse KL blows up",
        "Ko, Kim, Lee & Yun (2024), DistiLLM: towards streamlined distillation for large language "
        "models, ICML",
        "Mixing a little of the student into the teacher (SKL) or of the teacher into the student (SRKL) "
        "keeps the loss and its gradients bounded when the teacher has exact zeros.",
        "The teacher is exactly zero between its peaks: reverse KL needs a clamp (see its note in the "
        "table), skew reverse KL does not; compare the students and their hallucination mass.",
        {
            **_PEAKS3,
            # narrower peaks than the other claims': at width 3 the gaps between peaks keep ~1e-8 of
            # mass, at width 2 the teacher is exactly zero there (and at both ends)
            "teacher.peaks.width": 2.0,
            "student.family": "mixture",
            "student.mixture.components": 2,
            "losses": ("reverse_kl", "skew_kl", "skew_reverse_kl"),
            "loss.skew_kl.skew": 0.1,
            "loss.skew_reverse_kl.skew": 0.1,
            "temperature": 1.0,
        },
    ),
    Claim(
        "text",
        "Real text: forward KL hallucinates, reverse KL drops options",
        "Gu et al. (2024), MiniLLM, ICLR (reverse KL avoids the teacher's low-probability regions)",
        "On next-character distributions of a real text, a rank-limited student trained with forward KL "
        "puts mass on characters that never follow the history; reverse KL keeps to the likely ones.",
        "Table: compare the hallucination column (mass where the teacher is exactly 0) and mode recall; "
        "choose a context under the plot to see one row.",
        {
            "teacher.kind": "text_many",
            "teacher.text_many.order": 2,
            "teacher.text_many.n_contexts": 24,
            "student.family": "lowrank",
            "student.lowrank.rank": 2,
            "losses": ("kl", "reverse_kl", "js"),
            "temperature": 1.0,
        },
    ),
    Claim(
        "temperature",
        "Temperature softens the teacher",
        "Hinton, Vinyals & Dean (2015), Distilling the knowledge in a neural network",
        "Training at T > 1 compares t^(1/T) with the student's softened output: the teacher's small "
        "probabilities ('dark knowledge') weigh more, so a limited student spreads out.",
        "Move the temperature slider: the dotted line is the softened teacher the loss sees; the students "
        "(shown at T = 1) widen with T. Each T is trained once, then the slider replays it.",
        {
            "teacher.kind": "long_tail",
            "teacher.long_tail.exponent": 1.1,
            "teacher.long_tail.vocab_size": 100,
            "student.family": "smooth",
            "student.smooth.rank": 3,
            "losses": ("kl", "reverse_kl"),
            "temperature": 2.0,
        },
    ),
)

ALIGNMENT_CLAIMS: tuple[Claim, ...] = (
    Claim(
        "fdpg",
        "No divergence is best on every metric; JS balances alignment and diversity",
        "Go, Korbak, Kruszewski, Rozen, Ryu & Dymetman (2023), Aligning language models with preferences "
        "through f-divergence minimization (f-DPG), ICML",
        "Approximating the aligned target with a limited policy under different f-divergences trades "
        "alignment against diversity differently; no f wins everywhere, JS is often a good balance.",
        "Frontier plot: each curve is one divergence over β; up is more aligned, right more diverse. "
        "Compare the curves' positions at the same β (highlighted points).",
        {
            "align.problem": "reward",
            "align.capacity": 6,
            "align.divergences": ("kl", "reverse_kl", "js", "tv", "alpha"),
        },
    ),
    Claim(
        "bayes",
        "KL-regularised RL is Bayesian inference",
        "Korbak, Perez & Buckley (2022), RL with KL penalties is better viewed as Bayesian inference, "
        "Findings of EMNLP",
        "The optimum of E_π[r] − β KL(π‖a) is the posterior p_β ∝ a·exp(r/β): fitting p_β by a divergence "
        "is the alignment problem.",
        "f-DPO panel with the reverse-KL regulariser: the closed-form π* lies exactly on the dashed target "
        "p_β, for every β.",
        {"align.fdpo": "reverse_kl"},
    ),
    Claim(
        "fdpo",
        "f-DPO: a closed-form policy for every f, sparse for Pearson χ²",
        "Wang, Jiang, Yang, Liu & Chen (2024), Beyond reverse KL: generalizing direct preference "
        "optimization with diverse divergence constraints, ICLR",
        "With an f-divergence regulariser the optimal policy is π*(x) = a(x)·(f′)⁻¹((r(x) − λ)/β), so a "
        "policy implies a reward (the DPO reparametrisation); some f give policies that are exactly zero "
        "on low-reward items.",
        "f-DPO panel: choose Pearson χ² and lower β — items with low reward get exactly zero probability "
        "(the support count in the panel's title drops); forward KL keeps every item.",
        {"align.fdpo": "neyman_chi2"},
    ),
    Claim(
        "gdc",
        "Distributional control with a binary preference",
        "Khalifa, Elsahar & Dymetman (2021), A distributional approach to controlled text generation, ICLR",
        "With a preference b(x) ∈ {0, 1} the target is a·b restricted to the preferred items; as β → 0, "
        "a·exp(b/β) approaches it.",
        "Alignment is now π(b = 1): at small β the target puts almost all mass on preferred items; see "
        "which divergence's policy keeps most of it there.",
        {"align.problem": "preference", "align.capacity": 8},
    ),
)


def claim_html(claim: Claim) -> str:
    """The claim as a short paragraph: the paper, what it says, where to look."""
    import html

    return (
        f"<div class='dx-claim'><b>{html.escape(claim.title)}</b> — <i>{html.escape(claim.paper)}</i>."
        f"<br>{html.escape(claim.says)}<br><b>How to see it here:</b> {html.escape(claim.look)}</div>"
    )
