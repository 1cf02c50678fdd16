"""Layer 4: segmentation, selective-repeat retransmission, in-order delivery (sans-I/O).

One independent stream per direction and peer. A message (up to ``max_message_bytes``) is cut
into segments that fit the network MTU; each segment has a 32-bit sequence number within the
sender's *epoch* (a random 32-bit stream id renewed by ``reset_peer``). The receiver keeps a
bounded window of out-of-order segments, delivers whole messages in order, and acknowledges
with a cumulative number, a 32-bit selective-acknowledgement bitmap, the sequence number and
transmission count of the segment whose arrival triggered it (so RTT samples and loss
detection know which transmission arrived, even of a resent segment) and the free window.
Acknowledgements go after every second in-order segment, at once for anything out of order,
and otherwise after a short delay.
Acknowledgements ride on data segments going the other way when there are some (so the reply
to a ``call`` travels in the acknowledging segment) and otherwise leave after ``ack_delay_s``.

Segment format (big-endian)::

    flags (1) | [epoch (4) | seq (4) | transmission (1)]   if DATA
              | [ack epoch (4) | cum (4) | sack (4) | echo seq (4) | echo transmission (1)
                 | window (2)]                             if ACK
              | payload

Flags: DATA 1, ACK 2, FIRST 4 (first segment of a message), LAST 8, DGRAM 16 (an unreliable
datagram: flags and payload only), DGRAM|FRAG 48 (one fragment of a larger datagram:
``flags | datagram id (4) | index (1) | count (1) | part``, reassembled in a bounded table).
Retransmission timeout follows Jacobson/Karels with Karn's rule and exponential back-off;
the send window is ``min(window_segments, peer window)``.

Cost: O(1) per segment, O(window) per acknowledgement.
"""

from __future__ import annotations

import random
import struct
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from phy.errors import ConfigError, SdrlinkError
from upper._events import Dropped, MessageAcked, MessageReceived

__all__ = [
    "FRAGMENT_HEADER_BYTES",
    "SEGMENT_OVERHEAD_BYTES",
    "SendBufferFull",
    "Transport",
    "TransportConfig",
]

F_DATA, F_ACK, F_FIRST, F_LAST, F_DGRAM, F_FRAG = 1, 2, 4, 8, 16, 32
_FRAG = struct.Struct(">IBB")  # datagram id, fragment index, fragment count
FRAGMENT_HEADER_BYTES = _FRAG.size
_DATA = struct.Struct(">IIB")
_ACK = struct.Struct(">IIIIBH")
SEGMENT_OVERHEAD_BYTES = 1 + _DATA.size + _ACK.size
_MAX_SEQ_GAP = 1 << 30
MASK = 0xFFFFFFFF


