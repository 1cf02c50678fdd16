"""sdrlink data link layer (sans-I/O): framing, FEC, ARQ, medium access, KISS, AX.25.

Subpackages: ``mac.frame`` (the air format: header, FEC levels, CRC, whitening),
``mac.fec`` (Reed-Solomon, convolutional code + soft Viterbi, interleaver), ``mac.link``
(selective-repeat ARQ), ``mac.csma`` (p-persistent CSMA), ``mac.kiss`` (KISS codec) and
``mac.ax25`` (AX.25, HDLC, FX.25 packet radio). Importing ``mac`` loads nothing heavy: the
names below load on first use.
"""

from __future__ import annotations

from phy._lazy import lazy_exports

_LAZY = {
    "Frame": "mac.frame",
    "FrameDecoder": "mac.frame",
    "FrameDropped": "mac.frame",
    "FrameHeader": "mac.frame",
    "FecLevel": "mac.frame",
    "FrameType": "mac.frame",
    "FrameFlags": "mac.frame",
    "frame_bytes": "mac.frame",
    "MAX_PAYLOAD_BYTES": "mac.frame",
    "BROADCAST": "mac.frame",
    "decode_frame": "mac.frame",
    "encode_frame": "mac.frame",
    "Link": "mac.link",
    "LinkConfig": "mac.link",
    "LinkFrame": "mac.link",
    "Station": "mac.link",
    "State": "mac.link",
    "ConnectParams": "mac.link",
    "LocalProtocolError": "mac.link",
    "LinkBusyError": "mac.link",
    "Csma": "mac.csma",
    "CsmaConfig": "mac.csma",
    "KissDecoder": "mac.kiss",
    "KissCommand": "mac.kiss",
    "encode_data": "mac.kiss",
    "encode_command": "mac.kiss",
    "Connected": "mac._events",
    "DataReceived": "mac._events",
    "Acked": "mac._events",
    "Disconnected": "mac._events",
    "LinkLost": "mac._events",
    "FrameRejected": "mac._events",
    "KeyUp": "mac._events",
    "KeyDown": "mac._events",
    "KissDataFrame": "mac._events",
    "KissCommandFrame": "mac._events",
    "Ax25Frame": "mac.ax25",
    "Ax25Receiver": "mac.ax25",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_exports("mac", _LAZY, globals())
