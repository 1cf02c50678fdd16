"""Numba kernels of the GFSK receiver (NumPy twins in ``_reference.py``).

Two streaming kernels share their state through small arrays owned by ``Receiver``:

* ``front_end``: per native sample, a coarse carrier-offset estimate (lag-1 autocorrelation
  summed over a boxcar window), an NCO that removes it, and the
  channel filter (two cascaded boxcars as running sums).
* ``symbol_sync``: per filtered sample, the one-symbol differential product, a squared-eye
  timing estimate (Oerder-Meyr line at the symbol rate), strobes interpolated at the estimated
  symbol boundaries; per symbol, the residual offset from the fourth power of the two-symbol
  differential product (blind to the data for h = 0.5; averaged as the total offset, so the
  coarse stage's data-driven wander is known and removed exactly; range +-Rs/8), then
  decision-feedback differential detection.

State layouts (index constants below) are fixed; ``Receiver`` allocates them with
``new_front_end_state`` / ``new_symbol_state`` in ``_receiver.py``.
"""

from __future__ import annotations

import numpy as np

from phy._jit import njit

# front_end complex state
FE_X_PREV, FE_R1, FE_PHASOR, FE_STEP, FE_SUM1, FE_SUM2, FE_STEP_OLD, FE_RL = range(8)
FE_N_COMPLEX = 8
# front_end int state
FE_POS, FE_PHASE, FE_DECIM, FE_POS_P, FE_POS_X = range(5)
FE_N_INT = 5
# symbol_sync complex state
SY_Y_PREV, SY_C, SY_CSUM, SY_R2, SY_U2, SY_YK_PREV, SY_REF, SY_YK_PREV2 = 0, 1, 2, 3, 4, 5, 6, 7
SY_N_COMPLEX = 8
# symbol_sync float state: timing, power, held offset, header soft bits
SY_T_NEXT, SY_POWER, SY_F_HOLD, SY_HEADER = 0, 1, 2, 3
HOLD_HEADER_BITS = 48  # the PHY header (phy.framing.HEADER_BITS)
SY_P_HOLD = SY_HEADER + HOLD_HEADER_BITS  # signal power when the hold began
SY_N_FLOAT = SY_P_HOLD + 1
# symbol_sync int state
SY_POS, SY_PHASE, SY_N_ABS, SY_N_SYM, SY_POS_C, SY_POS_R = 0, 1, 2, 3, 4, 5
SY_MODE, SY_COUNT, SY_REG = 6, 7, 8
SY_RELEASE = 9  # symbol index of the latest early release of a hold (-1: none yet)
SY_LATE = 10  # 1 while the header follows a late-lock sync word (phy.framing's rule)
SY_N_INT = 11
# burst hold modes (SY_MODE): searching, collecting the header, inside a payload
MODE_FREE, MODE_HEADER, MODE_PAYLOAD = 0, 1, 2
HOLD_MARGIN = 2  # symbols held after the last payload bit

CLIP = 1.0e6  # input components are clipped here so that running sums stay exact enough


@njit
def _combine_lags(r1, r_lag, lag):
    """Offset in cycles per sample from lag-1 and lag-``lag`` sums (lag-``lag`` precision)."""
    f1 = np.arctan2(r1.imag, r1.real) / (2 * np.pi)
    if not abs(r_lag) > 0:
        return f1
    f_lag = np.arctan2(r_lag.imag, r_lag.real) / (2 * np.pi * lag)
    f = f_lag + np.round((f1 - f_lag) * lag) / lag
    return f - np.round(f)


