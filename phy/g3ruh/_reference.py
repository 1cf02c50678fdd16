"""Plain-NumPy twins of ``phy.g3ruh._kernels`` (same signatures; tests compare them)."""

from __future__ import annotations

import numpy as np

from phy.g3ruh._kernels import N_ROW, N_STATE_FIXED


def fir_rows(ext, taps, out):
    """Twin of ``_kernels.fir_rows`` (``np.convolve`` in 'valid' mode per row)."""
    if out.shape[1] == 0:
        return
    for r in range(taps.shape[0]):
        out[r] = np.convolve(ext.astype(np.float64), taps[r].astype(np.float64), "valid")


def scramble_bits(bits, reg, out):
    """Twin of ``_kernels.scramble_bits`` (bit-serial loop over a list)."""
    y = [(int(reg) >> (16 - i)) & 1 for i in range(17)]  # y[-17] .. y[-1]
    for n, x in enumerate(bits):
        y.append((int(x) ^ y[-12] ^ y[-17]) & 1)
        out[n] = y[-1]
    return sum(bit << (16 - i) for i, bit in enumerate(y[-17:]))


def descramble_bits(bits, reg, out):
    """Twin of ``_kernels.descramble_bits`` (vectorised over the extended sequence)."""
    past = np.array([(int(reg) >> (16 - i)) & 1 for i in range(17)], dtype=np.int64)
    y = np.concatenate([past, np.asarray(bits, dtype=np.int64) & 1])
    n = len(bits)
    out[:] = y[17:] ^ y[5 : 5 + n] ^ y[:n]
    return int(sum(int(b) << (16 - i) for i, b in enumerate(y[-17:])))


def descramble_llrs(llrs, history, out):
    """Twin of ``_kernels.descramble_llrs`` (vectorised)."""
    n = llrs.shape[0]
    ext = np.concatenate([history, llrs])
    a, b, c = ext[17:], ext[5 : 5 + n], ext[:n]
    mag = np.minimum(np.abs(a), np.minimum(np.abs(b), np.abs(c)))
    negative = (a < 0) ^ (b < 0) ^ (c < 0)
    out[:] = np.where(negative, -mag, mag)
    history[:] = ext[-17:]


def slice_baseband(x, params, state, out_llr, out_t):
    """Twin of ``_kernels.slice_baseband`` (a per-sample Python loop)."""
    step0, gain_p, gain_f, limit_f, dc_a, lvl_a, alpha, clip = params[:8]
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
        rows = state[N_STATE_FIXED:].reshape(-1, N_ROW)  # a view: writes go to state
        rows[:, 1] += max(dc_a, 1.0 / (state[2] + 1.0)) * (x[:, n] - rows[:, 1])
        y = x[:, n] - rows[:, 1]
        rows[:, 2] += lvl_a * (np.abs(y) - rows[:, 2])
        v = y / (rows[:, 2] + 1e-9)
        if emit:
            s = rows[:, 0] + tau * (v - rows[:, 0])
            rows[:, 3] += alpha * (np.abs(s) - rows[:, 3])
            rows[:, 4] += alpha * (s * s - rows[:, 4])
            var = np.maximum(rows[:, 4] - rows[:, 3] ** 2, 1e-3 * rows[:, 4] + 1e-12)
            out_llr[:, n_bits] = np.clip(-2.0 * rows[:, 3] * s / var, -clip, clip)
            out_t[n_bits] = n - 1 + tau
            n_bits += 1
        rows[:, 0] = v
        state[2] = min(state[2] + 1.0, 1e9)
        v0 = v[0]
        if (prev0 < 0.0 <= v0) or (v0 < 0.0 <= prev0):
            frac = prev0 / (prev0 - v0) if prev0 != v0 else 0.0
            crossing = prev_p + frac * step
            error = crossing - 0.5 if crossing < 1.0 else crossing - 1.5
            error = min(max(error, -0.5), 0.5)
            state[0] -= gain_p * error
            quality = state[6] ** 2 / (state[7] + 1e-12)
            weight = min(max((quality - 0.75) / 0.15, 0.0), 1.0)
            rate = state[1] - gain_f * weight * error
            if weight == 0.0:
                rate *= 1.0 - gain_f
            state[1] = min(max(rate, -limit_f), limit_f)
    return n_bits
