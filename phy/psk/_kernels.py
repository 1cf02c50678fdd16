"""Numba kernels of the PSK receiver (plain NumPy twins in ``_reference.py``).

``detect``, ``derotate`` and ``demod`` are streaming: state lives in small float64 arrays
owned by the caller, outputs go to preallocated arrays, and splitting the input anywhere
gives the same output.
"""

from __future__ import annotations

import numpy as np

from phy._jit import njit
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


@njit
def detect(x, x0, stop, lag, window, thr2, cos2, peak_len, state):
    """Preamble detector: sliding lag correlation, trigger test and peak search.

    Examines absolute samples ``state[D_POS]`` up to ``stop`` (exclusive) of ``x``, whose
    first element is absolute sample ``x0``; the ``lag + window`` samples before
    ``state[D_POS]`` must be in ``x`` (history). For each sample ``n``: ``P = sum x[m]
    conj(x[m - lag])`` and ``E = sum |x[m]|^2`` over the last ``window`` samples ``m <= n``
    (running sums, recomputed from scratch every ``8 * window`` samples so the rounding left
    by a burst of huge samples cannot outlive it); ``n`` triggers when ``n >= state[D_ARM]``,
    ``E > 0``, ``|P|^2 >= thr2 E^2``, ``Re P <= 0`` and ``Re(P)^2 >= cos2 |P|^2`` (the phase
    of ``-P`` within ``+-acos(sqrt(cos2))``). From the first trigger on, the trigger with the
    largest ``|P|`` among the next ``peak_len`` samples is the peak. Returns 1 (and stops
    after that window) when a peak is complete: ``state[D_PEAK]``, ``state[D_PEAK_RE]``,
    ``state[D_PEAK_IM]``; else 0 with every sample up to ``stop`` examined. Streaming:
    splitting the samples anywhere gives the same peaks. Cost: ~15 flops per sample.
    """
    hist = lag + window
    c_re = state[D_RE]
    c_im = state[D_IM]
    e = state[D_E]
    age = int(state[D_AGE])
    pos = int(state[D_POS])
    arm = int(state[D_ARM])
    first = int(state[D_FIRST])
    best = state[D_BEST]
    found = 0
    while pos < stop:
        n = pos - x0
        pos += 1
        age += 1
        if age >= 8 * window:
            age = 0
            c_re = 0.0
            c_im = 0.0
            e = 0.0
            for m in range(n - window + 1, n + 1):
                a = x[m]
                b = x[m - lag]
                c_re += a.real * b.real + a.imag * b.imag
                c_im += a.imag * b.real - a.real * b.imag
                e += a.real * a.real + a.imag * a.imag
        else:
            a = x[n]
            b = x[n - lag]
            c_re += a.real * b.real + a.imag * b.imag
            c_im += a.imag * b.real - a.real * b.imag
            e += a.real * a.real + a.imag * a.imag
            a = x[n - window]
            b = x[n - hist]
            c_re -= a.real * b.real + a.imag * b.imag
            c_im -= a.imag * b.real - a.real * b.imag
            e -= a.real * a.real + a.imag * a.imag
        if first < 0 and pos - 1 < arm:
            continue
        mag2 = c_re * c_re + c_im * c_im
        trig = e > 0.0 and c_re <= 0.0 and mag2 >= thr2 * e * e and c_re * c_re >= cos2 * mag2
        if trig:
            if first < 0:
                first = pos - 1
                best = -1.0
            p_re = np.float32(c_re)
            p_im = np.float32(c_im)
            metric = np.float64(p_re) * np.float64(p_re) + np.float64(p_im) * np.float64(p_im)
            if metric > best:
                best = metric
                state[D_PEAK] = pos - 1
                state[D_PEAK_RE] = p_re
                state[D_PEAK_IM] = p_im
        if first >= 0 and pos >= first + peak_len:
            found = 1
            break
    state[D_RE] = c_re
    state[D_IM] = c_im
    state[D_E] = e
    state[D_AGE] = age
    state[D_POS] = pos
    state[D_FIRST] = first
    state[D_BEST] = best
    return found


