"""The shared UI layer (explorer.ui.widgets) without a browser: sliders from Param, Controls,
LatestRunner (supersession, streaming, errors), ErrorBox, FigureSlot, theme."""

from __future__ import annotations

import math
import os
import queue
import subprocess
import sys
import threading
import time

import ipywidgets as W
import plotly.graph_objects as go
import pytest

from explorer import divergences as dv
from explorer.params import Param
from explorer.ui.widgets import (
    Cancelled,
    Controls,
    ErrorBox,
    FigureSlot,
    LatestRunner,
    friendly,
    slider,
    theme,
)
from explorer.ui.widgets.controls import log_limits, nice_step, set_range

# -- sliders from Param ------------------------------------------------------------------------------


def test_float_slider_reads_label_range_step_and_doc():
    p = Param("mean", 0.3, label="mean 1", slider=(-8.0, 8.0), doc="location of mode 1")
    s = slider(p, css="dx-p-mean")
    assert isinstance(s, W.FloatSlider)
    assert (s.min, s.max, s.value, s.step) == (-8.0, 8.0, 0.3, 0.2)  # 16/100 rounded up to 0.2
    assert s.description == "mean 1" and s.tooltip == "location of mode 1"
    assert "dx-p-mean" in s._dom_classes


def test_explicit_step_and_clamping_into_the_slider_range():
    p = Param("w", 0.5, low=0.0, high=1.0, step=0.05)
    assert slider(p, 7.0).value == 1.0 and slider(p, -3.0).value == 0.0
    assert slider(p).step == 0.05


def test_log_slider_keeps_the_value_on_its_grid_inside_the_range():
    p = Param("bandwidth", 1.0, low=0.0, low_open=True, log=True, slider=(0.05, 5.0))
    s = slider(p, 0.37)
    assert isinstance(s, W.FloatLogSlider) and s.base == 10 and s.step == 0.01
    assert 10 ** s.min >= 0.05 * (1 - 1e-9) and 10 ** s.max <= 5.0 * (1 + 1e-9)
    k = (math.log10(0.37) - s.min) / s.step
    assert k == pytest.approx(round(k), abs=1e-6)  # 0.37 is a grid point, not shown as 0.368
    assert s.value == pytest.approx(0.37)


def test_integer_param_gives_an_int_slider():
    p = Param("k", 5, low=1, high=100, integer=True, slider=(1, 20))
    s = slider(p)
    assert isinstance(s, W.IntSlider) and (s.min, s.max, s.step, s.value) == (1, 20, 1, 5)


def test_param_without_a_finite_range_is_refused_with_its_name():
    with pytest.raises(ValueError, match="'alpha'"):
        slider(Param("alpha", 0.5))


def test_set_range_moves_range_and_value_together():
    p = Param("eps", 0.5, low=0.0, low_open=True, log=True, slider=(0.01, 10.0))
    s = slider(p)
    wide = p.scaled(10.0)  # a squared length? unit 0 here: scaled() leaves it alone
    assert wide is p
    q = Param("eps", 50.0, low=0.0, low_open=True, log=True, slider=(1.0, 1000.0))
    set_range(s, q, 50.0)
    assert s.value == pytest.approx(50.0) and 10 ** s.min >= 1.0 * (1 - 1e-9)


def test_log_limits_and_nice_step_helpers():
    lo, hi = log_limits(0.05, 5.0, 1.0)
    assert (lo, hi) == (pytest.approx(-1.30), pytest.approx(0.69))
    assert [nice_step(s) for s in (16, 1, 0.98, 350)] == [0.2, 0.01, 0.01, 5]
    with pytest.raises(ValueError):
        log_limits(0.0, 1.0, 0.5)


# -- Controls -------------------------------------------------------------------------------------


def make_controls():
    c = Controls()
    c.add("p.mean", slider(Param("mean", 0.0, slider=(-5, 5))))
    c.add("p.std", slider(Param("std", 1.0, slider=(0.1, 4.0))))
    c.add("units", W.ToggleButtons(options=["nats", "bits"], value="nats"))
    return c


