"""The AX.25 frame check sequence: CRC-16-CCITT, reflected, init 0xFFFF, final XOR 0xFFFF.

The FCS goes on air low byte first. Because the CRC is linear, the change in the FCS check
caused by flipping bit ``i`` of a frame does not depend on the frame's contents; ``bit_syndromes``
gives those changes so that bit repair can find one or two flipped bits in O(n) instead of
trying every pair.
"""

from __future__ import annotations

from functools import cache

import numpy as np

__all__ = ["GOOD_RESIDUE", "bit_syndromes", "fcs", "fcs_ok", "residue"]

_POLY_REFLECTED = 0x8408
#: CRC register after running over a frame followed by its correct FCS (before the final XOR).
GOOD_RESIDUE = 0xF0B8


@cache
def _table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY_REFLECTED if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


def residue(data: bytes, crc: int = 0xFFFF) -> int:
    """The CRC register after ``data`` (no final XOR)."""
    table = _table()
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


def fcs(data: bytes) -> int:
    """The 16-bit FCS of ``data`` (send ``fcs & 0xFF`` first)."""
    return residue(data) ^ 0xFFFF


def fcs_ok(frame_with_fcs: bytes) -> bool:
    """True when the last two bytes are the correct FCS of the rest."""
    return len(frame_with_fcs) >= 3 and residue(frame_with_fcs) == GOOD_RESIDUE


@cache
def bit_syndromes(n_bytes: int) -> np.ndarray:
    """``s[i]``: XOR change of ``residue(frame)`` when bit ``i`` (LSB-first order) flips."""
    base = residue(bytes(n_bytes))
    out = np.empty(8 * n_bytes, dtype=np.int64)
    buf = bytearray(n_bytes)
    for i in range(8 * n_bytes):
        buf[i // 8] = 1 << (i % 8)
        out[i] = residue(bytes(buf)) ^ base
        buf[i // 8] = 0
    return out
