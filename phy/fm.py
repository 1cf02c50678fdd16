"""Narrowband FM: a streaming discriminator from IQ to audio, and a modulator for tests.

The packet-radio path from an RTL-SDR recording: IQ at the radio's rate, mixed by
``offset_hz`` (the channel's distance from the centre frequency), low-passed and resampled to
``audio_rate_hz`` (the resampler is the channel filter), then the quadrature discriminator
``angle(x[n] conj(x[n-1]))`` scaled so that a deviation of ``deviation_hz`` gives 1.0.
"""

from __future__ import annotations

import numpy as np

from phy.errors import ConfigError

__all__ = ["FmDemodulator", "fm_modulate"]


class FmDemodulator:
    """IQ (complex64) in, float32 audio at ``audio_rate_hz`` out; chunk-invariant.

    Parameters
    ----------
    sample_rate_hz : rate of the IQ input.
    audio_rate_hz : rate of the audio output (also the bandwidth of the channel filter).
    deviation_hz : peak deviation that maps to full scale (3 kHz for APRS on 2 m).
    offset_hz : frequency of the wanted channel relative to the centre of the IQ.

    Cost: the resampler's taps per input sample plus a few operations per output sample.
    """

    def __init__(
        self,
        *,
        sample_rate_hz: float,
        audio_rate_hz: float = 48_000.0,
        deviation_hz: float = 3_000.0,
        offset_hz: float = 0.0,
    ) -> None:
        from phy.dsp import Resampler

        if sample_rate_hz < audio_rate_hz:
            raise ConfigError(
                f"IQ at {sample_rate_hz:g} S/s is slower than the {audio_rate_hz:g} Hz audio; "
                "lower --audio-rate or record faster"
            )
        if abs(offset_hz) > sample_rate_hz / 2:
            raise ConfigError(f"FM offset {offset_hz:g} Hz is outside the captured band")
        if deviation_hz <= 0:
            raise ConfigError("FM deviation must be positive")
        self.sample_rate_hz = float(sample_rate_hz)
        self.audio_rate_hz = float(audio_rate_hz)
        self._scale = audio_rate_hz / (2 * np.pi * deviation_hz)
        self._step = -2 * np.pi * offset_hz / sample_rate_hz
        self._resampler = Resampler(in_rate_hz=sample_rate_hz, out_rate_hz=audio_rate_hz)
        self.reset()

    def reset(self) -> None:
        self._resampler.reset()
        self._n = 0
        self._last = np.complex64(1.0)

    def process(self, iq: np.ndarray) -> np.ndarray:
        iq = np.nan_to_num(np.asarray(iq, dtype=np.complex64).ravel())
        if self._step:
            phase = self._step * (self._n + np.arange(iq.size))
            iq = iq * np.exp(1j * np.mod(phase, 2 * np.pi)).astype(np.complex64)
        self._n += iq.size
        base = self._resampler.process(iq)
        if base.size == 0:
            return np.zeros(0, dtype=np.float32)
        previous = np.concatenate([[self._last], base[:-1]])
        self._last = base[-1]
        audio = np.angle(base * np.conj(previous)) * self._scale
        return audio.astype(np.float32)


def fm_modulate(
    audio: np.ndarray, *, sample_rate_hz: float, deviation_hz: float = 3_000.0
) -> np.ndarray:
    """Complex64 FM of ``audio`` (full scale = ``deviation_hz``) at the audio's own rate."""
    phase = 2 * np.pi * deviation_hz / sample_rate_hz * np.cumsum(np.asarray(audio, np.float64))
    return np.exp(1j * phase).astype(np.complex64)
