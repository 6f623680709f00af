"""The command line shared by the registry-to-markdown generators (``python -m explorer.docs`` and the
labs' ``docs`` modules): write the page, or with ``--check`` fail if the committed page is stale."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def main(render: Callable[[], str], path: Path, module: str, argv: list[str] | None = None) -> int:
    """Write ``render()`` to ``path``; with ``--check`` only compare (exit 1 and say how to regenerate)."""
    argv = sys.argv[1:] if argv is None else argv
    text = render()
    if argv and argv[0] == "--check":
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is out of date: run python -m {module}", file=sys.stderr)
            return 1
        return 0
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


def param_text(p: Any) -> str:
    """One parameter of a registry entry: ``name`` = default (range): doc."""
    return f"`{p.name}` = {p.default:g} ({p.describe_range()}): {p.doc}"
