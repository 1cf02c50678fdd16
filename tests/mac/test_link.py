"""Link state machine, ARQ book-keeping and frame record: two links joined in memory."""

import random

import pytest

import mac.frame
from mac._events import (
    Acked,
    Connected,
    DataReceived,
    Disconnected,
    FrameRejected,
    LinkLost,
)
from mac.link import (
    MAX_WINDOW,
    SEQ_MODULUS,
    ConnectParams,
    FrameFlags,
    FrameType,
    Input,
    Link,
    LinkBusyError,
    LinkConfig,
    LinkFrame,
    LocalProtocolError,
    RttEstimator,
    State,
    decode_sack,
    encode_sack,
    mermaid_diagram,
    seq_distance,
    transitions,
)
from phy.errors import ConfigError, SdrlinkError

FAST = LinkConfig(rto_initial_s=1.0, rto_min_s=0.1, keepalive_s=5.0, link_timeout_s=20.0)


def make_pair(config_a=FAST, config_b=FAST, seed=0):
    a = Link(1, config=config_a, rng=random.Random(seed))
    b = Link(2, config=config_b, rng=random.Random(seed + 1))
    return a, b


def pump(a, b, t, *, step=0.01, rounds=50, drop=None, wait_s=0.0):
    """Exchange frames until both are quiet; ``drop(frame) -> bool`` loses frames.

    When both are quiet, timers due within ``wait_s`` are run and the exchange goes on.
    """
    events = {a: [], b: []}
    for _ in range(rounds):
        fa, fb = a.frames_to_send(t), b.frames_to_send(t)
        if not fa and not fb:
            deadlines = [d for d in (a.next_deadline_s(), b.next_deadline_s()) if d is not None]
            if deadlines and min(deadlines) <= t + wait_s:
                t = min(deadlines)
                events[a] += a.on_timer(t)
                events[b] += b.on_timer(t)
                continue
            break
        t += step
        for _src, dst, frames in ((a, b, fa), (b, a, fb)):
            for frame in frames:
                if drop is None or not drop(frame):
                    events[dst].extend(dst.receive_frame(frame, t))
    return events[a], events[b], t


def connected_pair(**kwargs):
    a, b = make_pair(**kwargs)
    a.connect(2, 0.0)
    _ea, _eb, t = pump(a, b, 0.0, wait_s=0.1)
    assert a.state is State.CONNECTED and b.state is State.CONNECTED
    return a, b, t


def of(events, kind):
    return [e for e in events if isinstance(e, kind)]


# ------------------------------------------------------------------ frame record


def test_record_uses_the_codec_types_and_header_fields():
    assert FrameType is mac.frame.FrameType and FrameFlags is mac.frame.FrameFlags
    header_fields = {"frame_type", "src", "dst", "seq", "ack", "flags"}
    record_fields = set(LinkFrame.__dataclass_fields__)
    assert header_fields <= record_fields
    assert record_fields - header_fields == {"version", "payload", "fec_level"}
    assert SEQ_MODULUS == 256 and MAX_WINDOW <= SEQ_MODULUS // 2


@pytest.mark.parametrize("seed", range(5))
def test_sack_layout_matches_the_frame_codec(seed):
    rng = random.Random(seed)
    ack = rng.randrange(256)
    offsets = sorted(rng.sample(range(MAX_WINDOW), rng.randrange(1, 20)))
    bitmap = sum(1 << i for i in offsets)
    payload = encode_sack(bitmap)
    assert payload == mac.frame.encode_sack(ack, [(ack + 1 + i) % 256 for i in offsets])
    assert decode_sack(payload) == bitmap
    assert sorted(mac.frame.decode_sack(ack, payload)) == sorted(
        (ack + 1 + i) % 256 for i in offsets
    )


def test_sack_edge_cases():
    assert encode_sack(0) == b"" and decode_sack(b"") == 0
    assert decode_sack(b"\xff" * 40) == (1 << MAX_WINDOW) - 1  # extra bytes ignored


