"""AX.25 over audio: our own modulator, Dire Wolf's gen_packets, and real recordings."""

import json
import re
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from mac.ax25 import Ax25Frame
from mac.ax25.modem import PacketDecoder, packet_audio

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
GEN_PACKETS_TEXT = re.compile(
    r"^WB2OSZ-15>TEST:,The quick brown fox jumps over the lazy dog!  (\d{4}) of (\d{4})$"
)


def _read_wav(path: Path) -> tuple[np.ndarray, float]:
    with wave.open(str(path)) as w:
        raw = w.readframes(w.getnframes())
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
    assert width == 2
    audio = np.frombuffer(raw, dtype="<i2").reshape(-1, channels)[:, 0]
    return audio.astype(np.float32) / 32768, float(rate)


def _decode(audio, rate, **options):
    return _decode_with(PacketDecoder(sample_rate_hz=rate, **options), audio)


def _decode_with(decoder, audio):
    packets = []
    for chunk in np.array_split(audio, max(audio.size // 50_000, 1)):
        packets += decoder.process(chunk)
    return packets + decoder.flush()


@pytest.mark.parametrize("rate", [8000.0, 22050.0, 44100.0, 48000.0])
@pytest.mark.parametrize("fx25", [None, 32])
def test_own_afsk_packets_round_trip_at_any_rate(rate, fx25):
    frames = [Ax25Frame.parse(f"N0CALL-{i}>APRS,WIDE1-1:test {i} ??~~ {'x' * i}") for i in range(4)]
    audio = packet_audio(frames, sample_rate_hz=rate, fx25_check_bytes=fx25)
    rng = np.random.default_rng(int(rate))
    audio = audio + rng.normal(0, 0.02, audio.size).astype(np.float32)
    decoder = PacketDecoder(sample_rate_hz=rate)
    packets = _decode_with(decoder, audio)
    assert [p.raw for p in packets] == [f.encode() for f in frames]
    fx25_frames = max(c["fx25_frames"] for c in decoder.stream_counters())
    assert fx25_frames == (len(frames) if fx25 else 0)


@pytest.mark.skipif(shutil.which("gen_packets") is None, reason="direwolf's gen_packets absent")
@pytest.mark.parametrize(
    ("mode", "options", "atest_options"),
    [
        ("afsk1200", [], ["-P", "E+"]),
        ("afsk1200", ["-X", "16"], ["-P", "E+"]),
        ("afsk1200", ["-X", "64"], ["-P", "E+"]),
        ("g3ruh9600", ["-B", "9600"], ["-B", "9600"]),
        ("g3ruh9600", ["-B", "9600", "-X", "32"], ["-B", "9600"]),
    ],
)
def test_gen_packets_files_decode_at_least_as_many_as_atest(tmp_path, mode, options, atest_options):
    """Dire Wolf's decode-count gate: 40 frames at rising noise, sdrlink >= atest."""
    wav = tmp_path / "g.wav"
    args = ["gen_packets", "-n", "40", "-r", "44100", *options, "-o", str(wav)]
    subprocess.run(args, check=True, capture_output=True)
    audio, rate = _read_wav(wav)
    packets = _decode(audio, rate, mode=mode)
    numbers = []
    for p in packets:
        match = GEN_PACKETS_TEXT.match(str(p.frame))
        assert match, f"a frame that was not sent: {p.frame}"
        numbers.append(int(match.group(1)))
    assert len(set(numbers)) == len(numbers)
    if shutil.which("atest"):
        out = subprocess.run(
            ["atest", *atest_options, str(wav)], capture_output=True, text=True
        ).stdout
        atest = int(re.search(r"(\d+) packets decoded", out).group(1))
        assert len(numbers) >= atest
    assert len(numbers) >= 20  # the floor when atest is absent


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real is absent")
@pytest.mark.parametrize(
    ("name", "mode"),
    [
        ("micro-aprs/static_and_aprs.wav", "afsk1200"),
        ("micro-aprs/ttwr.wav", "afsk1200"),
        ("satellite-recordings/ao27.wav", "afsk1200"),
        ("satellite-recordings/swiatowid-ax25.wav", "afsk1200"),
        ("satellite-recordings/tigrisat.wav", "g3ruh9600"),
        ("satellite-recordings/us04.wav", "g3ruh9600"),
        ("satellite-recordings/irazu.wav", "g3ruh9600"),
        ("satellite-recordings/astrocast.wav", "fsk1200"),
    ],
)
def test_real_recordings_give_every_frame_the_peers_give(name, mode):
    expected = {f["hex"] for f in json.loads((REAL / "expected_frames.json").read_text())[name]}
    audio, rate = _read_wav(REAL / name)
    found = {p.raw.hex() for p in _decode(audio, rate, mode=mode)}
    assert expected <= found


def _write_wav(path: Path, audio: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())


PEER_FRAMES = [
    "N0CALL-1>APRS,WIDE1-1,WIDE2-1:!4237.14N/07120.83W#sdrlink",
    "N0CALL-2>CQ:binary <0x00><0xff><0x7e> and ~~~~~~ stuffing",
    "N0CALL-3>APDW16:" + "long information field " * 6,
]


@pytest.mark.skipif(shutil.which("atest") is None, reason="direwolf's atest absent")
@pytest.mark.parametrize(
    ("mode", "fx25", "rate", "atest_args"),
    [
        ("afsk1200", None, 48_000, []),
        ("afsk1200", None, 22_050, []),
        ("afsk1200", None, 8_000, []),
        ("afsk1200", 16, 44_100, []),
        ("afsk1200", 64, 48_000, []),
        ("g3ruh9600", None, 48_000, ["-B", "9600"]),
        ("g3ruh9600", 32, 48_000, ["-B", "9600"]),
    ],
)
def test_atest_decodes_every_frame_we_transmit(tmp_path, mode, fx25, rate, atest_args):
    frames = [Ax25Frame.parse(text) for text in PEER_FRAMES]
    audio = packet_audio(frames, sample_rate_hz=rate, mode=mode, fx25_check_bytes=fx25)
    _write_wav(tmp_path / "tx.wav", audio, rate)
    out = subprocess.run(
        ["atest", "-d", "x", *atest_args, str(tmp_path / "tx.wav")],
        capture_output=True,
        text=True,
    ).stdout
    assert re.search(r"(\d+) packets decoded", out).group(1) == str(len(frames))
    assert out.count("FX.25[0.0]: FEC complete") == (len(frames) if fx25 else 0)
    for frame in frames:
        assert str(frame.source) in out


@pytest.mark.skipif(shutil.which("multimon-ng") is None, reason="multimon-ng absent")
@pytest.mark.parametrize(("mode", "demod"), [("afsk1200", "AFSK1200"), ("g3ruh9600", "FSK9600")])
def test_multimon_ng_decodes_every_frame_we_transmit(mode, demod):
    frames = [Ax25Frame.parse(text) for text in PEER_FRAMES]
    audio = packet_audio(frames, sample_rate_hz=22_050, mode=mode)  # multimon-ng's raw rate
    raw = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    out = subprocess.run(
        ["multimon-ng", "-q", "-t", "raw", "-a", demod, "-"],
        input=raw,
        capture_output=True,
    ).stdout.decode("latin-1")
    lines = [line for line in out.splitlines() if line.startswith(f"{demod}:")]
    assert len(lines) == len(frames)
    for frame, line in zip(frames, lines, strict=True):
        assert f"fm {frame.source} to {frame.destination}" in line
