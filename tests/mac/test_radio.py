"""Data link over the real PHY: ARQ, FEC and CSMA of `mac.radio` stations on a noisy channel."""

from __future__ import annotations

import random

import numpy as np
import pytest

from mac.fec import FecLevel
from mac.radio import (
    BurstDropped,
    Connected,
    DatagramReceived,
    DataReceived,
    Disconnected,
    FrameHeard,
    FrameSent,
    RadioChannel,
    RadioConfig,
    RadioStation,
    default_link_config,
)
from phy.errors import ConfigError

PROFILE = "qpsk250k"


def _network(addresses, *, fec_level=FecLevel.CONV, seed=1, link_fec=None, **config):
    cfg = RadioConfig(profile=PROFILE, fec_level=int(fec_level), **config)
    channel = RadioChannel(config=cfg, rng=np.random.default_rng(seed))
    stations = {}
    for address in addresses:
        level = (link_fec or {}).get(address)
        link_config = None if level is None else default_link_config(PROFILE, int(level))
        stations[address] = RadioStation(
            address, config=cfg, rng=random.Random(seed * 100 + address), link_config=link_config
        )
        channel.add_station(stations[address])
    return channel, stations


def _mesh(channel, pairs, ebn0_db):
    for a, b in pairs:
        channel.set_path(a, b, ebn0_db)
        channel.set_path(b, a, ebn0_db)


def _run(channel, done, *, timeout_s, step_s=0.05):
    events = []
    while not done(events) and channel.now_s < timeout_s:
        events += channel.run_until(channel.now_s + step_s)
    return events


def _received(events, address, peer):
    return [
        e.event.payload
        for e in events
        if e.address == address and isinstance(e.event, DataReceived) and e.event.peer == peer
    ]


def _messages(tag, n):
    return [f"{tag} message {i:03d} ".encode() * 4 for i in range(n)]


def test_arq_recovers_frames_the_noise_destroys_and_the_link_closes():
    # No FEC at 7.5 dB: a few frames in ten fail their CRC; ARQ must repair every one.
    channel, st = _network((1, 2), fec_level=FecLevel.NONE, seed=3)
    _mesh(channel, [(1, 2)], 7.5)
    msgs, replies = _messages("a", 50), _messages("reply", 20)
    events = channel.poke(1, st[1].connect(2, 0.0))
    for m in msgs:
        events += channel.poke(1, st[1].send(2, m, channel.now_s))
    events += channel.run_until(0.02)  # the link is up: 2 answers on the same link
    for m in replies:
        events += channel.poke(2, st[2].send(1, m, channel.now_s))

    def done(ev):
        return len(_received(ev, 2, 1)) >= len(msgs) and len(_received(ev, 1, 2)) >= len(replies)

    events += _run(channel, done, timeout_s=30.0)
    assert _received(events, 2, 1) == msgs  # exactly once, in order
    assert _received(events, 1, 2) == replies
    drops = [e for e in events if isinstance(e.event, BurstDropped)]
    resent = [e for e in events if isinstance(e.event, FrameSent) and e.event.retransmission]
    print("drops", len(drops), "resent", len(resent))
    assert drops and resent
    assert all(d.event.src in (1, 2) for d in drops)  # the channel names the transmitter

    events = channel.poke(1, st[1].close(2, channel.now_s))
    events += _run(
        channel,
        lambda ev: sum(isinstance(e.event, Disconnected) for e in ev) >= 2,
        timeout_s=channel.now_s + 10.0,
    )
    reasons = {e.address: e.event.reason for e in events if isinstance(e.event, Disconnected)}
    assert reasons == {1: "local", 2: "remote"}


def test_connect_negotiates_the_stronger_fec_which_carries_data_through_heavy_noise():
    # Station 1 wishes no FEC, station 2 the convolutional code: the link uses conv. At
    # 4 dB almost no uncoded frame survives; coded ones do, with bits corrected.
    channel, st = _network((1, 2), seed=5, link_fec={1: FecLevel.NONE, 2: FecLevel.CONV})
    _mesh(channel, [(1, 2)], 4.0)
    msgs = _messages("b", 20)
    events = channel.poke(1, st[1].connect(2, 0.0))
    for m in msgs:
        events += channel.poke(1, st[1].send(2, m, channel.now_s))
    events += _run(channel, lambda ev: len(_received(ev, 2, 1)) >= len(msgs), timeout_s=30.0)
    assert _received(events, 2, 1) == msgs
    connected = [e.event for e in events if isinstance(e.event, Connected)]
    assert {c.fec_level for c in connected} == {int(FecLevel.CONV)} and len(connected) == 2
    heard = [e.event for e in events if isinstance(e.event, FrameHeard) and e.address == 2]
    data = [h for h in heard if h.frame_type == 0]
    assert data and all(h.fec_level == int(FecLevel.CONV) for h in data)
    assert sum(h.corrected_bits for h in data) > 0