def test_connect_params_round_trip_and_rejects_garbage():
    p = ConnectParams(fec_level=3, window=16, max_payload_bytes=200)
    assert ConnectParams.from_bytes(p.to_bytes()) == p
    assert ConnectParams.from_bytes(b"\x01") is None
    assert ConnectParams.from_bytes(bytes([0, 0, 0, 10])) is None  # window 0
    assert ConnectParams.from_bytes(bytes([0, 200, 0, 10])) is None  # window > 64
    q = ConnectParams(fec_level=1, window=32, max_payload_bytes=100)
    assert p.agree(q) == q.agree(p) == ConnectParams(fec_level=3, window=16, max_payload_bytes=100)


def test_seq_distance_wraps():
    assert seq_distance(250, 4) == 10
    assert seq_distance(4, 250) == 246
    assert seq_distance(7, 7) == 0


# ------------------------------------------------------------------ table


def test_transition_table_names_real_actions_and_diagram_covers_it():
    table = transitions()
    for (_state, _inp), (_target, action) in table.items():
        assert callable(getattr(Link, action))
    diagram = mermaid_diagram()
    assert diagram.startswith("stateDiagram-v2")
    for (state, _inp), (target, _action) in table.items():
        if state is not target:
            assert f"{state.name} --> {target.name}" in diagram
    # every state is reachable from CLOSED
    reached, frontier = {State.CLOSED}, [State.CLOSED]
    while frontier:
        s = frontier.pop()
        for (state, _inp), (target, _a) in table.items():
            if state is s and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(State)


def test_local_misuse_raises_local_protocol_error():
    link = Link(1, config=FAST)
    with pytest.raises(LocalProtocolError, match="connect"):
        link.send(b"x", 0.0)
    with pytest.raises(LocalProtocolError):
        link.close(0.0)
    link.connect(2, 0.0)
    with pytest.raises(LocalProtocolError):
        link.connect(2, 0.0)
    assert issubclass(LocalProtocolError, SdrlinkError)
    with pytest.raises(LocalProtocolError):
        Link(70000)


def test_config_is_validated():
    with pytest.raises(ConfigError, match="window"):
        LinkConfig(window=0)
    with pytest.raises(ConfigError, match="window"):
        LinkConfig(window=MAX_WINDOW + 1)
    with pytest.raises(ConfigError, match="keepalive"):
        LinkConfig(keepalive_s=10.0, link_timeout_s=5.0)


# ------------------------------------------------------------------ connect


def test_connect_negotiates_fec_window_and_payload():
    ca = LinkConfig(window=16, fec_level=1, max_payload_bytes=200)
    cb = LinkConfig(window=8, fec_level=3, max_payload_bytes=250)
    a, b = make_pair(ca, cb)
    a.connect(2, 0.0)
    ea, eb, _ = pump(a, b, 0.0)
    expected = dict(fec_level=3, window=8, max_payload_bytes=200)
    assert of(ea, Connected) == [Connected(peer=2, **expected)]
    assert of(eb, Connected) == [Connected(peer=1, **expected)]
    assert a.params == b.params == ConnectParams(**expected)
    assert a.srtt_s is not None  # the handshake gave a first RTT sample


def test_connect_survives_lost_connect_and_connect_ack():
    a, b = make_pair()
    a.connect(2, 0.0)
    losses = {FrameType.CONNECT: 2, FrameType.CONNECT_ACK: 1}

    def drop(frame):
        if losses.get(frame.frame_type, 0) > 0:
            losses[frame.frame_type] -= 1
            return True
        return False

    t, events_a, events_b = 0.0, [], []
    for _ in range(20):
        ea, eb, t = pump(a, b, t, drop=drop)
        events_a += ea
        events_b += eb
        if a.state is State.CONNECTED:
            break
        t = a.next_deadline_s()
        events_a += a.on_timer(t)
    assert a.state is State.CONNECTED and b.state is State.CONNECTED
    assert len(of(events_a, Connected)) == len(of(events_b, Connected)) == 1
    assert a.stats.timeouts >= 2


