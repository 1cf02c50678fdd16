"""Layer 4 alone: two Transport endpoints joined in memory with a lossy, delayed pipe."""

from __future__ import annotations

import heapq
import random

import pytest

from phy.errors import ConfigError
from upper._events import MessageAcked, MessageReceived
from upper.transport import SEGMENT_OVERHEAD_BYTES, SendBufferFull, Transport, TransportConfig

A, B = b"\x01" * 8, b"\x02" * 8


class Pipe:
    """Two transports and a channel with loss, delay, jitter and a drop filter."""

    def __init__(self, *, loss=0.0, jitter_s=0.0, seed=0, rate_bps=None, **config):
        cfg = TransportConfig(**config)
        self.rng = random.Random(seed)
        self.ends = {
            A: Transport(cfg, rng=random.Random(1)),
            B: Transport(cfg, rng=random.Random(2)),
        }
        self.loss, self.jitter_s, self.rate_bps = loss, jitter_s, rate_bps
        self.now_s, self.heap, self.n = 0.0, [], 0
        self.events = {A: [], B: []}
        self.drop = lambda src, segment: False
        self.wire_log = []
        self.busy_until = 0.0

    def _flush(self):
        for src, end in self.ends.items():
            for dst, segment in end.segments_to_send():
                self.wire_log.append((src, segment))
                start = self.now_s
                if self.rate_bps:
                    start = max(start, self.busy_until)
                    self.busy_until = start + 8 * (len(segment) + 24) / self.rate_bps
                    start = self.busy_until
                if self.drop(src, segment) or self.rng.random() < self.loss:
                    continue
                when = start + 0.01 + self.rng.random() * self.jitter_s
                self.n += 1
                heapq.heappush(self.heap, (when, self.n, src, dst, segment))

    def run_until(self, predicate, timeout_s=1000.0):
        end_s = self.now_s + timeout_s
        self._flush()
        while not predicate():
            t = min(
                [self.heap[0][0]]
                if self.heap
                else [float("inf")] + [e.next_deadline_s() for e in self.ends.values()]
            )
            t = min(t, *(e.next_deadline_s() for e in self.ends.values()))
            if t > end_s:
                return False
            self.now_s = max(self.now_s, t)
            while self.heap and self.heap[0][0] <= self.now_s:
                _, _, src, dst, segment = heapq.heappop(self.heap)
                self.events[dst] += self.ends[dst].receive_data(src, segment, self.now_s)
            for end in self.ends.values():
                if end.next_deadline_s() <= self.now_s:
                    end.handle_timer(self.now_s)
            self._flush()
        return True

    def received(self, at):
        return [e.data for e in self.events[at] if isinstance(e, MessageReceived)]