def test_controls_iterate_read_and_set_by_name():
    c = make_controls()
    assert list(c) == ["p.mean", "p.std", "units"] and len(c) == 3 and "units" in c
    assert c.values() == {"p.mean": 0.0, "p.std": 1.0, "units": "nats"}
    c.set({"p.mean": 2.0}, units="bits")
    assert c.values() == {"p.mean": 2.0, "p.std": 1.0, "units": "bits"}
    assert c.group("p") == {"mean": c["p.mean"], "std": c["p.std"]}
    with pytest.raises(KeyError, match=r"p\.mean, p\.std, units"):
        c.set(nope=1)
    with pytest.raises(ValueError, match="already declared"):
        c.add("units", W.Checkbox())


def test_observers_see_every_change_with_its_name_and_can_be_filtered():
    c = make_controls()
    seen, only_p = [], []
    c.observe(lambda name, change: seen.append((name, change["new"])))
    c.observe(lambda name, change: only_p.append(name), names="p")
    c.set({"p.std": 2.0, "units": "bits"})
    assert seen == [("p.std", 2.0), ("units", "bits")]
    assert only_p == ["p.std"]
    with c.muted():
        c.set({"p.mean": 1.0})
    assert len(seen) == 2 and c.values()["p.mean"] == 1.0


def test_replacing_a_group_moves_the_observers_to_the_new_widgets():
    c = make_controls()
    old = c["p.mean"]
    seen = []
    c.observe(lambda name, change: seen.append(name))
    c.replace_group("p", {"df": slider(Param("df", 2.0, slider=(0.5, 30.0)))})
    assert c.names() == ["units", "p.df"]
    old.value = 3.0  # no longer a control of the page
    c.set({"p.df": 5.0})
    assert seen == ["p.df"]
    family = c.add("q.family", W.Dropdown(options=["a", "b"], value="a"))
    c.add("q.x", W.FloatSlider())
    c.replace_group("q", {"family": family, "y": W.FloatSlider()})
    assert c.names() == ["units", "p.df", "q.family", "q.y"]  # the dropdown kept its place


# -- LatestRunner ---------------------------------------------------------------------------------


def test_a_newer_request_supersedes_the_running_one():
    runner = LatestRunner()
    started, release = threading.Event(), threading.Event()
    done, cancelled = [], []

    def slow(job):
        started.set()
        try:
            while not release.is_set():
                job.check()
                time.sleep(0.005)
        except Cancelled:
            cancelled.append(job.number)
            raise
        return "slow"

    first = runner.submit(slow, on_done=done.append)
    assert started.wait(5)
    runner.submit(lambda job: "fast", on_done=done.append)
    assert runner.wait(5)
    assert first.cancelled and cancelled == [first.number]
    assert done == ["fast"]  # the superseded request never reports


def test_a_burst_of_requests_runs_only_the_first_and_the_last():
    runner = LatestRunner()
    gate = threading.Event()
    done = []

    def work(i):
        def run(job):
            while not gate.is_set():
                job.check()
                time.sleep(0.002)
            return i
        return run

    for i in range(50):  # a slider dragged: 50 values while the first is still running
        runner.submit(work(i), on_done=done.append)
    gate.set()
    assert runner.wait(5)
    assert done == [49]
    assert runner.runs <= 2  # no queue of stale work


def test_partial_results_are_throttled_and_the_final_result_wins():
    runner = LatestRunner(fps=5)
    partial, done = [], []

    def work(job):
        for i in range(200):
            job.emit(i)
            time.sleep(0.002)  # ~0.4 s of work: about 2-3 frames at 5 frames/s
        return "final"

    runner.submit(work, on_partial=partial.append, on_done=done.append)
    assert runner.wait(5)
    assert done == ["final"]
    assert 1 <= len(partial) <= 5 and partial[0] == 0  # the first value at once, then ~5/s
    assert partial == sorted(partial)


def test_slow_partials_all_arrive_in_order():
    runner = LatestRunner(fps=50)
    partial = []

    def work(job):
        for i in range(4):
            job.emit(i)
            time.sleep(0.03)
            job.check()
        return None

    runner.submit(work, on_partial=partial.append)
    assert runner.wait(5)
    assert partial == [0, 1, 2, 3]


