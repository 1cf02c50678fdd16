"""Plain NumPy/Python twins of ``phy.gfsk._kernels`` (same signatures, for the tests).

``front_end`` is vectorised a different way (window sums by convolution instead of running
sums, the NCO by cumulative products per update block); ``symbol_sync`` is inherently
sequential and is written as a plain loop with NumPy's angle/exp instead of the kernel's
square roots, and with window sums recomputed instead of run.
"""

from __future__ import annotations

import numpy as np

from phy.gfsk._kernels import (
    CLIP,
    FE_DECIM,
    FE_PHASE,
    FE_PHASOR,
    FE_POS,
    FE_POS_P,
    FE_POS_X,
    FE_R1,
    FE_RL,
    FE_STEP,
    FE_STEP_OLD,
    FE_SUM1,
    FE_SUM2,
    FE_X_PREV,
    HOLD_HEADER_BITS,
    HOLD_MARGIN,
    MODE_FREE,
    MODE_HEADER,
    MODE_PAYLOAD,
    SY_C,
    SY_COUNT,
    SY_CSUM,
    SY_F_HOLD,
    SY_HEADER,
    SY_LATE,
    SY_MODE,
    SY_N_ABS,
    SY_N_SYM,
    SY_P_HOLD,
    SY_PHASE,
    SY_POS,
    SY_POS_C,
    SY_POS_R,
    SY_POWER,
    SY_R2,
    SY_REF,
    SY_REG,
    SY_RELEASE,
    SY_T_NEXT,
    SY_U2,
    SY_Y_PREV,
    SY_YK_PREV,
    SY_YK_PREV2,
)


def _sanitize(x: np.ndarray) -> np.ndarray:
    parts = []
    for part in (x.real.astype(np.float64), x.imag.astype(np.float64)):
        parts.append(np.where(np.isnan(part), 0.0, np.clip(part, -CLIP, CLIP)))
    return parts[0] + 1j * parts[1]


