"""What the upload browser tests share: hostile files with the message each must produce, and a
full-height screenshot of a Voila page (which scrolls inside a div, so the viewport is enlarged)."""

from __future__ import annotations

import time

HOSTILE_FILES: dict[str, tuple[str, bytes, str]] = {
    "binary": ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 64,
               "not a text file"),
    "wrong delimiter": ("pipes.csv", b"a|b\n1|2\n3|4\n5|6\n", "only one column was found"),
    "one row": ("one.csv", b"a,b\n1.5,2.5\n", "only 1 row"),
    "all NaN": ("nan.csv", b"a\nnan\nNaN\nNA\n\nn/a\n", "0 usable rows"),
}
"""name → (file name, content, a phrase of the message it must get)."""


def tall_screenshot(page, path: str, height: int = 2000) -> None:
    """A full-page screenshot of a Voila page ``height`` pixels tall; the viewport is restored."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": height})  # Voila scrolls inside a div
    time.sleep(1.5)
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size(size)