def test_exceptions_in_the_work_and_in_callbacks_reach_the_error_box():
    box = ErrorBox()
    runner = LatestRunner(box)

    def bad(job):
        raise ValueError("parameter 'restarts' must be >= 1, got 0")

    runner.submit(bad, context="fitting")
    assert runner.wait(5)
    assert "restarts" in box.value and box.layout.display is None
    assert isinstance(box.last, ValueError)

    def boom(value):
        raise RuntimeError("bug in a callback")

    runner.submit(lambda job: 1, on_done=boom, context="drawing the fit")
    assert runner.wait(5)
    assert "something went wrong while drawing the fit" in box.value
    assert isinstance(box.last, RuntimeError)


def test_callbacks_run_where_dispatch_puts_them_and_stale_ones_are_dropped():
    ui = queue.Queue()  # stands for the kernel's event loop
    runner = LatestRunner(dispatch=ui.put)
    results, threads = [], []

    def cb(value):
        results.append(value)
        threads.append(threading.current_thread())

    runner.submit(lambda job: "old", on_done=cb)
    deadline = time.monotonic() + 5
    while ui.empty() and time.monotonic() < deadline:
        time.sleep(0.005)
    runner.submit(lambda job: "new", on_done=cb)  # arrives before the UI ran the first callback
    while ui.qsize() < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert not results  # nothing runs until the UI thread gets to it
    while not ui.empty():
        ui.get()()
    assert results == ["new"] and threads == [threading.main_thread()]
    assert runner.wait(1)


def test_inline_mode_runs_in_submit():
    runner = LatestRunner(background=False)
    done = []
    runner.submit(lambda job: threading.current_thread(), on_done=done.append)
    assert done == [threading.current_thread()] and not runner.busy


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
@pytest.mark.parametrize(("env", "steps"), [(None, 10), ("0", 0), ("3", 3), ("junk", 10)])
def test_worker_threads_run_niced_below_the_main_thread(env, steps):
    """Under a class, kernels' fits give way to every kernel's main thread (slider answers); the
    main thread itself is never lowered. Run in a subprocess: nice cannot be raised back."""
    code = ("import os, threading\n"
            "from explorer.ui.widgets.tasks import LatestRunner\n"
            "main = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())\n"
            "r = LatestRunner(background=True)\n"
            "seen = []\n"
            "r.submit(lambda job: seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))\n"
            "assert r.wait(30)\n"
            "after = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())\n"
            "print(seen[0] - main, after - main, main)\n")
    env_vars = {k: v for k, v in os.environ.items() if k != "EXPLORER_WORKER_NICE"}
    if env is not None:
        env_vars["EXPLORER_WORKER_NICE"] = env
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=env_vars)
    assert proc.returncode == 0, proc.stderr
    worker, main_after, main = (int(v) for v in proc.stdout.split())
    assert worker == min(steps, 19 - main) and main_after == 0


def test_workers_pause_while_the_kernel_handles_a_message_and_resume_after():
    """The gate wraps the kernel's shell dispatch: while a message is handled a worker waits at its
    next check (GIL released) and resumes when it is done; the main thread never waits."""
    import asyncio

    from explorer.ui.widgets import priority

    class FakeKernel:
        async def dispatch_shell(self, msg, subshell_id=None):
            entered.set()
            while not release.is_set():
                await asyncio.sleep(0.005)
            return msg

    entered, release = threading.Event(), threading.Event()
    kernel = FakeKernel()
    assert priority.install_ui_gate(kernel) and priority.install_ui_gate(kernel)  # idempotent
    checks = []
    runner = LatestRunner(dispatch=lambda fn: fn())

    def work(job):
        while not release.is_set():
            entered.wait(10)
            t0 = time.monotonic()
            job.check()
            checks.append((time.monotonic() - t0, priority.ui_busy()))
        return len(checks)

    def handle():
        assert asyncio.run(kernel.dispatch_shell("msg")) == "msg"

    main = threading.Thread(target=handle)
    main.start()
    runner.submit(work)
    time.sleep(0.3)
    assert priority.ui_busy() and len(checks) == 0  # the worker waits at its first check
    t0 = time.monotonic()
    priority.yield_to_ui()  # the main thread never waits: here it is the test's thread
    assert time.monotonic() - t0 < 0.05
    release.set()
    main.join(10)
    assert runner.wait(10) and not priority.ui_busy()
    assert checks and checks[0][0] > 0.2 and not checks[0][1]
    assert priority.yield_to_ui() is False
    assert priority.install_ui_gate(None) is False


