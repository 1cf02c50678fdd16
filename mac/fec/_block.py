"""The payload block code of a frame: FEC levels ``none``, ``rs``, ``conv``, ``rs+conv``.

Encoding (``B`` = block bytes: payload then CRC-32)::

    none     bits of the B bytes
    rs       the B bytes split into ceil(B / 223) near-equal chunks (longest first), each
             an RS codeword (chunk then 32 parity bytes); the codewords byte-interleaved
             (byte 0 of each, then byte 1 of each, ...; see rs_stream_order); their bits
    conv     bits of the B bytes + 6 zero tail bits, rate-1/2 K=7 coded, block-interleaved
    rs+conv  the rs codewords' bits + 6 tail bits, coded and interleaved as conv

Decoding takes the block's LLRs (de-whitened) and returns the B bytes or a failure. With
``erasures=True`` an RS codeword that fails errors-only decoding is retried with its 2, 4,
..., 24 least reliable bytes erased (generalised minimum distance decoding; reliability: the
smallest |LLR| of the byte's bits for ``rs``; for ``rs+conv`` the smallest a-posteriori LLR
of the byte's Viterbi-decoded bits from a log-MAP (BCJR) pass, computed only when a codeword
fails); the frame CRC-32 then guards against the rare miscorrection. For ``rs+conv`` the
codewords that decode pin their bits in a new decoding pass, which helps the others
(iterative decoding between the inner and outer codes); when every codeword fails, two
Chase searches (erasure patterns around the GMD ones; the Viterbi path forced off its
weakest bits) look for one codeword that, pinned, lets the others decode. docs/fec.md
gives the measurements behind every constant below.
"""

from __future__ import annotations

import copy
import enum
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache, partial

import numpy as np

from mac.fec._gf import FCR, rs_tables
from mac.fec.conv import (
    CONV_TAIL_BITS,
    bcjr_decode,
    conv_encode,
    viterbi_decode,
    viterbi_decode_soft,
)
from mac.fec.interleave import deinterleave, interleave
from mac.fec.rs import RS_NSYM, rs_chunk_sizes, rs_decode_array, rs_encode
from phy.errors import ConfigError

__all__ = [
    "BlockResult",
    "FecLevel",
    "coded_bits",
    "decode_block",
    "encode_block",
    "rs_stream_order",
]

#: Erasure counts tried, in order, on a codeword that errors-only decoding failed (GMD).
#: Beyond 24 erasures (at most 4 errors left to find) miscorrections become frequent.
ERASURE_STEPS = tuple(range(2, 25, 2))
CHASE_WINDOW = 8
CHASE_WINDOW_2 = 6
PIN_ITERATIONS = 2
CHASE_MAX_ERRORS = 20.0
CHASE_MAX_CANDIDATES = 4
FLIP_EVENTS = 24
FLIP_PAIRS = 8
FLIP_THRESHOLD = 3.0
FLIP_GAP = 6
FLIP_MAX_CODEWORDS = 2


class FecLevel(enum.IntEnum):
    """Payload FEC level; the value is the 4-bit code in the MAC header."""

    NONE = 0
    RS = 1
    CONV = 2
    RS_CONV = 3

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def uses_rs(self) -> bool:
        return self in (FecLevel.RS, FecLevel.RS_CONV)

    @property
    def uses_conv(self) -> bool:
        return self in (FecLevel.CONV, FecLevel.RS_CONV)

    @classmethod
    def parse(cls, value: FecLevel | str | int) -> FecLevel:
        """A level from its label (``"none"``, ``"rs"``, ``"conv"``, ``"rs+conv"``) or code."""
        if isinstance(value, str):
            for level, label in _LABELS.items():
                if value.lower() == label:
                    return level
            raise ConfigError(f"unknown FEC level {value!r}; choose one of {', '.join(LABELS)}")
        try:
            return cls(int(value))
        except ValueError:
            raise ConfigError(f"unknown FEC level code {value!r}; codes are 0..3") from None


