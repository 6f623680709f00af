"""``explorer-app`` as a real process, over plain HTTP (no browser): error handling and ports.

A throwaway notebooks directory with a failing notebook checks that visitors get the friendly
message from voila.json (no traceback, no "--show_tracebacks" hint) while the full traceback goes
to the server log.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FRIENDLY = json.loads((REPO_ROOT / "voila.json").read_text())["VoilaExecutor"]["cell_error_instruction"]

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_notebook(path: Path, *sources: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def _get(port: int, path: str, timeout: float = 120) -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, dict(response.getheaders()), body
    finally:
        conn.close()


class Server:
    def __init__(self, args: list[str], cwd: Path, log: Path):
        self.log = log
        self.port = _free_port()
        with open(log, "wb") as fh:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "explorer", "--port", str(self.port), *args],
                cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def wait_listening(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, f"server exited {self.proc.returncode}:\n{self.log.read_text()}"
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                assert time.monotonic() < deadline, f"not listening:\n{self.log.read_text()}"
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def error_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("errapp")
    notebooks = root / "nbs"
    notebooks.mkdir()
    _write_notebook(notebooks / "boom.ipynb", "x = 1", "def explode():\n    return 1 / 0\n\nexplode()")
    server = Server(["--notebooks", str(notebooks)], cwd=root, log=root / "voila.log")
    try:
        server.wait_listening()
        yield server
    finally:
        server.stop()


def test_cell_error_is_friendly_for_visitors_and_logged_in_full(error_server):
    status, _, html = _get(error_server.port, "/voila/render/boom.ipynb")
    assert status == 200
    assert FRIENDLY in html
    assert "show_tracebacks" not in html
    assert "ZeroDivisionError" not in html and "explode()" not in html
    # the full traceback (exception type, the failing function) is in the server log
    deadline = time.monotonic() + 10
    while "ZeroDivisionError" not in error_server.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    log = error_server.log.read_text()
    assert "ZeroDivisionError" in log
    assert "Traceback" in log and "explode" in log


def test_no_index_means_no_redirect(error_server):
    status, headers, _ = _get(error_server.port, "/")
    assert status == 200  # the file list, since this directory has no 00_index.ipynb
    assert "Location" not in headers


def test_busy_port_fails_fast_with_a_clear_message(error_server, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "explorer", "--port", str(error_server.port)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert result.returncode == 1
    assert f"port {error_server.port} on 127.0.0.1 is already in use" in result.stderr


def test_prints_the_url_on_start(error_server):
    assert f"running at  http://127.0.0.1:{error_server.port}/" in error_server.log.read_text()
