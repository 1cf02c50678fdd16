"""Events that the sans-I/O layers of ``upper`` return (frozen dataclasses, one per happening).

Every layer returns a ``list`` of these from ``receive_data``/``handle_timer``; the layer
above reads the ones meant for it. Bad input never raises: it becomes a ``Dropped`` event
and a counter in the layer's ``stats``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Dropped",
    "MessageAcked",
    "MessageReceived",
    "OutgoingPacket",
    "PacketReceived",
    "RouteChanged",
    "SessionClosed",
    "SessionDown",
    "SessionEstablished",
    "SessionRefused",
]

_EVENT = {"frozen": True, "slots": True, "kw_only": True}


@dataclass(**_EVENT)
class OutgoingPacket:
    """A network packet for the link: ``next_hop`` is a neighbour address or ``None`` (all)."""

    next_hop: bytes | None
    packet: bytes


@dataclass(**_EVENT)
class Dropped:
    """Input that a layer discarded: ``layer`` ("network", ...) and a short ``reason``."""

    layer: str
    reason: str
    peer: bytes | None = None


@dataclass(**_EVENT)
class PacketReceived:
    """Layer 3 delivered a packet addressed to this node (or a group it joined)."""

    src: bytes
    dst: bytes
    proto: int
    payload: bytes


@dataclass(**_EVENT)
class RouteChanged:
    """The route to ``dest`` now goes through ``next_hop`` (``None``: unreachable)."""

    dest: bytes
    next_hop: bytes | None
    metric: int


@dataclass(**_EVENT)
class MessageReceived:
    """A whole message (transport) or datagram arrived from ``peer``, in order."""

    peer: bytes
    data: bytes
    datagram: bool = False
    dst: bytes | None = None


@dataclass(**_EVENT)
class MessageAcked:
    """Every segment of message ``message_id`` to ``peer`` was acknowledged end to end."""

    peer: bytes
    message_id: int


@dataclass(**_EVENT)
class SessionEstablished:
    """A session with ``peer`` is authenticated; ``resumed`` if it continues an earlier one."""

    peer: bytes
    resumed: bool
    initiator: bool


@dataclass(**_EVENT)
class SessionDown:
    """The session with ``peer`` stopped answering; it reconnects by itself."""

    peer: bytes
    reason: str


@dataclass(**_EVENT)
class SessionClosed:
    """The session with ``peer`` ended in order (``by_peer``: the peer asked)."""

    peer: bytes
    by_peer: bool


@dataclass(**_EVENT)
class SessionRefused:
    """A handshake with ``peer`` failed authentication (wrong key, bad signature, ...)."""

    peer: bytes
    reason: str
