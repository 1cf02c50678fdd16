"""Acceptance: the link over the simulated channel (loss, corruption, duplicates, reordering,
collisions) in virtual time. Goodput and retransmission counts are printed (run with -s);
``python -m mac.link.scenarios`` gives the numbers quoted in docs/link.md."""

import random

import pytest

from mac._events import Connected, DataReceived, Disconnected, LinkLost
from mac.csma import Csma, CsmaConfig
from mac.link import Link, LinkConfig, State, Station
from mac.link.scenarios import LOSSY_CHANNEL, transfer_pair, transfer_shared
from mac.link.sim import ChannelModel, SimChannel, SimNode
from phy.errors import ConfigError


def test_ten_thousand_messages_over_a_bad_channel_exactly_once_in_order():
    result = transfer_pair(n_messages=10_000, seed=1)
    sender, receiver = result.nodes[1], result.nodes[2]
    print("\n" + result.summary())
    assert receiver.received == list(range(10_000))  # exactly once, in order, nothing lost
    assert sender.acked == sender.sent == 10_000
    assert not sender.lost_events and not receiver.lost_events
    # the channel really was that bad, and the ARQ had to work for it
    c = result.channel
    assert 0.17 < c.lost / c.frames_sent < 0.23
    assert c.corrupted > 500 and c.duplicated > 500
    assert sender.retransmissions > 0.2 * 10_000
    assert receiver.stats.duplicates > 0
    assert 0 < sender.goodput_bps(result.payload_bytes) < result.bit_rate_bps


def test_three_stations_contending_lose_nothing_and_collisions_are_counted():
    result = transfer_shared(n_messages=300, seed=3)
    print("\n" + result.summary())
    for address, node in result.nodes.items():
        assert node.received == list(range(300)), address
        assert node.acked == 300
        assert not node.lost_events
        assert node.goodput_bps(result.payload_bytes) > 0
    assert result.channel.collisions > 0 and result.channel.collided > 0
    assert result.channel.transmissions > 0


def test_csma_avoids_most_collisions():
    """The same contention with p = 0.25 and with p = 1: persistence is what keeps stations
    that waited for the same busy channel from all keying up together (measured)."""
    careful = transfer_shared(n_messages=100, seed=5)
    greedy = transfer_shared(
        n_messages=100,
        seed=5,
        csma=CsmaConfig(tx_delay_s=0.03, persistence=1.0, slot_time_s=0.02, tx_tail_s=0.01),
    )
    rate = [r.channel.collisions / r.channel.transmissions for r in (careful, greedy)]
    print(f"\ncollision rate p=0.25: {rate[0]:.3f}, p=1: {rate[1]:.3f}")
    assert all(n.received == list(range(100)) for n in careful.nodes.values())
    assert rate[0] < 0.5 * rate[1]


def _pair(model, seed):
    channel = SimChannel(model, random.Random(seed))
    cfg = LinkConfig(
        window=16,
        rto_initial_s=1.0,
        rto_min_s=0.1,
        rto_max_s=5.0,
        max_retries=30,
        keepalive_s=5.0,
        link_timeout_s=30.0,
    )
    events = {1: [], 2: []}

    def app(node, evs):
        events[node.endpoint.local_address].extend(evs)

    a = Link(1, config=cfg, rng=random.Random(seed + 1))
    b = Link(2, config=cfg, rng=random.Random(seed + 2))
    return (
        channel,
        a,
        b,
        SimNode(channel, a, on_events=app),
        SimNode(channel, b, on_events=app),
        events,
    )


def _received(events):
    return [e.payload for e in events if isinstance(e, DataReceived)]


def test_disconnect_loss_of_link_and_reconnect_over_a_lossy_channel():
    model = ChannelModel(loss=0.2, duplicate=0.05, reorder_jitter_s=0.03, propagation_s=0.001)
    channel, a, b, na, nb, events = _pair(model, seed=11)
    a.connect(2, 0.0)
    na.kick()
    channel.run(until_s=60.0, stop=lambda: a.state is State.CONNECTED)
    payloads = [bytes([i]) * 10 for i in range(200)]
    for p in payloads:
        a.send(p, channel.now_s)
    a.close(channel.now_s)
    na.kick()
    channel.run(until_s=channel.now_s + 600.0, stop=lambda: a.state is State.CLOSED)
    channel.run(until_s=channel.now_s + 60.0, stop=lambda: b.state is State.CLOSED)
    assert _received(events[2]) == payloads
    assert [e.reason for e in events[1] if isinstance(e, Disconnected)] == ["local"]
    assert [e.reason for e in events[2] if isinstance(e, Disconnected)] == ["remote"]

    # reconnect, then the peer goes silent mid-transfer: loss of link within the timeout
    events[1].clear(), events[2].clear()
    a.connect(2, channel.now_s)
    na.kick()
    channel.run(until_s=channel.now_s + 60.0, stop=lambda: a.state is State.CONNECTED)
    assert any(isinstance(e, Connected) for e in events[1])
    ids = [a.send(bytes([i]), channel.now_s) for i in range(50)]
    na.kick()
    channel.run(until_s=channel.now_s + 1.0)
    nb.radio_off = True
    silent_at = channel.now_s
    channel.run(until_s=silent_at + 120.0, stop=lambda: a.state is State.CLOSED)
    lost = [e for e in events[1] if isinstance(e, LinkLost)]
    assert len(lost) == 1 and channel.now_s - silent_at <= 30.0 + 1e-6
    delivered = len(_received(events[2]))
    unacked = lost[0].unacked_message_ids
    assert unacked == tuple(ids[len(ids) - len(unacked) :]) and len(unacked) >= 50 - delivered

    # the peer comes back; its stale link is reset, and a fresh one carries data again
    nb.radio_off = False
    events[1].clear(), events[2].clear()
    nb.kick()
    channel.run(until_s=channel.now_s + 120.0, stop=lambda: b.state is State.CLOSED)
    assert b.state is State.CLOSED
    a.connect(2, channel.now_s)
    na.kick()
    channel.run(until_s=channel.now_s + 60.0, stop=lambda: a.state is State.CONNECTED)
    a.send(b"back again", channel.now_s)
    na.kick()
    channel.run(until_s=channel.now_s + 60.0, stop=lambda: bool(_received(events[2])))
    assert _received(events[2]) == [b"back again"]


def test_station_routes_links_by_peer_and_bounds_them():
    channel = SimChannel(ChannelModel(), random.Random(0), shared=True)
    stations = {
        a: Station(a, config=LinkConfig(), rng=random.Random(a), max_links=1) for a in (1, 2, 3)
    }
    nodes = {
        a: SimNode(channel, s, csma=Csma(config=CsmaConfig(tx_delay_s=0.01), rng=random.Random(a)))
        for a, s in stations.items()
    }
    stations[2].connect(1, 0.0)
    nodes[2].kick()
    channel.run(until_s=30.0)
    stations[3].connect(1, channel.now_s)
    nodes[3].kick()
    channel.run(until_s=60.0)
    assert stations[2].links[1].state is State.CONNECTED
    assert stations[1].refused_links > 0 and 3 not in stations[1].links
    assert stations[1].not_for_us == 0 or stations[1].not_for_us > 0  # shared medium: counted
    assert stations[3].not_for_us > 0


def test_channel_model_is_validated():
    with pytest.raises(ConfigError, match="loss"):
        ChannelModel(loss=1.0)
    with pytest.raises(ConfigError, match="csma"):
        SimNode(SimChannel(LOSSY_CHANNEL, random.Random(0), shared=True), Link(1))
