"""AX.25 v2.2 and FX.25 packet radio: frames, HDLC, Reed-Solomon wrapping, a receiver.

Names load on first use, so ``mac.ax25.modes`` (the mode table) is cheap to import.
"""

from __future__ import annotations

from phy._lazy import lazy_exports

_LAZY = {
    "Address": "mac.ax25.address",
    "Ax25Frame": "mac.ax25.frame",
    "Fx25Decoder": "mac.ax25.fx25",
    "fx25_encode": "mac.ax25.fx25",
    "HdlcDeframer": "mac.ax25.hdlc",
    "hdlc_encode": "mac.ax25.hdlc",
    "nrzi_decode": "mac.ax25.hdlc",
    "nrzi_encode": "mac.ax25.hdlc",
    "Ax25Packet": "mac.ax25.receiver",
    "Ax25Receiver": "mac.ax25.receiver",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports("mac.ax25", _LAZY, globals())
