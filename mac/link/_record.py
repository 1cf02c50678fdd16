"""The abstract link frame record and the small payload formats the link puts inside it.

`LinkFrame` holds exactly the MAC header fields of the air format (``docs/air-interface.md``,
``mac.frame.FrameHeader``: version, frame type, flags, source and destination addresses,
8-bit sequence and acknowledgement numbers) plus the payload, so the frame codec maps it 1:1;
``fec_level`` is the ``mac.fec.FecLevel`` code the encoder should apply (the decoder fills in
the level it used). The frame types and flags are the codec's own (`FrameType`,
`FrameFlags` from ``mac.frame``): one definition for both layers.

Fields the link uses:

* ``ack`` is cumulative (the next sequence number expected) and valid in every frame of a
  connection except ``CONNECT``; ``ACK_REQUEST`` asks for an immediate ACK;
  ``RETRANSMISSION`` marks a repeated DATA frame.
* ``ACK`` frames carry the selective-acknowledgement bitmap in their payload, the codec's
  layout: bit ``i`` (MSB first, byte 0 first) set means frame ``ack + 1 + i`` arrived;
  trailing zero bytes are not sent (0..8 bytes for a window of up to 64).
* ``CONNECT`` and ``CONNECT_ACK`` carry `ConnectParams` (4 bytes: FEC level u8, window u8,
  maximum payload u16 big-endian); their ``seq`` is the sender's initial sequence number
  and a ``CONNECT_ACK`` echoes the initiator's in ``ack``.
* ``DISCONNECT_ACK`` doubles as AX.25's DM ("no link here"): the answer of a closed station
  to CONNECT it refuses or to traffic of a link it does not have.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from mac.fec import FecLevel
from mac.frame import VERSION as PROTOCOL_VERSION
from mac.frame import FrameFlags, FrameType

__all__ = [
    "MAX_FEC_LEVEL",
    "MAX_WINDOW",
    "PROTOCOL_VERSION",
    "SEQ_MASK",
    "SEQ_MODULUS",
    "ConnectParams",
    "FrameFlags",
    "FrameType",
    "LinkFrame",
    "decode_sack",
    "encode_sack",
    "seq_distance",
]

SEQ_BITS = 8
SEQ_MODULUS = 1 << SEQ_BITS
"""Sequence numbers count modulo 256 (the header's 8-bit fields) and wrap."""
SEQ_MASK = SEQ_MODULUS - 1

MAX_WINDOW = 64
"""Largest window (frames): at most half the sequence space, as selective repeat needs to
tell new frames from old ones after wrap-around; the SACK bitmap then has 64 bits."""

SACK_MAX_BYTES = MAX_WINDOW // 8

MAX_FEC_LEVEL = int(max(FecLevel))
"""Largest FEC level code the frame codec knows (levels are ``mac.fec.FecLevel`` codes)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkFrame:
    """One link frame as the ARQ sees it (the frame codec defines its bits).

    Parameters
    ----------
    version : int
        Protocol version, `PROTOCOL_VERSION` (frames of another version are dropped).
    frame_type : FrameType
        What the frame is.
    flags : FrameFlags
        ``ACK_REQUEST``, ``RETRANSMISSION``...
    src, dst : int
        Station addresses (0..65535).
    seq, ack : int
        Sequence and cumulative acknowledgement numbers, modulo 256.
    payload : bytes
        User data (``DATA``), SACK bitmap (``ACK``), connect parameters, or empty.
    fec_level : int
        ``mac.fec.FecLevel`` code to encode with / that decoded the frame.
    """

    version: int = PROTOCOL_VERSION
    frame_type: FrameType
    flags: FrameFlags = FrameFlags.NONE
    src: int
    dst: int
    seq: int = 0
    ack: int = 0
    payload: bytes = b""
    fec_level: int = 0


def seq_distance(start: int, end: int) -> int:
    """Steps forward from ``start`` to ``end`` modulo 256 (0..255). Cost O(1)."""
    return (end - start) & SEQ_MASK


def encode_sack(bitmap: int) -> bytes:
    """SACK bitmap (bit ``i`` of the int: frame ``ack + 1 + i``) -> payload bytes in the
    codec's layout (MSB first, byte 0 first, no trailing zero bytes). Cost O(window)."""
    bitmap &= (1 << MAX_WINDOW) - 1
    if not bitmap:
        return b""
    out = bytearray((bitmap.bit_length() + 7) // 8)
    i = 0
    while bitmap:
        if bitmap & 1:
            out[i >> 3] |= 0x80 >> (i & 7)
        bitmap >>= 1
        i += 1
    return bytes(out)


def decode_sack(payload: bytes) -> int:
    """SACK payload -> bitmap int; bits beyond the 64th are ignored (data, never an error)."""
    bitmap = 0
    for index, byte in enumerate(payload[:SACK_MAX_BYTES]):
        if byte:
            for bit in range(8):
                if byte & (0x80 >> bit):
                    bitmap |= 1 << (8 * index + bit)
    return bitmap


_PARAMS = struct.Struct(">BBH")


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectParams:
    """What a station proposes (``CONNECT``) or the pair agreed (``CONNECT_ACK``)."""

    fec_level: int
    window: int
    max_payload_bytes: int

    def to_bytes(self) -> bytes:
        """4 bytes: FEC level u8, window u8, maximum payload u16 big-endian."""
        return _PARAMS.pack(self.fec_level, self.window, self.max_payload_bytes)

    @classmethod
    def from_bytes(cls, payload: bytes) -> ConnectParams | None:
        """Parse a connect payload; ``None`` when it is malformed (a dropped frame)."""
        if len(payload) < _PARAMS.size:
            return None
        fec_level, window, max_payload = _PARAMS.unpack_from(payload)
        if not 1 <= window <= MAX_WINDOW or max_payload < 1 or fec_level > MAX_FEC_LEVEL:
            return None
        return cls(fec_level=fec_level, window=window, max_payload_bytes=max_payload)

    def agree(self, other: ConnectParams) -> ConnectParams:
        """Negotiation rule: the stronger FEC, the smaller window and payload."""
        return ConnectParams(
            fec_level=max(self.fec_level, other.fec_level),
            window=min(self.window, other.window),
            max_payload_bytes=min(self.max_payload_bytes, other.max_payload_bytes),
        )
