"""Frame encoder and decoder (pure functions; ``FrameDecoder`` adds counters).

PHY payload = whiten( header block (440 bits) | payload block (coded, padded to a byte) ).
The header block is the 13 header bytes, convolutionally coded (rate 1/2, K=7, 6 tail
bits: 220 bits) and sent twice; the payload block is ``payload | CRC-32`` coded at the FEC
level the header names. The CRC-32 covers header bytes 0-10 and the payload.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from mac.fec import FecLevel, coded_bits, decode_block, encode_block
from mac.fec.conv import branch_table, conv_encode, sanitize_llrs, viterbi_decode
from mac.fec.crc import crc16_rows, crc32
from mac.fec.whiten import dewhiten_llrs, pn9_bits
from mac.frame._events import Frame, FrameDropped
from mac.frame._format import (
    HEADER_AIR_BITS,
    HEADER_BYTES,
    HEADER_CODED_BITS,
    HEADER_INFO_BYTES,
    HEADER_MAX_DISAGREEMENTS,
    MAX_PAYLOAD_BYTES,
    VERSION,
    FrameFlags,
    FrameHeader,
    FrameType,
    pack_header,
    unpack_header,
)
from phy.framing import MAX_PAYLOAD_BYTES as PHY_MAX_PAYLOAD_BYTES

__all__ = ["decode_frame", "encode_frame", "frame_bytes", "screen_headers"]


def frame_bytes(payload_bytes: int, fec: FecLevel | str) -> int:
    """PHY payload bytes of a frame carrying ``payload_bytes`` at level ``fec``."""
    level = FecLevel.parse(fec)
    return (HEADER_AIR_BITS + 8 * _block_air_bytes(payload_bytes, level)) // 8


def _block_air_bytes(payload_bytes: int, level: FecLevel) -> int:
    return -(-coded_bits(payload_bytes + 4, level) // 8)


def encode_frame(header: FrameHeader, payload: bytes, *, fec: FecLevel | str = "rs+conv") -> bytes:
    """The PHY payload bytes of one frame (give them to ``phy.modulate``).

    Raises ``ConfigError`` for a payload above ``MAX_PAYLOAD_BYTES`` or a bad field.
    Cost: O(frame bits), NumPy; RS parity through the compiled codec.
    """
    level = FecLevel.parse(fec)
    payload = bytes(payload)
    head = pack_header(header, level, len(payload))
    head_code = conv_encode(np.unpackbits(np.frombuffer(head, dtype=np.uint8)))
    block = payload + crc32(head[:HEADER_INFO_BYTES] + payload).to_bytes(4, "big")
    body = encode_block(block, level)
    pad = (-body.size) % 8
    bits = np.concatenate([head_code, head_code, body, np.zeros(pad, np.uint8)])
    return np.packbits(bits ^ pn9_bits(bits.size)).tobytes()


def _disagreements(head: np.ndarray) -> np.ndarray:
    """Hard-bit disagreements between the two header copies (per row)."""
    return np.count_nonzero(
        (head[..., :HEADER_CODED_BITS] < 0) != (head[..., HEADER_CODED_BITS:HEADER_AIR_BITS] < 0),
        axis=-1,
    )


def _header_bytes(llrs: np.ndarray) -> bytes:
    combined = llrs[:HEADER_CODED_BITS] + llrs[HEADER_CODED_BITS:HEADER_AIR_BITS]
    return np.packbits(viterbi_decode(combined)).tobytes()


def decode_frame(llrs: np.ndarray, *, erasures: bool = True) -> Frame | FrameDropped:
    """Decode one PHY payload's soft bits (a ``Burst.llrs``) into a frame or a drop.

    Never raises on any input (NaN, infinities, any length). Cost: one 110-step Viterbi
    for the header, then the payload level's decoder.
    """
    size = np.size(llrs)
    if size < HEADER_AIR_BITS + 32 or size % 8 or size > 8 * PHY_MAX_PAYLOAD_BYTES:
        return FrameDropped(reason="length", detail=f"{size} soft bits")
    x = sanitize_llrs(np.ravel(llrs))
    x = dewhiten_llrs(x)
    if _disagreements(x) > HEADER_MAX_DISAGREEMENTS:
        return FrameDropped(reason="header", detail="header copies disagree")
    raw_bytes = _header_bytes(x)
    raw = unpack_header(raw_bytes)
    if raw is None:
        return FrameDropped(reason="header", detail="header CRC-16 mismatch")
    if raw.version != VERSION:
        return FrameDropped(reason="version", detail=f"version {raw.version}")
    if raw.fec_code > max(FecLevel):
        return FrameDropped(reason="header", detail=f"FEC code {raw.fec_code}")
    level = FecLevel(raw.fec_code)
    if raw.payload_bytes > MAX_PAYLOAD_BYTES:
        return FrameDropped(reason="length", detail=f"payload length {raw.payload_bytes}")
    n_block = raw.payload_bytes + 4
    expected = HEADER_AIR_BITS + 8 * _block_air_bytes(raw.payload_bytes, level)
    if x.size != expected:
        return FrameDropped(
            reason="length", detail=f"{x.size} soft bits, header implies {expected}"
        )
    body = x[HEADER_AIR_BITS : HEADER_AIR_BITS + coded_bits(n_block, level)]
    result = decode_block(body, level, n_block, erasures=erasures)
    if result.data is None:
        return FrameDropped(reason="fec", detail="Reed-Solomon decoding failed")
    payload, check = result.data[:-4], result.data[-4:]
    if crc32(raw_bytes[:HEADER_INFO_BYTES] + payload) != int.from_bytes(check, "big"):
        return FrameDropped(reason="crc", detail="frame CRC-32 mismatch")
    if raw.frame_type not in FrameType._value2member_map_:
        return FrameDropped(reason="type", detail=f"reserved frame type {raw.frame_type}")
    header = FrameHeader(
        frame_type=FrameType(raw.frame_type),
        src=raw.src,
        dst=raw.dst,
        seq=raw.seq,
        ack=raw.ack,
        flags=FrameFlags(raw.flags),
    )
    return Frame(
        header=header,
        payload=payload,
        fec=level,
        rs_corrected=result.rs_corrected,
        rs_erasures=result.rs_erasures,
    )


def screen_headers(llrs: np.ndarray, n_bits: int | np.ndarray | None = None) -> np.ndarray:
    """Batched early reject: which rows of ``llrs`` (shape (rows, >= 440), float or int8
    soft bits) carry a header that passes the copy check, the CRC-16 and the version,
    FEC-code and length checks (for bursts of ``n_bits`` soft bits each; default the row
    length). Returns a bool array. The full decoder applies the same checks; here one
    compiled pass counts the copies' disagreements and one compiled Viterbi call decodes
    the rows that agree (fuzzing, sniffing). Cost: O(rows * 440).
    """
    from mac.frame._kernels import header_disagreements

    x = np.atleast_2d(llrs)
    if x.dtype not in (np.float32, np.float64, np.int8):
        x = x.astype(np.float32)
    rows, width = x.shape
    disagreements = np.empty(rows, dtype=np.int64)
    header_disagreements(x[:, :HEADER_AIR_BITS], _copy_flips(), disagreements)
    agree = np.flatnonzero(disagreements <= HEADER_MAX_DISAGREEMENTS)
    result = np.zeros(rows, dtype=bool)
    if agree.size:
        signs = np.where(pn9_bits(HEADER_AIR_BITS) == 1, -1, 1).astype(np.float32)
        head = sanitize_llrs(x[agree, :HEADER_AIR_BITS]) * signs
        total = (
            np.full(rows, width, dtype=np.int64)
            if n_bits is None
            else np.broadcast_to(np.asarray(n_bits, dtype=np.int64), (rows,))
        )
        result[agree] = _screen_decoded(head, total[agree])
    return result


@cache
def _copy_flips() -> np.ndarray:
    w = pn9_bits(HEADER_AIR_BITS)
    flips = (w[:HEADER_CODED_BITS] ^ w[HEADER_CODED_BITS:]).astype(np.int8)
    flips.setflags(write=False)
    return flips


def _screen_decoded(head: np.ndarray, total: np.ndarray) -> np.ndarray:
    rows = head.shape[0]
    from mac.fec._kernels import viterbi_decode_many as kernel

    combined = head[:, :HEADER_CODED_BITS] + head[:, HEADER_CODED_BITS:]  # already sanitised
    steps = HEADER_CODED_BITS // 2
    decoded = np.empty((rows, steps), dtype=np.uint8)
    kernel(combined, steps, branch_table(), decoded)
    raw = np.packbits(decoded[:, : 8 * HEADER_BYTES], axis=1)
    ok = crc16_rows(raw[:, :HEADER_INFO_BYTES]) == (
        (raw[:, HEADER_INFO_BYTES].astype(np.uint16) << 8) | raw[:, HEADER_INFO_BYTES + 1]
    )
    ok &= (raw[:, 0] >> 4) == VERSION
    fec = raw[:, 0] & 15
    ok &= fec <= max(FecLevel)
    length = (raw[:, 9].astype(np.int64) << 8) | raw[:, 10]
    ok &= length <= MAX_PAYLOAD_BYTES
    expected = np.zeros(rows, dtype=np.int64)
    for level in FecLevel:
        sel = ok & (fec == int(level))
        if np.any(sel):
            expected[sel] = [
                HEADER_AIR_BITS + 8 * _block_air_bytes(int(n), level) for n in length[sel]
            ]
    return ok & (expected == total)


assert HEADER_BYTES == 13
