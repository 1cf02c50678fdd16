"""Resampler throughput in MS/s of input, per radio-rate -> native-rate pair (one core).

Run: ``python benchmarks/resample_speed.py [--seconds 1.0] [--chunk 65536]``. The first call
(Numba compile or cache load) is excluded; rates are per CPU second of this process.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from phy.dsp import Resampler

PAIRS = [
    (2.4e6, 76.8e3, np.complex64),
    (2.4e6, 400e3, np.complex64),
    (2.4e6, 2e6, np.complex64),
    (2.4e6, 1e6, np.complex64),
    (22050.0, 48000.0, np.float32),
    (44100.0, 48000.0, np.float32),
]


def measure(in_rate_hz: float, out_rate_hz: float, dtype, *, seconds: float, chunk: int):
    """(input MS/s, multiply-adds per input sample) for one rate pair."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(chunk * 2).astype(np.float32)
    x = x.view(np.complex64) if dtype == np.complex64 else x[:chunk]
    resampler = Resampler(in_rate_hz=in_rate_hz, out_rate_hz=out_rate_hz)
    resampler.process(x)
    n, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        resampler.process(x)
        n += x.size
    return n / (time.process_time() - start) / 1e6, resampler.macs_per_input_sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--chunk", type=int, default=65536)
    args = parser.parse_args()
    print(f"{'in Hz':>10} {'out Hz':>10} {'dtype':>9} {'MAC/in':>7} {'MS/s in':>8}")
    for in_rate_hz, out_rate_hz, dtype in PAIRS:
        msps, macs = measure(in_rate_hz, out_rate_hz, dtype, seconds=args.seconds, chunk=args.chunk)
        name = np.dtype(dtype).name
        print(f"{in_rate_hz:>10g} {out_rate_hz:>10g} {name:>9} {macs:>7.1f} {msps:>8.1f}")


if __name__ == "__main__":
    main()
