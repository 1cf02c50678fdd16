"""BER and speed of the AFSK 1200 modem (the numbers in ``docs/phy-afsk.md``).

Usage::

    python -m phy.afsk.simulate ber [--ebn0 6 8 10 12] [--min-errors 100] [--seed 1]
    python -m phy.afsk.simulate speed [--seconds 60]

``ber`` sends native-framing bursts of 200 random payload bytes through
``phy.channel.awgn`` (real audio: noise variance N0 fs / 2 at 48 kHz, Eb = burst power /
1200) and counts payload bit errors of the decoded bursts until ``--min-errors`` errors
(and at least 20 bursts) per point; a burst not found counts as lost, not as bit errors.
``speed`` times the demodulators on noise-free AFSK audio and prints multiples of real time.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from phy.afsk import AfskDemodulator, afsk_modulate
from phy.channel import awgn
from phy.modem import make_receiver, modulate
from phy.profiles import get_profile

_PAYLOAD_BYTES = 200


def ber_point(ebn0_db: float, *, min_errors: int, rng: np.random.Generator) -> dict:
    """Errors, bits, lost bursts at one Eb/N0 (bursts of 200 bytes, 1000 samples apart)."""
    profile = get_profile("afsk1200")
    fs = profile.sample_rate_hz
    errors = bits = lost = bursts = 0
    gap = np.zeros(1000, dtype=np.float32)
    while (errors < min_errors or bursts < 20) and bursts < 20_000:
        payloads = [rng.bytes(_PAYLOAD_BYTES) for _ in range(10)]
        audio_parts, power = [gap], 0.0
        for payload in payloads:
            burst = modulate(profile, payload)
            power = float(np.mean(burst**2))
            audio_parts += [burst, gap]
        audio = awgn(
            np.concatenate(audio_parts),
            rng=rng,
            sample_rate_hz=fs,
            bit_rate_bps=profile.bit_rate_bps,
            ebn0_db=ebn0_db,
            signal_power=power,
        )
        receiver = make_receiver(profile)
        found = receiver.process(audio) + receiver.flush()
        got = {round(b.start_sample / (fs / 10)): b for b in found}  # dedupe by position
        decoded = [b for b in got.values() if len(b.llrs) == 8 * _PAYLOAD_BYTES]
        sent_bits = [np.unpackbits(np.frombuffer(p, dtype=np.uint8)) for p in payloads]
        for b in decoded:
            # match each decoded burst with the sent payload closest in Hamming distance
            errs = min(int(np.count_nonzero(b.bits != s)) for s in sent_bits)
            errors += errs
            bits += b.bits.size
        lost += len(payloads) - len(decoded)
        bursts += len(payloads)
    return {"ebn0_db": ebn0_db, "errors": errors, "bits": bits, "lost": lost, "bursts": bursts}


def speed(seconds: float) -> list[tuple[str, float]]:
    """Multiples of real time for the demodulators (after a warm-up call)."""
    from phy.g3ruh import G3ruhDemodulator, modulate_bits

    rng = np.random.default_rng(0)
    rows = []
    cases = [
        ("AFSK 1200, 48000 Hz, 1 window", 48000, {"window_symbols": 1.6}),
        ("AFSK 1200, 48000 Hz, 3 windows", 48000, {}),
        ("AFSK 1200, 48000 Hz, 3 windows x 5", 48000, {"n_slicers": 5}),
        ("AFSK 1200, 44100 Hz, 3 windows", 44100, {}),
        ("AFSK 1200, 22050 Hz, 3 windows", 22050, {}),
        ("AFSK 1200, 8000 Hz, 3 windows", 8000, {}),
    ]
    for name, fs, options in cases:
        audio = afsk_modulate(rng.integers(0, 2, int(1200 * seconds)), sample_rate_hz=fs)
        demod = AfskDemodulator(sample_rate_hz=fs, **options)
        demod.process(audio[:4800])
        demod.reset()
        start = time.perf_counter()
        demod.process(audio)
        rows.append((name, seconds / (time.perf_counter() - start)))
    for fs in (48000, 22050):
        audio = modulate_bits(rng.integers(0, 2, int(9600 * seconds)), sample_rate_hz=fs)
        demod = G3ruhDemodulator(sample_rate_hz=fs)
        demod.process(audio[:4800])
        demod.reset()
        start = time.perf_counter()
        demod.process(audio)
        rows.append((f"G3RUH 9600, {fs} Hz, 4 streams", seconds / (time.perf_counter() - start)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m phy.afsk.simulate", description=__doc__)
    sub = parser.add_subparsers(dest="what", required=True)
    ber = sub.add_parser("ber")
    ber.add_argument("--ebn0", type=float, nargs="+", default=[6.0, 8.0, 10.0, 12.0])
    ber.add_argument("--min-errors", type=int, default=100)
    ber.add_argument("--seed", type=int, default=1)
    spd = sub.add_parser("speed")
    spd.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    if args.what == "ber":
        rng = np.random.default_rng(args.seed)
        print("Eb/N0 dB | bit errors | bits | BER | bursts lost / sent")
        for ebn0 in args.ebn0:
            r = ber_point(ebn0, min_errors=args.min_errors, rng=rng)
            ber_value = r["errors"] / max(r["bits"], 1)
            print(
                f"{ebn0:7.1f} | {r['errors']:10d} | {r['bits']:8d} | {ber_value:.2e} | "
                f"{r['lost']} / {r['bursts']}",
                flush=True,
            )
    else:
        for name, x_real_time in speed(args.seconds):
            print(f"{name:34s} {x_real_time:8.0f} x real time", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