def test_connect_times_out_and_refusal_by_dm():
    link = Link(1, config=LinkConfig(max_retries=3, rto_initial_s=1.0, rto_min_s=0.5))
    link.connect(9, 0.0)
    events, t = [], 0.0
    for _ in range(10):
        link.frames_to_send(t)
        t = link.next_deadline_s()
        events += link.on_timer(t)
        if link.state is State.CLOSED:
            break
    assert of(events, Disconnected) == [Disconnected(peer=9, reason="timeout")]
    # a DISCONNECT_ACK echoing our CONNECT is a refusal; a foreign one is stale
    a = Link(1, config=FAST, rng=random.Random(4))
    a.connect(2, 0.0)
    (connect,) = a.frames_to_send(0.0)
    stale = LinkFrame(frame_type=FrameType.DISCONNECT_ACK, src=2, dst=1, ack=connect.seq + 1)
    assert of(a.receive_frame(stale, 0.1), FrameRejected)
    dm = LinkFrame(frame_type=FrameType.DISCONNECT_ACK, src=2, dst=1, ack=connect.seq)
    assert a.receive_frame(dm, 0.1) == [Disconnected(peer=2, reason="refused")]


def test_simultaneous_open_gives_one_link():
    a, b = make_pair()
    a.connect(2, 0.0)
    b.connect(1, 0.0)
    ea, eb, t = pump(a, b, 0.0)
    assert a.state is b.state is State.CONNECTED
    assert len(of(ea, Connected)) == len(of(eb, Connected)) == 1
    a.send(b"ping", t)
    b.send(b"pong", t)
    ea, eb, _ = pump(a, b, t)
    assert of(eb, DataReceived)[0].payload == b"ping"
    assert of(ea, DataReceived)[0].payload == b"pong"


# ------------------------------------------------------------------ data


def test_data_both_ways_in_order_with_acks():
    a, b, t = connected_pair()
    ids = [a.send(bytes([i]) * 3, t) for i in range(20)]
    b.send(b"reply", t)
    ea, eb, t = pump(a, b, t)
    assert [e.payload for e in of(eb, DataReceived)] == [bytes([i]) * 3 for i in range(20)]
    assert [e.message_id for e in of(ea, Acked)] == ids
    assert of(ea, DataReceived) == [DataReceived(peer=2, payload=b"reply")]
    assert a.unacked_message_ids == () and a.send_capacity == FAST.max_send_queue


def test_window_limits_frames_in_flight():
    a, _b, t = connected_pair(config_a=LinkConfig(window=4), config_b=LinkConfig(window=8))
    for i in range(10):
        a.send(bytes([i]), t)
    frames = a.frames_to_send(t)
    assert [f.frame_type for f in frames] == [FrameType.DATA] * 4
    assert frames[-1].flags & FrameFlags.ACK_REQUEST
    assert a.frames_to_send(t) == [] and not a.has_frames_to_send(t)


def test_sequence_numbers_wrap_many_times():
    a, b, t = connected_pair(config_a=LinkConfig(window=16), config_b=LinkConfig(window=16))
    received = []
    for i in range(3 * SEQ_MODULUS):
        a.send(i.to_bytes(2, "big"), t)
        if i % 7 == 6:
            _ea, eb, t = pump(a, b, t)
            received += [int.from_bytes(e.payload, "big") for e in of(eb, DataReceived)]
    _ea, eb, t = pump(a, b, t)
    received += [int.from_bytes(e.payload, "big") for e in of(eb, DataReceived)]
    assert received == list(range(3 * SEQ_MODULUS))


def test_duplicates_and_reordering_are_delivered_once_in_order():
    a, b, t = connected_pair()
    for i in range(6):
        a.send(bytes([i]), t)
    frames = a.frames_to_send(t)
    shuffled = [frames[3], frames[1], frames[1], frames[0], frames[5], frames[2], frames[0]]
    shuffled += [frames[4], frames[3]]
    events = []
    for frame in shuffled:
        events += b.receive_frame(frame, t + 0.1)
    assert [e.payload for e in of(events, DataReceived)] == [bytes([i]) for i in range(6)]
    assert b.stats.duplicates == 3