_LABELS = {
    FecLevel.NONE: "none",
    FecLevel.RS: "rs",
    FecLevel.CONV: "conv",
    FecLevel.RS_CONV: "rs+conv",
}
LABELS = tuple(_LABELS.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockResult:
    """Decoded block bytes (None when the FEC failed) and RS statistics."""

    data: bytes | None
    rs_corrected: int = 0  # bytes corrected by RS over all codewords
    rs_erasures: int = 0  # bytes erased in the retries that succeeded


def _rs_bytes(n_bytes: int) -> int:
    return n_bytes + RS_NSYM * len(rs_chunk_sizes(n_bytes))


def coded_bits(n_bytes: int, level: FecLevel) -> int:
    """Coded bits of an ``n_bytes`` block at ``level`` (before padding to a byte)."""
    inner = _rs_bytes(n_bytes) if level.uses_rs else n_bytes
    if level.uses_conv:
        return 2 * (8 * inner + CONV_TAIL_BITS)
    return 8 * inner


def encode_block(data: bytes, level: FecLevel) -> np.ndarray:
    """Coded bits (uint8 0/1, air order before whitening) of one block."""
    data = bytes(data)
    if level.uses_rs:
        parts, at = [], 0
        for size in rs_chunk_sizes(len(data)):
            parts.append(rs_encode(data[at : at + size], nsym=RS_NSYM))
            at += size
        concat = np.frombuffer(b"".join(parts), dtype=np.uint8)
        data = concat[rs_stream_order(len(data))].tobytes()
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8))
    if level.uses_conv:
        return interleave(conv_encode(bits))
    return bits


def _bit_reliability_app(code: np.ndarray, known, bits: np.ndarray) -> np.ndarray:
    """Per decoded bit, its a-posteriori LLR in favour of the value the Viterbi decoder
    chose (log-MAP; negative where the bit-wise MAP decision disagrees)."""
    return bcjr_decode(code, known) * (1 - 2 * bits.astype(np.float32))


@lru_cache(maxsize=256)
def rs_stream_order(n_bytes: int) -> np.ndarray:
    """Byte interleaving of the RS codewords of an ``n_bytes`` block: stream byte ``k`` is
    byte ``order[k]`` of the codewords laid end to end. The stream takes byte 0 of every
    codeword, then byte 1 of every codeword, ... (shorter codewords drop out at their end)."""
    lengths = [size + RS_NSYM for size in rs_chunk_sizes(n_bytes)]
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    order = [
        offsets[i] + col
        for col in range(max(lengths))
        for i in range(len(lengths))
        if col < lengths[i]
    ]
    out = np.array(order, dtype=np.int64)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=16)
def _erasure_sets(n: int, chase: bool) -> tuple[np.ndarray, np.ndarray]:
    """Erasure sets for an ``n``-byte codeword as (positions in reliability order, padded;
    sizes). GMD: the ``ERASURE_STEPS`` least reliable bytes. Chase: each GMD set with one,
    then (for 12 or more erasures) two, of its most reliable members swapped for as many of
    the next bytes (windows ``CHASE_WINDOW`` and ``CHASE_WINDOW_2``). Cached per (n, chase):
    the constants are read on first use."""
    sets = []
    for count in ERASURE_STEPS:
        if count >= n:
            break
        if not chase:
            sets.append(list(range(count)))
            continue
        for out in range(max(0, count - CHASE_WINDOW), count):
            for extra in range(count, min(n, count + CHASE_WINDOW)):
                sets.append([*range(out), *range(out + 1, count), extra])
    if chase:
        for count in (c for c in ERASURE_STEPS if 12 <= c < n):
            low = range(max(0, count - CHASE_WINDOW_2), count)
            high = range(count, min(n, count + CHASE_WINDOW_2))
            for outs in itertools.combinations(low, 2):
                for extras in itertools.combinations(high, 2):
                    sets.append([k for k in range(count) if k not in outs] + list(extras))
    width = max((len(x) for x in sets), default=1)
    table = np.zeros((len(sets), width), dtype=np.int64)
    sizes = np.array([len(x) for x in sets], dtype=np.int64)
    for row, members in enumerate(sets):
        table[row, : len(members)] = members
    table.setflags(write=False)
    sizes.setflags(write=False)
    return table, sizes


