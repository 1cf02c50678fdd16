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
def _resample_core(ext, ch, rphases, up, down, t0, out):
    """Shared body of the resampling kernels, vectorised over outputs.

    Outputs with the same residue ``n % up`` share one filter phase and step ``down`` input
    samples, so each residue is a decimating FIR. The input is split once into its ``down``
    polyphase components (contiguous rows), and each FIR becomes a sum of short correlations
    computed tap by tap over blocks of outputs: a contiguous multiply-add that SIMD units run
    without reordering any sum (no fastmath), so every output's sum has a fixed order and
    the result does not depend on how the stream was chunked.
    """
    n_taps = rphases.shape[1]
    size = ext.shape[0] // ch
    n_max = out.shape[0] // ch
    n = 0
    while n < n_max and (t0 + n * down) // up < size:
        n += 1
    if n == 0:
        return 0, t0
    n_comp = (size + down - 1) // down
    comps = np.zeros((down, n_comp * ch), dtype=np.float32)
    for s in range(down):
        row = comps[s]
        for j in range((size - s + down - 1) // down):
            src = (s + down * j) * ch
            for c in range(ch):
                row[j * ch + c] = ext[src + c]
    block = 256
    acc = np.empty(block * ch, dtype=np.float32)
    for r in range(min(up, n)):
        t_r = t0 + r * down
        p = t_r % up
        base = t_r // up - n_taps + 1
        n_r = (n - r + up - 1) // up
        for j0 in range(0, n_r, block):
            width = min(block, n_r - j0) * ch
            acc[:width] = 0.0
            for q in range(min(down, n_taps)):
                s = (base + q) % down
                row = comps[s]
                off = (base + q) // down + j0
                for k in range(q, n_taps, down):
                    g = rphases[p, k]
                    if g == 0:
                        continue  # sinc zeros (half of a half-band filter's taps)
                    start = (off + (k - q) // down) * ch
                    src = row[start : start + width]  # slices: no index wraparound checks,
                    dst = acc[:width]  # so LLVM vectorises this loop
                    for e in range(width):
                        dst[e] += g * src[e]
            for jj in range(width // ch):
                dst = (r + up * (j0 + jj)) * ch
                for c in range(ch):
                    out[dst + c] = acc[jj * ch + c]
    return n, t0 + n * down


@njit
def resample_poly(ext, rphases, up, down, t0, out):
    """Polyphase rational resampling of a real stream ``ext`` from upsampled time ``t0``.

    ``rphases[p, j]`` is prototype tap ``(K - 1 - j) * up + p`` (each phase time-reversed,
    ``K = rphases.shape[1]``); output ``n`` is ``dot(rphases[p], ext[i - K + 1 : i + 1])``
    with ``t = t0 + n * down``, ``i = t // up``, ``p = t % up``. Stops before ``i`` leaves
    ``ext`` or ``out`` is full; returns (outputs written, next t). ``t0`` must be at least
    ``(K - 1) * up``. Cost: K multiply-adds per output (SIMD), one copy of the input.
    """
    return _resample_core(ext, 1, rphases, up, down, t0, out)


@njit
def resample_poly_iq(ext, rphases, up, down, t0, out):
    """``resample_poly`` for IQ: ``ext`` and ``out`` are complex64 viewed as interleaved float32.

    Lengths count floats (two per sample); otherwise as ``resample_poly``. Cost: K complex
    by real multiply-adds per output.
    """
    return _resample_core(ext, 2, rphases, up, down, t0, out)