def test_fps_must_be_positive():
    with pytest.raises(ValueError, match="'fps'"):
        LatestRunner(fps=0)


# -- ErrorBox ---------------------------------------------------------------------------------------


def test_error_box_guard_shows_value_errors_plainly_and_bugs_politely(capsys):
    box = ErrorBox()
    assert box.layout.display == "none"
    with box.guard("computing"):
        raise ValueError("parameter 'std' must be > 0, got -1.0")
    assert "parameter &#x27;std&#x27; must be &gt; 0" in box.value and box.layout.display is None
    with box.guard("computing"):
        pass
    assert box.value == "" and box.layout.display == "none"
    with box.guard("drawing"):
        raise ZeroDivisionError("x")
    assert "while drawing" in box.value and "ZeroDivisionError" not in box.value
    assert "ZeroDivisionError" in capsys.readouterr().err or isinstance(box.last, ZeroDivisionError)


def test_friendly_decorator_returns_none_on_error_and_clears_on_success():
    box = ErrorBox()
    f = friendly(box, "fitting")(lambda x: 1 / x)
    assert f(0) is None and box.value
    assert f(2) == 0.5 and box.value == ""


# -- FigureSlot --------------------------------------------------------------------------------------


def test_figure_slot_updates_in_place_while_the_traces_fit():
    slot = FigureSlot("dx-test", spare=3)
    w = slot.show(go.Figure([go.Scatter(y=[1, 2], fill="tozeroy")], {"title": {"text": "a"}}))
    assert slot.box.children == (w,) and "dx-test" in w._dom_classes
    assert [t.visible for t in w.data] == [None, False, False, False]  # 3 spare, hidden curves
    slot.show(go.Figure([go.Scatter(y=[3, 4]), go.Scatter(y=[5]), go.Scatter(y=[0])], {"height": 300}))
    assert slot.widget is w and slot.created == 1 and len(w.data) == 4
    assert w.data[0].fill is None and list(w.data[0].y) == [3, 4]  # replaced, not merged
    assert list(w.data[1].y) == [5] and list(w.data[2].y) == [0] and w.data[3].visible is False
    assert w.layout.title.text is None and w.layout.height == 300
    slot.show(go.Figure([go.Scatter(y=[7])]))  # fewer curves: the rest hidden and emptied
    assert slot.widget is w and [t.visible for t in w.data[1:]] == [False] * 3
    assert all(t.y is None for t in w.data[1:])
    # the full state a browser fetches later is the current one, not the creation-time one
    assert [list(t["y"]) for t in w._widget_data if "y" in t] == [[7]]


def test_plotly_bundle_travels_once_per_kernel_not_once_per_figure():
    """Each figure's front-end module is small (it imports inside anywidget's 2 s limit) and names
    the one widget that carries plotly's bundle, and a key of its own."""
    from explorer.ui.widgets import plotly_esm

    a = FigureSlot("dx-a").show(go.Figure([go.Scatter(y=[1])]))
    b = FigureSlot("dx-b").show(go.Figure([go.Bar(y=[1])]))
    assert len(a._esm) < 2_000 and a._esm == b._esm == plotly_esm.FIGURE_ESM
    holder = plotly_esm.bundle()
    assert holder is plotly_esm.bundle() and holder.comm is not None
    assert len(holder.source) > 1_000_000 and "export" in holder.source[-2_000:] + holder.source
    assert a._dx_bundle == b._dx_bundle == holder.model_id
    assert a._dx_key and b._dx_key and a._dx_key != b._dx_key
    state = a.get_state()  # what the browser receives with the model
    assert state["_dx_bundle"] == holder.model_id and len(state["_esm"]) < 2_000
    closed_id = holder.model_id
    holder.close()  # (as Widget.close_all() would): the next figure gets a live bundle widget
    c = FigureSlot("dx-c").show(go.Figure([go.Scatter(y=[1])]))
    assert c._dx_bundle == plotly_esm.bundle().model_id != closed_id


