"""False detections of the PSK receiver on pure noise (no burst must pass sync + header).

Feeds complex white Gaussian noise at the native rate in 64 Ki-sample chunks and reports,
per second of air time, how often the preamble detector fires, how often a sync word is
matched (then the PHY header is checked) and how many bursts pass both.

    python benchmarks/psk_noise.py [--seconds 30] [--profiles qpsk1m ...]
"""

from __future__ import annotations

import argparse

import numpy as np

from phy.profiles import get_profile
from phy.psk import Receiver

PROFILES = ["bpsk250k", "qpsk250k", "bpsk1m", "qpsk1m"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=PROFILES)
    parser.add_argument("--seconds", type=float, default=30.0, help="air time per profile")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(
        "| profile | air time s | samples | detector triggers /s | sync matches /s "
        "| header rejects | false bursts |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in args.profiles:
        p = get_profile(name)
        rx = Receiver(profile=p)
        total = int(args.seconds * p.sample_rate_hz)
        chunk = 1 << 16
        bursts = 0
        for _ in range(0, total, chunk):
            noise = rng.standard_normal(2 * chunk, dtype=np.float32).view(np.complex64)
            bursts += len(rx.process(noise))
        bursts += len(rx.flush())
        c = rx.counters
        syncs = c["header_rejects"] + c["bursts"]
        print(
            f"| {name} | {args.seconds:g} | {c['samples']} | "
            f"{c['detections'] / args.seconds:.1f} | {syncs / args.seconds:.3f} | "
            f"{c['header_rejects']} | {bursts} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
