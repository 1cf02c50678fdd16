"""Goodput and retransmissions of one ARQ link over the real PHY, against Eb/N0.

    python -m mac.radio.measure --profile qpsk250k --fec none,conv --ebn0 4,6,8,10

Two stations that hear each other at the given Eb/N0 (per channel bit); station 1 sends
``--messages`` payloads of ``--payload-bytes`` to station 2 from a standing start
(connect included). A link lost after ``max_retries`` takes its unacknowledged messages
with it (the layers above would resend them); such a point stops after 120 virtual seconds
with fewer deliveries. Prints, per point: virtual seconds until the last delivery, goodput
(delivered payload bits per virtual second, and as a fraction of the profile's bit rate),
frames sent and retransmitted, bursts dropped by the receiver by reason, FEC-corrected
bits, and wall-clock seconds per virtual second.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

import numpy as np

from mac._events import DataReceived, LinkLost
from mac.fec import FecLevel

from ._channel import RadioChannel
from ._config import RadioConfig
from ._station import RadioStation

__all__ = ["main", "measure_point"]


def measure_point(
    *,
    profile: str,
    fec_level: int,
    ebn0_db: float,
    messages: int,
    payload_bytes: int,
    seed: int,
    timeout_s: float = 120.0,
) -> dict:
    """Run one point; returns its figures (see the module docstring)."""
    config = RadioConfig(profile=profile, fec_level=fec_level)
    channel = RadioChannel(config=config, rng=np.random.default_rng(seed))
    a = RadioStation(1, config=config, rng=random.Random(seed * 2 + 1))
    b = RadioStation(2, config=config, rng=random.Random(seed * 2 + 2))
    for station in (a, b):
        channel.add_station(station)
    channel.set_path(1, 2, ebn0_db)
    channel.set_path(2, 1, ebn0_db)
    rng = random.Random(seed)
    payloads = [rng.randbytes(payload_bytes) for _ in range(messages)]
    wall = time.perf_counter()
    for payload in payloads:
        channel.poke(1, a.send(2, payload, 0.0))
    got: list[bytes] = []
    last_s = 0.0
    lost = 0
    while len(got) < messages and channel.now_s < timeout_s:
        for item in channel.run_until(channel.now_s + 0.05):
            lost += isinstance(item.event, LinkLost) and item.address == 1
            if isinstance(item.event, DataReceived) and item.address == 2:
                got.append(item.event.payload)
                last_s = item.time_s
    wall = time.perf_counter() - wall
    bits = 8 * payload_bytes * len(got)
    return {
        "profile": profile,
        "fec": FecLevel(fec_level).name.lower(),
        "ebn0_db": ebn0_db,
        "delivered": len(got),
        "in_order": got == payloads[: len(got)],
        "virtual_s": last_s,
        "goodput_bps": bits / last_s if last_s else 0.0,
        "goodput_fraction": bits / last_s / config.phy_profile.bit_rate_bps if last_s else 0.0,
        "frames_sent": a.counters.bursts_sent,
        "retransmissions": sum(a.counters.retransmitted_to.values()),
        "drops_at_receiver": dict(b.counters.drops),
        "corrected_bits": b.counters.corrected_bits,
        "links_lost": lost,
        "wall_per_virtual_s": wall / channel.now_s if channel.now_s else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mac.radio.measure", description=__doc__)
    parser.add_argument("--profile", default="qpsk250k")
    parser.add_argument("--fec", default="none,conv", help="comma list of FEC levels")
    parser.add_argument("--ebn0", default="4,6,8,10", help="comma list of Eb/N0 values, dB")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--payload-bytes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(
        "| profile | FEC | Eb/N0 dB | delivered | virtual s | goodput kbit/s | of bit rate "
        "| frames sent | retransmissions | receiver drops | FEC-corrected bits | links lost "
        "| wall s / virtual s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for fec in args.fec.split(","):
        for ebn0 in (float(x) for x in args.ebn0.split(",")):
            r = measure_point(
                profile=args.profile,
                fec_level=int(FecLevel.parse(fec)),
                ebn0_db=ebn0,
                messages=args.messages,
                payload_bytes=args.payload_bytes,
                seed=args.seed,
            )
            drops = ", ".join(f"{k} {v}" for k, v in sorted(r["drops_at_receiver"].items()))
            print(
                f"| {r['profile']} | {r['fec']} | {ebn0:g} | {r['delivered']}"
                f"{'' if r['in_order'] else ' (ORDER!)'} | {r['virtual_s']:.3f} "
                f"| {r['goodput_bps'] / 1e3:.1f} | {100 * r['goodput_fraction']:.0f} % "
                f"| {r['frames_sent']} | {r['retransmissions']} | {drops or '-'} "
                f"| {r['corrected_bits']} | {r['links_lost']} | {r['wall_per_virtual_s']:.2f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