class SendBufferFull(SdrlinkError):
    """The transport's send buffer for a peer is full: wait for acknowledgements."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TransportConfig:
    """Transport parameters; sizes in bytes or segments, times in seconds."""

    mtu_bytes: int = 231  # largest segment (the network payload MTU)
    max_message_bytes: int = (1 << 20) + 1024  # a 1 MiB event plus session overhead
    window_segments: int = 32
    rx_window_segments: int = 64
    max_send_buffer_bytes: int = 4 << 20
    initial_rto_s: float = 1.0
    min_rto_s: float = 0.2
    max_rto_s: float = 30.0
    ack_delay_s: float = 0.05
    max_peers: int = 256
    max_retries: int = 12  # then everything queued to the peer is dropped (``gave_up``)
    max_datagram_bytes: int = 16384
    max_partial_datagrams: int = 64  # datagrams being reassembled, all peers together
    datagram_timeout_s: float = 30.0
    link_rate_bps: float = 0.0  # > 0: segments leave at this rate (pacing of RTT estimates)
    link_overhead_bytes: int = 24  # added to each segment on the link (layer-3 header, ...)

    def __post_init__(self) -> None:
        if self.mtu_bytes < SEGMENT_OVERHEAD_BYTES + 8:
            raise ConfigError(f"transport MTU {self.mtu_bytes} B is too small")
        if not 1 <= self.window_segments <= 32 or not 1 <= self.rx_window_segments <= 65535:
            raise ConfigError("window_segments must be 1..32 (the SACK bitmap is 32 bits)")

    @property
    def segment_payload_bytes(self) -> int:
        return self.mtu_bytes - SEGMENT_OVERHEAD_BYTES


@dataclass(slots=True)
class _Segment:
    seq: int
    flags: int
    payload: bytes
    sent_s: float = -1.0
    deadline_s: float = 0.0
    retries: int = 0


@dataclass(slots=True)
class _Peer:
    epoch: int
    next_seq: int = 0
    queue: deque = field(default_factory=deque)  # _Segment not yet sent
    in_flight: dict = field(default_factory=dict)  # seq -> _Segment
    in_flight_base: int = 0  # oldest unacknowledged sequence number
    queued_bytes: int = 0
    msg_last_seq: deque = field(default_factory=deque)  # (last seq, message id)
    next_message_id: int = 0
    peer_window: int = 32
    srtt_s: float | None = None
    min_rtt_s: float | None = None
    rttvar_s: float = 0.0
    rto_s: float = 1.0
    # receive side
    rx_epoch: int | None = None
    rx_old_epochs: deque = field(default_factory=lambda: deque(maxlen=8))
    rx_next: int = 0
    rx_echo: tuple = (0, 0)
    rx_unacked: int = 0
    rx_buffer: dict = field(default_factory=dict)  # seq -> (flags, payload)
    rx_partial: list = field(default_factory=list)
    rx_partial_bytes: int = 0
    rx_skipping: bool = False
    ack_due_s: float | None = None
    heard_s: float = -1e18


class Transport:
    """Reliable messages and datagrams to many peers over one network layer.

    The caller moves segments: ``send_message``/``send_datagram`` queue, ``segments_to_send``
    returns ``(peer, segment bytes)`` pairs, ``receive_data`` takes a segment from a peer.
    """

    def __init__(self, config: TransportConfig, *, rng: random.Random) -> None:
        self.config = config
        self._rng = rng
        self._peers: dict[bytes, _Peer] = {}
        self._out: list[tuple[bytes, bytes]] = []
        self._link_free_s = 0.0
        self._datagram_id = rng.getrandbits(32)
        self._fragments: OrderedDict = OrderedDict()  # (peer, id) -> (first seen, count, parts)
        self._ack_delay_s = config.ack_delay_s
        if config.link_rate_bps > 0:  # wait for a second segment before acknowledging
            full = 8.0 * (config.mtu_bytes + config.link_overhead_bytes) / config.link_rate_bps
            self._ack_delay_s = max(config.ack_delay_s, 1.5 * full)
        self.stats: dict[str, int] = {}

    # -- sending ---------------------------------------------------------------------------
    def send_message(self, peer: bytes, data: bytes, now_s: float) -> int:
        """Queue ``data`` for reliable in-order delivery; return its message id.

        Raises ``ConfigError`` for a message over ``max_message_bytes`` and ``SendBufferFull``
        when the peer's send buffer would exceed ``max_send_buffer_bytes``.
        """
        cfg = self.config
        if len(data) > cfg.max_message_bytes:
            raise ConfigError(
                f"message of {len(data)} B exceeds {cfg.max_message_bytes} B; split it"
            )
        state = self._peer(peer)
        size = cfg.segment_payload_bytes
        chunks = [data[i : i + size] for i in range(0, len(data), size)] or [b""]
        cost = len(data) + SEGMENT_OVERHEAD_BYTES * len(chunks)  # empty messages cost too
        if state.queued_bytes + cost > cfg.max_send_buffer_bytes:
            raise SendBufferFull(f"send buffer to {peer.hex()} is full; wait for acknowledgements")
        for index, chunk in enumerate(chunks):
            flags = F_DATA | (F_FIRST if index == 0 else 0)
            flags |= F_LAST if index == len(chunks) - 1 else 0
            state.queue.append(_Segment(seq=state.next_seq, flags=flags, payload=chunk))
            state.next_seq = (state.next_seq + 1) & 0xFFFFFFFF
        state.queued_bytes += cost
        message_id = state.next_message_id
        state.next_message_id += 1
        state.msg_last_seq.append(((state.next_seq - 1) & 0xFFFFFFFF, message_id))
        self._pump(peer, state, now_s)
        return message_id

    def send_datagram(self, peer: bytes, data: bytes) -> None:
        """Send ``data`` once, unacknowledged; cut into fragments when it exceeds one segment.

        At most ``max_datagram_bytes``; a lost fragment loses the whole datagram.
        """
        cfg = self.config
        if len(data) > cfg.max_datagram_bytes:
            raise ConfigError(f"datagram of {len(data)} B exceeds {cfg.max_datagram_bytes} B")
        self._count("datagrams_sent")
        if len(data) <= cfg.mtu_bytes - 1:
            self._out.append((peer, bytes([F_DGRAM]) + data))
            return
        size = cfg.mtu_bytes - 1 - _FRAG.size
        parts = [data[i : i + size] for i in range(0, len(data), size)]
        self._datagram_id = (self._datagram_id + 1) & 0xFFFFFFFF
        for index, part in enumerate(parts):
            header = bytes([F_DGRAM | F_FRAG]) + _FRAG.pack(self._datagram_id, index, len(parts))
            self._out.append((peer, header + part))

    def segments_to_send(self) -> list[tuple[bytes, bytes]]:
        """``(peer, segment)`` pairs produced since the last call."""
        out, self._out = self._out, []
        return out

    def reset_peer(self, peer: bytes) -> None:
        """Drop everything queued or in flight to ``peer`` and start a new send epoch.

        The receive side is kept: the peer's stream goes on until it resets its own.
        """
        state = self._peers.get(peer)
        if state is None:
            return
        state.epoch = self._rng.getrandbits(32)
        state.next_seq = state.in_flight_base = 0
        state.queue.clear()
        state.in_flight.clear()
        state.queued_bytes = 0
        state.msg_last_seq.clear()
        state.srtt_s, state.rttvar_s, state.rto_s = None, 0.0, self.config.initial_rto_s
        state.min_rtt_s = None
        state.peer_window = self.config.window_segments
        self._count("resets")

    def retry_now(self, peer: bytes, now_s: float) -> None:
        """Resend what is in flight to ``peer`` at once (a route to it just appeared)."""
        state = self._peers.get(peer)
        if state is None:
            return
        state.rto_s = self._base_rto(state)
        for seg in list(state.in_flight.values()):
            self._retransmit(peer, state, seg, now_s)

    def last_heard_s(self, peer: bytes) -> float:
        """When a well-formed segment of the current streams last came from ``peer``."""
        state = self._peers.get(peer)
        return -1e18 if state is None else state.heard_s

    def pending_bytes(self, peer: bytes) -> int:
        """Bytes queued or unacknowledged towards ``peer``."""
        state = self._peers.get(peer)
        return 0 if state is None else state.queued_bytes

    # -- timers ----------------------------------------------------------------------------
    def next_deadline_s(self) -> float:
        """Earliest retransmission or delayed-acknowledgement time (``inf`` if none)."""
        deadline = float("inf")
        for state in self._peers.values():
            if state.ack_due_s is not None:
                deadline = min(deadline, state.ack_due_s)
            for seg in state.in_flight.values():
                deadline = min(deadline, seg.deadline_s)
        return deadline

    def handle_timer(self, now_s: float) -> list[object]:
        """Retransmit expired segments and send due acknowledgements."""
        for peer, state in self._peers.items():
            expired = [s for s in state.in_flight.values() if s.deadline_s <= now_s]
            if expired and now_s < self._link_free_s:
                # Half duplex: no acknowledgement comes back while our own queue is on the air.
                for seg in expired:
                    seg.deadline_s = self._link_free_s + state.rto_s
                expired = []
            if expired:
                # Like TCP: resend the oldest, back off, and let the others wait one RTO more
                # (selective acknowledgements resend the rest without waiting).
                state.rto_s = min(state.rto_s * 2.0, self.config.max_rto_s)
                oldest = min(expired, key=lambda seg: (seg.seq - state.in_flight_base) & MASK)
                if oldest.retries >= self.config.max_retries:
                    self._count("gave_up")  # the session above notices and starts again
                    self.reset_peer(peer)
                    continue
                self._retransmit(peer, state, oldest, now_s)
                for seg in state.in_flight.values():
                    seg.deadline_s = max(seg.deadline_s, now_s + state.rto_s)
            if state.ack_due_s is not None and state.ack_due_s <= now_s:
                self._emit_pure_ack(peer, state, now_s)
        return []

    # -- receiving -------------------------------------------------------------------------
    def receive_data(self, peer: bytes, segment: bytes, now_s: float) -> list[object]:
        """Handle one segment from ``peer``; malformed ones are dropped and counted."""
        if not segment:
            return [self._drop("empty", peer)]
        flags = segment[0]
        if flags & F_DGRAM:
            if flags == F_DGRAM | F_FRAG:
                return self._on_fragment(peer, segment, now_s)
            if flags != F_DGRAM:
                return [self._drop("bad_flags", peer)]
            self._count("datagrams_received")
            return [MessageReceived(peer=peer, data=segment[1:], datagram=True)]
        if flags & ~(F_DATA | F_ACK | F_FIRST | F_LAST) or not flags & (F_DATA | F_ACK):
            return [self._drop("bad_flags", peer)]
        need = 1 + (_DATA.size if flags & F_DATA else 0) + (_ACK.size if flags & F_ACK else 0)
        if len(segment) < need:
            return [self._drop("truncated", peer)]
        if peer not in self._peers and len(self._peers) >= self.config.max_peers:
            self._evict_idle()
            if len(self._peers) >= self.config.max_peers:
                return [self._drop("too_many_peers", peer)]
        state = self._peer(peer)
        offset = 1
        data_hdr = None
        if flags & F_DATA:
            data_hdr = _DATA.unpack_from(segment, offset)
            offset += _DATA.size
        events: list[object] = []
        if flags & F_ACK:
            events += self._on_ack(peer, state, *_ACK.unpack_from(segment, offset), now_s)
            offset += _ACK.size
        if data_hdr is not None:
            events += self._on_data(peer, state, flags, *data_hdr, segment[offset:], now_s)
        elif len(segment) > offset:
            events.append(self._drop("stray_payload", peer))
        self._pump(peer, state, now_s)
        return events

    def _evict_idle(self) -> None:
        """Forget the peer heard from longest ago that has nothing queued or in flight."""
        idle = [
            (st.heard_s, p) for p, st in self._peers.items() if not st.queue and not st.in_flight
        ]
        if idle:
            del self._peers[min(idle)[1]]
            self._count("evicted_peers")

    def _on_fragment(self, peer: bytes, segment: bytes, now_s: float) -> list[object]:
        if len(segment) < 1 + _FRAG.size:
            return [self._drop("truncated", peer)]
        datagram_id, index, count = _FRAG.unpack_from(segment, 1)
        size = self.config.mtu_bytes - 1 - _FRAG.size
        if not index < count or count < 2 or count * size > self.config.max_datagram_bytes + size:
            return [self._drop("bad_fragment", peer)]
        key = (peer, datagram_id)
        partial = self._fragments.get(key)
        if partial is None:
            while self._fragments:  # expire the oldest and keep the table bounded
                oldest_key, oldest = next(iter(self._fragments.items()))
                too_many = len(self._fragments) >= self.config.max_partial_datagrams
                if not too_many and now_s - oldest[0] <= self.config.datagram_timeout_s:
                    break
                del self._fragments[oldest_key]
                self._count("dropped_incomplete_datagram")
            partial = self._fragments[key] = (now_s, count, {})
        if partial[1] != count:
            return [self._drop("bad_fragment", peer)]
        partial[2][index] = segment[1 + _FRAG.size :]
        if len(partial[2]) < count:
            return []
        del self._fragments[key]
        self._count("datagrams_received")
        data = b"".join(partial[2][i] for i in range(count))
        return [MessageReceived(peer=peer, data=data, datagram=True)]

    # -- internals: sender -----------------------------------------------------------------
    def _peer(self, peer: bytes) -> _Peer:
        state = self._peers.get(peer)
        if state is None:
            state = _Peer(epoch=self._rng.getrandbits(32), rto_s=self.config.initial_rto_s)
            state.peer_window = self.config.window_segments
            self._peers[peer] = state
        return state

    def _pump(self, peer: bytes, state: _Peer, now_s: float) -> None:
        window = min(self.config.window_segments, state.peer_window)
        # The span from the oldest unacknowledged segment must fit the 32-bit SACK bitmap.
        while state.queue and (state.queue[0].seq - state.in_flight_base) & MASK < window:
            seg = state.queue.popleft()
            state.in_flight[seg.seq] = seg
            self._emit_data(peer, state, seg, now_s)

    def _departure_s(self, size: int, now_s: float) -> float:
        """When a segment queued now should have left the radio (``now_s`` if unknown)."""
        rate = self.config.link_rate_bps
        if rate <= 0:
            return now_s
        start = max(now_s, self._link_free_s)
        self._link_free_s = start + 8.0 * (size + self.config.link_overhead_bytes) / rate
        return self._link_free_s

    def _emit_data(self, peer: bytes, state: _Peer, seg: _Segment, now_s: float) -> None:
        size = SEGMENT_OVERHEAD_BYTES + len(seg.payload)
        seg.sent_s = self._departure_s(size, now_s)
        timeout_s = state.rto_s
        if seg.retries and state.min_rtt_s is not None:
            # A resent segment is usually the hole holding the window, sent when the queue
            # has drained: wait twice the smallest RTT seen (doubling per further loss), not
            # the RTO, which is padded by the queueing of a full window.
            quick_s = max(self.config.min_rto_s, 2.0 * state.min_rtt_s) * 2.0 ** (seg.retries - 1)
            timeout_s = min(timeout_s, quick_s, self.config.max_rto_s)
        seg.deadline_s = seg.sent_s + timeout_s
        flags = seg.flags
        parts = [b"", _DATA.pack(state.epoch, seg.seq, seg.retries & 0xFF)]
        if state.rx_epoch is not None:
            flags |= F_ACK
            parts.append(self._ack_fields(state))
            state.ack_due_s = None
        parts[0] = bytes([flags])
        parts.append(seg.payload)
        self._out.append((peer, b"".join(parts)))
        self._count("segments_sent")

    def _retransmit(self, peer: bytes, state: _Peer, seg: _Segment, now_s: float) -> None:
        seg.retries += 1
        self._count("retransmissions")
        self._emit_data(peer, state, seg, now_s)

    def _on_ack(self, peer, state, ack_epoch, cum, sack, echo, echo_tx, window, now_s):
        if ack_epoch != state.epoch:
            self._count("dropped_stale_ack")
            return []
        state.heard_s = max(state.heard_s, now_s)
        state.peer_window = max(1, min(window, self.config.window_segments))
        acked = [s for s in state.in_flight if _before(s, cum)]
        for bit in range(32):
            if sack >> bit & 1:
                seq = (cum + 1 + bit) & 0xFFFFFFFF
                if seq in state.in_flight:
                    acked.append(seq)
        latest_sent_s = -1.0
        for seq in acked:
            seg = state.in_flight.pop(seq, None)
            if seg is None:
                continue
            state.queued_bytes -= len(seg.payload) + SEGMENT_OVERHEAD_BYTES
            if seq == echo and seg.retries & 0xFF == echo_tx:  # this very transmission arrived
                if seg.sent_s > now_s:  # our estimate of the radio queue ran ahead: pull back
                    self._link_free_s = max(now_s, self._link_free_s - (seg.sent_s - now_s))
                    seg.sent_s = now_s
                else:
                    self._rtt_sample(state, now_s - seg.sent_s)
                latest_sent_s = max(latest_sent_s, seg.sent_s)
            elif seg.retries == 0:  # sent once, so that one arrived
                latest_sent_s = max(latest_sent_s, seg.sent_s)
        if acked:
            state.rto_s = self._base_rto(state)
        if _before(state.in_flight_base, cum):
            state.in_flight_base = cum
        # A segment sent before one that arrived is presumed lost (allowing some reordering).
        slack = 0.25 * (state.min_rtt_s or 0.0)  # RACK reordering window: min RTT / 4
        for seg in list(state.in_flight.values()):
            if seg.sent_s < latest_sent_s - slack:
                self._retransmit(peer, state, seg, now_s)
        events: list[object] = []
        while state.msg_last_seq and _before(state.msg_last_seq[0][0], cum):
            _, message_id = state.msg_last_seq.popleft()
            events.append(MessageAcked(peer=peer, message_id=message_id))
        return events

    def _rtt_sample(self, state: _Peer, rtt_s: float) -> None:
        state.min_rtt_s = rtt_s if state.min_rtt_s is None else min(state.min_rtt_s, rtt_s)
        if state.srtt_s is None:
            state.srtt_s, state.rttvar_s = rtt_s, rtt_s / 2.0
        else:
            state.rttvar_s = 0.75 * state.rttvar_s + 0.25 * abs(state.srtt_s - rtt_s)
            state.srtt_s = 0.875 * state.srtt_s + 0.125 * rtt_s

    def _base_rto(self, state: _Peer) -> float:
        if state.srtt_s is None:
            return self.config.initial_rto_s
        rto = state.srtt_s + max(4.0 * state.rttvar_s, 0.25 * state.srtt_s, 0.05)
        return min(max(rto, self.config.min_rto_s), self.config.max_rto_s)

    # -- internals: receiver ---------------------------------------------------------------
    def _on_data(self, peer, state, flags, epoch, seq, tx, payload, now_s) -> list[object]:
        if state.rx_epoch != epoch:
            if seq != 0 or not flags & F_FIRST or epoch in state.rx_old_epochs:
                return [self._drop("unknown_epoch", peer)]
            if state.rx_epoch is not None:
                state.rx_old_epochs.append(state.rx_epoch)
            state.rx_epoch, state.rx_next = epoch, 0
            state.rx_buffer.clear()
            state.rx_partial, state.rx_partial_bytes, state.rx_skipping = [], 0, False
        state.heard_s = max(state.heard_s, now_s)
        state.rx_echo = (seq, tx)
        offset = (seq - state.rx_next) & 0xFFFFFFFF
        if offset >= _MAX_SEQ_GAP:  # behind: a duplicate
            self._schedule_ack(state, now_s, immediate=True)
            self._count("duplicate_segments")
            return []
        if offset >= self.config.rx_window_segments:
            self._schedule_ack(state, now_s, immediate=True)
            return [self._drop("out_of_window", peer)]
        if seq in state.rx_buffer:
            self._count("duplicate_segments")
            self._schedule_ack(state, now_s, immediate=True)
            return []
        state.rx_buffer[seq] = (flags, payload)
        events = self._deliver(peer, state)
        state.rx_unacked += 1
        self._schedule_ack(state, now_s, immediate=offset != 0 or state.rx_unacked >= 2)
        return events

    def _deliver(self, peer: bytes, state: _Peer) -> list[object]:
        events: list[object] = []
        limit = self.config.max_message_bytes
        while state.rx_next in state.rx_buffer:
            flags, payload = state.rx_buffer.pop(state.rx_next)
            state.rx_next = (state.rx_next + 1) & 0xFFFFFFFF
            if flags & F_FIRST:
                if state.rx_partial:
                    events.append(self._drop("unfinished_message", peer))
                state.rx_partial, state.rx_partial_bytes, state.rx_skipping = [], 0, False
            elif not state.rx_partial and not state.rx_skipping:
                state.rx_skipping = True
                events.append(self._drop("missing_first", peer))
            if state.rx_skipping:
                continue
            state.rx_partial.append(payload)
            state.rx_partial_bytes += len(payload)
            if state.rx_partial_bytes > limit:
                state.rx_partial, state.rx_partial_bytes, state.rx_skipping = [], 0, True
                events.append(self._drop("oversized_message", peer))
                continue
            if flags & F_LAST:
                data = b"".join(state.rx_partial)
                state.rx_partial, state.rx_partial_bytes = [], 0
                self._count("messages_received")
                events.append(MessageReceived(peer=peer, data=data))
        return events

    def _schedule_ack(self, state: _Peer, now_s: float, *, immediate: bool) -> None:
        if state.rx_epoch is None:
            return
        due = now_s if immediate else now_s + self._ack_delay_s
        state.ack_due_s = due if state.ack_due_s is None else min(state.ack_due_s, due)

    def _ack_fields(self, state: _Peer) -> bytes:
        sack = 0
        for bit in range(32):
            if (state.rx_next + 1 + bit) & 0xFFFFFFFF in state.rx_buffer:
                sack |= 1 << bit
        free = max(0, self.config.rx_window_segments - len(state.rx_buffer))
        state.rx_unacked = 0
        echo_seq, echo_tx = state.rx_echo
        window = min(free, 0xFFFF)
        return _ACK.pack(state.rx_epoch, state.rx_next, sack, echo_seq, echo_tx, window)

    def _emit_pure_ack(self, peer: bytes, state: _Peer, now_s: float) -> None:
        state.ack_due_s = None
        self._departure_s(1 + _ACK.size, now_s)
        self._out.append((peer, bytes([F_ACK]) + self._ack_fields(state)))
        self._count("acks_sent")

    def _drop(self, reason: str, peer: bytes | None) -> Dropped:
        self._count("dropped_" + reason)
        return Dropped(layer="transport", reason=reason, peer=peer)

    def _count(self, name: str) -> None:
        self.stats[name] = self.stats.get(name, 0) + 1


def _before(seq: int, ref: int) -> bool:
    """True when ``seq`` precedes ``ref`` in 32-bit serial-number arithmetic."""
    diff = (ref - seq) & 0xFFFFFFFF
    return 0 < diff < _MAX_SEQ_GAP