@njit
def derotate(x, omega, phase0, n0, gain, out):
    """``out[k] = gain * x[k] * exp(-1j * (phase0 + omega * (n0 + k)))`` for every ``k``.

    A recursive phasor, re-anchored exactly at every multiple of 64 of ``n0 + k`` so the
    result does not depend on how a stream is split. Cost: one complex multiply per sample.
    """
    n = x.shape[0]
    step = complex(np.cos(omega), -np.sin(omega))
    rot = complex(1.0, 0.0)
    for k in range(n):
        if k == 0 or (n0 + k) % 64 == 0:
            ph = phase0 + omega * (n0 + k)
            rot = complex(gain * np.cos(ph), -gain * np.sin(ph))
        out[k] = x[k] * rot
        rot *= step
    return n


@njit
def _mf(xd, bank, p, start):
    """One matched-filter output: sum_m bank[p, m] * xd[start + m] (taps a multiple of 4)."""
    n_taps = bank.shape[1]
    r0 = 0.0
    i0 = 0.0
    r1 = 0.0
    i1 = 0.0
    r2 = 0.0
    i2 = 0.0
    r3 = 0.0
    i3 = 0.0
    for m in range(0, n_taps, 4):
        a = xd[start + m]
        b = xd[start + m + 1]
        c = xd[start + m + 2]
        d = xd[start + m + 3]
        r0 += bank[p, m] * a.real
        i0 += bank[p, m] * a.imag
        r1 += bank[p, m + 1] * b.real
        i1 += bank[p, m + 1] * b.imag
        r2 += bank[p, m + 2] * c.real
        i2 += bank[p, m + 2] * c.imag
        r3 += bank[p, m + 3] * d.real
        i3 += bank[p, m + 3] * d.imag
    return (r0 + r1) + (r2 + r3), (i0 + i1) + (i2 + i3)


