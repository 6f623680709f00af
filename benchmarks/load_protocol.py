"""Jupyter's kernel websocket, v1 binary subprotocol: framing and a small asyncio client.

jupyter_server (``/api/kernels/<id>/channels``) speaks two protocols on a kernel's websocket.
With the subprotocol ``v1.kernel.websocket.jupyter.org`` offered in the handshake (what
JupyterLab's and Voila's front ends do) every frame is binary::

    n                      uint64, little-endian: the number of offsets that follow
    offset[0] .. offset[n-1]  uint64 LE each: byte positions from the start of the frame
    channel                utf-8, offset[0]:offset[1]        ("shell", "iopub", "control", ...)
    header                 JSON,  offset[1]:offset[2]
    parent_header          JSON,  offset[2]:offset[3]
    metadata               JSON,  offset[3]:offset[4]
    content                JSON,  offset[4]:offset[5]
    buffers                raw,   offset[5]:offset[6], ..., offset[n-2]:offset[n-1]

so ``offset[0] = 8 * (n + 1)`` and ``offset[n-1]`` is the frame's length.  The server forwards
the message parts to and from the kernel's ZMQ sockets without parsing them (it only signs them),
which is why this protocol is cheap for the server.  Reference: jupyter_server
``services/kernels/connection/base.py`` (``serialize_msg_to_ws_v1`` /
``deserialize_msg_from_ws_v1``) and JupyterLab's ``@jupyterlab/services`` ``serialize.ts``.

Without a subprotocol the server falls back to the *legacy* protocol (one JSON text frame per
message, which the server decodes and re-encodes); this module never uses it.

:class:`KernelChannels` is a client of that websocket built on tornado's websocket client
(tornado ships with jupyter_server: no extra dependency).
"""

from __future__ import annotations

import asyncio
import json
import struct
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SUBPROTOCOL = "v1.kernel.websocket.jupyter.org"
#: Version of the Jupyter messaging protocol put in the headers we send.
PROTOCOL_VERSION = "5.3"
_PARTS = ("header", "parent_header", "metadata", "content")


@dataclass
class Message:
    """One kernel message as it travels on the websocket (parts decoded, buffers raw)."""

    channel: str
    header: dict[str, Any]
    parent_header: dict[str, Any]
    metadata: dict[str, Any]
    content: dict[str, Any]
    buffers: list[bytes] = field(default_factory=list)

    @property
    def msg_type(self) -> str:
        return self.header.get("msg_type", "")

    @property
    def msg_id(self) -> str:
        return self.header.get("msg_id", "")

    @property
    def parent_id(self) -> str | None:
        return (self.parent_header or {}).get("msg_id")


