"""MAC frame format: constants, frame types and flags, the header and its byte layout.

MAC header (13 bytes, big-endian fields; see ``docs/air-interface.md``)::

    byte 0      version (high nibble, = 1) | payload FEC level (low nibble)
    byte 1      frame type
    byte 2      flags
    bytes 3-4   destination address
    bytes 5-6   source address
    byte 7      sequence number
    byte 8      acknowledgement number
    bytes 9-10  payload length in bytes
    bytes 11-12 CRC-16/CCITT-FALSE of bytes 0-10
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

from mac.fec import FecLevel
from mac.fec.crc import crc16
from phy.errors import ConfigError

__all__ = [
    "BROADCAST",
    "HEADER_AIR_BITS",
    "HEADER_BYTES",
    "HEADER_CODED_BITS",
    "HEADER_INFO_BYTES",
    "HEADER_MAX_DISAGREEMENTS",
    "MAX_PAYLOAD_BYTES",
    "VERSION",
    "FrameFlags",
    "FrameHeader",
    "FrameType",
]

VERSION = 1
HEADER_INFO_BYTES = 11
HEADER_BYTES = HEADER_INFO_BYTES + 2
HEADER_CODED_BITS = 2 * (8 * HEADER_BYTES + 6)  # 220: rate-1/2 K=7, terminated
HEADER_AIR_BITS = 2 * HEADER_CODED_BITS  # 440: sent twice
#: Early reject: the two header copies' hard bits may differ in at most this many of 220
#: places (random input differs in 110 +- 7.4; a real header at 14 % raw bit errors, below
#: any useful operating point, in 53 +- 6.5).
HEADER_MAX_DISAGREEMENTS = 88
MAX_PAYLOAD_BYTES = 1500
BROADCAST = 0xFFFF
_INFO = struct.Struct(">BBBHHBBH")


class FrameType(enum.IntEnum):
    """What a frame is for (byte 1 of the header); 10..255 are reserved."""

    DATA = 0
    ACK = 1
    CONNECT = 2
    CONNECT_ACK = 3
    DISCONNECT = 4
    DISCONNECT_ACK = 5
    KEEPALIVE = 6
    UI = 7  # unnumbered (connectionless) data
    NACK = 8  # selective reject: the payload lists what to resend
    BEACON = 9


class FrameFlags(enum.IntFlag):
    """Header flags (byte 2); unnamed bits are reserved, sent as 0 and kept on receive."""

    NONE = 0
    ACK_REQUEST = 0x80  # the receiver should answer with an ACK
    MORE_FRAGMENTS = 0x40  # more frames of the same upper-layer packet follow
    RETRANSMISSION = 0x20  # this frame repeats an earlier one
    FINAL = 0x10  # last frame of a window / answer to ACK_REQUEST


@dataclass(frozen=True, slots=True, kw_only=True)
class FrameHeader:
    """The link-level fields of a frame (the FEC level and length are the framer's)."""

    frame_type: FrameType
    src: int
    dst: int
    seq: int = 0
    ack: int = 0
    flags: FrameFlags = FrameFlags.NONE

    def __post_init__(self) -> None:
        for name, value, limit in (
            ("src", self.src, 0xFFFF),
            ("dst", self.dst, 0xFFFF),
            ("seq", self.seq, 0xFF),
            ("ack", self.ack, 0xFF),
            ("flags", int(self.flags), 0xFF),
            ("frame_type", int(self.frame_type), 0xFF),
        ):
            if not 0 <= int(value) <= limit:
                raise ConfigError(f"frame header {name}={value} outside 0..{limit}")


def pack_header(header: FrameHeader, fec: FecLevel, payload_bytes: int) -> bytes:
    """The 13 header bytes (info then CRC-16)."""
    if not 0 <= payload_bytes <= MAX_PAYLOAD_BYTES:
        raise ConfigError(
            f"payload of {payload_bytes} bytes; a frame carries 0..{MAX_PAYLOAD_BYTES}"
        )
    info = _INFO.pack(
        (VERSION << 4) | int(fec),
        int(header.frame_type),
        int(header.flags),
        header.dst,
        header.src,
        header.seq,
        header.ack,
        payload_bytes,
    )
    return info + crc16(info).to_bytes(2, "big")


@dataclass(frozen=True, slots=True)
class RawHeader:
    """Header fields as received (after the CRC-16 passed), not yet validated."""

    version: int
    fec_code: int
    frame_type: int
    flags: int
    dst: int
    src: int
    seq: int
    ack: int
    payload_bytes: int


def unpack_header(raw: bytes) -> RawHeader | None:
    """Fields of 13 header bytes, or None when the CRC-16 does not match."""
    info, check = raw[:HEADER_INFO_BYTES], raw[HEADER_INFO_BYTES:HEADER_BYTES]
    if crc16(info) != int.from_bytes(check, "big"):
        return None
    b0, ftype, flags, dst, src, seq, ack, length = _INFO.unpack(info)
    return RawHeader(b0 >> 4, b0 & 15, ftype, flags, dst, src, seq, ack, length)
