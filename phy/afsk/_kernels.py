"""Numba kernels of the AFSK demodulator (plain-NumPy twins in ``_reference.py``).

``slice_bits`` works on F front ends (tone-envelope pairs from different correlators, all
of the same delay) and G slicer gains: output row ``f * G + g``. State layout (float64
array, owned by the Python object)::

    0 clock phase in symbols, 1 relative clock-rate correction, 2 previous mark-space
    difference of front 0, 3 difference at the last mid-point between bits, 4 difference
    at the last bit, 5 mean |difference| at bits, 6 mean difference^2 at bits,
    per front f at 7 + 4f: mark peak, space peak, previous normalised mark and space,
    per row r at 7 + 4F + 2r: mean |v|, mean v^2

Parameters of ``slice_bits`` (float64 array)::

    0 clock step (symbols per envelope sample), 1 phase gain, 2 rate gain, 3 rate limit,
    4 peak attack, 5 peak decay, 6 LLR statistics smoothing, 7 LLR clip,
    8 timing detector (0 zero crossings, 1 Gardner), 9 phase gain while searching
"""

from __future__ import annotations

import numpy as np

from phy._jit import njit

N_STATE_FIXED = 7
N_FRONT = 4
N_PARAMS = 10


@njit
def fir_decimate(ext, taps, decim, t0, out):
    """Real FIR output at every ``decim``-th sample: ``out[j] = sum_k taps[k] ext[t - k]``.

    For ``t = t0, t0 + decim, ...`` while ``t < len(ext)`` (``t0 >= len(taps) - 1``).
    Returns (outputs written, next t). Cost: len(taps) MACs per output.
    """
    n_taps = taps.shape[0]
    t = t0
    n = 0
    while t < ext.shape[0] and n < out.shape[0]:
        acc = 0.0
        for k in range(n_taps):
            acc += taps[k] * ext[t - k]
        out[n] = acc
        n += 1
        t += decim
    return n, t


@njit
def tone_correlate(ext, taps, decim, t0, out_m, out_s):
    """Mark and space envelopes of real audio at every ``decim``-th sample.

    ``taps`` is (4, L): real and imaginary parts of the mark correlator, then of the space
    correlator. For ``t = t0, t0 + decim, ...`` while ``t < len(ext)`` (``t0 >= L - 1``),
    writes ``|sum_k (taps[0, k] + 1j taps[1, k]) ext[t - k]|`` to ``out_m`` and likewise
    for space to ``out_s``. Returns (outputs written, next t). Cost: 4 L MACs per output.
    """
    n_taps = taps.shape[1]
    t = t0
    n = 0
    while t < ext.shape[0] and n < out_m.shape[0]:
        mr = 0.0
        mi = 0.0
        sr = 0.0
        si = 0.0
        for k in range(n_taps):
            x = ext[t - k]
            mr += taps[0, k] * x
            mi += taps[1, k] * x
            sr += taps[2, k] * x
            si += taps[3, k] * x
        out_m[n] = np.sqrt(mr * mr + mi * mi)
        out_s[n] = np.sqrt(sr * sr + si * si)
        n += 1
        t += decim
    return n, t


@njit
def _track_peak(peak, value, attack, decay):
    if value > peak:
        return peak + attack * (value - peak)
    return peak + decay * (value - peak)


@njit
def _emit(ma, sa, gains, params, state, stats, row0, out_llr, n_bits):
    """Write the LLR of every slicer gain for one bit sampled at levels (ma, sa)."""
    alpha = params[6]
    clip = params[7]
    for k in range(gains.shape[0]):
        i = stats + 2 * (row0 + k)
        v = ma - gains[k] * sa
        state[i] += alpha * (abs(v) - state[i])
        state[i + 1] += alpha * (v * v - state[i + 1])
        var = max(state[i + 1] - state[i] * state[i], 1e-3 * state[i + 1] + 1e-12)
        llr = -2.0 * state[i] * v / var
        out_llr[row0 + k, n_bits] = min(max(llr, -clip), clip)


@njit
def _lock_weight(state):
    """0 on noise, 1 on a clean signal: from the eye opening mean|d|^2 / mean d^2.

    Gaussian noise gives 2/pi = 0.64, a clean two-level signal 1.
    """
    quality = state[5] * state[5] / (state[6] + 1e-12)
    return min(max((quality - 0.75) / 0.15, 0.0), 1.0)


