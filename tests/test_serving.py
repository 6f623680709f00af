"""Unit tests of ``explorer._serving`` (the kernel cap, the busy page, culling) and of how
``explorer-app`` configures them.  No server here: tests/test_app_server.py runs the real thing."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from explorer import _serving, app

REPO_ROOT = Path(__file__).resolve().parents[1]
GiB = 2**30


def test_default_cap_is_bounded_by_cpu_and_by_memory():
    # plenty of memory: 10 visitors per core
    assert _serving.default_max_kernels(64 * GiB, 2) == 20
    assert _serving.default_max_kernels(64 * GiB, 4) == 40
    # 4 GiB: 0.75 * 4096 MiB - 400 MiB server = 2672 MiB -> 5 kernels of 450 MiB
    assert _serving.default_max_kernels(4 * GiB, 8) == 5
    # preheated kernels take their share first: (2672 - 3 * 450) // 450 = 2
    assert _serving.default_max_kernels(4 * GiB, 8, pool_kernels=3) == 2
    # never below one, whatever the machine
    assert _serving.default_max_kernels(256 * 2**20, 1) == 1


@pytest.mark.parametrize("mem_gib", [1, 2, 8, 23, 128])
def test_default_cap_kernels_fit_in_the_memory_share(mem_gib):
    cap = _serving.default_max_kernels(mem_gib * GiB, 64, pool_kernels=3)
    used = _serving.SERVER_RSS_MIB + (cap + 3) * _serving.KERNEL_RSS_MIB
    assert cap == 1 or used <= _serving.MEMORY_SHARE * mem_gib * 1024


def test_default_cap_rejects_nonsense():
    with pytest.raises(ValueError, match="cpus"):
        _serving.default_max_kernels(GiB, 0)
    with pytest.raises(ValueError, match="kernel_rss_mib"):
        _serving.default_max_kernels(GiB, 1, kernel_rss_mib=0)


def test_memory_bytes_is_this_machines():
    mem = _serving.memory_bytes()
    assert mem is None or 2**28 < mem < 2**50


def test_cap_admits_up_to_the_limit_and_counts_live_kernels_only():
    cap = _serving.KernelCap(2)
    alive = {"k1", "k2"}
    is_alive = alive.__contains__
    t1 = cap.admit(is_alive)
    t2 = cap.admit(is_alive)
    assert t1 is not None and t2 is not None
    assert cap.admit(is_alive) is None  # two requests in flight, no kernel yet: full
    cap.bind(t1, "k1")
    cap.bind(t2, "k2")
    cap.release(t1)
    cap.release(t2)
    assert cap.in_use(is_alive) == 2
    assert cap.admit(is_alive) is None
    alive.discard("k1")  # closed tab or culled: the slot is free again, no callback needed
    t3 = cap.admit(is_alive)
    assert t3 is not None and cap.in_use(is_alive) == 2


def test_cap_frees_a_slot_when_a_request_fails_before_its_kernel():
    cap = _serving.KernelCap(1)
    ticket = cap.admit(lambda k: True)
    assert cap.admit(lambda k: True) is None
    cap.release(ticket)  # e.g. the notebook failed to load: no kernel was started
    assert cap.in_use(lambda k: True) == 0
    late = cap.admit(lambda k: True)
    cap.release(late)
    cap.bind(late, "k9")  # a bind after release does not resurrect the slot
    assert cap.in_use(lambda k: True) == 0


def test_no_cap_admits_everyone():
    cap = _serving.KernelCap(0)
    tickets = [cap.admit(lambda k: True) for _ in range(50)]
    assert all(t is not None for t in tickets)
    assert not cap.enabled


def test_busy_page_is_readable_and_self_contained():
    page = _serving.busy_page(60, 20)
    assert "busy" in page and "try again in a minute" in page
    assert "20 visitors" in page
    assert '<meta http-equiv="refresh" content="60">' in page
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "1 visitor," in _serving.busy_page(60, 1)
    assert "try again in 3 minutes" in _serving.busy_page(180)


class _FakeKernel(SimpleNamespace):
    pass


def _culling_manager(connections: int, idle_s: float, state: str = "idle"):
    manager = _serving.VisitorKernelManager(
        cull_idle_timeout=300, cull_connected=False, cull_connected_timeout=60
    )
    kernel = _FakeKernel(
        execution_state=state, kernel_name="python3",
        kernel_spec=SimpleNamespace(metadata={}),
        last_activity=_serving.utcnow() - timedelta(seconds=idle_s),
    )
    manager._kernels["k"] = kernel
    manager._kernel_connections["k"] = connections
    shut = []

    async def shutdown_kernel(kernel_id, *args, **kwargs):
        shut.append(kernel_id)
        manager._kernels.pop(kernel_id)

    manager.shutdown_kernel = shutdown_kernel
    return manager, shut


@pytest.mark.parametrize(
    ("connections", "idle_s", "state", "culled"),
    [
        (1, 30, "idle", False),    # open page, recently used
        (1, 120, "idle", True),    # open page, unused beyond cull_connected_timeout
        (1, 120, "busy", False),   # still computing: never culled
        (0, 120, "idle", False),   # closed page: jupyter_server's rule, 300 s
        (0, 400, "idle", True),    # closed page beyond cull_idle_timeout
    ],
)
def test_visitor_kernel_manager_culling_rules(connections, idle_s, state, culled, run_coroutine):
    manager, shut = _culling_manager(connections, idle_s, state)
    run_coroutine(manager.cull_kernel_if_idle("k"))
    assert shut == (["k"] if culled else [])


def test_max_kernels_option():
    args, _ = app.parse_args(["--max-kernels", "3"])
    assert "--ExplorerVoila.max_kernels=3" in app.voila_argv(args, REPO_ROOT)
    args, _ = app.parse_args([])
    assert not any("max_kernels" in a for a in app.voila_argv(args, REPO_ROOT))  # voila.json / auto
    with pytest.raises(SystemExit):
        app.parse_args(["--max-kernels", "-2"])


def test_voila_json_serving_settings():
    conf = json.loads((REPO_ROOT / "voila.json").read_text())
    culling = conf["MappingKernelManager"]
    assert culling["cull_connected"] is False  # closed tabs: cull_idle_timeout
    assert 60 <= culling["cull_idle_timeout"] <= 900
    assert 0 < culling["cull_interval"] <= culling["cull_idle_timeout"] / 2
    connected = conf["VisitorKernelManager"]["cull_connected_timeout"]
    assert connected >= 2 * culling["cull_idle_timeout"]  # a reader is not cut off before a leaver
    assert conf["ExplorerVoila"]["max_kernels"] == -1  # sized for the machine
    assert conf["ExplorerVoila"]["busy_retry_after"] == 60
    assert conf["ExplorerVoila"]["pool_refill_concurrency"] == -1  # half the cores


def test_app_reads_the_serving_settings(tmp_path):
    """The app class sees voila.json's cap and culling settings (config loading only)."""
    app_class = app.make_app_class()
    instance = app_class()
    instance.config_file_paths = app.config_dirs(cwd=tmp_path)
    instance.load_config_file("voila")
    assert instance.config.MappingKernelManager.cull_idle_timeout == 300
    assert instance.config.VisitorKernelManager.cull_connected_timeout == 1800
    assert instance.config.ExplorerVoila.max_kernels == -1
    assert instance.max_kernels == -1


