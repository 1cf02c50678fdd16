"""HDLC as AX.25 uses it: flags, bit stuffing, NRZI, FCS; a streaming deframer of soft bits.

Transmit: ``hdlc_encode(frame)`` gives the data bits (flags, stuffed frame + FCS, flags, LSB
first per byte) and ``nrzi_encode`` turns them into line levels (a 0 bit is a change of level,
a 1 bit keeps it).

Receive: ``HdlcDeframer.push(line_llrs)`` takes the line's soft bits (float32 LLRs, positive
means level 0) in any chunking, NRZI-decodes them, finds flags, removes stuffing, checks the
FCS and returns the frames that pass. Optional bit repair ("fix bits") flips one or two of the
least reliable bits of a frame whose FCS fails, using the CRC's linearity, and counts each use.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from mac.ax25._fcs import GOOD_RESIDUE, bit_syndromes, fcs, residue

__all__ = [
    "FLAG_BITS",
    "HdlcDeframer",
    "HdlcFrame",
    "hdlc_encode",
    "nrzi_decode",
    "nrzi_decode_soft",
    "nrzi_encode",
    "stuff_bits",
]

FLAG_BITS = np.array([0, 1, 1, 1, 1, 1, 1, 0], dtype=np.uint8)
MIN_FRAME_BYTES = 17  # two addresses, control, FCS
_FIX_CANDIDATES = 12  # least reliable bits considered by bit repair


def _bytes_to_bits_lsb(data: bytes) -> np.ndarray:
    return np.unpackbits(np.frombuffer(bytes(data), dtype=np.uint8), bitorder="little")


def stuff_bits(bits: np.ndarray) -> np.ndarray:
    """Insert a 0 after every run of five 1s."""
    out = []
    ones = 0
    for bit in bits.tolist():
        out.append(bit)
        ones = ones + 1 if bit else 0
        if ones == 5:
            out.append(0)
            ones = 0
    return np.array(out, dtype=np.uint8)


def hdlc_encode(frame: bytes, *, preamble_flags: int = 1, postamble_flags: int = 1) -> np.ndarray:
    """Data bits of one HDLC frame: flags, the stuffed frame and its FCS, flags."""
    check = fcs(frame)
    body = stuff_bits(_bytes_to_bits_lsb(bytes(frame) + bytes([check & 0xFF, check >> 8])))
    flags_in = np.tile(FLAG_BITS, max(preamble_flags, 1))
    flags_out = np.tile(FLAG_BITS, max(postamble_flags, 1))
    return np.concatenate([flags_in, body, flags_out])


def nrzi_encode(bits: np.ndarray, *, level: int = 0) -> np.ndarray:
    """Line levels: a 0 bit toggles the level, a 1 bit keeps it (start after ``level``)."""
    toggles = np.cumsum(1 - np.asarray(bits, dtype=np.int64))
    return ((toggles + level) % 2).astype(np.uint8)


def nrzi_decode(levels: np.ndarray, *, previous: int = 0) -> np.ndarray:
    """Inverse of ``nrzi_encode`` on hard levels."""
    levels = np.asarray(levels, dtype=np.uint8)
    before = np.concatenate([[previous], levels[:-1]]).astype(np.uint8)
    return (levels == before).astype(np.uint8)


def nrzi_decode_soft(llrs: np.ndarray, previous_llr: float) -> tuple[np.ndarray, np.ndarray]:
    """(bits, reliabilities) of line LLRs: a bit is 1 where the level stays, and is as
    reliable as the weaker of its two line bits. ``previous_llr`` is the line bit before."""
    before = np.concatenate([[np.float32(previous_llr)], llrs[:-1]])
    bits = ((llrs < 0) == (before < 0)).astype(np.uint8)
    return bits, np.minimum(np.abs(llrs), np.abs(before))


@dataclass(frozen=True, slots=True, kw_only=True)
class HdlcFrame:
    """A frame whose FCS passed: ``data`` without the FCS."""

    data: bytes
    end_bit: int  # stream index (line bits) of the closing flag's last bit
    fixed_bits: int = 0  # bits flipped by repair (0 when the frame arrived intact)


class HdlcDeframer:
    """Streaming HDLC receiver over line soft bits (NRZI-coded).

    Parameters
    ----------
    max_frame_bytes : longer runs between flags are dropped (bounds memory).
    fix_bits : 0 (off), 1 (repair one bit) or 2 (one or two bits) among the
        ``_FIX_CANDIDATES`` least reliable bits of a frame whose FCS fails.
    nrzi : False for streams that are already NRZI-decoded (e.g. FX.25 blocks).
    """

    def __init__(self, *, max_frame_bytes: int = 2100, fix_bits: int = 0, nrzi: bool = True):
        if fix_bits not in (0, 1, 2):
            raise ValueError("fix_bits must be 0, 1 or 2")
        self._max_bits = 8 * (max_frame_bytes + 2) * 6 // 5 + 16
        self._fix_bits = fix_bits
        self._nrzi = nrzi
        self.counters = {"frames": 0, "fcs_errors": 0, "aborts": 0, "misaligned": 0, "fixed": 0}
        self.reset()

    def reset(self) -> None:
        self._prev_llr = np.float32(1.0)
        self._bits = np.zeros(0, dtype=np.uint8)
        self._rel = np.zeros(0, dtype=np.float32)
        self._start = 0  # stream index of self._bits[0]

    def push(self, llrs: np.ndarray) -> list[HdlcFrame]:
        """Frames completed by these line soft bits."""
        llrs = np.nan_to_num(np.asarray(llrs, dtype=np.float32))
        if llrs.size == 0:
            return []
        if self._nrzi:
            bits, rel = nrzi_decode_soft(llrs, self._prev_llr)
            self._prev_llr = llrs[-1]
        else:
            bits = (llrs < 0).astype(np.uint8)
            rel = np.abs(llrs)
        return self.push_bits(bits, rel)

    def push_bits(self, bits: np.ndarray, rel: np.ndarray) -> list[HdlcFrame]:
        """Frames completed by already NRZI-decoded bits with their reliabilities."""
        self._bits = np.concatenate([self._bits, bits])
        self._rel = np.concatenate([self._rel, rel])
        return self._scan()

    def _scan(self) -> list[HdlcFrame]:
        bits = self._bits
        frames: list[HdlcFrame] = []
        if bits.size < 8:
            return frames
        windows = np.lib.stride_tricks.sliding_window_view(bits, 8)
        flags = np.flatnonzero((windows == FLAG_BITS).all(axis=1))
        for a, b in itertools.pairwise(flags):
            start, stop = a + 8, b
            if stop - start >= 8 * MIN_FRAME_BYTES:
                frame = self._segment(start, stop)
                if frame is not None:
                    frames.append(frame)
        keep = flags[-1] if flags.size else max(bits.size - 7, 0)
        if bits.size - keep > self._max_bits:
            keep = bits.size - 7
        self._bits = bits[keep:]
        self._rel = self._rel[keep:]
        self._start += keep
        return frames

    def _segment(self, start: int, stop: int) -> HdlcFrame | None:
        bits = self._bits[start:stop]
        rel = self._rel[start:stop]
        # Run length of 1s ending at each bit; a 0 after exactly five 1s is stuffing.
        index = np.arange(bits.size)
        last_zero = np.maximum.accumulate(np.where(bits == 0, index, -1))
        ones = index - last_zero
        if ones.max(initial=0) >= 6:
            self.counters["aborts"] += 1
            return None
        stuffed = np.zeros(bits.size, dtype=bool)
        stuffed[1:] = (bits[1:] == 0) & (ones[:-1] == 5)
        data_bits = bits[~stuffed]
        data_rel = rel[~stuffed]
        if data_bits.size % 8:
            self.counters["misaligned"] += 1
            return None
        data = np.packbits(data_bits, bitorder="little").tobytes()
        end_bit = self._start + stop + 7
        if residue(data) == GOOD_RESIDUE:
            self.counters["frames"] += 1
            return HdlcFrame(data=data[:-2], end_bit=end_bit)
        self.counters["fcs_errors"] += 1
        if self._fix_bits:
            return self._repair(data, data_rel, end_bit)
        return None

    def _repair(self, data: bytes, rel: np.ndarray, end_bit: int) -> HdlcFrame | None:
        syndromes = bit_syndromes(len(data))
        target = residue(data) ^ GOOD_RESIDUE
        weakest = np.argsort(rel, kind="stable")[:_FIX_CANDIDATES]
        flips: tuple[int, ...] | None = None
        for i in weakest:
            if syndromes[i] == target:
                flips = (int(i),)
                break
        if flips is None and self._fix_bits == 2:
            for k, i in enumerate(weakest):
                for j in weakest[k + 1 :]:
                    if syndromes[i] ^ syndromes[j] == target:
                        flips = (int(i), int(j))
                        break
                if flips:
                    break
        if flips is None:
            return None
        fixed = bytearray(data)
        for i in flips:
            fixed[i // 8] ^= 1 << (i % 8)
        self.counters["fixed"] += 1
        self.counters["frames"] += 1
        return HdlcFrame(data=bytes(fixed[:-2]), end_bit=end_bit, fixed_bits=len(flips))
