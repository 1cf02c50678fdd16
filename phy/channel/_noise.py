"""Additive white Gaussian noise at a requested Eb/N0 or SNR."""

from __future__ import annotations

import numpy as np

from phy.errors import ConfigError

__all__ = ["awgn", "noise_std"]


def noise_std(
    *,
    signal_power: float,
    sample_rate_hz: float,
    bit_rate_bps: float | None = None,
    ebn0_db: float | None = None,
    snr_db: float | None = None,
    is_complex: bool = True,
) -> float:
    """Standard deviation of the noise (per complex sample, or per real sample for audio).

    With Eb/N0: ``Eb = P / Rb`` and the noise PSD is N0 (complex baseband: variance
    ``N0 * fs``; real audio: two-sided N0/2, variance ``N0 * fs / 2``). With SNR: the ratio of
    the signal power to the noise power in the whole sampled band.
    """
    if (ebn0_db is None) == (snr_db is None):
        raise ConfigError("give exactly one of ebn0_db and snr_db")
    if signal_power <= 0:
        raise ConfigError("signal power must be positive")
    if ebn0_db is not None:
        if not bit_rate_bps:
            raise ConfigError("Eb/N0 needs the bit rate")
        n0 = signal_power / bit_rate_bps / 10 ** (ebn0_db / 10)
        variance = n0 * sample_rate_hz * (1.0 if is_complex else 0.5)
    else:
        variance = signal_power / 10 ** (snr_db / 10)
    return float(np.sqrt(variance))


def awgn(
    samples: np.ndarray,
    *,
    rng: np.random.Generator,
    sample_rate_hz: float,
    signal_power: float | None = None,
    bit_rate_bps: float | None = None,
    ebn0_db: float | None = None,
    snr_db: float | None = None,
) -> np.ndarray:
    """``samples`` plus white Gaussian noise (complex64 in, complex64 out; float32 likewise).

    ``signal_power`` defaults to the mean power of ``samples``; pass the burst's own power
    when ``samples`` holds silence around it.
    """
    samples = np.asarray(samples)
    is_complex = np.iscomplexobj(samples)
    if signal_power is None:
        signal_power = float(np.mean(np.abs(samples) ** 2))
    std = noise_std(
        signal_power=signal_power,
        sample_rate_hz=sample_rate_hz,
        bit_rate_bps=bit_rate_bps,
        ebn0_db=ebn0_db,
        snr_db=snr_db,
        is_complex=is_complex,
    )
    if is_complex:
        noise = rng.standard_normal((2, samples.size), dtype=np.float32) * (std / np.sqrt(2))
        return (samples + (noise[0] + 1j * noise[1])).astype(np.complex64)
    noise = rng.standard_normal(samples.size, dtype=np.float32) * std
    return (samples + noise).astype(np.float32)
