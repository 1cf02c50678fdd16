"""Reproducible link scenarios over the simulated channel (tests, docs and benchmarks).

``python -m mac.link.scenarios`` runs the two acceptance scenarios and prints goodput and
retransmission counts (the numbers in ``docs/link.md``); ``--sweep`` adds `sweep`:

* `transfer_pair`: one station sends numbered messages to another over a lossy, corrupting,
  duplicating and reordering channel;
* `transfer_shared`: three stations on one half-duplex medium with CSMA, each sending to
  the next (collisions happen and are counted).

Message ``i`` carries ``i`` as 4 big-endian bytes, padded; receivers record the numbers so
callers can check exactly-once, in-order delivery.
"""

from __future__ import annotations

import dataclasses
import random
import struct
import sys
from dataclasses import dataclass, field

from .._events import Acked, DataReceived, Disconnected, Event, LinkLost
from ..csma import Csma, CsmaConfig
from ._config import LinkConfig, LinkStats
from ._link import Link
from ._state import State
from ._station import Station
from .sim import ChannelModel, SimChannel, SimNode, SimStats

__all__ = [
    "LOSSY_CHANNEL",
    "PAIR_CONFIG",
    "SHARED_CHANNEL",
    "SHARED_CONFIG",
    "SHARED_CSMA",
    "NodeResult",
    "TransferResult",
    "sweep",
    "transfer_pair",
    "transfer_shared",
]

LOSSY_CHANNEL = ChannelModel(
    bit_rate_bps=9600.0,
    overhead_bytes=24,
    loss=0.20,
    bit_error_rate=2e-4,
    duplicate=0.05,
    reorder_jitter_s=0.05,
    propagation_s=0.002,
)
"""20 % frame loss, bit errors (about 9 % of 56-byte frames fail their CRC), 5 % duplicates,
50 ms of reordering jitter, 9600 bit/s."""

PAIR_CONFIG = LinkConfig(
    window=64,
    rto_initial_s=1.0,
    rto_min_s=0.1,
    rto_max_s=10.0,
    max_retries=40,
    link_timeout_s=120.0,
    turnaround_s=0.01,
)


@dataclass(slots=True)
class NodeResult:
    """What one sending station achieved."""

    address: int
    sent: int = 0
    acked: int = 0
    received: list[int] = field(default_factory=list)
    done_s: float | None = None
    retransmissions: int = 0
    stats: LinkStats | None = None
    lost_events: list[Event] = field(default_factory=list)

    def goodput_bps(self, payload_bytes: int) -> float:
        """Acknowledged payload bits per second of virtual time until the last ack."""
        if not self.done_s:
            return 0.0
        return self.acked * payload_bytes * 8.0 / self.done_s


@dataclass(slots=True)
class TransferResult:
    """Outcome of a scenario."""

    nodes: dict[int, NodeResult]
    virtual_s: float
    channel: SimStats
    bit_rate_bps: float
    payload_bytes: int

    def summary(self) -> str:
        """Human-readable lines: goodput and retransmissions per node, channel counters."""
        lines = []
        for node in self.nodes.values():
            if not node.sent:
                lines.append(f"node {node.address}: received {len(node.received)} messages")
                continue
            goodput = node.goodput_bps(self.payload_bytes)
            lines.append(
                f"node {node.address}: {node.acked}/{node.sent} acked, {len(node.received)} "
                f"received, goodput {goodput:.0f} bit/s "
                f"({100 * goodput / self.bit_rate_bps:.1f} % of {self.bit_rate_bps:.0f}), "
                f"{node.retransmissions} retransmissions"
            )
        c = self.channel
        lines.append(
            f"channel: {c.frames_sent} frames sent, {c.lost} lost, {c.corrupted} corrupted, "
            f"{c.duplicated} duplicated, {c.collisions} collisions in {c.transmissions} "
            f"transmissions ({c.collided} frames destroyed), virtual time {self.virtual_s:.1f} s"
        )
        return "\n".join(lines)


def _message(index: int, payload_bytes: int) -> bytes:
    return struct.pack(">I", index).ljust(payload_bytes, b"\x55")


class _App:
    """Sends numbered messages on one link while it is connected; records what arrives."""

    def __init__(self, results: dict[int, NodeResult], n_messages: int, payload_bytes: int):
        self.results = results
        self.n_messages = n_messages
        self.payload_bytes = payload_bytes
        self.targets: dict[int, int] = {}

    def __call__(self, node: SimNode, events: list[Event]) -> None:
        endpoint = node.endpoint
        me = endpoint.local_address  # type: ignore[attr-defined]
        result = self.results[me]
        for event in events:
            if isinstance(event, DataReceived):
                result.received.append(struct.unpack_from(">I", event.payload)[0])
            elif isinstance(event, Acked):
                result.acked += 1
                if result.acked == self.n_messages:
                    result.done_s = node.now_s
            elif isinstance(event, Disconnected | LinkLost):
                result.lost_events.append(event)
        target = self.targets.get(me)
        if target is None:
            return
        link = endpoint if isinstance(endpoint, Link) else endpoint.links.get(target)  # type: ignore[attr-defined]
        if link is None:
            return
        while (
            link.state is State.CONNECTED
            and result.sent < self.n_messages
            and link.send_capacity > 0
        ):
            link.send(_message(result.sent, self.payload_bytes), node.now_s)
            result.sent += 1


