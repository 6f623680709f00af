"""The "your text" teacher's upload box: a .txt file or pasted text, read by
:func:`explorer.distill.corpus.read_text` (size cap, binary refused, too short refused), a preview
of what was kept and dropped and of the most frequent histories.

The content stays in memory (the bytes the browser sent, or the paste); the file name is only
shown, never opened. The box is an :class:`~explorer.ui.widgets.upload.UploadBox`, like the
pages' data uploads.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from explorer.distill.corpus import MAX_TEXT_BYTES, MIN_TEXT_CHARS, Corpus, read_text
from explorer.ui.widgets.upload import UploadBox

__all__ = ["ACCEPT_TEXT", "TextUpload"]

ACCEPT_TEXT = ".txt,text/plain"
#: Histories listed in the preview.
PREVIEW_HISTORIES = 5


def _show(history: str) -> str:
    return "".join("␣" if ch == " " else ch for ch in history)


class TextUpload(UploadBox):
    """Upload or paste a text; ``on_corpus(corpus)`` receives it (a
    :class:`~explorer.distill.corpus.Corpus`) after each successful upload or paste.

    ``corpus`` is the text in use (None before the first); :meth:`show_order` sets the history
    length the preview lists the most frequent histories of.
    """

    def __init__(self, on_corpus: Callable[[Corpus], Any], *, example: str = "", css: str = "dx-text-upload",
                 max_bytes: int = MAX_TEXT_BYTES):
        self.on_corpus = on_corpus
        self.max_bytes = max_bytes
        self.corpus: Corpus | None = None
        self.order = 2
        help_html = (
            "<span class='dx-upload-note'>A .txt file (UTF-8 or Windows text) or pasted text, at most "
            f"{max_bytes / 2**20:.0f} MB. It is lower-cased, runs of whitespace become one space, and "
            "characters other than letters, space and <code>. , ; ' -</code> are dropped (and counted); "
            f"at least {MIN_TEXT_CHARS} characters must remain. Your text stays in this page's memory "
            "and is never saved.</span>")
        placeholder = f"paste a passage of English text (at least {MIN_TEXT_CHARS} characters)"
        super().__init__(help_html, css=css, example=example, accept=ACCEPT_TEXT, file_label="Upload .txt…",
                         placeholder=placeholder, use_label="Use pasted text", noun="text")
        self.paste.continuous_update = False  # a long paste travels once, not at every keystroke

    def load(self, content: bytes | str | memoryview, name: str = "your text", notify: bool = True) -> Corpus:
        """Read ``content`` (a file's bytes or pasted text), preview it and (``notify``) hand it to
        ``on_corpus``; return it. ``ValueError`` on refusal (the previous text stays)."""
        corpus = read_text(content, source=name, max_bytes=self.max_bytes)
        self.corpus, self.source = corpus, name
        self.preview.value = self.preview_html()
        self.errors.clear()  # before the page redraws: the old message must not outlive the new text
        if notify:
            self.on_corpus(corpus)
        return corpus

    def show_order(self, order: int) -> None:
        """List the most frequent histories of ``order`` characters in the preview."""
        if order != self.order:
            self.order = int(order)
            self.preview.value = self.preview_html()

    def preview_html(self) -> str:
        """What was kept and dropped, and the most frequent histories (escaped: the text is the visitor's)."""
        c = self.corpus
        if c is None:
            return ""
        top = c.histories(self.order, PREVIEW_HISTORIES)
        hist = " · ".join(f"<code>{html.escape(_show(h))}</code> {n:,}" for h, n in top)
        return (f"<div><b>{html.escape(self.source)}</b>: {html.escape(c.summary())}.</div>"
                f"<div class='dx-upload-counts'>Most frequent {self.order}-character histories: "
                f"{hist}.</div>")
