"""Reed-Solomon codec over GF(2^8), bit-exact with ``reedsolo`` (prim 0x11d, generator 2,
fcr 0), compiled with Numba.

A codeword is the message followed by ``nsym`` parity bytes (at most 255 bytes in all, so a
shorter word is the shortened RS(255, 255 - nsym) code). The decoder corrects ``e`` errors
and ``f`` erasures when ``2 e + f <= nsym`` and reports failure otherwise whenever the word is
detectably uncorrectable; unlike reedsolo it never returns a word beyond that radius.
"""

from __future__ import annotations

import numpy as np

from mac.fec._gf import FCR, rs_tables
from phy.errors import ConfigError

__all__ = ["RS_NSYM", "rs_chunk_sizes", "rs_decode", "rs_decode_array", "rs_encode"]

#: Parity bytes per codeword of the frame code (RS(255, 223) shortened).
RS_NSYM = 32


def _check_nsym(nsym: int) -> None:
    if not 1 <= nsym <= 254:
        raise ConfigError(f"nsym={nsym}: a GF(2^8) RS code needs 1..254 parity bytes")


def rs_encode(message: bytes, *, nsym: int = RS_NSYM, fcr: int = FCR) -> bytes:
    """``message`` followed by its ``nsym`` parity bytes (``len(message) <= 255 - nsym``).

    ``fcr`` is the first consecutive root (0 for the frame code, 1 for FX.25).

    Cost: ``len(message) * nsym`` table look-ups.
    """
    from mac.fec._kernels import rs_encode as kernel

    _check_nsym(nsym)
    msg = np.frombuffer(bytes(message), dtype=np.uint8)
    if msg.size + nsym > 255:
        raise ConfigError(f"RS message of {msg.size} bytes; at most {255 - nsym} with nsym={nsym}")
    tables = rs_tables(nsym, fcr)
    out = np.empty(msg.size + nsym, dtype=np.uint8)
    kernel(msg, nsym, tables.exp, tables.log, tables.gen_log, out)
    return out.tobytes()


def rs_decode_array(
    word: np.ndarray, erase_mask: np.ndarray, out: np.ndarray, nsym: int, fcr: int = FCR
) -> int:
    """Array form of :func:`rs_decode` (uint8 arrays, no copies): corrected codeword into
    ``out``; returns the number of corrected bytes or -1."""
    from mac.fec._kernels import rs_decode as kernel

    tables = rs_tables(nsym, fcr)
    return int(kernel(word, erase_mask, nsym, fcr, tables.exp, tables.log, tables.syn_mul, out))


def rs_decode(
    word: bytes,
    *,
    nsym: int = RS_NSYM,
    erase_pos: list[int] | tuple[int, ...] = (),
    fcr: int = FCR,
) -> tuple[bytes | None, int]:
    """Correct a received codeword: ``(message, corrected_bytes)``, or ``(None, -1)``.

    ``erase_pos`` lists byte positions known (or suspected) to be wrong. Never raises on
    corrupted input; raises :class:`ConfigError` only for an impossible length or position.
    Cost: about ``len(word) * (nsym + errata)`` table look-ups.
    """
    _check_nsym(nsym)
    arr = np.frombuffer(bytes(word), dtype=np.uint8)
    if not nsym < arr.size <= 255:
        raise ConfigError(f"RS word of {arr.size} bytes; need {nsym + 1}..255 with nsym={nsym}")
    mask = np.zeros(arr.size, dtype=np.uint8)
    for p in erase_pos:
        if not 0 <= p < arr.size:
            raise ConfigError(f"erasure position {p} outside the {arr.size}-byte word")
        mask[p] = 1
    out = np.empty_like(arr)
    corrected = rs_decode_array(arr, mask, out, nsym, fcr)
    if corrected < 0:
        return None, -1
    return out[: arr.size - nsym].tobytes(), corrected


def rs_chunk_sizes(n_bytes: int, *, nsym: int = RS_NSYM) -> list[int]:
    """Message sizes of the codewords that carry ``n_bytes`` (as even as possible, longest
    first): ``ceil(n_bytes / (255 - nsym))`` codewords, at least one."""
    k_max = 255 - nsym
    count = max(1, -(-n_bytes // k_max))
    base, extra = divmod(n_bytes, count)
    return [base + 1] * extra + [base] * (count - extra)