@njit
def front_end(x, params, c_state, i_state, ring1, ring2, ring_p, ring_x, out_y, out_f):
    """Coarse offset removal, channel filtering and decimation of ``x`` (complex64).

    ``params`` = (unused, samples per NCO update, decimation); the coarse offset comes from
    the lag-1 and lag-L (L = decimation x ``len(ring_x)``, a ring of the samples the
    products are taken at) autocorrelations, taken at every
    ``decimation``-th sample and summed over the last ``len(ring_p)`` of them (boxcars, so a
    burst's estimate is free of the previous burst's): lag 1 gives the range (+-fs/2), lag L
    the precision; every ``decimation``-th
    filtered sample goes to ``out_y`` (complex64) and the NCO frequency in cycles per input
    sample to ``out_f`` (float32). Returns the number of outputs. Non-finite inputs count as
    0; components are clipped to +-CLIP. ``out_f`` is the NCO frequency that the output's
    centre sample (one filter delay back) was mixed with. Cost: ~30 flops per input sample.
    """
    block = np.int64(params[1])
    n_p = ring_p.shape[0]
    decim = np.int64(params[2])
    n_x = ring_x.shape[0]
    lag = n_x * decim
    length = ring1.shape[0]
    x_prev = c_state[FE_X_PREV]
    r1 = c_state[FE_R1]
    r_lag = c_state[FE_RL]
    phasor = c_state[FE_PHASOR]
    step = c_state[FE_STEP]
    sum1 = c_state[FE_SUM1]
    sum2 = c_state[FE_SUM2]
    pos = i_state[FE_POS]
    pos_p = i_state[FE_POS_P]
    pos_x = i_state[FE_POS_X]
    phase = i_state[FE_PHASE]
    k_dec = i_state[FE_DECIM]
    n_out = 0
    step_old = c_state[FE_STEP_OLD]
    f_now = -np.arctan2(step.imag, step.real) / (2 * np.pi)
    f_old = -np.arctan2(step_old.imag, step_old.real) / (2 * np.pi)
    delay = length - 1  # group delay of the channel filter
    gain = 1.0 / (length * length)
    for n in range(x.shape[0]):
        re = np.float64(x[n].real)
        im = np.float64(x[n].imag)
        if not (abs(re) <= CLIP):  # NaN fails every comparison
            re = 0.0 if re != re else (CLIP if re > 0 else -CLIP)
        if not (abs(im) <= CLIP):
            im = 0.0 if im != im else (CLIP if im > 0 else -CLIP)
        xn = complex(re, im)
        if k_dec == 0:  # the offset products are taken once per output sample
            prod = xn * x_prev.conjugate()
            r1 += prod - ring_p[pos_p, 0]
            ring_p[pos_p, 0] = prod
            prod = xn * ring_x[pos_x].conjugate()
            r_lag += prod - ring_p[pos_p, 1]
            ring_p[pos_p, 1] = prod
            pos_p += 1
            if pos_p == n_p:  # re-add exactly once per lap: rounding never accumulates
                pos_p = 0
                r1 = ring_p[:, 0].sum()
                r_lag = ring_p[:, 1].sum()
            ring_x[pos_x] = xn  # only these samples are ever looked back at
            pos_x += 1
            if pos_x == n_x:
                pos_x = 0
        x_prev = xn
        mixed = xn * phasor
        phasor *= step
        sum1 += mixed - ring1[pos]
        ring1[pos] = mixed
        sum2 += sum1 - ring2[pos]
        ring2[pos] = sum1
        pos += 1
        if pos == length:
            pos = 0
        k_dec += 1
        if k_dec == decim:
            k_dec = 0
            out_y[n_out] = sum2 * gain
            out_f[n_out] = f_now if phase >= delay else f_old  # as seen through the filter
            n_out += 1
        phase += 1
        if phase == block:
            phase = 0
            step_old = step
            f_old = f_now
            f_now = _combine_lags(r1, r_lag, lag)
            step = complex(np.cos(2 * np.pi * f_now), -np.sin(2 * np.pi * f_now))
            phasor /= abs(phasor)
    c_state[FE_X_PREV] = x_prev
    c_state[FE_R1] = r1
    c_state[FE_RL] = r_lag
    c_state[FE_PHASOR] = phasor
    c_state[FE_STEP] = step
    c_state[FE_STEP_OLD] = step_old
    c_state[FE_SUM1] = sum1
    c_state[FE_SUM2] = sum2
    i_state[FE_POS] = pos
    i_state[FE_PHASE] = phase
    i_state[FE_DECIM] = k_dec
    i_state[FE_POS_P] = pos_p
    i_state[FE_POS_X] = pos_x
    return n_out


