"""Layer 5 through whole nodes: handshake, wrong keys, reconnection, termination."""

from __future__ import annotations

from conftest import line, make_sim

from upper.session import SessionConfig, SessionState


def _events(node, kind):
    return [e for _, e in node.log if type(e).__name__ == kind]


def test_handshake_and_encrypted_delivery(pair):
    a, b = pair.nodes["A"], pair.nodes["B"]
    got = []
    b.on("msg", lambda sender, data: got.append(data))
    a.emit("msg", {"k": b"\x00\x01"}, to=b.address)
    assert pair.run_until(lambda: got, timeout_s=30.0)
    assert got == [{"k": b"\x00\x01"}]
    assert a.session.state(b.address) is SessionState.ESTABLISHED
    assert b.session.state(a.address) is SessionState.ESTABLISHED


def test_wrong_key_is_refused():
    sim = make_sim(seed=5)
    line(sim, "AB")
    a, b = sim.nodes["A"], sim.nodes["B"]
    stranger = sim.add_node("M")
    sim.connect("M", "B")
    trusted = frozenset({a.identity.public_key})
    b.session.config = SessionConfig(trusted_keys=trusted)
    got, refused = [], []
    b.on("msg", lambda sender, data: got.append(data))
    stranger.on("disconnect", lambda peer, why: refused.append(why))
    stranger.emit("msg", "let me in", to=b.address)
    a.emit("msg", "friend", to=b.address)
    sim.run_for(60.0)
    assert got == ["friend"]
    assert b.session.stats["refused_untrusted_key"] >= 1
    assert refused and "untrusted_key" in refused[0]
    assert stranger.session.state(b.address) is SessionState.CLOSED


def test_pre_shared_key_mismatch_is_refused():
    sim = make_sim(seed=6, psk=b"correct horse")
    line(sim, "AB")
    a, b = sim.nodes["A"], sim.nodes["B"]
    a.session.config = SessionConfig(psk=b"wrong")
    got = []
    b.on("msg", lambda sender, data: got.append(data))
    a.emit("msg", "x", to=b.address)
    sim.run_for(30.0)
    assert got == [] and b.session.stats["refused_bad_psk"] >= 1


def test_reconnection_delivers_buffered_messages_exactly_once():
    sim = make_sim(seed=7, keepalive_interval_s=2.0, keepalive_timeout_s=6.0)
    line(sim, "AB", loss=0.1)
    a, b = sim.nodes["A"], sim.nodes["B"]
    got, connects, downs = [], [], []
    b.on("msg", lambda sender, data: got.append(data))
    a.on("connect", lambda peer, info: connects.append(info["resumed"]))
    a.on("disconnect", lambda peer, why: downs.append(why))
    for i in range(20):
        a.emit("msg", i, to=b.address)
    sim.run_until(lambda: len(got) >= 5, timeout_s=60.0)
    sim.disconnect("A", "B")  # the link drops for much longer than the keep-alive timeout
    for i in range(20, 40):
        a.emit("msg", i, to=b.address)
    sim.run_for(60.0)
    assert downs and a.session.state(b.address) is not SessionState.ESTABLISHED
    sim.connect("A", "B", loss=0.1)
    assert sim.run_until(lambda: len(got) == 40, timeout_s=300.0)
    sim.run_for(30.0)
    assert got == list(range(40))
    assert connects[0] is False and True in connects[1:]


def test_orderly_close():
    sim = make_sim(seed=8)
    line(sim, "AB")
    a, b = sim.nodes["A"], sim.nodes["B"]
    reasons = []
    b.on("disconnect", lambda peer, why: reasons.append(why))
    a.connect(b.address)
    up = SessionState.ESTABLISHED
    sim.run_until(
        lambda: b.session.state(a.address) is up and a.session.state(b.address) is up,
        timeout_s=30,
    )
    a.disconnect(b.address)
    sim.run_until(lambda: a.session.state(b.address) is SessionState.CLOSED, timeout_s=30)
    assert b.session.state(a.address) is SessionState.CLOSED
    assert reasons == ["closed"]
    sim.run_for(120.0)  # no reconnection after an orderly close
    assert a.session.state(b.address) is SessionState.CLOSED


def test_forged_and_replayed_session_frames_are_dropped(pair):
    a, b = pair.nodes["A"], pair.nodes["B"]
    got = []
    b.on("msg", lambda sender, data: got.append(data))
    captured = []
    original = pair.medium.transmit

    def tap(src, next_hop, packet, now_s):
        captured.append((src, packet))
        return original(src, next_hop, packet, now_s)

    pair.medium.transmit = tap
    a.emit("msg", "once", to=b.address)
    assert pair.run_until(lambda: got, timeout_s=30.0)
    pair.run_for(5.0)
    # replay every captured packet, then flipped copies: nothing new is delivered
    for src, packet in captured:
        if src == a.address:
            b.receive_packet(packet, pair.now_s)
            bad = bytearray(packet)
            bad[-1] ^= 0x55
            b.receive_packet(bytes(bad), pair.now_s)
    pair.run_for(5.0)
    assert got == ["once"]
    dropped = {**b.network.stats, **b.transport.stats, **b.session.stats}
    assert sum(v for k, v in dropped.items() if k.startswith("dropped_")) > 0


