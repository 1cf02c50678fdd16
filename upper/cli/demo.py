"""``sdrlink demo``: three nodes in a line (A - B - C); A talks to C through B.

Runs in virtual time (no hardware, no sleeping) and prints the events, the routes, per-hop
link statistics and the delivered messages. By default every frame goes through the real
stack below the network layer: QPSK modems, the simulated noisy channel with real collisions,
FEC, ARQ and CSMA (``--medium radio``); ``--medium sim`` uses a frame-level loss model.
The medium is pluggable: ``MEDIA`` maps a ``--medium`` name to a factory returning an
object with the ``SimMedium`` interface (``add_station``, ``connect``, ``transmit``, ``stats``).
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


def _radio_medium(link, rng):
    from upper.radio_medium import make_radio_medium

    return make_radio_medium(link, rng)


def _sim_link(args):
    from upper.application import LinkInfo

    return LinkInfo(rate_bps=args.rate_bps, frame_overhead_bytes=16)


def _radio_link(args):
    from upper.radio_medium import radio_link_info

    return radio_link_info()


#: --medium name -> (link factory(args) -> LinkInfo, medium factory(link, rng) -> medium).
MEDIA = {"sim": (_sim_link, _sim_medium), "radio": (_radio_link, _radio_medium)}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="three nodes in a line chatting over the simulated channel"
    )
    parser.add_argument(
        "--medium",
        choices=sorted(MEDIA),
        default="radio",
        help="radio: real QPSK modems, channel noise, FEC, ARQ and CSMA (default); "
        "sim: frame-level loss model (fast)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--messages", type=int, default=len(MESSAGES), help="messages A sends")
    parser.add_argument(
        "--rate-bps", type=float, default=9600.0, help="link rate of --medium sim (bit/s)"
    )
    parser.add_argument("--snr-db", type=float, default=12.0, help="Eb/N0 of each hop (dB)")
    parser.add_argument(
        "--mode", choices=("encrypt", "sign"), default="sign", help="session protection"
    )


def run(args) -> int:
    from phy.errors import ConfigError

    if not 1 <= args.messages <= 1000:
        raise ConfigError("--messages must be 1..1000")
    demo = _Demo(args)
    if not demo.find_route():
        print("error: A learned no route to C within 60 s; try a higher --snr-db", file=sys.stderr)
        return 1
    delivered_ok = demo.converse()
    demo.report()
    return 0 if delivered_ok else 1


class _Demo:
    """A - B - C on a pluggable medium, in virtual time."""

    def __init__(self, args) -> None:
        from upper.application import NodeConfig
        from upper.network import NetworkConfig
        from upper.session import SessionConfig
        from upper.sim_medium import LinkParams
        from upper.virtual_time import SimNetwork

        self.args = args
        make_link, make_medium = MEDIA[args.medium]
        link = make_link(args)
        config = NodeConfig(
            network=NetworkConfig(announce_interval_s=5.0),
            session=SessionConfig(mode=args.mode),
        )
        medium = make_medium(link, random.Random(args.seed))
        self.sim = sim = SimNetwork(link=link, seed=args.seed, node_config=config, medium=medium)
        self.a, self.b, self.c = (sim.add_node(name) for name in "ABC")
        for node in (self.a, self.b, self.c):
            print(f"node {node.name}: address {node.address.hex()}")
        self.snr_db = {("A", "B"): args.snr_db, ("B", "C"): args.snr_db + 1.0}
        for (x, y), snr_db in self.snr_db.items():
            sim.connect(x, y, LinkParams(loss=None, snr_db=snr_db, delay_s=0.002))
        print(
            f"topology: A <-> B <-> C (A cannot hear C), {link.rate_bps:g} bit/s, "
            f"{args.mode} mode, {args.medium} medium"
        )
        self.delivered: list[str] = []
        self._handlers()

    def say(self, text: str) -> None:
        print(f"[{self.sim.now_s:8.3f} s] {text}")

    def _handlers(self) -> None:
        name = self.sim.name_of
        for node in (self.a, self.c):
            node.on(
                "connect",
                lambda peer, info, n=node: self.say(
                    f"{n.name}: connect {name(peer)} (resumed={info['resumed']})"
                ),
            )
            node.on(
                "disconnect",
                lambda peer, why, n=node: self.say(f"{n.name}: disconnect {name(peer)} ({why})"),
            )

        @self.c.on("chat")
        def on_chat(sender, data):
            self.delivered.append(data)
            self.say(f"C <- {name(sender)}: {data!r}")
            return f"got {len(self.delivered)}"

        @self.a.on("chat-reply")
        def on_reply(sender, data):
            self.say(f"A <- {name(sender)}: {data!r}")
            return "ok"

    def find_route(self) -> bool:
        a, c = self.a, self.c
        self.sim.run_until(lambda: a.network.route_to(c.address) is not None, timeout_s=60.0)
        route = a.network.route_to(c.address)
        if route is not None:
            self.say(f"A: route to C via {self.sim.name_of(route.next_hop)}, {route.metric} hops")
        return route is not None

    def converse(self) -> bool:
        a, c, sim = self.a, self.c, self.sim
        self.texts = [MESSAGES[i % len(MESSAGES)] for i in range(self.args.messages)]
        calls = []
        for text in self.texts:
            call = a.call("chat", text, to=c.address, timeout_s=120.0)
            r = call.report
            self.say(
                f"A -> C: {text!r} ({r.payload_bytes} B, {r.frames} frame(s), "
                f"predicted airtime {1000 * r.airtime_s:.1f} ms per hop)"
            )
            calls.append(call)
        sim.run_until(lambda: all(call.done for call in calls), timeout_s=600.0)
        for text, call in zip(self.texts, calls, strict=True):
            try:
                self.say(f"A: C acknowledged {text!r}: {call.result()!r}")
            except Exception as error:  # CallTimeout or still pending
                self.say(f"A: no acknowledgement for {text!r}: {error}")
        reply = c.call("chat-reply", "thanks A, 73", to=a.address, timeout_s=60.0)
        sim.run_until(lambda: reply.done, timeout_s=60.0)
        sim.run_for(1.0)
        return self.delivered == self.texts and all(call.done for call in calls) and reply.done

    def report(self) -> None:
        sim = self.sim
        print("\nper-hop link statistics:")
        print(f"{'hop':<8} {'SNR dB':>7} {'frames':>7} {'lost':>5} {'resent':>7} {'bytes':>8}")
        rows = sorted(
            (sim.name_of(s), sim.name_of(d), st) for (s, d), st in sim.medium.stats.items()
        )
        for src, dst, st in rows:
            snr_db = self.snr_db.get((src, dst), self.snr_db.get((dst, src), float("nan")))
            snr_db = getattr(st, "snr_db", snr_db)  # measured, when the medium measures it
            resent = getattr(st, "retransmissions", "-")  # link ARQ, when the medium has one
            print(
                f"{src + '->' + dst:<8} {snr_db:>7.1f} {st.frames:>7} {st.lost:>5} "
                f"{resent!s:>7} {st.bytes:>8}"
            )
        print("\nper-node counters:")
        for node in (self.a, self.b, self.c):
            st = node.all_stats()
            dropped = sum(v for k, v in st["network"].items() if k.startswith("dropped"))
            print(
                f"{node.name}: segments sent {st['transport'].get('segments_sent', 0)}, "
                f"retransmissions {st['transport'].get('retransmissions', 0)}, "
                f"forwarded {st['network'].get('forwarded', 0)}, dropped {dropped}"
            )
        print(f"\ndelivered to C ({len(self.delivered)}/{len(self.texts)}):")
        for text in self.delivered:
            print(f"  {text}")
        ok = self.delivered == self.texts
        print(
            f"\n{'OK' if ok else 'FAILED'}: {len(self.delivered)} of {len(self.texts)} "
            f"messages delivered in order in {sim.now_s:.1f} s of virtual time"
        )
