"""Frame encoder/decoder: round trips at every FEC level, drop reasons, vectors, SACK."""

import json
from pathlib import Path

import numpy as np
import pytest

from mac.fec import FecLevel, conv_encode
from mac.fec.whiten import pn9_bits
from mac.frame import (
    DROP_REASONS,
    HEADER_AIR_BITS,
    MAX_PAYLOAD_BYTES,
    Frame,
    FrameDecoder,
    FrameDropped,
    FrameFlags,
    FrameHeader,
    FrameType,
    decode_frame,
    decode_sack,
    encode_frame,
    encode_sack,
    frame_bytes,
)
from mac.frame._format import HEADER_INFO_BYTES
from mac.frame.vectors import make_vectors
from phy.errors import ConfigError

VECTORS = Path(__file__).parents[1] / "vectors" / "air_interface.json"
HEADER = FrameHeader(
    frame_type=FrameType.DATA, src=0x1234, dst=0xBEEF, seq=9, ack=77, flags=FrameFlags.FINAL
)


def _llrs(frame: bytes, rng, sigma: float) -> np.ndarray:
    bits = np.unpackbits(np.frombuffer(frame, np.uint8)).astype(np.float32)
    return ((1 - 2 * bits) + rng.normal(0, sigma, bits.size)).astype(np.float32)


# sigma per level: inside each code's working range (no raw errors for none, 0.2 %..8 % else)
NOISE = {"none": 0.15, "rs": 0.35, "conv": 0.65, "rs+conv": 0.7}


@pytest.mark.parametrize("fec", list(NOISE))
@pytest.mark.parametrize("n", [0, 1, 255, MAX_PAYLOAD_BYTES])
def test_round_trip_with_noise(fec, n):
    rng = np.random.default_rng(n)
    payload = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
    frame = encode_frame(HEADER, payload, fec=fec)
    assert len(frame) == frame_bytes(n, fec)
    llrs = _llrs(frame, rng, NOISE[fec])
    raw_errors = np.count_nonzero((llrs < 0) != np.unpackbits(np.frombuffer(frame, np.uint8)))
    assert raw_errors == 0 if fec == "none" else raw_errors > 0
    event = decode_frame(llrs)
    assert isinstance(event, Frame), event
    assert event.payload == payload and event.header == HEADER
    assert event.fec == FecLevel.parse(fec)


def test_rs_codewords_are_byte_interleaved():
    from mac.fec._block import rs_stream_order

    order = rs_stream_order(259)  # two codewords of 130 + 32 and 129 + 32 bytes
    assert order[:4].tolist() == [0, 162, 1, 163]
    assert np.array_equal(np.sort(order), np.arange(323)) and order[-1] == 161


def test_rs_corrects_and_counts_byte_errors():
    rng = np.random.default_rng(7)
    frame = bytearray(encode_frame(HEADER, bytes(100), fec="rs"))
    for at in rng.choice(np.arange(60, len(frame)), 10, replace=False):
        frame[at] ^= 0xFF
    event = decode_frame(1 - 2 * np.unpackbits(np.frombuffer(bytes(frame), np.uint8)) * 1.0)
    assert isinstance(event, Frame) and event.rs_corrected == 10


def test_erasure_retry_rescues_a_codeword_errors_only_cannot():
    rng = np.random.default_rng(8)
    frame = encode_frame(HEADER, bytes(range(200)), fec="rs")
    llrs = 1 - 2 * np.unpackbits(np.frombuffer(frame, np.uint8)).astype(np.float32)
    llrs *= 4
    bad = rng.choice(np.arange(60, len(frame)), 20, replace=False)  # > 16 byte errors
    for at in bad:
        llrs[8 * at : 8 * at + 8] *= -0.05  # wrong and weak
    assert isinstance(decode_frame(llrs, erasures=False), FrameDropped)
    event = decode_frame(llrs)
    assert isinstance(event, Frame) and event.rs_erasures > 0
    assert event.payload == bytes(range(200))


def _forge(info: bytes, body_bytes: int) -> np.ndarray:
    """LLRs of a burst whose header carries ``info`` (any fields) with a valid CRC-16."""
    from mac.fec.crc import crc16

    head = info + crc16(info).to_bytes(2, "big")
    code = conv_encode(np.unpackbits(np.frombuffer(head, np.uint8)))
    bits = np.concatenate([code, code, np.zeros(8 * body_bytes, np.uint8)])
    return 1 - 2 * (bits ^ pn9_bits(bits.size)).astype(np.float32)


