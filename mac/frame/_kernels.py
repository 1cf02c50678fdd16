"""Numba kernel of the frame decoder's batched early reject (twin in ``_reference.py``)."""

from __future__ import annotations

from phy._jit import njit


@njit
def header_disagreements(rows, flip, out):
    """Per row, the hard-bit disagreements between the two header copies after whitening.

    ``rows`` (any real dtype, shape (n, >= 2 * len(flip))) holds raw soft bits; ``flip[k]``
    is 1 where the PN9 bits of position ``k`` and ``k + len(flip)`` differ. A value counts
    as a 1 bit when it is negative (NaN counts as 0). Writes ``out[r]``. Cost: one pass.
    """
    n_coded = flip.shape[0]
    for r in range(rows.shape[0]):
        count = 0
        for k in range(n_coded):
            a = rows[r, k] < 0
            b = rows[r, k + n_coded] < 0
            if (a != b) != (flip[k] != 0):
                count += 1
        out[r] = count
