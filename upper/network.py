"""Layer 3: addresses, distance-vector routing and multi-hop forwarding (sans-I/O).

Addresses are 8 bytes. A node's address is the first 8 bytes of SHA-256 over its Ed25519
public key with the top bit cleared, so nodes need no coordination; a set top bit marks a
group (a room: SHA-256 of its name), and ``BROADCAST`` is all ones.

Packet format (big-endian)::

    kind (1) | ttl (1) | proto (1) | flags (1) | src (8) | dst (8) | packet id (4) | payload

``kind`` 1 is data, 2 a routing announcement, 3 a route request (a node with no route for
a packet asks its neighbours to announce soon, at most once per ``triggered_min_gap_s``).
Announcements are link-local broadcasts (ttl 1) whose payload is a list of
``dest (8) | metric (1) | next hop (8)`` entries: on a broadcast medium one announcement
goes to every neighbour, so poisoned reverse is applied by the receiver (an entry whose
next hop is the receiver counts as unreachable). Routes are
refreshed by each announcement, become replaceable by any other finite route when older
than ``stale_after_s`` and expire (metric ``INFINITY``) after ``route_timeout_s``.
Duplicates are suppressed by (source, packet id) in a bounded cache; unicast is forwarded
along the routing table with a hop limit, group packets are flooded.

Cost: O(1) per packet (hash look-ups); O(routes) per announcement.
"""

from __future__ import annotations

import hashlib
import random
import struct
from collections import OrderedDict
from dataclasses import dataclass

from phy.errors import ConfigError
from upper._events import Dropped, OutgoingPacket, PacketReceived, RouteChanged

__all__ = [
    "ADDRESS_BYTES",
    "BROADCAST",
    "HEADER_BYTES",
    "INFINITY",
    "Network",
    "NetworkConfig",
    "address_from_public_key",
    "format_address",
    "group_address",
    "is_group",
]

ADDRESS_BYTES = 8
BROADCAST = b"\xff" * ADDRESS_BYTES
INFINITY = 16
KIND_DATA = 1
KIND_ANNOUNCE = 2
KIND_REQUEST = 3
_HEADER = struct.Struct(">BBBB8s8sI")
HEADER_BYTES = _HEADER.size
_ENTRY = struct.Struct(">8sB8s")


def address_from_public_key(public_key: bytes) -> bytes:
    """Return the 8-byte unicast address of an Ed25519 public key (32 bytes)."""
    digest = bytearray(hashlib.sha256(b"sdrlink-address" + bytes(public_key)).digest()[:8])
    digest[0] &= 0x7F
    return bytes(digest)


def group_address(name: str) -> bytes:
    """Return the 8-byte group address of the room ``name`` (top bit set)."""
    digest = bytearray(hashlib.sha256(b"sdrlink-group" + name.encode()).digest()[:8])
    digest[0] |= 0x80
    return bytes(digest)


def is_group(address: bytes) -> bool:
    """True for group and broadcast addresses."""
    return bool(address[0] & 0x80)


def format_address(address: bytes | None) -> str:
    """Short printable form of an address (hex)."""
    if address is None:
        return "-"
    if address == BROADCAST:
        return "broadcast"
    return address.hex()


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkConfig:
    """Routing and forwarding parameters (times in seconds of the caller's clock)."""

    announce_interval_s: float = 10.0
    announce_jitter: float = 0.1  # fraction of the interval, random each time
    stale_after_s: float | None = None  # default 1.5 intervals
    route_timeout_s: float | None = None  # default 3 intervals
    gc_after_s: float | None = None  # unreachable entries kept this long; default 2 intervals
    triggered_min_gap_s: float = 1.0
    default_ttl: int = 8
    max_routes: int = 1024
    dedup_entries: int = 4096
    dedup_lifetime_s: float = 120.0
    mtu_bytes: int = 255

    def __post_init__(self) -> None:
        if self.announce_interval_s <= 0:
            raise ConfigError("announce_interval_s must be positive")
        if not 1 <= self.default_ttl <= 255:
            raise ConfigError("default_ttl must be 1..255")
        if self.mtu_bytes < HEADER_BYTES + _ENTRY.size + 8:
            raise ConfigError(f"link MTU {self.mtu_bytes} B is too small for layer 3")

    @property
    def stale_s(self) -> float:
        return self.stale_after_s or 1.5 * self.announce_interval_s

    @property
    def timeout_s(self) -> float:
        return self.route_timeout_s or 3.0 * self.announce_interval_s

    @property
    def gc_s(self) -> float:
        return self.gc_after_s or 2.0 * self.announce_interval_s


