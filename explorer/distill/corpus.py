r"""Text for the next-character teachers: one normalisation to the 32-token alphabet (what it drops
counted), a visitor's text read with its refusals, and the counting of histories.

Normalisation (:func:`normalise_text`, shared by the shipped excerpt and a visitor's text): the
text is lower-cased, cut into words at whitespace, the words are joined by one space, and every
character outside :data:`ALPHABET` is dropped (and counted by character). A word made only of
dropped characters (``1859``, ``—``) leaves two spaces in a row, as it always has in the shipped
excerpt (so its teacher is unchanged).

:func:`read_text` takes a visitor's upload (bytes) or paste (str), in memory: at most
:data:`MAX_TEXT_BYTES`, decoded as text by :func:`explorer.userdata.decode_text` (binary content
refused), and at least :data:`MIN_TEXT_CHARS` characters after normalisation. Every refusal is a
``ValueError`` that says what to do.

Counting (:meth:`Corpus.next_counts`): the histories are the overlapping substrings of length
``order`` followed by a character; the most frequent come first, ties in order of first
occurrence (as :meth:`collections.Counter.most_common` over the text in reading order).

Examples
--------
>>> c = read_text("The cat sat on the mat; the rat ran! " * 6)
>>> c.summary()
"215 characters kept of 222 read; 6 dropped outside the alphabet: 6 × '!'"
>>> c.histories(order=2, n=3)
[('at', 24), ('th', 18), ('he', 18)]
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from explorer.userdata import decode_text

__all__ = ["ALPHABET", "EXAMPLE_SOURCE", "EXAMPLE_TEXT", "MAX_TEXT_BYTES", "MIN_TEXT_CHARS", "Corpus",
           "normalise_text", "read_text"]

ALPHABET = " abcdefghijklmnopqrstuvwxyz.,;'-"
"""The 32 tokens of the text teacher: space, the letters, and five punctuation marks. The text is
lower-cased, every run of whitespace becomes one space, and other characters are dropped."""
#: Largest text accepted (bytes as uploaded, or UTF-8 bytes of a paste): 5 MiB, some 5 million
#: characters, counted in about a second.
MAX_TEXT_BYTES = 5 * 2**20
#: Fewest characters (after normalisation) a visitor's text must have: below this, most next-
#: character distributions rest on one or two occurrences.
MIN_TEXT_CHARS = 200
#: What an upload of the wrong kind is told to upload instead.
TEXT_FILE = "a plain-text file (.txt), e.g. a book from Project Gutenberg saved as 'Plain Text UTF-8'"

#: An example text (public domain): the closing paragraph of Charles Darwin, *On the Origin of
#: Species* (John Murray, London, 1859, first edition), p. 490. Not from the shipped excerpt.
EXAMPLE_TEXT = (
    "It is interesting to contemplate an entangled bank, clothed with many plants of many kinds, with "
    "birds singing on the bushes, with various insects flitting about, and with worms crawling through "
    "the damp earth, and to reflect that these elaborately constructed forms, so different from each "
    "other, and dependent on each other in so complex a manner, have all been produced by laws acting "
    "around us. These laws, taken in the largest sense, being Growth with Reproduction; Inheritance "
    "which is almost implied by reproduction; Variability from the indirect and direct action of the "
    "external conditions of life, and from use and disuse: a Ratio of Increase so high as to lead to a "
    "Struggle for Life, and as a consequence to Natural Selection, entailing Divergence of Character and "
    "the Extinction of less-improved forms. Thus, from the war of nature, from famine and death, the "
    "most exalted object which we are capable of conceiving, namely, the production of the higher "
    "animals, directly follows. There is grandeur in this view of life, with its several powers, having "
    "been originally breathed into a few forms or into one; and that, whilst this planet has gone "
    "cycling on according to the fixed law of gravity, from so simple a beginning endless forms most "
    "beautiful and most wonderful have been, and are being, evolved."
)
EXAMPLE_SOURCE = "Darwin, On the Origin of Species (1859), closing paragraph"

_V = len(ALPHABET)
_OUTSIDE = re.compile("[^" + "".join(re.escape(ch) for ch in ALPHABET) + "]")
_CODE = np.zeros(128, dtype=np.int64)
_CODE[[ord(ch) for ch in ALPHABET]] = np.arange(_V)


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def normalise_text(raw: str) -> tuple[str, Counter[str]]:
    """``raw`` over :data:`ALPHABET`, and the characters dropped (whitespace is not counted).

    Lower-case, split at whitespace, join the words with one space, drop every other character.

    Examples
    --------
    >>> normalise_text("Hello,  World! (1859)")
    ('hello, world ', Counter({'!': 1, '(': 1, '1': 1, '8': 1, '5': 1, '9': 1, ')': 1}))
    """
    if not isinstance(raw, str):
        raise ValueError(f"text must be a str, got {type(raw).__name__}")
    joined = " ".join(raw.lower().split())
    dropped = Counter(_OUTSIDE.findall(joined))
    return (_OUTSIDE.sub("", joined) if dropped else joined), dropped


@dataclass(frozen=True, repr=False)
class Corpus:
    """A normalised text and what normalising it dropped.

    Attributes
    ----------
    text : str
        Over :data:`ALPHABET` only.
    source : str
        Where it comes from, as the teachers' descriptions name it.
    n_read : int
        Characters read (after decoding, before normalisation).
    dropped : dict of str to int
        Characters outside the alphabet and how often each was dropped, most frequent first.
    encoding : str
        How the bytes were decoded (``"text"`` for a paste).
    """

    text: str
    source: str
    n_read: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    encoding: str = "text"
    _counts: dict = field(default_factory=dict, init=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or _OUTSIDE.search(self.text):
            raise ValueError(f"corpus text must be a str over {ALPHABET!r} (normalise it first)")

    def __repr__(self) -> str:
        return f"Corpus({self.source!r}, {self.n_chars:,} characters)"

    @property
    def n_chars(self) -> int:
        """Characters after normalisation."""
        return len(self.text)

    @property
    def n_dropped(self) -> int:
        return sum(self.dropped.values())

    def dropped_text(self, most: int = 8) -> str:
        """``"5 × '1', 3 × '(', …"``: the ``most`` characters dropped most often."""
        shown = ", ".join(f"{n:,} × {ch!r}" for ch, n in list(self.dropped.items())[:most])
        more = f" and {len(self.dropped) - most} other characters" if len(self.dropped) > most else ""
        return shown + more

    def summary(self, most: int = 8) -> str:
        """``"1,234 characters kept of 1,300 read; 12 dropped outside the alphabet: 5 × '1', …"``."""
        out = f"{self.n_chars:,} characters kept of {self.n_read:,} read"
        if self.n_dropped:
            return out + f"; {self.n_dropped:,} dropped outside the alphabet: {self.dropped_text(most)}"
        return out + "; none dropped"

    def after(self, context: str) -> np.ndarray:
        """Counts of each next character after every (overlapping) occurrence of ``context``."""
        counts = np.zeros(_V)
        k, corpus = len(context), self.text
        start = corpus.find(context)
        while start != -1 and start + k < len(corpus):
            counts[_CODE[ord(corpus[start + k])]] += 1
            start = corpus.find(context, start + 1)
        return counts

    def next_counts(self, order: int, n: int) -> tuple[tuple[str, ...], np.ndarray]:
        """The ``n`` most frequent histories of length ``order`` (ties: first occurrence first) and,
        for each, how often every next character follows it: shape (≤ n, 32). Cached."""
        key = (order, n)
        if key not in self._counts:
            self._counts[key] = _next_counts(self.text, order, n)
        return self._counts[key]

    def histories(self, order: int, n: int = 5) -> list[tuple[str, int]]:
        """The ``n`` most frequent histories of length ``order`` with their counts."""
        names, table = self.next_counts(order, n)
        return [(h, int(c)) for h, c in zip(names, table.sum(1), strict=True)]


def _next_counts(text: str, order: int, n: int) -> tuple[tuple[str, ...], np.ndarray]:
    codes = _CODE[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
    m = codes.size - order  # histories followed by a character
    if m <= 0:
        return (), np.zeros((0, _V))
    hist = np.zeros(m, dtype=np.int64)
    for j in range(order):  # each history as a number in base 32
        hist = hist * _V + codes[j : j + m]
    uniq, first, inverse, counts = np.unique(hist, return_index=True, return_inverse=True, return_counts=True)
    top = np.lexsort((first, -counts))[:n]  # most frequent first, then first occurrence
    row = np.full(uniq.size, -1)
    row[top] = np.arange(top.size)
    r = row[inverse.reshape(-1)]
    keep = r >= 0
    table = np.bincount(r[keep] * _V + codes[order:][keep], minlength=top.size * _V)
    names = tuple(text[i : i + order] for i in first[top])
    return names, table.reshape(top.size, _V).astype(float)


def read_text(content: bytes | str | memoryview, *, source: str = "your text",
              max_bytes: int = MAX_TEXT_BYTES, min_chars: int = MIN_TEXT_CHARS) -> Corpus:
    """A visitor's text (the bytes of an upload, or a paste), checked and normalised, in memory.

    Parameters
    ----------
    content : bytes or str
        Never a path: nothing is opened.
    source : str
        How the teachers' descriptions name the text (e.g. the file's name).
    max_bytes : int
        Larger content is refused.
    min_chars : int
        Fewer characters after normalisation are refused.

    Returns
    -------
    Corpus

    Raises
    ------
    ValueError
        Empty, too large, binary, or too short after normalisation (the message says what was
        dropped when that is why).
    """
    raw = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    if len(raw) > max_bytes:
        raise ValueError(f"the text is {_mb(len(raw))}; the limit is {_mb(max_bytes)}. "
                         "Use an excerpt (a few chapters are plenty)")
    if not raw.strip():
        raise ValueError("there is no text: the file or the paste box is empty")
    if isinstance(content, str):
        text, encoding = content.removeprefix("\ufeff"), "text"
    else:
        text, encoding = decode_text(raw, expected=TEXT_FILE)
    kept, dropped = normalise_text(text)
    corpus = Corpus(kept, source, len(text), dict(dropped.most_common()), encoding)
    if corpus.n_chars < min_chars:
        why = (f" ({corpus.n_dropped:,} characters outside it were dropped: {corpus.dropped_text(5)})"
               if corpus.n_dropped else "")
        raise ValueError(f"the text has {corpus.n_chars:,} characters of the alphabet (letters, space "
                         f"and . , ; ' -){why}; at least {min_chars:,} are needed to count which "
                         "character follows which. Paste or upload a longer passage of English-like text")
    return corpus