@njit
def _correct(state, error, gain_p, gain_f, limit_f, gain_search):
    """Apply one timing error (symbols): phase always (gain ``gain_search`` on noise,
    ``gain_p`` on a clean signal), rate only while locked."""
    error = min(max(error, -0.5), 0.5)
    weight = _lock_weight(state)
    state[0] -= (gain_search + weight * (gain_p - gain_search)) * error
    rate = state[1] - gain_f * weight * error
    if weight == 0.0:
        rate *= 1.0 - gain_f
    state[1] = min(max(rate, -limit_f), limit_f)


@njit
def _normalise(env_m, env_s, n, params, state, base):
    """Peak-normalised mark and space levels of front at ``state[base:]``.

    The peaks decay slowly (``params[5]``) while either tone reaches a quarter of its
    peak (a signal like the last one), 8 times faster while both stay below (the signal
    got weaker or stopped), so a weak frame after a strong one is normalised quickly.
    """
    m = env_m[n]
    s = env_s[n]
    decay = params[5]
    if m < 0.25 * state[base] and s < 0.25 * state[base + 1]:
        decay = 8.0 * params[5]
    state[base] = _track_peak(state[base], m, params[4], decay)
    state[base + 1] = _track_peak(state[base + 1], s, params[4], decay)
    return m / (state[base] + 1e-9), s / (state[base + 1] + 1e-9)


@njit
def slice_bits(env_m, env_s, gains, params, state, out_llr, out_t):
    """Normalise tone envelopes, recover the bit clock and sample soft bits.

    ``env_m``, ``env_s`` are (F, n): F front ends of equal delay. Each envelope is divided
    by its own peak tracker (fast attack, slow decay), which removes level and mark/space
    twist. The clock is a phase accumulator that advances ``step`` symbols per envelope
    sample. Its timing error comes from front 0's normalised mark-minus-space difference
    ``d``: either (``params[8] == 0``) the position of each sign change of ``d`` relative
    to mid-way between bits, or (``params[8] == 1``) the Gardner detector
    ``d(k - 1/2) (d(k - 1) - d(k)) / mean|d|^2``; each error pulls the phase (gain
    ``params[1]``) and, while the eye is open, the rate (gain ``params[2]``, limited to
    ``params[3]``). On each phase wrap the interpolated ``ma - g sa`` of every front and
    gain becomes an LLR (positive = space = bit 0) in row ``f * G + g``, scaled by running
    statistics. ``out_t[i]`` is the fractional envelope-sample index of bit ``i``. Returns
    the number of bits written. Cost: O(n * F * G).
    """
    n_fronts = env_m.shape[0]
    n_gains = gains.shape[0]
    stats = N_STATE_FIXED + N_FRONT * n_fronts
    step0 = params[0]
    gardner = params[8] > 0.5
    n_bits = 0
    for n in range(env_m.shape[1]):
        step = step0 * (1.0 + state[1])
        prev_p = state[0]
        state[0] = prev_p + step
        wrap = state[0] >= 1.0
        tau = min(max((1.0 - prev_p) / step, 0.0), 1.0)
        if wrap:
            state[0] -= 1.0
        emit = wrap and n_bits < out_t.shape[0]
        d = 0.0
        for f in range(n_fronts):
            base = N_STATE_FIXED + N_FRONT * f
            ma, sa = _normalise(env_m[f], env_s[f], n, params, state, base)
            if f == 0:
                d = ma - sa
            if emit:
                ia = state[base + 2] + tau * (ma - state[base + 2])
                isa = state[base + 3] + tau * (sa - state[base + 3])
                _emit(ia, isa, gains, params, state, stats, f * n_gains, out_llr, n_bits)
            state[base + 2] = ma
            state[base + 3] = sa
        prev_d = state[2]
        if gardner and prev_p < 0.5 <= prev_p + step:
            state[3] = prev_d + (0.5 - prev_p) / step * (d - prev_d)
        if emit:
            out_t[n_bits] = n - 1 + tau
            n_bits += 1
        if wrap:
            d_bit = prev_d + tau * (d - prev_d)
            state[5] += params[6] * (abs(d_bit) - state[5])
            state[6] += params[6] * (d_bit * d_bit - state[6])
            if gardner:
                error = state[3] * (state[4] - d_bit) / (state[5] * state[5] + 1e-9)
                _correct(state, error, params[1], params[2], params[3], params[9])
            state[4] = d_bit
        if not gardner and ((prev_d < 0.0 <= d) or (d < 0.0 <= prev_d)):
            frac = prev_d / (prev_d - d) if prev_d != d else 0.0
            crossing = prev_p + frac * step
            error = crossing - 0.5 if crossing < 1.0 else crossing - 1.5
            _correct(state, error, params[1], params[2], params[3], params[9])
        state[2] = d
    return n_bits