def test_sack_reports_holes_and_triggers_fast_retransmit():
    a, b, t = connected_pair(config_a=LinkConfig(window=8, dupthresh=3))
    for i in range(8):
        a.send(bytes([i]), t)
    frames = a.frames_to_send(t)
    for frame in frames[1:]:
        b.receive_frame(frame, t + 0.1)
    acks = [f for f in b.frames_to_send(t + 0.1) if f.frame_type == FrameType.ACK]
    assert acks and acks[-1].ack == frames[0].seq
    assert decode_sack(acks[-1].payload) == 0b1111111  # frames 1..7 held
    for ack in acks:
        a.receive_frame(ack, t + 0.2)
    again = a.frames_to_send(t + 0.2)  # before any timeout: only the hole
    assert [f.seq for f in again if f.frame_type == FrameType.DATA] == [frames[0].seq]
    assert again[0].flags & FrameFlags.RETRANSMISSION
    assert a.stats.fast_retransmissions == 1
    events = b.receive_frame(again[0], t + 0.3)
    assert len(of(events, DataReceived)) == 8


def test_timeout_retransmits_with_backoff_and_karn():
    a, b, t = connected_pair()
    a.send(b"x", t)
    (first,) = a.frames_to_send(t)
    rto0 = a.rto_s
    deadline = a.next_deadline_s()
    assert deadline == pytest.approx(t + rto0)
    a.on_timer(deadline)
    assert a.rto_s == pytest.approx(min(2 * rto0, FAST.rto_max_s))
    (second,) = a.frames_to_send(deadline)
    assert second.seq == first.seq and second.flags & FrameFlags.RETRANSMISSION
    srtt = a.srtt_s
    b.receive_frame(second, deadline + 0.05)
    for frame in b.frames_to_send(deadline + 0.05):
        a.receive_frame(frame, deadline + 0.1)
    assert a.srtt_s == srtt  # Karn: no sample from a retransmitted frame
    assert a.unacked_message_ids == ()


def test_rtt_estimator_follows_jacobson_karels():
    rtt = RttEstimator(rto_initial_s=3.0, rto_min_s=0.01, rto_max_s=60.0)
    assert rtt.rto_s == 3.0 and rtt.srtt_s is None
    rtt.sample(1.0)
    assert (rtt.srtt_s, rtt.rttvar_s, rtt.rto_s) == (1.0, 0.5, 3.0)
    rtt.sample(2.0)
    assert rtt.rttvar_s == pytest.approx(0.75 * 0.5 + 0.25 * 1.0)
    assert rtt.srtt_s == pytest.approx(0.875 + 0.25)
    assert rtt.rto_s == pytest.approx(rtt.srtt_s + 4 * rtt.rttvar_s)
    base = rtt.rto_s
    rtt.on_timeout()
    rtt.on_timeout()
    assert rtt.rto_s == pytest.approx(4 * base) and rtt.backoff == 2
    for _ in range(20):
        rtt.on_timeout()
    assert rtt.rto_s == 60.0
    rtt.sample(1.0)
    assert rtt.backoff == 0


def test_send_queue_is_bounded_and_payload_limited():
    a, _b, t = connected_pair(config_a=LinkConfig(max_send_queue=3, max_payload_bytes=10))
    for _ in range(3):
        a.send(b"x", t)
    assert a.send_capacity == 0
    with pytest.raises(LinkBusyError, match="Acked"):
        a.send(b"x", t)
    with pytest.raises(LocalProtocolError, match="exceeds"):
        Link(1, config=LinkConfig(max_payload_bytes=10)).send(b"y" * 11, 0.0)


def test_half_duplex_turnaround_delays_transmission():
    cfg = LinkConfig(turnaround_s=0.05)
    a, b, t = connected_pair(config_a=cfg, config_b=cfg)
    a.send(b"x", t)
    (frame,) = a.frames_to_send(t)
    b.receive_frame(frame, t + 0.1)
    assert not b.has_frames_to_send(t + 0.12) and b.frames_to_send(t + 0.12) == []
    assert b.next_deadline_s() == pytest.approx(t + 0.15)
    assert [f.frame_type for f in b.frames_to_send(t + 0.15)] == [FrameType.ACK]


# ------------------------------------------------------------------ garbage from the radio


