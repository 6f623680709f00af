"""``load.py --protocol ws``: a visitor that speaks Voila's protocol instead of running a browser.

One visitor does, on the wire, what Voila's page does in a browser, minus the drawing:

1. ``GET /voila/render/<notebook>`` (the page's HTML; with a preheated kernel it is ready at once,
   otherwise the request waits while a kernel starts and runs the notebook).  The HTML carries the
   kernel id (``jupyter-config-data``) and the root widget's model id (the widget-view output).
2. Opens ``/api/kernels/<id>/channels`` with the v1 binary subprotocol
   (:mod:`load_protocol`), sends ``kernel_info_request`` and waits for the reply, as
   ``@jupyterlab/services`` does on connecting.
3. Fetches every widget's state as the ipywidgets 8 manager does (Voila's
   ``widgets-manager8``): opens a ``jupyter.widget.control`` comm, sends ``request_states``
   and waits for ``update_states`` (the whole page: ~190 models on the calculator, 5.3 MB
   including plotly's bundle), then closes that comm.  The browser gives this 4 s before falling
   back to one request per model; a slower answer is noted.  Each plotly figure reachable from
   the root then answers as plotly.js does once it has drawn (a ``_js2py_traceDeltas`` and a
   ``_js2py_widget_layoutDelta`` update with the figure's edit ids).
4. Moves the page's slider ``k`` times: a ``comm_msg`` ``{"method": "update", "state": {"value":
   v}, "buffer_paths": []}`` on the slider's comm, one step right then back, exactly what the JS
   widget manager sends when a slider handle moves one step.  Every figure edit the kernel sends
   in response (``_py2js_update``, ``_py2js_restyle``, ...) is answered as plotly.js does.
5. Leaves: ``POST /voila/api/shutdown/<kernel>`` with the ``_xsrf`` cookie (the page's
   "tab closed" beacon), then closes the websocket.

What is measured, and how it relates to what a browser shows:

* **first render** = step 1's request -> step 3's ``update_states`` received.  At that moment a
  browser has everything it needs from the server to draw the page; what it still does (load
  Voila's ~10 MB of JavaScript and CSS -- a real class's browsers do it on the students' machines,
  from their caches after the first visit -- parse plotly's bundle, create ~190 models and draw)
  is client work not done here.  So it is the server's share of the browser's first render (a
  lower bound of it), measured without 20 browsers competing with the server for the CPU.
* per move, from the ``comm_msg`` sent:
  **response** -> the first iopub message of that request that changes what the page shows (an
  ``update`` of a widget other than the slider, beyond plotly's edit-id bookkeeping; a comm
  opened; an output); the slider's own ``echo_update`` (ipywidgets 8 echoes every change back to
  its sender) does not count;
  **plot** -> the first message redrawing a plotly figure (``_py2js_*``, ``_widget_data``);
  **idle** -> the kernel's ``status: idle`` for the request (its handler finished);
  **settled** -> the last such change before 0.5 s of quiet after the idle (work that streams on
  after the handler, e.g. the mode-seeking page's fit from its own task, included).
  The connection is quiet before each move, so whatever arrives after it answers it.
  A browser adds its own drawing to these (a plotly redraw: tens of ms on a desktop).

Errors: a refused or failed request, a page whose HTML has no widget (it came up blank) or shows
an error text, a timeout, an ``error`` message or a traceback on stderr from the kernel.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from load_common import (
    ERROR_TEXTS,
    QUIET_AFTER_MS,
    QUIET_BEFORE_MS,
    Page,
    Visit,
    VisitResult,
    arrival_delay,
    pauses_for,
)
from load_protocol import KernelChannels, Message

#: The browser's widget manager gives the control comm this long before falling back.
CONTROL_COMM_TIMEOUT_S = 4.0
#: plotly edit-id bookkeeping: synced before each edit, not a visible change by itself.
BOOKKEEPING = frozenset({"_last_trace_edit_id", "_last_layout_edit_id"})
#: Figure messages that redraw the plot in the browser.
FIGURE_DRAWS = ("_py2js_", "_widget_data", "_widget_layout")
OUTPUT_MESSAGES = frozenset({"display_data", "update_display_data", "execute_result", "clear_output",
                             "stream", "error"})
_CONFIG_DATA = re.compile(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', re.S)
_WIDGET_VIEW = re.compile(
    r'"application/vnd\.jupyter\.widget-view\+json":\s*\{\s*"model_id":\s*"([0-9a-f]+)"')
_MODEL_REF = "IPY_MODEL_"


def page_info(html: str) -> tuple[str | None, list[str]]:
    """The kernel id (from ``jupyter-config-data``) and the root widgets' model ids of a page."""
    kernel_id = None
    m = _CONFIG_DATA.search(html)
    if m:
        try:
            kernel_id = json.loads(m.group(1)).get("kernelId")
        except ValueError:
            kernel_id = None
    return kernel_id, list(dict.fromkeys(_WIDGET_VIEW.findall(html)))


