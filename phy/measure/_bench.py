"""Throughput measurement behind ``sdrlink bench``: a registry of stages, one core each.

A stage is a function ``(profile, seconds) -> list[BenchRecord]``. The built-in stages time
modulation, native-rate demodulation, the whole receive chain behind the resampler at the
radio's rate (RTL-SDR 2.4 MS/s, or 48 kHz audio) and the resampler alone. Other layers add
stages with ``register_stage`` (e.g. FEC decoders: ``profile`` names the code then).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from phy.errors import ConfigError
from phy.measure._link import AUDIO_RADIO_RATE_HZ, RF_RADIO_RATE_HZ
from phy.profiles import Profile, get_profile

__all__ = ["STAGES", "BenchRecord", "BenchStage", "register_stage", "run_stage", "time_calls"]


@dataclass(frozen=True, slots=True, kw_only=True)
class BenchRecord:
    """One throughput figure. ``realtime_factor`` is processing speed over the air rate
    (>1: faster than real time). ``extra`` holds stage-specific numbers (e.g. MB/s);
    ``samples_per_s`` is None for stages without samples (FEC codecs)."""

    profile: str
    stage: str
    symbols_per_s: float
    samples_per_s: float | None
    realtime_factor: float
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        samples = None if self.samples_per_s is None else round(self.samples_per_s, 1)
        return {
            "profile": self.profile,
            "stage": self.stage,
            "symbols_per_s": round(self.symbols_per_s, 1),
            "samples_per_s": samples,
            "realtime_factor": round(self.realtime_factor, 3),
            **self.extra,
        }


@dataclass(frozen=True, slots=True)
class BenchStage:
    """A registered stage; ``per_profile`` False runs once, with ``profile`` None."""

    name: str
    run: Callable[[Profile | None, float], list[BenchRecord]]
    per_profile: bool = True


STAGES: dict[str, BenchStage] = {}


def register_stage(
    name: str,
    run: Callable[[Profile | None, float], list[BenchRecord]],
    *,
    per_profile: bool = True,
) -> None:
    """Add (or replace) a bench stage; ``run(profile, seconds)`` returns its records."""
    STAGES[name] = BenchStage(name, run, per_profile)


def run_stage(name: str, profile: str | Profile | None, seconds: float) -> list[BenchRecord]:
    if name not in STAGES:
        raise ConfigError(f"unknown bench stage {name!r}; choose one of: {', '.join(STAGES)}")
    stage = STAGES[name]
    return stage.run(get_profile(profile) if stage.per_profile else None, seconds)


def time_calls(call: Callable[[], int], seconds: float) -> float:
    """Units per CPU second of ``call()`` (it returns the units it processed), after one
    warm-up call (Numba compile or cache load excluded), repeated for at least ``seconds``
    of CPU time. CPU time of this process, not wall time: a rate per core that other
    programs sharing the machine do not dilute (the kernels are single-threaded)."""
    call()
    done, start = 0, time.process_time()
    while True:
        done += call()
        elapsed = time.process_time() - start
        if elapsed >= seconds:
            return done / elapsed


def radio_rate_hz(profile: Profile) -> float:
    return AUDIO_RADIO_RATE_HZ if profile.is_audio else RF_RADIO_RATE_HZ


def _test_stream(profile: Profile, rate_hz: float, *, n_bursts: int = 4) -> np.ndarray:
    """Bursts of 255 random bytes with noise gaps, Eb/N0 15 dB, at ``rate_hz``."""
    from phy.measure._link import LinkSetup, simulate_block

    setup = LinkSetup(profile=profile, sample_rate_hz=rate_hz, offsets=False)
    rng = np.random.default_rng(0)
    captured: list[np.ndarray] = []

    class _Tap:  # captures the stream simulate_block builds, decodes nothing
        def reset(self) -> None:
            pass

        def process(self, chunk: np.ndarray) -> list:
            captured.append(chunk)
            return []

        def flush(self) -> list:
            return []

    payloads = [rng.bytes(255) for _ in range(n_bursts)]
    simulate_block(
        setup, payloads, ebn0_db=15.0, bit_rate_bps=profile.bit_rate_bps, rng=rng, receiver=_Tap()
    )
    return np.concatenate(captured)


def _record(profile: Profile, stage: str, samples_per_s: float, rate_hz: float, **extra):
    sps = rate_hz / profile.symbol_rate_baud
    return BenchRecord(
        profile=profile.name,
        stage=stage,
        symbols_per_s=samples_per_s / sps,
        samples_per_s=samples_per_s,
        realtime_factor=samples_per_s / rate_hz,
        extra=extra,
    )


def _modulate(profile: Profile, seconds: float) -> list[BenchRecord]:
    from phy.modem import modulate

    payload = np.random.default_rng(0).bytes(255)
    rate = profile.sample_rate_hz
    speed = time_calls(lambda: modulate(profile, payload).size, seconds)
    return [_record(profile, "modulate", speed, rate, sample_rate_hz=rate)]


def _receive(profile: Profile, seconds: float, rate_hz: float, stage: str) -> list[BenchRecord]:
    from phy.modem import make_receiver

    stream = _test_stream(profile, rate_hz)
    receiver = make_receiver(profile, sample_rate_hz=rate_hz)
    chunk = 65536
    found = []

    def call() -> int:
        for start in range(0, stream.size, chunk):
            found.extend(receiver.process(stream[start : start + chunk]))
        return stream.size

    speed = time_calls(call, seconds)
    extra = {"sample_rate_hz": rate_hz, "bursts_decoded": len(found)}
    return [_record(profile, stage, speed, rate_hz, **extra)]


def _demodulate(profile: Profile, seconds: float) -> list[BenchRecord]:
    return _receive(profile, seconds, profile.sample_rate_hz, "demodulate")


def _receive_radio(profile: Profile, seconds: float) -> list[BenchRecord]:
    return _receive(profile, seconds, radio_rate_hz(profile), "receive")


def _resample(profile: Profile, seconds: float) -> list[BenchRecord]:
    from phy.dsp import Resampler

    rate = radio_rate_hz(profile)
    resampler = Resampler(in_rate_hz=rate, out_rate_hz=profile.sample_rate_hz)
    if resampler.is_identity:
        return []  # the radio already runs at the native rate
    x = np.random.default_rng(0).standard_normal(2 * 65536).astype(np.float32)
    x = x[:65536] if profile.is_audio else x.view(np.complex64)

    def call() -> int:
        resampler.process(x)
        return x.size

    speed = time_calls(call, seconds)
    extra = {"sample_rate_hz": rate, "macs_per_sample": round(resampler.macs_per_input_sample, 1)}
    return [_record(profile, "resample", speed, rate, **extra)]


register_stage("modulate", _modulate)
register_stage("demodulate", _demodulate)
register_stage("receive", _receive_radio)
register_stage("resample", _resample)