def test_bad_frames_are_dropped_and_counted_never_raised():
    a, _b, t = connected_pair()
    bad = [
        LinkFrame(frame_type=FrameType.CONNECT, src=2, dst=1, payload=b"\x00"),
        LinkFrame(frame_type=FrameType.UI, src=2, dst=1),
        LinkFrame(version=7, frame_type=FrameType.DATA, src=2, dst=1),
    ]
    for frame in bad:
        assert of(a.receive_frame(frame, t), FrameRejected)
    assert a.stats.protocol_errors == 3
    assert a.receive_frame(LinkFrame(frame_type=FrameType.DATA, src=5, dst=1), t) == []
    assert a.receive_frame(LinkFrame(frame_type=FrameType.DATA, src=2, dst=9), t) == []
    assert a.stats.not_for_us == 2
    assert a.state is State.CONNECTED


@pytest.mark.parametrize("seed", range(3))
def test_random_frames_never_raise(seed):
    rng = random.Random(seed)
    a, b, t = connected_pair(seed=seed)
    closed = Link(3, config=FAST)
    for i in range(2000):
        frame = LinkFrame(
            version=rng.choice([1, 1, 1, 2]),
            frame_type=rng.choice(list(FrameType)),
            flags=FrameFlags(rng.choice([0, 0x80, 0x20, 0xF0])),
            src=rng.choice([1, 2, 3, 77]),
            dst=rng.choice([1, 2, 3]),
            seq=rng.randrange(256),
            ack=rng.randrange(256),
            payload=rng.randbytes(rng.randrange(0, 12)),
        )
        now = t + i * 0.01
        for link in (a, b, closed):
            link.receive_frame(frame, now)
            link.frames_to_send(now)
            link.on_timer(now)
            deadline = link.next_deadline_s()
            assert deadline is None or deadline > now or link.has_frames_to_send(now)


# ------------------------------------------------------------------ close, loss, reconnect


def test_orderly_disconnect_delivers_everything_first():
    a, b, t = connected_pair()
    for i in range(12):
        a.send(bytes([i]), t)
    b.send(b"last words", t)
    events_a = a.close(t)
    assert events_a == [] and a.state is State.DISCONNECTING
    with pytest.raises(LocalProtocolError):
        a.send(b"late", t)
    ea, eb, t = pump(a, b, t)
    assert len(of(eb, DataReceived)) == 12
    assert of(ea, DataReceived) == [DataReceived(peer=2, payload=b"last words")]
    assert of(ea, Disconnected) == [Disconnected(peer=2, reason="local")]
    assert of(eb, Disconnected) == [Disconnected(peer=1, reason="remote")]
    assert a.state is b.state is State.CLOSED


def test_disconnect_survives_lost_disconnect_ack():
    a, b, t = connected_pair()
    a.close(t)
    dropped = []

    def drop(frame):
        if frame.frame_type == FrameType.DISCONNECT_ACK and not dropped:
            dropped.append(frame)
            return True
        return False

    _ea, _eb, t = pump(a, b, t, drop=drop)
    assert b.state is State.CLOSED and a.state is State.FIN_SENT
    t = a.next_deadline_s()
    a.on_timer(t)
    ea, _eb, t = pump(a, b, t)
    assert of(ea, Disconnected) == [Disconnected(peer=2, reason="local")]


def test_loss_of_link_when_peer_goes_silent_then_reconnect():
    a, b, t = connected_pair()
    ids = [a.send(bytes([i]), t) for i in range(3)]
    a.frames_to_send(t)  # the peer never hears these: it went silent
    events, probes = [], 0
    for _ in range(200):
        deadline = a.next_deadline_s()
        events += a.on_timer(deadline)
        probes += sum(f.frame_type == FrameType.KEEPALIVE for f in a.frames_to_send(deadline))
        if a.state is State.CLOSED:
            break
    lost = of(events, LinkLost)
    assert len(lost) == 1 and lost[0].reason in ("silent", "retries")
    assert lost[0].unacked_message_ids == tuple(ids)
    assert deadline - t <= FAST.link_timeout_s + 1e-9
    # the peer comes back: its traffic to a closed station is answered with a DM (reset)
    lost_id = b.send(b"anyone?", deadline)
    ea, eb, t2 = pump(a, b, deadline)
    assert of(eb, Disconnected) == [
        Disconnected(peer=1, reason="reset", unacked_message_ids=(lost_id,))
    ]
    # and a new link works
    a.connect(2, t2)
    ea, eb, t3 = pump(a, b, t2)
    assert of(ea, Connected) and of(eb, Connected)
    a.send(b"again", t3)
    ea, eb, _ = pump(a, b, t3)
    assert of(eb, DataReceived) == [DataReceived(peer=1, payload=b"again")]


