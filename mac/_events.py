"""Events of the data link layer (sans-I/O): what the link, CSMA and KISS layers report.

Every event is a frozen, slotted, keyword-only dataclass. Layers return them as lists from
their input methods (``receive_frame``, ``on_timer``, ``receive_data``...); the runtime reads
them and never mutates them. No event holds a reference to a mutable buffer.

Link events carry ``peer`` (the address of the remote station) so that a station running
several links can tell them apart. Message ids are the integers that ``Link.send`` returned.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Acked",
    "Connected",
    "DataReceived",
    "Disconnected",
    "Event",
    "FrameRejected",
    "KeyDown",
    "KeyUp",
    "KissCommandFrame",
    "KissDataFrame",
    "LinkLost",
]


class Event:
    """Base class of every data link event (for ``isinstance`` checks and type hints)."""

    __slots__ = ()


# --------------------------------------------------------------------------- link (ARQ)


@dataclass(frozen=True, slots=True, kw_only=True)
class Connected(Event):
    """The link to ``peer`` is up with the negotiated parameters.

    ``fec_level`` is the stronger of the two stations' wishes, ``window`` (frames) and
    ``max_payload_bytes`` the smaller.
    """

    peer: int
    fec_level: int
    window: int
    max_payload_bytes: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DataReceived(Event):
    """A payload from ``peer``, delivered exactly once and in the order it was sent."""

    peer: int
    payload: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class Acked(Event):
    """The peer has received (and delivered in order) the message ``message_id``."""

    peer: int
    message_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Disconnected(Event):
    """The link is closed.

    ``reason`` is one of ``"local"`` (our ``close`` completed), ``"remote"`` (the peer closed),
    ``"reset"`` (the peer answered with a reset: it had no link to us), ``"refused"``
    (connect answered by a reset), ``"timeout"`` (connect or disconnect never answered).
    ``unacked_message_ids`` lists the messages accepted by ``send`` that the peer never
    acknowledged (resend them on a new link if they matter).
    """

    peer: int
    reason: str
    unacked_message_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkLost(Event):
    """The link died without an orderly close.

    ``reason`` is ``"silent"`` (nothing heard from the peer for ``link_timeout_s``),
    ``"retries"`` (a frame was retransmitted ``max_retries`` times without an ack) or
    ``"peer restarted"`` (the peer opened a new connection over the old one).
    """

    peer: int
    reason: str
    unacked_message_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class FrameRejected(Event):
    """A decoded frame the link refused: a protocol error of the peer (or a stale frame).

    Bad radio input is data, not an exception. ``reason`` names the cause in a few words
    (``"unexpected CONNECT_ACK in CLOSED"``, ``"malformed connect parameters"``, ``"stale
    DISCONNECT_ACK"``, ``"protocol version 7"``, ``"too many links"``). Frames that fail
    their CRC or FEC never reach the link: the frame decoder reports those
    (``mac.frame.FrameDropped``).
    """

    reason: str
    length_bytes: int = 0


# --------------------------------------------------------------------------- medium access


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyUp(Event):
    """Key the transmitter now; start sending data at ``data_start_s`` (after TXDELAY)."""

    ptt_on_s: float
    data_start_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyDown(Event):
    """Release the transmitter (the TX tail has elapsed)."""

    ptt_off_s: float


# --------------------------------------------------------------------------- KISS


@dataclass(frozen=True, slots=True, kw_only=True)
class KissDataFrame(Event):
    """A KISS data frame (type nibble 0) for TNC port ``port`` (0..15)."""

    port: int
    data: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class KissCommandFrame(Event):
    """A KISS command frame: ``command`` is a ``mac.kiss.KissCommand`` value.

    ``argument`` holds the bytes after the type byte (one byte for TXDELAY, P, SLOTTIME,
    TXtail and FULLDUPLEX; any length for SETHARDWARE; empty for RETURN, whose port is 0).
    """

    port: int
    command: int
    argument: bytes
