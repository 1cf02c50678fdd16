"""KISS codec: escapes, commands, streaming in any chunking, garbage tolerance."""

import random

import pytest

from mac._events import KissCommandFrame, KissDataFrame
from mac.kiss import (
    FEND,
    FESC,
    TFEND,
    TFESC,
    KissCommand,
    KissDecoder,
    encode_command,
    encode_data,
    escape,
    unescape,
)
from phy.errors import ConfigError


def test_protocol_constants_and_codes():
    assert (FEND, FESC, TFEND, TFESC) == (0xC0, 0xDB, 0xDC, 0xDD)
    assert [int(c) for c in KissCommand] == [0, 1, 2, 3, 4, 5, 6, 0xFF]


def test_escape_transposes_fend_and_fesc_only():
    assert escape(b"\xc0") == b"\xdb\xdc"
    assert escape(b"\xdb") == b"\xdb\xdd"
    assert escape(b"a\xdcb\xddc") == b"a\xdcb\xddc"  # TFEND/TFESC alone are data
    assert escape(b"\xdb\xdc") == b"\xdb\xdd\xdc"
    assert unescape(escape(bytes(range(256)))) == (bytes(range(256)), 0)


def test_encoded_frames_byte_for_byte():
    assert encode_data(b"\x01\xc0\x02", port=2) == bytes([0xC0, 0x20, 1, 0xDB, 0xDC, 2, 0xC0])
    assert encode_command(KissCommand.TXDELAY, 50) == bytes([0xC0, 0x01, 50, 0xC0])
    assert encode_command(KissCommand.P, 63, port=1) == bytes([0xC0, 0x12, 63, 0xC0])
    assert encode_command(KissCommand.FULLDUPLEX, 1) == bytes([0xC0, 0x05, 1, 0xC0])
    assert encode_command(KissCommand.SETHARDWARE, b"\xc0\x01") == bytes(
        [0xC0, 0x06, 0xDB, 0xDC, 0x01, 0xC0]
    )
    assert encode_command(KissCommand.RETURN) == bytes([0xC0, 0xFF, 0xC0])
    with pytest.raises(ConfigError):
        encode_data(b"x", port=16)
    with pytest.raises(ConfigError):
        encode_command(KissCommand.SLOTTIME, 300)
    with pytest.raises(ConfigError):
        encode_command(KissCommand.TXTAIL, b"")


def _random_stream(rng, n):
    expected, stream = [], bytearray()
    for _ in range(n):
        port = rng.randrange(16)
        if rng.random() < 0.8:
            data = bytes(
                rng.choice([0xC0, 0xDB, 0xDC, 0xDD, rng.randrange(256)])
                for _ in range(rng.randrange(0, 300))
            )
            expected.append(KissDataFrame(port=port, data=data))
            stream += encode_data(data, port=port)
        else:
            command = rng.choice(
                [
                    KissCommand.TXDELAY,
                    KissCommand.P,
                    KissCommand.SLOTTIME,
                    KissCommand.TXTAIL,
                    KissCommand.FULLDUPLEX,
                ]
            )
            value = rng.randrange(256)
            expected.append(KissCommandFrame(port=port, command=command, argument=bytes([value])))
            stream += encode_command(command, value, port=port)
        if rng.random() < 0.3:
            stream += b"\xc0"  # extra FENDs between frames are allowed
    return expected, bytes(stream)


@pytest.mark.parametrize("seed", range(6))
def test_round_trip_in_random_chunks(seed):
    rng = random.Random(seed)
    expected, stream = _random_stream(rng, 200)
    decoder = KissDecoder(max_frame_bytes=512)
    events, i = [], 0
    while i < len(stream):
        step = rng.choice([1, 2, 3, rng.randrange(1, 700)])
        events += decoder.receive_data(stream[i : i + step])
        i += step
    assert events == expected
    assert decoder.stats.dropped == 0 and decoder.stats.bad_escapes == 0
    assert KissDecoder(max_frame_bytes=512).receive_data(stream) == expected


def test_return_and_sethardware_are_decoded():
    stream = encode_command(KissCommand.SETHARDWARE, b"\x01\x02\xc0", port=3)
    stream += encode_command(KissCommand.RETURN)
    events = KissDecoder().receive_data(stream)
    assert events == [
        KissCommandFrame(port=3, command=KissCommand.SETHARDWARE, argument=b"\x01\x02\xc0"),
        KissCommandFrame(port=0, command=KissCommand.RETURN, argument=b""),
    ]


@pytest.mark.parametrize("seed", range(4))
def test_garbage_never_raises_and_is_counted(seed):
    rng = random.Random(seed)
    decoder = KissDecoder(max_frame_bytes=64)
    for _ in range(300):
        data = rng.randbytes(rng.randrange(0, 200))
        if rng.random() < 0.5:  # make FEND and FESC frequent
            data = bytes(rng.choice([0xC0, 0xDB, 0xDC, 0xDD, b]) for b in data)
        for event in decoder.receive_data(data):
            assert isinstance(event, KissDataFrame | KissCommandFrame)
            if isinstance(event, KissDataFrame):
                assert len(event.data) < 64
        assert len(decoder._buf) <= 2 * 64
    s = decoder.stats
    assert s.garbage_bytes >= 0 and s.oversize_frames > 0 and s.bad_escapes > 0
    assert s.unknown_commands > 0 and s.empty_frames > 0
    # the decoder recovers: a clean frame after the noise decodes
    assert decoder.receive_data(b"\xc0" + encode_data(b"ok")) == [KissDataFrame(port=0, data=b"ok")]


def test_drops_are_specific():
    decoder = KissDecoder(max_frame_bytes=8)
    assert decoder.receive_data(b"noise before sync") == []
    assert decoder.stats.garbage_bytes == len(b"noise before sync")
    stream = (
        encode_data(b"x" * 20)  # over-long
        + bytes([0xC0, 0x09, 1, 0xC0])  # unknown command 9
        + bytes([0xC0, 0x01, 0xC0])  # TXDELAY without its byte
        + bytes([0xC0, 0x00, 0x41, 0xDB, 0x42, 0xC0])  # bad escape: FESC dropped, byte kept
        + encode_data(b"fine")
    )
    events = decoder.receive_data(stream)
    assert events == [KissDataFrame(port=0, data=b"AB"), KissDataFrame(port=0, data=b"fine")]
    s = decoder.stats
    assert (s.oversize_frames, s.unknown_commands, s.short_commands, s.bad_escapes) == (1, 1, 1, 1)
    assert s.dropped == 3


def test_endless_frame_keeps_memory_bounded():
    decoder = KissDecoder(max_frame_bytes=100)
    decoder.receive_data(b"\xc0\x00")
    for _ in range(1000):
        assert decoder.receive_data(b"y" * 1000) == []
        assert len(decoder._buf) <= 200
    assert decoder.receive_data(b"\xc0" + encode_data(b"z")[1:]) == [
        KissDataFrame(port=0, data=b"z")
    ]
    assert decoder.stats.oversize_frames == 1