def transfer_pair(
    *,
    n_messages: int = 10_000,
    payload_bytes: int = 32,
    model: ChannelModel = LOSSY_CHANNEL,
    config: LinkConfig = PAIR_CONFIG,
    seed: int = 1,
    until_s: float = 1e6,
) -> TransferResult:
    """Station 1 sends ``n_messages`` to station 2 over ``model`` (full duplex, no CSMA).

    Cost: about 0.1 ms of CPU per frame.
    """
    channel = SimChannel(model, random.Random(seed))
    results = {1: NodeResult(1), 2: NodeResult(2)}
    app = _App(results, n_messages, payload_bytes)
    app.targets[1] = 2
    a = Link(1, config=config, rng=random.Random(seed + 1))
    b = Link(2, config=config, rng=random.Random(seed + 2))
    node_a = SimNode(channel, a, on_events=app)
    SimNode(channel, b, on_events=app)
    a.connect(2, 0.0)
    node_a.kick()
    end = channel.run(until_s=until_s, stop=lambda: results[1].acked >= n_messages)
    results[1].retransmissions = a.stats.retransmissions
    results[1].stats = a.stats
    results[2].stats = b.stats
    return TransferResult(results, end, channel.stats, model.bit_rate_bps, payload_bytes)


SHARED_CHANNEL = ChannelModel(
    bit_rate_bps=9600.0,
    overhead_bytes=24,
    loss=0.05,
    bit_error_rate=1e-4,
    propagation_s=0.0005,
    detect_delay_s=0.005,
)
SHARED_CONFIG = LinkConfig(
    window=8,
    rto_initial_s=2.0,
    rto_min_s=0.5,
    rto_max_s=20.0,
    max_retries=40,
    keepalive_s=30.0,
    link_timeout_s=120.0,
    turnaround_s=0.02,
)
SHARED_CSMA = CsmaConfig(tx_delay_s=0.03, persistence=0.25, slot_time_s=0.02, tx_tail_s=0.01)


def transfer_shared(
    *,
    n_messages: int = 300,
    payload_bytes: int = 32,
    model: ChannelModel = SHARED_CHANNEL,
    config: LinkConfig = SHARED_CONFIG,
    csma: CsmaConfig = SHARED_CSMA,
    seed: int = 3,
    until_s: float = 1e5,
) -> TransferResult:
    """Stations 1, 2, 3 on one CSMA medium; 1 sends to 2, 2 to 3 and 3 to 1 at once."""
    channel = SimChannel(model, random.Random(seed), shared=True)
    addresses = (1, 2, 3)
    results = {a: NodeResult(a) for a in addresses}
    app = _App(results, n_messages, payload_bytes)
    stations: dict[int, Station] = {}
    nodes: dict[int, SimNode] = {}
    for i, address in enumerate(addresses):
        app.targets[address] = addresses[(i + 1) % len(addresses)]
        stations[address] = Station(address, config=config, rng=random.Random(seed + address))
        access = Csma(config=csma, rng=random.Random(seed * 100 + address))
        nodes[address] = SimNode(channel, stations[address], on_events=app, csma=access)
    for address in addresses:
        stations[address].connect(app.targets[address], 0.0)
        nodes[address].kick()
    end = channel.run(
        until_s=until_s, stop=lambda: all(r.acked >= n_messages for r in results.values())
    )
    for address in addresses:
        link = stations[address].links.get(app.targets[address])
        if link is not None:
            results[address].retransmissions = link.stats.retransmissions
            results[address].stats = link.stats
    return TransferResult(results, end, channel.stats, model.bit_rate_bps, payload_bytes)


def sweep(*, seeds: int = 40) -> list[str]:
    """Failures over many seeds, windows and loss rates (empty list: none).

    Point to point: 1500 messages, loss 0, 20 and 40 %, windows 8/32/64; shared: 100
    messages per station, loss 0, 10 and 25 %. A failure is anything but exactly-once,
    in-order delivery of everything without a lost link. Cost: about 40 s of CPU.
    """
    failures = []
    for seed in range(seeds):
        for loss in (0.0, 0.2, 0.4):
            model = dataclasses.replace(LOSSY_CHANNEL, loss=loss)
            config = dataclasses.replace(PAIR_CONFIG, window=(8, 32, 64)[seed % 3])
            r = transfer_pair(n_messages=1500, seed=seed, model=model, config=config)
            if r.nodes[2].received != list(range(1500)) or r.nodes[1].lost_events:
                failures.append(f"pair seed={seed} loss={loss}")
    for seed in range(3 * seeds // 4):
        for loss in (0.0, 0.1, 0.25):
            r = transfer_shared(
                n_messages=100, seed=seed, model=dataclasses.replace(SHARED_CHANNEL, loss=loss)
            )
            for address, node in r.nodes.items():
                if node.received != list(range(100)) or node.lost_events:
                    failures.append(f"shared seed={seed} loss={loss} node={address}")
    return failures


def main(argv: list[str] | None = None) -> int:
    """Print both scenarios' numbers; ``--sweep`` also runs `sweep`."""
    args = sys.argv[1:] if argv is None else argv
    print("Point to point, 10,000 messages of 32 bytes (LOSSY_CHANNEL, PAIR_CONFIG):")
    print(transfer_pair().summary())
    print("\nThree stations, CSMA, 300 messages of 32 bytes each (SHARED_CHANNEL):")
    print(transfer_shared().summary())
    if "--sweep" in args:
        failures = sweep()
        print(f"\nsweep: {len(failures)} failures", *failures, sep="\n")
        return 1 if failures else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
