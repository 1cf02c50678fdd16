"""Golden test vectors of the air interface (``tests/vectors/air_interface.json``).

Another implementation (the C firmware) checks itself against them: for each case the input
(header fields, FEC level, payload) and every intermediate stage down to the exact PHY
payload bytes. Regenerate with ``python -m mac.frame.vectors tests/vectors/air_interface.json``;
``tests/mac/test_frame_vectors.py`` fails if the code and the file disagree.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from mac.fec import FecLevel, conv_encode, crc16, crc32, encode_block, rs_encode
from mac.fec.interleave import interleaver_permutation
from mac.fec.rs import RS_NSYM
from mac.fec.whiten import pn9_bits
from mac.frame._codec import encode_frame
from mac.frame._format import (
    BROADCAST,
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
)
from phy.framing import frame_bits
from phy.profiles import get_profile

__all__ = ["make_vectors"]

_CASES = (
    ("empty-ack-none", FrameType.ACK, 0x0001, 0x0002, 0, 5, 0, b"", "none"),
    ("keepalive-rs", FrameType.KEEPALIVE, 0x00A0, 0xFFFF, 1, 2, 0x80, b"", "rs"),
    ("short-data-conv", FrameType.DATA, 0x1234, 0xBEEF, 7, 200, 0x80, b"hello, sdrlink", "conv"),
    (
        "short-data-rs-conv",
        FrameType.DATA,
        0x1234,
        0xBEEF,
        8,
        201,
        0x10,
        b"hello, sdrlink",
        "rs+conv",
    ),
    (
        "counting-255-rs-conv",
        FrameType.DATA,
        0x0042,
        0x0043,
        255,
        0,
        0x40,
        bytes(range(255)),
        "rs+conv",
    ),
    ("counting-255-rs", FrameType.UI, 0x0042, 0xFFFF, 3, 0, 0x00, bytes(range(255)), "rs"),
)


def _bitstring(bits: np.ndarray) -> str:
    return "".join("1" if b else "0" for b in np.asarray(bits).ravel())


def _case(name, ftype, src, dst, seq, ack, flags, payload, fec) -> dict:
    level = FecLevel.parse(fec)
    header = FrameHeader(
        frame_type=ftype, src=src, dst=dst, seq=seq, ack=ack, flags=FrameFlags(flags)
    )
    head = pack_header(header, level, len(payload))
    block = payload + crc32(head[:HEADER_INFO_BYTES] + payload).to_bytes(4, "big")
    head_code = conv_encode(np.unpackbits(np.frombuffer(head, dtype=np.uint8)))
    body = encode_block(block, level)
    phy_payload = encode_frame(header, payload, fec=level)
    burst = frame_bits(get_profile("qpsk250k"), phy_payload)
    return {
        "name": name,
        "input": {
            "frame_type": int(ftype),
            "src": src,
            "dst": dst,
            "seq": seq,
            "ack": ack,
            "flags": flags,
            "fec": level.label,
            "payload_hex": payload.hex(),
        },
        "header_hex": head.hex(),
        "header_coded_bits": _bitstring(head_code),
        "block_hex": block.hex(),
        "block_coded_bits": _bitstring(body),
        "phy_payload_hex": phy_payload.hex(),
        "qpsk250k_burst_bits": _bitstring(burst),
    }


def make_vectors() -> dict:
    """Every vector as a JSON-ready dict (deterministic)."""
    check = b"123456789"
    msg = bytes(range(1, 21))
    return {
        "spec": "docs/air-interface.md",
        "constants": {
            "version": VERSION,
            "sync_word": "0x1ACFFC1D",
            "header_bytes": HEADER_BYTES,
            "header_coded_bits": HEADER_CODED_BITS,
            "header_air_bits": HEADER_AIR_BITS,
            "header_max_disagreements": HEADER_MAX_DISAGREEMENTS,
            "max_payload_bytes": MAX_PAYLOAD_BYTES,
            "broadcast": BROADCAST,
            "crc16": {"poly": "0x1021", "init": "0xFFFF", "reflected": False, "xorout": "0x0000"},
            "crc32": {"poly_reflected": "0xEDB88320", "init": "0xFFFFFFFF", "xorout": "0xFFFFFFFF"},
            "conv": {"k": 7, "polys_octal": ["171", "133"], "tail_bits": 6},
            "rs": {
                "prim": "0x11D",
                "generator": 2,
                "fcr": 0,
                "nsym": RS_NSYM,
                "max_k": 255 - RS_NSYM,
            },
            "pn9": {"poly": "x^9 + x^5 + 1", "seed": "0x1FF"},
            "fec_levels": {level.label: int(level) for level in FecLevel},
            "frame_types": {t.name: int(t) for t in FrameType},
            "flags": {f.name: int(f) for f in FrameFlags if f.name != "NONE"},
        },
        "primitives": {
            "crc32_123456789": f"{crc32(check):08x}",
            "crc16_123456789": f"{crc16(check):04x}",
            "pn9_first_64_bytes_hex": np.packbits(pn9_bits(512)).tobytes().hex(),
            "rs_encode_01_to_14_hex": rs_encode(msg).hex(),
            "conv_encode_10110_bits": _bitstring(conv_encode(np.array([1, 0, 1, 1, 0]))),
            "interleaver_permutation_20": [int(p) for p in interleaver_permutation(20)],
            "interleaver_permutation_76": [int(p) for p in interleaver_permutation(76)],
        },
        "frames": [_case(*case) for case in _CASES],
    }


def main(argv: list[str]) -> int:
    text = json.dumps(make_vectors(), indent=1) + "\n"
    if len(argv) > 1:
        with open(argv[1], "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
