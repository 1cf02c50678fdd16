"""Plain NumPy twins of the shared kernels (same signatures, for the tests)."""

from __future__ import annotations

import numpy as np


def sync_search(llrs, start, sync_word, sync_bits, max_errors, out_pos, out_err):
    hard = (np.asarray(llrs[start:]) < 0).astype(np.int64)
    if hard.size < sync_bits:
        return 0
    word = np.array([(sync_word >> (sync_bits - 1 - k)) & 1 for k in range(sync_bits)])
    windows = np.lib.stride_tricks.sliding_window_view(hard, sync_bits)
    errors = (windows != word).sum(axis=1)
    hits = np.flatnonzero(errors <= max_errors)
    out_pos[: hits.size] = hits + sync_bits + start
    out_err[: hits.size] = errors[hits]
    return hits.size


def resample_poly(ext, phases, up, down, t0, out):
    n_taps = phases.shape[1]
    n = 0
    t = t0
    while t // up < ext.shape[0] and n < out.shape[0]:
        i, p = divmod(t, up)
        out[n] = np.dot(phases[p], ext[i - n_taps + 1 : i + 1][::-1])
        n += 1
        t += down
    return n, t