class _Kernel:
    def __init__(self, alive: bool):
        self.alive = alive

    async def is_alive(self) -> bool:
        return self.alive


class _PoolManager:
    """The parts of Voila's pooling kernel manager that ``discard_dead_pool_kernels`` uses.

    ``fill_if_needed`` appends entries made by ``make_entry`` (a coroutine: kernel, render task)."""

    def __init__(self, make_entry, size: int = 1):
        self.kernels: dict[str, _Kernel] = {}
        self._pools = {"page.ipynb": []}
        self.make_entry = make_entry
        self.size = size
        self.started = 0
        self.shut_down: list[str] = []

    def __contains__(self, kernel_id) -> bool:
        return kernel_id in self.kernels

    def get_kernel(self, kernel_id):
        return self.kernels[kernel_id]

    async def shutdown_kernel(self, kernel_id, now=False):
        self.shut_down.append(kernel_id)
        self.kernels.pop(kernel_id)

    def fill_if_needed(self, delay=None, notebook_name=None):
        pool = self._pools[notebook_name]
        while len(pool) < self.size:
            self.started += 1
            pool.append(asyncio.ensure_future(self.make_entry(self, f"k{self.started}")))


def _entry(alive: bool = True, render: str = "running", kernel_info: bool = True, start_error=None):
    async def make(manager, kernel_id):
        await asyncio.sleep(0)
        if start_error is not None:
            raise start_error
        manager.kernels[kernel_id] = _Kernel(alive)

        async def rendering():
            if render == "fails":
                raise RuntimeError("Kernel died before replying to kernel_info")
            await asyncio.sleep(3600 if render == "running" else 0)

        task = asyncio.ensure_future(rendering())
        await asyncio.sleep(0.01)
        renderer = SimpleNamespace(executor=SimpleNamespace(kc=object() if kernel_info else None))
        return {"kernel_id": kernel_id, "task": task, "renderer": renderer}
    return make


