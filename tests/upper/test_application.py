"""Layer 7 end to end over the simulated medium, in virtual time."""

from __future__ import annotations

import random

import pytest
from conftest import line, make_sim

from phy.errors import ConfigError
from upper.application import CallTimeout


def test_thousand_acknowledged_events_over_ten_percent_loss():
    sim = make_sim(seed=11)
    line(sim, "AB", loss=0.1)
    a, b = sim.nodes["A"], sim.nodes["B"]
    got, acks = [], []
    b.on("ev", lambda sender, data: got.append(data) or data * 2)
    for i in range(1000):
        a.emit("ev", i, to=b.address, callback=acks.append, timeout_s=3600.0)
    assert sim.run_until(lambda: len(acks) == 1000, timeout_s=3600.0)
    sim.run_for(60.0)
    assert got == list(range(1000))  # none lost, none duplicated, in order
    assert sorted(acks) == [2 * i for i in range(1000)] and len(acks) == 1000
    assert sim.medium.stats[(a.address, b.address)].lost > 50  # the loss really happened
    assert a.transport.stats["retransmissions"] > 0


def test_call_returns_the_acknowledgement_and_times_out(pair):
    a, b = pair.nodes["A"], pair.nodes["B"]
    b.on("add", lambda sender, data: sum(data))
    assert pair.call("A", "add", [1, 2, 3], to="B", timeout_s=30.0) == 6
    pair.set_silent("B")
    with pytest.raises(CallTimeout):
        pair.call("A", "add", [1], to="B", timeout_s=5.0)
    assert a.stats["call_timeouts"] == 1


def test_catch_all_rooms_and_broadcast():
    sim = make_sim(seed=12)
    line(sim, "ABC")
    a, b, c = (sim.nodes[n] for n in "ABC")
    seen = {n: [] for n in "ABC"}
    for name, node in (("A", a), ("B", b), ("C", c)):
        node.on("*", lambda event, sender, data, n=name: seen[n].append((event, data)))
    c.join("ops")
    assert c.rooms == ["ops"]
    sim.run_for(12.0)
    a.emit("news", "to the room", to="ops")
    a.emit("hello", "to everyone")
    sim.run_for(10.0)
    assert ("news", "to the room") in seen["C"] and ("news", "to the room") not in seen["B"]
    assert ("hello", "to everyone") in seen["B"] and ("hello", "to everyone") in seen["C"]
    c.leave("ops")
    a.emit("news", "again", to="ops")
    sim.run_for(10.0)
    assert ("news", "again") not in seen["C"]
    assert all(len([x for x in seen[n] if x == ("hello", "to everyone")]) == 1 for n in "BC")


def test_specific_handler_wins_over_catch_all_and_reserved_names(pair):
    a, b = pair.nodes["A"], pair.nodes["B"]
    specific, catch_all = [], []
    b.on("x", lambda sender, data: specific.append(data))
    b.on("*", lambda event, sender, data: catch_all.append(event))
    a.emit("x", 1, to=b.address)
    a.emit("y", 2, to=b.address)
    pair.run_until(lambda: specific and catch_all, timeout_s=30.0)
    assert specific == [1] and catch_all == ["y"]
    with pytest.raises(ConfigError):
        a.emit("connect", to=b.address)


def test_emit_reports_predicted_airtime(pair):
    a, b = pair.nodes["A"], pair.nodes["B"]
    small = a.emit("x", "hi", to=b.address)
    large = a.emit("x", bytes(range(256)) * 40, to=b.address)
    assert small.frames == 1 and large.frames > 1
    assert 0 < small.airtime_s < large.airtime_s
    bits = 8 * (small.payload_bytes + 24)
    assert small.airtime_s > bits / pair.link.rate_bps  # headers and overheads counted
    noise = random.Random(1).randbytes((1 << 20) + 1000)  # incompressible, over the limit
    with pytest.raises(ConfigError):
        a.emit("x", noise, to=b.address)


def test_handler_errors_do_not_break_the_stack(pair):
    a, b = pair.nodes["A"], pair.nodes["B"]
    got = []

    def broken(sender, data):
        if data == 0:
            raise RuntimeError("boom")
        got.append(data)

    b.on("x", broken)
    a.emit("x", 0, to=b.address)
    a.emit("x", 1, to=b.address)
    assert pair.run_until(lambda: got, timeout_s=30.0)
    assert b.stats["handler_errors"] == 1 and got == [1]


