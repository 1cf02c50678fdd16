"""The one module of ``upper`` that does I/O: asyncio (and a blocking wrapper) around ``Node``.

The front ends only move bytes and wait; every decision stays in the sans-I/O ``Node``.

* ``AirLink``: a link over UDP to ``sdrlink air`` (a simulated radio medium on loopback).
  Datagrams: ``b"J" + address`` joins (and keeps alive), ``b"P" + dst + packet`` sends a
  packet to a neighbour (or ``BROADCAST``), the server delivers ``b"P" + src + packet``.
* ``AsyncNode``: runs a ``Node`` over any link with ``send(packet, next_hop)`` and a
  ``receiver`` callback, on the event loop's clock; ``await call(...)`` waits for the ack.
* ``BlockingNode``: the same on a background thread, for plain scripts.
* ``AirServer``: the medium of ``sdrlink air``: relays packets between joined clients with
  a loss probability and a delay per delivery (every client hears every other).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import random
import threading
from collections.abc import Callable
from typing import Any

from phy.errors import RadioError
from upper.application import Call, EmitReport, Node
from upper.network import ADDRESS_BYTES, BROADCAST

__all__ = ["AirLink", "AirServer", "AsyncNode", "BlockingNode", "parse_host_port"]

MAX_DATAGRAM_BYTES = 2048
JOIN_INTERVAL_S = 5.0


def parse_host_port(text: str, default_port: int) -> tuple[str, int]:
    """``"host:port"`` or ``"host"`` -> ``(host, port)``."""
    host, _, port = text.rpartition(":") if ":" in text else (text, "", "")
    try:
        return host or "127.0.0.1", int(port) if port else default_port
    except ValueError as error:
        raise RadioError(f"bad address {text!r}: use host:port, e.g. 127.0.0.1:7300") from error


class AirLink(asyncio.DatagramProtocol):
    """A UDP client of ``sdrlink air``; create with ``await AirLink.open(...)``."""

    def __init__(self, address: bytes, server: tuple[str, int]) -> None:
        self.address = address
        self.server = server
        self.receiver: Callable[[bytes, bytes], None] | None = None
        self._transport: asyncio.DatagramTransport | None = None
        self._keepalive: asyncio.Task | None = None
        self.stats = {"sent": 0, "received": 0, "dropped_malformed": 0}

    @classmethod
    async def open(cls, address: bytes, server: tuple[str, int]) -> AirLink:
        loop = asyncio.get_running_loop()
        try:
            _, link = await loop.create_datagram_endpoint(
                lambda: cls(address, server), remote_addr=server
            )
        except OSError as error:
            raise RadioError(f"cannot reach the air server at {server}: {error}") from error
        link._keepalive = asyncio.ensure_future(link._join_forever())
        return link

    def connection_made(self, transport) -> None:
        self._transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        if len(data) < 1 + ADDRESS_BYTES or data[:1] != b"P":
            self.stats["dropped_malformed"] += 1
            return
        self.stats["received"] += 1
        if self.receiver is not None:
            self.receiver(data[1 + ADDRESS_BYTES :], data[1 : 1 + ADDRESS_BYTES])

    def error_received(self, exc) -> None:  # e.g. the server is not up yet: keep trying
        self.stats["errors"] = self.stats.get("errors", 0) + 1

    def send(self, packet: bytes, next_hop: bytes | None) -> None:
        if self._transport is not None:
            self._transport.sendto(b"P" + (next_hop or BROADCAST) + packet)
            self.stats["sent"] += 1

    async def _join_forever(self) -> None:
        while self._transport is not None:
            self._transport.sendto(b"J" + self.address)
            await asyncio.sleep(JOIN_INTERVAL_S)

    def close(self) -> None:
        if self._keepalive is not None:
            self._keepalive.cancel()
        if self._transport is not None:
            self._transport.close()
            self._transport = None


class AsyncNode:
    """Drive ``node`` over ``link`` on the running event loop (see module docstring)."""

    def __init__(self, node: Node, link: Any) -> None:
        self.node = node
        self.link = link
        link.receiver = self._on_packet
        self._loop = asyncio.get_running_loop()
        self._t0 = self._loop.time()
        self._wake = asyncio.Event()
        self._neighbours: set[bytes] = set()
        self._task = asyncio.ensure_future(self._run())

    def now_s(self) -> float:
        return self._loop.time() - self._t0

    def emit(self, event: str, data: Any = None, **kwargs: Any) -> EmitReport:
        self.node.set_time(self.now_s())
        report = self.node.emit(event, data, **kwargs)
        self._kick()
        return report

    async def call(
        self, event: str, data: Any = None, *, to: bytes, timeout_s: float = 60.0
    ) -> Any:
        """Emit to ``to`` and wait for its acknowledgement (raises ``CallTimeout``)."""
        self.node.set_time(self.now_s())
        pending: Call = self.node.call(event, data, to=to, timeout_s=timeout_s)
        future = self._loop.create_future()
        pending.add_done_callback(lambda c: future.done() or future.set_result(c))
        self._kick()
        return (await future).result()

    def _kick(self) -> None:
        self._flush()
        self._wake.set()

    def _on_packet(self, packet: bytes, src: bytes) -> None:
        now = self.now_s()
        if src not in self._neighbours and len(self._neighbours) < 1024:
            self._neighbours.add(src)  # a new neighbour: announce routes to it soon
            self.node.link_up(src, now)
        self.node.receive_packet(packet, now)
        self._kick()

    def _flush(self) -> None:
        for out in self.node.packets_to_send():
            self.link.send(out.packet, out.next_hop)

    async def _run(self) -> None:
        while True:
            delay_s = self.node.next_deadline_s() - self.now_s()
            if delay_s > 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=min(delay_s, 3600.0))
                continue
            self.node.handle_timer(self.now_s())
            self._flush()

    async def aclose(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        if hasattr(self.link, "close"):
            self.link.close()


class BlockingNode:
    """``AsyncNode`` on a background thread with an event loop: plain blocking calls.

    ``BlockingNode(node, server=("127.0.0.1", 7300))`` joins ``sdrlink air``; handlers run
    on the background thread.
    """

    def __init__(self, node: Node, *, server: tuple[str, int]) -> None:
        self.node = node
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._async: AsyncNode = self._submit(self._start(server)).result(timeout=10.0)

    async def _start(self, server: tuple[str, int]) -> AsyncNode:
        link = await AirLink.open(self.node.address, server)
        return AsyncNode(self.node, link)

    def _submit(self, coroutine) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def emit(self, event: str, data: Any = None, **kwargs: Any) -> EmitReport:
        async def go() -> EmitReport:
            return self._async.emit(event, data, **kwargs)

        return self._submit(go()).result()

    def call(self, event: str, data: Any = None, *, to: bytes, timeout_s: float = 60.0) -> Any:
        future = self._submit(self._async.call(event, data, to=to, timeout_s=timeout_s))
        return future.result(timeout=timeout_s + 5.0)

    def close(self) -> None:
        self._submit(self._async.aclose()).result(timeout=5.0)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5.0)


class AirServer(asyncio.DatagramProtocol):
    """Relay of ``sdrlink air`` (see the module docstring); bounded client table."""

    def __init__(
        self,
        *,
        loss: float,
        delay_s: float,
        rng: random.Random,
        max_clients: int = 64,
        client_timeout_s: float = 30.0,
    ) -> None:
        self.loss, self.delay_s, self._rng = loss, delay_s, rng
        self.max_clients, self.client_timeout_s = max_clients, client_timeout_s
        self.clients: dict[bytes, tuple[Any, float]] = {}  # address -> (udp address, seen)
        self._by_udp: dict[Any, bytes] = {}
        self._transport: asyncio.DatagramTransport | None = None
        self.stats = {"relayed": 0, "lost": 0, "dropped_malformed": 0, "dropped_unknown": 0}

    def connection_made(self, transport) -> None:
        self._transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        now = asyncio.get_running_loop().time()
        kind = data[:1]
        if kind == b"J" and len(data) == 1 + ADDRESS_BYTES:
            self._join(data[1:], addr, now)
        elif kind == b"P" and len(data) > 1 + ADDRESS_BYTES:
            src = self._by_udp.get(addr)
            if src is None:
                self.stats["dropped_unknown"] += 1
                return
            self.clients[src] = (addr, now)
            self._relay(src, data[1 : 1 + ADDRESS_BYTES], data[1 + ADDRESS_BYTES :], now)
        else:
            self.stats["dropped_malformed"] += 1

    def _join(self, address: bytes, addr, now: float) -> None:
        for known, (_, seen) in list(self.clients.items()):
            if now - seen > self.client_timeout_s:
                udp = self.clients.pop(known)[0]
                self._by_udp.pop(udp, None)
        if address not in self.clients and len(self.clients) >= self.max_clients:
            self.stats["dropped_unknown"] += 1
            return
        old = self.clients.get(address)
        if old is not None:
            self._by_udp.pop(old[0], None)
        self.clients[address] = (addr, now)
        self._by_udp[addr] = address

    def _relay(self, src: bytes, dst: bytes, packet: bytes, now: float) -> None:
        targets = [a for a in self.clients if a != src] if dst == BROADCAST else [dst]
        loop = asyncio.get_running_loop()
        for target in targets:
            entry = self.clients.get(target)
            if entry is None:
                continue
            if self._rng.random() < self.loss:
                self.stats["lost"] += 1
                continue
            self.stats["relayed"] += 1
            datagram = b"P" + src + packet
            loop.call_later(self.delay_s, self._send, datagram, entry[0])

    def _send(self, datagram: bytes, addr) -> None:
        if self._transport is not None:
            self._transport.sendto(datagram, addr)


class Notifier:
    """Wake every waiter (long polls) when something changed."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout_s: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout=max(0.0, timeout_s))


