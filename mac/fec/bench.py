"""Throughput of the FEC codecs and the frame codec on one core (for ``sdrlink bench``).

Every function compiles its kernels first (outside the timed region), then times a batch
with ``time.process_time`` (CPU seconds of this process, so a rate is per core even when
other programs share the machine) and returns a rate. ``python -m mac.fec.bench`` prints them all.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from mac.fec._block import LABELS
from mac.fec._gf import FCR, rs_tables
from mac.fec.rs import RS_NSYM

__all__ = [
    "frame_rates",
    "noisy_block_decode_ms",
    "rs_decode_mb_per_s",
    "rs_encode_mb_per_s",
    "run_all",
    "viterbi_mbit_per_s",
]


def _codewords(n_codewords: int, rng: np.random.Generator):
    from mac.fec._kernels import rs_encode

    t = rs_tables(RS_NSYM, FCR)
    msgs = rng.integers(0, 256, (n_codewords, 255 - RS_NSYM), dtype=np.uint8)
    words = np.empty((n_codewords, 255), dtype=np.uint8)
    for i in range(n_codewords):
        rs_encode(msgs[i], RS_NSYM, t.exp, t.log, t.gen_log, words[i])
    return msgs, words


def rs_encode_mb_per_s(*, n_codewords: int = 4000, seed: int = 0) -> float:
    """RS(255,223) encoding rate in MB/s of message bytes (one compiled call per word)."""
    from mac.fec._kernels import rs_encode

    t = rs_tables(RS_NSYM, FCR)
    _codewords(4, np.random.default_rng(seed))  # compile
    msgs = np.random.default_rng(seed).integers(0, 256, (n_codewords, 223), dtype=np.uint8)
    out = np.empty((n_codewords, 255), dtype=np.uint8)
    t0 = time.process_time()
    for i in range(n_codewords):
        rs_encode(msgs[i], RS_NSYM, t.exp, t.log, t.gen_log, out[i])
    return msgs.size / (time.process_time() - t0) / 1e6


def rs_decode_mb_per_s(
    *, n_codewords: int = 4000, n_errors: int = 16, seed: int = 0, data_bytes: bool = False
) -> float:
    """RS(255,223) decoding rate with ``n_errors`` random byte errors per codeword, in MB/s
    of codeword bytes (of message bytes with ``data_bytes=True``); one compiled call for
    the batch. Checks that every word was corrected."""
    from mac.fec._kernels import rs_decode_many

    rng = np.random.default_rng(seed)
    t = rs_tables(RS_NSYM, FCR)
    _, words = _codewords(n_codewords, rng)
    rx = words.copy()
    for i in range(n_codewords):
        at = rng.choice(255, n_errors, replace=False)
        rx[i, at] ^= rng.integers(1, 256, n_errors, dtype=np.uint8)
    buf = rx.ravel()
    starts = np.arange(n_codewords, dtype=np.int64) * 255
    lengths = np.full(n_codewords, 255, dtype=np.int64)
    mask = np.zeros_like(buf)
    out = np.empty_like(buf)
    status = np.empty(n_codewords, dtype=np.int64)
    args = (RS_NSYM, FCR, t.exp, t.log, t.syn_mul)
    rs_decode_many(buf[:255], starts[:1], lengths[:1], mask, *args, out, status)  # compile
    t0 = time.process_time()
    rs_decode_many(buf, starts, lengths, mask, *args, out, status)
    elapsed = time.process_time() - t0
    if n_errors <= RS_NSYM // 2 and not np.array_equal(out, words.ravel()):
        raise RuntimeError("RS benchmark: a codeword was not corrected")
    size = (255 - RS_NSYM) if data_bytes else 255
    return n_codewords * size / elapsed / 1e6


def viterbi_mbit_per_s(*, n_bits: int = 1_000_000, ebn0_db: float = 3.0, seed: int = 0) -> float:
    """Soft Viterbi rate in Mbit/s of decoded output over noisy LLRs (frames of 4096 bits,
    the size of a large frame, decoded one compiled call each)."""
    from mac.fec._kernels import viterbi_decode
    from mac.fec.conv import branch_table, conv_encode

    rng = np.random.default_rng(seed)
    block = 4096
    n_blocks = max(1, n_bits // block)
    sigma = np.sqrt(1 / (2 * 0.5 * 10 ** (ebn0_db / 10)))
    bits = rng.integers(0, 2, block, dtype=np.uint8)
    code = conv_encode(bits).astype(np.float32)
    llrs = [
        ((1 - 2 * code + rng.normal(0, sigma, code.size)) * (2 / sigma**2)).astype(np.float32)
        for _ in range(min(n_blocks, 8))
    ]
    steps = block + 6
    decisions = np.empty((steps, 64), dtype=np.uint8)
    out = np.empty(steps, dtype=np.uint8)
    sym = branch_table()
    viterbi_decode(llrs[0], steps, sym, decisions, out)  # compile
    t0 = time.process_time()
    for i in range(n_blocks):
        viterbi_decode(llrs[i % len(llrs)], steps, sym, decisions, out)
    return n_blocks * block / (time.process_time() - t0) / 1e6


def frame_rates(fec: str, *, payload_bytes: int = 255, n_frames: int = 300, seed: int = 0):
    """Frames/s and payload bytes/s through ``encode_frame`` and ``decode_frame`` (clean
    LLRs of amplitude 4) at FEC level ``fec``: a dict of four rates."""
    from mac.frame import Frame, FrameHeader, FrameType, decode_frame, encode_frame

    rng = np.random.default_rng(seed)
    header = FrameHeader(frame_type=FrameType.DATA, src=1, dst=2)
    payloads = [rng.bytes(payload_bytes) for _ in range(8)]
    frames = [encode_frame(header, p, fec=fec) for p in payloads]
    llrs = [4 - 8 * np.unpackbits(np.frombuffer(f, np.uint8)).astype(np.float32) for f in frames]
    decode_frame(llrs[0])  # compile
    t0 = time.process_time()
    for i in range(n_frames):
        encode_frame(header, payloads[i % 8], fec=fec)
    t_enc = time.process_time() - t0
    t0 = time.process_time()
    for i in range(n_frames):
        event = decode_frame(llrs[i % 8])
    t_dec = time.process_time() - t0
    if not isinstance(event, Frame):
        raise RuntimeError(f"frame benchmark: a clean {fec} frame did not decode")
    return {
        "encode_frames_per_s": n_frames / t_enc,
        "encode_payload_bytes_per_s": n_frames * payload_bytes / t_enc,
        "decode_frames_per_s": n_frames / t_dec,
        "decode_payload_bytes_per_s": n_frames * payload_bytes / t_dec,
    }


def noisy_block_decode_ms(
    ebn0_db: float, *, n_frames: int = 100, payload_bytes: int = 255, seed: int = 0
) -> dict[str, float]:
    """CPU ms per ``decode_block`` of an ``rs+conv`` block (a ``payload_bytes`` payload)
    over ideal QPSK at ``ebn0_db`` (Eb per information bit, the whole burst counted, as in
    ``mac.fec.per``): the mean, the worst, and the block error rate seen. The retries on
    failed codewords (log-MAP, GMD, Chase searches) make low-SNR blocks cost more."""
    from mac.fec._block import FecLevel, decode_block, encode_block
    from mac.frame import frame_bytes

    rng = np.random.default_rng(seed)
    level = FecLevel.RS_CONV
    n = payload_bytes + 4
    burst_bits = 8 * frame_bytes(payload_bytes, level) + 144  # + preamble, sync, PHY header
    sigma = np.sqrt(1 / (2 * 10 ** (ebn0_db / 10) * 8 * payload_bytes / burst_bits))
    blocks = []
    for _ in range(n_frames):
        data = rng.bytes(n)
        bits = encode_block(data, level).astype(np.float32)
        noisy = (2 / sigma**2) * (1 - 2 * bits + rng.normal(0, sigma, bits.size))
        blocks.append((data, noisy.astype(np.float32)))
    decode_block(blocks[0][1], level, n)  # compile
    worst = total = 0.0
    errors = 0
    for data, llrs in blocks:
        t0 = time.process_time()
        errors += decode_block(llrs, level, n).data != data
        spent = time.process_time() - t0
        total += spent
        worst = max(worst, spent)
    return {"mean_ms": 1e3 * total / n_frames, "worst_ms": 1e3 * worst, "bler": errors / n_frames}


def run_all() -> dict[str, float]:
    """Every benchmark, as a flat dict of rates (names carry the units)."""
    results = {
        "rs_encode_mb_per_s": rs_encode_mb_per_s(),
        "rs_decode_16err_mb_per_s": rs_decode_mb_per_s(),
        "rs_decode_16err_data_mb_per_s": rs_decode_mb_per_s(data_bytes=True),
        "viterbi_mbit_per_s": viterbi_mbit_per_s(),
    }
    for label in LABELS:
        for name, value in frame_rates(label).items():
            results[f"frame_{label}_{name}"] = value
    for ebn0_db in (3.0, 2.3):
        for name, value in noisy_block_decode_ms(ebn0_db).items():
            results[f"rs+conv_block_{ebn0_db:.1f}db_{name}"] = value
    return results


def main() -> int:
    for name, value in run_all().items():
        print(f"{name:48s} {value:14.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
