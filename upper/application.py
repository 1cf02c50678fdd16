"""Layer 7: ``Node``, a Socket.IO-style event API over the whole sans-I/O stack.

``Node`` owns one instance of each layer (network, transport, session, presentation) and is
itself sans-I/O: a driver (``upper.virtual_time.SimNetwork``, ``upper.runtime.AsyncNode``)
feeds it packets and time and sends what ``packets_to_send`` returns. The user side::

    node = Node(name="alice")

    @node.on("chat")
    def chat(sender, data):          # return value = acknowledgement for call()
        return "thanks"

    node.emit("chat", {"text": "hi"}, to=peer_address)   # reliable, session-protected
    node.emit("news", b"...", to="room-name")            # signed datagram to a group
    node.emit("hello")                                    # signed broadcast datagram
    pending = node.call("chat", "ping", to=peer_address, timeout_s=30.0)

``on("connect")`` handlers get ``(peer, {"resumed": bool})``, ``on("disconnect")`` handlers
``(peer, reason)``, ``on("*")`` handlers ``(event, sender, data)`` for events without a handler
of their own. Every ``emit`` returns an ``EmitReport`` with the predicted airtime of what it
is about to send (first hop, from the link rate and every layer's overhead).
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from phy.errors import ConfigError, SdrlinkError
from upper._events import (
    Dropped,
    MessageAcked,
    MessageReceived,
    OutgoingPacket,
    PacketReceived,
    RouteChanged,
    SessionClosed,
    SessionDown,
    SessionEstablished,
    SessionRefused,
)
from upper.network import (
    BROADCAST,
    HEADER_BYTES,
    Network,
    NetworkConfig,
    group_address,
    is_group,
)
from upper.presentation import (
    SIGNATURE_BYTES,
    TAG_BYTES,
    DatagramSigner,
    Identity,
    decode_payload,
    encode_payload,
)
from upper.session import SessionConfig, SessionLayer
from upper.transport import (
    FRAGMENT_HEADER_BYTES,
    SEGMENT_OVERHEAD_BYTES,
    Transport,
    TransportConfig,
)

__all__ = ["Call", "CallTimeout", "EmitReport", "LinkInfo", "Node", "NodeConfig"]

PROTO_TRANSPORT = 1
P_EVENT, P_ACK = 1, 2
RESERVED_EVENTS = frozenset({"connect", "disconnect", "*"})
_SESSION_OVERHEAD = 1 + 5  # kind byte + inner type and sequence number


class CallTimeout(SdrlinkError):
    """A ``call`` got no acknowledgement within its ``timeout_s``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkInfo:
    """What the stack must know of the link below it (for MTU and airtime prediction).

    ``frame_overhead_bytes`` (MAC header, CRC, PHY header, preamble in bytes) and
    ``coding_rate`` (FEC: data bits / coded bits) come from the MAC+PHY in use.
    """

    mtu_bytes: int = 255
    rate_bps: float = 9600.0
    frame_overhead_bytes: int = 0
    frame_overhead_s: float = 0.0
    coding_rate: float = 1.0

    def __post_init__(self) -> None:
        if self.rate_bps <= 0 or not 0 < self.coding_rate <= 1:
            raise ConfigError("link rate must be positive and coding rate in (0, 1]")

    def airtime_s(self, packet_bytes: int) -> float:
        """Seconds on air of one link frame carrying ``packet_bytes`` of layer-3 packet."""
        bits = 8.0 * (packet_bytes + self.frame_overhead_bytes) / self.coding_rate
        return self.frame_overhead_s + bits / self.rate_bps


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeConfig:
    """Every layer's configuration; the network and transport MTUs follow ``link``."""

    link: LinkInfo = field(default_factory=LinkInfo)
    network: NetworkConfig | None = None
    transport: TransportConfig | None = None
    session: SessionConfig = field(default_factory=SessionConfig)
    max_event_bytes: int = (1 << 20) + 256  # a 1 MiB blob plus its encoding
    max_pending_calls: int = 4096
    event_log_entries: int = 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class EmitReport:
    """What ``emit`` is about to send: sizes and predicted first-hop airtime.

    ``payload_bytes`` is the encoded event; ``wire_bytes`` the layer-3 packets carrying it
    (at most, since acknowledgements ride along only sometimes); ``hops`` the route metric.
    """

    to: bytes
    payload_bytes: int
    wire_bytes: int
    frames: int
    airtime_s: float
    reliable: bool
    hops: int | None


