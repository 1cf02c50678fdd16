"""Plain NumPy twins of the PSK kernels (same signatures), for the tests."""

from __future__ import annotations

import numpy as np

from phy.psk._layout import (
    COS,
    D_AGE,
    D_ARM,
    D_BEST,
    D_E,
    D_FIRST,
    D_IM,
    D_PEAK,
    D_PEAK_IM,
    D_PEAK_RE,
    D_POS,
    D_RE,
    ERR_PREV,
    HAVE_PREV,
    OMEGA,
    PREV_IM,
    PREV_RE,
    SIN,
    T_INTEG,
    T_NEXT,
)


def detect(x, x0, stop, lag, window, thr2, cos2, peak_len, state):
    hist = lag + window
    pos = int(state[D_POS])
    if pos >= stop:
        return 0
    seg = x[pos - hist - x0 : stop - x0].astype(np.complex128)
    prod = seg[lag:] * np.conj(seg[:-lag])  # prod[j] is for segment sample j + lag
    csum = np.concatenate([[0], np.cumsum(prod)])
    esum = np.concatenate([[0], np.cumsum(np.abs(seg) ** 2)])
    n = np.arange(hist, seg.size)  # segment indices of the examined samples
    corr = csum[n - lag + 1] - csum[n - lag + 1 - window]
    energy = esum[n + 1] - esum[n + 1 - window]
    mag2 = np.abs(corr) ** 2
    trig = (energy > 0) & (corr.real <= 0) & (mag2 >= thr2 * energy**2)
    trig &= corr.real**2 >= cos2 * mag2
    absn = n - hist + pos
    trig &= absn >= state[D_ARM]
    first = int(state[D_FIRST])
    if first < 0 and trig.any():
        first = int(absn[trig.argmax()])
        state[D_FIRST], state[D_BEST] = first, -1.0
    end = min(first + peak_len, stop) if first >= 0 else stop
    for k in np.flatnonzero(trig & (absn < end)):
        p = corr[k].astype(np.complex64)
        metric = float(p.real) ** 2 + float(p.imag) ** 2
        if metric > state[D_BEST]:
            state[D_BEST], state[D_PEAK] = metric, absn[k]
            state[D_PEAK_RE], state[D_PEAK_IM] = p.real, p.imag
    last = end - 1 - pos  # index into n of the last examined sample
    state[D_RE], state[D_IM], state[D_E] = corr[last].real, corr[last].imag, energy[last]
    state[D_AGE] = (state[D_AGE] + last + 1) % (8 * window)
    state[D_POS] = end
    return int(first >= 0 and end == first + peak_len)


def derotate(x, omega, phase0, n0, gain, out):
    k = np.arange(x.shape[0])
    out[: x.shape[0]] = gain * x * np.exp(-1j * (phase0 + omega * (n0 + k)))
    return x.shape[0]


def demod(xd, bank, sps, state, gains, qpsk, out, out_t):
    n_phases, n_taps = bank.shape
    half = n_taps // 2
    n = 0
    while n < out.shape[0]:
        t = state[T_NEXT]
        i = int(np.floor(t))
        p = int(np.floor((t - i) * n_phases + 0.5))
        if p >= n_phases:
            i, p = i + 1, p - n_phases
        if i - half + 1 < 0 or i + half >= xd.shape[0]:
            break
        y = np.dot(bank[p].astype(np.float64), xd[i - half + 1 : i + half + 1])
        if not (abs(y.real) < 1e30 and abs(y.imag) < 1e30):
            y = 0j
        z = y * complex(state[COS], -state[SIN])
        zp = complex(state[PREV_RE], state[PREV_IM])
        soft = gains[4] if len(gains) > 4 else 0.0
        if soft > 0 and qpsk:
            d = complex(np.tanh(soft * z.real), np.tanh(soft * z.imag)) / np.sqrt(2)
            dp = complex(np.tanh(soft * zp.real), np.tanh(soft * zp.imag)) / np.sqrt(2)
        elif soft > 0:
            d = np.tanh(soft * z.real)
            dp = np.tanh(soft * zp.real)
        elif qpsk:
            d = complex(np.copysign(1, z.real), np.copysign(1, z.imag)) / np.sqrt(2)
            dp = complex(np.copysign(1, zp.real), np.copysign(1, zp.imag)) / np.sqrt(2)
        else:
            d = np.copysign(1.0, z.real)
            dp = np.copysign(1.0, zp.real)
        err_p = (z * np.conj(d)).imag
        err_t = (np.conj(dp) * z - np.conj(d) * zp).real if state[HAVE_PREV] > 0 else 0.0
        out[n] = z if len(gains) > 5 and gains[5] > 0 else y
        out_t[n] = t
        n += 1
        step = np.clip(state[T_INTEG] + gains[0] * state[ERR_PREV], -sps / 2, sps / 2)
        state[T_NEXT] = t + sps + step
        state[T_INTEG] = np.clip(state[T_INTEG] + gains[1] * err_t, -0.1 * sps, 0.1 * sps)
        state[ERR_PREV] = err_t
        state[PREV_RE], state[PREV_IM], state[HAVE_PREV] = z.real, z.imag, 1.0
        state[OMEGA] = np.clip(state[OMEGA] + gains[3] * err_p, -0.5, 0.5)
        a = np.clip(state[OMEGA] + gains[2] * err_p, -1.0, 1.0)
        rot = complex(state[COS], state[SIN]) * complex(1 - a * a / 2, a - a**3 / 6)
        rot *= 1.5 - 0.5 * abs(rot) ** 2
        state[COS], state[SIN] = rot.real, rot.imag
    return n


