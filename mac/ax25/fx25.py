"""FX.25: AX.25 frames wrapped in Reed-Solomon blocks behind a 64-bit correlation tag.

On air (before NRZI): a correlation tag (64 bits, least significant bit first), then the
block's data part (``k_radio`` bytes: an HDLC flag, the bit-stuffed frame and FCS, a flag, and
the flag pattern continued to fill the block; each byte LSB first), then the check bytes. The
Reed-Solomon code is the one of the FX.25 draft and Dire Wolf: GF(2^8) with polynomial 0x11d,
first consecutive root alpha^1, generator alpha = 2 (``mac.fec``'s Numba codec with fcr=1); a
shortened block is coded as its data followed by zeros up to the full code's data length.
Because the data part starts with a flag and holds an ordinary HDLC frame, a plain AX.25
receiver decodes it too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mac.ax25._fcs import fcs
from mac.ax25.hdlc import FLAG_BITS, HdlcDeframer, HdlcFrame, stuff_bits
from phy.errors import ConfigError

__all__ = ["TAGS", "Fx25Decoder", "Fx25Tag", "fx25_encode", "pick_tag"]


@dataclass(frozen=True, slots=True)
class Fx25Tag:
    number: int
    value: int
    n_radio: int  # bytes sent after the tag
    k_radio: int  # data bytes sent
    check_bytes: int

    @property
    def k_rs(self) -> int:
        return 255 - self.check_bytes


TAGS: tuple[Fx25Tag, ...] = (
    Fx25Tag(0x01, 0xB74DB7DF8A532F3E, 255, 239, 16),
    Fx25Tag(0x02, 0x26FF60A600CC8FDE, 144, 128, 16),
    Fx25Tag(0x03, 0xC7DC0508F3D9B09E, 80, 64, 16),
    Fx25Tag(0x04, 0x8F056EB4369660EE, 48, 32, 16),
    Fx25Tag(0x05, 0x6E260B1AC5835FAE, 255, 223, 32),
    Fx25Tag(0x06, 0xFF94DC634F1CFF4E, 160, 128, 32),
    Fx25Tag(0x07, 0x1EB7B9CDBC09C00E, 96, 64, 32),
    Fx25Tag(0x08, 0xDBF869BD2DBB1776, 64, 32, 32),
    Fx25Tag(0x09, 0x3ADB0C13DEAE2836, 255, 191, 64),
    Fx25Tag(0x0A, 0xAB69DB6A543188D6, 192, 128, 64),
    Fx25Tag(0x0B, 0x4A4ABEC4A724B796, 128, 64, 64),
)


_FCR = 1  # FX.25's first consecutive root: alpha^1 (reedsolo: fcr=1, prim 0x11d, generator 2)


def _rs_decode(check_bytes: int, codeword: bytes, erasures: list[int]):
    """(corrected message, corrected byte count) or None when the block cannot be corrected.

    The Numba codec of ``mac.fec`` (bit-exact with ``reedsolo``), which unlike ``reedsolo``
    never returns a word beyond the code's correction radius.
    """
    from mac.fec import rs_decode

    decoded, corrected = rs_decode(codeword, nsym=check_bytes, erase_pos=erasures, fcr=_FCR)
    return None if decoded is None else (decoded, corrected)


def time_order_word(bits: np.ndarray) -> int:
    """A bit sequence (first sent first) as the integer ``phy``'s sync search compares."""
    return int("".join(str(int(b)) for b in bits), 2)


def find_word(bits: np.ndarray, words: list[int], max_errors: int) -> tuple[int, int] | None:
    """(index into ``words``, end index) of the earliest 64-bit word in ``bits``, or None.

    Uses the shift-register sync search kernel of ``phy.dsp`` (O(len(bits)) per word).
    """
    from phy.dsp._kernels import sync_search

    if bits.size < 64:
        return None
    llrs = 1.0 - 2.0 * bits.astype(np.float32)
    positions = np.empty(bits.size, dtype=np.int64)
    errors = np.empty(bits.size, dtype=np.int64)
    best = None
    for k, word in enumerate(words):
        found = sync_search(llrs, 0, np.uint64(word), 64, max_errors, positions, errors)
        if found and (best is None or positions[0] < best[1]):
            best = (k, int(positions[0]))
    return best


def _frames_in(data: bytes) -> list[HdlcFrame]:
    """HDLC frames in a corrected data block (already NRZI-decoded)."""
    bits = np.unpackbits(np.frombuffer(data, np.uint8), bitorder="little")
    return HdlcDeframer(nrzi=False).push((1.0 - 2.0 * bits).astype(np.float32))


def _lsb_bits(data: bytes) -> np.ndarray:
    return np.unpackbits(np.frombuffer(bytes(data), dtype=np.uint8), bitorder="little")


def _tag_bits(value: int) -> np.ndarray:
    return _lsb_bits(value.to_bytes(8, "little"))


def _data_block(frame: bytes) -> np.ndarray:
    check = fcs(frame)
    body = stuff_bits(_lsb_bits(bytes(frame) + bytes([check & 0xFF, check >> 8])))
    return np.concatenate([FLAG_BITS, body, FLAG_BITS])


def pick_tag(data_bytes: int, check_bytes: int) -> Fx25Tag:
    """The smallest block with ``check_bytes`` check bytes that holds ``data_bytes``."""
    if check_bytes not in (16, 32, 64):
        raise ConfigError(f"FX.25 check bytes must be 16, 32 or 64, got {check_bytes}")
    fitting = [t for t in TAGS if t.check_bytes == check_bytes and t.k_radio >= data_bytes]
    if not fitting:
        raise ConfigError(
            f"frame too long for FX.25 with {check_bytes} check bytes "
            f"({data_bytes} bytes after stuffing); use fewer check bytes or plain AX.25"
        )
    return min(fitting, key=lambda t: t.k_radio)