@njit
def _unit_sqrt(w):
    """Principal square root of a unit phasor (real part >= 0)."""
    re = np.sqrt(max(0.5 * (1.0 + w.real), 0.0))
    im = np.sqrt(max(0.5 * (1.0 - w.real), 0.0))
    return complex(re, -im if w.imag < 0 else im)


@njit
def _fourth_root(r, fallback):
    """Unit phasor with a quarter of the angle of ``r`` in (-pi/4, pi/4]; ``fallback`` if 0."""
    mag = abs(r)
    if not mag > 0:
        return fallback
    return _unit_sqrt(_unit_sqrt(r / mag))


@njit(inline="always")
def _popcount(v):
    """Number of bits set in the non-negative int64 ``v`` < 2**56 (branch-free)."""
    v = v - ((v >> 1) & 0x5555555555555555)
    v = (v & 0x3333333333333333) + ((v >> 2) & 0x3333333333333333)
    v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0F
    v = v + (v >> 8)
    v = v + (v >> 16)
    v = v + (v >> 32)
    return v & 0x7F


@njit
def header_length(soft, columns, max_errors, max_length):
    """Payload length from 48 header soft values (positive means 0), or -1 when rejected.

    Maximum likelihood over the 4096 Golay (24,12) codewords on the sum of the two copies,
    rejected when more than ``max_errors`` of the 48 hard decisions disagree with the
    decoded pair or the length exceeds ``max_length`` (``phy.framing``'s rule). Bit i of
    the codeword of data d is the parity of ``columns[i] & d``, so all 4096 correlations are
    one fast Walsh-Hadamard transform. Cost: ~50 000 additions.
    """
    n = columns.shape[0]
    size = 4096
    w = np.zeros(size)
    for i in range(n):
        w[columns[i]] += soft[i] + soft[n + i]
    h = 1
    while h < size:
        for start in range(0, size, 2 * h):
            for j in range(start, start + h):
                a = w[j]
                b = w[j + h]
                w[j] = a + b
                w[j + h] = a - b
        h *= 2
    best = np.argmax(w)
    errors = 0
    for i in range(n):
        bit = _popcount(columns[i] & best) & 1 == 1
        for copy in range(2):
            if (soft[copy * n + i] < 0) != bit:
                errors += 1
    if errors > max_errors or best > max_length:
        return -1
    return best


@njit
def _header_step(llr, count, params, columns, f_state, max_errors):
    """One header soft bit of a hold (kept in ``f_state``): (mode, count) after it.

    After the 48th: the payload's hold (its length from the header, plus ``HOLD_MARGIN``
    symbols) when the header is accepted, else back to searching.
    """
    f_state[SY_HEADER + count] = llr
    count += 1
    if count < HOLD_HEADER_BITS:
        return MODE_HEADER, count
    soft = f_state[SY_HEADER : SY_HEADER + HOLD_HEADER_BITS]
    length = header_length(soft, columns, max_errors, params[9])
    if length < 0:
        return MODE_FREE, 0
    return MODE_PAYLOAD, 8 * length + HOLD_MARGIN


