"""Plain NumPy twins of ``_carrier_kernels`` (same signatures and outputs), for the tests.

Written from the kernels' docstrings rather than their loops: the frequency grid is a
zero-padded FFT, correlations are matrix products over sliding windows, the sliding phase
window is a convolution and the phase unwrap a cumulative sum of branch steps. Discrete
choices follow the kernels: first maximum on the grid, stable order of equal sync metrics,
NumPy's round-half-to-even for branches, block and segment boundaries as documented there.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

BLOCK_SYMBOLS = 16  # as in _carrier_kernels
MIN_SCORE_TAIL = 32  # as in _carrier_kernels
_C = np.complex128


def _turns(w: float, k: np.ndarray, phi: float = 0.0) -> np.ndarray:
    """``exp(-j (phi + w k))`` (complex128)."""
    return np.exp(-1j * (phi + w * np.asarray(k, dtype=np.float64)))


def _window_sums(x: np.ndarray, taps: np.ndarray, count: int) -> np.ndarray:
    """``sum_j x[p + j] taps[j]`` for ``p < count`` (``x`` long enough)."""
    if taps.size == 0:
        return np.zeros(count, dtype=_C)
    return sliding_window_view(x, taps.size)[:count] @ taps


def sync_candidates(syms, w, n_pos, pre_tail, pre_next, sync_syms, out):
    n, n_pre, n_sync = syms.shape[0], pre_tail.shape[0], sync_syms.shape[0]
    out[:] = -1
    count = min(n_pos, n - n_sync + 1)
    if count <= 0:
        return
    zd = syms.astype(_C) * _turns(w, np.arange(n))
    padded = np.concatenate([np.zeros(n_pre, dtype=_C), zd])  # nothing before syms[0]
    c_pre = _window_sums(padded, np.conj(pre_tail.astype(_C)), count)
    diff = sync_syms.astype(_C) - pre_next[:n_sync].astype(_C)
    c_diff = _window_sums(zd, np.conj(diff), count)
    metric = (c_diff * np.conj(c_pre)).real
    order = np.argsort(-metric, kind="stable")  # equal metrics: the earlier position first
    order = order[metric[order] > -np.inf]  # NaN and -inf never rank
    k = min(order.size, out.shape[0])
    out[:k] = order[:k]


def _spectrum(u, w):
    return complex(np.sum(u.astype(_C) * _turns(w, np.arange(u.shape[0]))))


def _peak_frequency(u, center, max_w):
    n = u.shape[0]
    if n < 2:
        return center
    step = np.pi / (2.0 * n)
    half = int(np.ceil(max_w / step))
    # the grid center + g pi / (2n) is the 4n-point DFT of u exp(-j center k), bin g mod 4n
    spec = np.fft.fft(u.astype(_C) * _turns(center, np.arange(n)), 4 * n)
    g = np.arange(-half, half + 1)
    mags = np.abs(spec[g % (4 * n)])
    valid = mags > -1.0  # NaN never wins
    if valid.any():
        i = int(np.argmax(np.where(valid, mags, -np.inf)))
        best = mags[i]
    else:
        i, best = half, -1.0
    shift = 0.0
    if 0 < i < 2 * half:
        den = mags[i - 1] - 2.0 * best + mags[i + 1]
        if den < 0.0:
            shift = 0.5 * (mags[i - 1] - mags[i + 1]) / den
    return center + float(np.clip((i - half + shift) * step, -max_w, max_w))


def carrier_fit(z, ref, center, max_w, out):
    out[:4] = 0.0
    n = z.shape[0]
    if n == 0:
        return
    zc = z.astype(_C)
    r = ref[:n].astype(_C)
    w = _peak_frequency(zc * np.conj(r), center, max_w)
    acc = np.sum(zc * np.conj(r) * _turns(w, np.arange(n)))
    phi = float(np.angle(acc))
    amp = abs(acc) / n
    e = zc * _turns(w, np.arange(n), phi) - amp * r
    out[0], out[1], out[2], out[3] = w, phi, amp, np.mean(e.real**2 + e.imag**2)


def _score(z, ref, w, phi, k0):
    v = z.astype(_C) * _turns(w, k0 + np.arange(z.shape[0]), phi)
    r = ref.astype(_C)
    den = np.sqrt(np.sum(np.abs(v) ** 2) * np.sum(np.abs(r) ** 2))
    return float(np.sum(v * np.conj(r)).real / den) if den > 0.0 else 0.0


def _soft(v: np.ndarray, qpsk: bool) -> np.ndarray:
    """Soft bits of symbols: QPSK (Re, Im) per symbol, BPSK Re."""
    return np.column_stack([v.real, v.imag]).ravel() if qpsk else v.real


def _word(hard: np.ndarray) -> int:
    """The integer of hard bits, MSB first."""
    return int(sum(int(b) << (hard.size - 1 - i) for i, b in enumerate(hard)))


def check_sync(
    syms, p, pre_tail, sync_syms, sync_bits, qpsk, center, max_w, golay, out_header, out_soft, out
):
    n_sync = sync_syms.shape[0]
    bps = 2 if qpsk else 1
    out[:] = 0.0
    out[4] = n_sync * bps
    out[6] = -1.0
    if p < 0 or p + n_sync + -(-out_soft.shape[0] // bps) > syms.shape[0]:
        return
    n_tail = min(p, pre_tail.shape[0])
    first = p - n_tail
    ref = np.concatenate([pre_tail[pre_tail.shape[0] - n_tail :], sync_syms]).astype(_C)
    fit = np.zeros(4)
    carrier_fit(syms[first : p + n_sync], ref, center, max_w, fit)
    w, phi = fit[0], fit[1]
    bps = 2 if qpsk else 1
    n_header = -(-out_soft.shape[0] // bps)
    k = np.arange(n_tail, n_tail + n_sync + n_header)
    v = syms[first + k].astype(_C) * _turns(w, k, phi)
    sync_soft = _soft(v[:n_sync], qpsk)
    errors = int(np.count_nonzero((sync_soft < 0) != (sync_bits[: sync_soft.size] != 0)))
    header = v[n_sync:]
    n_out = min(out_header.shape[0], header.size)
    out_header[:n_out] = header[:n_out]
    out_soft[:] = _soft(header, qpsk)[: out_soft.shape[0]]
    score = 0.0
    if n_tail >= MIN_SCORE_TAIL:
        tail = np.zeros(4)
        carrier_fit(syms[first:p], ref[:n_tail], center, max_w, tail)
        score = _score(syms[p : p + n_sync], sync_syms, tail[0], tail[1], n_tail)
    hard = out_soft < 0
    half = out_soft.shape[0] // 2
    w0, w1 = _word(hard[:half]), _word(hard[half : 2 * half])
    length = w0 >> 12 if w0 == w1 and golay[w0 >> 12] == w0 else -1
    out[:8] = [w, phi, fit[2], fit[3], errors, score, length, first]


def _power(v, qpsk):
    """M-th power of symbols with the constellation's removed: QPSK ``-v^4 / |v|^2``, BPSK
    ``v^2`` (vectorised; 0 where ``v`` is 0 for QPSK)."""
    v = np.asarray(v, dtype=_C)
    if not qpsk:
        return v * v
    mag2 = v.real**2 + v.imag**2
    v2 = v * v
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mag2 > 0.0, -(v2 * v2) / np.where(mag2 > 0.0, mag2, 1.0), 0.0)


def _unwrap_from(est: np.ndarray, mid: int, branch: float) -> np.ndarray:
    """``est`` moved by multiples of ``branch``: nearest zero at ``mid``, then each block on
    the branch nearest its neighbour towards ``mid``."""
    steps = np.round(np.diff(est) / branch)  # steps[b]: block b + 1 against block b
    shift = np.zeros(est.size)
    shift[mid] = np.round(est[mid] / branch)
    shift[mid + 1 :] = shift[mid] + np.cumsum(steps[mid:])
    shift[:mid] = shift[mid] - np.cumsum(steps[:mid][::-1])[::-1]
    return est - branch * shift


def carrier_track(z, n_known, w0, phi0, max_dw, half_window, qpsk, out):
    n = z.shape[0]
    if n == 0:
        return w0
    m = 4 if qpsk else 2
    size = BLOCK_SYMBOLS
    k = np.arange(n)
    powers = _power(z.astype(_C) * _turns(w0, k, phi0), qpsk)
    n_blocks = -(-n // size)
    padded = np.zeros(n_blocks * size, dtype=_C)
    padded[:n] = powers
    blocks = padded.reshape(n_blocks, size).sum(axis=1)
    full = n // size
    dw = 0.0
    if full >= 4 and m * max_dw * n > 0.05:
        max_nu = min(m * size * max_dw, 0.5 * np.pi)
        dw = _peak_frequency(blocks[:full], 0.0, max_nu) / (m * size)
    center = min(n_known // 2, n - 1)
    starts = np.arange(n_blocks) * size
    mids = starts + 0.5 * (np.minimum(size, n - starts) - 1)
    half = max((half_window + size // 2) // size, 1)
    ramped = blocks * _turns(m * dw, mids - center)
    windowed = np.convolve(ramped, np.ones(2 * half + 1))[half : half + n_blocks]
    est = np.angle(windowed) / m
    est = _unwrap_from(est, center // size, 2 * np.pi / m) + dw * (mids - center)
    if n_blocks > 1:  # segment s joins block centres s and s + 1; the end ones extrapolate
        seg = np.searchsorted(np.ceil(mids[1:-1]), k, side="right")
        slope = np.diff(est) / np.diff(mids)
        offset = est[seg] + slope[seg] * (k - mids[seg])
    else:
        offset = np.full(n, est[0])
    out[:n] = z.astype(_C) * _turns(w0, k, phi0 + offset)
    return w0 + dw


def first_quiet_block(syms, start, stop, block, floor):
    if block <= 0:  # the kernel never returns for block 0
        return -1
    n_blocks = max((stop - start) // block, 0)
    seg = syms[start : start + n_blocks * block].astype(_C)
    power = (np.abs(seg) ** 2).reshape(n_blocks, block).sum(axis=1)
    quiet = np.flatnonzero(power < floor * block)
    return int(start + quiet[0] * block) if quiet.size else -1
