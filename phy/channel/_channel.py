"""The seeded, reproducible channel model: a frozen config and a streaming ``Channel``."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from phy.channel._impairments import (
    Agc,
    CarrierOffset,
    Multipath,
    Noise,
    PhaseNoise,
    ToneTwist,
    dequantise_cu8,
    iq_imbalance,
    quantise_cu8,
)
from phy.channel._interp import ClockOffset
from phy.channel._noise import noise_std
from phy.errors import ConfigError

__all__ = ["Channel", "ChannelConfig"]

_RF_ONLY = (
    "cfo_hz",
    "phase_rad",
    "phase_noise_linewidth_hz",
    "multipath_taps",
    "dc_offset",
    "iq_amplitude_db",
    "iq_phase_deg",
    "quantise_cu8",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelConfig:
    """What the channel does to a stream (every impairment off by default).

    Noise: give ``ebn0_db`` (with ``bit_rate_bps``) or ``snr_db`` (over the whole sampled
    band), relative to ``signal_power`` (mean power while a burst is on, at the channel
    input; multipath taps of unit energy keep it). RF only (``audio=False``): carrier offset
    ``cfo_hz`` and phase ``phase_rad``, Wiener phase noise of ``phase_noise_linewidth_hz``,
    ``multipath_taps`` (complex, at sample spacing), ``dc_offset`` (complex, full scale 1),
    IQ imbalance, RTL-SDR 8-bit quantisation behind an AGC. Both: receiver clock offset
    ``clock_ppm``, timing offset (a delay of ``timing_offset_samples``), level ``gain_db``.
    Audio only: ``twist_db`` (level at ``twist_high_hz`` over ``twist_low_hz``, a shelving
    pre-/de-emphasis filter); audio is clipped to [-1, 1] like a sound card unless
    ``clip_audio`` is False (BER measurements at low Eb/N0, where noise exceeds full scale).
    """

    sample_rate_hz: float
    audio: bool = False
    ebn0_db: float | None = None
    snr_db: float | None = None
    bit_rate_bps: float | None = None
    signal_power: float = 1.0
    cfo_hz: float = 0.0
    phase_rad: float = 0.0
    clock_ppm: float = 0.0
    timing_offset_samples: float = 0.0
    phase_noise_linewidth_hz: float = 0.0
    multipath_taps: tuple[complex, ...] = ()
    gain_db: float = 0.0
    dc_offset: complex = 0j
    iq_amplitude_db: float = 0.0
    iq_phase_deg: float = 0.0
    quantise_cu8: bool = False
    agc_target_rms: float = 0.3
    agc_time_constant_s: float = 1e-3
    twist_db: float = 0.0
    twist_low_hz: float = 1200.0
    twist_high_hz: float = 2200.0
    clip_audio: bool = True

    def __post_init__(self) -> None:
        if not self.sample_rate_hz > 0:
            raise ConfigError("channel sample rate must be positive")
        if self.ebn0_db is not None and self.snr_db is not None:
            raise ConfigError("give at most one of ebn0_db and snr_db")
        if self.ebn0_db is not None and not (self.bit_rate_bps and self.bit_rate_bps > 0):
            raise ConfigError("Eb/N0 needs bit_rate_bps (the profile's bit rate)")
        if not self.signal_power > 0:
            raise ConfigError("signal_power must be positive")
        if abs(self.cfo_hz) >= self.sample_rate_hz / 2:
            raise ConfigError("carrier offset must be below half the sample rate")
        if not 0 <= self.phase_noise_linewidth_hz < self.sample_rate_hz / 100:
            raise ConfigError("phase noise linewidth must be 0..fs/100 Hz")
        if not 0 < self.agc_target_rms <= 0.7:
            raise ConfigError("AGC target must be in (0, 0.7] of full scale")
        if not self.agc_time_constant_s * self.sample_rate_hz >= 1:
            raise ConfigError("AGC time constant must span at least one sample")
        if abs(self.iq_phase_deg) >= 45 or abs(self.iq_amplitude_db) > 6:
            raise ConfigError("IQ imbalance must be within +-6 dB and +-45 degrees")
        if not 0 < self.twist_low_hz < self.twist_high_hz < self.sample_rate_hz / 2:
            raise ConfigError("twist tones must satisfy 0 < low < high < fs/2")
        if abs(self.twist_db) > 20:
            raise ConfigError("tone twist must be within +-20 dB")
        if not all(math.isfinite(abs(complex(t))) for t in self.multipath_taps):
            raise ConfigError("multipath taps must be finite complex numbers")
        if self.audio:
            defaults = {name: ChannelConfig.__dataclass_fields__[name].default for name in _RF_ONLY}
            bad = [name for name in _RF_ONLY if getattr(self, name) != defaults[name]]
            if bad:
                raise ConfigError(f"{', '.join(bad)} apply to RF (IQ) only, not audio")
        elif self.twist_db:
            raise ConfigError("twist_db applies to audio only; set audio=True")

    @property
    def noise_std(self) -> float:
        """Noise standard deviation per (complex or real) sample; 0 without noise."""
        if self.ebn0_db is None and self.snr_db is None:
            return 0.0
        return noise_std(
            signal_power=self.signal_power,
            sample_rate_hz=self.sample_rate_hz,
            bit_rate_bps=self.bit_rate_bps,
            ebn0_db=self.ebn0_db,
            snr_db=self.snr_db,
            is_complex=not self.audio,
        )


class Channel:
    """A streaming channel: ``process(samples)`` applies ``config``'s impairments in the
    order a real link does (multipath, receiver clock and timing, carrier offset and phase
    noise, noise, tone twist, level, IQ imbalance, DC offset, AGC + 8-bit ADC or clipping).

    The same ``rng`` seed gives the same output, and splitting the input into chunks does
    not change it (each random block owns a child generator). Complex64 in and out for RF,
    float32 for audio. ``reset()`` clears filter states (random streams continue).
    Cost: a few tens of operations per sample (the clock interpolator dominates, ~48
    multiply-adds, only when a clock or timing offset is set).
    """

    def __init__(self, config: ChannelConfig, *, rng: np.random.Generator) -> None:
        self.config = config
        c = config
        noise_rng, phase_rng = rng.spawn(2)
        self._blocks: list = []
        if c.multipath_taps:
            self._blocks.append(Multipath(taps=c.multipath_taps))
        clock = ClockOffset(ppm=c.clock_ppm, delay_samples=c.timing_offset_samples)
        if not clock.is_identity:
            self._blocks.append(clock)
        if c.cfo_hz or c.phase_rad:
            self._blocks.append(
                CarrierOffset(
                    cfo_hz=c.cfo_hz, sample_rate_hz=c.sample_rate_hz, phase_rad=c.phase_rad
                )
            )
        if c.phase_noise_linewidth_hz:
            self._blocks.append(
                PhaseNoise(
                    linewidth_hz=c.phase_noise_linewidth_hz,
                    sample_rate_hz=c.sample_rate_hz,
                    rng=phase_rng,
                )
            )
        if c.noise_std:
            self._blocks.append(Noise(std=c.noise_std, rng=noise_rng))
        if c.twist_db:
            self._blocks.append(
                ToneTwist(
                    twist_db=c.twist_db,
                    sample_rate_hz=c.sample_rate_hz,
                    low_hz=c.twist_low_hz,
                    high_hz=c.twist_high_hz,
                )
            )
        self._agc = None
        if c.quantise_cu8:
            self._agc = Agc(
                target_rms=c.agc_target_rms,
                time_constant_s=c.agc_time_constant_s,
                sample_rate_hz=c.sample_rate_hz,
            )
        self._gain = np.float32(10 ** (c.gain_db / 20))

    def reset(self) -> None:
        for block in self._blocks:
            if hasattr(block, "reset"):
                block.reset()
        if self._agc is not None:
            self._agc.reset()

    def process(self, samples: np.ndarray) -> np.ndarray:
        """The channel's output for the next chunk (same length, or ~ppm more or less)."""
        c = self.config
        x = np.asarray(samples)
        if c.audio:
            if np.iscomplexobj(x):
                raise ConfigError("this channel is configured for audio; got complex samples")
            x = x.astype(np.float32, copy=False)
        else:
            x = x.astype(np.complex64, copy=False)
        for block in self._blocks:
            x = block.process(x)
        if self._gain != 1:
            x = x * self._gain
        if c.audio:
            return (np.clip(x, -1, 1) if c.clip_audio else x).astype(np.float32)
        if c.iq_amplitude_db or c.iq_phase_deg:
            x = iq_imbalance(x, amplitude_db=c.iq_amplitude_db, phase_deg=c.iq_phase_deg)
        if c.dc_offset:
            x = x + np.complex64(c.dc_offset)
        if self._agc is not None:
            x = dequantise_cu8(self.to_cu8(x))
        return x.astype(np.complex64, copy=False)

    def to_cu8(self, x: np.ndarray) -> np.ndarray:
        """AGC then 8-bit quantisation: the uint8 (I, Q) stream an RTL-SDR would deliver."""
        if self._agc is None:
            raise ConfigError("to_cu8 needs quantise_cu8=True in the channel config")
        return quantise_cu8(self._agc.process(x))