@njit
def symbol_sync(
    y, f, params, table, columns, c_state, f_state, i_state, ring, ring_c, ring_r, out_llr, slots
):
    """Timing recovery and decision-feedback differential detection on filtered samples.

    ``params`` = (samples per symbol in ``y``, max sync-word errors, timing gain, max header
    errors, feedback beta, power alpha, input samples per ``y`` sample, sync word, sync-word
    bits, max payload bytes, release power ratio, late-lock head errors (-1: off), late-lock
    header errors, late-lock tail bits); ``columns`` the header code's generator
    columns (see ``header_length``); the timing line and the offset average are boxcar sums
    over the last ``len(ring_c)`` / ``len(ring_r)`` symbols; ``table[k] = exp(-2j*pi*k/sps)``.

    Burst hold: outside a payload the residual offset tracks (data-blind, range +-Rs/8
    around the coarse NCO). A sync-word match records the total offset (coarse + residual,
    averaged over preamble and sync word); when the 48 header bits after it pass the
    framer's check, that offset is held until the payload the header announces ends, so
    long runs of one tone, which pull the coarse estimate, cannot move it (the coarse NCO's
    known wander is removed exactly). A false match on noise thus never holds anything,
    and a newer match restarts the header. In a hold, the timing line only takes symbol
    periods next to a decided transition (a run of one tone carries no timing information,
    only noise that would make the timing wander and slip). A hold ends early when the
    strobe power (an exponential average over ~32 symbols) falls below ``release`` times its
    value at the header: the carrier has ended, so the header announced more than was sent
    (a garbled header); ``i_state[SY_RELEASE]`` gets that symbol's index so the framer can
    drop the burst.

    For each symbol strobe writes a soft value to
    ``out_llr`` (float32, positive means 0, unscaled) and a row of ``slots`` (a ring indexed
    by the symbol count): strobe time in input samples since reset, coarse offset in cycles
    per input sample, residual rotation per symbol (cos, sin), |y|^2 at the strobe, the soft
    value, the strobe sample (real, imag); its length must be a power of two. The timing and
    the residual estimate are refreshed every fourth symbol.
    Returns the number of symbols written. Cost: ~15 flops per sample plus ~60 per symbol
    (plus ~5e4 additions, ~11 us, per sync-word match for the header).
    """
    sps = np.int64(params[0])
    gain_t = params[2]
    n_c = ring_c.shape[0]
    n_r = ring_r.shape[0]
    beta = params[4]
    alpha_p = params[5]
    decim = params[6]
    per_symbol = 2 * np.pi * sps * decim  # cycles per input sample -> radians per symbol
    mode = i_state[SY_MODE]
    count = i_state[SY_COUNT]
    reg = i_state[SY_REG]
    reg_mask = (np.int64(1) << np.int64(params[8])) - 1
    sync_word = np.int64(params[7])
    max_sync = np.int64(params[1])
    late_head = np.int64(params[11])  # late lock: sync tail exact, <= late_head errors (-1: off)
    late_header = params[12]
    tail_mask = (np.int64(1) << np.int64(params[13])) - 1
    late = i_state[SY_LATE]
    f_hold = f_state[SY_F_HOLD]
    p_hold = f_state[SY_P_HOLD]
    release = params[10]
    slot_mask = slots.shape[0] - 1  # a power of two
    y_prev = c_state[SY_Y_PREV]
    c_line = c_state[SY_C]
    c_sum = c_state[SY_CSUM]
    r2 = c_state[SY_R2]
    u2 = c_state[SY_U2]
    held = u2  # recomputed from f_hold at the first strobe (f_cached is NaN)
    yk_prev = c_state[SY_YK_PREV]
    yk_prev2 = c_state[SY_YK_PREV2]
    ref = c_state[SY_REF]
    t_next = f_state[SY_T_NEXT]
    power = f_state[SY_POWER]
    pos = i_state[SY_POS]
    phase = i_state[SY_PHASE]
    n_abs = i_state[SY_N_ABS]
    n_sym = i_state[SY_N_SYM]
    pos_c = i_state[SY_POS_C]
    pos_r = i_state[SY_POS_R]
    half = 0.5 * sps
    f_cached = np.nan
    back = complex(1.0, 0.0)
    n_out = 0
    for n in range(y.shape[0]):
        yn = complex(y[n].real, y[n].imag)
        d = yn * ring[pos].conjugate()
        ring[pos] = yn
        pos += 1
        if pos == sps:
            pos = 0
        s = d.imag * u2.real - d.real * u2.imag  # Im(d * conj(u2))
        c_sum += (s * s) * table[phase]
        phase += 1
        if phase == sps:
            phase = 0
            if mode != MODE_PAYLOAD or (reg ^ (reg >> 1)) & 3 != 0:  # else no timing info
                c_line += c_sum - ring_c[pos_c]
                ring_c[pos_c] = c_sum
                pos_c += 1
                if pos_c == n_c:
                    pos_c = 0
                    c_line = ring_c.sum()
            c_sum = 0.0
        t = np.float64(n_abs)
        if t >= t_next:
            mu = t_next - (t - 1.0)
            yk = y_prev + mu * (yn - y_prev)
            fk = f[n]
            if fk != f_cached:  # the NCO changes every few symbols: trig only then
                f_cached = fk
                rot4 = 8.0 * np.pi * fk * sps * decim  # 4x the coarse phase per symbol
                back = complex(np.cos(rot4), np.sin(rot4))
                if mode == MODE_PAYLOAD:
                    rot = per_symbol * (f_hold - fk)
                    held = complex(np.cos(rot), np.sin(rot))
            d2 = yk * yk_prev2.conjugate()
            total4 = d2 * d2 * back  # ~ exp(4j * total phase per symbol), blind to the data
            r2 += total4 - ring_r[pos_r]
            ring_r[pos_r] = total4
            pos_r += 1
            if pos_r == n_r:
                pos_r = 0
                r2 = ring_r.sum()
            if mode == MODE_PAYLOAD:
                u2 = held
            elif n_sym & 3 == 2:
                u2 = _fourth_root(r2 * back.conjugate(), u2)
            pred = ref * u2
            m = yk.imag * pred.real - yk.real * pred.imag  # Im(yk * conj(pred))
            decision = 1.0 if m > 0 else -1.0
            ref = yk + beta * pred * complex(0.0, decision)
            p_k = yk.real * yk.real + yk.imag * yk.imag
            power += alpha_p * (p_k - power)
            scale = power * (1.0 + beta)
            llr = -m / scale if scale > 0 else 0.0
            out_llr[n_out] = llr
            row = n_sym & slot_mask
            slots[row, 0] = t_next * decim + (decim - 1)
            slots[row, 1] = fk
            slots[row, 2] = u2.real
            slots[row, 3] = u2.imag
            slots[row, 4] = p_k
            slots[row, 5] = llr
            slots[row, 6] = yk.real
            slots[row, 7] = yk.imag
            n_out += 1
            reg = ((reg << 1) | (1 if llr < 0 else 0)) & reg_mask
            # burst hold: searching -> header -> payload (offset held) -> searching
            wrong = reg ^ sync_word
            n_wrong = _popcount(wrong)
            if mode != MODE_PAYLOAD and (
                n_wrong <= max_sync or (wrong & tail_mask == 0 and n_wrong <= late_head)
            ):
                mode, count = MODE_HEADER, 0  # (a newer) sync word: offset over preamble + sync
                late = 1 if n_wrong > max_sync else 0
                u_sync = _fourth_root(r2 * back.conjugate(), u2)
                f_hold = fk + np.arctan2(u_sync.imag, u_sync.real) / per_symbol
            elif mode == MODE_HEADER:
                max_errors = late_header if late else params[3]
                mode, count = _header_step(llr, count, params, columns, f_state, max_errors)
                if mode == MODE_PAYLOAD:  # header accepted: hold to the payload's end
                    rot = per_symbol * (f_hold - fk)
                    held = complex(np.cos(rot), np.sin(rot))
                    p_hold = power
            elif mode == MODE_PAYLOAD:
                count -= 1
                if count <= 0:
                    mode = MODE_FREE
                elif power < release * p_hold:  # the carrier ended: a false (long) header
                    mode, count = MODE_FREE, 0
                    i_state[SY_RELEASE] = n_sym
            yk_prev2 = yk_prev
            yk_prev = yk
            t_next += sps
            if n_sym & 3 == 0 and (c_line.real != 0.0 or c_line.imag != 0.0):
                target = -np.arctan2(c_line.imag, c_line.real) / (2 * np.pi) * sps
                err = (target - t_next) % sps
                if err >= half:
                    err -= sps
                t_next += gain_t * err
            n_sym += 1
        y_prev = yn
        n_abs += 1
    c_state[SY_Y_PREV] = y_prev
    c_state[SY_C] = c_line
    c_state[SY_CSUM] = c_sum
    c_state[SY_R2] = r2
    c_state[SY_U2] = u2
    c_state[SY_YK_PREV] = yk_prev
    c_state[SY_YK_PREV2] = yk_prev2
    c_state[SY_REF] = ref
    f_state[SY_T_NEXT] = t_next
    f_state[SY_POWER] = power
    f_state[SY_F_HOLD] = f_hold
    f_state[SY_P_HOLD] = p_hold
    i_state[SY_MODE] = mode
    i_state[SY_LATE] = late
    i_state[SY_COUNT] = count
    i_state[SY_REG] = reg
    i_state[SY_POS] = pos
    i_state[SY_PHASE] = phase
    i_state[SY_N_ABS] = n_abs
    i_state[SY_N_SYM] = n_sym
    i_state[SY_POS_C] = pos_c
    i_state[SY_POS_R] = pos_r
    return n_out


