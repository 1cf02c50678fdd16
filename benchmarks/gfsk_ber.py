"""GFSK BER and burst detection vs Eb/N0 with cold-start acquisition (for docs/phy-gfsk.md).

Every burst (100-byte payload) gets a random carrier offset in +-20 kHz, a random clock
offset in +-100 ppm, a random fractional delay and a random start phase, and sits between
noise gaps of 100..200 symbols in one long stream fed to one receiver in 65 536-sample
chunks. Bit errors are counted on the payloads of the bursts that were detected (sync word
and header passed); missed bursts are reported as the detection probability.

    python benchmarks/gfsk_ber.py [--profiles gfsk9k6,...] [--ebn0 8,9,10,11,12]
        [--payload random|zeros|ones|alternating|run64] [--rate 2.4e6]
        [--options '{"timing_symbols": 96}']

``--rate`` generates the stream at that radio rate and receives it through
``phy.make_receiver(profile, sample_rate_hz=rate)`` (the resampler in front).

``--payload`` picks the payload bits: random (default), all zeros, all ones, alternating
(0x55 bytes), or random with a 64-bit run of zeros or ones at a random byte position.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

import phy
from phy.channel import awgn
from phy.profiles import get_profile


def _impair(x, rng, fs, cfo_hz, ppm, delay):
    """Clock offset and delay by interpolating the (smooth) phase, then the carrier offset."""
    phase = np.unwrap(np.angle(x.astype(np.complex128)))
    t = np.arange(int((x.size - 2) / (1 + ppm * 1e-6))) * (1 + ppm * 1e-6) + delay
    y = np.exp(1j * (np.interp(t, np.arange(x.size), phase) + rng.uniform(0, 2 * np.pi)))
    return y * np.exp(2j * np.pi * cfo_hz / fs * np.arange(y.size))


PAYLOADS = ("random", "zeros", "ones", "alternating", "run64")


def _payload(rng, kind, n):
    """One payload of ``n`` bytes (n >= 8) of the given kind (see the module docstring)."""
    if kind == "random":
        return rng.bytes(n)
    if kind in ("zeros", "ones", "alternating"):
        return {"zeros": b"\x00", "ones": b"\xff", "alternating": b"\x55"}[kind] * n
    data = bytearray(rng.bytes(n))
    at = int(rng.integers(0, n - 7))
    data[at : at + 8] = (b"\x00" if rng.random() < 0.5 else b"\xff") * 8
    return bytes(data)


def _stream(p, rng, n_bursts, ebn0_db, payload_bytes, kind="random", rate=None):
    fs = rate or p.sample_rate_hz
    sps = p.samples_per_symbol * fs / p.sample_rate_hz
    parts, payloads = [], []
    for _ in range(n_bursts):
        payload = _payload(rng, kind, payload_bytes)
        x = _impair(phy.modulate(p, payload, sample_rate_hz=fs), rng, fs, rng.uniform(-20e3, 20e3),
                    rng.uniform(-100, 100), rng.uniform(0, 1))  # fmt: skip
        parts += [np.zeros(int(int(rng.integers(100, 200)) * sps)), x]
        payloads.append(payload)
    parts.append(np.zeros(int(200 * sps)))
    clean = np.concatenate(parts).astype(np.complex64)
    noisy = awgn(clean, rng=rng, sample_rate_hz=fs, bit_rate_bps=p.bit_rate_bps,
                 ebn0_db=ebn0_db, signal_power=1.0)  # fmt: skip
    return noisy, payloads


def measure(
    name,
    ebn0_db,
    *,
    rng,
    payload_bytes=100,
    min_errors=100,
    min_bursts=200,
    max_bursts=2500,
    kind="random",
    rate=None,
    options=None,
):
    p = get_profile(name)
    errors = bits = sent = found = 0
    rx = phy.make_receiver(p, sample_rate_hz=rate, **(options or {}))
    while (errors < min_errors or sent < min_bursts) and sent < max_bursts:
        stream, payloads = _stream(p, rng, 50, ebn0_db, payload_bytes, kind, rate)
        bursts = []
        for start in range(0, stream.size, 65536):
            bursts += rx.process(stream[start : start + 65536])
        got = {}
        for b in bursts:
            got.setdefault(len(b.llrs), []).append(b)
        sent += len(payloads)
        # match bursts to payloads in order (lengths are all equal; a false burst would
        # have another length or fail to match any payload closely)
        queue = [b for b in bursts if len(b.llrs) == 8 * payload_bytes]
        for payload in payloads:
            truth = np.unpackbits(np.frombuffer(payload, np.uint8))
            for i, b in enumerate(queue):
                e = int(np.count_nonzero(b.bits != truth))
                if e < truth.size // 4:
                    errors += e
                    bits += truth.size
                    found += 1
                    del queue[: i + 1]
                    break
    return errors, bits, found, sent, rx.counters.get("abandoned", 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", default="gfsk9k6,gfsk50k,gfsk250k")
    parser.add_argument("--ebn0", default="8,9,10,11,12")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-bursts", type=int, default=200)
    parser.add_argument("--payload", choices=PAYLOADS, default="random")
    parser.add_argument("--rate", type=float, default=None, help="radio rate (default native)")
    parser.add_argument("--options", type=json.loads, default={}, help="receiver options, JSON")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print("| profile | Eb/N0 dB | BER | bit errors / bits | detected / sent | abandoned |")
    print("|---|---|---|---|---|---|")
    for name in args.profiles.split(","):
        for ebn0 in (float(v) for v in args.ebn0.split(",")):
            t0 = time.perf_counter()
            errors, bits, found, sent, abandoned = measure(
                name, ebn0, rng=rng, min_bursts=args.min_bursts, kind=args.payload,
                rate=args.rate, options=args.options,
            )  # fmt: skip
            ber = errors / bits if bits else float("nan")
            print(f"| {name} | {ebn0:g} | {ber:.2e} | {errors} / {bits} | {found} / {sent} "
                  f"({100 * found / sent:.1f}%) | {abandoned} |", flush=True)  # fmt: skip
            del t0


if __name__ == "__main__":
    main()
