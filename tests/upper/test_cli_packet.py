"""``sdrlink tx --ax25`` and ``sdrlink rx`` in the packet modes, through the real command."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import wave

import numpy as np
import pytest

from phy.dsp import Resampler
from phy.fm import fm_modulate

FRAMES = ["N0CALL>APRS,WIDE1-1:hello world", "N1CALL-9>CQ:second <0x01> frame"]


def sdrlink(*args, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "upper.cli", *args], input=stdin, capture_output=True, timeout=300
    )


def _monitor_lines(stdout: bytes) -> list[str]:
    """The monitor-format frames of ``rx`` output lines (time and notes removed)."""
    return [
        re.sub(r"^\s*[\d.]+ s (\[[^\]]*\])?\s*", "", line) for line in stdout.decode().splitlines()
    ]


@pytest.mark.parametrize(("mode", "fx25"), [("afsk1200", None), ("afsk1200", "32"),
                                            ("g3ruh9600", None), ("fsk1200", None)])  # fmt: skip
def test_tx_then_rx_round_trip(tmp_path, mode, fx25):
    out = tmp_path / "tx.wav"
    args = ["tx", "-p", mode, "--ax25", *FRAMES, "-o", str(out)]
    if fx25:
        args += ["--fx25", fx25]
    assert sdrlink(*args).returncode == 0
    result = sdrlink("rx", str(out), "-p", mode)
    assert result.returncode == 0, result.stderr
    assert _monitor_lines(result.stdout) == FRAMES
    assert b"2 AX.25 frames" in result.stderr


def test_rtl_fm_style_pipe_of_raw_pcm_at_22050(tmp_path):
    out = tmp_path / "tx.wav"
    sdrlink("tx", "-p", "afsk1200", "--ax25", *FRAMES, "-o", str(out), "--sample-rate", "22050")
    with wave.open(str(out)) as w:
        pcm = w.readframes(w.getnframes())
    result = sdrlink("rx", "-p", "afsk1200", "--sample-rate", "22050", "--json", "-", stdin=pcm)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["monitor"] for r in records] == FRAMES
    assert all(r["end_s"] > 0 for r in records)


def test_rx_fm_from_an_iq_capture(tmp_path):
    audio_path = tmp_path / "tx.wav"
    sdrlink("tx", "-p", "afsk1200", "--ax25", *FRAMES, "-o", str(audio_path))
    with wave.open(str(audio_path)) as w:
        audio = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
    iq = Resampler(in_rate_hz=48_000, out_rate_hz=240_000).process(
        fm_modulate(audio, sample_rate_hz=48_000)
    )
    iq = iq * np.exp(-2j * np.pi * 30_000 * np.arange(iq.size) / 240_000).astype(np.complex64)
    capture = tmp_path / "aprs.cf32"
    iq.astype(np.complex64).tofile(capture)
    result = sdrlink("rx", str(capture), "-p", "afsk1200", "--sample-rate", "240k", "--fm",
                     "--fm-offset=-30k")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert _monitor_lines(result.stdout) == FRAMES


def test_bad_packet_input_gives_one_line_errors(tmp_path):
    stereo = tmp_path / "stereo.wav"
    with wave.open(str(stereo), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(48_000)
        w.writeframes(bytes(4 * 4800))
    good = tmp_path / "good.wav"
    sdrlink("tx", "-p", "afsk1200", "--ax25", FRAMES[0], "-o", str(good))
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(good.read_bytes()[:2000])
    cases = [
        (("rx", str(stereo), "-p", "afsk1200"), "channels"),
        (("rx", str(truncated), "-p", "afsk1200"), "truncated"),
        (("tx", "-p", "afsk1200", "--ax25", "N0CALL>>APRS:x", "-o", str(good)), "address"),
        (("tx", "-p", "afsk1200", "--ax25", "no colon", "-o", str(good)), "monitor"),
        (("tx", "-p", "afsk1200", "--ax25", "A>B:" + "x" * 3000, "-o", str(good)), "2048"),
        (("rx", str(good), "-p", "afsk1200", "--fm"), "IQ"),
        (("rx", "-p", "afsk1200", "-"), "--sample-rate"),
    ]
    for args, word in cases:
        result = sdrlink(*args, stdin=b"")
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.decode().strip().splitlines()
        assert len(lines) == 1 and word in lines[0] and "Traceback" not in lines[0], lines


def test_noise_gives_no_frames(tmp_path):
    rng = np.random.default_rng(5)
    noise = tmp_path / "noise.wav"
    with wave.open(str(noise), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48_000)
        w.writeframes((rng.normal(0, 0.3, 48_000 * 20) * 32767).astype("<i2").tobytes())
    for mode in ("afsk1200", "g3ruh9600", "fsk1200"):
        result = sdrlink("rx", str(noise), "-p", mode, "--fix-bits", "2")
        assert result.returncode == 0 and result.stdout == b"", result.stderr