@njit
def demod(xd, bank, sps, state, gains, qpsk, out, out_t):
    """Symbol timing (Mueller-Muller) and carrier phase (decision-directed PLL) on ``xd``.

    ``xd`` is the carrier-derotated, gain-normalised sample buffer; ``bank`` the polyphase
    matched filter (``matched_filter_bank``); ``state`` the ``N_STATE`` loop variables
    (``T_NEXT`` indexes ``xd``); ``gains`` = [timing Kp, timing Ki, phase Kp, phase Ki] and
    optionally a fifth, ``soft``: when positive the decisions are soft, ``tanh(soft x)``
    per rail (``soft x`` = half the rail's LLR), which keeps the detectors' noise down at
    low SNR (costs four tanh per symbol); and a sixth, ``locked``: when positive the
    symbols written are ``z`` (after the phase loop), for strong bursts whose loop was
    locked on known symbols.
    Per symbol: ``y`` = matched filter at the strobe, ``z = y conj(phasor)``, decision ``d``;
    timing error ``Re(conj(d[k-1]) z[k] - conj(d[k]) z[k-1])`` (it moves strobe ``k + 2``,
    which lets consecutive symbols overlap in the CPU), phase error ``Im(z conj(d))``.
    Writes the raw symbols ``y`` (before the phase loop's rotation: ``_carrier_kernels``
    recovers the carrier of the whole burst; the loop only feeds the timing detector good
    decisions) to ``out`` (their strobe times, fractional ``xd`` indices, to ``out_t``)
    while the strobe's filter span fits in ``xd``
    and ``out`` has room; returns how many. The timing step stays within sps/2 of nominal,
    its integrator within 10 %, the phase loop's frequency within 0.5 rad per symbol and its
    step within 1 rad, and a filter output that overflowed (or is NaN) counts as 0, so
    garbage input cannot derail the loops. The phasor turns by ``a = omega + Kp e`` per
    symbol with ``cos a ~ 1 - a^2/2``, ``sin a ~ a - a^3/6`` and is renormalised (no trig).
    Cost: one ``bank.shape[1]``-tap complex-by-real filter output per symbol plus ~30 flops.
    """
    n_phases = bank.shape[0]
    half = bank.shape[1] // 2
    inv = 1.0 / np.sqrt(2.0)
    soft = gains[4] if gains.shape[0] > 4 else 0.0
    locked = gains.shape[0] > 5 and gains[5] > 0.0
    t = state[T_NEXT]
    integ = state[T_INTEG]
    c = state[COS]
    s = state[SIN]
    omega = state[OMEGA]
    zp_re = state[PREV_RE]
    zp_im = state[PREV_IM]
    have_prev = state[HAVE_PREV]
    err_prev = state[ERR_PREV]
    n = 0
    while n < out.shape[0]:
        i = int(np.floor(t))
        p = int(np.floor((t - i) * n_phases + 0.5))
        if p >= n_phases:
            i += 1
            p -= n_phases
        if i - half + 1 < 0 or i + half >= xd.shape[0]:
            break
        t_strobe = t
        t += sps + min(max(integ + gains[0] * err_prev, -0.5 * sps), 0.5 * sps)
        y_re, y_im = _mf(xd, bank, p, i - half + 1)
        if not (abs(y_re) < 1e30 and abs(y_im) < 1e30):  # overflow or NaN: an erasure
            y_re = 0.0
            y_im = 0.0
        z_re = y_re * c + y_im * s
        z_im = y_im * c - y_re * s
        if soft > 0.0:  # soft decisions: the mean symbol given z, inv tanh(LLR / 2)
            h = inv if qpsk else 1.0
            d_re = h * np.tanh(soft * z_re)
            d_im = h * np.tanh(soft * z_im) if qpsk else 0.0
            dp_re = h * np.tanh(soft * zp_re)
            dp_im = h * np.tanh(soft * zp_im) if qpsk else 0.0
        elif qpsk:
            d_re = np.copysign(inv, z_re)
            d_im = np.copysign(inv, z_im)
            dp_re = np.copysign(inv, zp_re)
            dp_im = np.copysign(inv, zp_im)
        else:
            d_re = np.copysign(1.0, z_re)
            d_im = 0.0
            dp_re = np.copysign(1.0, zp_re)
            dp_im = 0.0
        err_p = z_im * d_re - z_re * d_im
        err_t = 0.0
        if have_prev > 0.0:
            err_t = (dp_re * z_re + dp_im * z_im) - (d_re * zp_re + d_im * zp_im)
        out[n] = complex(z_re, z_im) if locked else complex(y_re, y_im)
        out_t[n] = t_strobe
        n += 1
        integ = min(max(integ + gains[1] * err_t, -0.1 * sps), 0.1 * sps)
        err_prev = err_t
        zp_re = z_re
        zp_im = z_im
        have_prev = 1.0
        omega = min(max(omega + gains[3] * err_p, -0.5), 0.5)
        a = min(max(omega + gains[2] * err_p, -1.0), 1.0)
        ca = 1.0 - 0.5 * a * a
        sa = a - a * a * a / 6.0
        c, s = c * ca - s * sa, s * ca + c * sa
        g = 1.5 - 0.5 * (c * c + s * s)
        c *= g
        s *= g
    state[T_NEXT] = t
    state[T_INTEG] = integ
    state[COS] = c
    state[SIN] = s
    state[OMEGA] = omega
    state[PREV_RE] = zp_re
    state[PREV_IM] = zp_im
    state[HAVE_PREV] = have_prev
    state[ERR_PREV] = err_prev
    return n


@njit
def symbol_stats(z, qpsk, out):
    """Decision-directed amplitude and noise of PSK symbols.

    With ``d`` the nearest unit-power constellation point of each ``z``, writes
    ``out[0] = A = mean Re(z conj(d))`` and ``out[1] = mean |z - A d|^2`` (complex noise
    power). Decision errors bias it only at symbol error rates far above those of a burst
    that decodes. Cost: two passes over ``z``.
    """
    n = z.shape[0]
    h = 0.7071067811865476 if qpsk else 1.0
    amp = 0.0
    for k in range(n):
        re = z[k].real
        im = z[k].imag
        if qpsk:
            amp += (abs(re) + abs(im)) * h
        else:
            amp += abs(re)
    if n > 0:
        amp /= n
    noise = 0.0
    for k in range(n):
        re = z[k].real
        im = z[k].imag
        dr = re - amp * np.copysign(h, re)
        di = im - amp * np.copysign(h, im) if qpsk else im
        noise += dr * dr + di * di
    if n > 0:
        noise /= n
    out[0] = amp
    out[1] = noise


