"""Configuration of a radio station and of the shared channel (validated once)."""

from __future__ import annotations

from dataclasses import dataclass

from mac.fec import FecLevel
from mac.frame import frame_bytes
from mac.link import LinkConfig
from phy.errors import ConfigError
from phy.profiles import Profile, get_profile

__all__ = ["MAX_LINK_PAYLOAD_BYTES", "RadioConfig", "default_link_config", "frame_airtime_s"]

MAX_LINK_PAYLOAD_BYTES = 255
"""Largest payload of one link frame (the upper layers' MTU)."""
PHY_HEADER_BITS = 48


def default_link_config(
    profile: str | Profile, fec_level: int = int(FecLevel.CONV), *, window: int = 8
) -> LinkConfig:
    """ARQ settings scaled to the profile's airtime.

    The link starts a frame's retransmission timer when the frame is handed to the radio,
    not when it has left, so a full window sent in one key-up must fit in the RTO:
    ``rto_min_s`` is two windows of the largest frame's airtime and ``rto_initial_s``
    twice that (at least 0.5 s). The backoff stops at ``rto_max_s`` = eight times
    ``rto_min_s`` (at least 1 s) rather than 30 s: at frame-loss rates of tens of percent a
    30 s ceiling leaves the channel idle most of the time. Everything else is
    ``LinkConfig``'s default.
    """
    # the peer may ask for a stronger code: time the longest frame of any level
    airtime = frame_airtime_s(profile, MAX_LINK_PAYLOAD_BYTES, int(max(FecLevel)))
    rto_min = 2.0 * window * airtime
    return LinkConfig(
        fec_level=fec_level,
        window=window,
        max_payload_bytes=MAX_LINK_PAYLOAD_BYTES,
        rto_min_s=rto_min,
        rto_initial_s=max(0.5, 2.0 * rto_min),
        rto_max_s=max(1.0, 8.0 * rto_min),
    )


def frame_airtime_s(profile: str | Profile, payload_bytes: int, fec_level: int) -> float:
    """Seconds on the air of one burst carrying a link payload of ``payload_bytes``."""
    profile = get_profile(profile)
    air_bytes = frame_bytes(payload_bytes, FecLevel(fec_level))
    bits = profile.preamble_bits + profile.sync_bits + PHY_HEADER_BITS + 8 * air_bytes
    return (bits / profile.bits_per_symbol + 1) / profile.symbol_rate_baud


@dataclass(frozen=True, slots=True, kw_only=True)
class RadioConfig:
    """What every station on one `RadioChannel` shares (times in symbols of the profile).

    Parameters
    ----------
    profile : str or Profile
        PHY profile (``phy.profiles``); the channel's clock counts its native samples.
    fec_level : int
        FEC level each station proposes on connect (``mac.fec.FecLevel``: 0 none, 1 RS,
        2 conv, 3 RS+conv; the link takes the stronger wish). Also the level of broadcast
        (UI) frames.
    persistence : float
        CSMA p (0 < p <= 1).
    slot_symbols, tx_delay_symbols, tx_tail_symbols : int
        CSMA slot time, key-up to first bit, carrier held after the last bit.
    gap_symbols : int
        Silence between the bursts of one key-up.
    chunk_symbols : int
        Largest block of samples synthesised and demodulated at once; also the carrier
        sense resolution.
    guard_symbols : int
        Noise fed to a receiver before and after each burst it hears (cold acquisition,
        and the receiver's pipeline delay flushed out).
    carrier_sense_db : float
        Received power above the noise floor, in dB (in the sampled band), at which the
        channel is busy.
    max_datagrams : int
        Broadcast (UI) frames queued per station; more are dropped and counted.
    """

    profile: str | Profile = "qpsk250k"
    fec_level: int = int(FecLevel.CONV)
    persistence: float = 0.5
    slot_symbols: int = 256
    tx_delay_symbols: int = 32
    tx_tail_symbols: int = 0
    gap_symbols: int = 16
    chunk_symbols: int = 256
    guard_symbols: int = 128
    carrier_sense_db: float = -3.0
    max_datagrams: int = 64

    def __post_init__(self) -> None:
        get_profile(self.profile)  # raises ConfigError for an unknown name
        if get_profile(self.profile).is_audio:
            raise ConfigError("RadioConfig: audio profiles are not supported; use an RF one")
        if int(self.fec_level) not in {int(level) for level in FecLevel}:
            raise ConfigError(f"RadioConfig: fec_level={self.fec_level}: use 0..3")
        if not 0.0 < self.persistence <= 1.0:
            raise ConfigError(f"RadioConfig: persistence={self.persistence}: use 0 < p <= 1")
        for name in ("slot_symbols", "chunk_symbols", "guard_symbols", "max_datagrams"):
            if getattr(self, name) < 1:
                raise ConfigError(f"RadioConfig: {name} must be >= 1")
        for name in ("tx_delay_symbols", "tx_tail_symbols", "gap_symbols"):
            if getattr(self, name) < 0:
                raise ConfigError(f"RadioConfig: {name} must be >= 0")

    @property
    def phy_profile(self) -> Profile:
        """The resolved `Profile`."""
        return get_profile(self.profile)

    def symbols_s(self, symbols: int) -> float:
        """Seconds of ``symbols`` symbols of the profile."""
        return symbols / self.phy_profile.symbol_rate_baud

    def symbols_samples(self, symbols: int) -> int:
        """Native samples of ``symbols`` symbols of the profile."""
        return symbols * self.phy_profile.samples_per_symbol
