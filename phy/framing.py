"""PHY framing shared by every native profile: frame bits out, bursts of soft bits in.

Air format (bits, MSB first)::

    preamble: preamble_bits alternating 1,0,1,0,...
    sync word: profile.sync_bits bits of profile.sync_word
    PHY header: payload length in bytes (12 bits) as an extended Golay (24,12) codeword, twice
    payload: 8 * length bits

The header is soft-decoded by maximum likelihood over the 4096 codewords after adding the
two copies' LLRs (a rate-1/4 code on 12 bits), and rejected when its hard decisions differ
from the decoded codeword pair in more than ``max_header_errors`` of 48 bits: together with
the sync-word check this keeps false detections on noise rare (see ``docs/phy.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from phy.errors import ConfigError
from phy.profiles import Profile

__all__ = [
    "HEADER_BITS",
    "MAX_PAYLOAD_BYTES",
    "BitFramer",
    "FramedBits",
    "decode_header",
    "encode_header",
    "frame_bits",
    "golay24_encode",
]

HEADER_BITS = 48
MAX_PAYLOAD_BYTES = 4095
# late lock: the sync word's last LATE_TAIL_BITS exact, <= LATE_HEAD_ERRORS errors before them,
# and the header held to <= LATE_HEADER_ERRORS disagreements (random bits: p < 1.5e-6)
LATE_TAIL_BITS = 16
LATE_HEAD_ERRORS = 8
LATE_HEADER_ERRORS = 3
_GOLAY_POLY = 0xC75  # x^11 + x^10 + x^6 + x^5 + x^4 + x^2 + 1


def golay24_encode(data: int) -> int:
    """Extended Golay (24,12) codeword of a 12-bit value: data(12) | parity(11) | overall(1)."""
    if not 0 <= data < 4096:
        raise ConfigError(f"Golay data must be 12 bits, got {data}")
    remainder = data << 11
    for shift in range(22, 10, -1):
        if remainder & (1 << shift):
            remainder ^= _GOLAY_POLY << (shift - 11)
    word23 = (data << 11) | remainder
    return (word23 << 1) | (bin(word23).count("1") & 1)


@cache
def header_codebook() -> np.ndarray:
    """The header's 4096 Golay codewords as +-1 float32 rows (+1 for bit 0, matching the LLR
    sign), indexed by length."""
    words = np.array([golay24_encode(d) for d in range(4096)], dtype=np.int64)
    bits = (words[:, None] >> np.arange(23, -1, -1)) & 1
    return (1 - 2 * bits).astype(np.float32)


def _int_to_bits(value: int, n_bits: int) -> np.ndarray:
    return ((value >> np.arange(n_bits - 1, -1, -1)) & 1).astype(np.uint8)


def encode_header(payload_bytes: int) -> np.ndarray:
    """The 48 header bits for a payload of ``payload_bytes`` bytes."""
    if not 0 <= payload_bytes <= MAX_PAYLOAD_BYTES:
        raise ConfigError(f"payload of {payload_bytes} bytes; the PHY carries 0..4095")
    word = _int_to_bits(golay24_encode(payload_bytes), 24)
    return np.concatenate([word, word])


def decode_header(llrs: np.ndarray) -> tuple[int, int]:
    """(payload length in bytes, hard-bit disagreements of the 48) from 48 header LLRs."""
    llrs = np.asarray(llrs, dtype=np.float32)
    book = header_codebook()
    best = int(np.argmax(book @ (llrs[:24] + llrs[24:])))
    expected = np.tile(book[best] < 0, 2)
    errors = int(np.count_nonzero((llrs < 0) != expected))
    return best, errors


def frame_bits(profile: Profile, payload: bytes) -> np.ndarray:
    """All bits of one burst (preamble, sync word, header, payload) as uint8 0/1."""
    preamble = (np.arange(profile.preamble_bits) % 2 == 0).astype(np.uint8)
    sync = _int_to_bits(profile.sync_word, profile.sync_bits)
    data = np.unpackbits(np.frombuffer(bytes(payload), dtype=np.uint8))
    return np.concatenate([preamble, sync, encode_header(len(payload)), data])


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class FramedBits:
    """A burst found in a soft-bit stream, before modem statistics are attached."""

    llrs: np.ndarray  # payload LLRs
    sync_index: int  # stream index of the first sync-word bit
    sync_errors: int
    header_errors: int


class BitFramer:
    """Streaming sync-word search and burst collection over a soft-bit stream.

    ``push(llrs)`` takes the next soft bits of an endless stream and returns the bursts
    completed in them, each with the absolute stream index of its first sync-word bit (the
    modem maps it to a sample index). Memory is bounded by one maximal burst.

    Parameters
    ----------
    profile : the modem profile (sync word and length).
    max_sync_errors : hard-bit disagreements tolerated in the sync word.
    max_header_errors : hard-bit disagreements tolerated in the 48 header bits.
    max_payload_bytes : longer headers are treated as false detections.
    late_lock : also accept a sync word whose first bits are wrong because the demodulator
        was still acquiring (its last ``LATE_TAIL_BITS`` exact, at most ``LATE_HEAD_ERRORS``
        errors before them) when the header then has at most ``LATE_HEADER_ERRORS``
        disagreements (hits counted in ``late_hits`` too, bursts in ``late_locks``). On noise
        such hits occur ~9e-6 per bit and random headers pass with p < 1.5e-6: fewer false
        bursts than the main rule.
    """

    def __init__(
        self,
        *,
        profile: Profile,
        max_sync_errors: int = 3,
        max_header_errors: int = 8,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
        late_lock: bool = False,
    ) -> None:
        if not 0 <= max_sync_errors < profile.sync_bits // 4:
            raise ConfigError("max_sync_errors must be below a quarter of the sync word")
        self._profile = profile
        self._max_sync_errors = max_sync_errors
        self._max_header_errors = max_header_errors
        self._max_payload_bytes = min(max_payload_bytes, MAX_PAYLOAD_BYTES)
        self._late_lock = late_lock and profile.sync_bits > LATE_TAIL_BITS
        self._sync_array = _int_to_bits(profile.sync_word, profile.sync_bits).astype(bool)
        self.counters = {
            "sync_hits": 0,
            "header_rejects": 0,
            "bursts": 0,
            "abandoned": 0,
            "late_hits": 0,
            "late_locks": 0,
        }
        self.reset()

    def reset(self) -> None:
        self._buf = np.zeros(0, dtype=np.float32)
        self._buf_start = 0  # absolute stream index of self._buf[0]
        self._search_from = 0  # buffer index where the next sync search starts
        # (header start in buf, sync errors, found by the late-lock rule)
        self._pending: tuple[int, int, bool] | None = None

    @property
    def stream_index(self) -> int:
        """Absolute index of the next bit ``push`` will receive."""
        return self._buf_start + self._buf.size

    def push(self, llrs: np.ndarray, *, carrier_end: int | None = None) -> list[FramedBits]:
        """Take the next soft bits; return the bursts completed in them.

        ``carrier_end``: absolute stream index (of these or earlier bits) where the modem saw
        its carrier end. A payload being collected whose header precedes that index and
        whose announced end follows it cannot be what was sent (a garbled header announcing
        too long a payload): it is dropped (counted in ``abandoned``) and the search resumes
        at ``carrier_end``, so such a header no longer blinds the framer to the next bursts.
        Cost: O(len(llrs)) plus ~0.1 ms per sync-word hit.
        """
        from phy.dsp._kernels import sync_search

        self._buf = np.concatenate([self._buf, np.asarray(llrs, dtype=np.float32)])
        sync_bits = self._profile.sync_bits
        found: list[FramedBits] = []
        while True:
            if self._pending is None:
                n = self._buf.size
                out_pos = np.empty(max(n, 1), dtype=np.int64)
                out_err = np.empty(max(n, 1), dtype=np.int64)
                hits = sync_search(
                    self._buf,
                    self._search_from,
                    self._profile.sync_word,
                    sync_bits,
                    self._max_sync_errors,
                    out_pos,
                    out_err,
                )
                late = self._late_hit(int(out_pos[0]) if hits else n + 1)
                if late is not None:
                    self._pending = (late[0], late[1], True)
                    self.counters["late_hits"] += 1
                elif hits == 0:
                    self._search_from = max(n - sync_bits + 1, 0)
                    break
                else:
                    self._pending = (int(out_pos[0]), int(out_err[0]), False)
                self.counters["sync_hits"] += 1
            start, sync_errors, late = self._pending
            max_header_errors = LATE_HEADER_ERRORS if late else self._max_header_errors
            if self._buf.size < start + HEADER_BITS:
                break
            length, header_errors = decode_header(self._buf[start : start + HEADER_BITS])
            if header_errors > max_header_errors or length > self._max_payload_bytes:
                self.counters["header_rejects"] += 1
                self._pending = None
                self._search_from = start - sync_bits + 1
                continue
            end = start + HEADER_BITS + 8 * length
            if carrier_end is not None and start <= carrier_end - self._buf_start < end:
                self.counters["abandoned"] += 1
                self._pending = None
                self._search_from = max(carrier_end - self._buf_start, start - sync_bits + 1)
                carrier_end = None
                continue
            if self._buf.size < end:
                break
            found.append(
                FramedBits(
                    llrs=self._buf[start + HEADER_BITS : end].copy(),
                    sync_index=self._buf_start + start - sync_bits,
                    sync_errors=sync_errors,
                    header_errors=header_errors,
                )
            )
            self.counters["bursts"] += 1
            self.counters["late_locks"] += late
            self._pending = None
            self._search_from = end
        self._trim()
        return found

    def _late_hit(self, before: int) -> tuple[int, int] | None:
        """First late-lock sync word ending before buffer index ``before``: (end, errors)."""
        if not self._late_lock:
            return None
        n_sync = self._profile.sync_bits
        stop = min(before - 1, self._buf.size)  # last end index a hit may have
        if stop - self._search_from < n_sync:
            return None
        hard = self._buf[self._search_from : stop] < 0
        windows = np.lib.stride_tricks.sliding_window_view(hard, n_sync)
        wrong = windows != self._sync_array
        tail = wrong[:, n_sync - LATE_TAIL_BITS :].any(axis=1)
        head = np.count_nonzero(wrong[:, : n_sync - LATE_TAIL_BITS], axis=1)
        ok = np.flatnonzero(~tail & (head <= LATE_HEAD_ERRORS) & (head > self._max_sync_errors))
        if ok.size == 0:
            return None
        return self._search_from + int(ok[0]) + n_sync, int(head[ok[0]])

    def _trim(self) -> None:
        """Drop bits that no search or pending burst can still need."""
        keep_from = self._search_from
        if self._pending is not None:
            keep_from = min(keep_from, self._pending[0] - self._profile.sync_bits + 1)
        keep_from = max(keep_from, 0)
        if keep_from > 0:
            self._buf = self._buf[keep_from:]
            self._buf_start += keep_from
            self._search_from -= keep_from
            if self._pending is not None:
                start, errors, late = self._pending
                self._pending = (start - keep_from, errors, late)