def test_keepalive_keeps_an_idle_link_up():
    a, b, t = connected_pair()
    end = t + 10 * FAST.link_timeout_s
    events = []
    while t < end:
        deadlines = [d for d in (a.next_deadline_s(), b.next_deadline_s()) if d is not None]
        t = min(deadlines)
        events += a.on_timer(t) + b.on_timer(t)
        ea, eb, t = pump(a, b, t)
        events += ea + eb
    assert a.state is b.state is State.CONNECTED
    assert not of(events, LinkLost)
    assert a.stats.keepalives_sent + b.stats.keepalives_sent >= 10


def test_peer_restart_is_detected():
    a, _b, t = connected_pair()
    a.send(b"pending", t)
    a.frames_to_send(t)
    fresh = Link(2, config=FAST, rng=random.Random(99))
    fresh.connect(1, t)
    events = []
    for frame in fresh.frames_to_send(t):
        events += a.receive_frame(frame, t + 0.1)
    lost = of(events, LinkLost)
    assert lost and lost[0].reason == "peer restarted"
    assert of(events, Connected) and a.state is State.CONNECTED


def test_inputs_enum_covers_every_frame_type_the_link_speaks():
    names = {i.value for i in Input}
    for kind in list(FrameType)[:7]:
        assert kind.name in names


def test_docs_state_diagram_is_generated_from_the_table():
    from pathlib import Path

    from mac.link.diagram import generated_section

    doc = Path(__file__).resolve().parents[2] / "docs" / "link.md"
    assert generated_section() in doc.read_text(encoding="utf-8"), (
        "docs/link.md is stale: run python -m mac.link.diagram docs/link.md"
    )


def test_abort_drops_the_link_and_resets_the_peer():
    a, b, t = connected_pair()
    ids = [a.send(b"never", t) for _ in range(2)]
    events = a.abort(t)
    assert events == [Disconnected(peer=2, reason="local", unacked_message_ids=tuple(ids))]
    assert a.state is State.CLOSED and a.abort(t) == []
    _ea, eb, _ = pump(a, b, t)
    assert of(eb, Disconnected) == [Disconnected(peer=1, reason="reset")]
    assert not of(eb, DataReceived)


def test_ack_delay_waits_for_a_frame_to_ride_on_unless_asked():
    cfg = LinkConfig(ack_delay_s=0.2)
    a, b, t = connected_pair(config_b=cfg)
    a.send(b"x", t)
    (frame,) = a.frames_to_send(t)
    assert frame.flags & FrameFlags.ACK_REQUEST
    quiet = LinkFrame(
        frame_type=FrameType.DATA, src=1, dst=2, seq=frame.seq, ack=frame.ack, payload=b"x"
    )
    assert of(b.receive_frame(quiet, t + 0.1), DataReceived)
    assert b.frames_to_send(t + 0.1) == []
    assert b.next_deadline_s() == pytest.approx(t + 0.3)
    b.send(b"rides along", t + 0.15)
    (data,) = b.frames_to_send(t + 0.15)  # the ACK rides on data: no ACK frame
    assert data.frame_type == FrameType.DATA and data.ack == (frame.seq + 1) % 256
    b.receive_frame(frame, t + 0.16)  # a duplicate asks for an ACK now
    assert [f.frame_type for f in b.frames_to_send(t + 0.16)] == [FrameType.ACK]


def test_link_csma_and_kiss_are_sans_io():
    """No clocks, sleeps, sockets, threads or global randomness in these layers."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "mac"
    files = [*sorted((root / "link").glob("*.py")), root / "csma.py", root / "kiss.py"]
    forbidden = {"time", "socket", "threading", "asyncio", "serial", "select", "subprocess"}
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                names = {(node.module or "").split(".")[0]}
            else:
                names = set()
            assert not names & forbidden, f"{path.name} imports {names & forbidden}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                assert not (
                    isinstance(owner, ast.Name)
                    and owner.id == "random"
                    and node.func.attr != "Random"
                ), f"{path.name}: global random"
