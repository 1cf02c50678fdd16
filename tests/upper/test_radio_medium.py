"""The upper stack over `RadioMedium`: real modem, noise, FEC, ARQ and CSMA under the nodes."""

from __future__ import annotations

import math
import random

import pytest

from mac.fec import FecLevel
from mac.radio import RadioConfig, frame_airtime_s
from phy.errors import ConfigError
from upper.application import LinkInfo, NodeConfig
from upper.network import NetworkConfig
from upper.radio_medium import RadioMedium, make_radio_medium, radio_link_info
from upper.session import SessionConfig
from upper.sim_medium import LinkParams
from upper.virtual_time import SimNetwork


def _line(seed: int = 1, snr_db: float = 10.0):
    link = radio_link_info()
    medium = make_radio_medium(link, random.Random(seed))
    config = NodeConfig(
        network=NetworkConfig(announce_interval_s=5.0), session=SessionConfig(mode="sign")
    )
    sim = SimNetwork(link=link, seed=seed, node_config=config, medium=medium)
    for name in "ABC":
        sim.add_node(name)
    sim.connect("A", "B", LinkParams(loss=None, snr_db=snr_db))
    sim.connect("B", "C", LinkParams(loss=None, snr_db=snr_db + 1.0))
    return sim, medium


def test_a_talks_to_c_through_b_over_the_radio():
    sim, medium = _line()
    a, b, c = (sim.nodes[n] for n in "ABC")
    got = []
    c.on("chat", lambda sender, data: got.append(data) or f"got {len(got)}")
    assert sim.run_until(lambda: a.network.route_to(c.address) is not None, timeout_s=60.0)
    assert a.network.route_to(c.address).next_hop == b.address
    texts = [f"message {i} from A" for i in range(5)]
    calls = [a.call("chat", t, to=c.address, timeout_s=120.0) for t in texts]
    assert sim.run_until(lambda: all(call.done for call in calls), timeout_s=300.0)
    assert got == texts
    assert [call.result() for call in calls] == [f"got {i + 1}" for i in range(5)]
    assert b.all_stats()["network"].get("forwarded", 0) >= len(texts)

    addr = {n: sim.address(n) for n in "ABC"}
    assert (addr["A"], addr["C"]) not in medium.stats  # A cannot hear C
    for src, dst in (("A", "B"), ("B", "C"), ("C", "B"), ("B", "A")):
        hop = medium.stats[(addr[src], addr[dst])]
        assert hop.frames > 0 and hop.delivered > 0 and hop.bytes > 0
        assert hop.lost == hop.frames - hop.delivered
        # QPSK: Es/N0 = Eb/N0 + 3 dB; the receiver's estimate lands near it.
        expected = 10.0 + (1.0 if "A" not in (src, dst) else 0.0) + 3.0
        assert abs(hop.snr_db - expected) < 1.5
    st = medium.station_stats(addr["B"])
    assert st["station"].frames_decoded > 0 and st["decoder"]["frames"] > 0


def test_silent_station_neither_sends_nor_hears():
    sim, medium = _line(seed=2)
    sim.set_silent("B")
    sim.run_for(12.0)
    addr = {n: sim.address(n) for n in "ABC"}
    assert medium.station(addr["B"]).stream_samples == 0
    assert medium.stats[(addr["A"], addr["B"])].delivered == 0
    assert medium.stats[(addr["B"], addr["A"])].frames == 0


def test_mac_addresses_are_distinct_16_bit_values():
    medium = RadioMedium(link=LinkInfo(), rng=random.Random(0))
    rng = random.Random(1)
    nodes = [rng.randbytes(8) for _ in range(40)]
    for node in nodes:
        medium.add_station(node)
    macs = {medium.mac_address(n) for n in nodes}
    assert len(macs) == len(nodes) and all(0 <= m < 0xFFFF for m in macs)


def test_factory_options():
    medium = make_radio_medium(
        LinkInfo(), random.Random(0), profile="gfsk50k", fec_level="rs+conv", max_cfo_hz=2e3
    )
    assert medium.config.phy_profile.name == "gfsk50k"
    assert medium.config.fec_level == int(FecLevel.RS_CONV)
    with pytest.raises(ConfigError):
        make_radio_medium(LinkInfo(), random.Random(0), colour="blue")
    with pytest.raises(ConfigError):
        make_radio_medium(LinkInfo(), random.Random(0), max_cfo_hz=-1.0)


def test_link_info_predicts_the_airtime_of_a_frame():
    config = RadioConfig()
    info = radio_link_info(config)
    for size in (0, 40, 255):
        predicted = info.airtime_s(size)
        actual = frame_airtime_s(config.profile, size, config.fec_level)
        assert math.isclose(predicted, actual, rel_tol=0.05, abs_tol=2e-4)


def test_packets_for_unknown_stations_are_dropped_and_counted():
    medium = RadioMedium(link=LinkInfo(), rng=random.Random(0))
    a, b = bytes(8), bytes([1]) * 8
    medium.connect(a, b, LinkParams(snr_db=10.0))
    assert medium.transmit(a, bytes([7]) * 8, b"lost", 0.0) == []
    assert medium.unknown_next_hop == 1
    assert medium.transmit(a, b, b"hello", 0.0) == []
    deliveries = []
    while not deliveries and medium.channel.now_s < 2.0:
        deliveries += medium.advance(medium.channel.now_s + 0.01)
    assert [(dst, packet) for _, dst, packet in deliveries] == [(b, b"hello")]
    assert medium.neighbours(a) == [b]
