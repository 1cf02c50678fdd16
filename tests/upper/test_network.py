"""Layer 3: addresses, routing, forwarding, healing and malformed packets."""

from __future__ import annotations

import random
import struct

from conftest import line, make_sim

from upper.network import (
    BROADCAST,
    INFINITY,
    Network,
    NetworkConfig,
    address_from_public_key,
    group_address,
    is_group,
)


def test_addresses_come_from_keys_and_groups_are_marked():
    a = address_from_public_key(bytes(32))
    b = address_from_public_key(bytes([1]) + bytes(31))
    assert len(a) == 8 and a != b and not is_group(a) and not is_group(b)
    assert is_group(group_address("ops")) and is_group(BROADCAST)
    assert group_address("ops") != group_address("net")


def test_line_a_reaches_c_through_b():
    sim = make_sim(seed=1)
    line(sim, "ABC")
    a, b, c = (sim.nodes[n] for n in "ABC")
    got = []
    c.on("msg", lambda sender, data: got.append((sender, data)))
    a.emit("msg", "over two hops", to=c.address)
    assert sim.run_until(lambda: got, timeout_s=60.0)
    assert got == [(a.address, "over two hops")]
    assert a.network.route_to(c.address).next_hop == b.address
    assert a.network.route_to(c.address).metric == 2
    assert b.network.stats["forwarded"] > 0
    assert c.address not in sim.medium.neighbours(a.address)


def test_route_heals_within_three_announcement_intervals():
    interval = 5.0
    sim = make_sim(seed=2, announce_interval_s=interval)
    line(sim, "ABC")
    sim.add_node("D")
    sim.connect("D", "C")
    a, b, c, d = (sim.nodes[n] for n in "ABCD")
    sim.run_for(4 * interval)
    assert a.network.route_to(c.address).next_hop == b.address
    got = []
    c.on("msg", lambda sender, data: got.append(data))
    t0 = sim.now_s
    sim.set_silent("B")
    sim.connect("A", "D")
    a.emit("msg", "after the outage", to=c.address)

    def healed():
        route = a.network.route_to(c.address)
        return route is not None and route.next_hop == d.address

    assert sim.run_until(healed, timeout_s=3 * interval)
    assert sim.now_s - t0 <= 3 * interval
    assert sim.run_until(lambda: got, timeout_s=120.0)
    assert got == ["after the outage"]


def test_route_expires_without_announcements():
    sim = make_sim(seed=4, announce_interval_s=2.0)
    line(sim, "AB")
    a, b = sim.nodes["A"], sim.nodes["B"]
    sim.run_for(5.0)
    assert a.network.route_to(b.address) is not None
    sim.set_silent("B")
    sim.run_for(2.0 * 3 + 3.0)
    assert a.network.route_to(b.address) is None


def _net(seed=0, **kw) -> Network:
    rng = random.Random(seed)
    return Network(address_from_public_key(rng.randbytes(32)), NetworkConfig(**kw), rng=rng)


def _announce_from(src: Network, now_s: float) -> bytes:
    src.handle_timer(now_s)
    return src.data_to_send()[0].packet


def test_poisoned_reverse_prevents_count_to_infinity():
    x, a, b = _net(3), _net(1), _net(2)
    a.receive_data(_announce_from(x, 0.0), 0.0)  # a hears x directly
    b.receive_data(_announce_from(a, 0.1), 0.1)  # b learns x via a
    assert b.route_to(x.address).next_hop == a.address
    assert b.route_to(x.address).metric == 2
    a.link_down(x.address, 0.2)  # x is gone
    assert a.route_to(x.address) is None
    a.receive_data(_announce_from(b, 0.3), 0.3)  # b still lists x, through a: poisoned
    assert a.route_to(x.address) is None
    assert a.routes[x.address].metric == INFINITY


def test_ttl_expiry_and_duplicate_suppression():
    a, b = _net(1, default_ttl=1), _net(2)
    b.receive_data(_announce_from(a, 0.0), 0.0)
    a.receive_data(_announce_from(b, 0.0), 0.0)
    far = address_from_public_key(b"x" * 32)
    b.routes[far] = type(b.route_to(a.address))(next_hop=a.address, metric=2, updated_s=0.0)
    assert a.send(b.address, 1, b"payload", 0.5)
    packet = a.data_to_send()[0].packet
    events = b.receive_data(packet, 0.6)
    assert [type(e).__name__ for e in events] == ["PacketReceived"]
    again = b.receive_data(packet, 0.7)
    assert again[0].reason == "duplicate" and b.stats["dropped_duplicate"] == 1
    # a packet for someone else with ttl 1 is not forwarded
    ttl1 = bytes([1, 1]) + packet[2:12] + far + packet[20:]
    ttl1 = ttl1[:20] + struct.pack(">I", 99) + ttl1[24:]
    assert b.receive_data(ttl1, 0.8)[0].reason == "ttl_expired"


def test_malformed_packets_are_dropped_and_counted():
    net = _net(7)
    rng = random.Random(7)
    for n in range(2000):
        packet = rng.randbytes(rng.randrange(0, 80))
        if n % 3 == 0 and len(packet) > 2:
            packet = bytes([rng.choice([1, 2]), 4]) + packet[2:]
        events = net.receive_data(packet, float(n))  # must never raise
        assert all(
            type(e).__name__ in ("Dropped", "PacketReceived", "RouteChanged") for e in events
        )
    dropped = sum(v for k, v in net.stats.items() if k.startswith("dropped_"))
    assert dropped > 1000
    assert net.receive_data(b"\x01\x04", 0.0)[0].reason == "truncated"


def test_link_events_heal_routes_at_once():
    sim = make_sim(seed=5)
    sim.link_events = True
    line(sim, "ABC")
    sim.add_node("D")
    sim.connect("D", "C")
    a, c, d = sim.nodes["A"], sim.nodes["C"], sim.nodes["D"]
    sim.run_for(20.0)
    sim.set_silent("B")  # the MAC reports B lost: routes through it are poisoned at once
    assert a.network.route_to(c.address) is None
    sim.connect("A", "D")  # and D found: triggered announcements, no periodic wait
    t0 = sim.now_s
    assert sim.run_until(lambda: a.network.route_to(c.address) is not None, timeout_s=5.0)
    assert a.network.route_to(c.address).next_hop == d.address
    assert sim.now_s - t0 < 2.5  # well under one 5 s announcement interval


def test_a_node_without_a_route_asks_its_neighbours():
    a, b = _net(1, announce_interval_s=60.0), _net(2, announce_interval_s=60.0)
    a.handle_timer(0.0)
    b.handle_timer(0.0)
    a.data_to_send(), b.data_to_send()  # both first announcements are lost
    far = address_from_public_key(b"far" * 11 + b"!")
    assert not a.send(far, 1, b"x", 5.0)  # no route: a broadcasts a route request
    request = a.data_to_send()
    assert len(request) == 1 and request[0].next_hop is None
    assert not a.send(far, 1, b"x", 5.1)
    assert a.data_to_send() == []  # rate-limited
    b.receive_data(request[0].packet, 5.2)
    assert b.next_deadline_s() <= 5.2 + b.config.triggered_min_gap_s  # not in 60 s
    b.handle_timer(b.next_deadline_s())
    a.receive_data(b.data_to_send()[0].packet, 6.0)
    assert a.route_to(b.address) is not None
