"""Goodput of the transport over one and two hops, in virtual time.

``python -m upper.goodput`` sends one large message from A to the last node of a line over
an ideal-carrier-sense ``SimMedium`` and prints goodput (application bytes delivered per
second) against the link rate. Numbers are recorded in ``docs/upper.md``.
"""

from __future__ import annotations

import argparse
import itertools
import random

from upper.application import LinkInfo, NodeConfig
from upper.network import NetworkConfig
from upper.session import SessionConfig
from upper.transport import TransportConfig
from upper.virtual_time import SimNetwork

__all__ = ["measure_goodput"]


def measure_goodput(
    *,
    hops: int,
    message_bytes: int = 1 << 20,
    rate_bps: float = 9600.0,
    loss: float = 0.0,
    mtu_bytes: int = 255,
    window_segments: int = 32,
    mode: str = "encrypt",
    seed: int = 1,
) -> dict[str, float]:
    """Send one message of ``message_bytes`` over ``hops`` hops; return the measurements.

    Cost: O(segments x hops) simulated events (a 1 MB message at MTU 255 is ~4,800
    segments, about a second of CPU per hop).
    """
    link = LinkInfo(rate_bps=rate_bps, mtu_bytes=mtu_bytes)
    config = NodeConfig(
        network=NetworkConfig(announce_interval_s=30.0),
        transport=TransportConfig(window_segments=window_segments),
        session=SessionConfig(mode=mode, keepalive_interval_s=30.0, keepalive_timeout_s=120.0),
    )
    sim = SimNetwork(link=link, seed=seed, node_config=config)
    names = [f"N{i}" for i in range(hops + 1)]
    for name in names:
        sim.add_node(name)
    for a, b in itertools.pairwise(names):
        sim.connect(a, b, loss=loss)
    first, last = sim.nodes[names[0]], sim.nodes[names[-1]]
    got = []
    last.on("blob", lambda sender, data: got.append(len(data)))
    sim.run_until(lambda: first.network.route_to(last.address) is not None, timeout_s=300.0)
    # establish the session first so that the measurement is the bulk transfer alone
    sim.call(names[0], "blob", b"", to=names[-1], timeout_s=300.0)
    got.clear()
    start_s = sim.now_s
    payload = random.Random(seed).randbytes(message_bytes)
    first.emit("blob", payload, to=last.address)
    if not sim.run_until(lambda: got, timeout_s=36_000.0):
        raise RuntimeError("the message did not arrive within 10 hours of virtual time")
    elapsed_s = sim.now_s - start_s
    goodput_bps = 8.0 * message_bytes / elapsed_s
    return {
        "hops": hops,
        "message_bytes": message_bytes,
        "rate_bps": rate_bps,
        "loss": loss,
        "elapsed_s": elapsed_s,
        "goodput_bps": goodput_bps,
        "efficiency": goodput_bps / rate_bps,
        "retransmissions": first.transport.stats.get("retransmissions", 0),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bytes", type=int, default=1 << 20)
    parser.add_argument("--rate-bps", type=float, default=9600.0)
    parser.add_argument("--loss", type=float, nargs="*", default=[0.0, 0.1])
    parser.add_argument("--mode", choices=("encrypt", "sign"), default="encrypt")
    args = parser.parse_args(argv)
    print(
        f"{'hops':>4} {'loss':>5} {'bytes':>8} {'time s':>9} {'goodput b/s':>12} "
        f"{'of rate':>8} {'resent':>7}"
    )
    for loss in args.loss:
        for hops in (1, 2):
            r = measure_goodput(
                hops=hops,
                message_bytes=args.bytes,
                rate_bps=args.rate_bps,
                loss=loss,
                mode=args.mode,
            )
            print(
                f"{hops:>4} {loss:>5.2f} {args.bytes:>8} {r['elapsed_s']:>9.1f} "
                f"{r['goodput_bps']:>12.0f} {r['efficiency']:>8.1%} {r['retransmissions']:>7}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
