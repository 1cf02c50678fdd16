"""The link record maps 1:1 onto the real frame codec, and two links talk through it."""

import random

import numpy as np
import pytest

from mac._events import Connected, DataReceived
from mac.frame import Frame, decode_frame
from mac.link import (
    ConnectParams,
    FrameFlags,
    FrameType,
    Link,
    LinkConfig,
    LinkFrame,
    State,
)
from mac.link.codec import from_decoded, to_air


def _through_codec(frame: LinkFrame) -> LinkFrame:
    bits = np.unpackbits(np.frombuffer(to_air(frame), dtype=np.uint8))
    decoded = decode_frame((1.0 - 2.0 * bits.astype(np.float32)) * 4.0)
    assert isinstance(decoded, Frame), decoded
    return from_decoded(decoded)


@pytest.mark.parametrize("seed", range(4))
def test_random_records_survive_the_codec_unchanged(seed):
    rng = random.Random(seed)
    frame = LinkFrame(
        frame_type=rng.choice(list(FrameType)[:7]),
        flags=FrameFlags(rng.choice([0, 0x80, 0x20, 0xA0])),
        src=rng.randrange(0x10000),
        dst=rng.randrange(0x10000),
        seq=rng.randrange(256),
        ack=rng.randrange(256),
        payload=rng.randbytes(rng.randrange(0, 80)),
        fec_level=rng.choice([0, 2]),
    )
    assert _through_codec(frame) == frame


def test_two_links_talk_through_encoded_frames():
    cfg_a = LinkConfig(fec_level=0, window=4)
    cfg_b = LinkConfig(fec_level=2, window=8)
    a = Link(10, config=cfg_a, rng=random.Random(1))
    b = Link(20, config=cfg_b, rng=random.Random(2))
    a.connect(20, 0.0)
    t, events = 0.0, {a: [], b: []}
    sent = [b"first", b"second \xc0\xdb", bytes(range(200))]
    queued = False
    for _ in range(40):
        t += 0.1
        for src, dst in ((a, b), (b, a)):
            for frame in src.frames_to_send(t):
                events[dst] += dst.receive_frame(_through_codec(frame), t)
        if a.state is State.CONNECTED and not queued:
            for payload in sent:
                a.send(payload, t)
            queued = True
    assert a.params == b.params == ConnectParams(fec_level=2, window=4, max_payload_bytes=255)
    assert any(isinstance(e, Connected) for e in events[b])
    assert [e.payload for e in events[b] if isinstance(e, DataReceived)] == sent
