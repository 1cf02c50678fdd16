"""Property: whatever the channel does to frames (drop, duplicate, delay, reorder), the link
delivers every message exactly once and in order, in both directions (hypothesis)."""

import heapq
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from mac._events import Acked, DataReceived, LinkLost
from mac.link import Link, LinkConfig, State

CFG = LinkConfig(
    window=8,
    rto_initial_s=0.5,
    rto_min_s=0.05,
    rto_max_s=2.0,
    max_retries=200,
    keepalive_s=5.0,
    link_timeout_s=1000.0,
)


def run(seed, loss, dup, jitter_s, n_messages):
    rng = random.Random(seed)
    links = {
        1: Link(1, config=CFG, rng=random.Random(seed + 1)),
        2: Link(2, config=CFG, rng=random.Random(seed + 2)),
    }
    got = {1: [], 2: []}
    acked = {1: 0, 2: 0}
    sent = {1: 0, 2: 0}
    heap, counter, now = [], 0, 0.0
    links[1].connect(2, 0.0)

    def feed(me, now):
        link = links[me]
        while link.state is State.CONNECTED and sent[me] < n_messages and link.send_capacity:
            link.send(sent[me].to_bytes(2, "big"), now)
            sent[me] += 1

    def handle(me, events):
        for e in events:
            assert not isinstance(e, LinkLost)
            if isinstance(e, DataReceived):
                got[me].append(int.from_bytes(e.payload, "big"))
            elif isinstance(e, Acked):
                acked[me] += 1

    for _ in range(200_000):
        for me, link in links.items():
            feed(me, now)
            for frame in link.frames_to_send(now):
                if rng.random() < loss:
                    continue
                for _copy in range(2 if rng.random() < dup else 1):
                    counter += 1
                    arrive = now + 0.01 + rng.random() * jitter_s
                    heapq.heappush(heap, (arrive, counter, 3 - me, frame))
        if all(acked[m] == n_messages for m in links):
            break
        pending = [d for d in (lk.next_deadline_s() for lk in links.values()) if d is not None]
        if heap:
            pending.append(heap[0][0])
        now = max(now, min(pending))
        while heap and heap[0][0] <= now:
            _, _, dst, frame = heapq.heappop(heap)
            handle(dst, links[dst].receive_frame(frame, now))
        for me, link in links.items():
            handle(me, link.on_timer(now))
    return got, acked, links


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    loss=st.sampled_from([0.0, 0.1, 0.3, 0.5]),
    dup=st.sampled_from([0.0, 0.2]),
    jitter_s=st.sampled_from([0.0, 0.05, 0.5]),
)
def test_exactly_once_in_order_both_ways(seed, loss, dup, jitter_s):
    got, acked, links = run(seed, loss, dup, jitter_s, n_messages=60)
    assert got[2] == list(range(60)) and got[1] == list(range(60))
    assert acked == {1: 60, 2: 60}
    if loss >= 0.3:  # the channel really hurt: the ARQ had to repeat frames
        assert links[1].stats.retransmissions + links[2].stats.retransmissions > 0
