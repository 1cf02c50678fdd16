"""Numba kernels of the channel model (twins in ``_reference.py``)."""

from __future__ import annotations

import numpy as np

from phy._jit import njit
from phy.channel._interp import FRAC_BITS


@njit
def frac_interp(ext, ch, bank, t0_fx, step_fx, out):
    """Interpolate ``ext`` at times ``t0 + n * step`` (fixed point, ``FRAC_BITS`` fractional bits).

    ``ext`` holds ``ch`` interleaved float32 channels (1: real, 2: IQ). ``bank[m, j]`` is the
    ``T``-tap interpolator for fractional delay ``m / P`` (``P = bank.shape[0] - 1``); taps of
    adjacent phases are blended linearly. Output ``n`` at integer part ``i`` uses
    ``ext[i - T/2 + 1 : i + T/2 + 1]``; stops when that leaves ``ext`` or ``out`` is full.
    Returns (outputs written, next time). Cost: 3T multiply-adds per output and channel.
    """
    n_phases = bank.shape[0] - 1
    n_taps = bank.shape[1]
    half = n_taps // 2
    size = ext.shape[0] // ch
    n_max = out.shape[0] // ch
    one = np.int64(1) << np.int64(FRAC_BITS)
    mask = one - np.int64(1)
    taps = np.empty(n_taps, dtype=np.float32)
    t = np.int64(t0_fx)
    n = 0
    while n < n_max:
        i = t >> np.int64(FRAC_BITS)
        if i + half >= size:
            break
        pos = np.float64(t & mask) / np.float64(one) * n_phases
        m = min(int(pos), n_phases - 1)
        frac = np.float32(pos - m)
        lo = bank[m]
        hi = bank[m + 1]
        for j in range(n_taps):
            taps[j] = lo[j] + frac * (hi[j] - lo[j])
        seg = ext[(i - half + 1) * ch : (i + half + 1) * ch]
        for c in range(ch):
            acc = np.float32(0.0)
            for j in range(n_taps):
                acc += taps[j] * seg[j * ch + c]
            out[n * ch + c] = acc
        n += 1
        t += np.int64(step_fx)
    return n, t
