"""The index's "Claims you can check": one card per paper's claim that a page of the app shows.

A card is data: the claim in one sentence, its paper, the page's thumbnail and the control values
(the page's ``Controls`` names, plus ``tab`` for the open tab) that set the scene. Its link is the
page's notebook with those values in the query string, encoded as the pages' own links are
(:mod:`explorer.ui.widgets.links`), so opening it applies them. Every card has a numeric check in
``tests/test_claims.py`` that builds the page at that link and checks the claim through the
library: a card cannot point at a view that no longer shows what it says.

The distillation lab's cards are derived from its claims registry
(:mod:`explorer.ui.distill.claims`); this module imports nothing heavy.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from explorer.ui.distill.claims import ALIGNMENT_CLAIMS, DISTILLATION_CLAIMS, Claim

__all__ = ["CLAIMS", "LEFT_OUT", "ClaimCard", "claim_url", "claims_html"]

QueryValue = str | float | int | tuple

DISTILL_NOTEBOOK = "05_distillation_alignment.ipynb"
DISTILL_THUMBNAIL = "05_distillation_alignment.png"


@dataclass(frozen=True)
class ClaimCard:
    """One claim on the index.

    Attributes
    ----------
    key : str
        A unique name (the distillation lab's claims keep their registry key).
    sentence : str
        The claim in one sentence.
    paper : str
        The paper(s) that make it.
    notebook : str
        The page's notebook (relative link, as in :data:`explorer.ui.index.DEMOS`).
    query : Mapping
        Control values (and ``tab``) that open the page in the configuration that shows it;
        tuples become repeated keys.
    thumbnail : str
        A PNG in ``explorer/ui/thumbnails/``.
    """

    key: str
    sentence: str
    paper: str
    notebook: str
    query: Mapping[str, QueryValue]
    thumbnail: str


def _lab_card(claim: Claim, tab: str | None, control: str) -> ClaimCard:
    query: dict[str, QueryValue] = {"tab": tab} if tab else {}
    query[control] = claim.key
    return ClaimCard(
        key=claim.key,
        sentence=f"{claim.title}.",
        paper=claim.paper,
        notebook=DISTILL_NOTEBOOK,
        query=query,
        thumbnail=DISTILL_THUMBNAIL,
    )


#: Lab claims without a card, and why: a card must show what it says (tests/test_claims.py checks it).
#: (Empty: the skew claim's preset has narrower peaks since, so its teacher has exact zeros.)
LEFT_OUT: Mapping[str, str] = {}

IB_NOTEBOOK = "04_information_bottleneck.ipynb"
IB_THUMBNAIL = "04_information_bottleneck.png"

CLAIMS: tuple[ClaimCard, ...] = (
    ClaimCard(
        key="mode_seeking",
        sentence="Fitting one Gaussian to two separated modes, forward KL covers both modes and reverse "
        "KL seeks one.",
        paper="Minka (2005), Divergence measures and message passing; Bishop (2006), Pattern "
        "recognition and machine learning, §10.1.2",
        notebook="02_mode_seeking.ipynb",
        query={"target": "two_gaussians", "p.separation": 5.0, "q.family": "gaussian",
               "divergences": ("kl", "reverse_kl")},
        thumbnail="02_mode_seeking.png",
    ),
    ClaimCard(
        key="kde_kl_optimum",
        sentence="In high dimension the KL-optimal KDE bandwidth lies below h_G, outside the CLT regime: "
        "the best estimate is carried by a few nearest data points.",
        paper="Biroli & Mézard (2024), Kernel density estimators in large dimensions",
        notebook="03_kde.ipynb",
        # regimes.h: h_KL at the default α = 0.3 (0.7836σ), to the slider's precision
        query={"tab": "high-dimensions", "regimes.alpha": 0.3, "regimes.h": 0.78},
        thumbnail="03_kde.png",
    ),
    ClaimCard(
        key="gradient_weights",
        sentence="Where an f-divergence's gradient comes from is q·h(p/q): at reverse KL's fit on one of "
        "two modes, forward KL's weight (h = r, so q·h = p) puts half its mass on the mode q misses, "
        "reverse KL's (h = 1, so q·h = q) almost none.",
        paper="Xu, Nie et al. (2025), One-step diffusion models with f-divergence distribution matching "
        "(f-distill)",
        notebook="02_mode_seeking.ipynb",
        # reverse KL first: the weights are drawn at the first divergence's fit
        query={"tab": "gradient-weights", "target": "two_gaussians", "p.separation": 5.0,
               "q.family": "gaussian", "divergences": ("reverse_kl", "kl")},
        thumbnail="02_mode_seeking.png",
    ),
    ClaimCard(
        key="kde_regimes",
        sentence="With n = e^{αd} points in d = 30 dimensions, a Gaussian KDE averages thousands of kernels "
        "above h_CLT (the largest term under 1% of the estimate), while below h_G a single data point "
        "carries most of it.",
        paper="Biroli & Mézard (2024), Kernel density estimators in large dimensions",
        notebook="03_kde.ipynb",
        query={"tab": "high-dimensions", "regimes.d": 30, "regimes.alpha": 0.3, "regimes.h": 2.0},
        thumbnail="03_kde.png",
    ),
    ClaimCard(
        key="gaussian_ib",
        sentence="For a Gaussian pair with correlation ρ, the IB curve the iterative algorithm computes "
        "follows the closed form: T stays trivial below the critical β = 1/ρ², then I(T;Y) rises along "
        "the closed-form curve (within 0.01 nats) towards I(X;Y) = −½ log(1 − ρ²).",
        paper="Chechik, Globerson, Tishby & Weiss (2005), Information bottleneck for Gaussian variables, "
        "JMLR",
        notebook=IB_NOTEBOOK,
        query={"tab": "ib-curve", "ib.preset": "gaussian", "ib.method": "iterative", "ib.compare": False},
        thumbnail=IB_THUMBNAIL,
    ),
    ClaimCard(
        key="saxe_compression",
        sentence="Measured with fixed-width bins, the deep hidden layers of a tanh network lose most of "
        "their I(X;T) after an early peak (compression), those of the same ReLU network little: the "
        "compression comes from tanh saturating into the bins.",
        paper="Saxe, Bansal, Dapello, Advani, Kolchinsky, Tracey & Cox (2018), On the information "
        "bottleneck theory of deep learning, ICLR; Shwartz-Ziv & Tishby (2017)",
        notebook=IB_NOTEBOOK,
        query={"tab": "information-plane", "plane.compare": "activations", "plane.activation": "tanh",
               "plane.activation_b": "relu", "plane.estimator": "binning"},
        thumbnail=IB_THUMBNAIL,
    ),
    ClaimCard(
        key="adaptive_compression",
        sentence="With adaptive (equal-mass) bins the ReLU network's deep hidden layers compress too, "
        "the deepest losing about half its I(X;T), where fixed-width bins show little: compression "
        "depends on the estimator.",
        paper="Chelombiev, Houghton & O'Donnell (2019), Adaptive estimators show information compression "
        "in deep neural networks, ICLR",
        notebook=IB_NOTEBOOK,
        query={"tab": "information-plane", "plane.compare": "estimators", "plane.activation": "relu",
               "plane.estimator": "binning", "plane.estimator_b": "adaptive"},
        thumbnail=IB_THUMBNAIL,
    ),
    ClaimCard(
        key="mi_saturation",
        sentence="A lower bound on mutual information estimated from n samples saturates at log n: on "
        "Gaussians with d correlated pairs InfoNCE stays under log n while the true MI grows past it, "
        "and the Wasserstein dependency, which has no such ceiling, keeps rising with d.",
        paper="McAllester & Stratos (2020), Formal limitations on the measurement of mutual information, "
        "AISTATS; Ozair et al. (2019), Wasserstein dependency measure for representation learning, NeurIPS",
        notebook=IB_NOTEBOOK,
        # n = 128 (64 held out): log 64 = 4.16 nats, passed by the true MI at d = 16 (8.17 nats at ρ = 0.8)
        query={"tab": "estimators", "saturation.rho": 0.8, "saturation.n": 128, "saturation.steps": 100},
        thumbnail=IB_THUMBNAIL,
    ),
    *(_lab_card(c, None, "distill.claim") for c in DISTILLATION_CLAIMS if c.key not in LEFT_OUT),
    *(_lab_card(c, "alignment", "align.claim") for c in ALIGNMENT_CLAIMS if c.key not in LEFT_OUT),
)


def claim_url(card: ClaimCard) -> str:
    """The card's relative link: its notebook with the query, encoded as the pages' links are.

    Parameters
    ----------
    card : ClaimCard
        The claim.

    Returns
    -------
    str
        ``"<notebook>?<query>"`` (tuples as repeated keys), or the notebook alone without a query.
    """
    pairs = [(k, list(v) if isinstance(v, tuple) else v) for k, v in card.query.items()]
    query = urlencode(pairs, doseq=True)
    return f"{card.notebook}?{query}" if query else card.notebook


CLAIM_CSS = """
<style>
.dx-claims {display: flex; flex-wrap: wrap; gap: 14px;}
.dx-claim-card {width: 300px; border: 1px solid #d0d7de; border-radius: 8px; overflow: hidden;
                box-shadow: 0 1px 3px rgba(0,0,0,0.08); background: white;}
.dx-claim-card a {text-decoration: none; color: inherit;}
.dx-claim-card .dx-claim-thumb {width: 100%; height: 110px; background-size: cover;
                    background-position: top left; border-bottom: 1px solid #eee;}
.dx-claim-card .body {padding: 8px 12px;}
.dx-claim-card p {margin: 0 0 4px 0; font-size: 13px; color: #333; line-height: 1.4;}
.dx-claim-card small {font-size: 11px; color: #666; line-height: 1.3; display: block;}
</style>
"""


def claims_html(cards: tuple[ClaimCard, ...] | None = None) -> str:
    """The HTML of the "Claims you can check" section.

    Parameters
    ----------
    cards : tuple of ClaimCard, optional
        The cards to show (default: :data:`CLAIMS`).

    Returns
    -------
    str
        A heading and one ``dx-claim-card`` per claim: the sentence, the paper in small text, the
        page's thumbnail, and a link to :func:`claim_url`.
    """
    from explorer.ui.index import _thumbnail_uri

    cards = cards if cards is not None else CLAIMS
    # each page's thumbnail once, as a CSS class: several cards share it
    thumbs = {name: f"dx-claim-thumb-{i}" for i, name in enumerate(dict.fromkeys(c.thumbnail for c in cards))}
    css = "".join(
        f".dx-claim-card .{cls} {{background-image: url('{_thumbnail_uri(name)}');}}\n"
        for name, cls in thumbs.items()
    )
    items = []
    for c in cards:
        url = html.escape(claim_url(c), quote=True)
        items.append(
            f"<div class='dx-claim-card' data-claim='{html.escape(c.key, quote=True)}'><a href='{url}'>"
            f"<div class='dx-claim-thumb {thumbs[c.thumbnail]}' role='img' "
            f"aria-label='{html.escape(c.notebook, quote=True)} screenshot'></div>"
            f"<div class='body'><p>{html.escape(c.sentence)}</p><small>{html.escape(c.paper)}</small>"
            "</div></a></div>"
        )
    return (
        CLAIM_CSS
        + f"<style>\n{css}</style>"
        + "<h2 class='dx-claims-title'>Claims you can check</h2>"
        + "<p>Each card opens a page set up to show a paper's claim; each is also a test of the "
        "library at that setting.</p>"
        + "<div class='dx-claims'>"
        + "".join(items)
        + "</div>"
    )
