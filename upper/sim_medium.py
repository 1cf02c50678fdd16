"""An in-memory radio medium for the link interface, in virtual time (no I/O, no clock).

Stations are addressed by their 8-byte node address. ``connect(a, b, params)`` says that
``a`` and ``b`` hear each other with the given loss, delay, jitter (reordering) and
duplication; stations with no link do not hear each other (hidden terminals allowed).

Channel access is an ideal carrier sense: a station starts a frame when it and everything
it hears are quiet, and a frame occupies the channel of every station that hears it for
its airtime (``LinkInfo.airtime_s``). Stations queue their frames; when several wait, the
frame that has waited longest goes first, so a station with a long queue and one with a
single acknowledgement take turns (what CSMA gives on average). Collisions are not
modelled (the MAC's CSMA and ARQ are the real answer to them); the sharing of airtime
between neighbours is, so goodput over two hops is about half that of one. A unicast
frame reaches only its addressed neighbour; a broadcast reaches every station that hears
the sender. Each frame is lost independently with probability ``loss`` or, when ``loss``
is ``None``, with the packet error rate of non-coherent binary FSK at Eb/N0 = ``snr_db``
(BER = exp(-Eb/N0 / 2) / 2, every bit of the frame must be right).
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass

from phy.errors import ConfigError
from upper.application import LinkInfo

__all__ = ["LinkParams", "LinkStats", "SimMedium"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkParams:
    """One direction of a simulated link (probabilities in [0, 1], times in seconds)."""

    loss: float | None = 0.0
    snr_db: float = 20.0
    delay_s: float = 0.001
    jitter_s: float = 0.0
    duplicate: float = 0.0

    def __post_init__(self) -> None:
        for name in ("duplicate", "loss"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise ConfigError(f"link {name} must be a probability in [0, 1]")
        if self.delay_s < 0 or self.jitter_s < 0:
            raise ConfigError("link delay and jitter must be >= 0 s")

    def frame_loss(self, frame_bytes: int) -> float:
        if self.loss is not None:
            return self.loss
        ebn0 = 10.0 ** (self.snr_db / 10.0)
        ber = 0.5 * math.exp(-ebn0 / 2.0)
        return 1.0 - (1.0 - ber) ** (8 * frame_bytes)


@dataclass(slots=True)
class LinkStats:
    """Counters of one direction of a link."""

    frames: int = 0
    delivered: int = 0
    lost: int = 0
    duplicated: int = 0
    bytes: int = 0


class SimMedium:
    """The shared channel of a set of stations (see the module docstring).

    Parameters
    ----------
    link : LinkInfo
        Rate and per-frame overheads, used for the airtime of every frame.
    rng : random.Random
        Loss, jitter and duplication draws.
    """

    def __init__(self, *, link: LinkInfo, rng: random.Random) -> None:
        self.link = link
        self._rng = rng
        self._hears: dict[bytes, dict[bytes, LinkParams]] = {}  # src -> {dst: params}
        self._busy_until: dict[bytes, float] = {}
        self._silent: set[bytes] = set()
        self._queues: dict[bytes, deque] = {}
        self._last_end: dict[bytes, float] = {}
        self.stats: dict[tuple[bytes, bytes], LinkStats] = {}

    def add_station(self, address: bytes) -> None:
        self._hears.setdefault(address, {})
        self._busy_until.setdefault(address, 0.0)

    def connect(
        self, a: bytes, b: bytes, params: LinkParams | None = None, *, symmetric: bool = True
    ) -> None:
        """``b`` hears ``a`` (and ``a`` hears ``b`` when ``symmetric``)."""
        params = params or LinkParams()
        for src, dst in ((a, b), (b, a)) if symmetric else ((a, b),):
            self.add_station(src)
            self.add_station(dst)
            self._hears[src][dst] = params
            self.stats.setdefault((src, dst), LinkStats())

    def disconnect(self, a: bytes, b: bytes) -> None:
        """Neither hears the other any more."""
        self._hears.get(a, {}).pop(b, None)
        self._hears.get(b, {}).pop(a, None)

    def set_silent(self, address: bytes, silent: bool = True) -> None:
        """A silent station neither transmits nor receives (switched off, out of range)."""
        if silent:
            self._silent.add(address)
            self._queues.pop(address, None)
        else:
            self._silent.discard(address)

    def neighbours(self, address: bytes) -> list[bytes]:
        return list(self._hears.get(address, {}))

    def transmit(
        self, src: bytes, next_hop: bytes | None, packet: bytes, now_s: float
    ) -> list[tuple[float, bytes, bytes]]:
        """Queue one frame at ``src``; return the deliveries of frames that start by ``now_s``.

        A frame waits in its station's queue until the channel the station hears is quiet;
        among waiting stations the one whose frame has waited longest goes first, so two
        stations with traffic take turns frame by frame (as CSMA does on average).
        """
        if src in self._silent:
            return []
        self._queues.setdefault(src, deque()).append((now_s, next_hop, packet))
        return self.advance(now_s)

    def next_event_s(self) -> float:
        """When a queued frame could start (``inf`` when nothing waits)."""
        when = float("inf")
        for station, queue in self._queues.items():
            if queue:
                ready = max(queue[0][0], self._last_end.get(station, 0.0))
                when = min(when, max(ready, self._busy_until.get(station, 0.0)))
        return when

    def advance(self, now_s: float) -> list[tuple[float, bytes, bytes]]:
        """Start every frame that can start by ``now_s``; return ``(arrival, receiver, packet)``."""
        deliveries: list[tuple[float, bytes, bytes]] = []
        while True:
            best, best_ready = None, float("inf")
            for station, queue in self._queues.items():
                if not queue or station in self._silent:
                    continue
                ready = max(queue[0][0], self._last_end.get(station, 0.0))
                start = max(ready, self._busy_until.get(station, 0.0))
                if start <= now_s and ready < best_ready:
                    best, best_ready = station, ready
            if best is None:
                return deliveries
            _, next_hop, packet = self._queues[best].popleft()
            start = max(best_ready, self._busy_until.get(best, 0.0))
            deliveries += self._start(best, next_hop, packet, start)

    def _start(self, src, next_hop, packet, start_s) -> list[tuple[float, bytes, bytes]]:
        hears = self._hears.get(src, {})
        end = start_s + self.link.airtime_s(len(packet))
        self._busy_until[src] = end
        self._last_end[src] = end
        for station in hears:
            self._busy_until[station] = max(self._busy_until.get(station, 0.0), end)
        receivers = list(hears) if next_hop is None else [next_hop] if next_hop in hears else []
        deliveries = []
        for dst in receivers:
            params = hears[dst]
            stats = self.stats.setdefault((src, dst), LinkStats())
            stats.frames += 1
            stats.bytes += len(packet)
            if dst in self._silent or self._rng.random() < params.frame_loss(len(packet)):
                stats.lost += 1
                continue
            copies = 2 if self._rng.random() < params.duplicate else 1
            stats.duplicated += copies - 1
            for _ in range(copies):
                arrival = end + params.delay_s + self._rng.random() * params.jitter_s
                deliveries.append((arrival, dst, packet))
                stats.delivered += 1
        return deliveries
