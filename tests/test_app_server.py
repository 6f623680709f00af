"""``explorer-app`` as a real process, over plain HTTP (no browser): error handling and ports.

A throwaway notebooks directory with a failing notebook checks that visitors get the friendly
message from voila.json (no traceback, no "--show_tracebacks" hint) while the full traceback goes
to the server log.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
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
    def __init__(self, args: list[str], cwd: Path, log: Path, env: dict[str, str] | None = None):
        self.log = log
        self.port = _free_port()
        with open(log, "wb") as fh:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "explorer", "--port", str(self.port), *args],
                cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, env=None if env is None else {**os.environ, **env},
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


# --- many visitors: the kernel cap, the tab-closed beacon, culling ---------------------------------

PROXY_PREFIX = "/user/ada/explorer/"
KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')


def _kernel_alive(port: int, kernel_id: str) -> bool:
    status, _, _ = _get(port, f"/api/kernels/{kernel_id}", timeout=30)
    assert status in (200, 404), status
    return status == 200


def _wait_until(predicate, timeout: float, what: str) -> float:
    """Poll ``predicate`` every 0.25 s; return the seconds it took, fail after ``timeout``."""
    t0 = time.monotonic()
    while not predicate():
        assert time.monotonic() - t0 < timeout, f"{what}: not within {timeout} s"
        time.sleep(0.25)
    return time.monotonic() - t0


def _beacon(port: int, kernel_id: str, headers: dict) -> int:
    """What the page's beforeunload handler sends: POST /voila/api/shutdown/<id>, multipart form
    with the ``_xsrf`` value read from document.cookie (and the cookies, as the browser does)."""
    cookies = [c.split(";", 1)[0] for k, c in headers if k.lower() == "set-cookie"]
    xsrf = next((c.split("=", 1)[1] for c in cookies if c.startswith("_xsrf=")), "")
    boundary = "dxboundary"
    body = f'--{boundary}\r\nContent-Disposition: form-data; name="_xsrf"\r\n\r\n{xsrf}\r\n--{boundary}--\r\n'
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST", f"/voila/api/shutdown/{kernel_id}", body=body.encode(),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Cookie": "; ".join(cookies),
            },
        )
        return conn.getresponse().status
    finally:
        conn.close()


def _render_with_headers(port: int, path: str = "/voila/render/light.ipynb"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    finally:
        conn.close()


@pytest.fixture(scope="module")
def light_notebooks(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("light")
    notebooks = root / "nbs"
    notebooks.mkdir()
    _write_notebook(notebooks / "light.ipynb", "print('light page ready')")
    _write_notebook(notebooks / "00_index.ipynb", "print('index')")
    return notebooks


@pytest.fixture(scope="module")
def capped_server(light_notebooks):
    server = Server(
        # behind a proxy that strips the prefix, as jupyter-server-proxy does on JupyterHub/Binder
        ["--notebooks", str(light_notebooks), "--max-kernels=1",
         f"--Voila.base_url={PROXY_PREFIX}", "--Voila.server_url=/"],
        cwd=light_notebooks.parent,
        log=light_notebooks.parent / "capped.log",
    )
    try:
        server.wait_listening()
        yield server
    finally:
        server.stop()


def test_cap_busy_page_and_beacon_frees_the_slot(capped_server):
    port = capped_server.port
    status, headers, first = _render_with_headers(port)
    assert status == 200 and "light page ready" in first
    assert f'"baseUrl": "{PROXY_PREFIX}"' in first  # the page's own URLs go through the proxy
    kernel_id = KERNEL_ID.search(first).group(1)
    assert _kernel_alive(port, kernel_id)

    # a second visitor while the first page's kernel lives: the busy page, not a kernel
    status, busy_headers, busy = _get(port, "/voila/render/light.ipynb")
    assert status == 503
    assert busy_headers["Retry-After"] == "60"
    assert "busy" in busy and "try again in a minute" in busy and 'http-equiv="refresh"' in busy
    assert "Traceback" not in busy and "kernelId" not in busy
    assert "Kernel cap reached" in capped_server.log.read_text()

    # the first tab closes: its beacon carries the _xsrf cookie the page set, so it is accepted
    assert _beacon(port, kernel_id, headers) == 204
    assert not _kernel_alive(port, kernel_id)
    status, headers, again = _render_with_headers(port)
    assert status == 200 and "light page ready" in again
    assert _beacon(port, KERNEL_ID.search(again).group(1), headers) == 204  # leave the slot free


def test_behind_a_prefix_stripping_proxy(capped_server):
    """Requests arrive without the prefix; links in pages carry it; the landing redirect is
    server-relative (the proxy puts its prefix back on Location headers)."""
    status, headers, _ = _get(capped_server.port, "/")
    assert status == 302
    assert headers["Location"] == "/voila/render/00_index.ipynb"
    assert f"{PROXY_PREFIX}voila/render/00_index.ipynb" in capped_server.log.read_text()  # announced
    # pool refills are limited (explorer._serving.limit_pool_refills: half the cores, at least 1)
    refills = max(1, (os.cpu_count() or 2) // 2)
    assert f"refill at most {refills} kernel(s) at a time" in capped_server.log.read_text()


def test_beacon_without_the_xsrf_token_is_refused(capped_server):
    port = capped_server.port
    status, _, page = _render_with_headers(port)
    assert status == 200
    kernel_id = KERNEL_ID.search(page).group(1)
    assert _beacon(port, kernel_id, []) == 403  # a cross-site post cannot shut kernels down
    assert _kernel_alive(port, kernel_id)
    assert _get(port, "/voila/render/light.ipynb")[0] == 503


@pytest.fixture(scope="module")
def culling_server(light_notebooks):
    server = Server(
        [
            "--notebooks", str(light_notebooks), "--max-kernels=0",
            "--MappingKernelManager.cull_idle_timeout=4",
            "--MappingKernelManager.cull_interval=1",
            "--VisitorKernelManager.cull_connected_timeout=8",
        ],
        cwd=light_notebooks.parent, log=light_notebooks.parent / "culling.log",
    )
    try:
        server.wait_listening()
        yield server
    finally:
        server.stop()


def test_closed_page_kernel_is_culled_within_the_configured_time(culling_server):
    port = culling_server.port
    status, _, page = _get(port, "/voila/render/light.ipynb")
    assert status == 200
    kernel_id = KERNEL_ID.search(page).group(1)
    assert _kernel_alive(port, kernel_id)
    # nothing is connected to it (the page is gone): culled after cull_idle_timeout (4 s) idle,
    # checked every cull_interval (1 s)
    took = _wait_until(lambda: not _kernel_alive(port, kernel_id), timeout=20, what="closed page culled")
    assert took >= 2  # not shut down at once: it is the idle timeout that did it
    assert f"Culling 'idle' kernel 'python3' ({kernel_id})" in culling_server.log.read_text()


def test_open_page_kernel_is_kept_until_the_connected_timeout(culling_server, run_coroutine):
    from tornado.websocket import websocket_connect

    port = culling_server.port
    status, _, page = _get(port, "/voila/render/light.ipynb")
    assert status == 200
    kernel_id = KERNEL_ID.search(page).group(1)

    async def hold_open() -> tuple[float, bool]:
        # an open page = a websocket on the kernel's channels, as the page's widget manager keeps
        ws = await websocket_connect(f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels")
        t0 = time.monotonic()
        alive_after_idle_timeout = False
        while time.monotonic() - t0 < 30:
            await asyncio.sleep(0.5)
            alive = _kernel_alive(port, kernel_id)
            if time.monotonic() - t0 > 6:  # past cull_idle_timeout: the open page kept it
                alive_after_idle_timeout = alive_after_idle_timeout or alive
            if not alive:
                break
        ws.close()
        return time.monotonic() - t0, alive_after_idle_timeout

    took, kept = run_coroutine(hold_open())
    assert kept, "an open page's kernel was culled by cull_idle_timeout"
    assert took < 20, "an open but unused page's kernel was not culled after cull_connected_timeout"
    assert "unused for" in culling_server.log.read_text()


# --- preheated kernels that die at start ----------------------------------------------------------

# A kernel launcher that dies at start the first time it runs, as ipykernel does with
# "zmq.error.ZMQError: Address already in use" when two kernels race for a port.
DYING_KERNEL = """
import os, sys
marker = sys.argv[2]
if not os.path.exists(marker):
    open(marker, "w").close()
    sys.stderr.write("test kernel: dying at start\\n")
    sys.exit(1)
