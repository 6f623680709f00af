"""The landing page (notebooks/00_index.ipynb): one card per demo with a thumbnail.

A new demo adds itself by appending a :class:`Demo` to :data:`DEMOS` (and a PNG thumbnail in
``explorer/ui/thumbnails/``, made by ``scripts/make_thumbnails.py`` from the running app).
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as W
from IPython.display import display

from explorer.ui._common import style_widget

THUMBNAILS = Path(__file__).resolve().parent / "thumbnails"


@dataclass(frozen=True)
class Demo:
    notebook: str
    title: str
    sentence: str
    thumbnail: str


DEMOS: list[Demo] = [
    Demo(
        notebook="01_divergence_calculator.ipynb",
        title="Divergence calculator",
        sentence="Pick a target p and a model q — Gaussians, mixtures, heavy tails, uniforms or real "
        "geyser and penguin data — and compare every divergence, in both directions, as you move "
        "the sliders.",
        thumbnail="01_divergence_calculator.png",
    ),
    Demo(
        notebook="02_mode_seeking.ipynb",
        title="Mode-seeking vs mode-covering",
        sentence="Fit a Gaussian (or a small mixture) to two modes, a ring, two moons or real data "
        "under forward KL, reverse KL, JS, α, Wasserstein, MMD… at once: loss landscapes, every local "
        "optimum, an α slider from seeking to covering, and how many samples an estimator needs.",
        thumbnail="02_mode_seeking.png",
    ),
    Demo(
        notebook="03_kde.ipynb",
        title="Kernel density estimation",
        sentence="How much smoothing does a KDE need? Drag the bandwidth and see where Silverman, Scott, "
        "ISJ and cross-validation put it against the true error and the oracle, up to a million points; "
        "then watch the estimate fall apart in high dimension — Biroli & Mézard's CLT, stable and "
        "extreme-value regimes, simulated, with real 64-D digits on the map.",
        thumbnail="03_kde.png",
    ),
    Demo(
        notebook="04_information_bottleneck.ipynb",
        title="Information bottleneck",
        sentence="The IB curve of a joint distribution with its phase transitions and the Gaussian closed "
        "form; a network's layers in the information plane (tanh vs ReLU, binning vs adaptive); and every "
        "mutual-information estimator against tasks with a known answer.",
        thumbnail="04_information_bottleneck.png",
    ),
    Demo(
        notebook="05_distillation_alignment.ipynb",
        title="Distillation and alignment lab",
        sentence="Distil a multimodal teacher (peaks, a long tail, real next-character text) into a small "
        "student under forward KL, reverse KL, JS, generalised JSD, skew KL, BD-KD, Sinkhorn… at once, "
        "with temperature and β sliders; then the alignment–diversity frontier over β (f-DPG) and "
        "f-DPO's closed-form policies.",
        thumbnail="05_distillation_alignment.png",
    ),
]

CARD_CSS = """
<style>
.dx-cards {display: flex; flex-wrap: wrap; gap: 18px;}
.dx-card {width: 380px; border: 1px solid #d0d7de; border-radius: 8px; overflow: hidden;
          box-shadow: 0 1px 3px rgba(0,0,0,0.08); background: white;}
.dx-card a {text-decoration: none; color: inherit;}
.dx-card img {width: 100%; height: 200px; object-fit: cover; object-position: top left;
              border-bottom: 1px solid #eee; display: block;}
.dx-card .body {padding: 10px 14px;}
.dx-card h3 {margin: 0 0 6px 0; font-size: 17px; color: #1f5fa8;}
.dx-card p {margin: 0; font-size: 13px; color: #333; line-height: 1.4;}
</style>
"""


def _thumbnail_uri(name: str) -> str:
    path = THUMBNAILS / name
    if not path.is_file():
        raise FileNotFoundError(f"missing thumbnail {path}; run scripts/make_thumbnails.py")
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def cards_html(demos: list[Demo] | None = None) -> str:
    """The HTML of the demo cards (links are relative, so they work under Voila and Binder)."""
    cards = []
    for d in demos if demos is not None else DEMOS:
        cards.append(
            f"<div class='dx-card'><a href='{html.escape(d.notebook)}'>"
            f"<img alt='{html.escape(d.title)} screenshot' src='{_thumbnail_uri(d.thumbnail)}'>"
            f"<div class='body'><h3>{html.escape(d.title)}</h3><p>{html.escape(d.sentence)}</p></div>"
            "</a></div>"
        )
    return CARD_CSS + "<div class='dx-cards'>" + "".join(cards) + "</div>"


def build() -> W.VBox:
    """The index page's widget tree: the demo cards, then the claims you can check."""
    from explorer.ui.claims import claims_html

    claims = W.HTML(claims_html())
    claims.add_class("dx-index-claims")
    box = W.VBox([style_widget(), W.HTML(cards_html()), claims])
    box.add_class("dx-index")
    return box


def show() -> None:
    """Display the index in the notebook / Voila page."""
    display(build())
