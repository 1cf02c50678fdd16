"""The payload block code of a frame: FEC levels ``none``, ``rs``, ``conv``, ``rs+conv``.

Encoding (``B`` = block bytes: payload then CRC-32)::

    none     bits of the B bytes
    rs       the B bytes split into ceil(B / 223) near-equal chunks, each an RS codeword
             (chunk then 32 parity bytes), codewords back to back; then their bits
    conv     bits of the B bytes + 6 zero tail bits, rate-1/2 K=7 coded, block-interleaved
    rs+conv  the rs codewords' bits + 6 tail bits, coded and interleaved as conv

Decoding takes the block's LLRs (de-whitened) and returns the B bytes or a failure. With
``erasures=True`` an RS codeword that fails errors-only decoding is retried with its 8, 16
then 24 least reliable bytes erased (reliability: smallest |LLR| of the byte's bits for
``rs``; smallest Viterbi survivor margin over the byte and the following constraint length
for ``rs+conv``); the frame CRC-32 then guards against the rare miscorrection.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from mac.fec.conv import CONV_TAIL_BITS, conv_encode, viterbi_decode, viterbi_decode_soft
from mac.fec.interleave import deinterleave, interleave
from mac.fec.rs import RS_NSYM, rs_chunk_sizes, rs_decode_array, rs_encode
from phy.errors import ConfigError

__all__ = ["BlockResult", "FecLevel", "coded_bits", "decode_block", "encode_block"]

_ERASURE_STEPS = (8, 16, 24)
_RELIABILITY_SPAN_BITS = 8 + 6  # a byte's bits and the following memory of the code


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
        data = b"".join(parts)
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8))
    if level.uses_conv:
        return interleave(conv_encode(bits))
    return bits


def _byte_reliability_from_llrs(llrs: np.ndarray) -> np.ndarray:
    return np.abs(llrs).reshape(-1, 8).min(axis=1)


def _byte_reliability_from_margins(rel: np.ndarray, n_bytes: int) -> np.ndarray:
    padded = np.concatenate([rel, np.full(_RELIABILITY_SPAN_BITS, np.inf, np.float32)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, _RELIABILITY_SPAN_BITS)
    return windows[: 8 * n_bytes : 8].min(axis=1)


def _rs_decode_all(coded: np.ndarray, reliability: np.ndarray | None, n_bytes: int) -> BlockResult:
    out = np.empty_like(coded)
    data = bytearray()
    corrected = erased = 0
    at = 0
    for size in rs_chunk_sizes(n_bytes):
        n = size + RS_NSYM
        word = coded[at : at + n]
        mask = np.zeros(n, dtype=np.uint8)
        status = rs_decode_array(word, mask, out[at : at + n], RS_NSYM)
        if status < 0 and reliability is not None:
            order = np.argsort(reliability[at : at + n], kind="stable")
            for count in _ERASURE_STEPS:
                if count >= n:
                    break
                mask[:] = 0
                mask[order[:count]] = 1
                status = rs_decode_array(word, mask, out[at : at + n], RS_NSYM)
                if status >= 0:
                    erased += count
                    break
        if status < 0:
            return BlockResult(data=None)
        corrected += status
        data += out[at : at + size].tobytes()
        at += n
    return BlockResult(data=bytes(data), rs_corrected=corrected, rs_erasures=erased)


def decode_block(
    llrs: np.ndarray, level: FecLevel, n_bytes: int, *, erasures: bool = True
) -> BlockResult:
    """Decode the ``coded_bits(n_bytes, level)`` LLRs of one block (float32, positive = 0).

    Never raises on noisy input; ``data`` is None when RS decoding fails. Cost: one Viterbi
    pass for conv levels, one RS decode per codeword (up to three more with erasures).
    """
    llrs = np.asarray(llrs, dtype=np.float32)
    if llrs.size != coded_bits(n_bytes, level):
        raise ConfigError(f"{llrs.size} LLRs for a {n_bytes}-byte block at {level.label}")
    margins = None
    if level.uses_conv:
        code = deinterleave(llrs)
        if level.uses_rs and erasures:
            bits, margins = viterbi_decode_soft(code)
        else:
            bits = viterbi_decode(code)
        coded = np.packbits(bits)
        reliability_source = margins
    else:
        coded = np.packbits(llrs < 0)
        reliability_source = llrs
    if not level.uses_rs:
        return BlockResult(data=coded.tobytes())
    reliability = None
    if erasures:
        if level.uses_conv:
            reliability = _byte_reliability_from_margins(reliability_source, coded.size)
        else:
            reliability = _byte_reliability_from_llrs(reliability_source)
    return _rs_decode_all(coded, reliability, n_bytes)