def test_figure_slot_replaces_the_widget_only_when_the_trace_types_change():
    slot = FigureSlot("dx-test", spare=1)
    first = slot.show(go.Figure([go.Scatter(y=[1])]))
    second = slot.show(go.Figure([go.Heatmap(z=[[1]])]))
    assert second is not first and slot.widget is second and slot.created == 2
    assert [t.type for t in second.data] == ["heatmap", "scatter"]
    assert slot.box.children == (second,)
    third = slot.show(go.Figure([go.Heatmap(z=[[2]]), go.Scatter(y=[1]), go.Scatter(y=[2])]))
    assert third is not second  # more curves than spare ones: a new widget


def test_figure_slot_sends_the_full_state_until_the_browser_has_drawn_it(monkeypatch):
    slot = FigureSlot("dx-test", spare=1)
    w = slot.show(go.Figure([go.Scatter(y=[1])]))
    sent = []
    real = w.send_state

    def record(key=None):
        if key == ["_widget_data", "_widget_layout"]:  # (trait changes send their own keys too)
            sent.append(key)
        return real(key)

    monkeypatch.setattr(w, "send_state", record)
    slot.show(go.Figure([go.Scatter(y=[2]), go.Scatter(y=[3])]))
    assert sent == [["_widget_data", "_widget_layout"]] and not slot.front_end_ready
    # the browser's first drawing answers with the trace deltas (as plotly.js's view does)
    w._js2py_traceDeltas = {"trace_deltas": [{"uid": t.uid} for t in w.data],
                            "trace_edit_id": w._last_trace_edit_id}
    assert slot.front_end_ready
    slot.show(go.Figure([go.Scatter(y=[4])]))
    assert len(sent) == 1  # only the edits travel now
    assert [list(t["y"]) for t in w._widget_data if "y" in t] == [[4]]  # but the state stays current


def test_figure_slot_renews_a_widget_whose_browser_stopped_answering():
    slot = FigureSlot("dx-test", spare=1)
    now = [100.0]
    slot._clock = lambda: now[0]
    w = slot.show(go.Figure([go.Scatter(y=[1])]))

    def answer(widget):  # what plotly.js sends back after applying an edit
        widget._js2py_traceDeltas = {"trace_deltas": [{"uid": t.uid} for t in widget.data],
                                     "trace_edit_id": widget._last_trace_edit_id}

    slot.show(go.Figure([go.Scatter(y=[2])]))
    assert slot._unanswered_since is None  # no browser yet: nothing is awaited
    answer(w)
    for y in (3, 4):  # answered edits, however slow in between
        slot.show(go.Figure([go.Scatter(y=[y])]))
        now[0] += 60
        answer(w)
    slot.show(go.Figure([go.Scatter(y=[5])]))  # this one is never answered
    now[0] += 1
    assert slot.show(go.Figure([go.Scatter(y=[6])])) is w  # not yet STALL_SECONDS
    with slot.batch() as fig:  # an edit that changes nothing sends nothing and is not awaited
        pass
    now[0] += 10
    fresh = slot.show(go.Figure([go.Scatter(y=[7])]))
    assert fresh is not w and slot.renewed == 1 and slot.created == 2 and slot.box.children == (fresh,)
    assert list(fresh.data[0].y) == [7] and not slot.front_end_ready
    answer(fresh)
    slot.show(go.Figure([go.Scatter(y=[8])]))
    now[0] += 30
    with slot.batch() as fig:  # a stalled batch edit is drawn in a new widget too
        fig.data[0].y = [9]
    assert slot.widget is not fresh and list(slot.widget.data[0].y) == [9] and slot.renewed == 2
    assert len(slot.widget.data) == 2  # the spare trace not doubled


def test_figure_slot_renews_a_stalled_widget_even_if_no_later_figure_comes():
    slot = FigureSlot("dx-test", spare=2)
    now, scheduled = [0.0], []
    slot._clock = lambda: now[0]
    slot._call_later = lambda delay, fn: scheduled.append((delay, fn))
    w = slot.show(go.Figure([go.Scatter(y=[1]), go.Bar(y=[2])]))
    w._js2py_traceDeltas = {"trace_deltas": [], "trace_edit_id": w._last_trace_edit_id}
    slot.show(go.Figure([go.Scatter(y=[3]), go.Bar(y=[4])]))  # never answered
    assert len(scheduled) == 1 and scheduled[0][0] > 8
    scheduled[0][1]()  # too early (the clock has not moved): nothing happens
    assert slot.widget is w
    now[0] += 9
    scheduled[0][1]()
    fresh = slot.widget
    assert fresh is not w and slot.renewed == 1
    assert [t.type for t in fresh.data] == ["scatter", "bar", "scatter", "scatter"]  # spares not doubled
    assert list(fresh.data[0].y) == [3] and list(fresh.data[1].y) == [4]


