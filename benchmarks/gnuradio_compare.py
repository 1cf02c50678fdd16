"""Receiver throughput of sdrlink beside equivalent GNU Radio 3.10 flowgraphs, on one core.

Flowgraphs (run by Debian's ``/usr/bin/python3`` with ``gnuradio``, pinned to one CPU):

* GFSK: ``digital.gfsk_demod`` at 8 samples/symbol, against sdrlink's gfsk250k receiver at
  its native rate (8 sps);
* QPSK: ``digital.pfb_clock_sync_ccf`` (32 filters, RRC a=0.35) + ``digital.costas_loop_cc``
  + ``digital.constellation_decoder_cb`` at 4 samples/symbol, against qpsk250k at 4 sps.

Both sides process the same noisy burst stream (our modulator, Eb/N0 15 dB, noise gaps),
read from a ``.cf32`` file by GNU Radio. Rates are per CPU second of each process (both
pinned to one CPU), so other load on the machine does not skew the ratio. GNU Radio's
receivers do less (no burst search, framing, header decoding or soft bits), so the ratio
flatters GNU Radio, if anything.

Run: ``python benchmarks/gnuradio_compare.py [--seconds 2] [--gr-python /usr/bin/python3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

_GR_SCRIPT = r"""
import json, sys, time
import numpy as np
from gnuradio import blocks, digital, filter, gr
kind, path, n_samples = sys.argv[1], sys.argv[2], int(sys.argv[3])
tb = gr.top_block()
src = blocks.file_source(gr.sizeof_gr_complex, path, True)
head = blocks.head(gr.sizeof_gr_complex, n_samples)
tb.connect(src, head)
if kind == "gfsk":
    sensitivity = 3.141592653589793 * 0.5 / 8  # h = 0.5 at 8 samples per symbol
    demod = digital.gfsk_demod(samples_per_symbol=8, sensitivity=sensitivity)
    sink = blocks.null_sink(gr.sizeof_char)
    tb.connect(head, demod, sink)
else:
    sps, nfilts = 4, 32
    taps = filter.firdes.root_raised_cosine(nfilts, nfilts, 1.0, 0.35, 11 * sps * nfilts)
    sync = digital.pfb_clock_sync_ccf(sps, 6.28 / 100, taps, nfilts, nfilts // 2, 1.5, 1)
    costas = digital.costas_loop_cc(6.28 / 100, 4)
    decoder = digital.constellation_decoder_cb(digital.constellation_qpsk().base())
    sink = blocks.null_sink(gr.sizeof_char)
    tb.connect(head, sync, costas, decoder, sink)
import resource
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
start = cpu()
tb.run()
print(json.dumps({"samples_per_s": n_samples / (cpu() - start)}))
"""


def _stream(profile: str) -> np.ndarray:
    from phy.measure._bench import _test_stream
    from phy.profiles import get_profile

    p = get_profile(profile)
    return _test_stream(p, p.sample_rate_hz, n_bursts=8).astype(np.complex64)


def _gnuradio(kind: str, stream: np.ndarray, seconds: float, gr_python: str, cpu: int) -> float:
    with tempfile.TemporaryDirectory(prefix="sdrlink-gr-") as tmp:
        path = Path(tmp) / "stream.cf32"
        stream.tofile(path)
        n_samples = 1_000_000
        best = 0.0
        for _ in range(3):  # grow the run until it lasts ``seconds``; keep the best rate
            cmd = ["taskset", "-c", str(cpu), gr_python, "-c", _GR_SCRIPT, kind, str(path)]
            result = subprocess.run(
                [*cmd, str(n_samples)], capture_output=True, text=True, check=False, timeout=900
            )
            if result.returncode != 0:
                raise SystemExit(f"GNU Radio {kind} flowgraph failed: {result.stderr[-400:]}")
            rate = json.loads(result.stdout.strip().splitlines()[-1])["samples_per_s"]
            best = max(best, rate)
            if n_samples / rate >= seconds:
                break
            n_samples = int(rate * seconds * 1.1)
        return best


def _sdrlink(profile: str, stream: np.ndarray, seconds: float) -> float:
    from phy.measure._bench import time_calls
    from phy.modem import make_receiver

    receiver = make_receiver(profile)
    chunk = 65536

    def call() -> int:
        for start in range(0, stream.size, chunk):
            receiver.process(stream[start : start + chunk])
        return stream.size

    return time_calls(call, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="timing per measurement")
    parser.add_argument("--gr-python", default="/usr/bin/python3", help="python with gnuradio")
    parser.add_argument("--cpu", type=int, default=0, help="the one CPU both sides run on")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    check = subprocess.run(
        [args.gr_python, "-c", "from gnuradio import gr; print(gr.version())"],
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode != 0:
        sys.exit("GNU Radio not found: apt-get install -y gnuradio (uses /usr/bin/python3)")
    os.sched_setaffinity(0, {args.cpu})
    if not args.json:
        print(f"# GNU Radio {check.stdout.strip()}, one CPU (taskset -c {args.cpu})")
        print(f"{'receiver':<40} {'sdrlink S/s':>12} {'GNU Radio S/s':>14} {'ratio':>6}")
    for kind, profile, label in (
        ("gfsk", "gfsk250k", "GFSK 8 sps (gfsk_demod)"),
        ("qpsk", "qpsk250k", "QPSK 4 sps (pfb_clock_sync+costas+decoder)"),
    ):
        stream = _stream(profile)
        started = time.perf_counter()
        ours = _sdrlink(profile, stream, args.seconds)
        theirs = _gnuradio(kind, stream, args.seconds, args.gr_python, args.cpu)
        record = {
            "receiver": kind,
            "profile": profile,
            "sdrlink_samples_per_s": round(ours),
            "gnuradio_samples_per_s": round(theirs),
            "ratio": round(ours / theirs, 3),
            "wall_s": round(time.perf_counter() - started, 1),
        }
        if args.json:
            print(json.dumps(record), flush=True)
        else:
            print(f"{label:<40} {ours:>12.4g} {theirs:>14.4g} {ours / theirs:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
