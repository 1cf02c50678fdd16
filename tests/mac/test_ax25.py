import numpy as np
import pytest

from mac.ax25 import (
    Address,
    Ax25Frame,
    Ax25Receiver,
    Fx25Decoder,
    HdlcDeframer,
    fx25_encode,
    hdlc_encode,
    nrzi_decode,
    nrzi_encode,
)
from mac.ax25._fcs import fcs, fcs_ok
from mac.ax25.hdlc import FLAG_BITS
from phy.errors import ConfigError


def _line_llrs(bits, rng, lead=200, tail=50):
    noise_a = rng.integers(0, 2, lead).astype(np.uint8)
    noise_b = rng.integers(0, 2, tail).astype(np.uint8)
    line = nrzi_encode(np.concatenate([noise_a, bits, noise_b]))
    return (1 - 2 * line.astype(np.float32)) * 4


def test_fcs_is_crc16_x25():
    assert fcs(b"123456789") == 0x906E  # the CRC-16/X-25 check value
    frame = b"abc"
    check = fcs(frame)
    assert fcs_ok(frame + bytes([check & 0xFF, check >> 8]))
    assert not fcs_ok(frame + bytes([check >> 8, check & 0xFF]))


def test_monitor_format_round_trip():
    text = "N0CALL-7>APRS,WIDE1-1*,WIDE2-2:!4237.14N/07120.83W# <0x01>x"
    frame = Ax25Frame.parse(text)
    assert str(frame) == text
    assert frame.digipeaters[0].repeated and not frame.digipeaters[1].repeated
    assert Ax25Frame.decode(frame.encode()) == Ax25Frame.decode(frame.encode())
    assert str(Ax25Frame.decode(frame.encode())) == text


def test_address_encoding_matches_the_standard_layout():
    raw = Ax25Frame.parse("KI5TOF>APRS:hello world!").encode()
    assert raw.hex() == "82a0a4a64040e096926aa89e8c6103f068656c6c6f20776f726c6421"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "NOCALL",
        "N0CALL>:x",
        "TOOLONGCALL>APRS:x",
        "N0CALL-16>APRS:x",
        "A>B,C,D,E,F,G,H,I,J,K:x",
    ],
)
def test_malformed_monitor_strings_give_one_line_errors(text):
    with pytest.raises(ConfigError) as error:
        Ax25Frame.parse(text)
    assert "\n" not in str(error.value)


def test_decode_keeps_unusual_real_addresses():
    # AO-27 telemetry: a space inside the source callsign and reserved bits cleared.
    raw = bytes.fromhex("9c68aaa6924000829e646e40a80103f04ed02218")
    frame = Ax25Frame.decode(raw)
    assert str(frame) == 'AO27 T>N4USI:N<0xd0>"<0x18>'
    assert frame.encode() == raw


def test_nrzi_round_trip():
    bits = np.random.default_rng(1).integers(0, 2, 1000).astype(np.uint8)
    np.testing.assert_array_equal(nrzi_decode(nrzi_encode(bits)), bits)


@pytest.mark.parametrize("chunks", [1, 5, 97])
def test_hdlc_deframer_is_chunk_invariant(chunks):
    rng = np.random.default_rng(chunks)
    frames = [Ax25Frame.parse(f"N0CALL>APRS:packet {i} ??????~~~~").encode() for i in range(5)]
    bits = np.concatenate([hdlc_encode(f, preamble_flags=3) for f in frames])
    llrs = _line_llrs(bits, rng)
    split = np.sort(rng.choice(np.arange(1, llrs.size), chunks - 1, replace=False))
    deframer = HdlcDeframer()
    found = [f.data for part in np.split(llrs, split) for f in deframer.push(part)]
    assert found == frames