def test_one_megabyte_message_over_lossy_reordering_link():
    pipe = Pipe(loss=0.1, jitter_s=0.05, seed=1)
    data = random.Random(9).randbytes(1 << 20)
    pipe.ends[A].send_message(B, data, 0.0)
    assert pipe.run_until(lambda: pipe.received(B))
    assert pipe.received(B) == [data]
    assert any(
        isinstance(e, MessageAcked)
        for e in pipe.run_until(lambda: any(isinstance(e, MessageAcked) for e in pipe.events[A]))
        and pipe.events[A]
    )
    segments = pipe.ends[A].stats["segments_sent"]
    needed = -(-len(data) // pipe.ends[A].config.segment_payload_bytes)
    assert needed <= segments < 1.4 * needed  # selective, not go-back-N


def test_messages_arrive_in_order_exactly_once():
    pipe = Pipe(loss=0.2, jitter_s=0.2, seed=2)
    messages = [f"m{i}".encode() * (1 + i % 7) * 30 for i in range(300)]
    for m in messages:
        pipe.ends[A].send_message(B, m, 0.0)
    assert pipe.run_until(lambda: len(pipe.received(B)) == len(messages))
    pipe.run_until(lambda: False, timeout_s=30.0)
    assert pipe.received(B) == messages


def test_only_the_lost_segment_is_retransmitted():
    pipe = Pipe(seed=3)
    lost = []

    def drop_third(src, segment):
        if src == A and segment[0] & 1 and int.from_bytes(segment[5:9], "big") == 2 and not lost:
            lost.append(segment)
            return True
        return False

    pipe.drop = drop_third
    data = bytes(10 * pipe.ends[A].config.segment_payload_bytes)
    pipe.ends[A].send_message(B, data, 0.0)
    assert pipe.run_until(lambda: pipe.received(B))
    data_segments = [s for src, s in pipe.wire_log if src == A and s[0] & 1]
    seqs = [int.from_bytes(s[5:9], "big") for s in data_segments]
    assert sorted(seqs) == sorted([*range(10), 2])
    assert pipe.ends[A].stats["retransmissions"] == 1


def test_send_window_limits_segments_in_flight():
    pipe = Pipe(window_segments=4, seed=4)
    pipe.drop = lambda src, segment: src == B  # no acknowledgement ever comes back
    pipe.ends[A].send_message(B, bytes(20 * pipe.ends[A].config.segment_payload_bytes), 0.0)
    pipe.run_until(lambda: False, timeout_s=0.5)
    first = {int.from_bytes(s[5:9], "big") for src, s in pipe.wire_log if src == A}
    assert first == {0, 1, 2, 3}


def test_goodput_follows_link_rate():
    pipe = Pipe(seed=5, rate_bps=9600.0, window_segments=8, link_rate_bps=9600.0)
    data = bytes(50_000)
    pipe.ends[A].send_message(B, data, 0.0)
    assert pipe.run_until(lambda: pipe.received(B), timeout_s=200.0)
    goodput_bps = 8 * len(data) / pipe.now_s
    header = SEGMENT_OVERHEAD_BYTES + 24
    payload = pipe.ends[A].config.segment_payload_bytes
    assert goodput_bps <= 9600.0 * payload / (payload + header)
    assert goodput_bps > 0.5 * 9600.0


def test_datagrams_are_unreliable_and_fragmented_when_large():
    pipe = Pipe(seed=6)
    big = random.Random(6).randbytes(3000)
    pipe.ends[A].send_datagram(B, b"hello")
    pipe.ends[A].send_datagram(B, big)
    assert pipe.run_until(lambda: len(pipe.events[B]) == 2)
    assert [e.data for e in pipe.events[B]] == [b"hello", big]
    assert all(e.datagram for e in pipe.events[B])
    assert pipe.ends[A].next_deadline_s() == float("inf")  # nothing to retransmit
    with pytest.raises(ConfigError):
        pipe.ends[A].send_datagram(B, bytes(pipe.ends[A].config.max_datagram_bytes + 1))


def test_incomplete_datagrams_are_bounded_and_never_delivered():
    cfg = TransportConfig(max_partial_datagrams=4)
    tx, rx = Transport(cfg, rng=random.Random(1)), Transport(cfg, rng=random.Random(2))
    events = []
    for i in range(50):
        tx.send_datagram(B, bytes([i]) * 1000)
        fragments = tx.segments_to_send()
        for _, segment in fragments[:-1]:  # the last fragment is always lost
            events += rx.receive_data(A, segment, float(i))
        assert len(rx._fragments) <= 4
    assert not [e for e in events if type(e).__name__ == "MessageReceived"]
    assert rx.stats["dropped_incomplete_datagram"] >= 46
    bad = bytes([16 | 32]) + bytes([0, 0, 0, 1, 5, 3])  # index beyond count
    assert rx.receive_data(A, bad, 60.0)[0].reason == "bad_fragment"


def test_oversized_messages_are_refused_locally_and_dropped_remotely():
    pipe = Pipe(seed=7, max_message_bytes=1000)
    with pytest.raises(ConfigError):
        pipe.ends[A].send_message(B, bytes(1001), 0.0)
    # a forged stream that never ends its message: dropped once it passes the limit
    rx = Transport(TransportConfig(max_message_bytes=1000), rng=random.Random(0))
    tx = Transport(TransportConfig(), rng=random.Random(1))
    tx.send_message(A, bytes(5000), 0.0)
    events = []
    for _peer, segment in tx.segments_to_send():
        events += rx.receive_data(B, segment, 0.0)
    assert not [e for e in events if isinstance(e, MessageReceived)]
    assert rx.stats["dropped_oversized_message"] == 1


def test_malformed_segments_are_dropped_never_raised():
    rx = Transport(TransportConfig(), rng=random.Random(0))
    rng = random.Random(8)
    for _ in range(3000):
        segment = rng.randbytes(rng.randrange(0, 40))
        for event in rx.receive_data(A, segment, 0.0):
            assert type(event).__name__ in ("Dropped", "MessageReceived", "MessageAcked")
    assert rx.receive_data(A, b"\x01\x00", 0.0)[0].reason == "truncated"
    assert rx.receive_data(A, b"", 0.0)[0].reason == "empty"
    assert sum(v for k, v in rx.stats.items() if k.startswith("dropped_")) > 1000


def test_peer_table_is_bounded():
    rx = Transport(TransportConfig(max_peers=4), rng=random.Random(0))
    for i in range(20):
        tx = Transport(TransportConfig(), rng=random.Random(i))
        tx.send_message(A, b"hi", 0.0)
        peer = bytes([i + 10]) * 8
        for _, segment in tx.segments_to_send():
            rx.receive_data(peer, segment, float(i))
    assert len(rx._peers) <= 4
    assert rx.stats["evicted_peers"] >= 16


def test_transport_gives_up_after_max_retries():
    pipe = Pipe(seed=9, max_retries=3)
    pipe.drop = lambda src, segment: True  # nothing ever arrives
    pipe.ends[A].send_message(B, b"lost", 0.0)
    pipe.run_until(lambda: False, timeout_s=600.0)
    assert pipe.ends[A].stats["gave_up"] == 1
    assert pipe.ends[A].pending_bytes(B) == 0
    assert pipe.ends[A].next_deadline_s() == float("inf")


def test_send_buffer_is_bounded_even_for_empty_messages():
    tx = Transport(TransportConfig(max_send_buffer_bytes=10_000), rng=random.Random(0))
    with pytest.raises(SendBufferFull):
        for _ in range(10_000):
            tx.send_message(B, b"", 0.0)
    assert tx.pending_bytes(B) <= 10_000
