"""The ``SimMedium`` interface over real radio stations (``mac.radio``): PHY, FEC, ARQ, CSMA.

Each node address gets a `mac.radio.RadioStation` (link ARQ + CSMA + frame codec + modem)
on one `mac.radio.RadioChannel`. A unicast packet rides the selective-repeat ARQ link to its
next hop (opened on first use; the FEC level is negotiated on connect); a broadcast packet
goes out as one unnumbered (UI) frame. Every frame is modulated, summed with whatever else
is on the air at each receiver, drowned in white Gaussian noise at the hop's Eb/N0, and
demodulated and decoded by the receiver's real PHY and FEC: losses, collisions and
retransmissions happen for real instead of being drawn.

Addresses: node addresses are 8 bytes, MAC addresses 16 bits. The medium hashes each node
address to 16 bits (BLAKE2b), probing upwards past taken values and the broadcast address,
and every station uses that one table (what a real network would learn from its beacons).

``connect(a, b, params)`` uses ``params.snr_db`` as the hop's Eb/N0 per channel bit (dB);
the simulated-link knobs ``loss``, ``delay_s``, ``jitter_s`` and ``duplicate`` have no
meaning here and are ignored (loss comes from the noise, delay from the airtime).
See ``docs/radio-medium.md``.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field

import numpy as np

from mac.fec import FecLevel
from mac.frame import BROADCAST
from mac.radio import (
    BurstDropped,
    ChannelEvent,
    DatagramReceived,
    DataReceived,
    FrameHeard,
    FrameSent,
    RadioChannel,
    RadioConfig,
    RadioStation,
    frame_airtime_s,
)
from phy.errors import ConfigError
from upper.application import LinkInfo
from upper.sim_medium import LinkParams

__all__ = ["HopStats", "RadioMedium", "make_radio_medium", "radio_link_info"]

_CODING_RATE = {FecLevel.NONE: 1.0, FecLevel.RS: 223 / 255, FecLevel.CONV: 0.5}
_CODING_RATE[FecLevel.RS_CONV] = _CODING_RATE[FecLevel.RS] * 0.5


@dataclass(slots=True)
class HopStats:
    """Counters of one direction of one hop (``src -> dst``), updated as the radio runs.

    ``frames`` are the link frames ``src`` put on the air for ``dst`` (broadcasts count for
    every station that hears ``src``); ``delivered`` those ``dst`` decoded; ``lost`` the
    difference. ``bytes`` are layer-3 packet bytes handed to the hop. ``snr_db`` is the mean
    Es/N0 the receiver estimated on the bursts it decoded; ``corrected_bits`` the channel
    bit errors the FEC repaired; ``drops`` the bursts ``dst`` detected but could not decode,
    by reason (``mac.frame.DROP_REASONS``), charged to the strongest transmitter on the air.
    """

    frames: int = 0
    delivered: int = 0
    bytes: int = 0
    retransmissions: int = 0
    corrected_bits: int = 0
    snr_sum_db: float = 0.0
    drops: dict[str, int] = field(default_factory=dict)

    @property
    def lost(self) -> int:
        """Frames sent that ``dst`` did not decode."""
        return max(0, self.frames - self.delivered)

    @property
    def snr_db(self) -> float:
        """Mean estimated SNR of the decoded bursts (NaN before the first)."""
        return self.snr_sum_db / self.delivered if self.delivered else math.nan


class RadioMedium:
    """Stations on one simulated radio channel, with the ``SimMedium`` interface.

    Parameters
    ----------
    link : LinkInfo
        What the upper layers assume of the link (kept for reference; the radio's real
        rate and overheads come from ``config``; see `radio_link_info`).
    rng : random.Random
        Seeds the channel noise, the carrier offsets and every station's draws.
    config : RadioConfig, optional
        Profile, FEC level and CSMA timing (default ``RadioConfig()``: qpsk250k, conv).
    max_cfo_hz : float
        Each transmitter gets a carrier offset drawn uniformly in ``±max_cfo_hz``.

    Notes
    -----
    Cost: that of the receivers on the samples they hear (about a microsecond per native
    sample), so about 2 to 10 wall-clock seconds per second of busy channel, and nothing
    for idle time.
    """

    def __init__(
        self,
        *,
        link: LinkInfo,
        rng: random.Random,
        config: RadioConfig | None = None,
        max_cfo_hz: float = 0.0,
    ) -> None:
        if not (math.isfinite(max_cfo_hz) and max_cfo_hz >= 0):
            raise ConfigError(f"max_cfo_hz={max_cfo_hz}: use a finite offset >= 0 Hz")
        self.link = link
        self.config = config or RadioConfig()
        self._rng = rng
        self._max_cfo_hz = float(max_cfo_hz)
        self.channel = RadioChannel(
            config=self.config, rng=np.random.default_rng(rng.getrandbits(63))
        )
        self._mac: dict[bytes, int] = {}
        self._node: dict[int, bytes] = {}
        self._hears: dict[bytes, dict[bytes, LinkParams]] = {}
        self._silent: set[bytes] = set()
        self._stats: dict[tuple[bytes, bytes], HopStats] = {}
        self.unknown_next_hop = 0

    # ------------------------------------------------------------------ topology
    def add_station(self, address: bytes) -> None:
        """Give ``address`` a radio station (a MAC address from the shared table)."""
        if address in self._mac:
            return
        mac = int.from_bytes(hashlib.blake2b(address, digest_size=2).digest(), "big")
        while mac in self._node or mac == BROADCAST:
            mac = (mac + 1) % BROADCAST
        station = RadioStation(
            mac, config=self.config, rng=random.Random(self._rng.getrandbits(64))
        )
        self.channel.add_station(station)
        if self._max_cfo_hz:
            self.channel.set_cfo(mac, self._rng.uniform(-self._max_cfo_hz, self._max_cfo_hz))
        self._mac[address] = mac
        self._node[mac] = address
        self._hears.setdefault(address, {})

    def mac_address(self, address: bytes) -> int:
        """The 16-bit MAC address of node ``address``."""
        return self._mac[address]

    def station(self, address: bytes) -> RadioStation:
        """The radio station of node ``address``."""
        return self.channel.stations[self._mac[address]]

    def connect(
        self, a: bytes, b: bytes, params: LinkParams | None = None, *, symmetric: bool = True
    ) -> None:
        """``b`` hears ``a`` (and ``a`` hears ``b`` when ``symmetric``) at ``params.snr_db``."""
        params = params or LinkParams()
        for src, dst in ((a, b), (b, a)) if symmetric else ((a, b),):
            self.add_station(src)
            self.add_station(dst)
            self._hears[src][dst] = params
            self.channel.set_path(self._mac[src], self._mac[dst], params.snr_db)
            self._stats.setdefault((src, dst), HopStats())

    def disconnect(self, a: bytes, b: bytes) -> None:
        """Neither hears the other any more."""
        for src, dst in ((a, b), (b, a)):
            if self._hears.get(src, {}).pop(dst, None) is not None:
                self.channel.set_path(self._mac[src], self._mac[dst], None)

    def set_silent(self, address: bytes, silent: bool = True) -> None:
        """A silent station neither transmits nor receives (switched off, out of range)."""
        if silent:
            self._silent.add(address)
        else:
            self._silent.discard(address)
        if address in self._mac:
            self.channel.set_enabled(self._mac[address], not silent)

    def neighbours(self, address: bytes) -> list[bytes]:
        """The stations that hear ``address``."""
        return list(self._hears.get(address, {}))

    @property
    def stats(self) -> dict[tuple[bytes, bytes], HopStats]:
        """Per-hop counters by ``(src, dst)`` node addresses (live objects)."""
        return self._stats

    def station_stats(self, address: bytes) -> dict:
        """Counters of one station: `StationCounters`, decoder counters, collisions, bursts
        missed while transmitting (``deaf``)."""
        station = self.station(address)
        return {
            "station": station.counters,
            "decoder": station.decoder_counters(),
            "collisions": self.channel.collisions[station.address],
            "deaf": self.channel.deaf[station.address],
        }

    # ------------------------------------------------------------------ traffic
    def transmit(
        self, src: bytes, next_hop: bytes | None, packet: bytes, now_s: float
    ) -> list[tuple[float, bytes, bytes]]:
        """Queue one packet at ``src`` for ``next_hop`` (``None``: broadcast).

        Returns the deliveries that happened up to ``now_s`` (the radio runs to ``now_s``
        first). A packet for a station ``src`` cannot hear still goes on the air (the
        link then gives up after its retries, as a real one would); one for an address
        that has no station is dropped and counted in ``unknown_next_hop``.
        """
        deliveries = self.advance(now_s)
        if src in self._silent or src not in self._mac:
            return deliveries
        station = self.station(src)
        if next_hop is None:
            events = station.send_datagram(BROADCAST, packet, self.channel.now_s)
            for dst in self._hears.get(src, {}):
                self._hop(src, dst).bytes += len(packet)
        elif next_hop not in self._mac:
            self.unknown_next_hop += 1  # no such station: nothing to address the frame to
            return deliveries
        else:
            events = station.send(self._mac[next_hop], packet, self.channel.now_s)
            self._hop(src, next_hop).bytes += len(packet)
        return deliveries + self._handle(self.channel.poke(station.address, events))

    def next_event_s(self) -> float:
        """When the radio next has work (``inf``: every station idle)."""
        return self.channel.next_event_s()

    def advance(self, now_s: float) -> list[tuple[float, bytes, bytes]]:
        """Run the radio to ``now_s``; returns ``(arrival_s, receiver, packet)`` deliveries."""
        return self._handle(self.channel.run_until(now_s))

    # ------------------------------------------------------------------ internals
    def _hop(self, src: bytes, dst: bytes) -> HopStats:
        stats = self._stats.get((src, dst))
        if stats is None:
            stats = self._stats[(src, dst)] = HopStats()
        return stats

    def _handle(self, events: list[ChannelEvent]) -> list[tuple[float, bytes, bytes]]:
        deliveries = []
        for item in events:
            here = self._node[item.address]
            event = item.event
            if isinstance(event, (DataReceived, DatagramReceived)):
                if here not in self._silent:
                    deliveries.append((item.time_s, here, event.payload))
            elif isinstance(event, FrameSent):
                self._count_sent(here, event)
            elif isinstance(event, FrameHeard) and event.dst in (item.address, BROADCAST):
                src = self._node.get(event.src)
                if src is not None:
                    hop = self._hop(src, here)
                    hop.delivered += 1
                    hop.snr_sum_db += event.snr_db
                    hop.corrected_bits += event.corrected_bits
            elif isinstance(event, BurstDropped) and event.src is not None:
                drops = self._hop(self._node[event.src], here).drops
                drops[event.reason] = drops.get(event.reason, 0) + 1
        return deliveries

    def _count_sent(self, src: bytes, event: FrameSent) -> None:
        if event.dst == BROADCAST:
            targets = list(self._hears.get(src, {}))
        else:
            target = self._node.get(event.dst)
            targets = [target] if target is not None else []
        for dst in targets:
            hop = self._hop(src, dst)
            hop.frames += 1
            hop.retransmissions += event.retransmission


def radio_link_info(config: RadioConfig | None = None, *, mtu_bytes: int = 255) -> LinkInfo:
    """The `LinkInfo` that matches a radio configuration (rate, coding rate, overheads).

    ``frame_overhead_s`` is the airtime of an empty frame (preamble, sync word, PHY and MAC
    headers, CRC, code tail) plus the CSMA key-up delay, so ``airtime_s`` predicts a frame's
    time on the air to within the coding granularity.
    """
    config = config or RadioConfig()
    profile = config.phy_profile
    level = FecLevel(config.fec_level)
    empty_s = frame_airtime_s(profile, 0, level) + config.symbols_s(config.tx_delay_symbols)
    return LinkInfo(
        mtu_bytes=mtu_bytes,
        rate_bps=profile.bit_rate_bps,
        frame_overhead_s=empty_s,
        coding_rate=_CODING_RATE[level],
    )


def make_radio_medium(link: LinkInfo, rng: random.Random, **options) -> RadioMedium:
    """Factory for ``sdrlink demo --medium radio``.

    Options: ``profile`` (default ``"qpsk250k"``), ``fec_level`` (0..3 or a name such as
    ``"conv"``; default conv), ``persistence`` (CSMA p, default 0.5), ``max_cfo_hz``
    (default 0), and any other `RadioConfig` field.
    """
    max_cfo_hz = float(options.pop("max_cfo_hz", 0.0))
    if "fec_level" in options:
        options["fec_level"] = int(FecLevel.parse(options["fec_level"]))
    try:
        config = RadioConfig(**options)
    except TypeError as error:
        raise ConfigError(f"radio medium: {error}; see RadioConfig for the options") from None
    return RadioMedium(link=link, rng=rng, config=config, max_cfo_hz=max_cfo_hz)
