"""False detections of the PSK receiver on pure noise (no burst must pass sync + header).

Feeds complex white Gaussian noise at the native rate in 64 Ki-sample chunks and reports,
per second of air time, how often the preamble detector fires, how many of those triggers
found no acceptable sync word (``sync_misses``), how many had one whose PHY header was
rejected (``header_rejects``), how many bursts passed both, and the receiver's CPU time
against the air time (x real time; noise generation excluded). For why triggers fail,
gate by gate, see ``psk_noise_gates.py``.

    python benchmarks/psk_noise.py [--seconds 30] [--profiles qpsk1m ...]
"""

from __future__ import annotations

import argparse
import time

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
        "| profile | air time s | samples | detector triggers /s | sync misses "
        "| header rejects | false bursts | x real time (CPU) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in args.profiles:
        p = get_profile(name)
        warm = np.random.default_rng(0).standard_normal(1 << 19, dtype=np.float32)
        Receiver(profile=p).process(warm.view(np.complex64))  # load the Numba cache
        rx = Receiver(profile=p)
        total = int(args.seconds * p.sample_rate_hz)
        chunk = 1 << 16
        bursts, cpu_s = 0, 0.0
        for _ in range(0, total, chunk):
            noise = rng.standard_normal(2 * chunk, dtype=np.float32).view(np.complex64)
            start = time.process_time()
            bursts += len(rx.process(noise))
            cpu_s += time.process_time() - start
        bursts += len(rx.flush())
        c = rx.counters
        air_s = c["samples"] / p.sample_rate_hz
        print(
            f"| {name} | {args.seconds:g} | {c['samples']} | "
            f"{c['detections'] / args.seconds:.1f} | {c['sync_misses']} | "
            f"{c['header_rejects']} | {bursts} | {air_s / cpu_s:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