@njit
def _derotate_exact(x, omega, out):
    """``out[k] = x[k] exp(-j omega k)`` (complex128), the phasor re-anchored every 16."""
    step = complex(np.cos(omega), -np.sin(omega))
    rot = complex(1.0, 0.0)
    for k in range(x.shape[0]):
        if k % 16 == 0:
            rot = complex(np.cos(omega * k), -np.sin(omega * k))
        out[k] = x[k] * rot
        rot *= step


@njit
def acquire_window(x, lag_re, lag_im, sps, fine_lag, out):
    """Burst parameters from a preamble window (the maths is in ``_acquire``).

    Writes ``out`` = [carrier offset (rad per sample), carrier phase (rad, modulo pi), a
    symbol peak (fractional index into ``x``, modulo ``sps``), tone-pair level]. ``lag_re``,
    ``lag_im`` is the detector's one-symbol-lag correlation over the window; the 8-symbol
    refinement uses lag ``fine_lag`` when ``x`` is longer than twice that. Cost: 4 passes, a
    sine and cosine every 16 samples.
    """
    n = x.shape[0]
    omega = np.arctan2(-lag_im, -lag_re) / sps
    d = np.empty(n, dtype=np.complex128)
    _derotate_exact(x, omega, d)
    lag = 2 * sps
    while lag <= fine_lag and n > 2 * lag:  # lags 2, 4, 8 ... symbols, up to fine_lag
        acc = complex(0.0, 0.0)
        for k in range(lag, n):
            acc += d[k] * d[k - lag].conjugate()
        delta = np.arctan2(acc.imag, acc.real) / lag
        omega += delta
        _derotate_exact(d, delta, d)
        lag *= 2
    usable = n - n % (2 * sps)
    tones = np.empty(2 * sps, dtype=np.complex128)
    for k in range(2 * sps):
        tones[k] = complex(np.cos(np.pi * k / sps), -np.sin(np.pi * k / sps))
    c_plus = complex(0.0, 0.0)
    c_minus = complex(0.0, 0.0)
    for k in range(usable):
        tone = tones[k % (2 * sps)]
        c_plus += d[k] * tone
        c_minus += d[k] * tone.conjugate()
    t = c_minus * c_plus.conjugate()
    ph = c_plus * c_minus
    out[0] = omega
    out[1] = np.arctan2(ph.imag, ph.real) / 2
    out[2] = (np.arctan2(t.imag, t.real) / (2 * np.pi) * sps) % sps
    out[3] = (abs(c_plus) + abs(c_minus)) / max(usable, 1)


@njit
def _soft_bits(syms, rot, qpsk, out):
    """Soft bits of ``syms * rot`` (Re for BPSK; Re, Im for QPSK) into ``out``; how many."""
    n = 0
    for k in range(syms.shape[0]):
        z = syms[k] * rot
        if n < out.shape[0]:
            out[n] = z.real
            n += 1
        if qpsk and n < out.shape[0]:
            out[n] = z.imag
            n += 1
    return n


@njit
def header_length_direct(soft, golay):
    """The payload length of 48 header soft bits when both hard 24-bit halves are the same
    codeword of ``golay`` (all codewords indexed by their 12 data bits), else -1."""
    half = soft.shape[0] // 2
    w0 = 0
    w1 = 0
    for i in range(half):
        w0 = 2 * w0 + (1 if soft[i] < 0 else 0)
        w1 = 2 * w1 + (1 if soft[half + i] < 0 else 0)
    if w0 == w1 and golay[w0 >> 12] == w0:
        return w0 >> 12
    return -1


