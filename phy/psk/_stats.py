"""Per-burst signal statistics of PSK symbols: SNR, EVM and the LLR scale."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["SymbolStats", "burst_statistics"]

_MAX_SNR = 1e6  # 60 dB: caps the estimate (and the LLRs) on a noiseless burst


@dataclass(frozen=True, slots=True)
class SymbolStats:
    snr_db: float  # Es/N0 at the matched-filter output
    evm_db: float  # rms error vector relative to the constellation amplitude, dB
    llr_scale: float  # multiply Re/Im of a symbol by this to get bit LLRs


def burst_statistics(symbols: np.ndarray, *, qpsk: bool) -> SymbolStats:
    """Decision-directed signal amplitude ``A`` and noise power ``N`` of a burst's symbols.

    ``snr_db`` is ``A^2 / N`` (Es/N0), ``evm_db`` the rms error vector relative to ``A``
    (so exactly ``-snr_db``). For ``z = A a + n`` the bit LLRs are ``4 A Re z / N``
    (BPSK) and ``2 sqrt(2) A Re z / N``, ``2 sqrt(2) A Im z / N`` (QPSK, ``|a| = 1``), the
    ``2 y / sigma^2`` of each real dimension. Cost: two passes over the symbols (Numba).
    """
    from phy.psk._kernels import symbol_stats

    z = symbols if symbols.flags.c_contiguous else np.ascontiguousarray(symbols)
    moments = np.zeros(2, dtype=np.float64)
    symbol_stats(z, qpsk, moments)
    amp, noise = float(moments[0]), float(moments[1])
    if not (amp > 0 and math.isfinite(amp + noise)):
        return SymbolStats(snr_db=0.0, evm_db=0.0, llr_scale=1.0)
    noise = max(noise, amp * amp / _MAX_SNR)
    snr_db = 10 * math.log10(amp * amp / noise)
    scale = (2 * math.sqrt(2) if qpsk else 4.0) * amp / noise
    return SymbolStats(snr_db=snr_db, evm_db=-snr_db, llr_scale=scale)
