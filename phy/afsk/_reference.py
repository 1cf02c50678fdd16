"""Plain-NumPy twins of ``phy.afsk._kernels`` (same signatures; tests compare them)."""

from __future__ import annotations

import numpy as np

from phy.afsk._kernels import N_FRONT, N_STATE_FIXED


def fir_decimate(ext, taps, decim, t0, out):
    """Twin of ``_kernels.fir_decimate`` (``np.convolve`` then every ``decim``-th sample)."""
    n = max(min((ext.shape[0] - t0 + decim - 1) // decim, out.shape[0]), 0)
    if n == 0:
        return 0, t0
    full = np.convolve(ext.astype(np.float64), taps.astype(np.float64))
    out[:n] = full[t0 + decim * np.arange(n)]
    return n, t0 + n * decim


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


def _track_peak(peak, value, attack, decay):
    return peak + np.where(value > peak, attack, decay) * (value - peak)


def _correct(state, error, gain_p, gain_f, limit_f, gain_search):
    error = float(np.clip(error, -0.5, 0.5))
    quality = state[5] ** 2 / (state[6] + 1e-12)
    weight = float(np.clip((quality - 0.75) / 0.15, 0.0, 1.0))
    state[0] -= (gain_search + weight * (gain_p - gain_search)) * error
    rate = state[1] - gain_f * weight * error
    if weight == 0.0:
        rate *= 1.0 - gain_f
    state[1] = float(np.clip(rate, -limit_f, limit_f))


def slice_bits(env_m, env_s, gains, params, state, out_llr, out_t):
    """Twin of ``_kernels.slice_bits`` (a per-sample loop, vectorised over fronts and rows)."""
    step0, gain_p, gain_f, limit_f, attack, decay, alpha, clip = params[:8]
    gardner = params[8] > 0.5
    n_fronts = env_m.shape[0]
    stats_at = N_STATE_FIXED + N_FRONT * n_fronts
    fronts = state[N_STATE_FIXED:stats_at].reshape(-1, N_FRONT)  # views into state
    stats = state[stats_at:].reshape(-1, 2)
    n_bits = 0
    for n in range(env_m.shape[1]):
        step = step0 * (1.0 + state[1])
        prev_p = state[0]
        state[0] = prev_p + step
        wrap = state[0] >= 1.0
        tau = min(max((1.0 - prev_p) / step, 0.0), 1.0)
        if wrap:
            state[0] -= 1.0
        m = env_m[:, n].astype(np.float64)
        s = env_s[:, n].astype(np.float64)
        weak = (m < 0.25 * fronts[:, 0]) & (s < 0.25 * fronts[:, 1])
        decays = np.where(weak, 8.0 * decay, decay)
        fronts[:, 0] = _track_peak(fronts[:, 0], m, attack, decays)
        fronts[:, 1] = _track_peak(fronts[:, 1], s, attack, decays)
        ma = m / (fronts[:, 0] + 1e-9)
        sa = s / (fronts[:, 1] + 1e-9)
        d = ma[0] - sa[0]
        if wrap and n_bits < out_t.shape[0]:
            ia = fronts[:, 2] + tau * (ma - fronts[:, 2])
            isa = fronts[:, 3] + tau * (sa - fronts[:, 3])
            v = (ia[:, None] - gains[None, :] * isa[:, None]).ravel()
            stats[:, 0] += alpha * (np.abs(v) - stats[:, 0])
            stats[:, 1] += alpha * (v * v - stats[:, 1])
            var = np.maximum(stats[:, 1] - stats[:, 0] ** 2, 1e-3 * stats[:, 1] + 1e-12)
            out_llr[:, n_bits] = np.clip(-2.0 * stats[:, 0] * v / var, -clip, clip)
            out_t[n_bits] = n - 1 + tau
            n_bits += 1
        fronts[:, 2] = ma
        fronts[:, 3] = sa
        prev_d = state[2]
        if gardner and prev_p < 0.5 <= prev_p + step:
            state[3] = prev_d + (0.5 - prev_p) / step * (d - prev_d)
        if wrap:
            d_bit = prev_d + tau * (d - prev_d)
            state[5] += alpha * (abs(d_bit) - state[5])
            state[6] += alpha * (d_bit * d_bit - state[6])
            if gardner:
                error = state[3] * (state[4] - d_bit) / (state[5] ** 2 + 1e-9)
                _correct(state, error, gain_p, gain_f, limit_f, params[9])
            state[4] = d_bit
        if not gardner and ((prev_d < 0.0 <= d) or (d < 0.0 <= prev_d)):
            frac = prev_d / (prev_d - d) if prev_d != d else 0.0
            crossing = prev_p + frac * step
            error = crossing - 0.5 if crossing < 1.0 else crossing - 1.5
            _correct(state, error, gain_p, gain_f, limit_f, params[9])
        state[2] = d
    return n_bits