def test_every_drop_reason():
    good = encode_frame(HEADER, b"abc", fec="rs+conv")
    llrs = 1 - 2 * np.unpackbits(np.frombuffer(good, np.uint8)).astype(np.float32)
    body = len(good) - HEADER_AIR_BITS // 8
    cases = {
        "length": llrs[:-8],
        "header": np.concatenate([-llrs[:HEADER_AIR_BITS], llrs[HEADER_AIR_BITS:]]),
        "version": _forge(bytes([0x23, 0, 0, 0, 1, 0, 2, 0, 0, 0, 3]), body),
        "fec": np.concatenate([llrs[:HEADER_AIR_BITS], np.ones(8 * body, np.float32)]),
        "crc": None,
        "type": None,
    }
    frame = encode_frame(HEADER, b"abc", fec="none")
    flipped = 1 - 2 * np.unpackbits(np.frombuffer(frame, np.uint8)).astype(np.float32)
    flipped[-1] *= -1
    cases["crc"] = flipped
    info = bytes([0x10, 200, 0, 0, 1, 0, 2, 0, 0, 0, 0])  # reserved type 200, fec none
    from mac.fec.crc import crc32

    block = crc32(info).to_bytes(4, "big")
    forged = _forge(info, 4)
    blk = np.unpackbits(np.frombuffer(block, np.uint8))
    white = pn9_bits(forged.size)[HEADER_AIR_BITS:]
    forged[HEADER_AIR_BITS:] = 1 - 2 * (blk ^ white).astype(np.float32)
    cases["type"] = forged
    decoder = FrameDecoder()
    for reason, case in cases.items():
        (event,) = decoder.receive_data(case, now_s=0.0)
        assert isinstance(event, FrameDropped) and event.reason == reason, (reason, event)
    assert set(cases) == set(DROP_REASONS)
    assert decoder.counters["dropped"] == len(cases)
    assert all(decoder.counters[f"dropped_{r}"] == 1 for r in DROP_REASONS)


def test_decoder_counts_frames():
    decoder = FrameDecoder()
    frame = encode_frame(HEADER, b"x" * 10, fec="conv")
    (event,) = decoder.receive_data(1 - 2.0 * np.unpackbits(np.frombuffer(frame, np.uint8)), 1.0)
    assert isinstance(event, Frame) and decoder.counters["frames"] == 1
    decoder.reset()
    assert decoder.counters["frames"] == 0


def test_encoder_validates():
    with pytest.raises(ConfigError, match="payload"):
        encode_frame(HEADER, bytes(MAX_PAYLOAD_BYTES + 1))
    with pytest.raises(ConfigError, match="FEC level"):
        encode_frame(HEADER, b"", fec="turbo")
    with pytest.raises(ConfigError, match="src"):
        FrameHeader(frame_type=FrameType.DATA, src=70000, dst=1)


def test_crc_covers_the_header():
    frame = encode_frame(HEADER, b"payload", fec="none")
    other = encode_frame(
        FrameHeader(frame_type=FrameType.DATA, src=0x1235, dst=0xBEEF, seq=9, ack=77),
        b"payload",
        fec="none",
    )
    assert frame[-4:] != other[-4:]
    assert HEADER_INFO_BYTES == 11


def test_vectors_regenerate_identically():
    stored = json.loads(VECTORS.read_text(encoding="utf-8"))
    assert make_vectors() == stored
    for case in stored["frames"]:  # and every stored frame decodes to its input
        frame = bytes.fromhex(case["phy_payload_hex"])
        event = decode_frame(1 - 2.0 * np.unpackbits(np.frombuffer(frame, np.uint8)))
        assert isinstance(event, Frame)
        assert event.payload.hex() == case["input"]["payload_hex"]
        assert event.header.src == case["input"]["src"]
        assert event.fec.label == case["input"]["fec"]


def test_sack_bitmap_round_trip():
    received = [12, 13, 20, 40]
    payload = encode_sack(10, received)
    assert sorted(decode_sack(10, payload)) == received
    assert encode_sack(250, [252, 3]) and sorted(decode_sack(250, encode_sack(250, [252, 3]))) == [
        3,
        252,
    ]
    assert encode_sack(5, []) == b""
