"""KISS over TCP in both roles, against Dire Wolf's real programs (kissutil, direwolf, atest).

sdrlink as the TNC: Dire Wolf's ``kissutil`` receives the frames our server decodes and sends
frames that our server modulates, which ``atest`` then decodes. Dire Wolf as the TNC: our
client sends it frames to transmit and receives the frames it decodes. Loopback only.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time

import pytest
from kiss_tools import free_port as _free_port
from kiss_tools import server_log as _server_log
from kiss_tools import start_server as _server

from mac.ax25 import Ax25Frame
from phy.errors import ConfigError, RadioError
from upper.kiss_tcp import KissTcpClient, parse_kiss_url

pytestmark = pytest.mark.interop
needs_direwolf = pytest.mark.skipif(
    shutil.which("direwolf") is None or shutil.which("gen_packets") is None,
    reason="Dire Wolf is not installed: apt-get install direwolf",
)
MESSAGES = ["N0CALL>APRS:hello from kiss", "N1CALL-7>CQ,WIDE1-1:second frame"]


def _gen_packets(tmp_path, rate=48000):
    (tmp_path / "msgs.txt").write_text("\n".join(MESSAGES) + "\n")
    wav = tmp_path / "msgs.wav"
    subprocess.run(
        ["gen_packets", "-r", str(rate), "-o", str(wav), str(tmp_path / "msgs.txt")],
        check=True,
        capture_output=True,
    )
    return wav


def test_kiss_url_parsing():
    assert parse_kiss_url("kiss+tcp://127.0.0.1:8001") == ("127.0.0.1", 8001)
    with pytest.raises(ConfigError, match="kiss\\+tcp://HOST:PORT"):
        parse_kiss_url("tcp://127.0.0.1")


def test_client_reports_a_missing_tnc_in_one_line():
    with pytest.raises(RadioError, match="no KISS TNC") as error:
        KissTcpClient(f"kiss+tcp://127.0.0.1:{_free_port()}", timeout_s=1)
    assert "\n" not in str(error.value)


@needs_direwolf
def test_server_frames_reach_our_client_and_kissutil(tmp_path):
    wav = _gen_packets(tmp_path)
    port = _free_port()
    # a long linger (the server is killed at the end anyway) for a loaded CI machine
    server = _server("--port", str(port), "--input", str(wav), "--wait-clients", "2",
                     "--linger-s", "20")  # fmt: skip
    try:
        assert _server_log(server, "KISS TNC on ", 1) != []  # listening
        queue = tmp_path / "rxq"
        queue.mkdir()
        kissutil = subprocess.Popen(
            ["kissutil", "-h", "127.0.0.1", "-p", str(port), "-o", str(queue)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with KissTcpClient(f"kiss+tcp://127.0.0.1:{port}") as client:
            frames, end = [], time.monotonic() + 30
            while len(frames) < 2 and time.monotonic() < end:
                frames += client.receive(0.5)
        assert [str(Ax25Frame.decode(f.data)).removesuffix("<0x0a>") for f in frames] == MESSAGES
        end = time.monotonic() + 10
        while len(list(queue.iterdir())) < 2 and time.monotonic() < end:
            time.sleep(0.1)
        kissutil.terminate()
        kissutil.wait(5)
        received = sorted(p.read_text().strip() for p in queue.iterdir())
        assert received == sorted(f"[0] {m}" for m in MESSAGES)
    finally:
        server.kill()
        server.wait()


@needs_direwolf
def test_kissutil_frames_are_transmitted_and_atest_decodes_them(tmp_path):
    port = _free_port()
    out = tmp_path / "tx.wav"
    server = _server("--port", str(port), "--output", str(out), "--linger-s", "60")
    try:
        assert _server_log(server, "KISS TNC on ", 1) != []  # listening
        outbox = tmp_path / "txq"
        outbox.mkdir()
        kissutil = subprocess.Popen(
            ["kissutil", "-h", "127.0.0.1", "-p", str(port), "-f", str(outbox)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # kissutil must be connected before it finds frames to send in its outbox
        assert _server_log(server, " connected", 1) != []
        (outbox / "a.txt").write_text("\n".join(MESSAGES) + "\n")
        sent = _server_log(server, "sent ", len(MESSAGES))  # modulated into the output
        kissutil.terminate()
        kissutil.wait(5)
        assert [s.removesuffix("<0x0a>") for s in sent] == MESSAGES
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C: the server closes the WAV and exits
        server.wait(20)
    decoded = subprocess.run(["atest", str(out)], capture_output=True, text=True).stdout
    found = re.findall(r"\[0\] (\S+>\S+:.*?)\s*$", decoded, flags=re.M)
    assert found == MESSAGES


DIREWOLF_CONF = """ADEVICE stdin null
ARATE 48000
ACHANNELS 1
CHANNEL 0
MYCALL N0CALL
MODEM 1200
AGWPORT 0
KISSPORT {port}
"""


@needs_direwolf
def test_direwolf_as_our_radio_both_directions(tmp_path):
    import threading
    import wave

    port = _free_port()
    (tmp_path / "dw.conf").write_text(DIREWOLF_CONF.format(port=port))
    wav = _gen_packets(tmp_path)
    direwolf = subprocess.Popen(
        ["direwolf", "-c", str(tmp_path / "dw.conf"), "-t", "0", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    log: list[str] = []
    reader = threading.Thread(
        target=lambda: log.extend(line.decode(errors="replace") for line in direwolf.stdout),
        daemon=True,
    )
    reader.start()

    def wait_log(text: str, timeout_s: float = 20.0) -> bool:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if any(text in line for line in log):
                return True
            time.sleep(0.1)
        return False

    try:
        assert wait_log("Ready to accept KISS TCP client"), "".join(log)
        with KissTcpClient(f"kiss+tcp://127.0.0.1:{port}") as client:
            # sdrlink -> Dire Wolf: it transmits our frame (its log shows "[0L] ...")
            client.send(Ax25Frame.parse("N0CALL>APRS:sent through direwolf").encode())
            assert wait_log("[0L] N0CALL>APRS:sent through direwolf"), "".join(log)
            # Dire Wolf -> sdrlink: the frames it decodes from audio come back as KISS
            with wave.open(str(wav)) as w:
                direwolf.stdin.write(w.readframes(w.getnframes()))
            direwolf.stdin.flush()
            frames, end = [], time.monotonic() + 30
            while len(frames) < 2 and time.monotonic() < end:
                frames += client.receive(0.5)
        decoded = [str(Ax25Frame.decode(f.data)).removesuffix("<0x0a>") for f in frames]
        assert decoded == MESSAGES
    finally:
        direwolf.terminate()
        direwolf.wait(10)
