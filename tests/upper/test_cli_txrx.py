"""``sdrlink tx`` -> capture -> ``sdrlink rx``: round trips and one-line errors."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from phy.captures import CaptureReader, sigmf_paths
from upper.cli import main


def _needs(modulation_module: str):
    return pytest.mark.skipif(
        importlib.util.find_spec(modulation_module) is None,
        reason=f"{modulation_module} has not landed yet",
    )


def _rx(capsys, *argv) -> list[dict]:
    capsys.readouterr()
    assert main(["rx", *argv, "--json"]) == 0
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines()]


ROUND_TRIPS = [
    # (profile, out name, extra tx args, extra rx args)
    pytest.param(
        "gfsk50k",
        "g.sigmf-meta",
        ["--datatype", "cu8", "--sample-rate", "1.024M", "--freq", "868M"],
        [],
        marks=_needs("phy.gfsk"),
        id="gfsk50k-sigmf-cu8",
    ),
    pytest.param(
        "qpsk250k",
        "q.cf32",
        ["--sample-rate", "2.4M", "--channel", "snr=25,cfo=3000"],
        ["--sample-rate", "2.4M", "--profile", "qpsk250k"],
        marks=_needs("phy.psk"),
        id="qpsk250k-cf32",
    ),
    pytest.param(
        "bpsk250k",
        "b",
        ["--format", "sigmf", "--datatype", "ci16_le"],
        [],
        marks=_needs("phy.psk"),
        id="bpsk250k-sigmf-ci16",
    ),
    pytest.param(
        "gfsk9k6",
        "r.cu8",
        ["--sample-rate", "1.024M", "--channel", "ebn0=22,cfo=2000,ppm=30,rtl=1,dc=0.01"],
        ["--sample-rate", "1024k", "--profile", "gfsk9k6"],
        marks=_needs("phy.gfsk"),
        id="gfsk9k6-cu8-rtl",
    ),
    pytest.param(
        "afsk1200",
        "a.wav",
        ["--channel", "snr=30"],
        ["-p", "afsk1200"],
        marks=_needs("phy.afsk"),
        id="afsk1200-wav",
    ),
]


@pytest.mark.parametrize(("profile", "name", "tx_args", "rx_args"), ROUND_TRIPS)
def test_tx_rx_round_trip(tmp_path, capsys, profile, name, tx_args, rx_args):
    out = tmp_path / name
    payloads = ["hello, world", "sdrlink \u2713", "third burst"]
    assert main(["tx", "--profile", profile, "--out", str(out), *tx_args, *payloads]) == 0
    bursts = _rx(capsys, str(out), *rx_args)
    assert [bytes.fromhex(b["payload_hex"]).decode() for b in bursts] == payloads
    assert all(b["profile"] == profile for b in bursts)
    starts = [b["start_s"] for b in bursts]
    assert starts == sorted(starts) and starts[0] > 0


@_needs("phy.gfsk")
def test_sigmf_from_tx_records_profile_and_annotations(tmp_path, capsys):
    out = tmp_path / "rec.sigmf-meta"
    argv = ["tx", "-p", "gfsk50k", "--out", str(out), "--hex", "00ff10", "cafe"]
    argv += ["--freq", "433.92M", "--channel", "ebn0=30,cfo=1500", "--datatype", "cu8"]
    assert main(argv) == 0
    doc = json.loads(sigmf_paths(out)[0].read_text())
    assert doc["global"]["sdrlink:profile"] == "gfsk50k"
    assert doc["captures"][0]["core:frequency"] == 433.92e6
    annotations = doc["annotations"]
    assert [a["sdrlink:payload_hex"] for a in annotations] == ["00ff10", "cafe"]
    assert all(a["sdrlink:ebn0_db"] == 30 and a["sdrlink:cfo_hz"] == 1500 for a in annotations)
    assert all(
        a["core:freq_lower_edge"] < 433.9215e6 < a["core:freq_upper_edge"] for a in annotations
    )
    bursts = _rx(capsys, str(out))
    assert [b["payload_hex"] for b in bursts] == ["00ff10", "cafe"]
    assert all(abs(b["cfo_hz"] - 1500) < 300 for b in bursts)
    reader = CaptureReader(out)
    for burst, annotation in zip(bursts, annotations, strict=True):
        start = annotation["core:sample_start"]
        assert start <= burst["start_sample"] < start + annotation["core:sample_count"]
    assert reader.datatype.name == "cu8"


@_needs("phy.gfsk")
def test_text_output_and_counts(tmp_path, capsys):
    out = tmp_path / "t.cf32"
    assert main(["tx", "-p", "gfsk50k", "--out", str(out), "plain text", "--hex"]) == 2
    assert main(["tx", "-p", "gfsk50k", "--out", str(out), "plain text"]) == 0
    capsys.readouterr()
    assert main(["rx", str(out), "-p", "gfsk50k", "--sample-rate", "400k"]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("\n") == 1
    assert '"plain text"' in captured.out and "SNR" in captured.out and "CFO" in captured.out
    assert "1 burst in" in captured.err


@_needs("phy.gfsk")
def test_rx_from_stdin(tmp_path):
    out = tmp_path / "s.cu8"
    assert main(["tx", "-p", "gfsk50k", "--out", str(out), "--sample-rate", "1M", "via stdin"]) == 0
    result = subprocess.run(
        [sys.executable, "-m", "upper.cli", "rx", "-", "-p", "gfsk50k", "--sample-rate", "1M"],
        input=out.read_bytes(),
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert b'"via stdin"' in result.stdout


@_needs("phy.gfsk")
def test_rx_from_a_named_pipe(tmp_path, capsys):
    src = tmp_path / "p.cf32"
    assert main(["tx", "-p", "gfsk50k", "--out", str(src), "--sample-rate", "1M", "fifo"]) == 0
    fifo = tmp_path / "iq.cf32"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "wb") as writer:  # blocks until rx opens the pipe
            writer.write(src.read_bytes())

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        bursts = _rx(capsys, str(fifo), "-p", "gfsk50k", "--sample-rate", "1M")
    finally:
        feeder.join(timeout=60)
    assert [bytes.fromhex(b["payload_hex"]) for b in bursts] == [b"fifo"]


@_needs("phy.gfsk")
def test_rx_from_rtl_tcp_server(tmp_path, capsys):
    from phy.radios.rtl_tcp_server import RtlTcpServer

    out = tmp_path / "served.sigmf-meta"
    argv = ["tx", "-p", "gfsk50k", "--out", str(out), "--datatype", "cu8", "--sample-rate"]
    assert main([*argv, "1.024M", "--channel", "ebn0=25,rtl=1", "over", "rtl_tcp"]) == 0
    with RtlTcpServer(out, port=0, tail_s=0.1).start() as server:
        bursts = _rx(
            capsys,
            "--radio",
            f"rtl_tcp://127.0.0.1:{server.port}",
            "-p",
            "gfsk50k",
            "--sample-rate",
            "1.024M",
            "--freq",
            "868M",
        )
    assert [bytes.fromhex(b["payload_hex"]) for b in bursts] == [b"over", b"rtl_tcp"]
    sent = {(c.name, c.value) for c in server.commands}
    assert ("SET_FREQUENCY", 868_000_000) in sent and ("SET_SAMPLE_RATE", 1_024_000) in sent


@_needs("phy.gfsk")
def test_rx_record_writes_detected_bursts_as_annotations(tmp_path, capsys):
    src = tmp_path / "src.cu8"
    assert main(["tx", "-p", "gfsk50k", "--out", str(src), "--sample-rate", "1M", "a", "bc"]) == 0
    rec = tmp_path / "rec.sigmf-meta"
    argv = [str(src), "-p", "gfsk50k", "--sample-rate", "1M", "--freq", "868M"]
    bursts = _rx(capsys, *argv, "--record", str(rec))
    reader = CaptureReader(rec)
    assert reader.datatype.name == "cu8" and reader.profile == "gfsk50k"
    assert reader.center_freq_hz == 868e6 and reader.num_samples == src.stat().st_size // 2
    annotations = reader.annotations
    assert [a.fields["sdrlink:payload_hex"] for a in annotations] == ["61", "6263"]
    for burst, annotation in zip(bursts, annotations, strict=True):
        assert annotation.sample_start == burst["start_sample"]
        assert annotation.fields["sdrlink:snr_db"] == burst["snr_db"]
        assert annotation.freq_lower_edge_hz < 868e6 < annotation.freq_upper_edge_hz


@_needs("phy.psk")
def test_rx_output_does_not_depend_on_chunk_size(tmp_path, capsys):
    out = tmp_path / "c.sigmf-meta"
    argv = ["tx", "-p", "qpsk250k", "--out", str(out), "--sample-rate", "1M"]
    assert main([*argv, "--channel", "ebn0=20,cfo=2000", "one", "two", "three"]) == 0
    whole = _rx(capsys, str(out), "--chunk-samples", "1000000")
    for chunk in ("4099", "65536"):
        assert _rx(capsys, str(out), "--chunk-samples", chunk) == whole
    assert len(whole) == 3


@_needs("phy.psk")
@pytest.mark.parametrize("profile", ["gfsk50k", "bpsk250k", "qpsk250k"])
def test_rx_on_random_bytes_does_not_crash(tmp_path, capsys, profile):
    rng = np.random.default_rng(11)
    noise = tmp_path / "noise.cu8"
    noise.write_bytes(rng.integers(0, 256, 400_000, dtype=np.uint8).tobytes())
    bursts = _rx(capsys, str(noise), "-p", profile, "--sample-rate", "1M")
    assert all(isinstance(b["payload_hex"], str) for b in bursts)


def test_progress_shows_on_long_captures(capsys):
    from upper.cli.rx import _Progress

    progress = _Progress(100_000_000, 1e6, quiet=False)  # 100 s of signal
    for done in range(0, 100_000_001, 5_000_000):
        progress.update(done)
    progress.done()
    lines = [line for line in capsys.readouterr().err.replace("\r", "\n").splitlines() if line]
    assert [line.split()[-1] for line in lines] == [f"{p}%" for p in range(10, 101, 10)]
    short = _Progress(1_000_000, 1e6, quiet=False)  # 1 s: no progress
    short.update(1_000_000)
    assert capsys.readouterr().err == ""


def test_warns_once_when_a_live_radio_falls_behind(capsys):
    import time

    from upper.cli.rx import _warn_if_behind

    now = time.monotonic()
    assert _warn_if_behind(1.0, now - 100)  # under 2 s of signal: too early to tell
    assert _warn_if_behind(50.0, now - 10)  # 5x faster than real time
    assert capsys.readouterr().err == ""
    assert not _warn_if_behind(3.0, now - 10)  # 0.3x real time
    assert "0.30x real time" in capsys.readouterr().err


BAD = [
    (["rx", "{tmp}/missing.cu8", "-p", "gfsk50k", "--sample-rate", "1M"], "no such file"),
    (["rx", "{tmp}/raw.cu8", "-p", "gfsk50k"], "--sample-rate"),
    (["rx", "{tmp}/raw.cu8", "--sample-rate", "1M"], "--profile"),
    (["rx", "{tmp}/raw.cu8", "-p", "nope", "--sample-rate", "1M"], "unknown profile"),
    (["rx", "{tmp}/raw.cu8", "-p", "afsk1200", "--sample-rate", "1M"], "needs audio"),
    (["rx", "{tmp}/raw.cu8", "-p", "gfsk50k", "--sample-rate", "fast"], "not a number"),
    (["rx", "{tmp}/bad.sigmf-meta"], "not valid JSON"),
    (["rx", "{tmp}/raw.bin", "-p", "gfsk50k", "--sample-rate", "1M"], "--format"),
    (["rx", "-p", "gfsk50k"], "FILE"),
    (["rx", "--radio", "rtl_tcp://127.0.0.1:1", "-p", "gfsk50k"], "cannot connect"),
    (["rx", "--radio", "hackrf://0", "-p", "gfsk50k"], "unknown radio"),
    (["rx", "{tmp}/raw.cu8", "--gain", "loud"], "invalid float"),
    (["tx", "-p", "gfsk50k", "--out", "{tmp}/x.cu8", "--channel", "ebn=3", "hi"], "--channel"),
    (["tx", "-p", "gfsk50k", "--out", "{tmp}/x.cu8", "--channel", "cfo=9e9", "hi"], "carrier"),
    (["tx", "-p", "gfsk50k", "--out", "{tmp}/x.cu8", "--hex", "xyz"], "not hex"),
    (["tx", "-p", "qpsk1m", "--out", "{tmp}/x.cu8", "--sample-rate", "1M", "hi"], "cannot hold"),
    (["rx", "{tmp}/raw.cu8", "-p", "qpsk1m", "--sample-rate", "1M"], "cannot hold"),
    (["tx", "-p", "gfsk50k", "--out", "{tmp}/x.mp3", "hi"], "--format"),
    (["tx", "-p", "gfsk50k", "--out", "{tmp}/x.wav", "hi"], "WAV holds audio"),
    (["tx", "-p", "gfsk50k", "--out", "{tmp}/no/such/dir/x.cu8", "hi"], "cannot write"),
    (["tx", "-p", "gfsk50k", "--out", "{tmp}/x.cu8"], "required"),
]


@pytest.mark.parametrize(("argv", "expected"), BAD, ids=[" ".join(a[:2]) + f" {e}" for a, e in BAD])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, expected):
    (tmp_path / "raw.cu8").write_bytes(b"\x80" * 2000)
    (tmp_path / "raw.bin").write_bytes(b"\x80" * 2000)
    (tmp_path / "bad.sigmf-meta").write_text("{oops")
    (tmp_path / "bad.sigmf-data").write_bytes(b"\x80" * 2000)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.count("\n") == 1 and expected in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_bad_capture_from_the_real_command_has_no_traceback(tmp_path):
    meta = tmp_path / "t.sigmf-meta"
    meta.write_text('{"global": {"core:datatype": "cu8", "core:sample_rate": 1e6}}')
    (tmp_path / "t.sigmf-data").write_bytes(b"\x80" * 101)
    result = subprocess.run(
        [sys.executable, "-m", "upper.cli", "rx", str(meta), "-p", "gfsk50k"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "not a whole number of cu8 samples" in result.stderr
