"""Radios: sim medium, capture files, the rtl_tcp client and server on loopback."""

from __future__ import annotations

import importlib.util
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from phy.captures import CaptureReader, write_capture
from phy.errors import CaptureError, ConfigError, RadioError
from phy.radios import FileRadio, RtlSdrRadio, RtlTcpRadio, SimMedium, SimRadio, open_radio
from phy.radios._rtl_tcp_protocol import (
    Command,
    CommandParser,
    encode_command,
    encode_header,
    parse_header,
)
from phy.radios.rtl_tcp_server import RtlTcpServer

_REAL = "shared/data/real/rtl_433"
RTL433_DIR = next(
    (d for d in (Path(__file__).resolve().parents[3] / _REAL, Path("/work") / _REAL) if d.is_dir()),
    Path("/work") / _REAL,
)
SENSIBLE = RTL433_DIR / "sensibleliving_g001_433.92M_250k.cu8"


def _iq(n, seed=0):
    rng = np.random.default_rng(seed)
    return (0.2 * (rng.standard_normal(n) + 1j * rng.standard_normal(n))).astype(np.complex64)


# -- protocol (sans I/O) ---------------------------------------------------------------
def test_header_round_trip_and_rejects_other_servers():
    header = encode_header(5, 29)
    assert header == b"RTL0\x00\x00\x00\x05\x00\x00\x00\x1d"
    assert parse_header(header) == (5, 29)
    with pytest.raises(RadioError, match="RTL0"):
        parse_header(b"HTTP/1.1 200")


def test_commands_are_five_bytes_big_endian_and_split_anywhere():
    stream = encode_command(Command.SET_FREQUENCY, 433_920_000)
    stream += encode_command(Command.SET_FREQ_CORRECTION, -40)
    stream += encode_command(Command.SET_GAIN, 496)
    assert stream[:5] == bytes([0x01]) + (433_920_000).to_bytes(4, "big")
    for split in range(len(stream) + 1):
        parser = CommandParser()
        got = parser.receive_data(stream[:split]) + parser.receive_data(stream[split:])
        assert [(c.name, c.value) for c in got] == [
            ("SET_FREQUENCY", 433_920_000),
            ("SET_FREQ_CORRECTION", -40),
            ("SET_GAIN", 496),
        ]


# -- sim -------------------------------------------------------------------------------
def test_sim_radio_alone_hears_itself_then_silence():
    radio = SimRadio(sample_rate_hz=1e6)
    x = _iq(100)
    radio.write(x)
    out = radio.read(150)
    np.testing.assert_array_equal(out[:100], x)
    assert not out[100:].any() and radio.read(10).size == 10


def test_sim_medium_overlapping_transmissions_collide():
    medium = SimMedium(sample_rate_hz=1e6)
    a, b, c = (SimRadio(sample_rate_hz=1e6, medium=medium) for _ in range(3))
    xa, xb = _iq(100, 1), _iq(100, 2)
    a.write(xa)
    b.write(xb)
    heard = c.read(100)
    np.testing.assert_allclose(heard, xa + xb, atol=1e-6)  # both at once: a collision
    np.testing.assert_allclose(a.read(100), xb, atol=1e-6)  # a hears b, not itself


def test_sim_radio_channel_noise_and_bound():
    rng = np.random.default_rng(4)
    radio = SimRadio(
        sample_rate_hz=1e6,
        channel=lambda x: 2 * x,
        noise_std=0.1,
        rng=rng,
        max_pending_samples=50,
    )
    radio.write(np.ones(80, dtype=np.complex64))
    assert radio.counters["samples_dropped"] == 30
    out = radio.read(1000)
    assert abs(np.mean(out[:50]) - 2) < 0.1
    assert 0.07 < np.std(out[100:]) < 0.13


