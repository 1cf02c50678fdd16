"""AFSK modulation: continuous-phase tone switching at any audio rate."""

from __future__ import annotations

import numpy as np

from phy.errors import ConfigError
from phy.profiles import Profile

__all__ = ["afsk_modulate", "modulate_bits"]

#: Peak amplitude of generated audio (headroom below full scale for resampling overshoot).
AMPLITUDE = 0.9


def afsk_modulate(
    bits: np.ndarray,
    *,
    sample_rate_hz: float,
    baud: float = 1200.0,
    mark_hz: float = 1200.0,
    space_hz: float = 2200.0,
    amplitude: float = AMPLITUDE,
    start_phase_rad: float = 0.0,
) -> np.ndarray:
    """Continuous-phase AFSK audio for ``bits`` (1 = mark, 0 = space).

    Bit ``k`` covers the samples ``n`` with ``floor(n * baud / sample_rate_hz) == k``, so
    any rate works (a non-integer number of samples per bit keeps the right average bit
    rate; ``baud`` may also be off nominal to simulate a transmitter's clock error). The
    phase is accumulated in float64 and never jumps. Cost: O(n_samples).

    Returns float32 audio with peak ``amplitude``.
    """
    if sample_rate_hz <= 0 or baud <= 0:
        raise ConfigError("sample rate and baud must be positive")
    if max(mark_hz, space_hz) >= sample_rate_hz / 2:
        raise ConfigError(
            f"tones up to {max(mark_hz, space_hz):g} Hz need a sample rate above "
            f"{2 * max(mark_hz, space_hz):g} Hz"
        )
    bits = np.asarray(bits, dtype=np.uint8).ravel()
    n_samples = int(np.ceil(bits.size * sample_rate_hz / baud - 1e-9))
    if bits.size == 0 or n_samples == 0:
        return np.zeros(0, dtype=np.float32)
    index = np.minimum(
        (np.arange(n_samples) * baud / sample_rate_hz).astype(np.int64), bits.size - 1
    )
    freq_hz = np.where(bits[index] != 0, mark_hz, space_hz)
    phase = start_phase_rad + 2 * np.pi * np.cumsum(freq_hz) / sample_rate_hz
    phase = np.concatenate([[start_phase_rad], phase[:-1]])
    return (amplitude * np.sin(phase)).astype(np.float32)


def modulate_bits(profile: Profile, bits: np.ndarray) -> np.ndarray:
    """The AFSK audio of ``bits`` at ``profile``'s native rate (float32, peak 0.9)."""
    return afsk_modulate(
        bits,
        sample_rate_hz=profile.sample_rate_hz,
        baud=profile.symbol_rate_baud,
        mark_hz=profile.mark_hz,
        space_hz=profile.space_hz,
    )
