"""The generated docs list exactly the registry; the README shows the two commands first."""

from pathlib import Path

from explorer import divergences as dv
from explorer import docs

ROOT = Path(__file__).resolve().parents[1]


def test_docs_file_is_up_to_date():
    assert docs.main(["--check"]) == 0, "run: python -m explorer.docs"


def test_every_registry_entry_is_documented():
    text = docs.DOC_PATH.read_text(encoding="utf-8")
    for name in dv.names():
        assert f"### `{name}`" in text
