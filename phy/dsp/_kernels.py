"""Numba kernels shared by several modems (twins in ``_reference.py``)."""

from __future__ import annotations

import numpy as np

from phy._jit import njit


@njit
def _popcount64(x):
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@njit
def sync_search(llrs, start, sync_word, sync_bits, max_errors, out_pos, out_err):
    """Find sync-word matches in a soft-bit stream.

    For every window ``llrs[i - sync_bits + 1 : i + 1]`` with ``i >= start + sync_bits - 1``
    whose hard decisions differ from ``sync_word`` in at most ``max_errors`` bits, writes
    ``i + 1`` (the index of the first bit after the sync word) to ``out_pos`` and the number
    of differing bits to ``out_err``. Returns the number of matches. Cost: O(len(llrs)).
    """
    mask = np.uint64((1 << sync_bits) - 1) if sync_bits < 64 else np.uint64(0xFFFFFFFFFFFFFFFF)
    word = np.uint64(sync_word) & mask
    reg = np.uint64(0)
    n = 0
    for i in range(start, llrs.shape[0]):
        bit = np.uint64(1) if llrs[i] < 0 else np.uint64(0)
        reg = ((reg << np.uint64(1)) | bit) & mask
        if i - start + 1 >= sync_bits:
            errors = _popcount64(reg ^ word)
            if errors <= max_errors:
                out_pos[n] = i + 1
                out_err[n] = errors
                n += 1
    return n


@njit
def resample_poly(ext, phases, up, down, t0, out):
    """Polyphase rational resampling of ``ext`` starting at upsampled time ``t0``.

    ``phases[p, k]`` is prototype tap ``k * up + p``; output ``n`` is
    ``sum_k phases[p, k] * ext[i - k]`` with ``t = t0 + n * down``, ``i = t // up``,
    ``p = t % up``. Stops before ``i`` leaves ``ext``; returns (outputs written, next t).
    ``t0`` must be at least ``(n_phase_taps - 1) * up``. Cost: n_phase_taps MACs per output.
    """
    n_taps = phases.shape[1]
    t = t0
    n = 0
    size = ext.shape[0]
    while True:
        i = t // up
        if i >= size or n >= out.shape[0]:
            break
        p = t % up
        acc = ext[0] * 0
        for k in range(n_taps):
            acc += phases[p, k] * ext[i - k]
        out[n] = acc
        n += 1
        t += down
    return n, t
