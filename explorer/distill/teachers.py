r"""Teachers for the distillation lab: synthetic multimodal distributions over V tokens, and a real one.

A :class:`Teacher` holds probabilities of shape ``[V]`` (one distribution) or ``[C, V]`` (one per
context, e.g. next-character distributions), the token labels, and whether the tokens are
**ordered** (positions on a line: the modes of ``peaks`` are neighbourhoods, the students can be
unimodal over the order, the Vendi similarity and the Sinkhorn cost use the distance) or not
(characters: each token is its own mode).

The real teacher: next-character distributions estimated by counting in Ambrose Bierce's *The
Devil's Dictionary* (1911, public domain), entries A–F, shipped as ``data/devils_dictionary.txt``
(provenance in ``data/README.md``) and checked by SHA-256 before use, like :mod:`explorer.data`;
or counted in a visitor's own text (``text(corpus=...)``, read and normalised by
:mod:`explorer.distill.corpus`).

Examples
--------
>>> from explorer.distill import teachers
>>> t = teachers.peaks(60, heights=(1.0, 1.0, 1.0))
>>> t.probs.shape, round(float(t.probs.sum()), 12)
((60,), 1.0)
>>> txt = teachers.text(context="q")
>>> txt.labels[int(txt.probs.argmax())]        # after "q" comes "u"
'u'
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np

from explorer._validation import as_finite_array
from explorer.distill.corpus import ALPHABET, Corpus, normalise_text, read_text

__all__ = ["ALPHABET", "TEXT_FILE", "TEXT_SHA256", "TEXT_SOURCE", "Corpus", "Teacher", "from_probs",
           "long_tail", "peaks", "read_text", "text", "text_corpus"]

TEXT_FILE = "devils_dictionary.txt"
TEXT_SHA256 = "7b0faa13d25025b95ea0219cbd7be7773cb01cd6731da8fbebcfb439683d52ec"
TEXT_SOURCE = "Bierce, The Devil's Dictionary (1911), entries A–F"


@dataclass(frozen=True, repr=False)
class Teacher:
    """A teacher distribution over V tokens (or one per context) and what its tokens are.

    Attributes
    ----------
    probs : ndarray of shape (V,) or (C, V)
        Rows sum to 1; exact zeros are real zeros (hallucination is mass put there).
    labels : tuple of str
        Token names (V of them).
    ordered : bool
        Tokens lie on a line at ``positions``.
    positions : ndarray of shape (V,)
        Token positions (``0..V-1`` unless given); used by the Vendi similarity and the
        Sinkhorn cost when ``ordered``.
    contexts : tuple of str
        Row names when ``probs`` has one row per context.
    weights : ndarray of shape (C,)
        How often each context occurs (metrics average rows with these weights).
    """

    name: str
    probs: np.ndarray
    labels: tuple[str, ...]
    ordered: bool = True
    positions: np.ndarray = field(default=None)  # type: ignore[assignment]
    contexts: tuple[str, ...] = ()
    weights: np.ndarray = field(default=None)  # type: ignore[assignment]
    description: str = ""

    def __repr__(self) -> str:  # short: it appears in error messages (not the whole probability table)
        shape = np.shape(self.probs)
        rows = f", contexts={shape[0]}" if len(shape) == 2 else ""
        return f"Teacher({self.name!r}, V={shape[-1]}{rows})"

    def __post_init__(self) -> None:
        p = as_finite_array(self.probs, "teacher probs")
        if p.ndim not in (1, 2) or p.shape[-1] < 2:
            raise ValueError(f"teacher probs must have shape (V,) or (C, V) with V ≥ 2, got {p.shape}")
        if np.any(p < 0):
            raise ValueError("teacher probs must be non-negative")
        if np.any(np.abs(p.sum(-1) - 1.0) > 1e-8):
            raise ValueError("teacher rows must sum to 1 (within 1e-8)")
        p = p / p.sum(-1, keepdims=True)
        p.setflags(write=False)
        object.__setattr__(self, "probs", p)
        v = p.shape[-1]
        if len(self.labels) != v:
            raise ValueError(f"labels has {len(self.labels)} entries for {v} tokens")
        pos = np.arange(v, dtype=float) if self.positions is None else as_finite_array(self.positions,
                                                                                      "positions", ndim=1)
        if pos.size != v or np.any(np.diff(pos) <= 0):
            raise ValueError("positions must be V strictly increasing numbers")
        object.__setattr__(self, "positions", pos)
        rows = p.shape[0] if p.ndim == 2 else 1
        w = np.full(rows, 1.0 / rows) if self.weights is None else as_finite_array(self.weights, "weights", 1)
        if w.size != rows or np.any(w < 0) or w.sum() <= 0:
            raise ValueError(f"weights must be {rows} non-negative numbers with a positive sum")
        object.__setattr__(self, "weights", w / w.sum())
        if p.ndim == 2 and len(self.contexts) not in (0, rows):
            raise ValueError(f"contexts has {len(self.contexts)} names for {rows} rows")

    @property
    def vocab_size(self) -> int:
        return int(self.probs.shape[-1])

    @property
    def rows(self) -> np.ndarray:
        """``probs`` as shape (C, V) (C = 1 for a single distribution)."""
        return self.probs.reshape(-1, self.vocab_size)

    def softened(self, temperature: float) -> np.ndarray:
        """``t ∝ t^{1/T}`` row-wise (zeros stay zeros)."""
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature!r}")
        with np.errstate(divide="ignore"):
            lt = np.log(self.probs) / temperature
        lt = lt - lt.max(-1, keepdims=True)
        w = np.exp(lt)
        return w / w.sum(-1, keepdims=True)


def from_probs(probs: object, labels: Sequence[str] | None = None, ordered: bool = True,
               name: str = "custom") -> Teacher:
    """A :class:`Teacher` from a probability vector (or matrix of rows)."""
    p = as_finite_array(probs, "probs")
    v = p.shape[-1] if p.ndim else 0
    return Teacher(name, p, tuple(labels) if labels is not None else tuple(str(i) for i in range(v)), ordered)


def peaks(vocab_size: int = 100, heights: Sequence[float] = (1.0, 0.6, 0.3), width: float = 3.0,
          background: float = 0.0) -> Teacher:
    """``len(heights)`` discretised Gaussian peaks of the given relative masses, evenly spaced.

    Peak k sits at ``(k + ½)·V/K`` with standard deviation ``width`` tokens; ``background`` (a
    share in [0, 1)) is spread uniformly. Without background, tokens far from every peak get mass
    that underflows to exact zeros (a teacher with zeros).
    """
    if not (isinstance(vocab_size, int) and vocab_size >= 2):
        raise ValueError(f"vocab_size must be an integer ≥ 2, got {vocab_size!r}")
    h = as_finite_array(heights, "heights", ndim=1)
    if h.size < 1 or np.any(h <= 0):
        raise ValueError("heights must be one or more positive numbers")
    if not width > 0:
        raise ValueError(f"width must be > 0, got {width!r}")
    if not 0.0 <= background < 1.0:
        raise ValueError(f"background must lie in [0, 1), got {background!r}")
    x = np.arange(vocab_size, dtype=float)
    centres = (np.arange(h.size) + 0.5) * vocab_size / h.size
    w = h / h.sum()
    p = np.zeros(vocab_size)
    for c, wk in zip(centres, w, strict=True):
        bump = np.exp(-0.5 * ((x - c) / width) ** 2)
        p += wk * bump / bump.sum()
    p = (1.0 - background) * p + background / vocab_size
    p[p < 1e-12 * p.max()] = 0.0
    masses = ", ".join(f"{v:.2f}" for v in w)
    desc = f"{h.size} peaks (masses {masses}) of width {width:g} over {vocab_size} tokens"
    return Teacher("peaks", p / p.sum(), tuple(str(i) for i in range(vocab_size)), True, description=desc)


def long_tail(vocab_size: int = 100, exponent: float = 1.1) -> Teacher:
    """Zipf-like ``p_i ∝ (i + 1)^{−s}``: one head and a long tail of rare tokens."""
    if not (isinstance(vocab_size, int) and vocab_size >= 2):
        raise ValueError(f"vocab_size must be an integer ≥ 2, got {vocab_size!r}")
    if not exponent > 0:
        raise ValueError(f"exponent must be > 0, got {exponent!r}")
    p = (np.arange(vocab_size) + 1.0) ** (-float(exponent))
    return Teacher("long_tail", p / p.sum(), tuple(str(i) for i in range(vocab_size)), True,
                   description=f"Zipf tail, exponent {exponent:g}, {vocab_size} tokens")


@cache
def text_corpus() -> str:
    """The normalised text (see :func:`~explorer.distill.corpus.normalise_text`) of the shipped
    excerpt, after its checksum passed.

    Raises ``OSError`` when the file's SHA-256 differs from :data:`TEXT_SHA256`.
    """
    from explorer.data import data_dir

    path = data_dir() / TEXT_FILE
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != TEXT_SHA256:
        raise OSError(f"{path} failed its checksum (sha256 {digest}, expected {TEXT_SHA256}); "
                      "restore the file from the repository")
    return normalise_text(raw.decode("ascii"))[0]


@lru_cache(maxsize=1)
def _shipped(text: str) -> Corpus:
    """The shipped excerpt as a :class:`Corpus` (its counts cached while :func:`text_corpus` is)."""
    return Corpus(text, TEXT_SOURCE, len(text), {}, "ascii")


def text(context: str | None = None, order: int = 2, n_contexts: int = 24,
         corpus: Corpus | str | bytes | None = None) -> Teacher:
    """Next-character distributions counted in a text: the shipped public-domain excerpt, or yours.

    Parameters
    ----------
    context : str, optional
        One context (its last ``len(context)`` characters are the history): a single
        distribution of shape (32,). Must occur in the text.
    order : int
        History length when ``context`` is None.
    n_contexts : int
        The ``n_contexts`` most frequent histories of length ``order`` are the rows (shape
        (≤ n_contexts, 32); ties go to the history met first); their frequencies are the row weights.
    corpus : Corpus, str or bytes, optional
        The text to count in: a :class:`~explorer.distill.corpus.Corpus`, or raw text (a paste,
        or a file's bytes) read by :func:`~explorer.distill.corpus.read_text` (``ValueError`` for
        binary, empty, too short or too long text). Default: the shipped excerpt.

    Notes
    -----
    The teacher is the maximum-likelihood estimate t(c | h) = n(h c) / n(h·), with n(h c) the
    number of (overlapping) occurrences of the history h followed by the character c.
    """
    if corpus is None:
        corp = _shipped(text_corpus())
    elif isinstance(corpus, Corpus):
        corp = corpus
    elif isinstance(corpus, str | bytes | bytearray | memoryview):
        corp = read_text(corpus)
    else:
        raise ValueError(f"corpus must be a Corpus, a str or bytes, got {type(corpus).__name__}")
    index = {ch: i for i, ch in enumerate(ALPHABET)}
    labels = tuple("␣" if ch == " " else ch for ch in ALPHABET)
    src = corp.source
    if context is not None:
        if not isinstance(context, str) or not context or any(ch not in index for ch in context.lower()):
            raise ValueError(f"context must be a non-empty string over {ALPHABET!r}, got {context!r}")
        ctx = context.lower()
        counts = corp.after(ctx)
        if counts.sum() == 0:
            raise ValueError(f"context {context!r} never occurs in the text (with a following character)")
        return Teacher(f"text:{ctx}", counts / counts.sum(), labels, ordered=False,
                       description=f"next character after {ctx!r} ({int(counts.sum())} occurrences), {src}")
    if not (isinstance(order, int) and 1 <= order <= 4):
        raise ValueError(f"order must be an integer in [1, 4], got {order!r}")
    if not (isinstance(n_contexts, int) and n_contexts >= 1):
        raise ValueError(f"n_contexts must be a positive integer, got {n_contexts!r}")
    top, probs = corp.next_counts(order, n_contexts)
    if not top:
        raise ValueError(f"the text is too short for histories of {order} characters")
    w = probs.sum(1)
    return Teacher(f"text:order{order}", probs / w[:, None], labels, ordered=False,
                   contexts=top, weights=w,
                   description=f"next character after the {len(top)} most frequent {order}-character "
                               f"histories, {src}")