def test_corrupted_segment_that_transport_accepted_is_recovered_by_the_session(pair):
    a, b = pair.nodes["A"], pair.nodes["B"]
    got = []
    b.on("msg", lambda sender, data: got.append(data))
    a.emit("msg", 0, to=b.address)
    assert pair.run_until(lambda: got == [0], timeout_s=30.0)
    original = pair.medium.transmit
    corrupted = []

    def corrupt_one(src, next_hop, packet, now_s):
        if src == a.address and len(packet) > 60 and not corrupted:
            bad = bytearray(packet)
            bad[-3] ^= 0xFF  # inside the sealed session frame: transport cannot tell
            corrupted.append(bytes(bad))
            packet = bytes(bad)
        return original(src, next_hop, packet, now_s)

    pair.medium.transmit = corrupt_one
    for i in range(1, 6):
        a.emit("msg", i, to=b.address)
    assert pair.run_until(lambda: len(got) >= 6, timeout_s=120.0)
    pair.run_for(30.0)
    assert corrupted
    assert got == list(range(6))
    assert b.session.stats["dropped_bad_tag"] >= 1
    assert b.session.stats["resyncs"] == 1


def test_docs_show_the_state_diagram_of_the_table():
    from pathlib import Path

    from upper.session import mermaid_diagram

    docs = Path(__file__).resolve().parents[2] / "docs" / "upper.md"
    assert mermaid_diagram() in docs.read_text()


def test_session_table_is_bounded():
    sim = make_sim(seed=9, max_sessions=2)
    sim.add_node("B")
    b = sim.nodes["B"]
    for name in "CDE":
        sim.add_node(name)
        sim.connect(name, "B")
    sim.run_for(12.0)
    for name in "CDE":
        sim.nodes[name].connect(b.address)
    sim.run_for(30.0)
    assert len(b.session.peers()) == 2
    assert b.session.stats["dropped_too_many_sessions"] >= 1


def test_replayed_hello_does_not_wedge_the_session(pair):
    a, b = pair.nodes["A"], pair.nodes["B"]
    got_a, got_b = [], []
    a.on("msg", lambda sender, data: got_a.append(data))
    b.on("msg", lambda sender, data: got_b.append(data))
    captured = []
    original = pair.medium.transmit

    def tap(src, next_hop, packet, now_s):
        captured.append((src, packet))
        return original(src, next_hop, packet, now_s)

    pair.medium.transmit = tap
    a.emit("msg", "first", to=b.address)
    assert pair.run_until(lambda: got_b == ["first"], timeout_s=30.0)
    pair.medium.transmit = original
    hello = next(p for src, p in captured if src == a.address and p[0] == 1)  # first data
    forged = bytearray(hello)
    forged[20:24] = b"\x12\x34\x56\x78"  # a fresh layer-3 packet id (not authenticated)
    forged[25:29] = b"\x9a\xbc\xde\xf0"  # and a fresh transport epoch: a new stream
    b.receive_packet(bytes(forged), pair.now_s)  # an attacker replays A's HELLO: B re-keys
    for i in range(5):
        a.emit("msg", f"a{i}", to=b.address)
        b.emit("msg", f"b{i}", to=a.address)
    # recovered by a resync well before the keep-alive timeout (15 s) would notice
    assert pair.run_until(lambda: len(got_a) == 5 and len(got_b) == 6, timeout_s=10.0)
    assert a.session.stats["resyncs"] == 1
    assert got_a == [f"b{i}" for i in range(5)]
    assert got_b == ["first"] + [f"a{i}" for i in range(5)]
    assert b.session.stats["established"] >= 2  # the replay did re-key B


def _hello_from(identity, to, seed=0):
    """A HELLO exactly as ``identity``'s session layer would send it to ``to``."""
    import random

    from upper._events import MessageReceived
    from upper.session import SessionLayer
    from upper.transport import Transport, TransportConfig

    rng = random.Random(seed)
    tr = Transport(TransportConfig(), rng=rng)
    layer = SessionLayer(identity, SessionConfig(), tr, rng=rng)
    layer.connect(to, 0.0)
    rx = Transport(TransportConfig(), rng=rng)
    events = []
    for _, segment in tr.segments_to_send():
        events += rx.receive_data(identity.address, segment, 0.0)
    return next(e for e in events if isinstance(e, MessageReceived)).data


def test_forged_and_tampered_hellos_are_refused():
    import random

    from upper._events import MessageReceived, SessionRefused
    from upper.presentation import Identity
    from upper.session import SessionLayer
    from upper.transport import Transport, TransportConfig

    rng = random.Random(1)
    alice, bob, mallory = (Identity.generate(rng) for _ in range(3))
    layer = SessionLayer(bob, SessionConfig(), Transport(TransportConfig(), rng=rng), rng=rng)
    good = _hello_from(alice, bob.address)
    forged = _hello_from(mallory, bob.address)
    tampered = bytearray(good)
    tampered[15] ^= 1  # the nonce: inside the signed body
    cases = [
        (MessageReceived(peer=alice.address, data=forged), "key_mismatch"),  # wrong key
        (MessageReceived(peer=alice.address, data=bytes(tampered)), "bad_signature"),
        (MessageReceived(peer=alice.address, data=good[:-5]), "bad_hello_length"),
    ]
    for event, reason in cases:
        out = layer.receive_data(event, 1.0)
        assert [type(e) for e in out] == [SessionRefused] and out[0].reason == reason
    assert layer.state(alice.address).value == "idle"  # nothing was established
    ok = layer.receive_data(MessageReceived(peer=alice.address, data=good), 2.0)
    assert type(ok[0]).__name__ == "SessionEstablished"