@njit
def burst_stats(slots, first, n, advance, sps, out):
    """Statistics of the ``n`` symbol rows ``slots[(first + i) & mask]`` of one burst.

    Row 0 is the symbol before the sync word. Writes to ``out``: the mean total offset
    f_ref (cycles per sample: coarse + residual), the decision-directed correction to it
    (NaN when n < 10; one-symbol products with the expected advance of each decided 5-bit
    pattern removed, ``advance[pattern]`` in radians, scaled by the strobe spacing), and
    over rows 1.. the moments mean(p), mean(p^2) of the strobe powers and mean(|l|),
    mean(l^2) of the soft values. Cost: O(n).
    """
    mask = slots.shape[0] - 1
    out[:] = 0.0
    out[1] = np.nan
    if n < 2:
        return
    f_ref = 0.0
    for i in range(n):
        r = (first + i) & mask
        f_ref += slots[r, 1] + np.arctan2(slots[r, 3], slots[r, 2]) / (2 * np.pi * sps)
    f_ref /= n
    out[0] = f_ref
    for i in range(1, n):
        r = (first + i) & mask
        p = slots[r, 4]
        soft = abs(slots[r, 5])
        out[2] += p
        out[3] += p * p
        out[4] += soft
        out[5] += soft * soft
    out[2:6] /= n - 1
    if n < 10:
        return
    mean_dt = 0.0
    for k in range(3, n - 3):
        mean_dt += slots[(first + k) & mask, 0] - slots[(first + k - 1) & mask, 0]
    mean_dt /= n - 6
    if not mean_dt > 0:  # rows never written
        return
    acc = complex(0.0, 0.0)
    for k in range(3, n - 3):
        pattern = 0
        for j in range(k - 2, k + 3):
            pattern = 2 * pattern + (1 if slots[(first + j) & mask, 5] < 0 else 0)
        r = (first + k) & mask
        q = (first + k - 1) & mask
        dt = slots[r, 0] - slots[q, 0]
        angle = 2 * np.pi * (slots[r, 1] - f_ref) * dt - advance[pattern] * dt / mean_dt
        product = complex(slots[r, 6], slots[r, 7]) * complex(slots[q, 6], -slots[q, 7])
        acc += product * complex(np.cos(angle), np.sin(angle))
    out[1] = np.arctan2(acc.imag, acc.real) / (2 * np.pi * mean_dt)
