"""GFSK modulation: Gaussian-filtered NRZ frequency pulses integrated into a continuous phase."""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy import special

from phy.errors import ConfigError
from phy.profiles import Profile

__all__ = ["design_gaussian_pulse", "modulate_bits"]


@cache
def _pulse(bt: float, samples_per_symbol: int, span_symbols: int) -> np.ndarray:
    sigma = np.sqrt(np.log(2.0)) / (2 * np.pi * bt)  # Gaussian std in symbols
    half = span_symbols * samples_per_symbol // 2
    t = np.arange(-half, half + 1) / samples_per_symbol
    scale = 1.0 / (np.sqrt(2.0) * sigma)
    return 0.5 * (special.erf((t + 0.5) * scale) - special.erf((t - 0.5) * scale))


def design_gaussian_pulse(
    *, bt: float, samples_per_symbol: int, span_symbols: int = 4
) -> np.ndarray:
    """GFSK frequency pulse: a one-symbol rectangle through a Gaussian filter of bandwidth ``bt``.

    Returns ``span_symbols * samples_per_symbol + 1`` symmetric float64 taps (peak near 1), so a
    run of equal symbols gives unit frequency. Cost: O(span * samples_per_symbol).
    """
    if not 0.1 <= bt <= 2.0 or samples_per_symbol < 2:
        raise ConfigError("Gaussian pulse needs BT in [0.1, 2] and >= 2 samples per symbol")
    return _pulse(float(bt), int(samples_per_symbol), int(span_symbols))


def modulate_bits(profile: Profile, bits: np.ndarray) -> np.ndarray:
    """Continuous-phase 2-GFSK of ``bits`` at ``profile.sample_rate_hz`` (unit amplitude).

    Bit 1 is the positive deviation ``h * Rs / 2``; the phase starts at 0 and advances by
    ``pi * h`` over a run of ones. Bit ``i`` is centred on sample ``(i + 0.5) * sps``; one
    extra symbol of samples lets the last Gaussian pulse finish (``(len(bits) + 1) * sps``
    complex64 samples in all). Cost: O(len(bits) * sps * span) in NumPy.
    """
    bits = np.asarray(bits, dtype=np.uint8).ravel()
    sps = profile.samples_per_symbol
    if bits.size == 0:
        return np.zeros(0, dtype=np.complex64)
    impulses = np.zeros((bits.size + 1) * sps)
    impulses[sps // 2 : bits.size * sps : sps] = 2.0 * bits - 1.0
    pulse = design_gaussian_pulse(bt=profile.bt, samples_per_symbol=sps)
    freq = np.convolve(impulses, pulse, mode="same")  # in units of the peak deviation
    phase = np.cumsum(freq) * (np.pi * profile.modulation_index / sps)
    phase -= phase[0]
    return np.exp(1j * phase).astype(np.complex64)
