"""Make the shipped captures: cu8 SigMF recordings as an RTL-SDR would record them.

Each RF capture is written by ``sdrlink tx`` through the channel model with a dongle's
impairments (carrier offset, sample-clock ppm, DC offset, IQ imbalance, noise at a given
Eb/N0, AGC and 8-bit quantisation), seeded so that running this script again gives the same
samples with the same sdrlink and NumPy (a changed modulator changes the bytes, not the
expected decode). One more capture is AFSK audio, a WAV as a sound card records an FM
receiver. Next to each recording goes a sidecar ``<name>.json``: what it holds, the exact
payloads, the command that made it and the expected decode, which
``tests/test_shipped_captures.py`` checks.

Usage::

    python captures/make_captures.py           # write every capture and check it decodes
    python captures/make_captures.py --no-check
    python captures/make_captures.py --only afsk1200_48k
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
        "name": "afsk1200_48k",
        "profile": "afsk1200",
        "audio": True,
        "channel": "snr=15,twist=-6,ppm=120,gain=-6",
        "seed": 1200,
        "text": ["CQ CQ de sdrlink", "APRS-like beacon 1", "73"],
        "about": (
            "AFSK 1200 Bell 202 audio as a sound card records an FM receiver: 48 kHz mono "
            "16-bit WAV with de-emphasis twist (-6 dB), a 120 ppm clock error and noise"
        ),
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


def recording(spec: dict) -> str:
    """File name of the recording (the SigMF metadata, or the WAV file for audio)."""
    return spec["name"] + (".wav" if spec.get("audio") else ".sigmf-meta")


def tx_argv(spec: dict) -> list[str]:
    """The ``sdrlink tx`` arguments that make ``spec`` (no leading ``sdrlink``)."""
    argv = ["tx", "--profile", spec["profile"], "--out", f"captures/{recording(spec)}"]
    if not spec.get("audio"):
        argv += ["--datatype", "cu8", "--sample-rate", spec["sample_rate"], "--freq", spec["freq"]]
    argv += ["--channel", spec["channel"], "--seed", str(spec["seed"])]
    if not spec.get("audio"):
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
    audio = spec.get("audio", False)
    return {
        "recording": recording(spec),
        "what": spec["about"],
        "format": "WAV, mono 16-bit PCM"
        if audio
        else "SigMF, core:datatype cu8 (rtl_sdr unsigned 8-bit I/Q)",
        "profile": spec["profile"],
        "sample_rate": "48k" if audio else spec["sample_rate"],
        "center_freq": None if audio else spec["freq"],
        "channel": spec["channel"],
        "seed": spec["seed"],
        "command": "sdrlink " + shlex.join(tx_argv(spec)),
        "payloads_hex": [p.hex() for p in payloads(spec)],
        "payloads_text": [p.decode("utf-8", "replace") for p in payloads(spec)],
        "expected": {
            "command": f"sdrlink rx captures/{recording(spec)} --json"
            + (f" --profile {spec['profile']}" if audio else ""),
            "bursts": len(payloads(spec)),
            "payloads_hex": [p.hex() for p in payloads(spec)],
            "cfo_hz": channel.get("cfo_hz", 0.0),
            "cfo_tolerance_hz": 1000.0,
        },
    }


def decode(path: Path, profile: str) -> list:
    from phy.captures import CaptureReader
    from phy.modem import make_receiver

    with CaptureReader(path) as reader:
        receiver = make_receiver(profile, sample_rate_hz=reader.sample_rate_hz)
        bursts = []
        for chunk in reader.chunks(1 << 16):
            bursts += receiver.process(chunk)
        return bursts + receiver.flush()


_README_HEAD = """# Shipped captures

Small recordings for replay (`sdrlink rx captures/NAME.sigmf-meta`). The RF ones are made
like an RTL-SDR records: SigMF with `core:datatype` `cu8` (unsigned 8-bit I/Q, zero at
127.5), at a dongle's sample rate, through the sdrlink channel model with a dongle's
impairments: carrier offset (`cfo`), sample-clock offset (`ppm`), DC offset (`dc`), IQ
imbalance (`iq_amp` dB, `iq_phase` degrees), white noise at an Eb/N0 (`ebn0`), then AGC and
8-bit quantisation (`rtl=1`). The audio one is a 48 kHz mono 16-bit WAV of AFSK 1200 with
the twist, clock error and noise of a sound card behind an FM receiver.

