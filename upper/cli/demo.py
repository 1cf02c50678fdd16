"""``sdrlink demo``: three nodes in a line (A - B - C); A talks to C through B.

Runs in virtual time over a simulated medium (no hardware, no sleeping) and prints the
events, the routes, per-hop link statistics and the delivered messages. The medium is
pluggable: ``MEDIA`` maps a ``--medium`` name to a factory returning an object with the
``SimMedium`` interface (``add_station``, ``connect``, ``transmit``, ``stats``).
"""

from __future__ import annotations

import random
import sys

MESSAGES = [
    "hello C, this is A",
    "routing through B",
    "sign-only or encrypted: your choice",
    "73",
]


def _sim_medium(link, rng):
    from upper.sim_medium import SimMedium

    return SimMedium(link=link, rng=rng)


#: --medium name -> factory(link: LinkInfo, rng: random.Random) -> medium.
MEDIA = {"sim": _sim_medium}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="three nodes in a line chatting over the simulated channel"
    )
    parser.add_argument("--medium", choices=sorted(MEDIA), default="sim")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--messages", type=int, default=len(MESSAGES), help="messages A sends")
    parser.add_argument("--rate-bps", type=float, default=9600.0, help="link rate (bit/s)")
    parser.add_argument("--snr-db", type=float, default=12.0, help="Eb/N0 of each hop (dB)")
    parser.add_argument(
        "--mode", choices=("encrypt", "sign"), default="sign", help="session protection"
    )


def run(args) -> int:
    from phy.errors import ConfigError
    from upper.application import LinkInfo, NodeConfig
    from upper.network import NetworkConfig
    from upper.session import SessionConfig
    from upper.sim_medium import LinkParams
    from upper.virtual_time import SimNetwork

    if args.messages < 1 or args.messages > 1000:
        raise ConfigError("--messages must be 1..1000")
    link = LinkInfo(rate_bps=args.rate_bps, frame_overhead_bytes=16)
    config = NodeConfig(
        network=NetworkConfig(announce_interval_s=5.0),
        session=SessionConfig(mode=args.mode),
    )
    medium = MEDIA[args.medium](link, random.Random(args.seed))
    sim = SimNetwork(link=link, seed=args.seed, node_config=config, medium=medium)
    a, b, c = (sim.add_node(name) for name in "ABC")
    out = sys.stdout

    def say(text: str) -> None:
        print(f"[{sim.now_s:8.3f} s] {text}", file=out)

    for node in (a, b, c):
        print(f"node {node.name}: address {node.address.hex()}", file=out)
    sim.connect("A", "B", LinkParams(loss=None, snr_db=args.snr_db, delay_s=0.002))
    sim.connect("B", "C", LinkParams(loss=None, snr_db=args.snr_db + 1.0, delay_s=0.002))
    print("topology: A <-> B <-> C (A cannot hear C)", file=out)

    delivered: list[str] = []
    for node in (a, c):
        node.on(
            "connect",
            lambda peer, info, n=node: say(
                f"{n.name}: connect {sim.name_of(peer)} (resumed={info['resumed']})"
            ),
        )
        node.on(
            "disconnect",
            lambda peer, why, n=node: say(f"{n.name}: disconnect {sim.name_of(peer)} ({why})"),
        )

    @c.on("chat")
    def on_chat(sender, data):
        delivered.append(data)
        say(f"C <- {sim.name_of(sender)}: {data!r}")
        return f"got {len(delivered)}"

    sim.run_until(lambda: a.network.route_to(c.address) is not None, timeout_s=60.0)
    route = a.network.route_to(c.address)
    if route is None:
        print("error: A learned no route to C within 60 s", file=sys.stderr)
        return 1
    say(f"A: route to C via {sim.name_of(route.next_hop)}, {route.metric} hops")

    texts = [MESSAGES[i % len(MESSAGES)] for i in range(args.messages)]
    calls = []
    for text in texts:
        call = a.call("chat", text, to=c.address, timeout_s=120.0)
        report = call.report
        say(
            f"A -> C: {text!r} ({report.payload_bytes} B, {report.frames} frame, "
            f"predicted airtime {1000 * report.airtime_s:.1f} ms per hop)"
        )
        calls.append(call)
    sim.run_until(lambda: all(call.done for call in calls), timeout_s=600.0)
    for text, call in zip(texts, calls, strict=True):
        try:
            say(f"A: C acknowledged {text!r}: {call.result()!r}")
        except Exception as error:  # CallTimeout or still pending
            say(f"A: no acknowledgement for {text!r}: {error}")
    c_reply = c.call("chat-reply", "thanks A", to=a.address, timeout_s=60.0)
    sim.run_until(lambda: c_reply.done, timeout_s=60.0)
    sim.run_for(1.0)

    print("\nper-hop link statistics:", file=out)
    print(f"{'hop':<8} {'SNR dB':>7} {'frames':>7} {'lost':>5} {'bytes':>8}", file=out)
    for (src, dst), stats in sorted(
        sim.medium.stats.items(), key=lambda kv: (sim.name_of(kv[0][0]), sim.name_of(kv[0][1]))
    ):
        name = f"{sim.name_of(src)}->{sim.name_of(dst)}"
        snr = args.snr_db + (1.0 if {sim.name_of(src), sim.name_of(dst)} == {"B", "C"} else 0.0)
        print(f"{name:<8} {snr:>7.1f} {stats.frames:>7} {stats.lost:>5} {stats.bytes:>8}", file=out)
    print("\nper-node counters:", file=out)
    for node in (a, b, c):
        st = node.all_stats()
        print(
            f"{node.name}: segments sent {st['transport'].get('segments_sent', 0)}, "
            f"retransmissions {st['transport'].get('retransmissions', 0)}, "
            f"forwarded {st['network'].get('forwarded', 0)}, "
            f"dropped {sum(v for k, v in st['network'].items() if k.startswith('dropped'))}",
            file=out,
        )
    print(f"\ndelivered to C ({len(delivered)}/{len(texts)}):", file=out)
    for text in delivered:
        print(f"  {text}", file=out)
    ok = delivered == texts and all(call.done for call in calls)
    print(
        f"\n{'OK' if ok else 'FAILED'}: {len(delivered)} of {len(texts)} messages delivered "
        f"in order in {sim.now_s:.1f} s of virtual time",
        file=out,
    )
    return 0 if ok else 1
