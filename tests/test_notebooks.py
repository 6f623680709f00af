"""Execute every notebook in ``notebooks/`` headless (nbclient) and assert that no cell errors.

Parametrised over the glob, so a new notebook is picked up without touching this file.  Each
notebook runs in a fresh ``python3`` kernel of the interpreter running the tests (the venv), with
``notebooks/`` as working directory, as Voila does.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds per cell

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOKS_DIR}"
    assert (NOTEBOOKS_DIR / "00_index.ipynb") in NOTEBOOKS


def test_index_links_every_demo():
    """The index notebook's markdown links every other notebook, and lists the same pages as the
    cards it draws (``explorer.ui.index.DEMOS``)."""
    import re

    from explorer.ui.index import DEMOS

    index = nbformat.read(NOTEBOOKS_DIR / "00_index.ipynb", as_version=4)
    markdown = "".join(c.source for c in index.cells if c.cell_type == "markdown")
    linked = set(re.findall(r"\]\(([^)]+\.ipynb)\)", markdown))
    others = {p.name for p in NOTEBOOKS} - {"00_index.ipynb"}
    assert linked == others == {d.notebook for d in DEMOS}


def _error_outputs(nb) -> list[str]:
    problems = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
    return problems


@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes_without_errors(path: Path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    # "python3" is the venv's own ipykernel spec; jupyter_client runs it with sys.executable.
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"{path.name} raised while executing:\n{exc}", pytrace=False)
    problems = _error_outputs(nb)
    assert not problems, f"{path.name} has error outputs: {problems}"