def _box(ring: np.ndarray, pos: int, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sums of the last len(ring) values at each new value; the updated ring."""
    length = ring.size
    if values.size == 0:
        return values.copy(), ring.copy()
    ext = np.concatenate([np.roll(ring, -pos), values])  # oldest first
    sums = np.convolve(ext[1:], np.ones(length), mode="valid")
    new_ring = np.empty_like(ring)
    new_pos = (pos + values.size) % length
    new_ring[(new_pos + np.arange(length)) % length] = ext[-length:]
    return sums, new_ring


def _offset(r1: complex, r_lag: complex, lag: int) -> float:
    f1 = np.angle(r1) / (2 * np.pi)
    if abs(r_lag) == 0:
        return float(f1)
    f_lag = np.angle(r_lag) / (2 * np.pi * lag)
    candidates = f_lag + np.arange(-lag, lag + 1) / lag
    f = candidates[np.argmin(np.abs(candidates - f1))]
    return float(f - np.round(f))


def front_end(x, params, c_state, i_state, ring1, ring2, ring_p, ring_x, out_y, out_f):
    block, decim = int(params[1]), int(params[2])
    lag = ring_x.size * decim
    n = x.shape[0]
    xs = _sanitize(x)
    prev = np.concatenate([[c_state[FE_X_PREV]], xs[:-1]])
    pos_p, pos_x = int(i_state[FE_POS_P]), int(i_state[FE_POS_X])
    k_dec = int(i_state[FE_DECIM])
    taken = np.flatnonzero((k_dec + np.arange(n)) % decim == 0)  # where products are taken
    prev_lag = np.concatenate([np.roll(ring_x, -pos_x), xs[taken]])[: taken.size]
    sums1, ring_p[:, 0] = _box(ring_p[:, 0].copy(), pos_p, (xs * np.conj(prev))[taken])
    sums_lag, ring_p[:, 1] = _box(ring_p[:, 1].copy(), pos_p, xs[taken] * np.conj(prev_lag))
    _, ring_x[:] = _box(ring_x.copy(), pos_x, xs[taken])
    latest = np.searchsorted(taken, np.arange(n), side="right") - 1  # last product so far
    r1 = np.where(latest >= 0, np.append(sums1, 0)[latest], c_state[FE_R1])
    r_lag = np.where(latest >= 0, np.append(sums_lag, 0)[latest], c_state[FE_RL])
    phasor, step, step_old = c_state[FE_PHASOR], c_state[FE_STEP], c_state[FE_STEP_OLD]
    phases = np.empty(n, dtype=np.complex128)
    freqs = np.empty(n)
    f_now = -np.angle(step) / (2 * np.pi)
    f_old = -np.angle(step_old) / (2 * np.pi)
    delay = ring1.size - 1
    i = 0
    phase = int(i_state[FE_PHASE])
    while i < n:
        m = min(block - phase, n - i)
        seq = np.cumprod(np.concatenate([[phasor], np.full(m, step)]))
        phases[i : i + m] = seq[:m]
        freqs[i : i + m] = np.where(np.arange(phase, phase + m) >= delay, f_now, f_old)
        phasor = seq[m]
        phase += m
        i += m
        if phase == block:
            phase = 0
            step_old, f_old = step, f_now
            f_now = _offset(r1[i - 1], r_lag[i - 1], lag)
            step = np.exp(-2j * np.pi * f_now)
            phasor /= abs(phasor)
    mixed = xs * phases
    pos = int(i_state[FE_POS])
    sum1, ring1[:] = _box(ring1, pos, mixed)
    sum2, ring2[:] = _box(ring2, pos, sum1)
    first = decim - 1 - int(i_state[FE_DECIM])
    picks = np.arange(first, n, decim)
    out_y[: picks.size] = sum2[picks] / ring1.size**2
    out_f[: picks.size] = freqs[picks]
    if n:
        c_state[FE_X_PREV] = xs[-1]
        c_state[FE_R1] = r1[-1]
        c_state[FE_RL] = r_lag[-1]
        c_state[FE_SUM1] = sum1[-1]
        c_state[FE_SUM2] = sum2[-1]
    c_state[FE_PHASOR] = phasor
    c_state[FE_STEP] = step
    c_state[FE_STEP_OLD] = step_old
    i_state[FE_POS] = (pos + n) % ring1.size
    i_state[FE_PHASE] = phase
    i_state[FE_DECIM] = (int(i_state[FE_DECIM]) + n) % decim
    i_state[FE_POS_P] = (pos_p + taken.size) % ring_p.shape[0]
    i_state[FE_POS_X] = (pos_x + taken.size) % ring_x.size
    return picks.size


def header_length(soft, columns, max_errors, max_length):
    soft = np.asarray(soft, dtype=np.float64)
    n = columns.size
    data = np.arange(4096)[:, None] & columns[None, :]
    parity = np.zeros(data.shape, dtype=np.int64)
    for bit in range(12):
        parity ^= (data >> bit) & 1
    book = 1.0 - 2.0 * parity  # every codeword as +-1 (+1 for bit 0)
    best = int(np.argmax(book @ (soft[:n] + soft[n:])))
    errors = int(np.count_nonzero((soft < 0) != np.tile(book[best] < 0, 2)))
    return -1 if errors > max_errors or best > max_length else best


def _hold_step(llr, params, columns, f_state, i_state, power, n_sym):
    n_sync = int(params[8])
    reg = ((int(i_state[SY_REG]) << 1) | int(llr < 0)) % (1 << n_sync)
    i_state[SY_REG] = reg
    mode = int(i_state[SY_MODE])
    wrong = reg ^ int(params[7])
    n_wrong = bin(wrong).count("1")
    tail_ok = wrong % (1 << int(params[13])) == 0 and n_wrong <= params[11]
    if mode != MODE_PAYLOAD and (n_wrong <= params[1] or tail_ok):
        i_state[SY_MODE], i_state[SY_COUNT] = MODE_HEADER, 0
        i_state[SY_LATE] = int(n_wrong > params[1])
    elif mode == MODE_HEADER:
        count = int(i_state[SY_COUNT])
        f_state[SY_HEADER + count] = llr
        i_state[SY_COUNT] = count + 1
        if count + 1 == HOLD_HEADER_BITS:
            soft = f_state[SY_HEADER : SY_HEADER + HOLD_HEADER_BITS]
            max_errors = params[12] if i_state[SY_LATE] else params[3]
            length = header_length(soft, columns, max_errors, params[9])
            if length < 0:
                i_state[SY_MODE], i_state[SY_COUNT] = MODE_FREE, 0
            else:
                i_state[SY_MODE], i_state[SY_COUNT] = MODE_PAYLOAD, 8 * length + HOLD_MARGIN
                f_state[SY_P_HOLD] = power
    elif mode == MODE_PAYLOAD:
        i_state[SY_COUNT] -= 1
        if i_state[SY_COUNT] <= 0:
            i_state[SY_MODE], i_state[SY_COUNT] = MODE_FREE, 0
        elif power < params[10] * f_state[SY_P_HOLD]:
            i_state[SY_MODE], i_state[SY_COUNT] = MODE_FREE, 0
            i_state[SY_RELEASE] = n_sym
    return int(i_state[SY_MODE])


def symbol_sync(
    y, f, params, table, columns, c_state, f_state, i_state, ring, ring_c, ring_r, out_llr, slots
):
    sps = int(params[0])
    gain_t, beta, alpha_p, decim = params[2], params[4], params[5], params[6]
    per_symbol = 2 * np.pi * sps * decim
    mode, f_hold = int(i_state[SY_MODE]), float(f_state[SY_F_HOLD])
    pos_c, pos_r = int(i_state[SY_POS_C]), int(i_state[SY_POS_R])
    cs = {k: complex(c_state[k]) for k in range(c_state.size)}
    t_next, power = float(f_state[SY_T_NEXT]), float(f_state[SY_POWER])
    pos, phase = int(i_state[SY_POS]), int(i_state[SY_PHASE])
    n_abs, n_sym = int(i_state[SY_N_ABS]), int(i_state[SY_N_SYM])
    n_out = 0
    for n in range(y.shape[0]):
        yn = complex(y[n])
        d = yn * np.conj(ring[pos])
        ring[pos] = yn
        pos = (pos + 1) % sps
        s = (d * np.conj(cs[SY_U2])).imag
        cs[SY_CSUM] += s * s * table[phase]
        phase = (phase + 1) % sps
        if phase == 0:
            last3 = int(i_state[SY_REG]) & 7
            if mode != MODE_PAYLOAD or last3 not in (0, 7):  # a transition among the last 3
                ring_c[pos_c] = cs[SY_CSUM]
                pos_c = (pos_c + 1) % ring_c.size
                cs[SY_C] = complex(np.sum(ring_c))
            cs[SY_CSUM] = 0j
        if n_abs >= t_next:
            mu = t_next - (n_abs - 1)
            yk = cs[SY_Y_PREV] + mu * (yn - cs[SY_Y_PREV])
            fk = float(f[n])
            back = np.exp(1j * 8 * np.pi * fk * sps * decim)
            d2 = yk * np.conj(cs[SY_YK_PREV2])
            ring_r[pos_r] = d2 * d2 * back
            pos_r = (pos_r + 1) % ring_r.size
            cs[SY_R2] = complex(np.sum(ring_r))
            if mode == MODE_PAYLOAD:
                cs[SY_U2] = np.exp(1j * per_symbol * (f_hold - fk))
            elif n_sym % 4 == 2 and abs(cs[SY_R2]) > 0:
                cs[SY_U2] = np.exp(0.25j * np.angle(cs[SY_R2] * np.conj(back)))
            pred = cs[SY_REF] * cs[SY_U2]
            m = (yk * np.conj(pred)).imag
            cs[SY_REF] = yk + beta * pred * (1j if m > 0 else -1j)
            p_k = abs(yk) ** 2
            power += alpha_p * (p_k - power)
            scale = power * (1 + beta)
            llr = -m / scale if scale > 0 else 0.0
            out_llr[n_out] = llr
            slots[n_sym % slots.shape[0]] = [
                t_next * decim + decim - 1,
                fk,
                cs[SY_U2].real,
                cs[SY_U2].imag,
                p_k,
                llr,
                yk.real,
                yk.imag,
            ]
            n_out += 1
            mode = _hold_step(llr, params, columns, f_state, i_state, power, n_sym)
            if mode == MODE_HEADER and i_state[SY_COUNT] == 0:  # a sync word
                u_sync = cs[SY_U2]
                if abs(cs[SY_R2]) > 0:
                    u_sync = np.exp(0.25j * np.angle(cs[SY_R2] * np.conj(back)))
                f_hold = fk + np.angle(u_sync) / per_symbol
            cs[SY_YK_PREV2], cs[SY_YK_PREV] = cs[SY_YK_PREV], yk
            t_next += sps
            if n_sym % 4 == 0 and cs[SY_C] != 0:
                target = -np.angle(cs[SY_C]) / (2 * np.pi) * sps
                err = (target - t_next) % sps
                t_next += gain_t * (err - sps if err >= sps / 2 else err)
            n_sym += 1
        cs[SY_Y_PREV] = yn
        n_abs += 1
    for k, value in cs.items():
        c_state[k] = value
    f_state[SY_T_NEXT], f_state[SY_POWER], f_state[SY_F_HOLD] = t_next, power, f_hold
    i_state[SY_POS], i_state[SY_PHASE] = pos, phase
    i_state[SY_N_ABS], i_state[SY_N_SYM] = n_abs, n_sym
    i_state[SY_POS_C], i_state[SY_POS_R] = pos_c, pos_r
    return n_out


def burst_stats(slots, first, n, advance, sps, out):
    out[:] = 0.0
    out[1] = np.nan
    if n < 2:
        return
    rows = slots[(first + np.arange(n)) & (slots.shape[0] - 1)]
    residual = np.arctan2(rows[:, 3], rows[:, 2]) / (2 * np.pi * sps)
    f_ref = float(np.mean(rows[:, 1] + residual))
    out[0] = f_ref
    out[2:6] = [
        np.mean(rows[1:, 4]),
        np.mean(rows[1:, 4] ** 2),
        np.mean(np.abs(rows[1:, 5])),
        np.mean(rows[1:, 5] ** 2),
    ]
    if n < 10:
        return
    bits = (rows[:, 5] < 0).astype(np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(bits, 5)[1:-1]  # centred on 3 .. n-4
    pattern = windows @ (1 << np.arange(4, -1, -1))
    y = rows[:, 6] + 1j * rows[:, 7]
    dt = np.diff(rows[:, 0])[2:-3]  # strobe k-1 to k, k = 3 .. n-4
    mean_dt = float(np.mean(dt))
    if not mean_dt > 0:
        return
    angle = 2 * np.pi * (rows[3:-3, 1] - f_ref) * dt - advance[pattern] * dt / mean_dt
    acc = np.sum(y[3:-3] * np.conj(y[2:-4]) * np.exp(1j * angle))
    out[1] = np.angle(acc) / (2 * np.pi * mean_dt)