@pytest.mark.skipif(
    importlib.util.find_spec("phy.gfsk") is None, reason="phy.gfsk has not landed yet"
)
def test_sim_medium_with_channel_model_carries_a_burst_between_nodes():
    from phy.channel import Channel, ChannelConfig
    from phy.modem import make_receiver, modulate

    rate = 400_000.0
    config = ChannelConfig(sample_rate_hz=rate, snr_db=20, signal_power=1.0, cfo_hz=3000)
    medium = SimMedium(sample_rate_hz=rate, channel=Channel(config, rng=np.random.default_rng(3)))
    alice = SimRadio(sample_rate_hz=rate, medium=medium)
    bob = SimRadio(sample_rate_hz=rate, medium=medium)
    receiver = make_receiver("gfsk50k", sample_rate_hz=rate)
    bursts = receiver.process(bob.read(2000))
    alice.read(2000)
    alice.write(modulate("gfsk50k", b"over the air", sample_rate_hz=rate))
    for _ in range(10):
        bursts += receiver.process(bob.read(4000))
    bursts += receiver.flush()
    assert [b.payload for b in bursts] == [b"over the air"]
    assert abs(bursts[0].cfo_hz - 3000) < 1000


def test_sim_radio_read_is_chunk_invariant():
    x = _iq(5000, 9)
    outputs = []
    for splits in ([6000], [1, 7, 4096, 1896], [3000, 3000]):
        radio = SimRadio(sample_rate_hz=1e6, noise_std=0.05, rng=np.random.default_rng(2))
        radio.write(x)
        outputs.append(np.concatenate([radio.read(n) for n in splits]))
    for out in outputs[1:]:
        np.testing.assert_array_equal(out, outputs[0])


# -- file ------------------------------------------------------------------------------
def test_file_radio_replays_and_records(tmp_path):
    x = _iq(1000)
    src = write_capture(tmp_path / "in", x, format="sigmf", sample_rate_hz=1e6)
    with FileRadio(src, out_path=tmp_path / "out.cf32") as radio:
        assert radio.sample_rate_hz == 1e6
        got = np.concatenate([radio.read(300) for _ in range(4)])
        assert radio.read(10).size == 0
        radio.write(got)
    np.testing.assert_array_equal(got, x)
    np.testing.assert_array_equal(
        CaptureReader(tmp_path / "out.cf32", sample_rate_hz=1e6).read(2000), x
    )
    with FileRadio(src, loop=True) as radio, pytest.raises(RadioError, match="out_path"):
        assert radio.read(1500).size == 1000 and radio.read(10).size == 10
        radio.write(x)


def test_open_radio_urls(tmp_path):
    x = _iq(10)
    src = write_capture(tmp_path / "u.cu8", x, sample_rate_hz=1e6)
    assert isinstance(open_radio(str(src), sample_rate_hz=1e6), FileRadio)
    assert isinstance(open_radio(f"file://{src}", sample_rate_hz=1e6), FileRadio)
    assert isinstance(open_radio("sim://", sample_rate_hz=1e6), SimRadio)
    with pytest.raises(ConfigError, match="unknown radio"):
        open_radio("usrp://0")
    with pytest.raises(ConfigError, match="bad port"):
        open_radio("rtl_tcp://127.0.0.1:port")
    with pytest.raises(CaptureError):
        open_radio(str(tmp_path / "missing.cu8"), sample_rate_hz=1e6)


def test_rtlsdr_usb_missing_is_one_line():
    try:
        import rtlsdr  # noqa: F401
    except ImportError:
        with pytest.raises(RadioError, match="pyrtlsdr is not installed"):
            RtlSdrRadio()
    else:  # pragma: no cover - with pyrtlsdr but no dongle (CI has none)
        with pytest.raises(RadioError, match="no RTL-SDR dongle"):
            RtlSdrRadio(device_index=99)


# -- rtl_tcp on loopback ---------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_rtl_tcp_client_receives_served_capture_exactly(tmp_path):
    x = _iq(70_001, 7)
    path = write_capture(tmp_path / "s", x, format="sigmf", datatype="cu8", sample_rate_hz=1.024e6)
    with RtlTcpServer(path, port=0, tail_s=0, chunk_samples=4096).start() as server:
        with RtlTcpRadio(
            "127.0.0.1",
            server.port,
            sample_rate_hz=1.024e6,
            center_freq_hz=868e6,
            gain_db=49.6,
            freq_correction_ppm=-12,
        ) as radio:
            assert radio.tuner_name == "R820T" and radio.gain_count == 29
            parts = []
            while (part := radio.read(9_999)).size:
                parts.append(part)
            with pytest.raises(RadioError, match="only receives"):
                radio.write(x)
        got = np.concatenate(parts)
    np.testing.assert_array_equal(got, CaptureReader(path).read(x.size))
    sent = {(c.name, c.value) for c in server.commands}
    assert {
        ("SET_SAMPLE_RATE", 1_024_000),
        ("SET_FREQUENCY", 868_000_000),
        ("SET_GAIN_MODE", 1),
        ("SET_GAIN", 496),
        ("SET_FREQ_CORRECTION", -12),
        ("SET_AGC_MODE", 0),
    } <= sent


