"""AX.25 v2.2 and FX.25 packet radio: frames, HDLC, Reed-Solomon wrapping, a receiver."""

from mac.ax25.address import Address
from mac.ax25.frame import Ax25Frame
from mac.ax25.fx25 import Fx25Decoder, fx25_encode
from mac.ax25.hdlc import HdlcDeframer, hdlc_encode, nrzi_decode, nrzi_encode
from mac.ax25.receiver import Ax25Packet, Ax25Receiver

__all__ = [
    "Address",
    "Ax25Frame",
    "Ax25Packet",
    "Ax25Receiver",
    "Fx25Decoder",
    "HdlcDeframer",
    "fx25_encode",
    "hdlc_encode",
    "nrzi_decode",
    "nrzi_encode",
]