class Call:
    """The pending result of ``Node.call``: ``done``, ``result()``, ``add_done_callback``."""

    def __init__(self, event: str, deadline_s: float) -> None:
        self.event = event
        self.deadline_s = deadline_s
        self.done = False
        self._value: Any = None
        self._error: SdrlinkError | None = None
        self._callbacks: list[Callable[[Call], None]] = []
        self.report: EmitReport | None = None

    def result(self) -> Any:
        """The peer's acknowledgement; raises ``CallTimeout`` or if not done yet."""
        if not self.done:
            raise SdrlinkError(f"call {self.event!r} is still waiting; run the node first")
        if self._error is not None:
            raise self._error
        return self._value

    def add_done_callback(self, fn: Callable[[Call], None]) -> None:
        if self.done:
            fn(self)
        else:
            self._callbacks.append(fn)

    def _finish(self, value: Any = None, error: SdrlinkError | None = None) -> None:
        if self.done:
            return
        self.done, self._value, self._error = True, value, error
        for fn in self._callbacks:
            fn(self)
        self._callbacks.clear()


class Node:
    """One station: identity, the whole layered stack and the event handlers.

    Parameters
    ----------
    identity : Identity, optional
        Ed25519 identity; generated from ``rng`` when omitted.
    name : str
        Label for logs.
    config : NodeConfig
    rng : random.Random
        All randomness of the stack (keys, nonces, jitter). Seed it for reproducible runs;
        use ``random.SystemRandom()`` for real keys.
    """

    def __init__(
        self,
        identity: Identity | None = None,
        *,
        name: str = "",
        config: NodeConfig | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._rng = rng if rng is not None else random.SystemRandom()
        self.config = config or NodeConfig()
        self.identity = identity or Identity.generate(self._rng)
        self.address = self.identity.address
        self.name = name or self.address.hex()[:8]
        link = self.config.link
        net_cfg = self.config.network or NetworkConfig()
        net_cfg = NetworkConfig(**{**_fields(net_cfg), "mtu_bytes": link.mtu_bytes})
        self.network = Network(self.address, net_cfg, rng=self._rng)
        tr_cfg = self.config.transport or TransportConfig()
        tr_mtu = self.network.payload_mtu_bytes
        tr_cfg = TransportConfig(
            **{
                **_fields(tr_cfg),
                "mtu_bytes": tr_mtu,
                "link_rate_bps": link.rate_bps * link.coding_rate,
                "link_overhead_bytes": HEADER_BYTES + link.frame_overhead_bytes,
            }
        )
        self.transport = Transport(tr_cfg, rng=self._rng)
        self.session = SessionLayer(
            self.identity, self.config.session, self.transport, rng=self._rng
        )
        self._signer = DatagramSigner(self.identity)
        self._handlers: dict[str, Callable[..., Any]] = {}
        self._rooms: dict[str, bytes] = {}
        self._calls: dict[int, Call] = {}
        self._call_deadlines: list[tuple[float, int]] = []  # heap; stale entries skipped
        self._next_ack_id = 1
        self._now_s = 0.0
        self.log: deque[tuple[float, object]] = deque(maxlen=self.config.event_log_entries)
        self.stats: dict[str, int] = {}
        self.handler_errors: deque[BaseException] = deque(maxlen=16)

    # -- user API --------------------------------------------------------------------------
    def on(self, event: str, handler: Callable[..., Any] | None = None) -> Callable[..., Any]:
        """Register ``handler`` for ``event``; without ``handler``, return a decorator."""

        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self._handlers[event] = fn
            return fn

        return register if handler is None else register(handler)

    def emit(
        self,
        event: str,
        data: Any = None,
        *,
        to: bytes | str | None = None,
        reliable: bool = True,
        callback: Callable[[Any], None] | None = None,
        timeout_s: float = 60.0,
    ) -> EmitReport:
        """Send ``event``: to a peer address (reliable unless ``reliable=False``), a room name
        or everyone (``to=None``; signed datagrams). ``callback`` gets the acknowledgement."""
        if event in RESERVED_EVENTS:
            raise ConfigError(f"event name {event!r} is reserved; choose another")
        ack_id = None
        if callback is not None:
            call = self._new_call(event, timeout_s)
            ack_id = self._next_ack_id - 1
            call.add_done_callback(lambda c: callback(c._value) if c._error is None else None)
        payload = encode_payload([P_EVENT, event, data, ack_id])
        return self._send_payload(payload, to, reliable=reliable)

    def call(self, event: str, data: Any = None, *, to: bytes, timeout_s: float = 60.0) -> Call:
        """Emit to a peer and return a ``Call`` that completes with its acknowledgement."""
        if event in RESERVED_EVENTS:
            raise ConfigError(f"event name {event!r} is reserved; choose another")
        if not isinstance(to, bytes) or len(to) != 8 or is_group(to):
            raise ConfigError("call() needs one peer address (rooms cannot acknowledge)")
        call = self._new_call(event, timeout_s)
        payload = encode_payload([P_EVENT, event, data, self._next_ack_id - 1])
        call.report = self._send_payload(payload, to, reliable=True)
        return call

    def join(self, room: str) -> None:
        """Receive what is emitted to ``room`` (a group address)."""
        self._rooms[room] = group_address(room)
        self.network.join(self._rooms[room])

    def leave(self, room: str) -> None:
        address = self._rooms.pop(room, None)
        if address is not None:
            self.network.leave(address)

    @property
    def rooms(self) -> list[str]:
        return sorted(self._rooms)

    def connect(self, peer: bytes) -> None:
        """Open a session with ``peer`` now (``emit`` does it by itself)."""
        self._process(self.session.connect(peer, self._now_s))
        self._flush()

    def disconnect(self, peer: bytes) -> None:
        """Close the session with ``peer`` in order."""
        self._process(self.session.close(peer, self._now_s))
        self._flush()

    def predict_airtime(
        self, payload_bytes: int, *, reliable: bool = True
    ) -> tuple[int, int, float]:
        """``(frames, layer-3 bytes, seconds)`` on the first hop for an encoded payload.

        Counts the session, protection, transport and network overheads of a reliable
        message (or the signed datagram), then ``LinkInfo.airtime_s`` per frame.
        """
        link = self.config.link
        if reliable:
            protect = TAG_BYTES if self.config.session.mode == "encrypt" else SIGNATURE_BYTES
            message = payload_bytes + _SESSION_OVERHEAD + 8 + protect
            per_segment = self.transport.config.segment_payload_bytes
            overhead = HEADER_BYTES + SEGMENT_OVERHEAD_BYTES
            full, rest = divmod(message, per_segment)
            sizes = [per_segment + overhead] * full + ([rest + overhead] if rest else [])
        else:
            datagram = DatagramSigner.OVERHEAD_BYTES + payload_bytes
            mtu = self.transport.config.mtu_bytes
            if datagram <= mtu - 1:
                sizes = [HEADER_BYTES + 1 + datagram]
            else:  # fragments: flags, datagram id, index and count in each
                part = mtu - 1 - FRAGMENT_HEADER_BYTES
                full, rest = divmod(datagram, part)
                sizes = [HEADER_BYTES + mtu] * full
                sizes += [HEADER_BYTES + 1 + FRAGMENT_HEADER_BYTES + rest] if rest else []
        return len(sizes), sum(sizes), sum(link.airtime_s(size) for size in sizes)

    # -- driver API ------------------------------------------------------------------------
    @property
    def now_s(self) -> float:
        return self._now_s

    def set_time(self, now_s: float) -> None:
        """Tell the node what time it is (the driver's clock; virtual or real)."""
        self._now_s = max(self._now_s, now_s)

    def receive_packet(self, packet: bytes, now_s: float) -> None:
        """Feed one packet from the link; handlers run inside this call."""
        self.set_time(now_s)
        for event in self.network.receive_data(packet, self._now_s):
            if isinstance(event, PacketReceived) and event.proto == PROTO_TRANSPORT:
                self._on_segment(event)
            elif isinstance(event, PacketReceived):
                self._count("dropped_unknown_proto")
            else:
                self._process([event])
        self._flush()

    def link_up(self, neighbour: bytes, now_s: float) -> None:
        self.set_time(now_s)
        self._process(self.network.link_up(neighbour, self._now_s))
        self._flush()

    def link_down(self, neighbour: bytes, now_s: float) -> None:
        self.set_time(now_s)
        self._process(self.network.link_down(neighbour, self._now_s))
        self._flush()

    def next_deadline_s(self) -> float:
        """Time of the next ``handle_timer`` work."""
        deadline = min(
            self.network.next_deadline_s(),
            self.transport.next_deadline_s(),
            self.session.next_deadline_s(),
        )
        while self._call_deadlines and self._call_deadlines[0][1] not in self._calls:
            heapq.heappop(self._call_deadlines)  # answered already
        if self._call_deadlines:
            deadline = min(deadline, self._call_deadlines[0][0])
        return deadline

    def handle_timer(self, now_s: float) -> None:
        """Run every layer's timers that are due at ``now_s``."""
        self.set_time(now_s)
        now = self._now_s
        self._process(self.network.handle_timer(now))
        self._process(self.transport.handle_timer(now))
        self._process(self.session.handle_timer(now))
        while self._call_deadlines and self._call_deadlines[0][0] <= now:
            _, ack_id = heapq.heappop(self._call_deadlines)
            call = self._calls.pop(ack_id, None)
            if call is None:
                continue
            self._count("call_timeouts")
            call._finish(error=CallTimeout(f"no acknowledgement of {call.event!r} in time"))
        self._flush()

    def packets_to_send(self) -> list[OutgoingPacket]:
        """Packets for the link (neighbour address or ``None`` for all)."""
        self._flush()
        return self.network.data_to_send()

    def all_stats(self) -> dict[str, dict[str, int]]:
        """Counters of every layer (dropped_* are bad input, by reason)."""
        return {
            "network": dict(self.network.stats),
            "transport": dict(self.transport.stats),
            "session": dict(self.session.stats),
            "application": dict(self.stats),
        }

    # -- internals -------------------------------------------------------------------------
    def _new_call(self, event: str, timeout_s: float) -> Call:
        if len(self._calls) >= self.config.max_pending_calls:
            raise SdrlinkError("too many calls waiting for acknowledgements; wait for some")
        call = Call(event, self._now_s + timeout_s)
        self._calls[self._next_ack_id] = call
        heapq.heappush(self._call_deadlines, (call.deadline_s, self._next_ack_id))
        if len(self._call_deadlines) > 2 * self.config.max_pending_calls:  # drop answered ones
            self._call_deadlines = [(c.deadline_s, i) for i, c in self._calls.items()]
            heapq.heapify(self._call_deadlines)
        self._next_ack_id += 1
        return call

    def _send_payload(self, payload: bytes, to: bytes | str | None, *, reliable: bool):
        if len(payload) > self.config.max_event_bytes:
            raise ConfigError(
                f"encoded event of {len(payload)} B exceeds {self.config.max_event_bytes} B"
            )
        if isinstance(to, str):
            dst = self._rooms.get(to) or group_address(to)
            reliable = False
        elif to is None:
            dst, reliable = BROADCAST, False
        else:
            dst = to
            if not isinstance(dst, bytes) or len(dst) != 8:
                raise ConfigError("to= takes an 8-byte node address, a room name or None")
            if dst == self.address:
                raise ConfigError("emit to this node's own address; call the handler directly")
        if reliable:
            self.session.send(dst, payload, self._now_s)
        else:
            frame = self._signer.sign(dst, payload)
            self.transport.send_datagram(dst, frame)
        frames, wire_bytes, airtime_s = self.predict_airtime(len(payload), reliable=reliable)
        route = None if is_group(dst) else self.network.route_to(dst)
        self._count("emitted")
        self._flush()
        return EmitReport(
            to=dst,
            payload_bytes=len(payload),
            wire_bytes=wire_bytes,
            frames=frames,
            airtime_s=airtime_s,
            reliable=reliable,
            hops=None if route is None else route.metric,
        )

    def _flush(self) -> None:
        for peer, segment in self.transport.segments_to_send():
            self.network.send(peer, PROTO_TRANSPORT, segment, self._now_s)

    def _on_segment(self, packet: PacketReceived) -> None:
        for event in self.transport.receive_data(packet.src, packet.payload, self._now_s):
            if isinstance(event, MessageReceived) and event.datagram:
                self._on_datagram(packet.src, packet.dst, event.data)
            elif isinstance(event, MessageReceived | MessageAcked):
                self._process(self.session.receive_data(event, self._now_s))
            else:
                self._log(event)

    def _on_datagram(self, src: bytes, dst: bytes, frame: bytes) -> None:
        ok, payload = self._signer.open(src, dst, frame)
        if not ok:
            self._log(Dropped(layer="presentation", reason=str(payload), peer=src))
            self._count("dropped_" + str(payload))
            return
        assert isinstance(payload, bytes)
        self._dispatch(src, payload, datagram=True)

    def _process(self, events: list[object]) -> None:
        for event in events:
            self._log(event)
            if isinstance(event, RouteChanged) and event.next_hop is not None:
                self.transport.retry_now(event.dest, self._now_s)  # no need to wait for a timer
            elif isinstance(event, MessageReceived):
                self._dispatch(event.peer, event.data, datagram=False)
            elif isinstance(event, SessionEstablished):
                self._run("connect", event.peer, {"resumed": event.resumed})
            elif isinstance(event, SessionDown):
                self._run("disconnect", event.peer, event.reason)
            elif isinstance(event, SessionClosed):
                self._run("disconnect", event.peer, "closed")
            elif isinstance(event, SessionRefused):
                self._run("disconnect", event.peer, f"refused: {event.reason}")

    def _dispatch(self, sender: bytes, payload: bytes, *, datagram: bool) -> None:
        ok, message = decode_payload(payload, max_bytes=self.config.max_event_bytes)
        valid = ok and isinstance(message, list) and len(message) == 4
        if valid and message[0] == P_EVENT and isinstance(message[1], str):
            _, event, data, ack_id = message
            if event in RESERVED_EVENTS:
                self._count("dropped_reserved_event")
                return
            self._count("received")
            result = self._run(event, sender, data)
            if isinstance(ack_id, int) and not datagram:
                self.session.send(sender, encode_payload([P_ACK, "", result, ack_id]), self._now_s)
            return
        if valid and message[0] == P_ACK and isinstance(message[3], int) and not datagram:
            call = self._calls.pop(message[3], None)
            if call is not None:
                call._finish(value=message[2])
            else:
                self._count("dropped_unknown_ack")
            return
        self._count("dropped_bad_payload")
        self._log(Dropped(layer="presentation", reason="bad_payload", peer=sender))

    def _run(self, event: str, sender: bytes, data: Any) -> Any:
        handler = self._handlers.get(event)
        try:
            if handler is not None:
                return handler(sender, data)
            catch_all = self._handlers.get("*")
            if catch_all is not None and event not in RESERVED_EVENTS:
                return catch_all(event, sender, data)
        except Exception as error:  # a user handler must not break the stack
            self._count("handler_errors")
            self.handler_errors.append(error)
        return None

    def _log(self, event: object) -> None:
        if isinstance(event, Dropped | RouteChanged) or type(event).__name__.startswith("Session"):
            self.log.append((self._now_s, event))

    def _count(self, name: str) -> None:
        self.stats[name] = self.stats.get(name, 0) + 1


def _fields(config) -> dict:
    return {name: getattr(config, name) for name in config.__dataclass_fields__}
