"""PER of every data-link FEC level through the real modem, and the coding gains at PER 1 %.

Runs ``sdrlink simulate --profile P --fec LEVEL --json`` for each level over its own Eb/N0
range (the whole burst charged to the information bits; cold-start acquisition and random
offsets per burst; 2.4 MS/s radio rate), then prints a markdown table per level, the Eb/N0
at PER 1 % (log-linear interpolation between the points around it), the coding gain of each
level over ``none`` (same framing, CRC only) and over an ideal uncoded 255-byte packet
(theory, no overhead), and writes one plot with every curve.

    python benchmarks/fec_levels.py --profile qpsk250k --plot docs/fec_modem_qpsk250k.png

About an hour of CPU with the defaults (100 errors per point, up to 30000 packets).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import subprocess
import sys

RANGES = {  # Eb/N0 sweeps (dB) that bracket PER 1 % for each level on qpsk250k
    "none": "9.5:11.5:0.5",
    "rs": "5.75:7:0.25",
    "conv": "3.75:5:0.25",
    "rs+conv": "2.25:3.25:0.25",
}


def run_level(profile: str, level: str, sweep: str, args) -> list[dict]:
    """The PER points of one level (``sdrlink simulate --json``)."""
    cmd = [
        "sdrlink", "simulate", "--profile", profile, "--fec", level, "--ebn0", sweep,
        "--min-errors", str(args.min_errors), "--max-packets", str(args.max_packets),
        "--seed", str(args.seed), "--json", "--quiet",
    ]  # fmt: skip
    print("#", " ".join(cmd), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [row for row in map(json.loads, out.splitlines()) if row.get("kind") == "per"]


def ebn0_at(points: list[dict], target: float = 0.01) -> float | None:
    """Eb/N0 where PER crosses ``target``, interpolating log10(PER) linearly in dB."""
    pts = sorted((p["ebn0_db"], p["per"]) for p in points)
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        if y0 >= target >= y1 and y0 > 0 and y1 > 0 and y0 != y1:
            t = (math.log10(target) - math.log10(y0)) / (math.log10(y1) - math.log10(y0))
            return x0 + t * (x1 - x0)
    return None


def uncoded_ebn0_at(target: float = 0.01, n_bits: int = 2040) -> float:
    """Eb/N0 at which an ideal uncoded BPSK/QPSK packet of ``n_bits`` has PER ``target``."""
    lo, hi = 0.0, 20.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        ber = 0.5 * math.erfc(math.sqrt(10 ** (mid / 10)))
        per = 1 - (1 - ber) ** n_bits
        lo, hi = (mid, hi) if per > target else (lo, mid)
    return 0.5 * (lo + hi)


def table(level: str, points: list[dict]) -> str:
    lines = [
        f"| {level} Eb/N0 (dB) | packets | errors | PER | bursts found |",
        "|---:|---:|---:|---:|---:|",
    ]
    for p in points:
        mark = "" if p["packet_errors"] >= 100 else " *"
        lines.append(
            f"| {p['ebn0_db']:.2f} | {p['packets']} | {p['packet_errors']}{mark} | "
            f"{p['per']:.2e} | {p['bursts_found']} |"
        )
    return "\n".join(lines)


def plot(path: str, profile: str, curves: dict[str, list[dict]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for level, points in curves.items():
        xs = [p["ebn0_db"] for p in points if p["per"] > 0]
        ys = [p["per"] for p in points if p["per"] > 0]
        ax.semilogy(xs, ys, "o-", label=level)
    ax.axhline(0.01, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("Eb/N0 per information bit, whole burst charged (dB)")
    ax.set_ylabel("packet error rate (255-byte payload)")
    ax.set_title(f"{profile}: FEC levels through the modem (cold start, random offsets)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="qpsk250k")
    parser.add_argument("--levels", default=",".join(RANGES), help="comma-separated levels")
    parser.add_argument("--min-errors", type=int, default=100)
    parser.add_argument("--max-packets", type=int, default=30000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plot", help="PNG with every curve")
    args = parser.parse_args(argv)
    curves = {}
    for level in args.levels.split(","):
        curves[level] = run_level(args.profile, level, RANGES[level], args)
        print(table(level, curves[level]) + "\n", flush=True)
    ideal = uncoded_ebn0_at()
    none_at = ebn0_at(curves["none"]) if "none" in curves else None
    print("| level | Eb/N0 at PER 1 % (dB) | gain over none (dB) | gain over ideal uncoded (dB) |")
    print("|---|---:|---:|---:|")
    for level, points in curves.items():
        at = ebn0_at(points)
        cell = f"{at:.2f}" if at is not None else "not crossed"
        over_none = f"{none_at - at:.2f}" if at is not None and none_at is not None else "-"
        over_ideal = f"{ideal - at:.2f}" if at is not None else "-"
        print(f"| {level} | {cell} | {over_none} | {over_ideal} |")
    print(f"\nideal uncoded 255-byte packet: PER 1 % at {ideal:.2f} dB")
    if args.plot:
        plot(args.plot, args.profile, curves)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
