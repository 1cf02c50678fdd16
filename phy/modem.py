"""The modem front door: ``modulate`` and ``make_receiver`` for any profile at any rate.

Each modulation lives in its own subpackage (``phy.gfsk``, ``phy.psk``, ``phy.afsk``) with

* ``modulate_bits(profile, bits) -> samples`` at the profile's native rate (complex64 for
  RF, float32 audio for AFSK), and
* ``Receiver(*, profile, **options)`` with ``process(samples) -> list[Burst]``, ``flush()``
  and ``reset()``, working at the native rate.

This module adds the framing and the conversion between the native rate and the radio's.
"""

from __future__ import annotations

import importlib

import numpy as np

from phy.burst import Burst
from phy.framing import frame_bits
from phy.profiles import Profile, get_profile

__all__ = ["make_receiver", "modem_module", "modulate", "modulate_bits", "receive_passband_hz"]

_MODULES = {"gfsk": "phy.gfsk", "bpsk": "phy.psk", "qpsk": "phy.psk", "afsk": "phy.afsk"}


def modem_module(profile: Profile):
    """The subpackage implementing ``profile``'s modulation (imported on first use)."""
    return importlib.import_module(_MODULES[profile.modulation])


def _resample(samples: np.ndarray, in_rate_hz: float, out_rate_hz: float) -> np.ndarray:
    from phy.dsp import Resampler

    resampler = Resampler(in_rate_hz=in_rate_hz, out_rate_hz=out_rate_hz)
    if resampler.is_identity:
        return samples
    delay = int(np.ceil(resampler.delay_in_samples))
    padded = np.concatenate([samples, np.zeros(2 * delay + 1, dtype=samples.dtype)])
    out = resampler.process(padded)
    skip = round(resampler.delay_in_samples * out_rate_hz / in_rate_hz)
    n_out = round(samples.size * out_rate_hz / in_rate_hz)
    return out[skip : skip + n_out]


def modulate_bits(
    profile: str | Profile, bits: np.ndarray, *, sample_rate_hz: float | None = None
) -> np.ndarray:
    """Modulate raw bits (no framing added) at ``sample_rate_hz`` (default: native rate)."""
    profile = get_profile(profile)
    samples = modem_module(profile).modulate_bits(profile, np.asarray(bits, dtype=np.uint8))
    if sample_rate_hz is not None and sample_rate_hz != profile.sample_rate_hz:
        samples = _resample(samples, profile.sample_rate_hz, sample_rate_hz)
    return samples


def modulate(
    profile: str | Profile, payload: bytes, *, sample_rate_hz: float | None = None
) -> np.ndarray:
    """One burst carrying ``payload`` (preamble, sync word, PHY header, payload bits).

    Returns complex64 baseband for RF profiles, float32 audio in [-1, 1] for AFSK, at
    ``sample_rate_hz`` (default: the profile's native rate).
    """
    profile = get_profile(profile)
    return modulate_bits(profile, frame_bits(profile, payload), sample_rate_hz=sample_rate_hz)


#: Carrier offset a receiver acquires (an RTL-SDR at 433 MHz can be 50 ppm off) plus margin.
_MAX_CFO_HZ = 25e3


def receive_passband_hz(profile: Profile, sample_rate_hz: float) -> float | None:
    """The band a receiver needs from the radio's stream: the signal plus the carrier offset
    it acquires (RF), or None (the resampler's default) for audio. A narrower pass band lets
    the resampler's decimation stages use fewer taps."""
    if profile.is_audio:
        return None
    low_hz = min(sample_rate_hz, profile.sample_rate_hz)
    return min(profile.occupied_bandwidth_hz / 2 + _MAX_CFO_HZ, 0.4 * low_hz)


class _ResampledReceiver:
    """A native-rate receiver behind a resampler from the radio's rate."""

    def __init__(self, inner, *, profile: Profile, sample_rate_hz: float) -> None:
        from phy.dsp import Resampler

        self._inner = inner
        self.profile = profile
        self.sample_rate_hz = float(sample_rate_hz)
        self._resampler = Resampler(
            in_rate_hz=sample_rate_hz,
            out_rate_hz=profile.sample_rate_hz,
            passband_hz=receive_passband_hz(profile, sample_rate_hz),
        )
        self._scale = sample_rate_hz / profile.sample_rate_hz

    @property
    def counters(self) -> dict:
        return getattr(self._inner, "counters", {})

    def _map(self, bursts: list[Burst]) -> list[Burst]:
        return [
            b.with_changes(
                start_sample=round(b.start_sample * self._scale - self._resampler.delay_in_samples),
                sample_rate_hz=self.sample_rate_hz,
            )
            for b in bursts
        ]

    def process(self, samples: np.ndarray) -> list[Burst]:
        return self._map(self._inner.process(self._resampler.process(samples)))

    def flush(self) -> list[Burst]:
        tail = np.zeros(int(np.ceil(2 * self._resampler.delay_in_samples)) + 1)
        dtype = np.float32 if self.profile.is_audio else np.complex64
        out = self._map(self._inner.process(self._resampler.process(tail.astype(dtype))))
        return out + self._map(self._inner.flush())

    def reset(self) -> None:
        self._resampler.reset()
        self._inner.reset()


def make_receiver(profile: str | Profile, *, sample_rate_hz: float | None = None, **options):
    """A streaming receiver for ``profile`` fed at ``sample_rate_hz`` (default: native).

    ``options`` go to the modem's receiver (e.g. ``max_sync_errors``). The receiver's
    ``process(chunk)`` returns the bursts completed in ``chunk``; ``flush()`` drains the
    end of a finite stream.
    """
    profile = get_profile(profile)
    inner = modem_module(profile).Receiver(profile=profile, **options)
    if sample_rate_hz is None or sample_rate_hz == profile.sample_rate_hz:
        return inner
    return _ResampledReceiver(inner, profile=profile, sample_rate_hz=sample_rate_hz)
