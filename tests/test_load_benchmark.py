"""benchmarks/load.py and its modules: the v1 websocket framing against jupyter_server's and
jupyter_client's own serialisation, the widget-state helpers of the websocket visitor, statistics,
bounds, the table; and two real runs (2 websocket visitors x 2 moves; 1 Chromium visitor x 1
move)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "benchmarks" / "load.py"
sys.path.insert(0, str(SCRIPT.parent))

import load_common  # noqa: E402
import load_protocol  # noqa: E402
import load_ws  # noqa: E402


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
        assert load_common.pct(values, q) == pytest.approx(float(np.quantile(values, q)))
    assert load_common.pct([None, 2.0], 0.5) == 2.0
    assert load_common.pct([], 0.5) is None


@pytest.mark.parametrize(
    "argv",
    [
        ["--url", "http://10.0.0.5:8866"],  # not loopback
        ["--url", "http://example.org"],
        ["--visitors", "0"],
        ["--visitors", str(load_common.MAX_VISITORS + 1)],
        ["--moves", str(load_common.MAX_MOVES + 1)],
        ["--timeout", "0"],
        ["--timeout", "99999"],
        ["--pages", "calculator,nope"],
        ["--protocol", "telnet"],
        ["--think", "-1"],
        ["--think", str(load_common.MAX_THINK_S + 1)],
        ["--op-timeout", "0"],
        ["--op-timeout", "700", "--timeout", "600"],
        ["--ramp", "-1"],
        ["--think-spread", "-0.1"],
        ["--think-spread", "1.5"],
        ["--pool-size", "calculator"],
        ["--pool-size", "nope=3"],
        ["--pool-size", "calculator=many"],
        ["--pool-size", f"calculator={load_common.MAX_POOL + 1}"],
        ["--url", "http://127.0.0.1:8866", "--pool-size", "calculator=2"],  # a running server's pools
        ["--url", "http://127.0.0.1:8866", "--server-log", "x.log"],
    ],
)
def test_refuses_unbounded_or_remote_runs(argv):
    with pytest.raises(SystemExit):
        load.parse_args(argv)


def test_think_pauses_spread_around_the_mean_reproducibly_and_differ_between_visitors():
    from itertools import islice

    def pauses(index, spread):
        return list(islice(load_common.think_pauses(index, 3.0, spread), 400))

    a = pauses(0, 0.5)
    assert a == pauses(0, 0.5)  # the same run, the same pauses
    assert min(a) >= 1.5 and max(a) <= 4.5
    assert min(a) < 1.8 and max(a) > 4.2  # the whole range is used
    assert sum(a) / len(a) == pytest.approx(3.0, abs=0.15)
    assert a[:10] != pauses(1, 0.5)[:10]  # visitors fall out of step
    assert pauses(4, 0.0) == [3.0] * 400  # 0: in step, the worst case


def test_no_pauses_without_think_time():
    args = load.parse_args(["--think", "0"])
    assert load_common.pauses_for(0, args) is None
    args = load.parse_args(["--think", "2", "--think-spread", "0.25"])
    first = next(load_common.pauses_for(3, args))
    assert 1.5 <= first <= 2.5


def test_accepts_loopback_urls():
    for url in ("http://127.0.0.1:8866", "http://localhost:9000/", "http://[::1]:8866"):
        assert load.parse_args(["--url", url]).url == url


def test_every_page_is_a_notebook():
    for page in load_common.PAGES.values():
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
    text = load.table([row, {"page": "mode_seeking", "errors": ["x", "y"], "visitors": 0}])
    lines = text.splitlines()
    assert len(lines) == 4
    assert lines[2].startswith("| calculator | 2 (2 / 0) | 4.0 / 5.0 / 5.1 | 120 / 250 | 130 / 255 "
                               "| 140 / 300 | — / — | 4 | 0 | 200 |")
    assert "| no |" in lines[2]
    assert lines[3].startswith("| mode_seeking | — |")
    assert "| 2 |" in lines[3]  # its errors
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


# --- the websocket protocol ----------------------------------------------------------------------


def _session_message(with_buffers: bool):
    from jupyter_client.session import Session

    session = Session(key=b"", username="u")
    data = {"method": "update", "state": {"value": 1.5}, "buffer_paths": []}
    msg = session.msg("comm_msg", content={"comm_id": "abc", "data": data}, metadata={"m": "é"})
    buffers = [b"\x00\x01binary", bytes(range(256))] if with_buffers else []
    parts = [session.pack(msg[k]) for k in ("header", "parent_header", "metadata", "content")]
    return msg, parts, buffers


@pytest.mark.parametrize("with_buffers", [False, True])
def test_v1_framing_matches_jupyter_server(with_buffers):
    """Frames built here are byte-identical to jupyter_server's own v1 serialisation of the same
    parts (jupyter_client's Session packing them), and both sides decode each other's frames."""
    from jupyter_server.services.kernels.connection.base import (
        deserialize_msg_from_ws_v1,
        serialize_msg_to_ws_v1,
    )

    msg, parts, buffers = _session_message(with_buffers)
    ours = load_protocol.encode_parts("shell", [*parts, *buffers])
    assert ours == serialize_msg_to_ws_v1([*parts, *buffers], "shell")
    channel, theirs = deserialize_msg_from_ws_v1(ours)
    assert channel == "shell" and theirs == [*parts, *buffers]
    assert load_protocol.decode_parts(ours) == ("shell", [*parts, *buffers])
    decoded = load_protocol.deserialize(ours)
    assert decoded.content == msg["content"] and decoded.metadata == {"m": "é"}
    assert decoded.msg_id == msg["header"]["msg_id"] and decoded.msg_type == "comm_msg"
    assert decoded.buffers == buffers


def test_v1_messages_round_trip_and_are_what_jupyter_client_reads():
    from jupyter_client.session import Session

    msg = load_protocol.new_message("shell", "comm_msg", {"comm_id": "c", "data": {"x": [1, 2]}},
                                    session="s1", metadata={"k": 1}, buffers=[b"abc"])
    frame = load_protocol.serialize(msg)
    assert load_protocol.deserialize(frame) == msg
    # what the server forwards to the kernel (the parts, signed) is a message jupyter_client reads
    _, parts = load_protocol.decode_parts(frame)
    session = Session(key=b"secret")
    signed = [session.sign(parts[:4]), *parts]
    read = session.deserialize(signed)
    assert read["msg_type"] == "comm_msg" and read["content"] == msg.content
    assert read["header"]["session"] == "s1" and read["buffers"][0].tobytes() == b"abc"


@pytest.mark.parametrize("frame", [b"", b"\x01\x00", load_protocol.encode_parts("iopub", [b"{}"])[:-1] + b"",
                                   (3).to_bytes(8, "little") + (99).to_bytes(8, "little") * 3])
def test_bad_v1_frames_are_refused(frame):
    with pytest.raises(ValueError):
        load_protocol.deserialize(frame)


def _model(name: str, **state):
    return {"model_name": name, "state": state}


STATES = {
    "root": _model("VBoxModel", children=["IPY_MODEL_row", "IPY_MODEL_fig"], layout="IPY_MODEL_lay"),
    "lay": _model("LayoutModel"),
    "row": _model("HBoxModel", children=["IPY_MODEL_q", "IPY_MODEL_p"]),
    "q": _model("FloatSliderModel", _dom_classes=["dx-q-mean"], value=0.0, min=-8.0, max=8.0, step=0.05),
    "p": _model("FloatSliderModel", _dom_classes=["dx-p-mean1"], value=7.99, min=-8.0, max=8.0, step=0.05),
    "fig": _model("AnyModel", _py2js_update=None, _widget_data=[{"uid": "u1"}], _last_trace_edit_id=3),
    "orphan": _model("IntSliderModel", value=1, min=0, max=5, step=1),  # not displayed
}


def test_page_info_reads_the_kernel_and_the_root_widget():
    html = ('<script id="jupyter-config-data" type="application/json">\n {"baseUrl": "/", '
            '"kernelId": "d87d8115-749a-46ab-960a-e5ce4b5b55ac"}\n</script> ... '
            '"application/vnd.jupyter.widget-view+json": {"model_id": "06f1dd0e9c97", "version_major": 2}')
    assert load_ws.page_info(html) == ("d87d8115-749a-46ab-960a-e5ce4b5b55ac", ["06f1dd0e9c97"])
    assert load_ws.page_info("<html>blank</html>") == (None, [])


def test_widget_tree_slider_and_steps():
    assert load_ws.displayed_models(STATES, ["root"]) == ["root", "row", "q", "p", "fig"]
    calculator = load_common.PAGES["calculator"]
    assert load_ws.pick_slider(STATES, ["root"], calculator) == "p"  # as '[class*="dx-p-"] .noUi-handle'
    assert load_ws.pick_slider(STATES, ["root"], load_common.PAGES["kde"]) == "q"  # first in display order
    assert load_ws.is_figure(STATES["fig"]["state"]) and not load_ws.is_figure(STATES["q"]["state"])
    q = STATES["q"]["state"]
    assert load_ws.step_value(q, 0) == pytest.approx(0.05)
    assert load_ws.step_value(q, 1) == pytest.approx(-0.05)
    p = STATES["p"]["state"]
    assert load_ws.step_value(p, 0) == pytest.approx(7.94)  # no room on the right: a step left
    log = {"value": 1.0, "base": 10.0, "min": -1.3, "max": 0.69, "step": 0.01}
    assert load_ws.step_value(log, 0) == pytest.approx(10**0.01)


def test_pool_sizes_keep_every_other_page():
    assert load_common.parse_pool_size("calculator=20") == ("calculator", 20)
    assert load_common.parse_pool_size("01_divergence_calculator.ipynb=3") == ("calculator", 3)
    pools = load_common.pools_with({"calculator": 20, "index": 0})
    shipped = load_common.voila_pools()
    assert pools["01_divergence_calculator.ipynb"]["pool_size"] == 20
    assert pools["00_index.ipynb"]["pool_size"] == 0
    assert set(pools) == set(shipped)
    assert load_common.pool_kernel_count(pools) == load_common.pool_kernel_count(shipped) - 2 + 20
    args = load.parse_args(["--protocol", "ws", "--pool-size", "calculator=4"])
    options, server_pools = load.server_options(args)
    assert f"--max-kernels={args.visitors + 2}" in options
    (passed,) = [o for o in options if o.startswith("--VoilaKernelManager.kernel_pools_config=")]
    assert json.loads(passed.split("=", 1)[1]) == server_pools
    assert server_pools["01_divergence_calculator.ipynb"]["pool_size"] == 4


@pytest.mark.slow
def test_two_ws_visitors_two_moves(tmp_path):
    """The websocket visitor for real, small: the app started by load.py with a pool of two
    calculator kernels (no other page preheated), two visitors arriving together, two slider moves
    each, a 0.5 s pause before each (the first too); no errors, numbers in sane ranges, memory
    read, both kernels freed by the beacon."""
    out = tmp_path / "load.json"
    others = [f"--pool-size={name}=0" for name in load_common.PAGES if name != "calculator"]
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--protocol", "ws", "--visitors", "2", "--moves", "2",
         "--pages", "calculator", "--pool-size", "calculator=2", *others, "--timeout", "150",
         "--think", "0.5", "--think-spread", "0",
         "--op-timeout", "60", "--json", str(out), "--server-log", str(tmp_path / "server.log")],
        capture_output=True, text=True, timeout=240, cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (row,) = json.loads(out.read_text())["results"]
    assert (row["visitors"], row["rendered"], row["busy"], row["moves"]) == (2, 2, 0, 4)
    assert row["errors"] == []
    assert 0 < row["first_render_s"]["max"] < 60
    assert 0 < row["response_ms"]["p50"] <= row["idle_ms"]["p50"] * 1.5 + 50
    assert row["plot_ms"]["p50"] is not None  # the calculator's plot answered every move
    assert all(len(v["response_ms"]) == 2 for v in row["visits"])
    for visit in row["visits"]:  # a pause before each move, the first included
        first, second = visit["moved_at"]
        assert first - visit["drawn_at"] >= 0.5
        assert second - first >= 0.5 + visit["response_ms"][0] / 1000 - 0.01
    assert row["kernel_rss_mib"] > 50 and row["server_rss_mib"] > 50
    assert row["kernels_left"] == 0  # the beacon shut both kernels down
    log = (tmp_path / "server.log").read_text()
    assert "Kernel pool of 01_divergence_calculator.ipynb is filled with 2" in log
    assert "| calculator | 2 (2 / 0) |" in result.stdout