def _json_default(obj: Any) -> str:
    if isinstance(obj, datetime):
        return obj.isoformat()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def pack(obj: Any) -> bytes:
    """JSON-encode a message part as jupyter_client's Session does (UTF-8, dates as ISO 8601)."""
    return json.dumps(obj, default=_json_default, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def encode_parts(channel: str, parts: list[bytes]) -> bytes:
    """Frame already-encoded message parts (header, parent, metadata, content, buffers...) for
    ``channel`` in the v1 layout described in the module docstring."""
    chan = channel.encode("utf-8")
    n = len(parts) + 2  # channel start, each part's start, and the end
    offsets = [8 * (n + 1)]
    offsets.append(offsets[-1] + len(chan))
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    return b"".join([struct.pack(f"<{n + 1}Q", n, *offsets), chan, *parts])


def decode_parts(frame: bytes) -> tuple[str, list[bytes]]:
    """Split a v1 frame into its channel and its raw parts (the inverse of :func:`encode_parts`).

    Raises ``ValueError`` for a frame whose offsets do not fit in it.
    """
    if len(frame) < 8:
        raise ValueError(f"v1 frame too short ({len(frame)} bytes)")
    (n,) = struct.unpack_from("<Q", frame, 0)
    if n < 2 or 8 * (n + 1) > len(frame):
        raise ValueError(f"v1 frame: {n} offsets do not fit in {len(frame)} bytes")
    offsets = struct.unpack_from(f"<{n}Q", frame, 8)
    if offsets[0] != 8 * (n + 1) or list(offsets) != sorted(offsets) or offsets[-1] > len(frame):
        raise ValueError(f"v1 frame: bad offsets {offsets[:8]}")
    view = memoryview(frame)
    channel = bytes(view[offsets[0]:offsets[1]]).decode("utf-8")
    parts = [bytes(view[offsets[i]:offsets[i + 1]]) for i in range(1, n - 1)]
    return channel, parts


def serialize(msg: Message) -> bytes:
    """A :class:`Message` as one binary websocket frame."""
    parts = [pack(getattr(msg, name)) for name in _PARTS]
    return encode_parts(msg.channel, [*parts, *msg.buffers])


def deserialize(frame: bytes) -> Message:
    """One binary websocket frame as a :class:`Message` (the JSON parts decoded)."""
    channel, parts = decode_parts(frame)
    if len(parts) < 4:
        raise ValueError(f"v1 frame: {len(parts)} parts, a message has at least 4")
    decoded = [json.loads(p) if p else {} for p in parts[:4]]
    return Message(channel, *decoded, buffers=parts[4:])


def new_message(
    channel: str,
    msg_type: str,
    content: dict[str, Any],
    *,
    session: str,
    username: str = "load",
    metadata: dict[str, Any] | None = None,
    buffers: list[bytes] | None = None,
) -> Message:
    """A request as a front end makes it: a fresh ``msg_id``, the client's ``session`` id."""
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "username": username,
        "session": session,
        "date": datetime.now(UTC).isoformat(),
        "version": PROTOCOL_VERSION,
    }
    return Message(channel, header, {}, metadata or {}, content, list(buffers or []))


class KernelChannels:
    """A kernel's websocket (``/api/kernels/<id>/channels``) in the v1 protocol.

    ``await KernelChannels.connect(base_url, kernel_id)`` opens it (``ValueError`` if the server
    does not agree to the v1 subprotocol); :meth:`send` sends a request and returns its ``msg_id``;
    :meth:`recv` returns the next message (``asyncio.TimeoutError`` after ``timeout`` s,
    ``ConnectionError`` once the socket is closed).  ``bytes_received`` counts payload bytes.
    """

    def __init__(self, conn, session: str):
        self._conn = conn
        self.session = session
        self.bytes_received = 0

    @classmethod
    async def connect(
        cls,
        base_url: str,
        kernel_id: str,
        *,
        timeout: float = 60.0,
        cookies: str | None = None,
        max_message_size: int = 256 * 2**20,
    ) -> KernelChannels:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        session = uuid.uuid4().hex
        ws_base = base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1).rstrip("/")
        headers = {"Cookie": cookies} if cookies else {}
        request = HTTPRequest(
            f"{ws_base}/api/kernels/{kernel_id}/channels?session_id={session}",
            headers=headers, connect_timeout=timeout, request_timeout=timeout,
        )
        conn = await asyncio.wait_for(
            websocket_connect(request, subprotocols=[SUBPROTOCOL], max_message_size=max_message_size),
            timeout,
        )
        if conn.selected_subprotocol != SUBPROTOCOL:
            conn.close()
            raise ValueError(f"the server did not accept {SUBPROTOCOL} (got {conn.selected_subprotocol!r})")
        return cls(conn, session)

    async def send(self, msg: Message) -> str:
        await self._conn.write_message(serialize(msg), binary=True)
        return msg.msg_id

    def request(self, channel: str, msg_type: str, content: dict[str, Any], **kwargs: Any) -> Message:
        """A new request of this client's session (see :func:`new_message`)."""
        return new_message(channel, msg_type, content, session=self.session, **kwargs)

    async def recv(self, timeout: float) -> Message:
        frame = await asyncio.wait_for(self._conn.read_message(), timeout)
        if frame is None:
            raise ConnectionError("the kernel websocket was closed")
        if isinstance(frame, str):
            raise ValueError("a text frame on a v1 kernel websocket")
        self.bytes_received += len(frame)
        return deserialize(frame)

    def close(self) -> None:
        self._conn.close()
