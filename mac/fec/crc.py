"""Frame check sequences.

* CRC-32: the IEEE 802.3 / zlib CRC (reflected polynomial 0xEDB88320, init and final XOR
  0xFFFFFFFF; check value of ``b"123456789"`` is 0xCBF43926), sent big-endian.
* CRC-16/CCITT-FALSE for the MAC header: polynomial 0x1021, init 0xFFFF, not reflected, no
  final XOR (check value 0x29B1), sent big-endian.
"""

from __future__ import annotations

import binascii
import zlib
from functools import cache

import numpy as np

__all__ = ["crc16", "crc16_rows", "crc32"]


def crc32(data: bytes) -> int:
    """CRC-32 of ``data`` (zlib's)."""
    return zlib.crc32(data) & 0xFFFFFFFF


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE of ``data``."""
    return binascii.crc_hqx(data, 0xFFFF)


@cache
def _crc16_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint16)
    for b in range(256):
        c = b << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x1021) if c & 0x8000 else (c << 1)
        table[b] = c & 0xFFFF
    return table


def crc16_rows(rows: np.ndarray) -> np.ndarray:
    """CRC-16/CCITT-FALSE of every row of a 2-D uint8 array (uint16 per row), vectorised
    over rows: cost O(rows * columns) NumPy operations in ``columns`` passes."""
    rows = np.asarray(rows, dtype=np.uint8)
    table = _crc16_table()
    crc = np.full(rows.shape[0], 0xFFFF, dtype=np.uint16)
    for col in range(rows.shape[1]):
        idx = ((crc >> 8) ^ rows[:, col]).astype(np.uint8)
        crc = ((crc << 8) & 0xFFFF).astype(np.uint16) ^ table[idx]
    return crc
