"""Block bit interleaver sized to the frame.

``N`` coded bits are written row by row into a matrix of ``C = ceil(sqrt(N))`` columns and
``R = ceil(N / C)`` rows (the last row may be partial) and read column by column, skipping the
empty cells. Neighbours on the air are ``C`` bits apart in the code stream; a burst of up to
``R`` bits hits at most one bit per ``C``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

__all__ = ["deinterleave", "interleave", "interleaver_permutation"]


@lru_cache(maxsize=64)
def interleaver_permutation(n_bits: int) -> np.ndarray:
    """``perm`` such that ``air[k] = code[perm[k]]`` (int64, read-only). Cost: O(N), cached."""
    if n_bits <= 0:
        perm = np.zeros(0, dtype=np.int64)
    else:
        cols = math.isqrt(n_bits - 1) + 1  # ceil(sqrt(N))
        rows = -(-n_bits // cols)
        grid = np.arange(rows * cols, dtype=np.int64).reshape(rows, cols)
        order = grid.T.ravel()
        perm = order[order < n_bits]
    perm.setflags(write=False)
    return perm


def interleave(code: np.ndarray) -> np.ndarray:
    """Air order of a coded bit (or LLR) sequence."""
    code = np.asarray(code)
    return code[interleaver_permutation(code.size)]


def deinterleave(air: np.ndarray) -> np.ndarray:
    """Inverse of :func:`interleave` (works on bits and on LLRs)."""
    air = np.asarray(air)
    out = np.empty_like(air)
    out[interleaver_permutation(air.size)] = air
    return out
