"""Issue acceptance: 1,000 acknowledged events over the real PHY at a link PER of about 10 %."""

from __future__ import annotations

import random

from upper.application import NodeConfig
from upper.network import NetworkConfig
from upper.radio_medium import make_radio_medium, radio_link_info
from upper.session import SessionConfig
from upper.sim_medium import LinkParams
from upper.virtual_time import SimNetwork

EBN0_DB = 8.5  # qpsk250k without FEC: about one frame in ten fails its CRC here


def test_thousand_events_over_the_radio_at_ten_percent_per():
    link = radio_link_info()
    medium = make_radio_medium(link, random.Random(3), fec_level="none")
    config = NodeConfig(
        network=NetworkConfig(announce_interval_s=5.0), session=SessionConfig(mode="sign")
    )
    sim = SimNetwork(link=link, seed=3, node_config=config, medium=medium)
    for name in "AB":
        sim.add_node(name)
    sim.connect("A", "B", LinkParams(loss=None, snr_db=EBN0_DB))
    a, b = sim.nodes["A"], sim.nodes["B"]
    got, acks = [], []
    b.on("ev", lambda sender, data: got.append(data) or data * 2)
    for i in range(1000):
        a.emit("ev", i, to=b.address, callback=acks.append, timeout_s=3600.0)
    assert sim.run_until(lambda: len(acks) == 1000, timeout_s=3600.0)
    sim.run_for(5.0)
    assert got == list(range(1000))  # none lost, none duplicated, in order
    assert sorted(acks) == [2 * i for i in range(1000)]
    hops = list(medium.stats.values())
    frames = sum(h.frames for h in hops)
    lost = sum(h.frames - h.delivered for h in hops)
    assert 0.05 < lost / frames < 0.2, f"link PER {lost / frames:.3f}, expected about 0.1"
