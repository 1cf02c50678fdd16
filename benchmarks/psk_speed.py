"""Throughput of the PSK receiver alone (native rate) and of the 2.4 MS/s chain.

Streams of bursts (random payloads, 40-400 symbol noise gaps, Eb/N0 15 dB) are fed in
64 Ki-sample chunks; a rate is the best of several passes, in CPU time (``process_time``,
what one core can do) and in wall time. The 2.4 MS/s chain is ``phy.make_receiver(profile,
sample_rate_hz=2.4e6)``: resampler plus receiver; its real-time factor is samples/s / 2.4e6.

    python benchmarks/psk_speed.py [--payload-bytes 255 1000] [--passes 7]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import phy
from phy.channel import awgn
from phy.profiles import get_profile

PROFILES = ["qpsk250k", "bpsk250k", "qpsk1m", "bpsk1m"]
RADIO_RATE_HZ = 2.4e6


def _stream(name: str, payload_bytes: int, rate_hz: float, rng) -> np.ndarray:
    p = get_profile(name)
    parts = []
    for _ in range(12):
        gap = int(rng.integers(40, 400) * rate_hz / p.symbol_rate_baud)
        parts += [
            np.zeros(gap, np.complex64),
            phy.modulate(p, rng.bytes(payload_bytes), sample_rate_hz=rate_hz),
        ]
    x = np.concatenate(parts)
    return awgn(
        x,
        rng=rng,
        sample_rate_hz=rate_hz,
        signal_power=1.0,
        bit_rate_bps=p.bit_rate_bps,
        ebn0_db=15.0,
    )


def _rate(receiver, stream: np.ndarray, passes: int) -> tuple[float, float, int]:
    """(samples/s CPU, samples/s wall, bursts per pass), best of ``passes``."""

    def one() -> int:
        found = 0
        for lo in range(0, stream.size, 1 << 16):
            found += len(receiver.process(stream[lo : lo + (1 << 16)]))
        return found

    one()  # compile / load the Numba cache
    cpu, wall, found = [], [], 0
    for _ in range(passes):
        c0, w0 = time.process_time(), time.perf_counter()
        found = one()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return stream.size / min(cpu), stream.size / min(wall), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=PROFILES)
    parser.add_argument("--payload-bytes", nargs="+", type=int, default=[255, 1000])
    parser.add_argument("--passes", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(
        "| profile | payload B | receiver Msym/s (CPU) | (wall) | 2.4 MS/s chain x real time"
        " (CPU) | (wall) | bursts |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in args.profiles:
        p = get_profile(name)
        for n_bytes in args.payload_bytes:
            native = _stream(name, n_bytes, p.sample_rate_hz, rng)
            cpu, wall, found = _rate(phy.make_receiver(p), native, args.passes)
            radio = _stream(name, n_bytes, RADIO_RATE_HZ, rng)
            rx = phy.make_receiver(p, sample_rate_hz=RADIO_RATE_HZ)
            c_cpu, c_wall, c_found = _rate(rx, radio, args.passes)
            sps = p.samples_per_symbol
            print(
                f"| {name} | {n_bytes} | {cpu / sps / 1e6:.2f} | {wall / sps / 1e6:.2f} | "
                f"{c_cpu / RADIO_RATE_HZ:.1f} | {c_wall / RADIO_RATE_HZ:.1f} | "
                f"{found}/12, {c_found}/12 |",
                flush=True,
            )


if __name__ == "__main__":
    main()
