"""Consistency of the serving/deployment files: voila.json, constraints.txt, binder/, scripts."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from traitlets.config import Config, PyFileConfigLoader

REPO_ROOT = Path(__file__).resolve().parents[1]
VOILA_JSON = json.loads((REPO_ROOT / "voila.json").read_text())


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-")):
            continue
        name, _, version = line.partition("==")
        assert version, f"{path.name}: unpinned line {line!r}"
        pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_voila_json_production_settings():
    conf = VOILA_JSON["VoilaConfiguration"]
    assert conf["strip_sources"] is True
    assert conf["show_tracebacks"] is False
    executor = VOILA_JSON["VoilaExecutor"]
    assert 30 <= executor["timeout"] <= 600
    # After a cell's reply, nbclient waits iopub_timeout s (default 4) for the cell's outputs and
    # then moves on without them: with 20 kernels starting on 2 cores, preheated pages came up
    # blank (benchmarks/load.py --protocol ws --pool-size calculator=20, docs/deploy.md).
    assert executor["iopub_timeout"] >= 60
    assert "show_tracebacks" not in executor["cell_error_instruction"]  # not Voila's developer hint
    culling = VOILA_JSON["MappingKernelManager"]
    assert culling["cull_idle_timeout"] > 0 and culling["cull_interval"] > 0
    assert culling["cull_connected"] is False


def test_an_upload_at_the_cap_fits_in_one_websocket_message():
    """The KDE page's upload travels in one websocket message; Tornado's default limit (10 MiB)
    would close the connection without a word, so voila.json raises it above the parser's cap
    (a file a little over the cap must still arrive and get the cap's message)."""
    from explorer.userdata import MAX_BYTES

    limit = VOILA_JSON["Voila"]["tornado_settings"]["websocket_max_message_size"]
    assert limit >= MAX_BYTES + 8 * 2**20


def test_preheat_only_for_index_and_demos():
    if not VOILA_JSON.get("VoilaConfiguration", {}).get("preheat_kernel"):
        return
    pools = VOILA_JSON["VoilaKernelManager"]["kernel_pools_config"]
    assert pools["default"]["pool_size"] == 0  # tree mode would otherwise preheat every notebook
    assert {k for k, v in pools.items() if v.get("pool_size", 0) > 0} == {
        "00_index.ipynb",
        "01_divergence_calculator.ipynb",
        "02_mode_seeking.ipynb",
        "03_kde.ipynb",
        "04_information_bottleneck.ipynb",
        "05_distillation_alignment.ipynb",
    }
    for name in pools:
        assert name == "default" or (REPO_ROOT / "notebooks" / name).is_file(), name


def test_constraints_are_exact_and_portable():
    lines = [ln for ln in (REPO_ROOT / "constraints.txt").read_text().splitlines() if not ln.startswith("#")]
    for line in lines:
        assert "file://" not in line and " @ " not in line and not line.startswith("-e"), line
    pins = _pins(REPO_ROOT / "constraints.txt")
    assert "divergence-explorer" not in pins
    assert pins["torch"] == "2.13.0"
    for name in ("voila", "ipywidgets", "plotly", "anywidget", "jupyterlab", "playwright", "pytest"):
        assert name in pins, name


def test_binder_requirements_match_constraints():
    req = REPO_ROOT / "binder" / "requirements.txt"
    text = req.read_text()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text
    binder, constraints = _pins(req), _pins(REPO_ROOT / "constraints.txt")
    assert binder.pop("torch") == "2.13.0+cpu"
    for name, version in binder.items():
        assert constraints.get(name) == version, f"{name}: {version} vs {constraints.get(name)}"
    for name in ("voila", "ipywidgets", "plotly", "anywidget", "numpy", "scipy", "pot", "ipykernel"):
        assert name in binder, name
    assert "playwright" not in binder and "pytest" not in binder


def test_binder_files():
    binder = REPO_ROOT / "binder"
    assert (binder / "runtime.txt").read_text().strip() == "python-3.11"
    post_build = binder / "postBuild"
    assert os.access(post_build, os.X_OK)
    assert "pip install --no-cache-dir --no-deps -e ." in post_build.read_text()
    assert "urlpath=voila/render/notebooks/00_index.ipynb" in (binder / "README.md").read_text()


def test_binder_server_config_carries_voila_json(tmp_path):
    """binder/jupyter_server_config.py hands voila.json's settings to the Jupyter server."""
    link = tmp_path / "jupyter_server_config.py"
    link.symlink_to(REPO_ROOT / "binder" / "jupyter_server_config.py")  # as postBuild does
    config = PyFileConfigLoader(link.name, path=str(tmp_path)).load_config()
    assert isinstance(config, Config)
    for section in ("VoilaConfiguration", "VoilaExecutor", "MappingKernelManager"):
        for key, value in VOILA_JSON[section].items():
            assert config[section][key] == value, (section, key)
    assert config.ServerApp.default_url == "/voila/render/notebooks/00_index.ipynb"
    assert config.ServerApp.tornado_settings == VOILA_JSON["Voila"]["tornado_settings"]


def test_scripts_are_executable():
    assert os.access(REPO_ROOT / ".ci" / "run", os.X_OK)
    assert "bash scripts/test.sh" in (REPO_ROOT / ".ci" / "run").read_text()
    test_sh = (REPO_ROOT / "scripts" / "test.sh").read_text()
    assert "set -euo pipefail" in test_sh
    assert "-c constraints.txt" in test_sh


def _load_server_config(tmp_path, monkeypatch, with_proxy: bool) -> Config:
    import sys
    import types

    if with_proxy:
        monkeypatch.setitem(sys.modules, "jupyter_server_proxy", types.ModuleType("jupyter_server_proxy"))
    else:
        monkeypatch.setitem(sys.modules, "jupyter_server_proxy", None)  # import fails
    link = tmp_path / "jupyter_server_config.py"
    link.symlink_to(REPO_ROOT / "binder" / "jupyter_server_config.py")
    return PyFileConfigLoader(link.name, path=str(tmp_path)).load_config()


def test_binder_server_config_proxies_the_standalone_app_when_available(tmp_path, monkeypatch):
    """With jupyter-server-proxy (JupyterHub/BinderHub images that add it) the full app -- pool,
    cap, culling -- is at <server>/explorer/; the prefix is given to Voila as base_url only (the
    proxy strips it from requests and puts it back on redirects)."""
    config = _load_server_config(tmp_path, monkeypatch, with_proxy=True)
    entry = config.ServerProxy.servers["explorer"]
    command = entry["command"]
    assert command[0] == "explorer-app"
    assert "--port={port}" in command and "--host=127.0.0.1" in command
    assert "--Voila.base_url={base_url}explorer/" in command and "--Voila.server_url=/" in command
    assert any(a.startswith("--max-kernels=") for a in command)
    assert entry["absolute_url"] is False
    from explorer import app

    args, passthrough = app.parse_args([a.format(port=9999, base_url="/user/x/") for a in command[1:]])
    assert args.port == 9999 and "--Voila.base_url=/user/x/explorer/" in passthrough


def test_binder_server_config_without_the_proxy(tmp_path, monkeypatch):
    config = _load_server_config(tmp_path, monkeypatch, with_proxy=False)
    assert "ServerProxy" not in config
    assert config.ServerApp.default_url == "/voila/render/notebooks/00_index.ipynb"
