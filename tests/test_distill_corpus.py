"""explorer.distill.corpus: the one normalisation (what it drops counted), a visitor's text read and
refused (binary, empty, too short, too big), the vectorised counting against a plain Counter, and
teachers.text on any corpus."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.distill import teachers
from explorer.distill.corpus import (
    ALPHABET,
    MAX_TEXT_BYTES,
    MIN_TEXT_CHARS,
    Corpus,
    normalise_text,
    read_text,
)

DARWIN = (
    "It is interesting to contemplate an entangled bank, clothed with many plants of many kinds, with "
    "birds singing on the bushes, with various insects flitting about, and with worms crawling through "
    "the damp earth, and to reflect that these elaborately constructed forms, so different from each "
    "other, and dependent on each other in so complex a manner, have all been produced by laws acting "
    "around us."
)


def legacy_normalise(raw: str) -> str:
    """What teachers.text_corpus did before the refactor (per word, then joined)."""
    keep = set(ALPHABET)
    return " ".join("".join(ch for ch in w if ch in keep) for w in raw.lower().split())


def legacy_rows(corpus: str, order: int, n: int) -> tuple[list[str], np.ndarray]:
    """teachers.text's counting before the refactor (Counter.most_common over the grams)."""
    index = {ch: i for i, ch in enumerate(ALPHABET)}
    grams = Counter(corpus[i : i + order + 1] for i in range(len(corpus) - order))
    hist: Counter[str] = Counter()
    for g, c in grams.items():
        hist[g[:-1]] += c
    top = [h for h, _ in hist.most_common(n)]
    probs = np.zeros((len(top), len(ALPHABET)))
    for g, c in grams.items():
        if g[:-1] in top:
            probs[top.index(g[:-1]), index[g[-1]]] += c
    return top, probs


def test_normalise_lowercases_collapses_whitespace_and_counts_what_it_drops():
    text, dropped = normalise_text("  The\tQuick —  brown\n\nfox: 42 (jumps)!\r\n")
    assert text == "the quick  brown fox  jumps"  # '—' and '42' were whole words: two spaces remain
    assert dropped == Counter({"—": 1, ":": 1, "4": 1, "2": 1, "(": 1, ")": 1, "!": 1})
    assert set(text) <= set(ALPHABET)
    assert normalise_text("") == ("", Counter())
    with pytest.raises(ValueError, match="str"):
        normalise_text(b"bytes")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(ALPHABET + ALPHABET.upper() + "\t\n\r\x0b\x1c\u00a0é—1!?")),
               max_size=80))
def test_normalise_matches_the_per_word_rule_and_accounts_for_every_character(raw):
    text, dropped = normalise_text(raw)
    assert text == legacy_normalise(raw)
    words = "".join(raw.lower().split())
    assert sum(dropped.values()) + len(text.replace(" ", "")) == len(words)


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_vectorised_counting_equals_a_plain_counter_with_its_tie_order(order):
    rng = random.Random(order)
    for alphabet in ("ab ", "abc. ", ALPHABET):  # few symbols: many ties among histories
        corpus = "".join(rng.choice(alphabet) for _ in range(400))
        for n in (1, 3, 24, 10_000):
            names, table = Corpus(corpus, "random").next_counts(order, n)
            top, probs = legacy_rows(corpus, order, n)
            assert list(names) == top, (alphabet, n)
            np.testing.assert_array_equal(table, probs)


def test_histories_and_counts_of_a_small_text():
    c = Corpus("abab a", "t", 6)
    assert c.histories(order=1, n=5) == [("a", 2), ("b", 2), (" ", 1)]  # the last "a" has no successor
    assert c.histories(order=2, n=2) == [("ab", 2), ("ba", 1)]
    np.testing.assert_array_equal(c.after("a"), np.eye(len(ALPHABET))[ALPHABET.index("b")] * 2)
    assert Corpus("a", "t").next_counts(2, 5)[0] == ()
    with pytest.raises(ValueError, match="normalise"):
        Corpus("Not normalised!", "t")


def test_read_text_decodes_reports_and_teaches():
    c = read_text(("\ufeff" + DARWIN + " (1859)").encode("utf-8"), source="darwin.txt")
    assert c.encoding == "utf-8" and c.source == "darwin.txt"
    assert c.n_read == len(DARWIN) + 7 and c.dropped == {"(": 1, "1": 1, "8": 1, "5": 1, "9": 1, ")": 1}
    assert "6 dropped outside the alphabet" in c.summary()
    assert read_text(DARWIN.encode("utf-16")).text == read_text(DARWIN).text
    cafe = read_text(("Un café au lait. " * 20).encode("cp1252"))
    assert cafe.encoding == "windows-1252" and cafe.dropped == {"é": 20} and "caf au lait" in cafe.text
    t = teachers.text(order=1, n_contexts=5, corpus=c)
    assert t.probs.shape == (5, len(ALPHABET)) and "darwin.txt" in t.description
    assert teachers.text(order=1, n_contexts=5, corpus=DARWIN).probs.tobytes() == t.probs.tobytes()
    assert teachers.text(order=1, n_contexts=5, corpus=DARWIN.encode()).probs.tobytes() == t.probs.tobytes()
    one = teachers.text(context="wit", corpus=c)
    assert one.labels[int(one.probs.argmax())] == "h"
    assert one.description.startswith("next character after 'wit' (4 occurrences), darwin.txt")
    with pytest.raises(ValueError, match="never occurs"):
        teachers.text(context="zq", corpus=c)
    with pytest.raises(ValueError, match="corpus must be"):
        teachers.text(corpus=42)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "not a text file"),
        (bytes(range(1, 32)) * 100, "not a text file"),
        (b"", "no text"),
        ("   \n\t ", "no text"),
        (b"Short text, far too short.", "26 characters of the alphabet"),
        ("一二三四五六七八九十" * 100, "0 characters of the alphabet (letters, space and . , ; ' -) "
                                   "(1,000 characters outside it were dropped: 100 × '一', "),
        ("12345 67890\n" * 100, "at least 200"),
    ],
    ids=["png", "control bytes", "empty file", "blank paste", "too short", "no letters", "digits"],
)
def test_read_text_refusals_explain(content, message):
    with pytest.raises(ValueError) as err:
        read_text(content)
    assert message in str(err.value)
    if message == "not a text file":
        assert ".txt" in str(err.value)


def test_read_text_size_cap():
    with pytest.raises(ValueError, match=r"5\.0 MB; the limit is 5\.0 MB"):
        read_text(b"a" * (MAX_TEXT_BYTES + 1))
    with pytest.raises(ValueError, match="the limit is"):
        read_text("é" * 600, max_bytes=1000)  # a paste counts its UTF-8 bytes
    assert read_text("ab " * 100, max_bytes=300).n_chars == 299
    assert read_text("abc " * 50, min_chars=199).n_chars == 199
    with pytest.raises(ValueError, match=f"at least {MIN_TEXT_CHARS}"):
        read_text("abc " * 49)
