"""The 1:1 bridge between `LinkFrame` records and the frame codec (``mac.frame``).

``to_air(frame)`` gives the PHY payload bytes (for ``phy.modulate``); ``from_decoded``
turns a decoded ``mac.frame.Frame`` back into the record the link consumes. Drops
(``mac.frame.FrameDropped``) never reach the link: count them where they are decoded.
"""

from __future__ import annotations

from mac.fec import FecLevel
from mac.frame import Frame, FrameHeader, encode_frame

from ._record import PROTOCOL_VERSION, LinkFrame

__all__ = ["from_decoded", "header_of", "to_air"]


def header_of(frame: LinkFrame) -> FrameHeader:
    """The codec's header for a link frame (raises ``ConfigError`` on out-of-range fields)."""
    return FrameHeader(
        frame_type=frame.frame_type,
        src=frame.src,
        dst=frame.dst,
        seq=frame.seq,
        ack=frame.ack,
        flags=frame.flags,
    )


def to_air(frame: LinkFrame) -> bytes:
    """Encode a link frame at its ``fec_level``. Cost: that of ``mac.frame.encode_frame``."""
    return encode_frame(header_of(frame), frame.payload, fec=FecLevel(frame.fec_level))


def from_decoded(frame: Frame) -> LinkFrame:
    """The link record of a frame the codec decoded (its FEC level included)."""
    h = frame.header
    return LinkFrame(
        version=PROTOCOL_VERSION,
        frame_type=h.frame_type,
        flags=h.flags,
        src=h.src,
        dst=h.dst,
        seq=h.seq,
        ack=h.ack,
        payload=frame.payload,
        fec_level=int(frame.fec),
    )
