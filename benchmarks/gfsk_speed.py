"""GFSK receiver throughput: native-rate Msym/s and the 2.4 MS/s chain's real-time factor.

Input is complex noise (unit power) with a 200-byte burst every 100 000 native samples.
CPU time of ``process`` only (input generation excluded), best of three runs.

    python benchmarks/gfsk_speed.py [--profile gfsk50k] [--seconds 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import phy
from phy.profiles import get_profile


def _input(p, rate_hz: float, n: int, rng) -> np.ndarray:
    x = ((rng.standard_normal(n) + 1j * rng.standard_normal(n)) * 0.3).astype(np.complex64)
    burst = phy.modulate(p, rng.bytes(200), sample_rate_hz=rate_hz)
    step = int(100_000 * rate_hz / p.sample_rate_hz)
    for start in range(1000, n - burst.size, step):
        x[start : start + burst.size] += burst
    return x


def _best_cpu_s(rx, x: np.ndarray, chunk: int) -> tuple[float, int]:
    best, found = np.inf, 0
    for _ in range(3):
        rx.reset()
        t0 = time.process_time()
        bursts = [b for i in range(0, x.size, chunk) for b in rx.process(x[i : i + chunk])]
        best = min(best, time.process_time() - t0)
        found = len(bursts)
    return best, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="gfsk50k")
    parser.add_argument("--native-samples", type=int, default=4_000_000)
    parser.add_argument("--radio-samples", type=int, default=4_800_000)
    args = parser.parse_args()
    p = get_profile(args.profile)
    rng = np.random.default_rng(0)
    x = _input(p, p.sample_rate_hz, args.native_samples, rng)
    rx = phy.make_receiver(p)
    rx.process(x[:200_000])  # compile
    cpu_s, found = _best_cpu_s(rx, x, 65536)
    msym = x.size / p.samples_per_symbol / cpu_s / 1e6
    print(f"{p.name} native {p.sample_rate_hz / 1e3:g} kS/s: {msym:.2f} Msym/s "
          f"({cpu_s * 1e9 / x.size:.1f} ns/sample, {found} bursts)")  # fmt: skip
    rate = 2.4e6
    x = _input(p, rate, args.radio_samples, rng)
    rx = phy.make_receiver(p, sample_rate_hz=rate)
    rx.process(x[:200_000])
    cpu_s, found = _best_cpu_s(rx, x, 262144)
    print(f"{p.name} from 2.4 MS/s: {x.size / rate / cpu_s:.1f}x real time "
          f"({x.size / rate:.2f} s of signal in {cpu_s:.2f} s CPU, {found} bursts)")  # fmt: skip


if __name__ == "__main__":
    main()
