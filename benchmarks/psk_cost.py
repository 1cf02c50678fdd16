"""Where the PSK receiver's time goes: fixed cost per burst, cost per symbol, resampler share.

* Fixed and per-symbol cost: CPU time per burst on streams of 20-byte and of 1000-byte
  bursts at the native rate (``psk_speed``'s streams: 40-400-symbol gaps, Eb/N0 15 dB);
  the line through the two points gives the fixed cost (intercept) and the cost per symbol
  of stream (slope; gaps included).
* Resampler share: on a 2.4 MS/s stream of 255-byte bursts, CPU time of the resampler alone
  (``phy.dsp.Resampler`` as ``phy.make_receiver`` builds it) against the whole chain.
* Idle: the 2.4 MS/s chain's real-time factor on one second of noise (searching only).

Every time is the best of ``--passes`` passes (CPU time, one core).

    python benchmarks/psk_cost.py [--profiles qpsk1m ...] [--passes 25]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from psk_speed import PROFILES, RADIO_RATE_HZ, _stream

import phy
from phy.profiles import get_profile

BURSTS_PER_STREAM = 12  # as psk_speed._stream makes them


def _best_cpu_s(func, passes: int) -> float:
    func()  # compile / load the Numba cache
    best = float("inf")
    for _ in range(passes):
        start = time.process_time()
        func()
        best = min(best, time.process_time() - start)
    return best


def _per_burst(name: str, payload_bytes: int, passes: int) -> tuple[float, float]:
    """(stream symbols per burst, CPU seconds per burst) of the native receiver."""
    p = get_profile(name)
    x = _stream(name, payload_bytes, p.sample_rate_hz, np.random.default_rng(0))
    rx = phy.make_receiver(p)
    cpu_s = _best_cpu_s(lambda: rx.process(x), passes)
    symbols = x.size / p.samples_per_symbol / BURSTS_PER_STREAM
    return symbols, cpu_s / BURSTS_PER_STREAM


def _resampler_share(name: str, passes: int) -> tuple[float, float]:
    """(resampler CPU s, chain CPU s) on a 2.4 MS/s stream of 255-byte bursts."""
    x = _stream(name, 255, RADIO_RATE_HZ, np.random.default_rng(0))
    chain = phy.make_receiver(name, sample_rate_hz=RADIO_RATE_HZ)
    resampler = chain._resampler  # the very resampler the chain uses
    resample_s = _best_cpu_s(lambda: resampler.process(x), passes)
    chain.reset()
    chain_s = _best_cpu_s(lambda: chain.process(x), passes)
    return resample_s, chain_s


def _idle_real_time(name: str, passes: int) -> float:
    """Real-time factor of the 2.4 MS/s chain on 1 s of noise, fed in 64 Ki-sample chunks."""
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(2 * int(RADIO_RATE_HZ)) * 0.7).astype(np.float32).view(np.complex64)
    chain = phy.make_receiver(name, sample_rate_hz=RADIO_RATE_HZ)

    def run() -> None:
        for lo in range(0, x.size, 1 << 16):
            chain.process(x[lo : lo + (1 << 16)])

    return x.size / RADIO_RATE_HZ / _best_cpu_s(run, max(passes // 8, 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=PROFILES)
    parser.add_argument("--passes", type=int, default=25)
    args = parser.parse_args()
    print(
        "| profile | fixed us/burst | ns/symbol of stream | 2.4 MS/s chain x real time (255 B)"
        " | resampler share | idle chain x real time |"
    )
    print("|---|---|---|---|---|---|")
    for name in args.profiles:
        (s0, t0), (s1, t1) = (_per_burst(name, n, args.passes) for n in (20, 1000))
        slope = (t1 - t0) / (s1 - s0)
        resample_s, chain_s = _resampler_share(name, args.passes)
        x_size = _stream(name, 255, RADIO_RATE_HZ, np.random.default_rng(0)).size
        print(
            f"| {name} | {(t0 - slope * s0) * 1e6:.0f} | {slope * 1e9:.0f} | "
            f"{x_size / RADIO_RATE_HZ / chain_s:.1f} | {resample_s / chain_s:.0%} | "
            f"{_idle_real_time(name, args.passes):.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
