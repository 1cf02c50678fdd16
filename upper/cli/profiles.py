"""``sdrlink profiles``: the modem profiles and their parameters."""

from __future__ import annotations

import json


def register(subparsers) -> None:
    parser = subparsers.add_parser("profiles", help="list the modem profiles")
    parser.add_argument("--json", action="store_true", help="one JSON object per profile")


def _row(p) -> dict:
    return {
        "name": p.name,
        "modulation": p.modulation,
        "symbol_rate_baud": p.symbol_rate_baud,
        "sample_rate_hz": p.sample_rate_hz,
        "samples_per_symbol": p.samples_per_symbol,
        "occupied_bandwidth_hz": round(p.occupied_bandwidth_hz, 1),
        "preamble_bits": p.preamble_bits,
        "sync_word": f"0x{p.sync_word:0{p.sync_bits // 4}X}",
        "bt": p.bt,
        "modulation_index": p.modulation_index,
        "rolloff": p.rolloff,
        "description": p.description,
    }


def run(args) -> int:
    from phy.profiles import PROFILES

    rows = [_row(p) for p in PROFILES.values()]
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    header = f"{'profile':<10} {'mod':<5} {'baud':>9} {'rate S/s':>10} {'sps':>4} "
    header += f"{'bw Hz':>10} {'pre':>4} {'sync':>11}  shape"
    print(header)
    for r in rows:
        if r["bt"] is not None:
            shape = f"BT {r['bt']:g}, h {r['modulation_index']:g}"
        elif r["rolloff"] is not None:
            shape = f"RRC a={r['rolloff']:g}"
        else:
            shape = "Bell 202 1200/2200 Hz"
        print(
            f"{r['name']:<10} {r['modulation']:<5} {r['symbol_rate_baud']:>9g} "
            f"{r['sample_rate_hz']:>10g} {r['samples_per_symbol']:>4} "
            f"{r['occupied_bandwidth_hz']:>10g} {r['preamble_bits']:>4} "
            f"{r['sync_word']:>11}  {shape}"
        )
    return 0
