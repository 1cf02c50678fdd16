"""Helpers that wire whole stacks together over the simulated medium in virtual time."""

from __future__ import annotations

import itertools

import pytest

from upper.application import LinkInfo, NodeConfig
from upper.network import NetworkConfig
from upper.session import SessionConfig
from upper.virtual_time import SimNetwork


def make_sim(
    *,
    seed: int = 0,
    mode: str = "encrypt",
    announce_interval_s: float = 5.0,
    rate_bps: float = 9600.0,
    mtu_bytes: int = 255,
    **session,
) -> SimNetwork:
    config = NodeConfig(
        network=NetworkConfig(announce_interval_s=announce_interval_s),
        session=SessionConfig(mode=mode, **session),
    )
    return SimNetwork(
        link=LinkInfo(rate_bps=rate_bps, mtu_bytes=mtu_bytes), seed=seed, node_config=config
    )


def line(sim: SimNetwork, names: str, **link) -> None:
    """Nodes in a line, each hearing only its neighbours."""
    for name in names:
        if name not in sim.nodes:
            sim.add_node(name)
    for a, b in itertools.pairwise(names):
        sim.connect(a, b, **link)


@pytest.fixture
def pair() -> SimNetwork:
    sim = make_sim(seed=3)
    line(sim, "AB")
    return sim
