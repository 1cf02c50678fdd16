"""Fuzzing of the frame decoder with random and mutated soft bits.

``python -m mac.frame.fuzz --screen 1000000 --full 1000000 --seed 1`` runs the batched
early-reject path (header Viterbi + CRC-16 + field checks) on random rows, then the full
decoder on random and mutated frames, and prints the counts. A *false accept* is a
``Frame`` whose header, level or payload differs from what was sent (random input has
nothing sent, so any ``Frame`` from it is false). Exceptions propagate (they are bugs).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from mac.fec import FecLevel
from mac.fec.whiten import pn9_bits
from mac.frame._codec import decode_frame, encode_frame, frame_bytes, screen_headers
from mac.frame._events import Frame
from mac.frame._format import HEADER_AIR_BITS, HEADER_CODED_BITS, FrameFlags, FrameHeader, FrameType

__all__ = ["fuzz_full", "fuzz_screen", "random_frame"]


def random_frame(rng: np.random.Generator, max_payload: int = 64):
    """(header, payload, level, PHY payload bytes) of a random valid frame."""
    header = FrameHeader(
        frame_type=FrameType(int(rng.integers(0, len(FrameType)))),
        src=int(rng.integers(0, 65536)),
        dst=int(rng.integers(0, 65536)),
        seq=int(rng.integers(0, 256)),
        ack=int(rng.integers(0, 256)),
        flags=FrameFlags(int(rng.integers(0, 256))),
    )
    payload = rng.bytes(int(rng.integers(0, max_payload + 1)))
    level = FecLevel(int(rng.integers(0, 4)))
    return header, payload, level, encode_frame(header, payload, fec=level)


def _hard(frame: bytes, scale: float = 4.0) -> np.ndarray:
    return (1 - 2 * np.unpackbits(np.frombuffer(frame, np.uint8)).astype(np.float32)) * scale


def _mutate(llrs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    kind = int(rng.integers(0, 6))
    x = llrs.copy()
    if kind == 0:  # scattered bit flips
        at = rng.integers(0, x.size, int(rng.integers(1, max(2, x.size // 8))))
        x[at] *= -1
    elif kind == 1:  # a burst of garbage
        start = int(rng.integers(0, x.size))
        end = min(x.size, start + int(rng.integers(1, 400)))
        x[start:end] = rng.normal(0, 4, end - start)
    elif kind == 2:  # truncated or extended
        cut = int(rng.integers(1, 64)) * 8
        x = (
            x[:-cut]
            if rng.random() < 0.5 and cut < x.size
            else np.concatenate([x, rng.normal(0, 4, cut).astype(np.float32)])
        )
    elif kind == 3:  # heavy noise
        x = x + rng.normal(0, float(rng.uniform(2, 8)), x.size).astype(np.float32)
    elif kind == 4:  # invalid numbers
        at = rng.integers(0, x.size, 20)
        x[at] = rng.choice(np.array([np.nan, np.inf, -np.inf, 1e38], np.float32), 20)
    else:  # body flipped wholesale (header intact)
        x[HEADER_AIR_BITS:] *= -1
    return x


def fuzz_screen(rows: int, rng: np.random.Generator, *, chunk: int = 50_000) -> dict:
    """Random LLR rows through :func:`screen_headers`; rows passing it get a random body
    and go through the full decoder. Returns counts."""
    sizes = np.array([8 * frame_bytes(n, lv) for lv in FecLevel for n in (0, 16, 255)])
    passed = accepted = 0
    done = 0
    while done < rows:
        n = min(chunk, rows - done)
        block = np.frombuffer(rng.bytes(n * HEADER_AIR_BITS), np.int8).reshape(n, -1).copy()
        # a quarter of the rows carry a consistent random "header": the second copy repeats the
        # first (whitening accounted for) with 10 % of its signs flipped, so they pass the
        # copy check and reach the Viterbi decoder and the CRC-16
        half = n // 4
        w = pn9_bits(HEADER_AIR_BITS)
        flip = (w[:HEADER_CODED_BITS] ^ w[HEADER_CODED_BITS:]).astype(bool)
        flip = flip ^ (rng.random((half, HEADER_CODED_BITS)) < 0.1)
        first = block[:half, :HEADER_CODED_BITS]
        block[:half, HEADER_CODED_BITS:] = np.where(flip, -first, first) | 1  # no zeros
        n_bits = rng.choice(sizes, n)
        ok = screen_headers(block, n_bits)
        for r in np.flatnonzero(ok):
            passed += 1
            body = rng.normal(0, 4, int(n_bits[r]) - HEADER_AIR_BITS).astype(np.float32)
            burst = np.concatenate([block[r].astype(np.float32), body])
            accepted += isinstance(decode_frame(burst), Frame)
        done += n
    return {"rows": rows, "header_passed": passed, "false_accepts": accepted}


def fuzz_full(count: int, rng: np.random.Generator, *, max_payload: int = 64) -> dict:
    """Random soft bits and mutated valid frames through :func:`decode_frame`."""
    stats = {"decoded": 0, "random": 0, "mutated": 0, "recovered": 0, "false_accepts": 0}
    for _ in range(count):
        stats["decoded"] += 1
        if rng.random() < 0.3:
            stats["random"] += 1
            size = 8 * int(rng.integers(0, 400))
            event = decode_frame(rng.normal(0, 4, size).astype(np.float32))
            stats["false_accepts"] += isinstance(event, Frame)
            continue
        stats["mutated"] += 1
        header, payload, level, frame = random_frame(rng, max_payload)
        event = decode_frame(_mutate(_hard(frame), rng))
        if isinstance(event, Frame):
            same = event.header == header and event.payload == payload and event.fec == level
            stats["recovered" if same else "false_accepts"] += 1
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mac.frame.fuzz", description=__doc__)
    parser.add_argument("--screen", type=int, default=1_000_000, help="random header rows")
    parser.add_argument("--full", type=int, default=100_000, help="full decodes")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    print("screen:", fuzz_screen(args.screen, rng), f"{time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    totals: dict[str, int] = {}
    done = 0
    while done < args.full:  # in slices, printing running totals
        part = fuzz_full(min(100_000, args.full - done), rng)
        done += part["decoded"]
        totals = {k: totals.get(k, 0) + v for k, v in part.items()}
        print("full:", totals, f"{time.perf_counter() - t0:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