@njit
def sync_header(syms, sync_syms, sync_bits, qpsk, max_errors, golay, out_soft, out):
    """Sync word position, phase ambiguity and header of a burst's first symbols.

    ``syms`` holds the candidate region followed by room for the header: positions
    ``0 .. syms.size - sync.size - out_soft.size / bits per symbol``. The correlation
    ``c[p] = sum_n syms[p + n] conj(sync_syms[n])`` is tried at its best, then its
    runner-up position; the phase of ``c`` rounded to a multiple of pi/2 (QPSK) or pi
    (BPSK) is the ambiguity ``k``; the hard bits of the sync word, rotated by the phase of
    ``c`` itself (raw symbols carry any carrier phase), may differ from ``sync_bits`` in
    at most ``max_errors`` places. Writes the header's soft bits (so rotated) to
    ``out_soft`` and ``out`` = [position, k, sync errors, header length or -1]; the length
    is read directly when both hard 24-bit halves equal the same codeword of ``golay``
    (all codewords indexed by their 12 data bits), else -1 (decode ``out_soft`` in full).
    Returns 1 when a sync word matched, else 0. Cost: ~size * sync size flops.
    """
    n_sync = sync_syms.shape[0]
    bps = 2 if qpsk else 1
    n_header = -(-out_soft.shape[0] // bps)
    n_pos = syms.shape[0] - n_sync - n_header + 1
    if n_pos <= 0:
        return 0
    mag = np.empty(n_pos, dtype=np.float64)
    corr = np.empty(n_pos, dtype=np.complex128)
    for p in range(n_pos):
        c = complex(0.0, 0.0)
        for n in range(n_sync):
            c += complex(syms[p + n]) * complex(sync_syms[n]).conjugate()
        mag[p] = c.real * c.real + c.imag * c.imag
        corr[p] = c
    quarter = np.pi / 2 if qpsk else np.pi
    turns = 4 if qpsk else 2
    bits = np.empty(n_sync * bps, dtype=np.float32)
    for _ in range(2):  # the best match, else the runner-up
        pos = int(np.argmax(mag))
        if not mag[pos] > 0.0:
            return 0
        mag[pos] = -1.0
        c = corr[pos]
        k = int(np.round(np.arctan2(c.imag, c.real) / quarter)) % turns
        rot = np.complex64(c.conjugate() / abs(c))
        _soft_bits(syms[pos : pos + n_sync], rot, qpsk, bits)
        errors = 0
        for i in range(bits.shape[0]):
            if (bits[i] < 0) != (sync_bits[i] != 0):
                errors += 1
        if errors <= max_errors:
            start = pos + n_sync
            _soft_bits(syms[start : start + n_header], rot, qpsk, out_soft)
            out[0] = pos
            out[1] = k
            out[2] = errors
            out[3] = header_length_direct(out_soft, golay)
            return 1
    return 0


@njit
def burst_llrs(syms, qpsk, n_skip, max_snr, out_llrs, out):
    """Statistics of a burst's symbols and the LLRs of its payload.

    ``syms``: sync word, header and payload symbols, carrier-corrected. With
    ``A``, ``N`` from ``symbol_stats`` (``N`` floored at ``A^2 / max_snr``) the LLR scale is
    ``4 A / N`` (BPSK) or ``2 sqrt(2) A / N`` (QPSK); ``out_llrs`` gets the scaled soft bits
    of ``syms[n_skip:]`` (as many as it holds). ``out`` = [A, N, scale, 1 if A > 0 and
    finite else 0 (then scale 1)]. Cost: three passes over the symbols.
    """
    moments = np.zeros(2, dtype=np.float64)
    symbol_stats(syms, qpsk, moments)
    amp = moments[0]
    noise = moments[1]
    valid = amp > 0.0 and np.isfinite(amp + noise)
    scale = 1.0
    if valid:
        noise = max(noise, amp * amp / max_snr)
        scale = (2.0 * np.sqrt(2.0) if qpsk else 4.0) * amp / noise
    s = np.float32(scale)
    n = 0
    for i in range(n_skip, syms.shape[0]):
        z = syms[i]
        if n < out_llrs.shape[0]:
            out_llrs[n] = z.real * s
            n += 1
        if qpsk and n < out_llrs.shape[0]:
            out_llrs[n] = z.imag * s
            n += 1
    out[0] = amp
    out[1] = noise
    out[2] = scale
    out[3] = 1.0 if valid else 0.0
