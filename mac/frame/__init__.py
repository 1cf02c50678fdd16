"""sdrlink MAC frames: the air format above the PHY (header, FEC levels, CRC, whitening).

``encode_frame(header, payload, fec=...)`` gives the PHY payload bytes; ``decode_frame``
and the sans-I/O ``FrameDecoder`` turn a burst's soft bits back into ``Frame`` or
``FrameDropped(reason=...)``. The bit-exact specification is ``docs/air-interface.md``.
"""

from mac.fec import FecLevel
from mac.frame._codec import decode_frame, encode_frame, frame_bytes, screen_headers
from mac.frame._decoder import FrameDecoder
from mac.frame._events import DROP_REASONS, Frame, FrameDropped
from mac.frame._format import (
    BROADCAST,
    HEADER_AIR_BITS,
    MAX_PAYLOAD_BYTES,
    VERSION,
    FrameFlags,
    FrameHeader,
    FrameType,
)
from mac.frame._sack import decode_sack, encode_sack

__all__ = [
    "BROADCAST",
    "DROP_REASONS",
    "HEADER_AIR_BITS",
    "MAX_PAYLOAD_BYTES",
    "VERSION",
    "FecLevel",
    "Frame",
    "FrameDecoder",
    "FrameDropped",
    "FrameFlags",
    "FrameHeader",
    "FrameType",
    "decode_frame",
    "decode_sack",
    "encode_frame",
    "encode_sack",
    "frame_bytes",
    "screen_headers",
]
