"""Monte-Carlo link simulation: bursts with random offsets through the channel and a receiver.

Each block is one stream: noise gap | burst | noise gap | burst | ... | noise gap. Every
burst gets its own random carrier offset, phase, receiver clock offset and fractional timing
(so acquisition is cold each time), then AWGN at the requested Eb/N0 covers the whole
stream, and one streaming receiver (``make_receiver`` at the radio's rate) decodes it in
chunks. Detections are matched to sent bursts by position.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from phy.burst import Burst
from phy.channel import Channel, ChannelConfig
from phy.errors import ConfigError
from phy.profiles import Profile, get_profile

__all__ = ["BlockOutcome", "LinkSetup", "simulate_block"]

#: The radio rates the receivers are measured behind (RTL-SDR IQ, sound-card audio).
RF_RADIO_RATE_HZ = 2.4e6
AUDIO_RADIO_RATE_HZ = 48_000.0


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkSetup:
    """How bursts are sent through the simulated link.

    ``sample_rate_hz`` None means the radio rate (2.4 MS/s RF, 48 kHz audio); "native"
    callers pass ``profile.sample_rate_hz``. Offsets are uniform in +-``cfo_range_hz`` (RF
    only), +-``clock_range_ppm``, phase in [0, 2 pi) and timing in [0, 1) sample; gaps of
    noise between bursts are ``gap_symbols`` to twice that. ``chunk_samples`` is the
    receiver's input chunk.
    """

    profile: Profile
    sample_rate_hz: float | None = None
    payload_bytes: int = 255
    offsets: bool = True
    cfo_range_hz: float = 20e3
    clock_range_ppm: float = 100.0
    gap_symbols: int = 200
    chunk_samples: int = 65536
    max_block_samples: int = 4_000_000

    def __post_init__(self) -> None:
        object.__setattr__(self, "profile", get_profile(self.profile))
        if not 1 <= self.payload_bytes <= 4095:
            raise ConfigError("payload must be 1..4095 bytes")
        if self.gap_symbols < 16:
            raise ConfigError("gaps between bursts must be at least 16 symbols")
        if self.cfo_range_hz < 0 or self.clock_range_ppm < 0:
            raise ConfigError("offset ranges must be non-negative")

    @property
    def rate_hz(self) -> float:
        if self.sample_rate_hz is not None:
            return float(self.sample_rate_hz)
        return AUDIO_RADIO_RATE_HZ if self.profile.is_audio else RF_RADIO_RATE_HZ

    @property
    def samples_per_symbol(self) -> float:
        return self.rate_hz / self.profile.symbol_rate_baud


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockOutcome:
    """Per sent payload, the matched burst (None: missed); plus unmatched detections."""

    received: list[Burst | None]
    false_alarms: int
    samples: int


def _offset_burst(setup: LinkSetup, burst: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The burst with its own random carrier, phase, clock and timing offsets (no noise)."""
    if not setup.offsets:
        return burst
    audio = setup.profile.is_audio
    rf = (
        {}
        if audio
        else {
            "cfo_hz": float(rng.uniform(-setup.cfo_range_hz, setup.cfo_range_hz)),
            "phase_rad": float(rng.uniform(0, 2 * np.pi)),
        }
    )
    config = ChannelConfig(
        sample_rate_hz=setup.rate_hz,
        audio=audio,
        clock_ppm=float(rng.uniform(-setup.clock_range_ppm, setup.clock_range_ppm)),
        timing_offset_samples=float(rng.uniform(0, 1)),
        clip_audio=False,
        **rf,
    )
    tail = np.zeros(32, dtype=burst.dtype)  # flushes the interpolator's look-ahead
    return Channel(config, rng=rng).process(np.concatenate([burst, tail]))


def simulate_block(
    setup: LinkSetup,
    payloads: list[bytes],
    *,
    ebn0_db: float,
    bit_rate_bps: float,
    rng: np.random.Generator,
    receiver,
) -> BlockOutcome:
    """Send ``payloads`` as one stream at ``ebn0_db`` and decode it with ``receiver``.

    ``bit_rate_bps`` defines Eb (the PHY bit rate for BER; the information rate for PER).
    ``receiver`` is reset first. Cost: modulation, channel and receiver over the stream.
    """
    from phy.modem import modulate

    profile, rate = setup.profile, setup.rate_hz
    gap = int(setup.gap_symbols * setup.samples_per_symbol)
    pieces, spans, power, at = [], [], [], 0
    for payload in payloads:
        clean = modulate(profile, payload, sample_rate_hz=rate)
        power.append(float(np.mean(np.abs(clean) ** 2)))
        lead = np.zeros(int(rng.integers(gap, 2 * gap + 1)), dtype=clean.dtype)
        pieces += [lead, _offset_burst(setup, clean, rng)]
        at += lead.size
        spans.append((at, at + pieces[-1].size))
        at += pieces[-1].size
    pieces.append(np.zeros(gap, dtype=pieces[0].dtype))
    stream = np.concatenate(pieces)
    noise = ChannelConfig(
        sample_rate_hz=rate,
        audio=profile.is_audio,
        ebn0_db=ebn0_db,
        bit_rate_bps=bit_rate_bps,
        signal_power=float(np.mean(power)),
        clip_audio=False,
    )
    stream = Channel(noise, rng=rng).process(stream)
    receiver.reset()
    found: list[Burst] = []
    for start in range(0, stream.size, setup.chunk_samples):
        found += receiver.process(stream[start : start + setup.chunk_samples])
    found += receiver.flush()
    return _match(setup, payloads, spans, found, stream.size)


def _match(setup: LinkSetup, payloads, spans, found, n_samples: int) -> BlockOutcome:
    """Assign each detection to the sent burst whose span (+-8 symbols) holds its start."""
    margin = 8 * setup.samples_per_symbol
    received: list[Burst | None] = [None] * len(payloads)
    false_alarms = 0
    for burst in found:
        hits = [
            k
            for k, (first, last) in enumerate(spans)
            if first - margin <= burst.start_sample <= last + margin
        ]
        k = hits[0] if hits else -1
        if k >= 0 and received[k] is None and burst.llrs.size == 8 * len(payloads[k]):
            received[k] = burst
        else:
            false_alarms += 1
    return BlockOutcome(received=received, false_alarms=false_alarms, samples=n_samples)


def bursts_per_block(setup: LinkSetup, payload_bytes: int) -> int:
    """How many bursts fit in one block of at most ``max_block_samples`` samples."""
    profile = setup.profile
    bits = profile.preamble_bits + profile.sync_bits + 48 + 8 * payload_bytes
    samples = (bits / profile.bits_per_symbol + 3 * setup.gap_symbols) * setup.samples_per_symbol
    return int(np.clip(setup.max_block_samples // samples, 1, 64))