def test_hidden_stations_collide_and_nothing_is_lost():
    # 1 and 3 cannot hear each other (hidden terminals) and both talk to 2; 2 talks to 1.
    channel, st = _network((1, 2, 3), seed=1)
    _mesh(channel, [(1, 2), (2, 3)], 8.0)
    msgs = {1: _messages("one", 30), 2: _messages("two", 20), 3: _messages("three", 30)}
    dst = {1: 2, 2: 1, 3: 2}
    events = []
    for src in (1, 2):
        for m in msgs[src]:
            events += channel.poke(src, st[src].send(dst[src], m, 0.0))
    events += channel.run_until(0.05)  # station 3 starts while 1 is busy sending
    for m in msgs[3]:
        events += channel.poke(3, st[3].send(2, m, channel.now_s))

    def done(ev):
        return all(len(_received(ev, dst[s], s)) >= len(msgs[s]) for s in msgs)

    events += _run(channel, done, timeout_s=60.0)
    for src in msgs:
        assert _received(events, dst[src], src) == msgs[src]
    print("collisions", channel.collisions)
    assert channel.collisions[2] > 0
    assert channel.collisions[1] == channel.collisions[3] == 0  # they hear only station 2


def test_carrier_sense_defers_stations_that_hear_each_other():
    # Three stations that all hear each other, each with a backlog: CSMA keeps almost
    # every burst clear (collisions only when two draws win in the same slot).
    channel, st = _network((1, 2, 3), seed=2)
    _mesh(channel, [(1, 2), (2, 3), (1, 3)], 10.0)
    msgs = {1: _messages("x", 15), 3: _messages("y", 15)}
    events = []
    for src in msgs:
        for m in msgs[src]:
            events += channel.poke(src, st[src].send(2, m, 0.0))
    events += _run(
        channel, lambda ev: all(len(_received(ev, 2, s)) >= 15 for s in msgs), timeout_s=30.0
    )
    for src in msgs:
        assert _received(events, 2, src) == msgs[src]
    bursts = sum(s.counters.bursts_sent for s in st.values())
    key_ups = sum(s.counters.key_ups for s in st.values())
    print("collisions", channel.collisions, "key-ups", key_ups, "bursts", bursts)
    assert sum(channel.collisions.values()) <= key_ups // 4
    assert bursts > key_ups  # several frames per key-up: back-to-back bursts


def test_stations_without_a_path_hear_nothing():
    channel, st = _network((1, 2, 3), seed=4)
    _mesh(channel, [(1, 2)], 10.0)
    events = channel.poke(1, st[1].send(2, b"hello", 0.0))
    events += _run(channel, lambda ev: _received(ev, 2, 1), timeout_s=5.0)
    assert _received(events, 2, 1) == [b"hello"]
    assert st[3].stream_samples == 0 and st[3].counters.bursts_received == 0
    assert st[2].stream_samples > 0


def test_same_seeds_give_the_same_run():
    def run():
        channel, st = _network((1, 2), seed=9, fec_level=FecLevel.NONE)
        _mesh(channel, [(1, 2)], 7.0)
        for m in _messages("r", 10):
            channel.poke(1, st[1].send(2, m, 0.0))
        events = channel.run_until(1.0)
        return [(round(e.time_s, 9), e.address, type(e.event).__name__) for e in events]

    assert run() == run()


def test_broadcast_datagrams_reach_every_neighbour_without_a_link():
    channel, st = _network((1, 2, 3), seed=6)
    _mesh(channel, [(1, 2), (1, 3)], 12.0)
    events = channel.poke(1, st[1].send_datagram(0xFFFF, b"beacon", 0.0))
    events += channel.run_until(0.1)
    got = {e.address: e.event.payload for e in events if isinstance(e.event, DatagramReceived)}
    assert got == {2: b"beacon", 3: b"beacon"}
    assert not st[1].station.links


@pytest.mark.parametrize(
    "options",
    [{"profile": "nope"}, {"profile": "afsk1200"}, {"fec_level": 9}, {"persistence": 0.0}],
)
def test_bad_configuration_is_a_config_error(options):
    with pytest.raises(ConfigError):
        RadioConfig(**options)


def test_a_station_of_another_profile_is_refused():
    channel = RadioChannel(config=RadioConfig(), rng=np.random.default_rng(0))
    other = RadioStation(1, config=RadioConfig(profile="gfsk50k"), rng=random.Random(0))
    with pytest.raises(ConfigError):
        channel.add_station(other)


def test_events_do_not_depend_on_how_time_is_split_into_calls():
    def run(splits):
        channel, st = _network((1, 2, 3), seed=1, fec_level=FecLevel.NONE)
        _mesh(channel, [(1, 2), (2, 3), (1, 3)], 8.0)
        channel.set_cfo(1, 1.5e3)
        for m in _messages("s", 12):
            channel.poke(1, st[1].send(2, m, 0.0))
            channel.poke(3, st[3].send(2, m, 0.0))
        events = []
        for end_s in [*splits, 0.6]:
            events += channel.run_until(end_s)
        return [(e.time_s, e.address, repr(e.event)) for e in events]

    rng = random.Random(3)
    once = run([])
    assert any("DataReceived" in e[2] for e in once)
    assert run(sorted(rng.uniform(0.0, 0.6) for _ in range(60))) == once


def test_radio_layers_are_sans_io():
    """No clocks, sleeps, sockets, threads or global randomness in the stack (the measure
    command may time itself)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "mac" / "radio"
    files = [p for p in sorted(root.glob("*.py")) if p.name != "measure.py"]
    forbidden = {"time", "socket", "threading", "asyncio", "serial", "select", "subprocess"}
    assert files
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                names = {(node.module or "").split(".")[0]}
            else:
                names = set()
            assert not names & forbidden, f"{path.name} imports {names & forbidden}"
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
                chain = f"{getattr(node.value.value, 'id', '')}.{node.value.attr}"
                assert chain != "np.random" or node.attr in {"default_rng", "Generator"}, path.name
