"""Unit tests of ``explorer.app``: command-line parsing, defaults, directory and port checks.

No server is started here; the end-to-end tests in ``tests/e2e`` do that.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from explorer import app

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_defaults():
    args, extra = app.parse_args([])
    assert args.host == "127.0.0.1"
    assert args.port == 8866
    assert args.open is False
    assert args.debug is False
    assert args.notebooks is None
    assert extra == []
    assert app.app_url(args.host, args.port) == "http://127.0.0.1:8866/"


def test_options():
    args, extra = app.parse_args(
        ["--host", "0.0.0.0", "--port", "9000", "--open", "--debug", "--notebooks", "nbs"]
    )
    got = (args.host, args.port, args.open, args.debug, args.notebooks)
    assert got == ("0.0.0.0", 9000, True, True, "nbs")
    assert extra == []


def test_traitlets_options_pass_through():
    _, extra = app.parse_args(["--VoilaExecutor.timeout=60", "--port", "9001", "--Voila.log_level", "10"])
    assert extra == ["--VoilaExecutor.timeout=60", "--Voila.log_level=10"]


@pytest.mark.parametrize("argv", [["--bogus"], ["positional"], ["--port", "0"], ["--port", "70000"],
                                  ["--pages", "03_kde"], ["--export", "out", "--timeout", "0"]])
def test_bad_arguments_exit_with_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        app.parse_args(argv)
    assert exc.value.code == 2
    assert "explorer-app" in capsys.readouterr().err


def test_voila_argv_defaults(tmp_path):
    args, _ = app.parse_args([])
    argv = app.voila_argv(args, tmp_path)
    assert argv[0] == str(tmp_path)
    assert "--Voila.ip=127.0.0.1" in argv
    assert "--Voila.port=8866" in argv
    assert "--Voila.port_retries=0" in argv
    assert "--Voila.open_browser=False" in argv
    assert "--VoilaConfiguration.strip_sources=True" in argv
    assert "--VoilaConfiguration.show_tracebacks=False" in argv
    assert "--debug" not in argv
    if os.name == "posix":
        assert "--KernelManager.transport=ipc" in argv


def test_kernel_transport_can_be_overridden(tmp_path):
    """ipc by default (no port races between kernels starting together); a traitlets option given
    to explorer-app comes later in Voila's argv, so it wins."""
    args, extra = app.parse_args(["--KernelManager.transport=tcp"])
    argv = app.voila_argv(args, tmp_path, extra)
    transports = [a for a in argv if a.startswith("--KernelManager.transport=")]
    assert transports[-1] == "--KernelManager.transport=tcp"


def test_voila_argv_debug_open_and_passthrough(tmp_path):
    args, extra = app.parse_args(["--debug", "--open", "--VoilaExecutor.timeout=5"])
    argv = app.voila_argv(args, tmp_path, extra)
    assert "--debug" in argv
    assert "--VoilaConfiguration.show_tracebacks=False" not in argv
    assert "--Voila.open_browser=True" in argv
    assert argv[-1] == "--VoilaExecutor.timeout=5"  # last, so it overrides voila.json


def test_default_notebooks_dir_is_the_repositorys():
    assert app.find_notebooks_dir() == (REPO_ROOT / "notebooks").resolve()


def test_notebooks_dir_falls_back_to_cwd(tmp_path):
    (tmp_path / "notebooks").mkdir()
    found = app.find_notebooks_dir(project_root=tmp_path / "nowhere", cwd=tmp_path)
    assert found == (tmp_path / "notebooks").resolve()


def test_notebooks_dir_explicit_relative_to_cwd(tmp_path):
    (tmp_path / "mine").mkdir()
    assert app.find_notebooks_dir("mine", cwd=tmp_path) == (tmp_path / "mine").resolve()


def test_missing_notebooks_dir_message(tmp_path):
    with pytest.raises(app.NotebooksDirNotFound) as exc:
        app.find_notebooks_dir(project_root=tmp_path / "a", cwd=tmp_path / "b")
    message = str(exc.value)
    assert "could not find the notebooks directory" in message
    assert str(tmp_path / "a" / "notebooks") in message
    assert str(tmp_path / "b" / "notebooks") in message
    assert "--notebooks DIR" in message