def fx25_encode(frame: bytes, *, check_bytes: int = 16) -> np.ndarray:
    """Data bits (before NRZI) of one FX.25 block: tag, data block, check bytes."""
    block_bits = _data_block(frame)
    n_bytes = -(-block_bits.size // 8)
    tag = pick_tag(n_bytes, check_bytes)
    fill = np.resize(FLAG_BITS, 8 * tag.k_radio - block_bits.size)  # flag pattern continues
    data = np.packbits(np.concatenate([block_bits, fill]), bitorder="little").tobytes()
    from mac.fec import rs_encode

    codeword = rs_encode(data + bytes(tag.k_rs - tag.k_radio), nsym=check_bytes, fcr=_FCR)
    check = codeword[-check_bytes:]
    return np.concatenate([_tag_bits(tag.value), _lsb_bits(data), _lsb_bits(check)])


@dataclass(frozen=True, slots=True, kw_only=True)
class Fx25Frame:
    data: bytes  # AX.25 frame without FCS
    tag: int
    corrected_bytes: int
    end_bit: int  # stream index of the inner frame's closing flag, as a plain receiver sees it


class Fx25Decoder:
    """Streaming FX.25 receiver over NRZI-decoded hard bits.

    Looks for any correlation tag within ``max_tag_errors`` bits, collects the block, corrects
    it with Reed-Solomon and takes the HDLC frame out of its data part.
    """

    def __init__(self, *, max_tag_errors: int = 6) -> None:
        self._max_tag_errors = max_tag_errors
        self._tag_words = [time_order_word(_tag_bits(t.value)) for t in TAGS]
        self.counters = {"tags": 0, "rs_failures": 0, "frames": 0, "no_frame": 0}
        self.reset()

    def reset(self) -> None:
        self._bits = np.zeros(0, dtype=np.uint8)
        self._rel = np.zeros(0, dtype=np.float32)
        self._start = 0
        self._pending: tuple[Fx25Tag, int] | None = None  # tag, index of first block bit

    def push(self, bits: np.ndarray, reliability: np.ndarray | None = None) -> list[Fx25Frame]:
        """Frames completed by these bits; ``reliability`` (e.g. |LLR| per bit) enables
        erasure decoding of the least reliable bytes when plain decoding fails."""
        bits = np.asarray(bits, dtype=np.uint8)
        rel = np.ones(bits.size, np.float32) if reliability is None else reliability
        self._bits = np.concatenate([self._bits, bits])
        self._rel = np.concatenate([self._rel, np.asarray(rel, dtype=np.float32)])
        found: list[Fx25Frame] = []
        while True:
            if self._pending is None:
                hit = self._find_tag()
                if hit is None:
                    keep = max(self._bits.size - 63, 0)
                    self._drop(keep)
                    break
                self._pending = hit
            tag, first = self._pending
            end = first + 8 * tag.n_radio
            if self._bits.size < end:
                self._drop(first - 64)
                break
            frame = self._decode_block(
                tag, self._bits[first:end], self._rel[first:end], self._start + first
            )
            if frame is not None:
                found.append(frame)
            self._pending = None
            self._drop(end)
        return found

    def _drop(self, n: int) -> None:
        n = max(n, 0)
        if n:
            self._bits = self._bits[n:]
            self._rel = self._rel[n:]
            self._start += n
            if self._pending is not None:
                self._pending = (self._pending[0], self._pending[1] - n)

    def _find_tag(self) -> tuple[Fx25Tag, int] | None:
        """The earliest tag (and its end) in the buffer, within ``max_tag_errors`` bits."""
        hit = find_word(self._bits, self._tag_words, self._max_tag_errors)
        if hit is None:
            return None
        self.counters["tags"] += 1
        k, end = hit
        return TAGS[k], end

    def _decode_block(
        self, tag: Fx25Tag, bits: np.ndarray, rel: np.ndarray, first_bit: int
    ) -> Fx25Frame | None:
        block = np.packbits(bits, bitorder="little").tobytes()
        data, check = block[: tag.k_radio], block[tag.k_radio :]
        codeword = data + bytes(tag.k_rs - tag.k_radio) + check
        byte_rel = rel.reshape(-1, 8).min(axis=1)
        # Sent-block byte i sits at codeword position i (data) or i + shortening (check).
        positions = np.arange(tag.n_radio)
        positions[tag.k_radio :] += tag.k_rs - tag.k_radio
        weakest = positions[np.argsort(byte_rel, kind="stable")]
        deframed = None
        decoded_any = False
        for n_erasures in range(tag.check_bytes + 1):  # Numba RS: ~10 us per attempt
            result = _rs_decode(tag.check_bytes, codeword, sorted(weakest[:n_erasures].tolist()))
            if result is not None:
                decoded_any = True
                frames = _frames_in(bytes(result[0][: tag.k_radio]))
                if frames:
                    deframed = frames[0], result[1]
                    break
            if np.all(byte_rel == byte_rel[0]):
                break  # no reliability information: erasures cannot help
        if deframed is None:
            self.counters["no_frame" if decoded_any else "rs_failures"] += 1
            return None
        frame, corrected = deframed
        self.counters["frames"] += 1
        return Fx25Frame(
            data=frame.data,
            tag=tag.number,
            corrected_bytes=corrected,
            end_bit=first_bit + frame.end_bit,
        )
