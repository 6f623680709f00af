"""The generated docs list exactly the registry; the README shows the two commands first and its
Python examples run, with the numbers they print."""

import doctest
import re
import shlex
from pathlib import Path

import pytest

from explorer import divergences as dv
from explorer import docs

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_docs_file_is_up_to_date():
    assert docs.main(["--check"]) == 0, "run: python -m explorer.docs"


def test_every_registry_entry_is_documented():
    text = docs.DOC_PATH.read_text(encoding="utf-8")
    for name in dv.names():
        assert f"### `{name}`" in text


def _commands(block: str) -> list[str]:
    return [ln.strip() for ln in block.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def test_readme_starts_with_the_two_commands_and_ci_runs_the_second():
    head = README.split("\n## ", 1)[0]  # title and intro, before the first section
    blocks = re.findall(r"```bash\n(.*?)```", head, flags=re.S)
    assert blocks, "the README's intro must show the commands in a bash block"
    install, check = _commands(blocks[0])  # exactly two commands
    words = shlex.split(install.replace("&&", " && "))
    assert "venv" in words and "install" in words and "-e" in words and words[-1].endswith("explorer-app")
    assert check == "bash scripts/test.sh"
    assert (ROOT / "scripts" / "test.sh").is_file()
    ci = _commands((ROOT / ".ci" / "run").read_text(encoding="utf-8"))
    assert any(shlex.split(c)[-2:] == ["bash", "scripts/test.sh"] for c in ci), ci


def _python_examples() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    return [b for b in blocks if ">>>" in b]


def test_readme_has_python_examples():
    examples = _python_examples()
    assert examples and sum(b.count(">>>") for b in examples) >= 30


@pytest.mark.slow
def test_readme_python_examples_print_what_the_readme_says():
    """Every ``>>>`` line of the README runs and prints exactly the output shown (fits, the study)."""
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    globs: dict = {}
    for i, block in enumerate(_python_examples()):
        test = parser.get_doctest(block, globs, f"README block {i}", "README.md", 0)
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 30 and result.failed == 0
