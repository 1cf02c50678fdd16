"""Plain NumPy twins of the channel kernels (same signatures, for the tests)."""

from __future__ import annotations

import numpy as np

from phy.channel._interp import FRAC_BITS


def frac_interp(ext, ch, bank, t0_fx, step_fx, out):
    n_phases = bank.shape[0] - 1
    n_taps = bank.shape[1]
    half = n_taps // 2
    data = np.asarray(ext).reshape(-1, ch)
    one = 1 << FRAC_BITS
    n, t = 0, int(t0_fx)
    while n < out.shape[0] // ch and (t >> FRAC_BITS) + half < data.shape[0]:
        i = t >> FRAC_BITS
        pos = (t & (one - 1)) / one * n_phases
        m = min(int(pos), n_phases - 1)
        frac = np.float32(pos - m)
        taps = bank[m] + frac * (bank[m + 1] - bank[m])
        out[n * ch : (n + 1) * ch] = taps @ data[i - half + 1 : i + half + 1]
        n += 1
        t += int(step_fx)
    return n, t
