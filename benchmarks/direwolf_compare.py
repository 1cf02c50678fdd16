"""Decode counts and speed beside Dire Wolf's atest on gen_packets test files.

Generates the files with Dire Wolf's own ``gen_packets -n 100`` (100 frames at rising noise)
for AFSK 1200 and G3RUH 9600, plain and FX.25 (-X 16/32/64), decodes each with ``atest`` and
with sdrlink, checks that every frame sdrlink reports is one that was sent, and prints one
row per file (``--json`` for records). Usage::

    python benchmarks/direwolf_compare.py [--frames 100] [--json] [--fix-bits N]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from mac.ax25.modem import PacketDecoder

SENT = re.compile(
    r"^WB2OSZ-15>TEST:,The quick brown fox jumps over the lazy dog!  (\d{4}) of (\d{4})$"
)
CASES = [
    ("afsk1200", [], None),
    ("afsk1200", ["-X", "16"], None),
    ("afsk1200", ["-X", "32"], None),
    ("afsk1200", ["-X", "64"], None),
    ("g3ruh9600", ["-B", "9600"], None),
    ("g3ruh9600", ["-B", "9600", "-X", "16"], None),
    ("g3ruh9600", ["-B", "9600", "-X", "32"], None),
    ("g3ruh9600", ["-B", "9600", "-X", "64"], None),
]


def read_wav(path: Path) -> tuple[np.ndarray, float]:
    with wave.open(str(path)) as w:
        raw = w.readframes(w.getnframes())
        rate, channels = w.getframerate(), w.getnchannels()
    audio = np.frombuffer(raw, dtype="<i2").reshape(-1, channels)[:, 0]
    return audio.astype(np.float32) / 32768, float(rate)


def atest_count(path: Path, mode: str) -> tuple[int, float, str]:
    args = ["atest", "-P", "E+"] if mode == "afsk1200" else ["atest", "-B", "9600"]
    start = time.perf_counter()
    out = subprocess.run([*args, str(path)], capture_output=True, text=True).stdout
    elapsed = time.perf_counter() - start
    return int(re.search(r"(\d+) packets decoded", out).group(1)), elapsed, " ".join(args)


def sdrlink_count(path: Path, mode: str, fix_bits: int) -> tuple[int, int, float]:
    audio, rate = read_wav(path)
    start = time.perf_counter()
    decoder = PacketDecoder(sample_rate_hz=rate, mode=mode, fix_bits=fix_bits)
    packets = []
    for chunk in np.array_split(audio, max(audio.size // 65536, 1)):
        packets += decoder.process(chunk)
    packets += decoder.flush()
    elapsed = time.perf_counter() - start
    numbers, bogus = set(), 0
    for packet in packets:
        match = SENT.match(str(packet.frame))
        if match:
            numbers.add(int(match.group(1)))
        else:
            bogus += 1
    return len(numbers), bogus, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--fix-bits", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not (shutil.which("gen_packets") and shutil.which("atest")):
        print("needs Dire Wolf's gen_packets and atest (apt-get install direwolf)", file=sys.stderr)
        return 2
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for mode, options, _ in CASES:
            if mode == "g3ruh9600":
                try:
                    import phy.g3ruh  # noqa: F401
                except ImportError:
                    continue
            path = Path(tmp) / f"{mode}{''.join(options)}.wav"
            subprocess.run(
                ["gen_packets", "-n", str(args.frames), *options, "-o", str(path)],
                check=True,
                capture_output=True,
            )
            duration_s = read_wav(path)[0].size / read_wav(path)[1]
            theirs, their_s, command = atest_count(path, mode)
            ours, bogus, our_s = sdrlink_count(path, mode, args.fix_bits)
            rows.append(
                {
                    "file": f"gen_packets -n {args.frames} {' '.join(options)}".strip(),
                    "atest_command": command,
                    "atest_frames": theirs,
                    "sdrlink_frames": ours,
                    "sdrlink_not_sent": bogus,
                    "atest_x_realtime": round(duration_s / their_s, 1),
                    "sdrlink_x_realtime": round(duration_s / our_s, 1),
                }
            )
            if args.json:
                print(json.dumps(rows[-1]), flush=True)
    if not args.json:
        print(
            f"{'file':<34} {'atest':>6} {'sdrlink':>8} {'bogus':>6} "
            f"{'atest xRT':>10} {'ours xRT':>9}"
        )
        for r in rows:
            print(
                f"{r['file']:<34} {r['atest_frames']:>6} {r['sdrlink_frames']:>8} "
                f"{r['sdrlink_not_sent']:>6} {r['atest_x_realtime']:>10} "
                f"{r['sdrlink_x_realtime']:>9}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