Each has a sidecar `NAME.json` with the exact payloads (hex and text), the command that made
it and the expected decode; `tests/test_shipped_captures.py` replays every one and checks
that all payloads come back, in order, with the CFO within 1 kHz (and, for SigMF, the
`core:sha512` of the data and one annotation per transmitted burst: `core:sample_start`,
`core:sample_count`, `core:freq_lower_edge`/`upper_edge`, `sdrlink:payload_hex`,
`sdrlink:ebn0_db`, `sdrlink:cfo_hz`, `sdrlink:clock_ppm`).

They are made by `python captures/make_captures.py` (seeded; it also decodes each one and
says `ok`, and rewrites this file from the sidecars). Running it again gives the same bytes
with the same sdrlink and NumPy; a later modulator may give other bytes with the same
expected decode.
"""

_README_TAIL = """## Replaying

```sh
sdrlink rx captures/qpsk250k_915M_2M4.sigmf-meta          # one line per burst
sdrlink rx captures/gfsk9k6_433M92_1M024.sigmf-meta --json
sdrlink rx captures/afsk1200_48k.wav --profile afsk1200
python -m phy.radios.rtl_tcp_server captures/gfsk50k_868M3_1M024.sigmf-meta --port 1234 &
sdrlink rx --radio rtl_tcp://127.0.0.1:1234 --profile gfsk50k --sample-rate 1.024M
```
"""


def readme() -> str:
    """captures/README.md from the sidecars on disk."""
    rows = [json.loads(p.read_text()) for p in sorted(HERE.glob("*.json"))]
    out = [_README_HEAD, "| recording | profile | rate | centre | channel | bursts | bytes |"]
    out.append("|---|---|---|---|---|---:|---:|")
    for d in rows:
        path = HERE / d["recording"]
        data = path.with_suffix(".sigmf-data") if path.suffix == ".sigmf-meta" else path
        centre = f"{d['center_freq']}Hz" if d["center_freq"] else "audio"
        out.append(
            f"| `{d['recording']}` | {d['profile']} | {d['sample_rate']}S/s | {centre} | "
            f"`{d['channel']}` | {d['expected']['bursts']} | {data.stat().st_size} |"
        )
    out += ["", "## What each holds", ""]
    for d in rows:
        out += [f"### `{d['recording']}`", "", d["what"] + ".", "", "Made with:", "", "```sh"]
        out += [d["command"], "```", ""]
        out += [f"Expected decode (`{d['expected']['command']}`): {d['expected']['bursts']} "]
        out[-1] += "bursts, these payloads in order:"
        out.append("")
        for hex_, text in zip(d["payloads_hex"], d["payloads_text"], strict=True):
            shown = json.dumps(text) if text.isprintable() and text else "(binary)"
            out.append(f"- `{hex_ or '(empty)'}` {shown}")
        out.append("")
    return "\n".join([*out, _README_TAIL])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-check", action="store_true", help="do not decode after writing")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="make only these captures")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE.parent))
    from upper.cli import main as sdrlink

    failures = 0
    for spec in CAPTURES:
        if args.only and spec["name"] not in args.only:
            continue
        argv_tx = tx_argv(spec)
        path = HERE / recording(spec)
        argv_tx[argv_tx.index("--out") + 1] = str(path)
        if sdrlink(argv_tx) != 0:
            return 1
        (HERE / f"{spec['name']}.json").write_text(json.dumps(sidecar(spec), indent=2) + "\n")
        data = path if spec.get("audio") else path.with_suffix(".sigmf-data")
        line = f"{spec['name']}: {data.stat().st_size / 1e6:.2f} MB"
        if not args.no_check:
            got = [b.payload for b in decode(path, spec["profile"])]
            ok = got == payloads(spec)
            failures += not ok
            line += f", decoded {len(got)}/{len(payloads(spec))} {'ok' if ok else 'MISMATCH'}"
        print(line)
    (HERE / "README.md").write_text(readme())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