def test_one_hour_soak_with_outages_in_virtual_time():
    sim = make_sim(seed=13, keepalive_interval_s=5.0, keepalive_timeout_s=15.0)
    line(sim, "ABC", loss=0.05)
    a, c = sim.nodes["A"], sim.nodes["C"]
    got, sent = [], []
    c.on("tick", lambda sender, data: got.append(data))
    counter = iter(range(10**6))

    def tick():
        value = next(counter)
        sent.append(value)
        a.emit("tick", value, to=c.address)

    for t in range(0, 3600, 20):
        sim.at(float(t), tick)
    for start in range(300, 3600, 600):  # a 2-minute outage every 10 minutes
        sim.at(float(start), lambda: sim.set_silent("B"))
        sim.at(float(start + 120), lambda: sim.set_silent("B", False))
    sim.run_for(3600.0)
    assert sim.run_until(lambda: len(got) == len(sent), timeout_s=600.0)
    assert got == sent
    assert a.session.stats.get("timeouts", 0) >= 3  # the outages were noticed
    stats = a.all_stats()
    assert stats["transport"]["retransmissions"] > 0


def test_predicted_airtime_matches_the_medium():
    sim = make_sim(seed=14)
    line(sim, "AB")
    a = sim.nodes["A"]
    sim.run_for(12.0)
    sizes = []
    original = sim.medium.transmit

    def tap(src, next_hop, packet, now_s):
        if src == a.address:
            sizes.append(len(packet))
        return original(src, next_hop, packet, now_s)

    sim.medium.transmit = tap
    report = a.emit("hello", "everyone")  # one signed broadcast datagram
    sim.run_for(0.0)
    assert report.frames == 1 and len(sizes) == 1
    assert report.airtime_s == sim.link.airtime_s(sizes[0])
    assert report.wire_bytes == sizes[0]


@pytest.mark.parametrize("seed", [31, 32, 33])
def test_duplication_reordering_and_loss_over_two_hops(seed):
    sim = make_sim(seed=seed)
    line(sim, "ABC", loss=0.1, duplicate=0.2, jitter_s=0.3)
    a, c = sim.nodes["A"], sim.nodes["C"]
    got_c, got_a = [], []
    c.on("m", lambda sender, data: got_c.append(data))
    a.on("m", lambda sender, data: got_a.append(data))
    for i in range(60):
        a.emit("m", i, to=c.address)
        c.emit("m", -i, to=a.address)
    assert sim.run_until(lambda: len(got_c) == 60 and len(got_a) == 60, timeout_s=3600.0)
    sim.run_for(60.0)
    assert got_c == list(range(60)) and got_a == [-i for i in range(60)]
    dup = sum(s.duplicated for s in sim.medium.stats.values())
    assert dup > 20  # duplicates really happened (and were suppressed)


def test_large_room_event_is_fragmented_flooded_and_predicted():
    sim = make_sim(seed=15)
    line(sim, "ABC")
    a, c = sim.nodes["A"], sim.nodes["C"]
    c.join("big")
    got = []
    c.on("blob", lambda sender, data: got.append(data))
    sim.run_for(12.0)
    sizes = []
    original = sim.medium.transmit

    def tap(src, next_hop, packet, now_s):
        if src == a.address:
            sizes.append(len(packet))
        return original(src, next_hop, packet, now_s)

    sim.medium.transmit = tap
    blob = random.Random(3).randbytes(2000)
    report = a.emit("blob", blob, to="big")
    sim.run_for(0.0)
    assert report.frames == len(sizes) > 1 and report.wire_bytes == sum(sizes)
    assert report.airtime_s == pytest.approx(sum(sim.link.airtime_s(n) for n in sizes))
    assert sim.run_until(lambda: got, timeout_s=30.0)
    assert got == [blob]


def test_emit_to_self_is_a_clear_error(pair):
    a = pair.nodes["A"]
    with pytest.raises(ConfigError, match="own address"):
        a.emit("x", 1, to=a.address)
    with pytest.raises(ConfigError, match="8-byte"):
        a.emit("x", 1, to=b"short")
    with pytest.raises(ConfigError):
        a.call("x", 1, to=b"")