async def serve_http(
    gateway: Any,
    *,
    host: str,
    port: int,
    notifier: Notifier,
    after_request: Callable[[], None],
    max_body_bytes: int = 1_000_000,
) -> asyncio.AbstractServer:
    """An HTTP/1.1 server for ``upper.gateway.Gateway`` (Engine.IO long-polling) on ``host``."""
    loop = asyncio.get_running_loop()

    async def respond(writer, status: int, body: bytes, content_type: str) -> None:
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 503: "Busy"}.get(status, "")
        head = (
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
        )
        writer.write(head.encode() + body)
        await writer.drain()

    async def one_request(reader, writer) -> bool:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            return False
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])
        }
        length_text = headers.get("content-length", "0") or "0"
        length = int(length_text) if length_text.isdigit() else -1
        if len(parts) != 3 or not 0 <= length <= max_body_bytes:
            await respond(writer, 400, b"bad request", "text/plain")
            return False
        body = await reader.readexactly(length) if length else b""
        method, target = parts[0], parts[1]
        path, _, query_text = target.partition("?")
        if not path.startswith("/socket.io"):
            await respond(
                writer, 404, b"sdrlink gateway: use a Socket.IO client on /socket.io/", "text/plain"
            )
            return True
        query = {k: v for k, _, v in (x.partition("=") for x in query_text.split("&") if x)}
        response = gateway.handle(method, query, body, loop.time())
        after_request()
        while response is None:  # long poll until output or the next ping
            sid = query.get("sid", "")
            await notifier.wait(gateway.next_deadline_s() - loop.time())
            if gateway.has_output(sid) or loop.time() >= gateway.next_deadline_s():
                response = gateway.poll(sid, loop.time())
        await respond(writer, response.status, response.body, response.content_type)
        return True

    async def connection(reader, writer) -> None:
        try:
            while await one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(connection, host, port, limit=16384)
