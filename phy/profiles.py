"""Named, frozen modem profiles.

A profile fixes everything both ends must agree on: modulation, symbol rate, pulse shape,
preamble, sync word, and the native sample rate at which the modem processes (receivers
resample from the radio's rate to it). ``sdrlink profiles`` prints this table.

Air format of every profile (see ``docs/phy.md``)::

    preamble (alternating 1,0,...) | sync word (32 bits, MSB first) | PHY header (48 bits) | payload

The PHY header carries the payload length in bytes (12 bits, extended Golay (24,12), sent
twice), so a receiver knows where a burst ends without help from the layer above.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from phy.errors import ConfigError

__all__ = [
    "PROFILES",
    "SYNC_WORD",
    "Profile",
    "get_profile",
]

#: The CCSDS attached sync marker: low autocorrelation sidelobes, used by every native profile.
SYNC_WORD = 0x1ACFFC1D

Modulation = Literal["gfsk", "bpsk", "qpsk", "afsk"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """One modem configuration (all rates in hertz or baud)."""

    name: str
    modulation: Modulation
    symbol_rate_baud: float
    samples_per_symbol: int
    preamble_bits: int
    sync_word: int = SYNC_WORD
    sync_bits: int = 32
    bt: float | None = None  # GFSK Gaussian filter bandwidth-time product
    modulation_index: float | None = None  # GFSK h = 2 * deviation / symbol rate
    rolloff: float | None = None  # PSK root-raised-cosine excess bandwidth
    mark_hz: float | None = None  # AFSK tone for a 1 bit
    space_hz: float | None = None  # AFSK tone for a 0 bit
    description: str = ""

    def __post_init__(self) -> None:
        if self.symbol_rate_baud <= 0:
            raise ConfigError(f"profile {self.name}: symbol rate must be positive")
        if self.samples_per_symbol < 2:
            raise ConfigError(f"profile {self.name}: need at least 2 samples per symbol")
        if not 8 <= self.sync_bits <= 64:
            raise ConfigError(f"profile {self.name}: sync word must be 8..64 bits")
        if self.modulation == "gfsk":
            if not (self.bt and 0.1 <= self.bt <= 2.0):
                raise ConfigError(f"profile {self.name}: GFSK needs BT in [0.1, 2]")
            if not (self.modulation_index and 0.2 <= self.modulation_index <= 2.0):
                raise ConfigError(f"profile {self.name}: GFSK needs modulation index in [0.2, 2]")
        elif self.modulation in ("bpsk", "qpsk"):
            if self.rolloff is None or not 0.05 <= self.rolloff <= 1.0:
                raise ConfigError(f"profile {self.name}: PSK needs roll-off in [0.05, 1]")
        elif self.modulation == "afsk":
            if not (self.mark_hz and self.space_hz):
                raise ConfigError(f"profile {self.name}: AFSK needs mark and space tones")
        else:
            raise ConfigError(f"profile {self.name}: unknown modulation {self.modulation!r}")

    @property
    def bits_per_symbol(self) -> int:
        return 2 if self.modulation == "qpsk" else 1

    @property
    def sample_rate_hz(self) -> float:
        """Native processing rate (complex baseband for RF, real audio for AFSK)."""
        return self.symbol_rate_baud * self.samples_per_symbol

    @property
    def bit_rate_bps(self) -> float:
        return self.symbol_rate_baud * self.bits_per_symbol

    @property
    def is_audio(self) -> bool:
        return self.modulation == "afsk"

    @property
    def deviation_hz(self) -> float | None:
        """GFSK peak frequency deviation, h * Rs / 2."""
        if self.modulation != "gfsk":
            return None
        return self.modulation_index * self.symbol_rate_baud / 2

    @property
    def occupied_bandwidth_hz(self) -> float:
        """99%-power bandwidth, approximately (Carson's rule for FSK, (1+a)Rs for PSK)."""
        rs = self.symbol_rate_baud
        if self.modulation == "gfsk":
            return 2 * (self.deviation_hz + rs / 2)
        if self.modulation in ("bpsk", "qpsk"):
            return rs * (1 + self.rolloff)
        low, high = sorted((self.mark_hz, self.space_hz))
        return high - low + rs

    def replace(self, **changes) -> Profile:
        """A copy with some fields changed (validated again), e.g. ``bt=0.3``."""
        return dataclasses.replace(self, **changes)


def _gfsk(name: str, rate: float, preamble_bits: int) -> Profile:
    return Profile(
        name=name,
        modulation="gfsk",
        symbol_rate_baud=rate,
        samples_per_symbol=8,
        preamble_bits=preamble_bits,
        bt=0.5,
        modulation_index=0.5,
        description=f"2-GFSK {rate / 1e3:g} kbaud, BT 0.5, h 0.5 (ISM radio modules)",
    )


def _psk(name: str, modulation: Modulation, rate: float, sps: int) -> Profile:
    return Profile(
        name=name,
        modulation=modulation,
        symbol_rate_baud=rate,
        samples_per_symbol=sps,
        preamble_bits=64,
        rolloff=0.35,
        description=f"{modulation.upper()} {rate / 1e3:g} kbaud, root-raised-cosine a=0.35",
    )


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        _gfsk("gfsk9k6", 9_600, 48),
        _gfsk("gfsk50k", 50_000, 48),
        _gfsk("gfsk250k", 250_000, 48),
        _psk("bpsk250k", "bpsk", 250_000, 4),
        _psk("qpsk250k", "qpsk", 250_000, 4),
        _psk("bpsk1m", "bpsk", 1_000_000, 2),
        _psk("qpsk1m", "qpsk", 1_000_000, 2),
        Profile(
            name="afsk1200",
            modulation="afsk",
            symbol_rate_baud=1_200,
            samples_per_symbol=40,
            preamble_bits=64,
            mark_hz=1_200,
            space_hz=2_200,
            description="AFSK 1200 baud Bell 202 (1200/2200 Hz) on 48 kHz audio",
        ),
    )
}


def get_profile(name: str | Profile) -> Profile:
    """Look a profile up by name (a Profile passes through)."""
    if isinstance(name, Profile):
        return name
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ConfigError(f"unknown profile {name!r}; choose one of: {known}") from None