def _run_pool(entries, run_coroutine, wait=1.0, size=1):
    """Fill a pool from ``entries`` (one per start, the last repeated); check it as a visitor would."""
    def make(manager, kernel_id):
        return entries[min(manager.started, len(entries)) - 1](manager, kernel_id)

    async def go():
        manager = _PoolManager(make, size)
        manager.fill_if_needed(notebook_name="page.ipynb")
        dropped = await _serving.discard_dead_pool_kernels(manager, "page.ipynb", wait=wait)
        heads = [await task for task in manager._pools["page.ipynb"]]
        for head in heads:
            head["task"].cancel()
        return manager, dropped, [h["kernel_id"] for h in heads]

    return run_coroutine(go())


def test_healthy_pool_kernels_are_left_alone(run_coroutine):
    manager, dropped, pool = _run_pool([_entry()], run_coroutine, size=2)
    assert dropped == 0 and pool == ["k1", "k2"] and manager.started == 2 and not manager.shut_down


@pytest.mark.parametrize("bad", [
    _entry(start_error=OSError("Address already in use")),   # the start itself raised
    _entry(alive=False, kernel_info=False),                   # the process exited at start
    _entry(render="fails", kernel_info=False),                # the renderer gave up on it
])
def test_a_dead_pool_kernel_is_dropped_shut_down_and_replaced(bad, run_coroutine):
    manager, dropped, pool = _run_pool([bad, _entry()], run_coroutine)
    assert dropped == 1
    assert pool == ["k2"]  # the replacement, healthy, is what the visitor gets
    assert manager.shut_down in ([], ["k1"])  # a kernel that was started is shut down
    assert "k1" not in manager.kernels


def test_a_pool_kernel_still_starting_is_waited_for_then_judged(run_coroutine):
    # alive, no kernel_info reply within the wait: handed over as is (Voila waits for it too)
    _, dropped, pool = _run_pool([_entry(kernel_info=False)], run_coroutine, wait=0.2)
    assert dropped == 0 and pool == ["k1"]


def test_a_pool_whose_kernels_always_die_gives_up_after_a_few(run_coroutine):
    manager, dropped, pool = _run_pool([_entry(alive=False, kernel_info=False)], run_coroutine)
    assert pool == [] and 1 < dropped <= 5 and manager.started == dropped


def test_managers_without_pools_are_left_alone(run_coroutine):
    no_pools = SimpleNamespace()
    assert run_coroutine(_serving.discard_dead_pool_kernels(no_pools, "page.ipynb")) == 0
    manager = _PoolManager(_entry())
    assert run_coroutine(_serving.discard_dead_pool_kernels(manager, "other.ipynb")) == 0


