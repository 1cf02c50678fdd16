"""Socket.IO web gateway core (sans-I/O): Engine.IO v4 long-polling + Socket.IO v5 packets.

``sdrlink serve`` puts this behind a small HTTP server (``upper.runtime.serve_http``) so
that web pages and Socket.IO clients (``transports=["polling"]``) reach the radio network:

* a client's ``emit("send", {"to": <hex address | room | null>, "event": e, "data": d})``
  becomes ``node.emit(e, d, to=...)``; its acknowledgement (if asked) is the emit report
  (predicted airtime, frames) or, with ``"call": true``, the remote peer's answer;
* every event received from the radio is emitted to all web clients as
  ``(event, sender hex, data)``; ``bytes`` become base64 strings (JSON has no bytes).

Only the default namespace and text packets are served; binary attachments are refused.
Cost: O(packets) per request; every queue and table is bounded.
"""

from __future__ import annotations

import json
import random
import string
from collections import deque
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ClientEvent", "Gateway", "HttpResponse"]

PING_INTERVAL_S = 25.0
PING_TIMEOUT_S = 20.0
MAX_PAYLOAD_BYTES = 1_000_000
SEPARATOR = "\x1e"


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpResponse:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=UTF-8"


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientEvent:
    """A Socket.IO event from web client ``sid`` (``ack_id`` when it wants an answer)."""

    sid: str
    event: str
    args: list
    ack_id: int | None


@dataclass(slots=True)
class _Client:
    sid: str
    connected: bool = False  # the Socket.IO namespace is open
    queue: deque = field(default_factory=lambda: deque(maxlen=1000))
    last_seen_s: float = 0.0
    ping_due_s: float = 0.0


