"""Numba kernels of the PSK receiver's carrier recovery (NumPy twins in ``_carrier_reference``).

The demodulator hands over *raw* symbols: matched-filter outputs derotated only by the
frequency acquired on the preamble, so they turn by the residual offset ``w`` (rad per
symbol) from an unknown phase. Everything here works on a whole burst's stored symbols, so
no decision feedback is involved and nothing can slip the way a causal loop does at the
symbol SNRs (~0-3 dB) of a strongly coded link:

* ``sync_candidates``: where the sync word may start (preamble tail + sync correlation).
* ``carrier_fit``: data-aided frequency and phase on known symbols (grid + parabola).
* ``check_sync``: one candidate's fit, sync-word errors and score, and header soft bits.
* ``carrier_track``: the carrier over the whole burst: its frequency from the M-th power of
  the symbols in 16-symbol blocks, then a sliding-window (Viterbi & Viterbi) phase unwrapped
  from the known symbols, applied to every symbol.
"""

from __future__ import annotations

import numpy as np

from phy._jit import njit
from phy.psk._kernels import header_length_direct

BLOCK_SYMBOLS = 16  # block length of the burst-wide frequency search
MIN_SCORE_TAIL = 32  # preamble symbols the sync score's independent fit needs


@njit
def sync_candidates(syms, w, n_pos, pre_tail, pre_next, sync_syms, out):
    """The ``len(out)`` best positions ``p < n_pos`` of the sync word in ``syms``, best first.

    The symbols are first derotated by ``w`` rad per symbol. At ``p``: ``c_pre``, the
    correlation of the symbols before ``p`` with ``pre_tail`` (as
    much of it as lies at or after ``syms[0]``), gives the carrier phase; ``c_sync`` and
    ``c_next`` correlate the symbols from ``p`` on with the sync word and with the preamble's
    continuation ``pre_next``. The metric ``Re((c_sync - c_next) conj(c_pre))`` weighs "the
    sync word starts here" against "the preamble goes on" (so positions inside the preamble
    score far below the true one although the sync word resembles the preamble a little)
    and needs a preamble before ``p`` (so noise before the burst scores low). Unused slots
    of ``out`` hold -1. Cost: ``n_pos * (len(pre_tail)
    + 2 len(sync_syms))`` complex multiply-adds.
    """
    n_pre = pre_tail.shape[0]
    n_sync = sync_syms.shape[0]
    n_out = out.shape[0]
    zd = np.empty(syms.shape[0], dtype=np.complex128)
    for k in range(syms.shape[0]):
        zd[k] = complex(syms[k]) * complex(np.cos(w * k), -np.sin(w * k))
    scores = np.full(n_out, -np.inf)
    out[:] = -1
    for p in range(min(n_pos, syms.shape[0] - n_sync + 1)):
        c = complex(0.0, 0.0)
        for j in range(max(n_pre - p, 0), n_pre):
            c += zd[p - n_pre + j] * complex(pre_tail[j]).conjugate()
        d = complex(0.0, 0.0)
        for n in range(n_sync):
            v = zd[p + n]
            d += v * (complex(sync_syms[n]) - complex(pre_next[n])).conjugate()
        m = (d * c.conjugate()).real
        i = n_out
        while i > 0 and m > scores[i - 1]:
            i -= 1
        if i < n_out:
            for k in range(n_out - 1, i, -1):
                scores[k] = scores[k - 1]
                out[k] = out[k - 1]
            scores[i] = m
            out[i] = p


@njit
def _spectrum(u, w):
    """``sum_k u[k] exp(-j w k)`` (complex128), the phasor re-anchored every 32."""
    acc = complex(0.0, 0.0)
    step = complex(np.cos(w), -np.sin(w))
    rot = complex(1.0, 0.0)
    for k in range(u.shape[0]):
        if k % 32 == 0:
            rot = complex(np.cos(w * k), -np.sin(w * k))
        acc += u[k] * rot
        rot *= step
    return acc


