"""PN9 whitening of the bits on the air.

LFSR with polynomial ``x^9 + x^5 + 1``, state ``s`` (9 bits) reset to ``0x1FF`` at the first
bit of the PHY payload. For each bit: the whitening bit is ``s & 1``; then
``s = (s >> 1) | (((s ^ (s >> 5)) & 1) << 8)``. Bit ``k`` on the air is the coded bit ``k``
XOR whitening bit ``k``; in the LLR domain whitening flips the sign where that bit is 1.
The sequence has period 511 and begins ``ff 87 b8 59 ...`` packed MSB first (the CC1101 /
SX127x PN9 sequence, which those radios send LSB first as ``ff e1 1d 9a``).
"""

from __future__ import annotations

from functools import cache

import numpy as np

__all__ = ["PN9_SEED", "dewhiten_llrs", "pn9_bits", "whiten_bits"]

PN9_SEED = 0x1FF


@cache
def _period() -> np.ndarray:
    out = np.empty(511, dtype=np.uint8)
    s = PN9_SEED
    for k in range(511):
        out[k] = s & 1
        s = (s >> 1) | (((s ^ (s >> 5)) & 1) << 8)
    out.setflags(write=False)
    return out


def pn9_bits(n_bits: int) -> np.ndarray:
    """The first ``n_bits`` whitening bits (uint8 0/1)."""
    reps = -(-n_bits // 511) if n_bits > 0 else 0
    return np.tile(_period(), reps)[:n_bits]


def whiten_bits(bits: np.ndarray) -> np.ndarray:
    """Bits XOR the PN9 sequence (whitening and de-whitening are the same operation)."""
    bits = np.asarray(bits, dtype=np.uint8)
    return bits ^ pn9_bits(bits.size)


def dewhiten_llrs(llrs: np.ndarray) -> np.ndarray:
    """LLRs of the de-whitened bits (sign flipped where the PN9 bit is 1), float32."""
    llrs = np.asarray(llrs, dtype=np.float32)
    return np.where(pn9_bits(llrs.size) == 1, -llrs, llrs).astype(np.float32)