os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", sys.argv[1]])
"""


def _kernelspec(root: Path, name: str) -> None:
    spec = root / "share" / "jupyter" / "kernels" / name
    spec.mkdir(parents=True)
    argv = [sys.executable, str(root / "dying_kernel.py"), "{connection_file}", str(root / f"{name}.ran")]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": name, "language": "python"}))


@pytest.fixture(scope="module")
def dying_pool_server(tmp_path_factory):
    """The index page (preheated: voila.json gives it a pool of one) on a kernel that dies at start
    the first time."""
    root = tmp_path_factory.mktemp("dying")
    (root / "dying_kernel.py").write_text(DYING_KERNEL)
    _kernelspec(root, "dx-dies-once")
    notebooks = root / "nbs"
    notebooks.mkdir()
    _write_notebook(notebooks / "00_index.ipynb", "print('index page ready')")
    nb = nbformat.read(notebooks / "00_index.ipynb", as_version=4)
    nb.metadata.kernelspec = {"name": "dx-dies-once", "display_name": "dx-dies-once", "language": "python"}
    nbformat.write(nb, notebooks / "00_index.ipynb")
    server = Server(["--notebooks", str(notebooks)], cwd=root, log=root / "dying.log",
                    env={"JUPYTER_PATH": str(root / "share" / "jupyter")})
    try:
        server.wait_listening()
        yield server
    finally:
        server.stop()


def test_a_preheated_kernel_that_died_at_start_is_replaced_before_a_visitor_gets_it(dying_pool_server):
    port = dying_pool_server.port
    # At once: the pool's first kernel is still starting (or already dead) when the visitor comes.
    status, _, first = _get(port, "/voila/render/00_index.ipynb")
    assert status == 200 and "index page ready" in first, dying_pool_server.log.read_text()[-3000:]
    log = dying_pool_server.log.read_text()
    assert "for 00_index.ipynb dropped" in log and "starting a replacement" in log
    # the pool was refilled: the next visitors get preheated kernels too
    for _ in range(2):
        status, _, again = _get(port, "/voila/render/00_index.ipynb")
        assert status == 200 and "index page ready" in again
    assert dying_pool_server.log.read_text().count("Using pre-heated kernel") >= 3

