"""Link layer proper (sans-I/O): connection set-up, selective-repeat ARQ, keep-alive, close.

The link exchanges `LinkFrame` records; the frame codec (``mac.frame``) turns them into
bits and back (``mac.link.codec.to_air`` / ``from_decoded``; the simulator in
``mac.link.sim`` skips the bits). See ``docs/link.md`` for the protocol and its state diagram.
"""

from __future__ import annotations

from ._config import LinkConfig, LinkStats
from ._errors import LinkBusyError, LocalProtocolError
from ._link import Link
from ._record import (
    MAX_FEC_LEVEL,
    MAX_WINDOW,
    PROTOCOL_VERSION,
    SEQ_MODULUS,
    ConnectParams,
    FrameFlags,
    FrameType,
    LinkFrame,
    decode_sack,
    encode_sack,
    seq_distance,
)
from ._rtt import RttEstimator
from ._state import Input, State, mermaid_diagram, transitions
from ._station import Station

__all__ = [
    "MAX_FEC_LEVEL",
    "MAX_WINDOW",
    "PROTOCOL_VERSION",
    "SEQ_MODULUS",
    "ConnectParams",
    "FrameFlags",
    "FrameType",
    "Input",
    "Link",
    "LinkBusyError",
    "LinkConfig",
    "LinkFrame",
    "LinkStats",
    "LocalProtocolError",
    "RttEstimator",
    "State",
    "Station",
    "decode_sack",
    "encode_sack",
    "mermaid_diagram",
    "seq_distance",
    "transitions",
]
