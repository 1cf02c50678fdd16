"""Make the shipped captures: cu8 SigMF recordings as an RTL-SDR would record them.

Each capture is written by ``sdrlink tx`` through the channel model with a dongle's
impairments (carrier offset, sample-clock ppm, DC offset, IQ imbalance, noise at a given
Eb/N0, AGC and 8-bit quantisation), seeded so that running this script again gives the same
samples. Next to each recording goes a sidecar ``<name>.json``: what it holds, the exact
payloads, the command that made it and the expected decode, which
``tests/test_shipped_captures.py`` checks.

Usage::

    python captures/make_captures.py           # write every capture and check it decodes
    python captures/make_captures.py --no-check
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATETIME = "2026-11-25T19:00:00.000Z"
HW = "RTL-SDR Blog V3 (R820T2), simulated by the sdrlink channel model"

CAPTURES = [
    {
        "name": "gfsk9k6_433M92_1M024",
        "profile": "gfsk9k6",
        "sample_rate": "1.024M",
        "freq": "433.92M",
        "channel": "ebn0=17,cfo=3100,ppm=7,dc=0.02-0.01j,iq_amp=0.5,iq_phase=2,rtl=1",
        "seed": 9600,
        "text": [
            "The quick brown fox",
            "jumps over the lazy dog",
            "temperature=21.5C humidity=48%",
            "sdrlink shipped capture #4",
        ],
        "about": "2-GFSK 9.6 kbaud bursts (an ISM sensor link) at 433.92 MHz, 1.024 MS/s",
    },
    {
        "name": "gfsk50k_868M3_1M024",
        "profile": "gfsk50k",
        "sample_rate": "1.024M",
        "freq": "868.3M",
        "channel": "ebn0=16,cfo=-12000,ppm=-15,dc=0.015+0.01j,iq_amp=0.4,iq_phase=-1.5,rtl=1",
        "seed": 50,
        "hex": [
            "0102030405060708",
            "00ff00ff00ff00ff55aa55aa",
            "deadbeefcafef00d0123456789abcdef",
            "a5" * 40,
            "",
            "7e" + bytes(range(0, 240, 8)).hex() + "7e",
        ],
        "about": "2-GFSK 50 kbaud binary frames at 868.3 MHz, 1.024 MS/s, one empty payload",
    },
    {
        "name": "qpsk250k_915M_2M4",
        "profile": "qpsk250k",
        "sample_rate": "2.4M",
        "freq": "915M",
        "channel": "ebn0=15,cfo=20000,ppm=25,dc=0.01+0.02j,iq_amp=0.3,iq_phase=1,rtl=1",
        "seed": 250,
        "text": [f"QPSK frame {i:02d}: " + "sdrlink " * (i % 4 + 1) for i in range(8)],
        "about": "QPSK 250 kbaud RRC 0.35 bursts at 915 MHz, 2.4 MS/s (the usual dongle rate)",
    },
    {
        "name": "bpsk250k_433M92_2M4_weak",
        "profile": "bpsk250k",
        "sample_rate": "2.4M",
        "freq": "433.92M",
        "channel": "ebn0=11,cfo=-15000,ppm=-20,dc=-0.02+0.01j,iq_amp=0.5,iq_phase=2,rtl=1",
        "seed": 1250,
        "text": ["weak signal " + str(i) for i in range(6)],
        "about": "BPSK 250 kbaud at a low Eb/N0 of 11 dB, 433.92 MHz, 2.4 MS/s",
    },
]


def tx_argv(spec: dict) -> list[str]:
    """The ``sdrlink tx`` arguments that make ``spec`` (no leading ``sdrlink``)."""
    argv = ["tx", "--profile", spec["profile"], "--out", f"captures/{spec['name']}.sigmf-meta"]
    argv += ["--datatype", "cu8", "--sample-rate", spec["sample_rate"], "--freq", spec["freq"]]
    argv += ["--channel", spec["channel"], "--seed", str(spec["seed"])]
    argv += ["--hw", HW, "--datetime", DATETIME]
    if "hex" in spec:
        return [*argv, "--hex", *spec["hex"]]
    return [*argv, "--", *spec["text"]]


def payloads(spec: dict) -> list[bytes]:
    if "hex" in spec:
        return [bytes.fromhex(item) for item in spec["hex"]]
    return [item.encode() for item in spec["text"]]


def sidecar(spec: dict) -> dict:
    from upper.cli.tx import parse_channel

    channel = parse_channel(spec["channel"])
    return {
        "recording": f"{spec['name']}.sigmf-meta",
        "what": spec["about"],
        "format": "SigMF, core:datatype cu8 (rtl_sdr unsigned 8-bit I/Q)",
        "profile": spec["profile"],
        "sample_rate": spec["sample_rate"],
        "center_freq": spec["freq"],
        "channel": spec["channel"],
        "seed": spec["seed"],
        "command": "sdrlink " + shlex.join(tx_argv(spec)),
        "payloads_hex": [p.hex() for p in payloads(spec)],
        "payloads_text": [p.decode("utf-8", "replace") for p in payloads(spec)],
        "expected": {
            "command": f"sdrlink rx captures/{spec['name']}.sigmf-meta --json",
            "bursts": len(payloads(spec)),
            "payloads_hex": [p.hex() for p in payloads(spec)],
            "cfo_hz": channel.get("cfo_hz", 0.0),
            "cfo_tolerance_hz": 1000.0,
        },
    }


def decode(path: Path) -> list:
    from phy.captures import CaptureReader
    from phy.modem import make_receiver

    with CaptureReader(path) as reader:
        receiver = make_receiver(reader.profile, sample_rate_hz=reader.sample_rate_hz)
        bursts = []
        for chunk in reader.chunks(1 << 16):
            bursts += receiver.process(chunk)
        return bursts + receiver.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-check", action="store_true", help="do not decode after writing")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE.parent))
    from upper.cli import main as sdrlink

    failures = 0
    for spec in CAPTURES:
        argv_tx = tx_argv(spec)
        argv_tx[argv_tx.index("--out") + 1] = str(HERE / f"{spec['name']}.sigmf-meta")
        if sdrlink(argv_tx) != 0:
            return 1
        (HERE / f"{spec['name']}.json").write_text(json.dumps(sidecar(spec), indent=2) + "\n")
        size = (HERE / f"{spec['name']}.sigmf-data").stat().st_size
        line = f"{spec['name']}: {size / 1e6:.2f} MB"
        if not args.no_check:
            got = [b.payload for b in decode(HERE / f"{spec['name']}.sigmf-meta")]
            ok = got == payloads(spec)
            failures += not ok
            line += f", decoded {len(got)}/{len(payloads(spec))} {'ok' if ok else 'MISMATCH'}"
        print(line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
