"""BER and burst-detection probability of the PSK modem against coherent theory.

Every burst is acquired from a cold start with its own random carrier offset (+-20 kHz),
sample-clock offset (+-100 ppm), fractional delay and carrier phase; bursts are separated by
noise-only gaps and the whole stream goes through ``phy.channel.awgn`` at Eb/N0 (Eb = P/Rb
with P = 1, the power of the modulated data). BER counts the payload bits of the bursts that
were found; a burst is found when a ``Burst`` starts within 2 symbols of where it was sent.

    python benchmarks/psk_ber.py                       # all four profiles, the docs table
    python benchmarks/psk_ber.py --profiles qpsk1m --ebn0 6.8 7.8
    python benchmarks/psk_ber.py --sample-rate 2.4e6 --ebn0 6.8 8.4   # through the resampler
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
from scipy.special import erfc, erfcinv

from phy.channel import awgn
from phy.framing import frame_bits
from phy.modem import make_receiver, modulate_bits
from phy.profiles import get_profile
from phy.psk._impair import impair
from phy.psk._pulse import TX_SPAN_SYMBOLS

PROFILES = ["bpsk250k", "qpsk250k", "bpsk1m", "qpsk1m"]


def theory_ber(ebn0_db: float) -> float:
    return 0.5 * erfc(np.sqrt(10 ** (ebn0_db / 10)))


def theory_ebn0_db(ber: float) -> float:
    return float(10 * np.log10(erfcinv(2 * ber) ** 2))


def _block(p, rng, n_bursts, payload_bytes, ebn0_db, rate_hz):
    """One stream of ``n_bursts`` impaired bursts at ``rate_hz``; samples, bits, starts."""
    sps = rate_hz / p.symbol_rate_baud
    parts, truth, starts, pos = [], [], [], 0
    for _ in range(n_bursts):
        payload = rng.bytes(payload_bytes)
        x = modulate_bits(p, frame_bits(p, payload), sample_rate_hz=rate_hz)
        delay = rng.uniform(0, 1)
        ratio = 1 - rng.uniform(-100, 100) * 1e-6
        y = impair(
            x,
            sample_rate_hz=rate_hz,
            cfo_hz=rng.uniform(-20e3, 20e3),
            clock_ppm=(1 - ratio) * 1e6,
            delay_samples=delay,
            phase_rad=rng.uniform(0, 2 * np.pi),
        )
        gap = int(rng.integers(50, 150) * sps)
        first_sync = (p.preamble_bits + TX_SPAN_SYMBOLS / 2 - 0.5) * sps
        starts.append(pos + gap + (first_sync + delay) / ratio)
        truth.append(np.unpackbits(np.frombuffer(payload, np.uint8)))
        parts += [np.zeros(gap, np.complex64), y]
        pos += gap + y.size
    parts.append(np.zeros(int(100 * sps), np.complex64))
    stream = awgn(
        np.concatenate(parts),
        rng=rng,
        sample_rate_hz=rate_hz,
        signal_power=1.0,
        bit_rate_bps=p.bit_rate_bps,
        ebn0_db=ebn0_db,
    )
    return stream, truth, np.array(starts)


def measure(name, ebn0_db, rng, *, payload_bytes, min_errors, max_bits, min_bursts, rate_hz):
    p = get_profile(name)
    rate_hz = rate_hz or p.sample_rate_hz
    tolerance = 2 * rate_hz / p.symbol_rate_baud
    errors = bits = sent = found = false = 0
    while (errors < min_errors or sent < min_bursts) and bits < max_bits:
        stream, truth, starts = _block(p, rng, 20, payload_bytes, ebn0_db, rate_hz)
        rx = make_receiver(p, sample_rate_hz=rate_hz)
        bursts = []
        for lo in range(0, stream.size, 65536):
            bursts += rx.process(stream[lo : lo + 65536])
        bursts += rx.flush()
        sent += len(truth)
        for b in bursts:
            k = int(np.argmin(np.abs(starts - b.start_sample)))
            if abs(starts[k] - b.start_sample) > tolerance:
                false += 1
                continue
            found += 1
            ref = truth[k]
            got = b.bits
            n = min(got.size, ref.size)
            errors += int(np.count_nonzero(got[:n] != ref[:n])) + abs(got.size - ref.size)
            bits += ref.size
    return errors, bits, sent, found, false


def crossing(points, target):
    """Eb/N0 (dB) where the measured BER curve crosses ``target`` (log-linear), or None."""
    for (x0, b0), (x1, b1) in itertools.pairwise(points):
        if b0 >= target >= b1 > 0:
            t = (np.log10(b0) - np.log10(target)) / (np.log10(b0) - np.log10(b1))
            return x0 + t * (x1 - x0)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=PROFILES)
    parser.add_argument("--ebn0", nargs="+", type=float, default=[6.3, 6.8, 7.3, 7.8, 8.4, 8.9])
    parser.add_argument("--payload-bytes", type=int, default=250)
    parser.add_argument("--min-errors", type=int, default=100)
    parser.add_argument("--min-bursts", type=int, default=400)
    parser.add_argument("--max-bits", type=float, default=4e6)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--sample-rate", type=float, default=None, help="radio rate (default: native)"
    )
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print("| profile | Eb/N0 dB | BER | theory | errors | bits | bursts found/sent | false |")
    print("|---|---|---|---|---|---|---|---|")
    summary = []
    for name in args.profiles:
        points = []
        t0 = time.process_time()
        for ebn0 in args.ebn0:
            e, n, sent, found, false = measure(
                name,
                ebn0,
                rng,
                payload_bytes=args.payload_bytes,
                min_errors=args.min_errors,
                max_bits=args.max_bits,
                min_bursts=args.min_bursts,
                rate_hz=args.sample_rate,
            )
            ber = e / max(n, 1)
            points.append((ebn0, ber))
            print(
                f"| {name} | {ebn0:.1f} | {ber:.2e} | {theory_ber(ebn0):.2e} | {e} | {n} "
                f"| {found}/{sent} ({100 * found / sent:.2f} %) | {false} |",
                flush=True,
            )
            if ber < 1e-4:
                break
        losses = []
        for target in (1e-3, 1e-4):
            at = crossing(points, target)
            losses.append(None if at is None else at - theory_ebn0_db(target))
        summary.append((name, losses, time.process_time() - t0))
    print("\n| profile | loss at 1e-3 (dB) | loss at 1e-4 (dB) |")
    print("|---|---|---|")
    for name, (l3, l4), _ in summary:
        fmt = [f"{v:+.2f}" if v is not None else "n/a" for v in (l3, l4)]
        print(f"| {name} | {fmt[0]} | {fmt[1]} |")


if __name__ == "__main__":
    main()
