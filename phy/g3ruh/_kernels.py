"""Numba kernels of the G3RUH 9600 baud modem (plain-NumPy twins in ``_reference.py``).

Scrambler (self-synchronising, polynomial 1 + x^12 + x^17)::

    scramble:   y[n] = x[n] ^ y[n - 12] ^ y[n - 17]
    descramble: x[n] = y[n] ^ y[n - 12] ^ y[n - 17]

``reg`` holds the last 17 line bits ``y``, newest in bit 0. State of ``slice_baseband``
(float64 array)::

    0 clock phase in symbols, 1 relative clock-rate correction, 2 samples seen (up to
    1e9), then per stream r at 3 + 5 r: previous normalised sample, DC estimate,
    mean |signal|, mean |v| at bits, mean v^2 at bits

Parameters of ``slice_baseband`` (float64 array)::

    0 clock step (symbols per sample), 1 phase gain, 2 rate gain, 3 rate limit,
    4 DC smoothing, 5 level smoothing, 6 LLR statistics smoothing, 7 LLR clip
"""

from __future__ import annotations

import numpy as np

from phy._jit import njit

N_STATE_FIXED = 3
N_ROW = 5
N_PARAMS = 8


@njit
def fir_rows(ext, taps, out):
    """One FIR per row: ``out[r, j] = sum_k taps[r, k] ext[j + L - 1 - k]``.

    ``ext`` carries ``L - 1`` samples of history before the ``out.shape[1]`` new ones.
    Cost: rows * L MACs per sample.
    """
    n_taps = taps.shape[1]
    for r in range(taps.shape[0]):
        for j in range(out.shape[1]):
            acc = 0.0
            for k in range(n_taps):
                acc += taps[r, k] * ext[j + n_taps - 1 - k]
            out[r, j] = acc


@njit
def scramble_bits(bits, reg, out):
    """Scramble hard bits; returns the new register. Cost: O(len(bits))."""
    r = np.int64(reg)
    for n in range(bits.shape[0]):
        y = (bits[n] ^ (r >> 11) ^ (r >> 16)) & 1
        out[n] = y
        r = ((r << 1) | y) & 0x1FFFF
    return r


@njit
def descramble_bits(bits, reg, out):
    """Descramble hard bits; returns the new register. Cost: O(len(bits))."""
    r = np.int64(reg)
    for n in range(bits.shape[0]):
        y = bits[n] & 1
        out[n] = (y ^ (r >> 11) ^ (r >> 16)) & 1
        r = ((r << 1) | y) & 0x1FFFF
    return r


@njit
def descramble_llrs(llrs, history, out):
    """Soft descrambling: the LLR of ``y[n] ^ y[n-12] ^ y[n-17]`` by the min-sum rule.

    The sign is the product of the three signs (LLR sign: + for 0), the magnitude the
    smallest of the three. ``history`` holds the previous 17 line LLRs (oldest first) and
    is updated in place. Cost: O(len(llrs)).
    """
    n_in = llrs.shape[0]
    for n in range(n_in):
        a = llrs[n]
        b = history[n + 5] if n + 5 < 17 else llrs[n - 12]
        c = history[n] if n < 17 else llrs[n - 17]
        mag = min(abs(a), min(abs(b), abs(c)))
        negative = (a < 0) ^ (b < 0) ^ (c < 0)
        out[n] = -mag if negative else mag
    if n_in >= 17:
        history[:] = llrs[n_in - 17 :]
    else:
        keep = 17 - n_in
        history[:keep] = history[n_in:].copy()
        history[keep:] = llrs


@njit
def _normalise(x, params, state, base):
    """DC removal and level normalisation of one sample of one stream.

    The DC tracker starts as a running mean (weight 1 / samples seen) so that an offset
    present from the start is removed at once, then settles to its slow time constant.
    """
    state[base + 1] += max(params[4], 1.0 / (state[2] + 1.0)) * (x - state[base + 1])
    y = x - state[base + 1]
    state[base + 2] += params[5] * (abs(y) - state[base + 2])
    return y / (state[base + 2] + 1e-9)


@njit
def _emit(s, params, state, base):
    """LLR of one interpolated sample (positive for a negative voltage)."""
    alpha = params[6]
    state[base + 3] += alpha * (abs(s) - state[base + 3])
    state[base + 4] += alpha * (s * s - state[base + 4])
    var = max(state[base + 4] - state[base + 3] ** 2, 1e-3 * state[base + 4] + 1e-12)
    llr = -2.0 * state[base + 3] * s / var
    return min(max(llr, -params[7]), params[7])


@njit
def slice_baseband(x, params, state, out_llr, out_t):
    """Recover the bit clock of filtered baseband streams and sample soft line bits.

    ``x`` is (n_streams, n): the same signal through different filters of equal delay.
    Each stream has DC removed by a slow one-pole tracker and its level normalised by its
    mean magnitude. One phase accumulator, advancing ``params[0]`` symbols per sample, is
    pulled toward the mid-point between bits at each sign change of stream 0 (gain
    ``params[1]``); its rate follows (gain ``params[2]``, bound ``params[3]``) while the
    eye of stream 0 is open. At each phase wrap every stream's interpolated sample
    becomes an LLR in ``out_llr[row]`` (positive for a negative voltage: bit 0 is the
    low level) scaled by running statistics; ``out_t[i]`` is the fractional sample index
    of bit ``i``. Returns the number of bits written. Cost: O(n * n_streams).
    """
    n_rows = x.shape[0]
    step0 = params[0]
    n_bits = 0
    for n in range(x.shape[1]):
        step = step0 * (1.0 + state[1])
        prev_p = state[0]
        state[0] = prev_p + step
        wrap = state[0] >= 1.0
        tau = min(max((1.0 - prev_p) / step, 0.0), 1.0)
        if wrap:
            state[0] -= 1.0
        emit = wrap and n_bits < out_t.shape[0]
        prev0 = state[N_STATE_FIXED]
        v0 = 0.0
        for row in range(n_rows):
            base = N_STATE_FIXED + N_ROW * row
            v = _normalise(x[row, n], params, state, base)
            if row == 0:
                v0 = v
            if emit:
                out_llr[row, n_bits] = _emit(
                    state[base] + tau * (v - state[base]), params, state, base
                )
            state[base] = v
        state[2] = min(state[2] + 1.0, 1e9)
        if emit:
            out_t[n_bits] = n - 1 + tau
            n_bits += 1
        if (prev0 < 0.0 <= v0) or (v0 < 0.0 <= prev0):
            frac = prev0 / (prev0 - v0) if prev0 != v0 else 0.0
            crossing = prev_p + frac * step
            error = crossing - 0.5 if crossing < 1.0 else crossing - 1.5
            error = min(max(error, -0.5), 0.5)
            state[0] -= params[1] * error
            quality = state[6] * state[6] / (state[7] + 1e-12)
            weight = min(max((quality - 0.75) / 0.15, 0.0), 1.0)
            rate = state[1] - params[2] * weight * error
            if weight == 0.0:
                rate *= 1.0 - params[2]
            state[1] = min(max(rate, -params[3]), params[3])
    return n_bits