def test_figure_slot_batch_and_shape_edits():
    shapes = []
    slot = FigureSlot("dx-test", on_shapes=shapes.append)
    with pytest.raises(RuntimeError):
        with slot.batch():
            pass
    w = slot.show(go.Figure([go.Scatter(y=[1])], {"shapes": [{"type": "rect", "x0": 0, "x1": 1,
                                                                "y0": 0, "y1": 1}]}))
    with slot.batch() as fig:
        fig.data[0].y = [5]
    assert list(w._widget_data[0]["y"]) == [5]
    w.plotly_relayout({"shapes[0].x0": 0.5})
    assert shapes and shapes[-1][0].x0 == 0.5


def test_figure_slot_opens_the_comm_with_the_figure_in_it(monkeypatch):
    """The first message the browser gets already holds the data and the layout (plotly's own
    FigureWidget opens empty and sends them after, which a view created in between never draws)."""
    import comm

    opened = []
    real = comm.create_comm

    def recording(**kwargs):
        opened.append(kwargs["data"]["state"])
        return real(**kwargs)

    monkeypatch.setattr(comm, "create_comm", recording)
    slot = FigureSlot("dx-test")
    w = slot.show(go.Figure([go.Scatter(y=[1, 2]), go.Bar(y=[3])], {"height": 321}))
    state = next(s for s in opened if "_widget_data" in s)
    assert [t["type"] for t in state["_widget_data"]] == ["scatter", "bar"]
    assert state["_widget_layout"]["height"] == 321
    assert w.comm is not None and isinstance(w, go.FigureWidget)


# -- theme ---------------------------------------------------------------------------------------------


def test_one_colour_per_divergence_from_the_registry_order():
    colours = theme.divergence_colours()
    assert list(colours) == dv.names()
    first = [colours[n] for n in dv.names()[: len(theme.PALETTE)]]
    assert len(set(first)) == len(first)
    assert theme.divergence_colour("kl") == theme.PALETTE[dv.names().index("kl")]
    with pytest.raises(ValueError, match="choose one of"):
        theme.divergence_colour("nope")
    assert theme.fill("#1f5fa8", 0.2) == "rgba(31,95,168,0.2)"


def test_figures_use_the_white_template_without_naming_it():
    from explorer.ui.calculator import plot as calc_plot  # noqa: F401  (any page's plot module)

    fig = go.Figure(go.Scatter(y=[1, 2]))
    assert fig.layout.template.layout.plot_bgcolor == "white" and theme.TEMPLATE == "plotly_white"


def test_exit_hook_does_not_wait_for_idle_workers():
    """At interpreter exit only running work is waited for (was 5 s per idle runner: a test session
    that had built a few hundred pages hung for minutes after its last test)."""
    from explorer.ui.widgets import tasks

    runners = [LatestRunner(ErrorBox(), background=True, name=f"dx-idle-{i}") for i in range(5)]
    for r in runners:
        r.submit(lambda job: 1)
        assert r.wait(10)
    t0 = time.monotonic()
    tasks._stop_all()
    assert time.monotonic() - t0 < 1.0


def test_pandas_is_imported_before_the_first_worker_thread_starts():
    """plotly reads sys.modules["pandas"] on the main thread without importing it: a worker importing
    scikit-learn (and so pandas) must not leave it half-initialised there (CI: "partially
    initialized module 'pandas' has no attribute 'Series'" on the information page)."""
    code = ("import sys\n"
            "from explorer.ui.widgets.tasks import LatestRunner\n"
            "assert 'pandas' not in sys.modules\n"
            "seen = []\n"
            "r = LatestRunner(background=True)\n"
            "r.submit(lambda job: seen.append('pandas' in sys.modules))\n"
            "assert r.wait(30) and seen == [True], seen\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
