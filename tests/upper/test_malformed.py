"""Malformed, forged and replayed input through a whole node: dropped and counted, never
raised, never delivered."""

from __future__ import annotations

import random

import pytest
from conftest import line, make_sim

from upper.network import HEADER_BYTES


def _capture(sim):
    captured = []
    original = sim.medium.transmit

    def tap(src, next_hop, packet, now_s):
        captured.append((src, packet))
        return original(src, next_hop, packet, now_s)

    sim.medium.transmit = tap
    return captured


def _dropped(node) -> int:
    total = 0
    for layer in node.all_stats().values():
        total += sum(v for k, v in layer.items() if k.startswith("dropped_"))
    return total


def _mutations(packet: bytes, rng: random.Random):
    yield packet  # replayed as is
    yield packet[: rng.randrange(0, len(packet))]  # truncated anywhere
    for _ in range(6):
        bad = bytearray(packet)
        position = rng.randrange(HEADER_BYTES, len(bad)) if len(bad) > HEADER_BYTES else 0
        bad[position] ^= 1 << rng.randrange(8)  # one flipped bit in the upper layers
        yield bytes(bad)
    yield packet + rng.randbytes(rng.randrange(1, 40))  # trailing junk


@pytest.mark.parametrize("mode", ["encrypt", "sign"])
def test_mutated_traffic_never_raises_and_never_delivers(mode):
    sim = make_sim(seed=21, mode=mode)
    line(sim, "AB")
    a, b = sim.nodes["A"], sim.nodes["B"]
    got = []
    b.on("msg", lambda sender, data: got.append(data))
    b.on("*", lambda event, sender, data: got.append((event, data)))
    captured = _capture(sim)
    a.emit("msg", "one", to=b.address)
    a.emit("msg", {"big": random.Random(1).randbytes(1500)}, to=b.address)  # several segments
    a.emit("room-msg", "signed datagram")
    assert sim.run_until(lambda: len(got) == 3, timeout_s=60.0)
    sim.run_for(5.0)
    before = _dropped(b)
    rng = random.Random(5)
    for src, packet in captured:
        if src != a.address:
            continue
        for bad in _mutations(packet, rng):
            b.receive_packet(bad, sim.now_s)
    sim.run_for(30.0)
    assert len(got) == 3, got  # nothing new delivered, nothing twice
    assert _dropped(b) > before + len(captured)  # every bad packet was counted


def test_random_bytes_at_every_layer():
    sim = make_sim(seed=22)
    line(sim, "AB")
    b = sim.nodes["B"]
    got = []
    b.on("*", lambda event, sender, data: got.append(event))
    rng = random.Random(6)
    sim.run_for(12.0)
    captured = _capture(sim)
    sim.nodes["A"].emit("x", 1, to=b.address)
    sim.run_until(lambda: got, timeout_s=30.0)
    a_header = next(p for s, p in captured if s == sim.nodes["A"].address and p[0] == 1)
    for _ in range(3000):
        # a valid layer-3 header (fresh packet id) followed by random upper-layer bytes
        header = bytearray(a_header[:HEADER_BYTES])
        header[20:24] = rng.randbytes(4)
        b.receive_packet(bytes(header) + rng.randbytes(rng.randrange(0, 120)), sim.now_s)
        b.receive_packet(rng.randbytes(rng.randrange(0, 60)), sim.now_s)
    sim.run_for(10.0)
    assert got == ["x"]
    assert _dropped(b) > 3000
