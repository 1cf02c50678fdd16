"""An in-memory radio channel of `LinkFrame` records in virtual time (no sleeping).

For tests, ``sdrlink demo`` and benchmarks: stations (anything with the sans-I/O link
interface: `Link` or `Station`) exchange frame records over a `ChannelModel` with frame
loss, random bit errors (a frame with any bit error fails its CRC and is dropped),
duplication, reordering (random extra delay) and propagation delay. Airtime follows the
channel bit rate. In the shared mode every station hears every transmission through
p-persistent CSMA (`mac.csma.Csma`): carrier sense lags by ``detect_delay_s``, stations
cannot receive while keyed (half duplex), and overlapping transmissions destroy each other
at every receiver (collisions, counted).

Everything is driven by one event heap; the cost is O(log n) per frame and timer.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from phy.errors import ConfigError

from .._events import Event, KeyDown, KeyUp
from ..csma import Csma
from ._record import LinkFrame

__all__ = ["ChannelModel", "Endpoint", "SimChannel", "SimNode", "SimStats"]


class Endpoint(Protocol):
    """The sans-I/O interface of `Link` and `Station` that the simulator drives."""

    def receive_frame(self, frame: LinkFrame, now_s: float) -> list[Event]: ...
    def on_timer(self, now_s: float) -> list[Event]: ...
    def has_frames_to_send(self, now_s: float) -> bool: ...
    def frames_to_send(self, now_s: float) -> list[LinkFrame]: ...
    def next_deadline_s(self) -> float | None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelModel:
    """Impairments of the simulated channel (probabilities per frame and receiver).

    Parameters
    ----------
    bit_rate_bps : float
        Channel bit rate; airtime = (payload + overhead) * 8 / rate.
    overhead_bytes : int
        Air bytes per frame besides the payload (preamble, sync, headers, CRC, FEC parity).
    loss : float
        Probability that a frame is not received at all.
    bit_error_rate : float
        Random bit error rate; a frame of ``n`` air bits fails its CRC with probability
        ``1 - (1 - ber) ** n`` and is dropped (counted as corrupted).
    duplicate : float
        Probability that a received frame is delivered a second time later.
    reorder_jitter_s : float
        Uniform random extra delivery delay in [0, jitter): frames overtake each other.
    propagation_s : float
        Fixed delay between end of transmission and delivery, seconds.
    detect_delay_s : float
        Shared mode: time for a receiver's carrier detect to notice a key-up, seconds.
    """

    bit_rate_bps: float = 9600.0
    overhead_bytes: int = 24
    loss: float = 0.0
    bit_error_rate: float = 0.0
    duplicate: float = 0.0
    reorder_jitter_s: float = 0.0
    propagation_s: float = 0.0
    detect_delay_s: float = 0.002

    def __post_init__(self) -> None:
        if not self.bit_rate_bps > 0:
            raise ConfigError(f"ChannelModel: bit_rate_bps={self.bit_rate_bps}: use > 0")
        for name in ("loss", "bit_error_rate", "duplicate"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"ChannelModel: {name}={getattr(self, name)}: use 0 <= x < 1")
        for name in ("reorder_jitter_s", "propagation_s", "detect_delay_s"):
            if not getattr(self, name) >= 0.0:
                raise ConfigError(f"ChannelModel: {name}={getattr(self, name)}: use >= 0 s")

    def airtime_s(self, frame: LinkFrame) -> float:
        """Seconds on air for one frame."""
        return (len(frame.payload) + self.overhead_bytes) * 8.0 / self.bit_rate_bps


@dataclass(slots=True)
class SimStats:
    """What the channel did (counts over the whole run)."""

    frames_sent: int = 0
    frames_delivered: int = 0
    lost: int = 0
    corrupted: int = 0
    duplicated: int = 0
    collided: int = 0
    missed_while_transmitting: int = 0
    collisions: int = 0
    transmissions: int = 0
    airtime_s: float = 0.0
    payload_bytes_sent: int = 0


@dataclass(slots=True, eq=False)
class _Transmission:
    node: SimNode
    ptt_on_s: float
    ptt_off_s: float = math.inf
    collided: bool = False
    heard_by: list[SimNode] = field(default_factory=list)


class SimChannel:
    """The event loop and the medium.

    Parameters
    ----------
    model : ChannelModel
        Impairments and bit rate.
    rng : random.Random
        Source of every impairment draw (seed it).
    shared : bool
        ``True``: one half-duplex medium with CSMA and collisions (nodes need a `Csma`).
        ``False``: each node transmits whenever it has frames (full duplex, no collisions).
    """

    def __init__(self, model: ChannelModel, rng: random.Random, *, shared: bool = False):
        self.model = model
        self.rng = rng
        self.shared = shared
        self.now_s = 0.0
        self.stats = SimStats()
        self.nodes: list[SimNode] = []
        self._heap: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
        self._counter = itertools.count()
        self._on_air: list[_Transmission] = []

    def add(self, node: SimNode) -> None:
        """Attach a node (called by `SimNode`)."""
        self.nodes.append(node)

    def at(self, time_s: float, fn: Callable[..., None], *args: Any) -> None:
        """Schedule ``fn(*args)`` at virtual time ``time_s`` (never in the past)."""
        heapq.heappush(self._heap, (max(time_s, self.now_s), next(self._counter), fn, args))

    def run(self, *, until_s: float, stop: Callable[[], bool] | None = None) -> float:
        """Process events until ``until_s``, no events left, or ``stop()`` is true."""
        heap = self._heap
        while heap and heap[0][0] <= until_s:
            time_s, _, fn, args = heapq.heappop(heap)
            self.now_s = time_s
            fn(*args)
            if stop is not None and stop():
                break
        return self.now_s

    # ------------------------------------------------------------------ transmission
    def key_up(self, node: SimNode, now_s: float) -> _Transmission:
        """Shared mode: a carrier appears; others sense it after ``detect_delay_s``."""
        tx = _Transmission(node=node, ptt_on_s=now_s)
        self._on_air = [t for t in self._on_air if t.ptt_off_s > now_s - 1.0]
        for other in self._on_air:
            if other.ptt_off_s > now_s:
                other.collided = tx.collided = True
        self._on_air.append(tx)
        self.stats.transmissions += 1
        for peer in self.nodes:
            if peer is not node:
                self.at(now_s + self.model.detect_delay_s, peer.carrier, tx, True)
        return tx

    def key_down(self, tx: _Transmission, now_s: float) -> None:
        """Shared mode: the carrier ends."""
        tx.ptt_off_s = now_s
        if tx.collided:
            self.stats.collisions += 1
        for peer in tx.heard_by:
            peer.carrier(tx, False)
        tx.heard_by.clear()

    def transmit(self, node: SimNode, frames: list[LinkFrame], start_s: float) -> float:
        """Send frames back to back from ``start_s``; returns when the last bit left."""
        t = start_s
        model = self.model
        for frame in frames:
            end = t + model.airtime_s(frame)
            self.stats.frames_sent += 1
            self.stats.payload_bytes_sent += len(frame.payload)
            for peer in self.nodes:
                if peer is not node:
                    self._propagate(node, peer, frame, t, end)
            t = end
        self.stats.airtime_s += t - start_s
        return t

    def _propagate(
        self, node: SimNode, peer: SimNode, frame: LinkFrame, start_s: float, end_s: float
    ) -> None:
        model, rng, stats = self.model, self.rng, self.stats
        if rng.random() < model.loss:
            stats.lost += 1
            return
        bits = (len(frame.payload) + model.overhead_bytes) * 8
        if model.bit_error_rate and rng.random() < 1.0 - (1.0 - model.bit_error_rate) ** bits:
            stats.corrupted += 1
            return
        arrive = end_s + model.propagation_s
        copies = 2 if rng.random() < model.duplicate else 1
        stats.duplicated += copies - 1
        for _ in range(copies):
            delay = rng.random() * model.reorder_jitter_s if model.reorder_jitter_s else 0.0
            self.at(arrive + delay, self._arrive, node, peer, frame, start_s, end_s)
            arrive += model.reorder_jitter_s

    def _arrive(
        self, node: SimNode, peer: SimNode, frame: LinkFrame, start_s: float, end_s: float
    ) -> None:
        if self.shared:
            for tx in self._on_air:
                if tx.ptt_on_s < end_s and tx.ptt_off_s > start_s:
                    if tx.node is peer:
                        self.stats.missed_while_transmitting += 1
                        return
                    if tx.node is not node:
                        self.stats.collided += 1
                        return
        self.stats.frames_delivered += 1
        peer.deliver(frame)


class SimNode:
    """One station on the channel: an endpoint, its timers and (shared mode) its CSMA.

    Parameters
    ----------
    channel : SimChannel
        The medium.
    endpoint : Endpoint
        A `Link` or `Station`.
    on_events : callable, optional
        ``on_events(node, events)``: the application; it may call the endpoint's ``send``.
    csma : Csma, optional
        Medium access (required in shared mode).
    """

    def __init__(
        self,
        channel: SimChannel,
        endpoint: Endpoint,
        *,
        on_events: Callable[[SimNode, list[Event]], None] | None = None,
        csma: Csma | None = None,
    ) -> None:
        if channel.shared and csma is None:
            raise ConfigError("SimNode: a shared channel needs csma=Csma(...) on every node")
        self.channel = channel
        self.endpoint = endpoint
        self.csma = csma
        self.on_events = on_events
        self.timer_calls = 0
        self.radio_off = False
        """While True the node neither hears nor transmits (a station that went silent)."""
        self._timer_at: float | None = None
        self._csma_at: float | None = None
        self._tx_busy_until_s = -math.inf
        self._keyed: _Transmission | None = None
        self._carriers: set[int] = set()
        channel.add(self)

    @property
    def now_s(self) -> float:
        """Virtual time."""
        return self.channel.now_s

    def kick(self) -> None:
        """Re-arm timers and start a transmission if frames wait (call after app sends)."""
        now = self.channel.now_s
        if self.radio_off:
            return
        deadline = self.endpoint.next_deadline_s()
        if deadline is not None and deadline != self._timer_at:
            self._timer_at = deadline
            self.channel.at(max(deadline, now), self._timer, deadline)
        if self.csma is None:
            if now >= self._tx_busy_until_s and self.endpoint.has_frames_to_send(now):
                frames = self.endpoint.frames_to_send(now)
                if frames:
                    self._tx_busy_until_s = self.channel.transmit(self, frames, now)
                    self.channel.at(self._tx_busy_until_s, self.kick)
            return
        if self._keyed is None and self.endpoint.has_frames_to_send(now):
            self._handle_csma(self.csma.request(now))

    def deliver(self, frame: LinkFrame) -> None:
        """A frame arrived intact."""
        if self.radio_off:
            return
        self._handle(self.endpoint.receive_frame(frame, self.channel.now_s))

    def carrier(self, tx: _Transmission, on: bool) -> None:
        """Shared mode: carrier-detect changes for one transmission."""
        now = self.channel.now_s
        if on:
            if tx.ptt_off_s <= now:
                return
            tx.heard_by.append(self)
            self._carriers.add(id(tx))
        else:
            self._carriers.discard(id(tx))
        assert self.csma is not None
        self._handle_csma(self.csma.channel_busy(now, bool(self._carriers)))

    def _timer(self, token: float) -> None:
        if token != self._timer_at:
            return
        self._timer_at = None
        if self.radio_off:
            return
        self.timer_calls += 1
        self._handle(self.endpoint.on_timer(self.channel.now_s))

    def _csma_timer(self, token: float) -> None:
        if token != self._csma_at or self.csma is None:
            return
        self._csma_at = None
        self._handle_csma(self.csma.on_timer(self.channel.now_s))

    def _handle(self, events: list[Event]) -> None:
        if events and self.on_events is not None:
            self.on_events(self, events)
        self.kick()

    def _handle_csma(self, events: list[Event]) -> None:
        assert self.csma is not None
        for event in events:
            if isinstance(event, KeyUp):
                self._keyed = self.channel.key_up(self, event.ptt_on_s)
                self.channel.at(event.data_start_s, self._send_keyed)
            elif isinstance(event, KeyDown):
                assert self._keyed is not None
                self.channel.key_down(self._keyed, event.ptt_off_s)
                self._keyed = None
                self.kick()
        deadline = self.csma.next_deadline_s()
        if deadline is not None and deadline != self._csma_at:
            self._csma_at = deadline
            self.channel.at(deadline, self._csma_timer, deadline)

    def _send_keyed(self) -> None:
        assert self.csma is not None
        now = self.channel.now_s
        frames = self.endpoint.frames_to_send(now) if self.endpoint.has_frames_to_send(now) else []
        end = self.channel.transmit(self, frames, now) if frames else now
        self.channel.at(end, self._transmit_done)
        self.kick()

    def _transmit_done(self) -> None:
        assert self.csma is not None
        self._handle_csma(self.csma.transmit_done(self.channel.now_s))
