"""Root-raised-cosine pulses, the matched-filter bank and the symbol maps of the PSK modem."""

from __future__ import annotations

from functools import cache

import numpy as np

from phy.errors import ConfigError

__all__ = [
    "N_PHASES",
    "RX_SPAN_SYMBOLS",
    "TX_SPAN_SYMBOLS",
    "design_rrc",
    "matched_filter_bank",
    "timing_gain",
]

TX_SPAN_SYMBOLS = 12  # transmit pulse length (symbols)
RX_SPAN_SYMBOLS = 8  # matched filter length (symbols)
N_PHASES = 32  # timing resolution of the polyphase matched filter (phases per sample)


def _rrc(t: np.ndarray, rolloff: float) -> np.ndarray:
    """Root-raised-cosine impulse response at ``t`` symbols (unit symbol period, peak ~1)."""
    t = np.asarray(t, dtype=np.float64)
    a = rolloff
    out = np.empty_like(t)
    zero = np.isclose(t, 0.0)
    edge = np.isclose(np.abs(4 * a * t), 1.0)
    rest = ~(zero | edge)
    out[zero] = 1 + a * (4 / np.pi - 1)
    out[edge] = (a / np.sqrt(2)) * (
        (1 + 2 / np.pi) * np.sin(np.pi / (4 * a)) + (1 - 2 / np.pi) * np.cos(np.pi / (4 * a))
    )
    tr = t[rest]
    num = np.sin(np.pi * tr * (1 - a)) + 4 * a * tr * np.cos(np.pi * tr * (1 + a))
    out[rest] = num / (np.pi * tr * (1 - (4 * a * tr) ** 2))
    return out


def design_rrc(*, samples_per_symbol: int, rolloff: float, span_symbols: int) -> np.ndarray:
    """Root-raised-cosine taps (float32, odd length ``span * sps + 1``), sum of squares = sps.

    With that scaling a stream of unit-energy symbols at one symbol per ``sps`` samples has
    unit average power. Cost: O(span * sps).
    """
    if samples_per_symbol < 1 or span_symbols < 2:
        raise ConfigError("RRC needs at least 1 sample per symbol and a span of 2 symbols")
    if not 0 < rolloff <= 1:
        raise ConfigError(f"RRC roll-off must be in (0, 1], got {rolloff}")
    half = span_symbols * samples_per_symbol // 2
    taps = _rrc(np.arange(-half, half + 1) / samples_per_symbol, rolloff)
    taps *= np.sqrt(samples_per_symbol / np.sum(taps**2))
    return taps.astype(np.float32)


@cache
def matched_filter_bank(samples_per_symbol: int, rolloff: float) -> np.ndarray:
    """Polyphase matched filter: ``bank[p, m]`` is g(p / N_PHASES - (m - half + 1)).

    The MF output at fractional input time ``i + p / N_PHASES`` is
    ``sum_m bank[p, m] * x[i - half + 1 + m]`` with ``half = span * sps / 2``; each row has
    ``2 * half`` taps and unit sum of squares. Shape (N_PHASES, 2 * half), float32.
    """
    half = RX_SPAN_SYMBOLS * samples_per_symbol // 2
    m = np.arange(2 * half) - half + 1
    bank = np.empty((N_PHASES, 2 * half), dtype=np.float64)
    for p in range(N_PHASES):
        bank[p] = _rrc((p / N_PHASES - m) / samples_per_symbol, rolloff)
    bank /= np.sqrt(np.sum(bank[0] ** 2))
    bank.setflags(write=False)
    return bank.astype(np.float32)


@cache
def timing_gain(rolloff: float) -> float:
    """Slope of the Mueller-Muller detector's mean output per symbol of timing error.

    For the raised-cosine overall pulse ``c`` the mean error at offset ``d`` symbols is
    ``c(1 + d) - c(1 - d)``, so the slope is ``2 |c'(1)| = 2 cos(pi a) / (1 - 4 a^2)``.
    """
    if abs(1 - 4 * rolloff**2) < 1e-6:
        return float(np.pi / 2)  # limit at a = 1/2
    return float(2 * abs(np.cos(np.pi * rolloff) / (1 - 4 * rolloff**2)))