@njit
def _peak_frequency(u, center, max_w):
    """The ``w``, ``|w - center| <= max_w``, maximising ``|sum u[k] exp(-j w k)|`` (grid of
    pi/(2n) steps, then a parabola through the best point and its neighbours)."""
    n = u.shape[0]
    if n < 2:
        return center
    step = np.pi / (2.0 * n)
    half = int(np.ceil(max_w / step))  # a step past max_w, for the parabola; then clamped
    best = -1.0
    g_best = 0
    mags = np.empty(2 * half + 1, dtype=np.float64)
    for g in range(-half, half + 1):
        m = abs(_spectrum(u, center + g * step))
        mags[g + half] = m
        if m > best:
            best = m
            g_best = g
    shift = 0.0
    i = g_best + half
    if 0 < i < 2 * half:
        left = mags[i - 1]
        right = mags[i + 1]
        den = left - 2.0 * best + right
        if den < 0.0:
            shift = 0.5 * (left - right) / den
    return center + min(max((g_best + shift) * step, -max_w), max_w)


@njit
def carrier_fit(z, ref, center, max_w, out):
    """Data-aided carrier of ``z[k] ~ A ref[k] exp(j (phi + w k))``.

    ``w`` (rad per symbol, ``|w - center| <= max_w``) maximises the spectrum of ``u = z conj(ref)``;
    ``phi`` is the phase of the derotated sum (at ``k = 0``). Writes ``out`` = [w, phi, A,
    N] with ``A = |sum| / n`` and ``N`` the mean ``|z e^{-j(phi + w k)} - A ref|^2``.
    Cost: ``(4 max_w n / pi + 3) * n`` complex multiply-adds.
    """
    n = z.shape[0]
    out[0] = 0.0
    out[1] = 0.0
    out[2] = 0.0
    out[3] = 0.0
    if n == 0:
        return
    u = np.empty(n, dtype=np.complex128)
    for k in range(n):
        u[k] = complex(z[k]) * complex(ref[k]).conjugate()
    w = _peak_frequency(u, center, max_w)
    acc = _spectrum(u, w)
    phi = np.arctan2(acc.imag, acc.real)
    amp = abs(acc) / n
    noise = 0.0
    step = complex(np.cos(w), -np.sin(w))
    rot = complex(1.0, 0.0)
    for k in range(n):
        if k % 32 == 0:
            rot = complex(np.cos(phi + w * k), -np.sin(phi + w * k))
        e = complex(z[k]) * rot - amp * complex(ref[k])
        noise += e.real * e.real + e.imag * e.imag
        rot *= step
    out[0] = w
    out[1] = phi
    out[2] = amp
    out[3] = noise / n


@njit
def _score(z, ref, w, phi, k0):
    """Normalised correlation ``Re sum z conj(ref) e^{-j(phi + w (k0 + k))} / (|z| |ref|)``."""
    num = 0.0
    ez = 0.0
    er = 0.0
    for k in range(z.shape[0]):
        ph = phi + w * (k0 + k)
        v = complex(z[k]) * complex(np.cos(ph), -np.sin(ph))
        r = complex(ref[k])
        num += (v * r.conjugate()).real
        ez += v.real * v.real + v.imag * v.imag
        er += r.real * r.real + r.imag * r.imag
    den = np.sqrt(ez * er)
    return num / den if den > 0.0 else 0.0