@dataclass(slots=True)
class Route:
    """One routing-table entry."""

    next_hop: bytes
    metric: int
    updated_s: float


class Network:
    """Layer-3 state machine of one node.

    Parameters
    ----------
    address : bytes
        This node's 8-byte address.
    config : NetworkConfig
    rng : random.Random
        Announcement jitter and the first packet id.
    """

    def __init__(self, address: bytes, config: NetworkConfig, *, rng: random.Random) -> None:
        if len(address) != ADDRESS_BYTES or is_group(address):
            raise ConfigError("a node address is 8 bytes with the top bit clear")
        self.address = bytes(address)
        self.config = config
        self._rng = rng
        self.routes: dict[bytes, Route] = {}
        self.groups: set[bytes] = {BROADCAST}
        self._packet_id = rng.getrandbits(32)
        self._seen: OrderedDict[tuple[bytes, int], float] = OrderedDict()
        self._out: list[OutgoingPacket] = []
        self._next_announce_s: float | None = None
        self._triggered = False
        self._last_announce_s = -1e18
        self._last_request_s = -1e18
        self.stats: dict[str, int] = {}

    # -- public API ------------------------------------------------------------------------
    @property
    def payload_mtu_bytes(self) -> int:
        """Largest payload of one packet."""
        return self.config.mtu_bytes - HEADER_BYTES

    def join(self, group: bytes) -> None:
        """Deliver packets sent to ``group`` here."""
        self.groups.add(group)

    def leave(self, group: bytes) -> None:
        """Stop delivering ``group`` (broadcast cannot be left)."""
        if group != BROADCAST:
            self.groups.discard(group)

    def route_to(self, dest: bytes) -> Route | None:
        """The usable route to ``dest``, or ``None``."""
        route = self.routes.get(dest)
        return route if route is not None and route.metric < INFINITY else None

    def send(self, dst: bytes, proto: int, payload: bytes, now_s: float) -> bool:
        """Queue a packet; return False (and count it) when ``dst`` has no route.

        Raises ``ConfigError`` when the payload exceeds ``payload_mtu_bytes``.
        """
        if len(payload) > self.payload_mtu_bytes:
            raise ConfigError(
                f"packet payload {len(payload)} B exceeds the {self.payload_mtu_bytes} B MTU; "
                "segment it in the transport layer"
            )
        self._packet_id = (self._packet_id + 1) & 0xFFFFFFFF
        self._remember(self.address, self._packet_id, now_s)
        header = _HEADER.pack(
            KIND_DATA, self.config.default_ttl, proto, 0, self.address, dst, self._packet_id
        )
        packet = header + payload
        if is_group(dst):
            self._out.append(OutgoingPacket(next_hop=None, packet=packet))
            self._count("sent")
            return True
        route = self.route_to(dst)
        if route is None:
            self._count("no_route")
            self._request_routes(now_s)
            return False
        self._out.append(OutgoingPacket(next_hop=route.next_hop, packet=packet))
        self._count("sent")
        return True

    def data_to_send(self) -> list[OutgoingPacket]:
        """Packets for the link since the last call."""
        out, self._out = self._out, []
        return out

    def next_deadline_s(self) -> float:
        """When ``handle_timer`` wants to run next."""
        deadline = self._next_announce_s if self._next_announce_s is not None else 0.0
        if self._triggered:
            deadline = min(deadline, self._last_announce_s + self.config.triggered_min_gap_s)
        return deadline

    def handle_timer(self, now_s: float) -> list[object]:
        """Expire routes and send the periodic (or a triggered) announcement."""
        events = self._expire(now_s)
        cfg = self.config
        due = self._next_announce_s is None or now_s >= self._next_announce_s
        triggered = self._triggered and now_s >= self._last_announce_s + cfg.triggered_min_gap_s
        if due or triggered:
            self._announce(now_s)
            jitter = self._rng.random() * cfg.announce_jitter * cfg.announce_interval_s
            if due:
                self._next_announce_s = now_s + cfg.announce_interval_s - jitter
        return events

    def link_down(self, neighbour: bytes, now_s: float) -> list[object]:
        """The link reports ``neighbour`` lost: every route through it becomes unreachable."""
        events = []
        for dest, route in self.routes.items():
            if route.next_hop == neighbour and route.metric < INFINITY:
                route.metric = INFINITY
                route.updated_s = now_s
                events.append(RouteChanged(dest=dest, next_hop=None, metric=INFINITY))
        if events:
            self._triggered = True
        return events

    def link_up(self, neighbour: bytes, now_s: float) -> list[object]:
        """A neighbour appeared: announce soon so that it learns our routes."""
        self._triggered = True
        return []

    def receive_data(self, packet: bytes, now_s: float) -> list[object]:
        """Handle one packet from the link; never raises on malformed input."""
        if len(packet) < HEADER_BYTES:
            return [self._drop("truncated")]
        kind, ttl, proto, _flags, src, dst, packet_id = _HEADER.unpack_from(packet)
        payload = packet[HEADER_BYTES:]
        if src == self.address:
            return [self._drop("own_packet")]
        if is_group(src):
            return [self._drop("bad_source")]
        if kind == KIND_ANNOUNCE:
            return self._receive_announce(src, payload, now_s)
        if kind == KIND_REQUEST:  # a neighbour lacks a route: announce soon (rate-limited)
            self._count("requests_received")
            self._triggered = True
            return []
        if kind != KIND_DATA:
            return [self._drop("unknown_kind")]
        if ttl == 0:
            return [self._drop("ttl_zero")]
        if self._remember(src, packet_id, now_s):
            return [self._drop("duplicate")]
        return self._receive_data(packet, ttl, proto, src, dst, payload)

    # -- internals -------------------------------------------------------------------------
    def _receive_data(self, packet, ttl, proto, src, dst, payload) -> list[object]:
        events: list[object] = []
        if dst == self.address or dst in self.groups:
            self._count("delivered")
            events.append(PacketReceived(src=src, dst=dst, proto=proto, payload=payload))
            if dst == self.address:
                return events
        if ttl <= 1:
            if not events:
                events.append(self._drop("ttl_expired"))
            return events
        forwarded = bytes([packet[0], ttl - 1]) + packet[2:]
        if is_group(dst):
            self._out.append(OutgoingPacket(next_hop=None, packet=forwarded))
            self._count("flooded")
            return events
        route = self.route_to(dst)
        if route is None:
            events.append(self._drop("no_route"))
            return events
        self._out.append(OutgoingPacket(next_hop=route.next_hop, packet=forwarded))
        self._count("forwarded")
        return events

    def _receive_announce(self, src: bytes, payload: bytes, now_s: float) -> list[object]:
        if len(payload) % _ENTRY.size:
            return [self._drop("bad_announcement")]
        self._count("announcements_received")
        events: list[object] = []
        self._learn(src, src, 1, now_s, events)
        for offset in range(0, len(payload), _ENTRY.size):
            dest, metric, next_hop = _ENTRY.unpack_from(payload, offset)
            if dest == self.address or is_group(dest):
                continue
            cost = INFINITY if next_hop == self.address else min(metric + 1, INFINITY)
            self._learn(dest, src, cost, now_s, events)
        return events

    def _learn(self, dest, via, metric, now_s, events) -> None:
        route = self.routes.get(dest)
        if route is None:
            if metric >= INFINITY or len(self.routes) >= self.config.max_routes:
                return
            self.routes[dest] = Route(next_hop=via, metric=metric, updated_s=now_s)
            events.append(RouteChanged(dest=dest, next_hop=via, metric=metric))
            self._triggered = True
            return
        if route.next_hop == via:
            if metric >= INFINITY and route.metric >= INFINITY:
                return  # keep the time of poisoning so garbage collection happens
            changed = metric != route.metric
            route.metric = metric
            route.updated_s = now_s
            if changed:
                hop = via if metric < INFINITY else None
                events.append(RouteChanged(dest=dest, next_hop=hop, metric=metric))
                self._triggered = True
            return
        stale = now_s - route.updated_s > self.config.stale_s
        if metric < route.metric or (metric < INFINITY and stale):
            self.routes[dest] = Route(next_hop=via, metric=metric, updated_s=now_s)
            events.append(RouteChanged(dest=dest, next_hop=via, metric=metric))
            self._triggered = True

    def _expire(self, now_s: float) -> list[object]:
        events: list[object] = []
        for dest in list(self.routes):
            route = self.routes[dest]
            age = now_s - route.updated_s
            if route.metric < INFINITY and age > self.config.timeout_s:
                route.metric = INFINITY
                route.updated_s = now_s
                events.append(RouteChanged(dest=dest, next_hop=None, metric=INFINITY))
                self._triggered = True
            elif route.metric >= INFINITY and age > self.config.gc_s:
                del self.routes[dest]
        return events

    def _request_routes(self, now_s: float) -> None:
        """Ask the neighbours for their tables (at most once per ``triggered_min_gap_s``)."""
        if now_s < self._last_request_s + self.config.triggered_min_gap_s:
            return
        self._last_request_s = now_s
        self._packet_id = (self._packet_id + 1) & 0xFFFFFFFF
        header = _HEADER.pack(KIND_REQUEST, 1, 0, 0, self.address, BROADCAST, self._packet_id)
        self._out.append(OutgoingPacket(next_hop=None, packet=header))
        self._count("requests_sent")

    def _announce(self, now_s: float) -> None:
        self._triggered = False
        self._last_announce_s = now_s
        entries = [
            _ENTRY.pack(d, min(r.metric, INFINITY), r.next_hop) for d, r in self.routes.items()
        ]
        per_packet = max(1, self.payload_mtu_bytes // _ENTRY.size)
        chunks = [entries[i : i + per_packet] for i in range(0, len(entries), per_packet)] or [[]]
        for chunk in chunks:
            self._packet_id = (self._packet_id + 1) & 0xFFFFFFFF
            header = _HEADER.pack(KIND_ANNOUNCE, 1, 0, 0, self.address, BROADCAST, self._packet_id)
            self._out.append(OutgoingPacket(next_hop=None, packet=header + b"".join(chunk)))
            self._count("announcements_sent")

    def _remember(self, src: bytes, packet_id: int, now_s: float) -> bool:
        """Record (src, id); return True if it was already seen (a duplicate)."""
        key = (src, packet_id)
        seen, cfg = self._seen, self.config
        while seen:
            when = next(iter(seen.values()))
            if now_s - when <= cfg.dedup_lifetime_s and len(seen) < cfg.dedup_entries:
                break
            seen.popitem(last=False)
        if key in seen:
            return True
        seen[key] = now_s
        return False

    def _drop(self, reason: str) -> Dropped:
        self._count("dropped_" + reason)
        return Dropped(layer="network", reason=reason)

    def _count(self, name: str) -> None:
        self.stats[name] = self.stats.get(name, 0) + 1
