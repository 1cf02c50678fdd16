"""Our AFSK 1200 and G3RUH 9600 audio decoded by programs we did not write.

Dire Wolf's ``atest`` and ``multimon-ng`` must decode every AX.25 frame that
``phy.afsk.afsk_modulate`` and ``phy.g3ruh.modulate_line_bits`` put on air. The HDLC framing
(flags, bit stuffing, FCS, NRZI) is written out here so that the test needs only ``phy``.
"""

import re
import shutil
import subprocess
import wave

import numpy as np
import pytest

from phy.afsk import afsk_modulate
from phy.g3ruh import modulate_line_bits

# N0CALL-1>APRS,WIDE1-1 UI frame header (addresses, control 0x03, PID 0xF0)
_HEADER = bytes.fromhex("82a0a4a64040e09c608682989862ae92888a62406303f0")


def _fcs(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


def _line_bits(frame: bytes, flags: int = 40) -> np.ndarray:
    """Flags, stuffed frame + FCS (LSB first), flags; NRZI (0 = change of level)."""
    body = frame + _fcs(frame).to_bytes(2, "little")
    bits = [(byte >> i) & 1 for byte in body for i in range(8)]
    stuffed, ones = [], 0
    for b in bits:
        stuffed.append(b)
        ones = ones + 1 if b else 0
        if ones == 5:
            stuffed.append(0)
            ones = 0
    flag = [0, 1, 1, 1, 1, 1, 1, 0]
    data = flag * flags + stuffed + flag * 4
    level, line = 0, []
    for b in data:
        level ^= 1 - b
        line.append(level)
    return np.array(line, dtype=np.uint8)


def _audio(modulate, sample_rate_hz: float, n_frames: int) -> tuple[np.ndarray, list[str]]:
    gap = np.zeros(int(0.2 * sample_rate_hz), dtype=np.float32)
    texts = [f"sdrlink interop {i}{'x' * (7 * i)}" for i in range(n_frames)]
    parts = [gap]
    for text in texts:
        audio = modulate(_line_bits(_HEADER + text.encode()), sample_rate_hz)
        parts += [0.5 * audio / np.max(np.abs(audio)), gap]
    return np.concatenate(parts).astype(np.float32), texts


def _afsk(line, rate):
    return afsk_modulate(line, sample_rate_hz=rate)


def _g3ruh(line, rate):
    return modulate_line_bits(line, sample_rate_hz=rate)


def _write_wav(path, audio, rate) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(rate))
        w.writeframes((audio * 32767).astype("<i2").tobytes())


@pytest.mark.interop
@pytest.mark.skipif(shutil.which("atest") is None, reason="Dire Wolf's atest is not installed")
@pytest.mark.parametrize(
    ("modulate", "rate", "args"),
    [(_afsk, 44100, []), (_afsk, 22050, []), (_afsk, 8000, []), (_g3ruh, 48000, ["-B", "9600"])],
)
def test_atest_decodes_every_frame(tmp_path, modulate, rate, args):
    audio, texts = _audio(modulate, rate, 4)
    path = tmp_path / "x.wav"
    _write_wav(path, audio, rate)
    out = subprocess.run(["atest", *args, str(path)], capture_output=True, text=True).stdout
    assert int(re.search(r"(\d+) packets decoded", out).group(1)) == len(texts)
    for text in texts:
        assert text in out


@pytest.mark.interop
@pytest.mark.skipif(shutil.which("multimon-ng") is None, reason="multimon-ng is not installed")
@pytest.mark.parametrize(("modulate", "mode"), [(_afsk, "AFSK1200"), (_g3ruh, "FSK9600")])
def test_multimon_ng_decodes_every_frame(tmp_path, modulate, mode):
    audio, texts = _audio(modulate, 22050, 4)  # multimon-ng reads raw audio at 22050 Hz
    path = tmp_path / "x.raw"
    path.write_bytes((audio * 32767).astype("<i2").tobytes())
    out = subprocess.run(
        ["multimon-ng", "-q", "-t", "raw", "-a", mode, str(path)], capture_output=True, text=True
    ).stdout
    assert sum(line.startswith(f"{mode}:") for line in out.splitlines()) == len(texts)
    for text in texts:
        assert text in out
