"""Plain-NumPy twins of ``phy.afsk._kernels`` (same signatures; tests compare them)."""

from __future__ import annotations

import numpy as np

from phy.afsk._kernels import N_STATE_FIXED


def tone_correlate(ext, taps, decim, t0, out_m, out_s):
    """Twin of ``_kernels.tone_correlate`` (vectorised with a sliding window)."""
    n_taps = taps.shape[1]
    n = max(min((ext.shape[0] - t0 + decim - 1) // decim, out_m.shape[0]), 0)
    if n == 0:
        return 0, t0
    windows = np.lib.stride_tricks.sliding_window_view(ext.astype(np.float64), n_taps)
    ends = t0 + decim * np.arange(n)
    y = windows[ends - n_taps + 1][:, ::-1] @ taps.astype(np.float64).T
    out_m[:n] = np.hypot(y[:, 0], y[:, 1])
    out_s[:n] = np.hypot(y[:, 2], y[:, 3])
    return n, t0 + n * decim


def _emit(ma, sa, gains, params, state, out_llr, n_bits):
    alpha, clip = params[6], params[7]
    v = ma - gains * sa
    stats = state[N_STATE_FIXED:].reshape(-1, 2)
    stats[:, 0] += alpha * (np.abs(v) - stats[:, 0])
    stats[:, 1] += alpha * (v * v - stats[:, 1])
    var = np.maximum(stats[:, 1] - stats[:, 0] ** 2, 1e-3 * stats[:, 1] + 1e-12)
    out_llr[:, n_bits] = np.clip(-2.0 * stats[:, 0] * v / var, -clip, clip)


def _track_peak(peak, value, attack, decay):
    return peak + (attack if value > peak else decay) * (value - peak)


def _correct(state, error, gain_p, gain_f, limit_f):
    error = float(np.clip(error, -0.5, 0.5))
    state[0] -= gain_p * error
    quality = state[9] ** 2 / (state[10] + 1e-12)
    weight = float(np.clip((quality - 0.75) / 0.15, 0.0, 1.0))
    rate = state[1] - gain_f * weight * error
    if weight == 0.0:
        rate *= 1.0 - gain_f
    state[1] = float(np.clip(rate, -limit_f, limit_f))


def slice_bits(env_m, env_s, gains, params, state, out_llr, out_t):
    """Twin of ``_kernels.slice_bits`` (a per-sample Python loop: the clock is sequential)."""
    step0, gain_p, gain_f, limit_f, attack, decay, alpha = params[:7]
    gardner = params[8] > 0.5
    n_bits = 0
    for n in range(env_m.shape[0]):
        state[3] = _track_peak(state[3], float(env_m[n]), attack, decay)
        state[4] = _track_peak(state[4], float(env_s[n]), attack, decay)
        ma = float(env_m[n]) / (state[3] + 1e-9)
        sa = float(env_s[n]) / (state[4] + 1e-9)
        d = ma - sa
        prev_d = state[2]
        step = step0 * (1.0 + state[1])
        prev_p = state[0]
        state[0] = prev_p + step
        if gardner and prev_p < 0.5 <= state[0]:
            state[7] = prev_d + (0.5 - prev_p) / step * (d - prev_d)
        if state[0] >= 1.0:
            tau = min(max((1.0 - prev_p) / step, 0.0), 1.0)
            state[0] -= 1.0
            if n_bits < out_t.shape[0]:
                ia = state[5] + tau * (ma - state[5])
                isa = state[6] + tau * (sa - state[6])
                _emit(ia, isa, gains, params, state, out_llr, n_bits)
                out_t[n_bits] = n - 1 + tau
                n_bits += 1
            d_bit = prev_d + tau * (d - prev_d)
            state[9] += alpha * (abs(d_bit) - state[9])
            state[10] += alpha * (d_bit * d_bit - state[10])
            if gardner:
                error = state[7] * (state[8] - d_bit) / (state[9] ** 2 + 1e-9)
                _correct(state, error, gain_p, gain_f, limit_f)
            state[8] = d_bit
        if not gardner and ((prev_d < 0.0 <= d) or (d < 0.0 <= prev_d)):
            frac = prev_d / (prev_d - d) if prev_d != d else 0.0
            crossing = prev_p + frac * step
            error = crossing - 0.5 if crossing < 1.0 else crossing - 1.5
            _correct(state, error, gain_p, gain_f, limit_f)
        state[2] = d
        state[5] = ma
        state[6] = sa
    return n_bits