def test_explicit_notebooks_dir_missing_message(tmp_path):
    with pytest.raises(app.NotebooksDirNotFound, match=r"does not exist \(given with --notebooks\)"):
        app.find_notebooks_dir(tmp_path / "nope")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(app.NotebooksDirNotFound, match="is not a directory"):
        app.find_notebooks_dir(tmp_path / "file.txt")


def test_main_reports_missing_notebooks_dir(tmp_path, capsys):
    assert app.main(["--notebooks", str(tmp_path / "nope"), "--port", "8866"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("explorer-app: error: notebooks directory")


def test_busy_port_is_a_clear_error(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(app.PortInUse, match=f"port {port} on 127.0.0.1 is already in use"):
            app.check_port_free("127.0.0.1", port)
        assert app.main(["--port", str(port)]) == 1
    assert "already in use" in capsys.readouterr().err


def test_free_port_passes():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.check_port_free("127.0.0.1", port)


def test_config_dirs_put_the_repository_first(tmp_path):
    dirs = app.config_dirs(cwd=tmp_path)
    assert dirs[0] == str(REPO_ROOT.resolve())
    assert dirs[1] == str(tmp_path.resolve())
    assert (REPO_ROOT / "voila.json").is_file()


def test_repository_voila_config_is_loaded_from_any_cwd(tmp_path):
    """The app class reads the repository's voila.json even when started elsewhere."""
    code = (
        "import json, sys; from explorer import app; "
        "a = app.make_app_class()(); "
        "a.load_config_file('voila', path=a.config_file_paths); "
        "print(json.dumps({'timeout': a.config.VoilaExecutor.timeout, "
        "'iopub_timeout': a.config.VoilaExecutor.iopub_timeout, "
        "'cull': a.config.MappingKernelManager.cull_idle_timeout}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True, timeout=120
    ).stdout
    expected = json.loads((REPO_ROOT / "voila.json").read_text())
    got = json.loads(out.strip().splitlines()[-1])
    assert got["timeout"] == expected["VoilaExecutor"]["timeout"]
    assert got["iopub_timeout"] == expected["VoilaExecutor"]["iopub_timeout"]
    assert got["cull"] == expected["MappingKernelManager"]["cull_idle_timeout"]


def test_python_dash_m_explorer_help():
    out = subprocess.run(
        [sys.executable, "-m", "explorer", "--help"], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert "--notebooks" in out and "8866" in out and "127.0.0.1" in out


def test_config_dict_reads_dict_settings_from_any_source():
    from traitlets.config.loader import DeferredConfigString, LazyConfigValue

    pools = {"default": {"pool_size": 0}, "01_divergence_calculator.ipynb": {"pool_size": 3}}
    assert app.config_dict(pools) == pools
    assert app.config_dict(DeferredConfigString(json.dumps(pools))) == pools  # --X.y={...}
    lazy = LazyConfigValue()
    lazy.update({"03_kde.ipynb": {"pool_size": 2}})  # --X.y key=value items
    assert app.config_dict(lazy) == {"03_kde.ipynb": {"pool_size": 2}}
    assert app.config_dict(DeferredConfigString("not a dict")) == {}
    assert app.config_dict(None) == {}


def test_pool_sizes_on_the_command_line_without_max_kernels(tmp_path):
    """``explorer-app --VoilaKernelManager.kernel_pools_config={...}`` without ``--max-kernels``:
    the automatic cap counts the pools given on the command line (it used to crash there, reading
    the not-yet-parsed option as a dict: load.py --pool-size passes pools this way)."""
    pools = {"default": {"pool_size": 0}, "01_divergence_calculator.ipynb": {"pool_size": 3},
             "03_kde.ipynb": {"pool_size": 2}}
    code = (
        "import json, sys; from explorer import app, _serving; "
        "a = app.make_app_class()(); "
        f"a.initialize([{str(REPO_ROOT / 'notebooks')!r}, sys.argv[1]]); "
        "a.init_settings(); "
        "print(json.dumps([a.pool_kernels(), a.kernel_cap.max_kernels, "
        "_serving.default_max_kernels(pool_kernels=5)]))"
    )
    option = "--VoilaKernelManager.kernel_pools_config=" + json.dumps(pools)
    out = subprocess.run([sys.executable, "-c", code, option], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    pool_kernels, cap, expected_cap = json.loads(out.stdout.strip().splitlines()[-1])
    assert pool_kernels == 5  # the command line's pools replace voila.json's (six pools of 1)
    assert cap == expected_cap
