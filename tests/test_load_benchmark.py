"""benchmarks/load.py: its helpers, and one real run (1 visitor, 1 slider move) in Chromium."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "benchmarks" / "load.py"


def _load_module():
    spec = importlib.util.spec_from_file_location("dx_load", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


load = _load_module()


def test_percentiles_interpolate_like_numpy():
    import numpy as np

    values = [0.3, 5.0, 1.2, 9.9, 2.2, 7.1, 4.4]
    for q in (0.0, 0.5, 0.95, 1.0):
        assert load.pct(values, q) == pytest.approx(float(np.quantile(values, q)))
    assert load.pct([None, 2.0], 0.5) == 2.0
    assert load.pct([], 0.5) is None


@pytest.mark.parametrize(
    "argv",
    [
        ["--url", "http://10.0.0.5:8866"],  # not loopback
        ["--url", "http://example.org"],
        ["--visitors", "0"],
        ["--visitors", str(load.MAX_VISITORS + 1)],
        ["--moves", str(load.MAX_MOVES + 1)],
        ["--timeout", "0"],
        ["--timeout", "99999"],
        ["--pages", "calculator,nope"],
    ],
)
def test_refuses_unbounded_or_remote_runs(argv):
    with pytest.raises(SystemExit):
        load.parse_args(argv)


def test_accepts_loopback_urls():
    for url in ("http://127.0.0.1:8866", "http://localhost:9000/", "http://[::1]:8866"):
        assert load.parse_args(["--url", url]).url == url


def test_every_page_is_a_notebook():
    for page in load.PAGES.values():
        assert (REPO_ROOT / "notebooks" / page.notebook).is_file(), page.notebook


def test_table_has_a_row_per_page():
    row = {
        "page": "calculator", "visitors": 2, "rendered": 2, "busy": 0, "moves": 4,
        "first_render_s": {"p50": 4.0, "p95": 5.0, "max": 5.1},
        "response_ms": {"p50": 120.0, "p95": 250.0, "max": 260.0},
        "plot_ms": {"p50": 130.0, "p95": 255.0}, "settled_ms": {"p50": 140.0, "p95": 300.0},
        "errors": [], "server_rss_mib": 200.0, "total_rss_mib": 900.0, "kernel_rss_mib": 350.0,
        "torch_in_kernel": False, "kernels_left": 0,
    }
    text = load.table([row, {"page": "mode_seeking", "errors": ["x"], "visitors": 0}])
    lines = text.splitlines()
    assert len(lines) == 4
    assert lines[2].startswith("| calculator | 2 (2 / 0) | 4.0 / 5.0 / 5.1 | 120 / 250 |")
    assert "| no |" in lines[2]
    assert lines[3].startswith("| mode_seeking | — |")
    assert all(line.count("|") == lines[0].count("|") for line in lines)


@pytest.mark.slow
@pytest.mark.e2e
def test_one_visitor_one_move(tmp_path):
    """The real thing at the smallest scale: the app started by load.py, one Chromium visitor on
    the calculator, one slider move measured end to end, the tab closed and its kernel freed."""
    if not any(Path(c).is_file() for c in load.CHROMIUM_CANDIDATES):
        pytest.skip("no Chromium: apt-get install chromium")
    out = tmp_path / "load.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--visitors", "1", "--moves", "1", "--pages", "calculator",
         "--timeout", "240", "--op-timeout", "120", "--json", str(out),
         "--server-arg=--VoilaConfiguration.preheat_kernel=False"],
        capture_output=True, text=True, timeout=400, cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (row,) = json.loads(out.read_text())["results"]
    assert (row["visitors"], row["rendered"], row["busy"], row["moves"]) == (1, 1, 0, 1)
    assert row["errors"] == []
    assert 0 < row["first_render_s"]["p50"] < 240
    assert 0 < row["response_ms"]["p50"] < 120_000
    assert row["kernel_rss_mib"] > 50 and row["server_rss_mib"] > 50
    assert row["kernels_left"] == 0  # the closing tab's beacon shut its kernel down
    assert "| calculator | 1 (1 / 0) |" in result.stdout
