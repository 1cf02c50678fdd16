"""The FX.25 variant of the Astrocast satellites (decoded as gr-satellites does).

It differs from the FX.25 draft in three ways: its own 64-bit correlation tag, a CCSDS
Reed-Solomon (255,223) block in the dual basis (field polynomial 0x187, first root
alpha^(11*112), root step alpha^11), and a data part that holds an HDLC flag, the AX.25 frame
and its FCS byte-aligned without bit stuffing, then a flag. Bytes go LSB first and the line
is NRZI-coded, as in FX.25.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from mac.ax25._fcs import fcs_ok
from mac.ax25.fx25 import Fx25Frame, find_word

__all__ = ["AstrocastDecoder"]

_TAG = "0111010111111010110000011010001101011000110100000110010001110110"  # on-air order
_BLOCK_BYTES = 255
_CHECK_BYTES = 32
# CCSDS dual-basis transform (the columns of the conversion matrix, CCSDS 131.0-B).
_TAL = (0x8D, 0xEF, 0xEC, 0x86, 0xFA, 0x99, 0xAF, 0x7B)


@cache
def _basis_tables() -> tuple[bytes, bytes]:
    """(dual -> conventional, conventional -> dual) byte maps."""
    to_dual = bytearray(256)
    for value in range(256):
        for bit in range(8):
            if value & (1 << bit):
                to_dual[value] ^= _TAL[7 - bit]
    to_conventional = bytearray(256)
    for value, dual in enumerate(to_dual):
        to_conventional[dual] = value
    return bytes(to_conventional), bytes(to_dual)


@cache
def _ccsds_codec():
    import reedsolo

    reedsolo.init_tables(prim=0x187, generator=2, c_exp=8)
    root_step = reedsolo.gf_pow(2, 11)
    return reedsolo.RSCodec(_CHECK_BYTES, nsize=255, fcr=112, prim=0x187, generator=root_step)


def ccsds_rs_decode(block: bytes) -> tuple[bytes, int] | None:
    """(corrected dual-basis block, symbols corrected) or None."""
    import reedsolo

    to_conventional, to_dual = _basis_tables()
    try:
        decoded, _, errata = _ccsds_codec().decode(block.translate(to_conventional))
    except reedsolo.ReedSolomonError:
        return None
    return bytes(decoded).translate(to_dual), len(errata)


class AstrocastDecoder:
    """Streaming decoder of Astrocast FX.25 blocks over NRZI-decoded hard bits."""

    def __init__(self, *, max_tag_errors: int = 8) -> None:
        self._tag_word = int(_TAG, 2)
        self._max_tag_errors = max_tag_errors
        self.counters = {"tags": 0, "rs_failures": 0, "frames": 0, "no_frame": 0}
        self.reset()

    def reset(self) -> None:
        self._bits = np.zeros(0, dtype=np.uint8)
        self._start = 0

    def push(self, bits: np.ndarray, reliability: np.ndarray | None = None) -> list[Fx25Frame]:
        self._bits = np.concatenate([self._bits, np.asarray(bits, dtype=np.uint8)])
        found = []
        block_bits = 8 * _BLOCK_BYTES
        while self._bits.size >= 64:
            hit = find_word(self._bits, [self._tag_word], self._max_tag_errors)
            if hit is None:
                self._drop(self._bits.size - 63)
                break
            first = hit[1]
            if self._bits.size < first + block_bits:
                self._drop(first - 64)
                break
            self.counters["tags"] += 1
            frame = self._decode(self._bits[first : first + block_bits], self._start + first)
            if frame is not None:
                found.append(frame)
            self._drop(first + block_bits)
        return found

    def _drop(self, n: int) -> None:
        if n > 0:
            self._bits = self._bits[n:]
            self._start += n

    def _decode(self, bits: np.ndarray, first_bit: int) -> Fx25Frame | None:
        result = ccsds_rs_decode(np.packbits(bits, bitorder="little").tobytes())
        if result is None:
            self.counters["rs_failures"] += 1
            return None
        block, corrected = result
        data = block[: _BLOCK_BYTES - _CHECK_BYTES]
        if not data.startswith(b"\x7e") or b"\x7e" not in data[1:]:
            self.counters["no_frame"] += 1
            return None
        end = data.index(b"\x7e", 1)
        frame = data[1:end]
        if not fcs_ok(frame):
            self.counters["no_frame"] += 1
            return None
        self.counters["frames"] += 1
        return Fx25Frame(
            data=frame[:-2], tag=0x100, corrected_bytes=corrected, end_bit=first_bit + 8 * end
        )
