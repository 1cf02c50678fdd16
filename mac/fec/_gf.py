"""GF(2^8) tables and Reed-Solomon generator polynomials (reedsolo's field conventions).

The field is built from the primitive polynomial ``x^8 + x^4 + x^3 + x^2 + 1`` (0x11d) with
generator alpha = 2; the generator polynomial of a code with ``nsym`` check symbols is
``g(x) = prod_{i=0}^{nsym-1} (x - alpha^(i + fcr))`` with first consecutive root fcr = 0, exactly
as ``reedsolo.RSCodec(nsym)`` builds it. Tables are computed once and cached (a few kB).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

__all__ = ["FCR", "GENERATOR", "PRIM", "RsTables", "rs_tables"]

PRIM = 0x11D
GENERATOR = 2
FCR = 0


@dataclass(frozen=True, slots=True, eq=False)
class RsTables:
    """Everything the kernels need for one (nsym, fcr) code over GF(2^8).

    ``exp`` has 512 entries (``exp[i] = alpha^(i mod 255)``) so that sums of two logarithms
    index it without a modulo; ``log[0]`` is unused (0). ``gen_log`` holds the logarithms of
    the generator polynomial's coefficients, highest degree first (``gen[0] = 1``).
    ``syn_mul[i, x] = x * alpha^(i + fcr)`` drives the syndrome Horner steps.
    """

    nsym: int
    fcr: int
    exp: np.ndarray  # uint8[512]
    log: np.ndarray  # int32[256]
    gen_log: np.ndarray  # int32[nsym + 1]
    syn_mul: np.ndarray  # uint8[nsym, 256]


def _field() -> tuple[np.ndarray, np.ndarray]:
    exp = np.zeros(512, dtype=np.uint8)
    log = np.zeros(256, dtype=np.int32)
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        x <<= 1
        if x & 0x100:
            x ^= PRIM
    exp[255:510] = exp[0:255]
    exp[510:] = exp[0:2]
    return exp, log


def _mul(a: int, b: int, exp: np.ndarray, log: np.ndarray) -> int:
    if a == 0 or b == 0:
        return 0
    return int(exp[(int(log[a]) + int(log[b])) % 255])


@cache
def rs_tables(nsym: int, fcr: int = FCR) -> RsTables:
    """Tables for a code with ``nsym`` check symbols (cached per (nsym, fcr))."""
    exp, log = _field()
    gen = [1]
    for i in range(nsym):
        root = int(exp[(i + fcr) % 255])
        nxt = [*gen, 0]  # gen * x
        for j, g in enumerate(gen):
            nxt[j + 1] ^= _mul(g, root, exp, log)
        gen = nxt
    gen_log = np.array([log[g] for g in gen], dtype=np.int32)
    syn_mul = np.zeros((max(nsym, 1), 256), dtype=np.uint8)
    for i in range(nsym):
        lr = (i + fcr) % 255
        syn_mul[i, 1:] = exp[(log[1:] + lr) % 255]
    return RsTables(nsym=nsym, fcr=fcr, exp=exp, log=log, gen_log=gen_log, syn_mul=syn_mul)