class _RefillManager:
    """Voila's ``_initialize`` as the pool uses it: start a kernel, run the notebook as a task."""

    def __init__(self, render_s: float = 0.05, fail: bool = False):
        self._pools: dict = {}
        self.render_s, self.fail = render_s, fail
        self.running = self.peak = self.started = 0
        self.restarts: list[str] = []

    async def _initialize(self, notebook_path, kernel_id=None, **kwargs):
        if kernel_id is not None:
            self.restarts.append(kernel_id)
            return {"kernel_id": kernel_id, "task": None}
        if self.fail:
            raise RuntimeError("kernel died on start")
        self.started += 1
        self.running += 1
        self.peak = max(self.peak, self.running)

        async def render():
            await asyncio.sleep(self.render_s)
            self.running -= 1

        return {"kernel_id": f"k{self.started}", "task": asyncio.get_running_loop().create_task(render())}


async def _refill(manager, n: int, restart: bool = False):
    out = await asyncio.gather(*(manager._initialize("page.ipynb") for _ in range(n)))
    if restart:
        await manager._initialize("page.ipynb", "k-restarted")
    await asyncio.gather(*(c["task"] for c in out))
    return out


@pytest.mark.parametrize("concurrency, peak", [(1, 1), (2, 2), (0, 5)])
def test_pool_refills_run_at_most_concurrency_notebooks_at_once(concurrency, peak, run_coroutine):
    """A class emptying a pool started every refill at once (20 kernels running their notebooks on
    2 cores, during the visitors' first renders); limited, at most ``concurrency`` notebooks run."""
    manager = _RefillManager()
    wrapped = _serving.limit_pool_refills(manager, concurrency, quiet=None)
    assert wrapped is (concurrency > 0)
    out = run_coroutine(_refill(manager, 5, restart=True))
    assert manager.peak == peak and manager.started == 5
    assert sorted(c["kernel_id"] for c in out) == [f"k{i}" for i in range(1, 6)]
    assert manager.restarts == ["k-restarted"]  # a restart neither waits nor takes a slot


def test_a_refill_that_fails_frees_its_slot_and_a_stuck_one_after_the_limit(run_coroutine):
    failing = _RefillManager(fail=True)
    _serving.limit_pool_refills(failing, 1, quiet=None)

    async def two_failures():
        for _ in range(2):  # the second would wait forever if the first kept its slot
            with pytest.raises(RuntimeError, match="died"):
                await asyncio.wait_for(failing._initialize("page.ipynb"), 1)

    run_coroutine(two_failures())
    stuck = _RefillManager(render_s=30)
    _serving.limit_pool_refills(stuck, 1, slot_seconds=0.05, quiet=None)

    async def second_starts_before_first_renders():
        first = await stuck._initialize("page.ipynb")
        second = await asyncio.wait_for(stuck._initialize("page.ipynb"), 2)
        for c in (first, second):
            c["task"].cancel()
        return stuck.peak

    assert run_coroutine(second_starts_before_first_renders()) == 2


def test_managers_without_a_pool_are_not_wrapped():
    assert _serving.limit_pool_refills(SimpleNamespace(), 1) is False
    assert _serving.limit_pool_refills(SimpleNamespace(_initialize=None, _pools={}), 1) is False


def _fake_cpu(busy_shares):
    """cpu_times() of a machine whose busy share over each successive sample is given."""
    state = {"busy": 0.0, "total": 0.0, "i": 0}

    def times():
        if state["i"] > 0:
            share = busy_shares[min(state["i"] - 1, len(busy_shares) - 1)]
            state["busy"] += 100 * share
            state["total"] += 100
        state["i"] += 1
        return state["busy"], state["total"]

    return times


@pytest.mark.parametrize("shares, max_wait, expected", [
    ([0.1], 5, "quiet"),
    ([0.95, 0.9, 0.2], 5, "quiet"),
    ([0.95], 0.05, "timeout"),
])
def test_wait_for_quiet_cpu(shares, max_wait, expected, run_coroutine):
    async def wait():
        return await _serving.wait_for_quiet_cpu(asyncio.Event(), sample=0.01, max_wait=max_wait,
                                                 times=_fake_cpu(shares))

    assert run_coroutine(wait()) == expected


