"""What the unit tests of the pages' "your data" uploads share: a sample written as a one-column
CSV, the values the page reads back from it, and what the browser's FileUpload sends."""

from __future__ import annotations

import datetime

import numpy as np

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def csv_bytes(x: np.ndarray, name: str = "flow") -> bytes:
    """``x`` as a one-column CSV with a header ``name`` (6 decimals)."""
    return (name + "\n" + "\n".join(f"{v:.6f}" for v in x)).encode()


def as_read(x: np.ndarray) -> np.ndarray:
    """``x`` as the page reads it back from :func:`csv_bytes`."""
    return np.array([float(f"{v:.6f}") for v in x])


def file_value(name: str, content: bytes) -> tuple[dict, ...]:
    """What the browser's FileUpload sends for one chosen file."""
    return ({"name": name, "type": "text/csv", "size": len(content), "last_modified": NOW,
             "content": memoryview(content)},)
