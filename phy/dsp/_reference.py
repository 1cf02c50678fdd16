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


def resample_poly(ext, rphases, up, down, t0, out):
    n_taps = rphases.shape[1]
    n = 0
    t = t0
    while n < out.shape[0] and t // up < ext.shape[0]:
        i, p = divmod(t, up)
        out[n] = np.dot(rphases[p].astype(np.float64), ext[i - n_taps + 1 : i + 1])
        n += 1
        t += down
    return n, t


def resample_poly_iq(ext, rphases, up, down, t0, out):
    iq = ext[0::2] + 1j * ext[1::2].astype(np.float64)
    res = np.zeros(out.shape[0] // 2, dtype=np.complex128)
    n, t = resample_poly(iq, rphases, up, down, t0, res)
    out[0 : 2 * n : 2] = res[:n].real
    out[1 : 2 * n : 2] = res[:n].imag
    return n, t