def _rs_decode_erasures(word, out, reliability, chase: bool) -> Iterator[tuple[int, int]]:
    """RS decodings of one codeword with erasure sets of its least reliable bytes (see
    ``_erasure_sets``): yields (corrected, erasures) for each success, the corrected word in
    ``out``. Cost: one RS decode per set (about 10 us), in one compiled loop."""
    from mac.fec._kernels import rs_decode_sets

    tables = rs_tables(RS_NSYM, FCR)
    sets, sizes = _erasure_sets(word.size, chase)
    order = np.argsort(reliability, kind="stable")
    mask = np.empty(word.size, dtype=np.uint8)
    first = 0
    while first < sizes.size:
        found = rs_decode_sets(
            word,
            order,
            sets,
            sizes,
            first,
            RS_NSYM,
            FCR,
            tables.exp,
            tables.log,
            tables.syn_mul,
            mask,
            out,
        )
        if found < 0:
            return
        yield found % 256, int(sizes[found // 256])
        first = found // 256 + 1


class _RsState:
    """Codewords of one block: received bytes, corrected bytes and which are done; the
    received words and reliabilities of the first pass are kept for the Chase search."""

    def __init__(self, n_bytes: int) -> None:
        self.sizes = rs_chunk_sizes(n_bytes)
        self.order = rs_stream_order(n_bytes)
        self.starts = np.concatenate([[0], np.cumsum([s + RS_NSYM for s in self.sizes])])
        self.fixed = np.zeros(int(self.starts[-1]), dtype=np.uint8)
        self.done = [False] * len(self.sizes)
        self.corrected = self.erased = 0
        self.first: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def spans(self) -> list[tuple[int, int, int]]:
        """(index, start, stop) of every codeword in the concatenated order."""
        pairs = zip(self.starts[:-1], self.starts[1:], strict=True)
        return [(i, int(a), int(b)) for i, (a, b) in enumerate(pairs)]

    def copy(self) -> _RsState:
        other = copy.copy(self)
        other.fixed = self.fixed.copy()
        other.done = list(self.done)
        return other

    def decode(self, stream: np.ndarray, reliability: Callable[[], np.ndarray] | None) -> int:
        """Try every pending codeword errors-only, then with GMD erasures (``reliability()``
        gives the stream bits' reliabilities; called only if needed). Returns how many
        codewords became correct."""
        concat = np.empty_like(stream)
        concat[self.order] = stream
        pending = [span for span in self.spans() if not self.done[span[0]]]
        failed = []
        for i, a, b in pending:
            zeros = np.zeros(b - a, np.uint8)
            status = rs_decode_array(concat[a:b], zeros, self.fixed[a:b], RS_NSYM)
            if status >= 0:
                self._mark(i, status, 0)
            else:
                failed.append((i, a, b))
        if failed and reliability is not None:
            bit_rel = reliability()
            rel = np.empty(stream.size, dtype=np.float32)
            rel[self.order] = bit_rel.reshape(-1, 8).min(axis=1)  # a byte's weakest bit
            if self.first is None:
                self.first = (concat, rel, bit_rel)
            for i, a, b in failed:
                trials = _rs_decode_erasures(concat[a:b], self.fixed[a:b], rel[a:b], False)
                for status, erased in trials:
                    self._mark(i, status, erased)
                    break
        return len(pending) - len(failed) + sum(self.done[i] for i, _, _ in failed)

    def _mark(self, i: int, corrected: int, erased: int) -> None:
        self.done[i] = True
        self.corrected += corrected
        self.erased += erased

    def known_bits(self) -> np.ndarray:
        """int8 per stream bit: the corrected codewords' bits, -1 elsewhere."""
        done = np.zeros(self.fixed.size, dtype=bool)
        for i, ok in enumerate(self.done):
            if ok:
                done[self.starts[i] : self.starts[i + 1]] = True
        stream_done = done[self.order]
        bits = np.unpackbits(self.fixed[self.order]).astype(np.int8)
        bits[~np.repeat(stream_done, 8)] = -1
        return bits

    def result(self) -> BlockResult:
        if not all(self.done):
            return BlockResult(data=None)
        data = b"".join(
            self.fixed[a : a + size].tobytes()
            for a, size in zip(self.starts[:-1], self.sizes, strict=True)
        )
        return BlockResult(data=data, rs_corrected=self.corrected, rs_erasures=self.erased)


def decode_block(
    llrs: np.ndarray, level: FecLevel, n_bytes: int, *, erasures: bool = True
) -> BlockResult:
    """Decode the ``coded_bits(n_bytes, level)`` LLRs of one block (float32, positive = 0).

    Never raises on noisy input; ``data`` is None when RS decoding fails. For ``rs+conv``,
    when some codewords decode and others do not, the Viterbi decoder runs again with the
    corrected codewords' bits pinned (up to ``PIN_ITERATIONS`` times), which confines its
    errors to the remaining bytes; when every codeword fails, the Chase searches run
    (``_chase``). Cost: one Viterbi pass for conv levels and one RS decode per codeword;
    only a failed codeword costs more: a log-MAP pass (about six Viterbi passes) and up
    to 12 erasure retries, and the Chase searches up to about 80 ms of CPU per block.
    """
    llrs = np.asarray(llrs, dtype=np.float32)
    if llrs.size != coded_bits(n_bytes, level):
        raise ConfigError(f"{llrs.size} LLRs for a {n_bytes}-byte block at {level.label}")
    if level == FecLevel.NONE:
        return BlockResult(data=np.packbits(llrs < 0).tobytes())
    if level == FecLevel.CONV:
        return BlockResult(data=np.packbits(viterbi_decode(deinterleave(llrs))).tobytes())
    state = _RsState(n_bytes)
    if level == FecLevel.RS:
        state.decode(np.packbits(llrs < 0), (lambda: np.abs(llrs)) if erasures else None)
        return state.result()
    code = deinterleave(llrs)
    _iterate(code, state, None, erasures)
    if all(state.done) or any(state.done) or state.first is None or CHASE_MAX_CANDIDATES < 1:
        return state.result()
    return _chase(code, state, erasures).result()


def _iterate(code: np.ndarray, state: _RsState, known, erasures: bool) -> None:
    """Viterbi, RS (errors-only, then GMD), and passes with the decoded codewords pinned."""
    for _ in range(1 + PIN_ITERATIONS):
        bits = viterbi_decode(code) if known is None else viterbi_decode_soft(code, known)[0]
        reliability = partial(_bit_reliability_app, code, known, bits) if erasures else None
        gained = state.decode(np.packbits(bits), reliability)
        if all(state.done) or not any(state.done) or (known is not None and gained == 0):
            return
        known = state.known_bits()


def _chase(code: np.ndarray, state: _RsState, erasures: bool) -> _RsState:
    """Every codeword failed: Chase erasure patterns on each; a codeword they decode is
    pinned and the others decoded again, and the candidate stands only if the whole block
    then decodes (a miscorrected candidate rarely lets the others decode). Then the inner
    Chase search (``_flip_search``). Skipped when the reliabilities promise more than
    ``CHASE_MAX_ERRORS`` byte errors in every codeword; at most ``CHASE_MAX_CANDIDATES``
    erasure candidates are verified. Both bound the time spent on hopeless blocks."""
    concat, rel, _ = state.first
    expected = 1 / (1 + np.exp(np.clip(rel, -30, 30)))  # P(byte wrong), from its weakest bit
    spans = [(i, a, b) for i, a, b in state.spans() if expected[a:b].sum() <= CHASE_MAX_ERRORS]
    if not spans:
        return state
    spans.sort(key=lambda span: expected[span[1] : span[2]].sum())
    budget = CHASE_MAX_CANDIDATES
    for i, a, b in spans:
        word = np.empty(b - a, dtype=np.uint8)
        for status, erased in _rs_decode_erasures(concat[a:b], word, rel[a:b], True):
            trial = state.copy()
            trial.fixed[a:b] = word
            trial._mark(i, status, erased)
            _iterate(code, trial, trial.known_bits(), erasures)
            if all(trial.done):
                return trial
            budget -= 1
            if budget == 0:
                break
        if budget == 0:
            break
    if len(state.sizes) > FLIP_MAX_CODEWORDS:  # a Viterbi pass per pattern: long blocks
        return state
    return _flip_search(code, state, erasures)


def _weak_events(bit_rel: np.ndarray) -> list[int]:
    """The weakest bit of each run of bits below ``FLIP_THRESHOLD`` (runs closer than
    ``FLIP_GAP`` bits merge: one Viterbi error event), weakest run first."""
    weak = np.flatnonzero(bit_rel < FLIP_THRESHOLD)
    if weak.size == 0:
        return []
    cuts = np.flatnonzero(np.diff(weak) > FLIP_GAP) + 1
    events = [
        (float(bit_rel[run].min()), int(run[np.argmin(bit_rel[run])]))
        for run in np.split(weak, cuts)
    ]
    return [bit for _, bit in sorted(events)]


def _flip_search(code: np.ndarray, state: _RsState, erasures: bool) -> _RsState:
    """Chase on the inner code: the weakest bit of each of the ``FLIP_EVENTS`` weakest
    error-event candidates is pinned to the other value (one at a time, then two at a time
    among the ``FLIP_PAIRS`` weakest), which makes the Viterbi decoder take the competing
    path there; RS (errors-only and GMD) decodes the result, and pinning verifies a
    codeword it corrects. Cost: one Viterbi pass and a few RS decodes per pattern."""
    concat, _, bit_rel = state.first
    bits = np.unpackbits(concat[state.order])
    weakest = _weak_events(bit_rel)[:FLIP_EVENTS]
    patterns = [(k,) for k in weakest]
    patterns += list(itertools.combinations(weakest[:FLIP_PAIRS], 2))
    for pattern in patterns:
        known = np.full(bits.size, -1, dtype=np.int8)
        for k in pattern:
            known[k] = 1 - bits[k]
        trial = state.copy()
        trial.decode(np.packbits(viterbi_decode_soft(code, known)[0]), lambda: bit_rel)
        if any(trial.done) and not all(trial.done):
            _iterate(code, trial, trial.known_bits(), erasures)
        if all(trial.done):
            return trial
    return state