def _refs(value: Any) -> list[str]:
    """Model ids referenced by a state value (``"IPY_MODEL_<id>"`` strings, in lists too)."""
    if isinstance(value, str):
        return [value[len(_MODEL_REF):]] if value.startswith(_MODEL_REF) else []
    if isinstance(value, list | tuple):
        return [r for v in value for r in _refs(v)]
    return []


def displayed_models(states: dict[str, dict], roots: list[str]) -> list[str]:
    """Models drawn from ``roots``, depth first in display order (boxes' ``children``, tabs'
    and accordions' included; layouts and styles are not views and are skipped)."""
    seen: list[str] = []
    stack = list(reversed(roots))
    while stack:
        mid = stack.pop()
        if mid in seen or mid not in states:
            continue
        seen.append(mid)
        stack.extend(reversed(_refs(states[mid]["state"].get("children", []))))
    return seen


def is_figure(state: dict) -> bool:
    """A plotly FigureWidget's model (it has plotly's py->js edit traits)."""
    return "_py2js_update" in state


def pick_slider(states: dict[str, dict], roots: list[str], page: Page) -> str | None:
    """The slider a browser visitor's selector finds: the first slider in display order whose
    ``_dom_classes`` has an entry starting with ``page.slider_class`` (else the first slider)."""
    sliders = [m for m in displayed_models(states, roots)
               if states[m]["model_name"] in ("FloatSliderModel", "IntSliderModel", "FloatLogSliderModel")]
    if page.slider_class:
        for m in sliders:
            if any(c.startswith(page.slider_class) for c in states[m]["state"].get("_dom_classes", [])):
                return m
    return sliders[0] if sliders else None


def step_value(state: dict, move: int) -> float:
    """The value after ``move`` (0, 1, ...): one step right on even moves, back on odd ones, as
    the browser visitor's ArrowRight/ArrowLeft.  Log sliders step their exponent."""
    step = state.get("step") or 1
    value = state["value"]
    if "base" in state:  # FloatLogSlider: value = base ** exponent
        import math

        exponent = math.log(value, state["base"]) + (step if move % 2 == 0 else -step)
        return state["base"] ** min(max(exponent, state["min"]), state["max"])
    new = value + (step if move % 2 == 0 else -step)
    if new > state["max"]:  # at the end of its range: step left first
        new = value - step
    return min(max(new, state["min"]), state["max"])


