"""AX.25 v2.2 frames: addresses, control, PID, information; the TNC2 monitor format.

``Ax25Frame.encode()`` gives the frame without FCS (the HDLC layer adds it);
``Ax25Frame.decode(raw)`` parses one and raises ``ValueError`` on malformed bytes (callers that
handle radio input catch it and count a drop). ``str(frame)`` is the monitor format
``SRC>DST,DIGI1*,DIGI2:info``, with unprintable bytes as ``<0xNN>``; ``Ax25Frame.parse``
reads that format back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mac.ax25.address import Address
from phy.errors import ConfigError

__all__ = ["MAX_DIGIPEATERS", "MAX_INFO_BYTES", "PID_NO_LAYER3", "UI_CONTROL", "Ax25Frame"]

UI_CONTROL = 0x03
PID_NO_LAYER3 = 0xF0
MAX_DIGIPEATERS = 8
MAX_INFO_BYTES = 2048  # far above the 256 of AX.25 v2.2's N1 default; longer frames are noise


def _has_pid(control: int) -> bool:
    """I frames (bit 0 clear) and UI frames carry a PID byte."""
    return (control & 0x01) == 0 or (control & 0xEF) == UI_CONTROL


@dataclass(frozen=True, slots=True, kw_only=True)
class Ax25Frame:
    """One AX.25 frame (UI frames by default)."""

    destination: Address
    source: Address
    digipeaters: tuple[Address, ...] = ()
    control: int = UI_CONTROL
    pid: int | None = PID_NO_LAYER3
    info: bytes = b""
    command: bool = True  # destination C bit 1, source C bit 0 (v2 command)
    _raw_c_bits: tuple[bool, bool] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if len(self.digipeaters) > MAX_DIGIPEATERS:
            raise ConfigError(f"at most {MAX_DIGIPEATERS} digipeaters, got {len(self.digipeaters)}")
        if len(self.info) > MAX_INFO_BYTES:
            raise ConfigError(f"information field of {len(self.info)} bytes; at most 2048")

    def encode(self) -> bytes:
        """The frame bytes without FCS."""
        dst_c, src_c = self._raw_c_bits or (self.command, not self.command)
        out = bytearray(self.destination.encode(last=False, h_or_c=dst_c))
        out += self.source.encode(last=not self.digipeaters, h_or_c=src_c)
        for i, digi in enumerate(self.digipeaters):
            out += digi.encode(last=i == len(self.digipeaters) - 1, h_or_c=digi.repeated)
        out.append(self.control & 0xFF)
        if _has_pid(self.control):
            out.append(PID_NO_LAYER3 if self.pid is None else self.pid)
        out += self.info
        return bytes(out)

    @classmethod
    def decode(cls, raw: bytes) -> Ax25Frame:
        """Parse frame bytes (without FCS); ``ValueError`` when malformed."""
        addresses = []
        c_bits = []
        pos = 0
        while True:
            if pos + 7 > len(raw):
                raise ValueError("frame ends inside the address field")
            address, c_or_h, last = Address.decode(raw[pos : pos + 7])
            if len(addresses) >= 2:
                address = Address(
                    callsign=address.callsign,
                    ssid=address.ssid,
                    repeated=c_or_h,
                    reserved_bits=address.reserved_bits,
                )
            addresses.append(address)
            c_bits.append(c_or_h)
            pos += 7
            if last:
                break
            if len(addresses) >= 2 + MAX_DIGIPEATERS:
                raise ValueError("too many digipeaters")
        if len(addresses) < 2:
            raise ValueError("a frame needs a destination and a source")
        if pos >= len(raw):
            raise ValueError("frame has no control field")
        control = raw[pos]
        pos += 1
        pid = None
        if _has_pid(control):
            if pos >= len(raw):
                raise ValueError("frame has no PID")
            pid = raw[pos]
            pos += 1
        info = raw[pos:]
        if len(info) > MAX_INFO_BYTES:
            raise ValueError("information field too long")
        return cls(
            destination=addresses[0],
            source=addresses[1],
            digipeaters=tuple(addresses[2:]),
            control=control,
            pid=pid,
            info=bytes(info),
            command=c_bits[0] and not c_bits[1],
            _raw_c_bits=(c_bits[0], c_bits[1]),
        )

    @classmethod
    def parse(cls, text: str) -> Ax25Frame:
        """A UI frame from the monitor format ``SRC>DST[,DIGI...]:info``."""
        head, sep, info = text.partition(":")
        match = re.fullmatch(r"\s*([^>\s]+)>([^,\s]+)((?:,[^,\s]+)*)\s*", head)
        if not sep or not match:
            raise ConfigError(f"bad monitor-format frame {text!r}: expected SRC>DST[,DIGI...]:info")
        digis = tuple(Address.parse(d) for d in match.group(3).split(",")[1:])
        return cls(
            source=Address.parse(match.group(1)),
            destination=Address.parse(match.group(2)),
            digipeaters=digis,
            info=_unescape(info),
        )

    def __str__(self) -> str:
        path = "".join(f",{d}" for d in self.digipeaters)
        return f"{self.source}>{self.destination}{path}:{_escape(self.info)}"


def _escape(info: bytes) -> str:
    return "".join(chr(b) if 0x20 <= b < 0x7F else f"<0x{b:02x}>" for b in info)


def _unescape(text: str) -> bytes:
    out = bytearray()
    for part in re.split(r"(<0x[0-9a-fA-F]{2}>)", text):
        if re.fullmatch(r"<0x[0-9a-fA-F]{2}>", part):
            out.append(int(part[3:5], 16))
        else:
            try:
                out += part.encode("latin-1")
            except UnicodeEncodeError:
                out += part.encode("utf-8")
    return bytes(out)
