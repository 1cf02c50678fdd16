"""A serial KISS TNC as the radio, through a real pseudo-terminal (loopback only).

``socat`` makes a pty and bridges it to sdrlink's own software TNC (``sdrlink kiss-server``) over
TCP, so bytes cross a real serial device: gen_packets WAV -> kiss-server -> TCP -> socat -> pty
-> pyserial -> ``KissSerialClient`` (and ``sdrlink rx --radio kiss+serial://``), and back:
``KissSerialClient`` (and ``sdrlink tx --radio kiss+serial://``) -> pty -> socat -> kiss-server
-> WAV -> Dire Wolf's ``atest``.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest
from kiss_tools import free_port as _free_port
from kiss_tools import server_log as _server_log
from kiss_tools import start_server

from mac.ax25 import Ax25Frame
from phy.errors import ConfigError, RadioError
from upper.cli import main as sdrlink_main
from upper.kiss_serial import KissSerialClient, parse_kiss_serial_url


def _server(*args: str):
    return start_server(*args, stdout=subprocess.DEVNULL)


needs_serial = pytest.mark.skipif(
    importlib.util.find_spec("serial") is None,
    reason="pyserial is not installed: pip install -e '.[serial]'",
)
needs_tools = pytest.mark.skipif(
    shutil.which("socat") is None
    or shutil.which("gen_packets") is None
    or shutil.which("atest") is None,
    reason="needs socat and Dire Wolf's gen_packets/atest: apt-get install socat direwolf",
)
MESSAGES = ["N0CALL>APRS:hello over serial", "N1CALL-7>CQ,WIDE1-1:second serial frame"]


def test_url_parsing():
    assert parse_kiss_serial_url("kiss+serial:///dev/ttyUSB0") == ("/dev/ttyUSB0", 9600)
    assert parse_kiss_serial_url("kiss+serial:///dev/ttyACM1?baud=57600") == ("/dev/ttyACM1", 57600)
    assert parse_kiss_serial_url("kiss+serial://COM3?baud=1200") == ("COM3", 1200)
    assert parse_kiss_serial_url("kiss+serial:///tmp/a%20b") == ("/tmp/a b", 9600)


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("kiss+tcp://127.0.0.1:8001", "kiss\\+serial://PATH"),
        ("kiss+serial://", "kiss\\+serial://PATH"),
        ("kiss+serial:///dev/ttyUSB0?baud=fast", "baud must be a positive integer"),
        ("kiss+serial:///dev/ttyUSB0?baud=0", "baud must be a positive integer"),
        ("kiss+serial:///dev/ttyUSB0?speed=9600", "unknown option 'speed'"),
    ],
)
def test_bad_urls_are_one_line_config_errors(url, match):
    with pytest.raises(ConfigError, match=match) as error:
        parse_kiss_serial_url(url)
    assert "\n" not in str(error.value)


@needs_serial
def test_missing_device_is_one_line_radio_error(tmp_path):
    path = tmp_path / "ttyNOPE"
    with pytest.raises(RadioError, match="cannot open serial KISS TNC") as error:
        KissSerialClient(f"kiss+serial://{path}")
    assert str(path) in str(error.value) and "No such file" in str(error.value)
    assert "\n" not in str(error.value)


@needs_serial
def test_a_file_that_is_not_a_serial_port_is_one_line_radio_error(tmp_path):
    path = tmp_path / "plain.txt"
    path.write_text("not a tty")
    with pytest.raises(RadioError, match="cannot open serial KISS TNC") as error:
        KissSerialClient(f"kiss+serial://{path}")
    assert "\n" not in str(error.value)


@needs_serial
@pytest.mark.parametrize("command", ["rx", "tx"])
def test_cli_reports_a_missing_device_in_one_line(tmp_path, capsys, command):
    url = f"kiss+serial://{tmp_path / 'ttyNOPE'}?baud=9600"
    args = ["rx", "--profile", "afsk1200", "--radio", url]
    if command == "tx":
        args = ["tx", "--profile", "afsk1200", "--ax25", MESSAGES[0], "--radio", url]
    assert sdrlink_main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "cannot open serial KISS TNC" in err and str(tmp_path / "ttyNOPE") in err
    assert "\n" not in err


def test_cli_names_both_tnc_kinds_for_a_bad_address(capsys):
    args = ["tx", "--profile", "afsk1200", "--ax25", MESSAGES[0], "--radio", "tnc://x"]
    assert sdrlink_main(args) == 2
    err = capsys.readouterr().err
    assert "kiss+tcp://" in err and "kiss+serial://" in err


def _pty_bridge(link, port: int, *, wait_slave: bool) -> subprocess.Popen:
    """socat: a pty at ``link`` <-> TCP ``port``.

    With ``wait_slave`` socat connects only once the pty is open (polled every 0.1 s, so the
    opener must hold it that long); else it connects at once. ``ignoreeof`` keeps the bridge up
    while nobody or a new opener holds the pty, so the client and then the ``sdrlink`` command
    share one TCP connection.
    """
    wait = ",wait-slave,pty-interval=0.1" if wait_slave else ""
    bridge = subprocess.Popen(
        ["socat", f"pty,raw,echo=0,ignoreeof{wait},link={link}", f"TCP:127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    end = time.monotonic() + 20
    while not link.exists() and time.monotonic() < end and bridge.poll() is None:
        time.sleep(0.05)
    assert link.exists(), "socat made no pty"
    return bridge


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(20)


@pytest.fixture
def decoding_tnc(tmp_path):
    """The pty of a TNC that decodes ``MESSAGES`` (a gen_packets WAV) once it is opened."""
    (tmp_path / "msgs.txt").write_text("\n".join(MESSAGES) + "\n")
    wav = tmp_path / "msgs.wav"
    subprocess.run(
        ["gen_packets", "-r", "48000", "-o", str(wav), str(tmp_path / "msgs.txt")],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    server = _server("--port", str(port), "--input", str(wav), "--wait-clients", "1",
                     "--linger-s", "90")  # fmt: skip
    bridge = None
    try:
        assert _server_log(server, "KISS TNC on ", 1) != []  # listening
        bridge = _pty_bridge(tmp_path / "tnc", port, wait_slave=True)
        yield tmp_path / "tnc"
    finally:
        for process in (bridge, server):
            if process is not None:
                _stop(process)


def _monitor(text: str) -> str:
    return text.removesuffix("<0x0a>")  # gen_packets ends each information field with a newline


@pytest.mark.interop
@needs_serial
@needs_tools
def test_frames_decoded_by_the_tnc_arrive_over_the_pty(decoding_tnc):
    with KissSerialClient(f"kiss+serial://{decoding_tnc}?baud=9600") as client:
        frames, end = [], time.monotonic() + 60  # generous: a loaded machine, cold caches
        while len(frames) < len(MESSAGES) and time.monotonic() < end:
            frames += client.receive(1.0)
        assert client.receive(0.0) == []  # nothing more, and a zero timeout does not block
    assert [_monitor(str(Ax25Frame.decode(f.data))) for f in frames] == MESSAGES


@pytest.mark.interop
@needs_serial
@needs_tools
def test_sdrlink_rx_prints_the_frames_of_a_serial_tnc(decoding_tnc):
    url = f"kiss+serial://{decoding_tnc}?baud=9600"
    rx = subprocess.Popen(
        [sys.executable, "-m", "upper.cli", "rx", "-p", "afsk1200", "--radio", url, "--json",
         "--duration-s", "90"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        lines = [rx.stdout.readline() for _ in MESSAGES]  # '' if rx ends first
    finally:
        rx.send_signal(signal.SIGINT)  # Ctrl-C ends the command
        _, err = rx.communicate(timeout=30)
    records = [json.loads(line) for line in lines if line]
    assert [_monitor(r["monitor"]) for r in records] == MESSAGES, err


@pytest.mark.interop
@needs_serial
@needs_tools
def test_frames_sent_over_the_pty_are_transmitted_and_atest_decodes_them(tmp_path):
    port = _free_port()
    out = tmp_path / "tx.wav"
    server = _server("--port", str(port), "--output", str(out), "--linger-s", "120")
    bridge = None
    try:
        assert _server_log(server, "KISS TNC on ", 1) != []  # listening
        bridge = _pty_bridge(tmp_path / "tnc", port, wait_slave=False)
        assert _server_log(server, " connected", 1) != []  # socat is the TNC's TCP client
        url = f"kiss+serial://{tmp_path / 'tnc'}"
        with KissSerialClient(url) as client:
            client.send(Ax25Frame.parse(MESSAGES[0]).encode())
        assert _server_log(server, "sent ", 1) == [MESSAGES[0]]
        # the command line's --radio kiss+serial:// path, through the same pty and bridge
        assert sdrlink_main(["tx", "-p", "afsk1200", "--ax25", MESSAGES[1], "--radio", url]) == 0
        assert _server_log(server, "sent ", 1) == [MESSAGES[1]]
    finally:
        if bridge is not None:
            _stop(bridge)
        server.send_signal(signal.SIGINT)  # Ctrl-C: the server closes the WAV and exits
        server.wait(30)
    decoded = subprocess.run(["atest", str(out)], capture_output=True, text=True).stdout
    assert re.findall(r"\[0\] (\S+>\S+:.*?)\s*$", decoded, flags=re.M) == MESSAGES
