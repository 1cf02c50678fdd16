"""Per-burst signal statistics of PSK symbols: SNR, EVM and the LLR scale."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SymbolStats", "burst_statistics"]

_MAX_SNR = 1e6  # 60 dB: caps the estimate (and the LLRs) on a noiseless burst


@dataclass(frozen=True, slots=True)
class SymbolStats:
    snr_db: float  # Es/N0 at the matched-filter output
    evm_db: float  # rms error vector relative to the rms constellation, dB
    llr_scale: float  # multiply Re/Im of a symbol by this to get bit LLRs


def burst_statistics(symbols: np.ndarray, *, qpsk: bool) -> SymbolStats:
    """M2M4 signal and noise power of constant-modulus symbols, EVM and LLR scale.

    With ``M2 = E|z|^2`` and ``M4 = E|z|^4``: ``S = sqrt(2 M2^2 - M4)``, ``N = M2 - S``
    (complex Gaussian noise). For ``z = A a + n`` the bit LLRs are ``4 A Re z / N`` (BPSK)
    and ``2 sqrt(2) A Re z / N``, ``2 sqrt(2) A Im z / N`` (QPSK, ``a`` on the unit circle).
    Cost: two passes over the symbols (Numba).
    """
    from phy.psk._kernels import symbol_stats

    z = np.ascontiguousarray(symbols, dtype=np.complex64)
    moments = np.zeros(3, dtype=np.float64)
    symbol_stats(z, qpsk, moments)
    m2, m4, evm = moments
    if not m2 > 0 or not np.isfinite(m2 + m4):
        return SymbolStats(snr_db=0.0, evm_db=0.0, llr_scale=1.0)
    signal = np.sqrt(max(2 * m2 * m2 - m4, 0.0))
    signal = min(max(signal, m2 / (1 + _MAX_SNR)), m2 * (1 - 1 / (1 + _MAX_SNR)))
    noise = m2 - signal
    amp = np.sqrt(signal)
    scale = (2 * np.sqrt(2) if qpsk else 4.0) * amp / noise
    return SymbolStats(
        snr_db=float(10 * np.log10(signal / noise)),
        evm_db=float(10 * np.log10(max(evm, 1e-12))),
        llr_scale=float(scale),
    )
