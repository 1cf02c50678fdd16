"""Property tests (hypothesis, derandomized so that every run checks the same cases)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from upper._events import MessageReceived
from upper.presentation import decode_payload, encode_payload
from upper.transport import Transport, TransportConfig

A, B = b"\x01" * 8, b"\x02" * 8
FAST = settings(max_examples=60, deadline=None, derandomize=True)


@FAST
@given(st.binary(max_size=300))
def test_payload_decoder_never_raises(data):
    ok, _ = decode_payload(data)
    assert ok in (True, False)


values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text() | st.binary(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@FAST
@given(values)
def test_payload_round_trip(value):
    assert decode_payload(encode_payload(value)) == (True, value)


@FAST
@given(
    sizes=st.lists(st.integers(0, 900), min_size=1, max_size=12),
    drops=st.sets(st.integers(0, 60), max_size=20),
    seed=st.integers(0, 2**16),
)
def test_transport_delivers_every_message_once_in_order(sizes, drops, seed):
    rng = random.Random(seed)
    cfg = TransportConfig(mtu_bytes=120)
    ends = {A: Transport(cfg, rng=random.Random(seed)), B: Transport(cfg, rng=random.Random(~seed))}
    messages = [rng.randbytes(n) for n in sizes]
    for m in messages:
        ends[A].send_message(B, m, 0.0)
    got, now, sent = [], 0.0, 0
    for _ in range(3000):
        moved = False
        for src, end in ends.items():
            for dst, segment in end.segments_to_send():
                sent += 1
                moved = True
                if sent in drops:  # the chosen transmissions are lost
                    continue
                for event in ends[dst].receive_data(src, segment, now):
                    if isinstance(event, MessageReceived):
                        got.append(event.data)
        if len(got) == len(messages) and not moved:
            break
        if not moved:
            now = min(end.next_deadline_s() for end in ends.values())
            for end in ends.values():
                end.handle_timer(now)
    assert got == messages
