"""The shared radio channel: bursts summed at each receiver, AWGN, carrier offsets.

Virtual time counts native samples of the profile. Samples are synthesised only around
transmissions: a receiver is fed from ``guard_symbols`` before the first burst it hears to
``guard_symbols`` after the last, in chunks of at most ``chunk_symbols``; idle time is
skipped (the receiver's stream simply continues with the next stretch of noise, so every
burst is still acquired cold). What a receiver hears is the sum of every burst on the air
from stations with a path to it, each scaled to its path's Eb/N0 and rotated by its
transmitter's carrier offset, plus white Gaussian noise of unit power per sample. Overlaps
are real collisions; carrier sense is an energy detector on the same samples.
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

import phy
from mac._events import Event
from phy.errors import ConfigError

from ._config import RadioConfig
from ._events import BurstDropped
from ._station import RadioStation

__all__ = ["ChannelEvent", "RadioChannel"]

_CS_MIN_SAMPLES = 32  # carrier-sense windows heard for less are not judged
_HISTORY = 256  # finished transmissions kept to attribute dropped bursts


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelEvent:
    """An event of station ``address`` at virtual time ``time_s``."""

    time_s: float
    address: int
    event: Event


@dataclass(slots=True)
class _Tx:
    src: int
    start: int
    samples: np.ndarray
    phase: float

    @property
    def end(self) -> int:
        return self.start + self.samples.size


@dataclass(slots=True)
class _Rx:
    rng: np.random.Generator
    active_until: int = -1
    busy: bool = False
    cs_window: int = -1  # index of the carrier-sense window being summed
    cs_sum: float = 0.0
    cs_count: int = 0
    stream_map: deque = field(default_factory=lambda: deque(maxlen=64))  # (stream, global)


class RadioChannel:
    """Stations sharing one frequency, driven in virtual time (see the module docstring).

    Parameters
    ----------
    config : RadioConfig
        The profile (its native rate is the clock) and the chunk/guard sizes.
    rng : numpy.random.Generator
        Noise and per-burst carrier phase.

    Notes
    -----
    Cost per chunk: one noise draw and one receiver pass per station hearing a burst, plus
    a multiply-add per burst heard. Memory: the bursts on the air plus ``_HISTORY``
    finished ones (references), one chunk per receiver.
    """

    def __init__(self, *, config: RadioConfig, rng: np.random.Generator) -> None:
        self.config = config
        self.profile = config.phy_profile
        self.sample_rate_hz = self.profile.sample_rate_hz
        self._rng = rng
        self._now = 0
        self._stations: dict[int, RadioStation] = {}
        self._rx: dict[int, _Rx] = {}
        self._gain: dict[tuple[int, int], float] = {}
        self._cfo_hz: dict[int, float] = {}
        self._disabled: set[int] = set()
        self._on_air: list[_Tx] = []
        self._history: deque[_Tx] = deque(maxlen=_HISTORY)
        probe = phy.modulate(self.profile, bytes(64))
        self._burst_power = float(np.mean(np.abs(probe) ** 2))
        self._chunk = config.symbols_samples(config.chunk_symbols)
        self._guard = config.symbols_samples(config.guard_symbols)
        self._cs_power = 1.0 + 10.0 ** (config.carrier_sense_db / 10.0)
        self.collisions: dict[int, int] = {}  # bursts that began over another one heard
        self.deaf: dict[int, int] = {}  # bursts missed because the receiver was transmitting
        self.samples_synthesised = 0
        self.steps = 0

    # ------------------------------------------------------------------ topology
    @property
    def now_s(self) -> float:
        """The channel's clock (seconds of virtual time)."""
        return self._now / self.sample_rate_hz

    @property
    def stations(self) -> dict[int, RadioStation]:
        """The stations by MAC address (read-only by convention)."""
        return self._stations

    def add_station(self, station: RadioStation) -> None:
        """Attach a station (its profile must be the channel's)."""
        if station.profile != self.profile:
            raise ConfigError("station and channel use different profiles; use one RadioConfig")
        if station.address in self._stations:
            raise ConfigError(f"address {station.address} is taken; pick another")
        self._stations[station.address] = station
        seed = int(self._rng.integers(1 << 63))
        self._rx[station.address] = _Rx(rng=np.random.default_rng(seed))
        self.collisions[station.address] = 0
        self.deaf[station.address] = 0

    def set_path(self, src: int, dst: int, ebn0_db: float | None) -> None:
        """``dst`` hears ``src`` at ``ebn0_db`` (Eb/N0 per channel bit); ``None``: not at all."""
        if ebn0_db is None:
            self._gain.pop((src, dst), None)
            return
        if not math.isfinite(ebn0_db):
            raise ConfigError(f"Eb/N0 {ebn0_db} dB: use a finite number")
        ratio = 10.0 ** (ebn0_db / 10.0) * self.profile.bit_rate_bps / self.sample_rate_hz
        self._gain[(src, dst)] = math.sqrt(ratio / self._burst_power)

    def hears(self, src: int, dst: int) -> bool:
        """Whether ``dst`` has a path from ``src`` (and both are switched on)."""
        return (src, dst) in self._gain and src not in self._disabled and dst not in self._disabled

    def set_cfo(self, src: int, cfo_hz: float) -> None:
        """Carrier offset of ``src``'s transmitter, hertz (every receiver sees it)."""
        self._cfo_hz[src] = float(cfo_hz)

    def set_enabled(self, address: int, enabled: bool) -> None:
        """A disabled station is neither heard nor fed samples (switched off)."""
        if enabled:
            self._disabled.discard(address)
        else:
            self._disabled.add(address)

    # ------------------------------------------------------------------ time
    def next_event_s(self) -> float:
        """When the channel next has work (a chunk, a station timer); ``inf``: none."""
        now_s = self.now_s
        if any(st.next_deadline_s() <= now_s for st in self._stations.values()):
            return now_s
        return self._next_boundary() / self.sample_rate_hz

    def run_until(self, end_s: float) -> list[ChannelEvent]:
        """Advance the clock towards ``end_s``; returns the stations' events.

        Chunks lie on a fixed grid and are never cut at ``end_s``: while samples are being
        synthesised the clock stops at the last chunk boundary before ``end_s`` (the rest
        runs on the next call), so the events do not depend on how time is split into
        calls. ``now_s`` may therefore stay up to one chunk behind ``end_s``.
        """
        end = max(self._now, math.floor(end_s * self.sample_rate_hz + 1e-6))
        out: list[ChannelEvent] = []
        while True:
            self._fire_timers(out)
            if self._now >= end:
                return out
            nxt = self._next_boundary()
            if nxt > end:
                if self._active():
                    return out
                nxt = end
            nxt = int(nxt)
            self.steps += 1
            self._feed(self._now, nxt, out)
            self._now = nxt
            self._end_transmissions(out)

    def poke(self, address: int, events: list[Event]) -> list[ChannelEvent]:
        """Wrap events a station returned outside the channel (``send``...) at ``now_s``."""
        tx = self._stations[address].take_transmission()
        if tx is not None:
            self._start(address, tx, [])
        return [ChannelEvent(time_s=self.now_s, address=address, event=e) for e in events]

    # ------------------------------------------------------------------ internals
    def _fire_timers(self, out: list[ChannelEvent]) -> None:
        now_s = self.now_s
        for _ in range(8):  # a timer may make another one due at once
            fired = False
            for address, station in self._stations.items():
                if station.next_deadline_s() <= now_s:
                    fired = True
                    out += self._wrap(address, station.on_timer(now_s))
                    tx = station.take_transmission()
                    if tx is not None:
                        self._start(address, tx, out)
            if not fired:
                return

    def _active(self) -> bool:
        return any(rx.active_until > self._now for rx in self._rx.values())

    def _next_boundary(self) -> float:
        """The next sample at which something changes (a timer, a burst's end, a chunk)."""
        best = math.inf
        grid = (self._now // self._chunk + 1) * self._chunk
        for station in self._stations.values():
            deadline = station.next_deadline_s()
            if deadline < math.inf:
                best = min(best, max(math.ceil(deadline * self.sample_rate_hz), self._now + 1))
        for tx in self._on_air:
            best = min(best, tx.end)
        for rx in self._rx.values():
            if rx.active_until > self._now:
                best = min(best, rx.active_until, grid)
        return best

    def _start(self, src: int, samples: np.ndarray, out: list[ChannelEvent]) -> None:
        tx = _Tx(src, self._now, samples, float(self._rng.uniform(0.0, 2.0 * np.pi)))
        for other in self._on_air:  # we go deaf to what we were hearing (half duplex)
            if other.end > self._now and self.hears(other.src, src):
                self.deaf[src] += 1
        for dst, rx in self._rx.items():
            if dst == src or not self.hears(src, dst):
                continue
            if self._stations[dst].transmitting:
                self.deaf[dst] += 1
            elif any(o.end > self._now and self.hears(o.src, dst) for o in self._on_air):
                self.collisions[dst] += 1
            if rx.active_until <= self._now and not self._stations[dst].transmitting:
                noise = self._noise(rx, self._guard)
                rx.stream_map.append((self._stations[dst].stream_samples, self._now - self._guard))
                out += self._wrap(dst, self._stations[dst].receive_samples(noise, self.now_s))
            rx.active_until = max(rx.active_until, tx.end + self._guard)
        self._on_air.append(tx)

    def _end_transmissions(self, out: list[ChannelEvent]) -> None:
        for tx in [t for t in self._on_air if t.end <= self._now]:
            self._on_air.remove(tx)
            self._history.append(tx)
            out += self._wrap(tx.src, self._stations[tx.src].transmit_done(self.now_s))

    def _feed(self, a: int, b: int, out: list[ChannelEvent]) -> None:
        now_s = b / self.sample_rate_hz
        for dst, rx in self._rx.items():
            station = self._stations[dst]
            if rx.active_until <= a or station.transmitting or dst in self._disabled:
                if rx.busy:
                    rx.busy = False
                    out += self._wrap(dst, station.carrier_sense(now_s, False))
                continue
            x = self._noise(rx, b - a)
            for tx in self._on_air:
                if tx.end > a and tx.start < b and self.hears(tx.src, dst):
                    self._add(x, tx, a, b, self._gain[(tx.src, dst)])
            rx.stream_map.append((station.stream_samples, a))
            out += self._wrap(dst, station.receive_samples(x, now_s))
            busy = self._carrier(rx, x, a)
            if rx.active_until <= b:
                busy = False  # nothing left to hear: the detector falls silent now
            if busy is not None and busy != rx.busy:
                rx.busy = busy
                out += self._wrap(dst, station.carrier_sense(now_s, busy))

    def _carrier(self, rx: _Rx, x: np.ndarray, a: int) -> bool | None:
        """Energy detector: the mean power over each window of the chunk grid, decided when
        the window's last sample arrives (``None``: no decision in ``x``). Windows the
        receiver heard only partly are judged on what it heard (at least 32 samples)."""
        decision = None
        power = x.real**2 + x.imag**2
        pos = 0
        while pos < x.size:
            window = (a + pos) // self._chunk
            if window != rx.cs_window:
                rx.cs_window, rx.cs_sum, rx.cs_count = window, 0.0, 0
            take = min(x.size - pos, (window + 1) * self._chunk - (a + pos))
            rx.cs_sum += float(np.sum(power[pos : pos + take]))
            rx.cs_count += take
            pos += take
            if (a + pos) % self._chunk == 0 and rx.cs_count >= _CS_MIN_SAMPLES:
                decision = rx.cs_sum / rx.cs_count > self._cs_power
        return decision

    def _add(self, x: np.ndarray, tx: _Tx, a: int, b: int, gain: float) -> None:
        lo, hi = max(a, tx.start), min(b, tx.end)
        seg = tx.samples[lo - tx.start : hi - tx.start]
        cfo = self._cfo_hz.get(tx.src, 0.0)
        if cfo:
            n = np.arange(lo, hi, dtype=np.float64)
            rot = np.exp(1j * (tx.phase + 2.0 * np.pi * cfo * n / self.sample_rate_hz))
        else:
            rot = np.exp(1j * tx.phase)
        x[lo - a : hi - a] += (gain * rot * seg).astype(np.complex64)

    def _noise(self, rx: _Rx, n: int) -> np.ndarray:
        """Unit-power complex white noise from the receiver's own generator, drawn as I/Q
        pairs in order (so the same stream whatever the chunk sizes)."""
        self.samples_synthesised += n
        white = rx.rng.standard_normal(2 * n, dtype=np.float32) * np.float32(math.sqrt(0.5))
        return (white[0::2] + 1j * white[1::2]).astype(np.complex64)

    def _wrap(self, address: int, events: list[Event]) -> list[ChannelEvent]:
        time_s = self.now_s
        out = []
        for event in events:
            if isinstance(event, BurstDropped):
                event = dataclasses.replace(event, src=self._culprit(address, event))
            out.append(ChannelEvent(time_s=time_s, address=address, event=event))
        return out

    def _culprit(self, dst: int, event: BurstDropped) -> int | None:
        """The strongest transmitter heard by ``dst`` when the dropped burst started."""
        start = None
        for stream_pos, global_pos in reversed(self._rx[dst].stream_map):
            if stream_pos <= event.stream_sample:
                start = global_pos + event.stream_sample - stream_pos
                break
        if start is None:
            return None
        best, best_gain = None, 0.0
        for tx in (*self._history, *self._on_air):
            gain = self._gain.get((tx.src, dst), 0.0)
            near = tx.start - self._guard <= start < tx.end
            if near and tx.src != dst and gain > best_gain:
                best, best_gain = tx.src, gain
        return best
