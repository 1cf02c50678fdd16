"""AX.25 addresses (callsign-SSID) and their 7-byte on-air form."""

from __future__ import annotations

import re
from dataclasses import dataclass

from phy.errors import ConfigError

__all__ = ["Address"]

_CALL_RE = re.compile(r"^([A-Z0-9]{1,6})(?:-(\d{1,2}))?(\*?)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Address:
    """A station address. ``repeated`` is the H bit of a digipeater (printed as ``*``)."""

    callsign: str
    ssid: int = 0
    repeated: bool = False
    command: bool = False  # the C bit (destination/source); kept so frames round-trip
    reserved_bits: int = 0b11  # the two RR bits, normally 1

    def __post_init__(self) -> None:
        if not 0 <= self.ssid <= 15:
            raise ConfigError(f"SSID {self.ssid} out of range 0..15 in {self.callsign}")
        if not 1 <= len(self.callsign) <= 6:
            raise ConfigError(f"callsign {self.callsign!r} must have 1..6 characters")

    @classmethod
    def parse(cls, text: str) -> Address:
        """``"N0CALL-7"`` or ``"WIDE1-1*"`` (``*`` = has been repeated)."""
        match = _CALL_RE.match(text.strip().upper())
        if not match:
            raise ConfigError(
                f"bad AX.25 address {text!r}: expected CALL or CALL-SSID (1-6 letters/digits, "
                "SSID 0-15)"
            )
        ssid = int(match.group(2) or 0)
        return cls(callsign=match.group(1), ssid=ssid, repeated=bool(match.group(3)))

    def __str__(self) -> str:
        text = self.callsign if self.ssid == 0 else f"{self.callsign}-{self.ssid}"
        return text + ("*" if self.repeated else "")

    def encode(self, *, last: bool, h_or_c: bool) -> bytes:
        """Seven bytes: six shifted characters, then ``C/H RR SSID last``."""
        chars = self.callsign.ljust(6).encode("ascii")
        body = bytes(c << 1 for c in chars)
        flag = 0x80 if h_or_c else 0
        return body + bytes([flag | (self.reserved_bits << 5) | (self.ssid << 1) | int(last)])

    @classmethod
    def decode(cls, raw: bytes) -> tuple[Address, bool, bool]:
        """(address, C/H bit, extension bit) from seven bytes; ValueError if malformed."""
        if len(raw) != 7:
            raise ValueError("address needs 7 bytes")
        if any(b & 1 for b in raw[:6]):
            raise ValueError("extension bit set inside a callsign")
        chars = bytes(b >> 1 for b in raw[:6]).decode("ascii").rstrip(" ")
        if not chars or not all(0x20 <= ord(c) < 0x7F for c in chars):
            raise ValueError("callsign characters must be printable")
        last = raw[6]
        address = cls(
            callsign=chars,
            ssid=(last >> 1) & 0x0F,
            reserved_bits=(last >> 5) & 0b11,
        )
        return address, bool(last & 0x80), bool(last & 1)
