"""Selective-acknowledgement bitmap carried in the payload of ACK (and NACK) frames.

The header's ``ack`` field is the next sequence number the receiver expects (every earlier
one arrived). The payload may add a bitmap: bit ``i`` (MSB first, byte 0 first) set means
frame ``(ack + 1 + i) mod 256`` arrived too. Trailing zero bytes are not sent; an empty
payload is a plain cumulative ACK. At most 32 bytes (256 - 1 sequence numbers).
"""

from __future__ import annotations

from collections.abc import Iterable

from phy.errors import ConfigError

__all__ = ["MAX_SACK_BYTES", "decode_sack", "encode_sack"]

MAX_SACK_BYTES = 32
_MODULUS = 256


def encode_sack(ack: int, received: Iterable[int]) -> bytes:
    """Bitmap bytes for the sequence numbers in ``received`` beyond ``ack`` (mod 256)."""
    if not 0 <= ack < _MODULUS:
        raise ConfigError(f"ack={ack} outside 0..255")
    bitmap = bytearray(MAX_SACK_BYTES)
    for seq in received:
        offset = (int(seq) - ack - 1) % _MODULUS
        if offset < _MODULUS - 1:
            bitmap[offset // 8] |= 0x80 >> (offset % 8)
    return bytes(bitmap).rstrip(b"\0")


def decode_sack(ack: int, payload: bytes) -> list[int]:
    """Sequence numbers the bitmap marks as received (bytes beyond 32 are ignored)."""
    out = []
    for index, byte in enumerate(bytes(payload[:MAX_SACK_BYTES])):
        for bit in range(8):
            offset = 8 * index + bit
            if byte & (0x80 >> bit) and offset < _MODULUS - 1:
                out.append((ack + 1 + offset) % _MODULUS)
    return out
