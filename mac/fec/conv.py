"""Rate-1/2 constraint-length-7 convolutional code (generators 171, 133 octal), its
soft-decision Viterbi decoder and a log-MAP (BCJR) decoder for bit reliabilities.

Encoder: for input bit ``u[t]`` it sends ``c0[t] = u[t] ^ u[t-1] ^ u[t-2] ^ u[t-3] ^ u[t-6]``
(0o171) then ``c1[t] = u[t] ^ u[t-2] ^ u[t-3] ^ u[t-5] ^ u[t-6]`` (0o133), starting from the
all-zero state; six zero tail bits return it to zero (terminated code, rate n / (2 n + 12)).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from phy.errors import ConfigError

__all__ = [
    "CONV_TAIL_BITS",
    "POLYS",
    "bcjr_decode",
    "conv_encode",
    "viterbi_decode",
    "viterbi_decode_many",
    "viterbi_decode_soft",
]

POLYS = (0o171, 0o133)
CONV_TAIL_BITS = 6
_TAPS = tuple(tuple(d for d in range(7) if (poly >> (6 - d)) & 1) for poly in POLYS)
_LLR_LIMIT = np.float32(1e4)


@cache
def jacobian_table() -> np.ndarray:
    """``log(1 + exp(-d))`` at the midpoints of ``[i / 8, (i + 1) / 8)`` for i < 64, then 0
    for every larger difference (65 float32 entries)."""
    table = np.zeros(65, dtype=np.float32)
    table[:64] = np.log1p(np.exp(-(np.arange(64) + 0.5) / 8))
    return table


@cache
def branch_table() -> np.ndarray:
    """``sym[j] = 2 c0 + c1`` for state ``2 j`` and input 0 (the kernels' butterfly table)."""

    def parity(x: int) -> int:
        return bin(x).count("1") & 1

    return np.array(
        [2 * parity((2 * j) & POLYS[0]) + parity((2 * j) & POLYS[1]) for j in range(32)],
        dtype=np.int64,
    )


def conv_encode(bits: np.ndarray) -> np.ndarray:
    """Coded bits (uint8 0/1, ``2 * (len(bits) + 6)``: c0, c1 per input bit, tail included).

    Cost: O(n), vectorised.
    """
    u = np.asarray(bits, dtype=np.uint8)
    ext = np.concatenate([np.zeros(6, np.uint8), u, np.zeros(CONV_TAIL_BITS, np.uint8)])
    n = u.size + CONV_TAIL_BITS
    out = np.empty(2 * n, dtype=np.uint8)
    for k, taps in enumerate(_TAPS):
        acc = np.zeros(n, dtype=np.uint8)
        for d in taps:
            acc ^= ext[6 - d : 6 - d + n]
        out[k::2] = acc
    return out


def sanitize_llrs(llrs: np.ndarray) -> np.ndarray:
    """float32 copy with NaN -> 0 and magnitudes clipped to 1e4 (radio input is untrusted)."""
    x = np.clip(np.asarray(llrs, dtype=np.float32), -_LLR_LIMIT, _LLR_LIMIT)
    nan = np.isnan(x)
    if nan.any():
        x[nan] = 0.0
    return x


def viterbi_decode(llrs: np.ndarray) -> np.ndarray:
    """Most likely input bits (tail removed) of a terminated codeword's ``2 (n + 6)`` LLRs.

    LLRs are float32, positive means 0. Cost: 64 add-compare-selects and 64 bytes of
    decision memory per input bit.
    """
    from mac.fec._kernels import viterbi_decode as kernel

    x = sanitize_llrs(llrs)
    if x.size % 2 or x.size < 2 * CONV_TAIL_BITS:
        raise ConfigError(f"{x.size} LLRs is not a terminated rate-1/2 codeword (even, >= 12)")
    steps = x.size // 2
    decisions = np.empty((steps, 64), dtype=np.uint8)
    out = np.empty(steps, dtype=np.uint8)
    kernel(x, steps, branch_table(), decisions, out)
    return out[: steps - CONV_TAIL_BITS]


def viterbi_decode_many(llrs: np.ndarray) -> np.ndarray:
    """:func:`viterbi_decode` on each row of a 2-D array (one compiled call for all rows)."""
    from mac.fec._kernels import viterbi_decode_many as kernel

    x = np.asarray(llrs, dtype=np.float32)
    if x.ndim == 2:
        x = sanitize_llrs(x)
    if x.ndim != 2 or x.shape[1] % 2 or x.shape[1] < 2 * CONV_TAIL_BITS:
        raise ConfigError("viterbi_decode_many needs rows of an even number (>= 12) of LLRs")
    steps = x.shape[1] // 2
    out = np.empty((x.shape[0], steps), dtype=np.uint8)
    kernel(np.ascontiguousarray(x), steps, branch_table(), out)
    return out[:, : steps - CONV_TAIL_BITS]


def viterbi_decode_soft(
    llrs: np.ndarray, known: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(decoded bits, per-bit survivor margins) with the tail removed.

    ``known`` (optional, one int8 per input bit, tail excluded): -1 for a free bit, else
    the bit's value, which the decoder then enforces. See ``_kernels.viterbi_decode_soft``.
    Cost: as :func:`viterbi_decode`, with 256 bytes of scratch per input bit.
    """
    from mac.fec._kernels import viterbi_decode_soft as kernel

    x = sanitize_llrs(llrs)
    if x.size % 2 or x.size < 2 * CONV_TAIL_BITS:
        raise ConfigError(f"{x.size} LLRs is not a terminated rate-1/2 codeword (even, >= 12)")
    steps = x.size // 2
    pins = _pins(known, steps)
    diffs = np.empty((steps, 64), dtype=np.float32)
    out = np.empty(steps, dtype=np.uint8)
    rel = np.empty(steps, dtype=np.float32)
    kernel(x, steps, branch_table(), pins, diffs, out, rel)
    return out[: steps - CONV_TAIL_BITS], rel


def _pins(known: np.ndarray | None, steps: int) -> np.ndarray:
    pins = np.full(steps, -1, dtype=np.int8)
    if known is not None:
        if len(known) != steps - CONV_TAIL_BITS:
            raise ConfigError(f"{len(known)} known bits for {steps - CONV_TAIL_BITS} inputs")
        pins[: steps - CONV_TAIL_BITS] = known
    return pins


def bcjr_decode(llrs: np.ndarray, known: np.ndarray | None = None) -> np.ndarray:
    """A-posteriori LLRs (float32, positive means 0, tail removed) of the input bits.

    Log-MAP (BCJR) decoding of a terminated codeword's ``2 (n + 6)`` LLRs, the Jacobian
    logarithm from a table (within 0.01 of exact log-MAP); ``known`` pins input bits as in
    :func:`viterbi_decode_soft` (a pinned bit gets a magnitude of 1e30 or more). Its
    magnitudes rate the Viterbi decisions far better than survivor margins or SOVA. Cost:
    about six Viterbi passes (0.7 ms for a 259-byte block), 256 bytes of scratch per input
    bit.
    """
    from mac.fec._kernels import bcjr_llrs as kernel

    x = sanitize_llrs(llrs)
    if x.size % 2 or x.size < 2 * CONV_TAIL_BITS:
        raise ConfigError(f"{x.size} LLRs is not a terminated rate-1/2 codeword (even, >= 12)")
    steps = x.size // 2
    pins = _pins(known, steps)
    alpha = np.empty((steps + 1, 64), dtype=np.float32)
    out = np.empty(steps, dtype=np.float32)
    kernel(x, steps, branch_table(), pins, jacobian_table(), alpha, out)
    return out[: steps - CONV_TAIL_BITS]