class Gateway:
    """Engine.IO/Socket.IO server state for many web clients.

    The HTTP layer calls ``handle(method, query, body, now_s)``; ``None`` means "long poll:
    call ``poll(sid, now_s)`` again when ``has_output(sid)`` or at ``next_deadline_s()``".
    """

    def __init__(self, *, rng: random.Random, max_clients: int = 100) -> None:
        self._rng = rng
        self.max_clients = max_clients
        self.clients: dict[str, _Client] = {}
        self.events: deque[ClientEvent] = deque(maxlen=10_000)
        self.stats: dict[str, int] = {}

    # -- HTTP side -------------------------------------------------------------------------
    def handle(
        self, method: str, query: dict[str, str], body: bytes, now_s: float
    ) -> HttpResponse | None:
        if query.get("EIO") != "4" or query.get("transport") != "polling":
            return self._bad("only Engine.IO 4 long-polling is served")
        sid = query.get("sid")
        if sid is None:
            return self._open(now_s) if method == "GET" else self._bad("missing sid")
        client = self.clients.get(sid)
        if client is None:
            return self._bad("unknown sid")
        client.last_seen_s = now_s
        if method == "POST":
            self._receive(client, body, now_s)
            return HttpResponse(status=200, body=b"ok")
        if method == "GET":
            return self.poll(sid, now_s)
        return self._bad("method not allowed")

    def poll(self, sid: str, now_s: float) -> HttpResponse | None:
        client = self.clients.get(sid)
        if client is None:
            return HttpResponse(status=200, body=b"1")  # close
        if not client.queue and now_s >= client.ping_due_s:
            client.queue.append("2")
            client.ping_due_s = now_s + PING_INTERVAL_S
        if not client.queue:
            return None
        packets = [client.queue.popleft() for _ in range(len(client.queue))]
        return HttpResponse(status=200, body=SEPARATOR.join(packets).encode())

    def has_output(self, sid: str) -> bool:
        client = self.clients.get(sid)
        return client is None or bool(client.queue)

    def next_deadline_s(self) -> float:
        return min((c.ping_due_s for c in self.clients.values()), default=float("inf"))

    def handle_timer(self, now_s: float) -> list[str]:
        """Forget clients silent for a ping interval and timeout; return their sids."""
        gone = [
            sid
            for sid, c in self.clients.items()
            if now_s - c.last_seen_s > PING_INTERVAL_S + PING_TIMEOUT_S
        ]
        for sid in gone:
            del self.clients[sid]
            self._count("clients_expired")
        return gone

    # -- application side ------------------------------------------------------------------
    def emit(self, event: str, *args: Any, sid: str | None = None) -> None:
        """Send an event to one web client or (``sid=None``) to all connected ones."""
        packet = "42" + json.dumps([event, *(_jsonable(a) for a in args)])
        for client in self._targets(sid):
            client.queue.append(packet)

    def ack(self, sid: str, ack_id: int, *args: Any) -> None:
        client = self.clients.get(sid)
        if client is not None and client.connected:
            client.queue.append(f"43{ack_id}" + json.dumps([_jsonable(a) for a in args]))

    # -- internals -------------------------------------------------------------------------
    def _open(self, now_s: float) -> HttpResponse:
        if len(self.clients) >= self.max_clients:
            return HttpResponse(status=503, body=b"too many clients")
        sid = "".join(self._rng.choice(string.ascii_letters + string.digits) for _ in range(20))
        self.clients[sid] = _Client(sid=sid, last_seen_s=now_s, ping_due_s=now_s + PING_INTERVAL_S)
        handshake = {
            "sid": sid,
            "upgrades": [],
            "pingInterval": int(PING_INTERVAL_S * 1000),
            "pingTimeout": int(PING_TIMEOUT_S * 1000),
            "maxPayload": MAX_PAYLOAD_BYTES,
        }
        self._count("clients_opened")
        return HttpResponse(status=200, body=("0" + json.dumps(handshake)).encode())

    def _receive(self, client: _Client, body: bytes, now_s: float) -> None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            self._count("dropped_bad_utf8")
            return
        for packet in text.split(SEPARATOR):
            if packet == "3":
                continue  # pong
            if packet == "1":
                self.clients.pop(client.sid, None)
                return
            if packet.startswith("4"):
                self._socketio(client, packet[1:])
            else:
                self._count("dropped_engineio_packet")

    def _socketio(self, client: _Client, packet: str) -> None:
        kind, rest = packet[:1], packet[1:]
        if rest.startswith("/"):
            namespace, _, rest = rest.partition(",")
            if namespace != "/":
                client.queue.append('44{"message":"Invalid namespace"}')
                return
        if kind == "0":
            client.connected = True
            sub_sid = "".join(self._rng.choice(string.ascii_letters) for _ in range(20))
            client.queue.append("40" + json.dumps({"sid": sub_sid}))
        elif kind == "1":
            client.connected = False
        elif kind == "2" and client.connected:
            digits = len(rest) - len(rest.lstrip(string.digits))
            ack_id = int(rest[:digits]) if digits else None
            try:
                args = json.loads(rest[digits:])
            except ValueError:
                args = None
            if not isinstance(args, list) or not args or not isinstance(args[0], str):
                self._count("dropped_bad_event")
                return
            self.events.append(
                ClientEvent(sid=client.sid, event=args[0], args=args[1:], ack_id=ack_id)
            )
        else:
            self._count("dropped_socketio_packet")

    def _targets(self, sid: str | None):
        if sid is None:
            return [c for c in self.clients.values() if c.connected]
        client = self.clients.get(sid)
        return [client] if client is not None and client.connected else []

    def _bad(self, reason: str) -> HttpResponse:
        self._count("bad_requests")
        body = json.dumps({"code": 3, "message": reason}).encode()
        return HttpResponse(status=400, body=body, content_type="application/json")

    def _count(self, name: str) -> None:
        self.stats[name] = self.stats.get(name, 0) + 1


def _jsonable(value: Any) -> Any:
    """msgpack values -> JSON values (bytes as base64 text)."""
    import base64

    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