def test_bit_repair_fixes_one_line_error_and_counts_it():
    rng = np.random.default_rng(2)
    frame = Ax25Frame.parse("N0CALL>APRS:repair me").encode()
    llrs = _line_llrs(hdlc_encode(frame, preamble_flags=2), rng)
    llrs[200 + 8 * 2 + 60] *= -0.05  # one weak wrong line bit inside the frame
    assert HdlcDeframer().push(llrs) == []
    deframer = HdlcDeframer(fix_bits=1)
    # one line error flips two adjacent data bits: single-bit repair cannot, double can
    assert deframer.push(llrs) == []
    deframer = HdlcDeframer(fix_bits=2)
    (found,) = deframer.push(llrs)
    assert found.data == frame and found.fixed_bits == 2 and deframer.counters["fixed"] == 1


@pytest.mark.parametrize("check_bytes", [16, 32, 64])
def test_fx25_corrects_up_to_half_its_check_bytes(check_bytes):
    rng = np.random.default_rng(check_bytes)
    frame = Ax25Frame.parse("WB2OSZ>TEST:Foo?Bar?" + "x" * 40).encode()
    bits = fx25_encode(frame, check_bytes=check_bytes)
    noisy = bits.copy()
    for byte in rng.choice(np.arange(8, bits.size // 8), check_bytes // 2, replace=False):
        noisy[8 * byte : 8 * byte + 8] ^= 1
    noisy[[1, 30, 50]] ^= 1  # tag errors
    stream = np.concatenate([rng.integers(0, 2, 333).astype(np.uint8), noisy])
    decoder = Fx25Decoder()
    found = [f for part in np.array_split(stream, 9) for f in decoder.push(part)]
    assert [f.data for f in found] == [frame]
    assert found[0].corrected_bytes == check_bytes // 2
    # one byte more than the code can fix: reported as a failure, never a wrong frame
    for byte in rng.choice(np.arange(8, bits.size // 8), check_bytes // 2 + 1, replace=False):
        bits[8 * byte : 8 * byte + 8] ^= 0xFF & 1
    assert all(f.data == frame for f in Fx25Decoder().push(bits))


def test_plain_receiver_decodes_the_frame_inside_fx25_and_reports_it_once():
    rng = np.random.default_rng(5)
    frame = Ax25Frame.parse("WB2OSZ>TEST:inside").encode()
    bits = np.concatenate([np.tile(FLAG_BITS, 4), fx25_encode(frame), np.tile(FLAG_BITS, 2)])
    llrs = _line_llrs(bits, rng)
    assert [f.data for f in HdlcDeframer().push(llrs)] == [frame]
    receiver = Ax25Receiver(n_streams=2)
    packets = receiver.push(np.stack([llrs, llrs]))
    assert [p.raw for p in packets] == [frame] and receiver.counters["duplicates"] >= 1


def test_noise_and_garbage_never_raise_or_produce_frames():
    rng = np.random.default_rng(11)
    receiver = Ax25Receiver(n_streams=1, fix_bits=2)
    total = []
    for _ in range(40):
        total += receiver.push(rng.normal(size=20000).astype(np.float32))
    total += receiver.push(np.full(5000, np.nan, dtype=np.float32))
    total += receiver.push(np.ones(30000, dtype=np.float32))  # idle line: all ones
    assert total == []


def test_address_validation():
    assert str(Address.parse("wide2-2")) == "WIDE2-2"
    with pytest.raises(ConfigError):
        Address(callsign="N0CALL", ssid=16)


@pytest.mark.parametrize("check_bytes", [16, 32, 64])
def test_fx25_code_is_reedsolo_with_first_root_one(check_bytes):
    import reedsolo

    from mac.fec import rs_decode, rs_encode

    rng = np.random.default_rng(check_bytes)
    reference = reedsolo.RSCodec(check_bytes, nsize=255, fcr=1, prim=0x11D, generator=2)
    for _ in range(20):
        message = rng.bytes(int(rng.integers(1, 255 - check_bytes)))
        word = rs_encode(message, nsym=check_bytes, fcr=1)
        assert word == bytes(reference.encode(message))
        damaged = bytearray(word)
        for p in rng.choice(len(word), check_bytes // 2, replace=False):
            damaged[p] ^= int(rng.integers(1, 256))
        assert rs_decode(bytes(damaged), nsym=check_bytes, fcr=1) == (message, check_bytes // 2)
