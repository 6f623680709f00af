"""The shape of the package: light imports, capabilities asked of entries, no banners, one Param.

These are static or import-level checks of rules from the developers' guide (README, Layout and
docs/architecture.md); each has a self-test on a synthetic snippet so that it can fail.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from explorer import divergences as dv
from explorer import params as params_module

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "explorer"
HEAVY = ("torch", "plotly", "ipywidgets", "ot")


def _modules_after(code: str) -> list[str]:
    """Which of HEAVY a fresh interpreter has loaded after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""})
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("code", [
    "import explorer",
    "from explorer import divergences",
    "import explorer.fitting, explorer.estimators, explorer.ot, explorer.modes, explorer.docs",
    "from explorer.estimators import study",
])
def test_the_core_imports_neither_torch_nor_plotly_nor_ipywidgets(code):
    assert _modules_after(code) == []


def test_the_import_probe_sees_a_heavy_import():
    assert _modules_after("import plotly") == ["plotly"]


# -- no caller decides a capability by comparing a divergence's name ------------------------------
NAME_CHECK_EXEMPT = {PACKAGE / "divergences" / "entries.py"}
NAME_CHECK_SKIP_DIRS: set[Path] = set()


def _name_comparisons(source: str, registered: set[str]) -> list[tuple[int, str]]:
    """Lines where a non-constant is compared (==, !=, in, not in) with a registered name."""

    def names_in(node: ast.AST) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value} & registered
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return set().union(*(names_in(e) for e in node.elts)) if node.elts else set()
        return set()

    hits = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        if not all(isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn) for op in node.ops):
            continue
        operands = [node.left, *node.comparators]
        found = set().union(*(names_in(o) for o in operands))
        if found and any(not names_in(o) and not isinstance(o, ast.Constant) for o in operands):
            hits.append((node.lineno, ", ".join(sorted(found))))
    return hits


def test_the_name_comparison_detector_works():
    registered = set(dv.names())
    snippet = ('if div.name == "sinkhorn":\n    pass\nok = name != "kl"\nx = n in ("w1", "w2")\n'
               'y = div.name == "not-a-divergence"\nz = "kl" == "kl"\n')
    assert _name_comparisons(snippet, registered) == [(1, "sinkhorn"), (3, "kl"), (4, "w1, w2")]


def _core_modules() -> list[Path]:
    return [f for f in sorted(PACKAGE.rglob("*.py"))
            if f not in NAME_CHECK_EXEMPT and not any(d in f.parents for d in NAME_CHECK_SKIP_DIRS)]


def test_no_core_module_branches_on_a_divergence_name():
    registered = set(dv.names())
    offenders = {str(f.relative_to(ROOT)): hits for f in _core_modules()
                 if (hits := _name_comparisons(f.read_text(encoding="utf-8"), registered))}
    assert offenders == {}, "ask the registry entry (a capability field) instead of comparing names"


# -- no module held together by section banners ---------------------------------------------------
BANNER = re.compile(r"^\s*# ?[=#]{4,}", re.MULTILINE)
BANNER_PENDING: set[Path] = set()


def test_the_banner_pattern_matches_banners():
    assert BANNER.search("x = 1\n# ==========\n# Closed forms\n") and not BANNER.search("# a == b\n")


def test_no_module_needs_section_banners():
    offenders = [str(f.relative_to(ROOT)) for f in sorted(PACKAGE.rglob("*.py"))
                 if f not in BANNER_PENDING and BANNER.search(f.read_text(encoding="utf-8"))]
    assert offenders == [], "split the module instead of sectioning it"


# -- one parameter type ---------------------------------------------------------------------------
# the whole package defines exactly one parameter class
ONE_PARAM_SCOPE = [PACKAGE]


def _param_classes(path: Path) -> list[str]:
    files = [path] if path.is_file() else sorted(path.rglob("*.py"))
    out = []
    for f in files:
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and re.search(r"Param(Spec)?$", node.name):
                out.append(f"{f.relative_to(ROOT)}:{node.name}")
    return out


def test_exactly_one_param_class():
    found = [c for path in ONE_PARAM_SCOPE for c in _param_classes(path)]
    assert found == ["explorer/params.py:Param"]
    assert not hasattr(dv, "Param")


def test_every_registry_parameter_is_the_one_param_type():
    for name in dv.names():
        div = dv.get(name)
        for prm in (*div.params, *div.estimator_params):
            assert type(prm) is params_module.Param, (name, prm)
