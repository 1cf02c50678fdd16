"""Layer 6: encoding, compression, encryption and signing; forged input rejected."""

from __future__ import annotations

import random
import zlib

import pytest

from upper.presentation import DatagramSigner, Identity, Protector, decode_payload, encode_payload


def test_msgpack_round_trip_with_binary_and_compression():
    obj = ["event", {"blob": bytes(range(256)) * 4, "n": 3, "text": "é"}, None]
    data = encode_payload(obj)
    assert data[0] == 1  # compressible: compressed
    assert decode_payload(data) == (True, obj)
    small = encode_payload([1, "x"])
    assert small[0] == 0 and decode_payload(small) == (True, [1, "x"])
    noise = random.Random(1).randbytes(300)
    assert encode_payload(noise)[0] == 0  # incompressible: left plain


def test_decoder_rejects_bombs_and_garbage():
    bomb = b"\x01" + zlib.compress(bytes(10_000_000))
    assert decode_payload(bomb, max_bytes=1 << 20) == (False, "oversized_or_truncated")
    assert decode_payload(b"")[0] is False
    assert decode_payload(b"\x07abc")[0] is False
    rng = random.Random(2)
    for _ in range(2000):
        ok, _ = decode_payload(bytes([rng.choice([0, 1])]) + rng.randbytes(rng.randrange(30)))
        assert ok in (True, False)


def _pair(mode: str) -> tuple[Protector, Protector]:
    rng = random.Random(3)
    a, b = Identity.generate(rng), Identity.generate(rng)
    k1, k2, sid = rng.randbytes(32), rng.randbytes(32), rng.randbytes(8)
    pa = Protector(
        mode=mode,
        session_id=sid,
        tx_key=k1,
        rx_key=k2,
        identity=a,
        peer_public_key=b.public_key,
        initiator=True,
    )
    pb = Protector(
        mode=mode,
        session_id=sid,
        tx_key=k2,
        rx_key=k1,
        identity=b,
        peer_public_key=a.public_key,
        initiator=False,
    )
    return pa, pb


@pytest.mark.parametrize("mode", ["encrypt", "sign"])
def test_protector_round_trip_tamper_and_replay(mode):
    pa, pb = _pair(mode)
    frame = pa.seal(b"secret plans")
    assert (b"secret plans" in frame) == (mode == "sign")  # sign mode stays readable
    assert pb.open(frame) == (True, b"secret plans")
    assert pb.open(frame) == (False, "replayed")
    second = bytearray(pa.seal(b"more"))
    second[-1] ^= 1
    assert pb.open(bytes(second))[0] is False
    assert pb.open(second[:5]) == (False, "truncated")
    assert pa.open(pa.seal(b"reflected"))[0] is False  # own frames do not open


def test_datagram_signatures_bind_sender_destination_and_counter():
    rng = random.Random(4)
    alice, mallory = Identity.generate(rng), Identity.generate(rng)
    tx, rx = DatagramSigner(alice), DatagramSigner(Identity.generate(rng))
    frame = tx.sign(b"\xff" * 8, b"hello")
    assert rx.open(alice.address, b"\xff" * 8, frame) == (True, b"hello")
    assert rx.open(alice.address, b"\xff" * 8, frame) == (False, "replayed")
    frame2 = tx.sign(b"\xff" * 8, b"again")
    assert rx.open(mallory.address, b"\xff" * 8, frame2) == (False, "key_mismatch")
    assert rx.open(alice.address, b"\x80" * 8, frame2) == (False, "bad_signature")
    forged = DatagramSigner(mallory).sign(b"\xff" * 8, b"x")
    forged = alice.public_key + forged[32:]
    assert rx.open(alice.address, b"\xff" * 8, forged) == (False, "bad_signature")