def test_wait_for_quiet_cpu_is_cut_short_by_a_waiting_visitor_or_unreadable_load(run_coroutine):
    async def hurried():
        hurry = asyncio.Event()
        asyncio.get_running_loop().call_later(0.05, hurry.set)
        t0 = time.monotonic()
        how = await _serving.wait_for_quiet_cpu(hurry, sample=0.01, max_wait=30, times=_fake_cpu([1.0]))
        return how, time.monotonic() - t0

    how, waited = run_coroutine(hurried())
    assert how == "hurried" and waited < 5
    assert run_coroutine(_serving.wait_for_quiet_cpu(asyncio.Event(), times=lambda: None)) == "unknown"
    busy, total = _serving.cpu_times()  # this machine's /proc/stat
    assert 0 < busy < total


def test_busy_cpu_holds_refills_back_until_a_visitor_waits_for_one(run_coroutine):
    """Refills yield to visitors' slider moves (a busy CPU), but not to a visitor who arrives to an
    empty pool: ``hurry_pool_refills`` (called by the render handler) lets the next one start."""
    manager = _RefillManager()
    shares = [1.0]
    _serving.limit_pool_refills(
        manager, 1, quiet=lambda hurry: _serving.wait_for_quiet_cpu(
            hurry, sample=0.01, max_wait=30, times=_fake_cpu(shares)))

    async def scenario():
        manager._pools["page.ipynb"] = [asyncio.ensure_future(manager._initialize("page.ipynb"))]
        await asyncio.sleep(0.2)
        held = manager.started  # CPU busy: nothing started
        assert _serving.hurry_pool_refills(manager, "page.ipynb") is True
        first = await asyncio.wait_for(manager._pools["page.ipynb"][0], 5)
        await first["task"]
        second = asyncio.ensure_future(manager._initialize("page.ipynb"))
        await asyncio.sleep(0.2)
        held_again = manager.started  # the hurry was used up: busy CPU holds the next one
        shares[0] = 0.1  # the class stops moving sliders
        await asyncio.wait_for(second, 5)
        return held, held_again, manager.started

    assert run_coroutine(scenario()) == (0, 1, 2)
    assert _serving.hurry_pool_refills(manager, "page.ipynb") is False  # its entry is ready
    assert _serving.hurry_pool_refills(SimpleNamespace(), "page.ipynb") is False


def test_a_visitor_waiting_for_one_page_is_not_held_up_by_another_pages_refills(run_coroutine):
    """Hurrying is per page, and a hurried refill skips the slot: page A's refill rendering (slot
    taken) and another waiting for a quiet CPU do not delay the refill a page-B visitor waits for."""
    manager = _RefillManager(render_s=30)
    _serving.limit_pool_refills(
        manager, 1, quiet=lambda hurry: _serving.wait_for_quiet_cpu(
            hurry, sample=0.01, max_wait=30, times=_fake_cpu([1.0])))

    async def scenario():
        a1 = asyncio.ensure_future(manager._initialize("a.ipynb"))
        manager._pools["a.ipynb"] = [a1]
        _serving.hurry_pool_refills(manager, "a.ipynb")
        first = await asyncio.wait_for(a1, 5)  # a's refill renders for 30 s, holding the only slot
        a2 = asyncio.ensure_future(manager._initialize("a.ipynb"))
        b1 = asyncio.ensure_future(manager._initialize("b.ipynb"))
        manager._pools.update({"a.ipynb": [a2], "b.ipynb": [b1]})
        await asyncio.sleep(0.1)
        assert manager.started == 1  # busy CPU: both wait
        assert _serving.hurry_pool_refills(manager, "b.ipynb")
        second = await asyncio.wait_for(b1, 5)
        started = manager.started
        a2.cancel()
        for c in (first, second):
            c["task"].cancel()
        return second["kernel_id"], started

    assert run_coroutine(scenario()) == ("k2", 2)  # b started beside a's running refill; a2 still waits