def test_rtl_tcp_server_converts_non_cu8_and_loops(tmp_path):
    x = _iq(1000, 8)
    path = write_capture(tmp_path / "f.cf32", x, sample_rate_hz=2.4e6)
    server = RtlTcpServer(path, port=0, sample_rate_hz=2.4e6, loop=True).start()
    with server, RtlTcpRadio("127.0.0.1", server.port) as radio:
        got = radio.read(2500)
    assert got.size == 2500
    expected = np.round(x.real * 127.5 + 127.5)
    np.testing.assert_allclose(got[1000:2000].real, (expected - 127.5) / 127.5, atol=1e-6)


def test_server_survives_garbage_commands_and_serves_the_next_client(tmp_path):
    rng = np.random.default_rng(5)
    parser = CommandParser()
    junk = rng.integers(0, 256, 1003, dtype=np.uint8).tobytes()
    assert len(parser.receive_data(junk)) == 200  # any bytes: 5-byte commands, 3 kept
    path = write_capture(tmp_path / "g.cu8", _iq(20_000, 3), sample_rate_hz=1e6)
    with RtlTcpServer(path, port=0, sample_rate_hz=1e6, tail_s=0).start() as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as rude:
            rude.sendall(junk)
            received = b""
            while part := rude.recv(65536):  # read to the end: a clean close, no reset
                received += part
            assert received[:4] == b"RTL0" and len(received) == 12 + 40_000
        with RtlTcpRadio("127.0.0.1", server.port, sample_rate_hz=1e6) as radio:
            got = np.concatenate([radio.read(8192) for _ in range(3)])
    assert got.size == 20_000
    assert any(c.name.startswith("0x") for c in server.commands)  # unknown ids are recorded


def test_rtl_tcp_client_errors():
    with pytest.raises(RadioError, match="cannot connect"):
        RtlTcpRadio("127.0.0.1", _free_port(), timeout_s=1)
    with socket.create_server(("127.0.0.1", 0)) as impostor:
        port = impostor.getsockname()[1]

        import threading

        def answer():
            conn, _ = impostor.accept()
            conn.sendall(b"SSH-2.0-OpenSSH\r\n")
            conn.close()

        thread = threading.Thread(target=answer)
        thread.start()
        with pytest.raises(RadioError, match="did not send the rtl_tcp header"):
            RtlTcpRadio("127.0.0.1", port, timeout_s=2)
        thread.join()


def test_server_module_command_line_errors(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "phy.radios.rtl_tcp_server", str(tmp_path / "none.cu8")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no such file" in result.stderr


@pytest.mark.interop
@pytest.mark.skipif(shutil.which("rtl_433") is None, reason="rtl_433 is not installed")
@pytest.mark.skipif(not SENSIBLE.exists(), reason="shared rtl_433 recordings are absent")
def test_real_rtl_433_decodes_capture_served_by_our_server():
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "phy.radios.rtl_tcp_server",
            str(SENSIBLE),
            "--sample-rate",
            "250000",
            "--port",
            str(port),
            "--once",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stderr.readline()  # "listening on ..." once the socket is bound
        assert "listening" in line
        result = subprocess.run(
            [
                "rtl_433",
                "-d",
                f"rtl_tcp:127.0.0.1:{port}",
                "-s",
                "250k",
                "-f",
                "433.92M",
                "-F",
                "json",
                "-T",
                "20",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.wait(timeout=30)
    events = [line for line in result.stdout.splitlines() if "SensibleLiving" in line]
    assert events, result.stderr[-500:]
    assert '"house_id" : 2' in events[0] and '"module_id" : 24621' in events[0]
    assert '"mic" : "CRC"' in events[0]