@njit
def check_sync(
    syms, p, pre_tail, sync_syms, sync_bits, qpsk, center, max_w, golay, out_header, out_soft, out
):
    """Fit the carrier at candidate ``p`` and read the sync word and header there.

    The known symbols are the preamble tail before ``p`` (as much as ``syms`` holds) and
    the sync word; their fit (``carrier_fit``, ``|w - center| <= max_w``) corrects the
    sync word and the header that follows. Writes the corrected header symbols to
    ``out_header``, their soft bits to ``out_soft``, and ``out`` = [w, phi at the first
    known symbol, A, N, sync hard-bit errors, score, header length or -1, index of the
    first known symbol]. The score is the sync word's normalised correlation under a fit
    on the preamble tail alone, so noise does not inflate it (0 with fewer than
    ``MIN_SCORE_TAIL`` tail symbols: on fewer, a fit finds a correlation in noise too
    easily). The length is read directly when both hard 24-bit header halves are the
    same codeword of ``golay``. Needs ``p + len(sync_syms) + len(out_header) <=
    len(syms)``. Cost: about ``(4 max_w n / pi + 6) * n`` multiply-adds, ``n`` = known
    symbols.
    """
    n_sync = sync_syms.shape[0]
    bps = 2 if qpsk else 1
    n_header = -(-out_soft.shape[0] // bps)
    out[:] = 0.0
    out[4] = n_sync * bps  # every sync bit wrong: what a position that does not fit gets
    out[6] = -1.0
    if p < 0 or p + n_sync + n_header > syms.shape[0]:
        return
    n_tail = min(p, pre_tail.shape[0])
    first = p - n_tail
    n = n_tail + n_sync
    ref = np.empty(n, dtype=np.complex128)
    for j in range(n_tail):
        ref[j] = pre_tail[pre_tail.shape[0] - n_tail + j]
    for j in range(n_sync):
        ref[n_tail + j] = sync_syms[j]
    fit = np.zeros(4, dtype=np.float64)
    carrier_fit(syms[first : p + n_sync], ref, center, max_w, fit)
    w = fit[0]
    phi = fit[1]
    errors = 0
    at = 0
    for k in range(n_tail, n + n_header):
        ph = phi + w * k
        v = complex(syms[first + k]) * complex(np.cos(ph), -np.sin(ph))
        if k >= n and k - n < out_header.shape[0]:
            out_header[k - n] = v
        for b in range(bps):
            soft = v.real if b == 0 else v.imag
            if k < n:
                bit = sync_bits[(k - n_tail) * bps + b]
                if (soft < 0) != (bit != 0):
                    errors += 1
            elif at < out_soft.shape[0]:
                out_soft[at] = soft
                at += 1
    score = 0.0
    if n_tail >= MIN_SCORE_TAIL:
        tail = np.zeros(4, dtype=np.float64)
        carrier_fit(syms[first:p], ref[:n_tail], center, max_w, tail)
        score = _score(syms[p : p + n_sync], sync_syms, tail[0], tail[1], n_tail)
    length = header_length_direct(out_soft, golay)
    out[0] = w
    out[1] = phi
    out[2] = fit[2]
    out[3] = fit[3]
    out[4] = errors
    out[5] = score
    out[6] = length
    out[7] = first


@njit
def _power(v, qpsk):
    """``v^M / |v|^(M - 2)`` with the constellation's M-th power removed (M = 4 or 2)."""
    if qpsk:
        re2 = v.real * v.real
        im2 = v.imag * v.imag
        mag2 = re2 + im2
        if mag2 <= 0.0:
            return complex(0.0, 0.0)
        a = re2 - im2  # v^2 = a + j b
        b = 2.0 * v.real * v.imag
        inv = -1.0 / mag2
        return complex((a * a - b * b) * inv, 2.0 * a * b * inv)
    return v * v


@njit
def carrier_track(z, n_known, w0, phi0, max_dw, half_window, qpsk, out):
    """Carrier-corrected symbols of a whole burst: ``out[k] = z[k] exp(-j theta[k])``.

    ``z[:n_known]`` are known symbols whose data-aided fit gave ``phi0 + w0 k``. After
    that derotation the symbols' M-th power (M = 4 QPSK, 2 BPSK; ``_power``) is summed
    per ``BLOCK_SYMBOLS`` block. The residual frequency ``dw`` (``|dw| <= max_dw``; skipped
    when it could not matter) is the peak of the blocks' spectrum; then, per block, the
    phase of the blocks summed over about ``+-half_window`` symbols (the residual ramp
    removed), divided by M and unwrapped (branch nearest the previous block) from the
    middle of the known symbols outwards, where it is taken nearest zero, so the known
    symbols fix the M-fold ambiguity. ``theta`` is linear between block centres. Returns
    the carrier frequency ``w0 + dw`` (rad per symbol). Cost: about 30 flops per symbol,
    plus a few per block and grid point of the frequency search (the grid grows with
    ``max_dw``).
    """
    n = z.shape[0]
    if n == 0:
        return w0
    m = 4 if qpsk else 2
    size = BLOCK_SYMBOLS
    n_blocks = (n + size - 1) // size
    blocks = np.zeros(n_blocks, dtype=np.complex128)
    step = complex(np.cos(w0), -np.sin(w0))
    for b in range(n_blocks):
        k0 = b * size
        rot = complex(np.cos(phi0 + w0 * k0), -np.sin(phi0 + w0 * k0))
        acc = complex(0.0, 0.0)
        for k in range(k0, min(k0 + size, n)):
            acc += _power(complex(z[k]) * rot, qpsk)
            rot *= step
        blocks[b] = acc
    full = n // size
    dw = 0.0
    if full >= 4 and m * max_dw * n > 0.05:
        max_nu = min(m * size * max_dw, 0.5 * np.pi)
        dw = _peak_frequency(blocks[:full], 0.0, max_nu) / (m * size)
    center = min(n_known // 2, n - 1)
    mids = np.empty(n_blocks, dtype=np.float64)
    csum = np.empty(n_blocks + 1, dtype=np.complex128)
    csum[0] = 0.0
    for b in range(n_blocks):
        mids[b] = b * size + 0.5 * (min(size, n - b * size) - 1)
        ph = m * dw * (mids[b] - center)
        csum[b + 1] = csum[b] + blocks[b] * complex(np.cos(ph), -np.sin(ph))
    half = max((half_window + size // 2) // size, 1)
    est = np.empty(n_blocks, dtype=np.float64)
    for b in range(n_blocks):
        acc = csum[min(b + half + 1, n_blocks)] - csum[max(b - half, 0)]
        est[b] = np.arctan2(acc.imag, acc.real) / m
    branch = 2 * np.pi / m
    mid = center // size
    est[mid] -= branch * np.round(est[mid] / branch)
    for b in range(mid + 1, n_blocks):
        est[b] -= branch * np.round((est[b] - est[b - 1]) / branch)
    for b in range(mid - 1, -1, -1):
        est[b] -= branch * np.round((est[b] - est[b + 1]) / branch)
    for b in range(n_blocks):
        est[b] += dw * (mids[b] - center)
    k = 0
    for b in range(max(n_blocks - 1, 1)):  # segment b: from block centre b to b + 1
        slope = 0.0
        if n_blocks > 1:
            slope = (est[b + 1] - est[b]) / (mids[b + 1] - mids[b])
        stop = n if b >= n_blocks - 2 else int(np.ceil(mids[b + 1]))
        turn = complex(np.cos(w0 + slope), -np.sin(w0 + slope))
        while k < stop:
            th = phi0 + w0 * k + est[b] + slope * (k - mids[b])
            rot = complex(np.cos(th), -np.sin(th))  # re-anchored every 32 symbols at most
            for j in range(k, min(k + 32, stop)):
                out[j] = complex(z[j]) * rot
                rot *= turn
            k = min(k + 32, stop)
    return w0 + dw


@njit
def first_quiet_block(syms, start, stop, block, floor):
    """Index of the first ``block``-symbol block of ``syms[start:stop]`` whose mean power is
    below ``floor``, or -1 (only whole blocks are examined). A burst whose header claimed
    more symbols than were sent ends in noise: its power falls from ``A^2 + N`` to ``N``.
    Cost: one pass over the symbols.
    """
    if block <= 0:
        return -1
    k = start
    while k + block <= stop:
        acc = 0.0
        for i in range(k, k + block):
            v = syms[i]
            acc += v.real * v.real + v.imag * v.imag
        if acc < floor * block:
            return k
        k += block
    return -1
