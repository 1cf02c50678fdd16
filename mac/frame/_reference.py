"""Plain NumPy twin of the frame kernels (same signatures, for the tests)."""

from __future__ import annotations

import numpy as np


def header_disagreements(rows, flip, out):
    n_coded = flip.shape[0]
    rows = np.asarray(rows)
    a = rows[:, :n_coded] < 0
    b = rows[:, n_coded : 2 * n_coded] < 0
    out[:] = np.count_nonzero((a != b) != (np.asarray(flip) != 0), axis=1)