def symbol_stats(z, qpsk, out):
    z = np.asarray(z, dtype=np.complex128)
    if qpsk:
        d = (np.copysign(1, z.real) + 1j * np.copysign(1, z.imag)) / np.sqrt(2)
    else:
        d = np.copysign(1, z.real).astype(np.complex128)
    amp = float(np.mean((z * np.conj(d)).real)) if z.size else 0.0
    noise = float(np.mean(np.abs(z - amp * d) ** 2)) if z.size else 0.0
    out[0], out[1] = amp, noise


def acquire_window(x, lag_re, lag_im, sps, fine_lag, out):
    x = np.asarray(x, dtype=np.complex128)
    n = np.arange(x.size)
    omega = np.angle(complex(-lag_re, -lag_im)) / sps
    lag = 2 * sps
    while lag <= fine_lag and x.size > 2 * lag:
        xd = x * np.exp(-1j * omega * n)
        omega += np.angle(np.vdot(xd[:-lag], xd[lag:])) / lag
        lag *= 2
    usable = x.size - x.size % (2 * sps)
    xd = x[:usable] * np.exp(-1j * omega * n[:usable])
    tones = np.exp(-1j * np.pi * n[:usable] / sps)
    c_plus = np.dot(xd, tones)
    c_minus = np.dot(xd, np.conj(tones))
    out[0] = omega
    out[1] = np.angle(c_plus * c_minus) / 2
    out[2] = (np.angle(c_minus * np.conj(c_plus)) / (2 * np.pi) * sps) % sps
    out[3] = (abs(c_plus) + abs(c_minus)) / max(usable, 1)


def _soft_rotated(syms, rot, qpsk):
    z = np.asarray(syms, dtype=np.complex64) * rot
    return np.column_stack([z.real, z.imag]).ravel() if qpsk else z.real.copy()


def sync_header(syms, sync_syms, sync_bits, qpsk, max_errors, golay, out_soft, out):
    n_sync = sync_syms.shape[0]
    n_header = -(-out_soft.shape[0] // (2 if qpsk else 1))
    n_pos = syms.shape[0] - n_sync - n_header + 1
    if n_pos <= 0:
        return 0
    windows = np.lib.stride_tricks.sliding_window_view(syms.astype(np.complex128), n_sync)
    corr = windows[:n_pos] @ np.conj(sync_syms.astype(np.complex128))
    mag = np.abs(corr) ** 2
    quarter, turns = (np.pi / 2, 4) if qpsk else (np.pi, 2)
    for _ in range(2):
        pos = int(np.argmax(mag))
        if not mag[pos] > 0:
            return 0
        mag[pos] = -1.0
        k = int(np.round(np.angle(corr[pos]) / quarter)) % turns
        rot = np.complex64(np.exp(-1j * np.angle(corr[pos])))
        bits = (_soft_rotated(syms[pos : pos + n_sync], rot, qpsk) < 0).astype(np.uint8)
        errors = int(np.count_nonzero(bits != sync_bits))
        if errors <= max_errors:
            start = pos + n_sync
            head = _soft_rotated(syms[start : start + n_header], rot, qpsk)
            out_soft[:] = head[: out_soft.shape[0]]
            half = out_soft.shape[0] // 2
            weights = 1 << np.arange(half - 1, -1, -1)
            w0, w1 = (int(w) for w in (out_soft < 0).reshape(2, half) @ weights)
            length = w0 >> 12 if w0 == w1 and golay[w0 >> 12] == w0 else -1
            out[:] = pos, k, errors, length
            return 1
    return 0


def burst_llrs(syms, qpsk, n_skip, max_snr, out_llrs, out):
    moments = np.zeros(2)
    symbol_stats(syms, qpsk, moments)
    amp, noise = moments
    valid = amp > 0 and np.isfinite(amp + noise)
    scale = 1.0
    if valid:
        noise = max(noise, amp * amp / max_snr)
        scale = (2 * np.sqrt(2) if qpsk else 4.0) * amp / noise
    soft = _soft_rotated(syms[n_skip:], np.complex64(1), qpsk)[: out_llrs.shape[0]]
    out_llrs[: soft.size] = soft * np.float32(scale)
    out[:] = amp, noise, scale, float(valid)