class WsVisitor:
    """One visitor's kernel connection: keeps the widget states current and answers plotly
    figures as plotly.js does, while the caller measures."""

    def __init__(self, channels: KernelChannels, visit: Visit):
        self.ch = channels
        self.visit = visit
        self.states: dict[str, dict] = {}
        self.trace_uids: dict[str, list[str]] = {}

    async def request(self, channel: str, msg_type: str, content: dict, **kwargs) -> str:
        return await self.ch.send(self.ch.request(channel, msg_type, content, **kwargs))

    async def comm_update(self, comm_id: str, state: dict) -> str:
        """What the JS widget manager sends when a model's attributes change (``save_changes``)."""
        return await self.request("shell", "comm_msg",
                                  {"comm_id": comm_id, "data": {"method": "update", "state": state,
                                                                "buffer_paths": []}})

    async def load_states(self, timeout: float) -> float:
        """``request_states`` on a ``jupyter.widget.control`` comm; return the seconds it took."""
        comm = uuid.uuid4().hex
        t0 = time.monotonic()
        await self.request("shell", "comm_open", {"comm_id": comm, "target_name": "jupyter.widget.control",
                                                  "data": {}}, metadata={"version": "1.0.0"})
        await self.request("shell", "comm_msg", {"comm_id": comm, "data": {"method": "request_states"}})
        deadline = t0 + timeout
        while True:
            msg = await self.ch.recv(max(0.01, deadline - time.monotonic()))
            data = msg.content.get("data") or {}
            if msg.msg_type == "comm_msg" and msg.content.get("comm_id") == comm \
                    and data.get("method") == "update_states":
                self.states = data["states"]
                break
            await self.handle(msg)
        took = time.monotonic() - t0
        await self.request("shell", "comm_close", {"comm_id": comm, "data": {}})
        for mid, model in self.states.items():
            if is_figure(model["state"]):
                self.trace_uids[mid] = [t.get("uid") for t in model["state"].get("_widget_data") or []]
        return took

    async def figures_drawn(self, roots: list[str]) -> None:
        """plotly.js, once a figure is drawn, reports its deltas for the current edit ids."""
        for mid in displayed_models(self.states, roots):
            state = self.states[mid]["state"]
            if is_figure(state):
                await self.answer_edit(mid, state.get("_last_trace_edit_id", 0),
                                       state.get("_last_layout_edit_id", 0))

    async def answer_edit(self, mid: str, trace_edit_id: int | None, layout_edit_id: int | None) -> None:
        """plotly.js's ``_sendTraceDeltas`` / ``_sendLayoutDelta``: one update each.  The deltas
        name each trace (by uid) without the defaults plotly.js computes (see the module notes)."""
        if trace_edit_id is not None:
            deltas = [{"uid": uid} for uid in self.trace_uids.get(mid, []) if uid]
            await self.comm_update(mid, {"_js2py_traceDeltas": {"trace_deltas": deltas,
                                                                "trace_edit_id": trace_edit_id}})
        if layout_edit_id is not None:
            await self.comm_update(mid, {"_js2py_widget_layoutDelta": {"layout_delta": {},
                                                                       "layout_edit_id": layout_edit_id}})

    async def handle(self, msg: Message) -> None:
        """Keep the states current, answer figure edits, record kernel errors."""
        content = msg.content
        if msg.msg_type == "comm_open":
            data = content.get("data") or {}
            if "state" in data:
                self.states[content["comm_id"]] = {"model_name": data["state"].get("_model_name", ""),
                                                   "state": data["state"]}
                if is_figure(data["state"]):
                    mid, state = content["comm_id"], data["state"]
                    self.trace_uids[mid] = [t.get("uid") for t in state.get("_widget_data") or []]
                    await self.answer_edit(mid, state.get("_last_trace_edit_id", 0),
                                           state.get("_last_layout_edit_id", 0))
        elif msg.msg_type == "comm_msg":
            data = content.get("data") or {}
            mid = content.get("comm_id")
            if data.get("method") in ("update", "echo_update") and mid in self.states:
                state = data.get("state") or {}
                self.states[mid]["state"].update(state)
                if mid in self.trace_uids:
                    if "_widget_data" in state:
                        self.trace_uids[mid] = [t.get("uid") for t in state["_widget_data"] or []]
                    for key, value in state.items():
                        if key.startswith("_py2js_") and isinstance(value, dict):
                            await self.answer_edit(mid, value.get("trace_edit_id"),
                                                   value.get("layout_edit_id"))
        elif msg.msg_type == "error":
            evalue = str(content.get("evalue"))[:120]
            self.visit.errors.append(f"kernel error: {content.get('ename')}: {evalue}")
        elif msg.msg_type == "stream" and content.get("name") == "stderr" \
                and "Traceback" in content.get("text", ""):
            self.visit.errors.append(f"traceback on stderr: {content['text'][-160:]!r}")

    async def drain(self, quiet_ms: float, timeout: float) -> None:
        """Handle messages until none came for ``quiet_ms`` (TimeoutError after ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the kernel did not go quiet within {timeout:.0f} s")
            try:
                msg = await self.ch.recv(quiet_ms / 1e3)
            except TimeoutError:
                return
            await self.handle(msg)

    def _reaction(self, msg: Message, slider: str) -> tuple[bool, bool]:
        """(the page shows a change, a plot is redrawn) for a message answering a move."""
        if msg.msg_type == "comm_open":
            return True, is_figure((msg.content.get("data") or {}).get("state") or {})
        if msg.msg_type == "comm_msg":
            data = msg.content.get("data") or {}
            mid = msg.content.get("comm_id")
            if data.get("method") != "update" or mid == slider:
                return False, False
            keys = set(data.get("state") or {}) - BOOKKEEPING
            plot = mid in self.trace_uids and any(k.startswith(FIGURE_DRAWS) for k in keys)
            return bool(keys), plot
        return msg.msg_type in OUTPUT_MESSAGES, False

    async def move(self, slider: str, value: float, timeout: float) -> dict[str, float | None]:
        """Send one slider move; return its response/plot/idle/settled times (ms)."""
        msg_id = await self.comm_update(slider, {"value": value})
        t0 = time.monotonic()
        times: dict[str, float | None] = {"response": None, "plot": None, "idle": None, "settled": None}
        deadline = t0 + timeout
        while True:
            wait = QUIET_AFTER_MS / 1e3 if times["idle"] is not None else deadline - time.monotonic()
            if wait <= 0:
                raise TimeoutError(f"no kernel idle within {timeout:.0f} s")
            try:
                msg = await self.ch.recv(wait)
            except TimeoutError:
                if times["idle"] is None:
                    raise
                return times  # idle and quiet: settled
            now = (time.monotonic() - t0) * 1e3
            if time.monotonic() > deadline:
                raise TimeoutError(f"the kernel did not settle within {timeout:.0f} s")
            # Between moves the connection is quiet (drain()), so what comes now answers this move,
            # whatever its parent: a fit streaming from a task the page started earlier included.
            shows, plot = self._reaction(msg, slider)
            if shows:
                times["settled"] = now
                if times["response"] is None:
                    times["response"] = now
            if plot and times["plot"] is None:
                times["plot"] = now
            if msg.parent_id == msg_id and msg.msg_type == "status" \
                    and msg.content.get("execution_state") == "idle":
                times["idle"] = now
            await self.handle(msg)


async def visit(http, base_url: str, name: str, page: Page, index: int, moves: int, pauses,
                timeout: float, delay: float, deadline: float) -> VisitResult:
    """One websocket visitor (see the module docstring); returns its record and its closer."""
    from tornado.httpclient import HTTPClientError

    result = Visit(page=name, index=index)
    channels: KernelChannels | None = None
    cookies: dict[str, str] = {}

    async def close() -> None:
        if result.kernel_id and "_xsrf" in cookies:  # the page's "tab closed" beacon
            try:
                await http.fetch(f"{base_url}/voila/api/shutdown/{result.kernel_id}", method="POST",
                                 body=urlencode({"_xsrf": cookies["_xsrf"]}), request_timeout=30,
                                 headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
            except Exception as exc:
                result.notes.append(f"shutdown beacon: {exc!r}")
        if channels is not None:
            channels.close()

    await asyncio.sleep(delay)
    t0 = time.monotonic()
    try:
        try:
            response = await http.fetch(f"{base_url}/voila/render/{page.notebook}", request_timeout=timeout,
                                        connect_timeout=timeout, raise_error=True)
        except HTTPClientError as exc:
            if exc.code == 503:
                result.busy = True
                return result, close
            raise
        for header in response.headers.get_list("Set-Cookie"):
            key, _, value = header.split(";", 1)[0].partition("=")
            cookies[key.strip()] = value.strip()
        html = response.body.decode("utf-8", "replace")
        result.kernel_id, roots = page_info(html)
        result.errors += [f"error text on the page: {t!r}" for t in ERROR_TEXTS if t in html]
        if result.kernel_id is None:
            result.errors.append("render: no kernel id in the page")
            return result, close
        if not roots:
            result.errors.append("render: the page came up blank (no widget in its HTML)")
            return result, close
        channels = await KernelChannels.connect(
            base_url, result.kernel_id, timeout=timeout,
            cookies="; ".join(f"{k}={v}" for k, v in cookies.items()))
        visitor = WsVisitor(channels, result)
        info = await visitor.request("shell", "kernel_info_request", {})
        while (msg := await channels.recv(timeout)).parent_id != info or msg.msg_type != "kernel_info_reply":
            await visitor.handle(msg)
        control_s = await visitor.load_states(timeout)
        result.first_render_s = time.monotonic() - t0
        result.drawn_at = time.time()
        if control_s > CONTROL_COMM_TIMEOUT_S:
            result.notes.append(f"widget states took {control_s:.1f} s (a browser falls back after "
                                f"{CONTROL_COMM_TIMEOUT_S:.0f} s to one request per model)")
        missing = [r for r in roots if r not in visitor.states]
        if missing:
            result.errors.append(f"render: root widget(s) {missing} not in the kernel's widget state")
            return result, close
        await visitor.figures_drawn(roots)
        slider = pick_slider(visitor.states, roots, page) if moves else None
        if moves and slider is None:
            result.errors.append("no slider on the page")
        for i in range(moves if slider else 0):
            if time.monotonic() > deadline:
                result.errors.append("run deadline reached before all moves")
                break
            await visitor.drain(QUIET_BEFORE_MS, timeout)
            if pauses is not None:  # the first too: a student looks at the page before moving
                await asyncio.sleep(next(pauses))
                await visitor.drain(QUIET_BEFORE_MS, timeout)
            value = step_value(visitor.states[slider]["state"], i)
            moved_at = time.time()
            try:
                times = await visitor.move(slider, value, timeout)
            except TimeoutError as exc:
                result.errors.append(f"move {i}: {exc}")
                continue
            visitor.states[slider]["state"]["value"] = value
            if times["response"] is None:
                result.errors.append(f"move {i}: the page did not change")
                continue
            result.response_ms.append(times["response"])
            result.moved_at.append(moved_at)
            result.idle_ms.append(times["idle"])
            result.settled_ms.append(times["settled"] if times["settled"] is not None else times["idle"])
            if times["plot"] is not None:
                result.plot_ms.append(times["plot"])
    except Exception as exc:
        what = "render" if result.first_render_s is None else "interaction"
        detail = str(exc).splitlines()[0][:200] if str(exc) else ""
        result.errors.append(f"{what}: {type(exc).__name__}: {detail}")
    return result, close


def http_client(max_clients: int):
    """A tornado HTTP client of our own that runs every visitor's request at once (the shared
    default one queues beyond 10)."""
    from tornado.httpclient import AsyncHTTPClient

    return AsyncHTTPClient(force_instance=True, max_clients=max_clients, max_body_size=256 * 2**20)


async def visit_all(base_url: str, name: str, page: Page, args, deadline: float) -> list[VisitResult]:
    """All of one page's websocket visitors, arriving together (or over ``args.ramp`` s)."""
    timeout = max(5.0, min(args.op_timeout, deadline - time.monotonic()))
    http = http_client(max_clients=2 * args.visitors + 4)
    tasks = [visit(http, base_url, name, page, i, args.moves, pauses_for(i, args), timeout,
                   arrival_delay(i, args.visitors, args.ramp), deadline) for i in range(args.visitors)]
    return list(await asyncio.gather(*tasks))
