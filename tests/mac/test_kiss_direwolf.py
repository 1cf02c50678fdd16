"""KISS interop with Dire Wolf (a program sdrlink did not write), over its virtual KISS TNC.

Dire Wolf reads receive audio from stdin and offers KISS on a pseudo terminal (``-p``): no
network and no sound card. Our encoder's frames must be transmitted by Dire Wolf as the
same AX.25 frames; the frames Dire Wolf decodes from ``gen_packets`` audio must come out of
our streaming decoder intact, in any chunking. Skipped when Dire Wolf is absent.
"""

import os
import random
import re
import select
import shutil
import subprocess
import time
import tty
import wave

import pytest

from mac._events import KissDataFrame
from mac.ax25 import Ax25Frame
from mac.kiss import KissCommand, KissDecoder, encode_command, encode_data

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        shutil.which("direwolf") is None or shutil.which("gen_packets") is None,
        reason="Dire Wolf (direwolf, gen_packets) is not installed: apt-get install direwolf",
    ),
]

CONFIG = """ADEVICE stdin null
ARATE 48000
ACHANNELS 1
CHANNEL 0
MYCALL N0CALL
MODEM 1200
AGWPORT 0
KISSPORT 0
"""


class DireWolf:
    """A Dire Wolf process with its KISS pseudo terminal opened raw."""

    def __init__(self, workdir):
        config = workdir / "direwolf.conf"
        config.write_text(CONFIG)
        self.proc = subprocess.Popen(
            ["direwolf", "-c", str(config), "-p", "-t", "0", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
        self.log = b""
        self.fd = None
        try:
            match = self.wait_log(rb"Virtual KISS TNC is available on (/dev/pts/\d+)")
            self.fd = os.open(match.group(1).decode(), os.O_RDWR | os.O_NOCTTY)
            tty.setraw(self.fd)
        except BaseException:
            self.close()
            raise

    def _read(self, fds, timeout_s):
        ready, _, _ = select.select(fds, [], [], timeout_s)
        return {fd: os.read(fd, 65536) for fd in ready}

    def wait_log(self, pattern, timeout_s=20.0):
        end = time.monotonic() + timeout_s
        out = self.proc.stdout.fileno()
        while time.monotonic() < end:
            match = re.search(pattern, self.log)
            if match:
                return match
            chunk = self._read([out], 0.5).get(out)
            if chunk == b"":
                break
            self.log += chunk or b""
        match = re.search(pattern, self.log)
        log = self.log.decode(errors="replace")
        assert match, f"Dire Wolf never printed {pattern!r}; log:\n{log}"
        return match

    def read_kiss(self, decoder, n_frames, rng, timeout_s=20.0):
        events, end = [], time.monotonic() + timeout_s
        out = self.proc.stdout.fileno()
        while len(events) < n_frames and time.monotonic() < end:
            chunks = self._read([self.fd, out], 0.5)
            self.log += chunks.get(out, b"")
            data = chunks.get(self.fd, b"")
            i = 0
            while i < len(data):  # feed the decoder in random pieces
                step = rng.randrange(1, 8)
                events += decoder.receive_data(data[i : i + step])
                i += step
        return events

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def direwolf(tmp_path):
    dw = DireWolf(tmp_path)
    yield dw
    dw.close()


def test_direwolf_transmits_what_our_encoder_sends(direwolf):
    frame = Ax25Frame.parse("N0CALL>APRS:sdrlink kiss")
    info = frame.info + bytes([0xC0, 0xDB, 0xDC, 0xDD]) + b" end"
    frame = Ax25Frame(destination=frame.destination, source=frame.source, info=info)
    os.write(direwolf.fd, encode_command(KissCommand.TXDELAY, 20) + encode_data(frame.encode()))
    direwolf.wait_log(rb"TXDELAY = 20")
    line = direwolf.wait_log(rb"\[0L\] ([^\r\n]*end)").group(1)
    assert line == b"N0CALL>APRS:sdrlink kiss\xc0\xdb\xdc\xdd end"


def test_our_decoder_reads_what_direwolf_receives(direwolf, tmp_path):
    messages = ["N0CALL>APRS:hello kiss", "N1CALL-7>CQ,WIDE1-1:second \xc0\xdb frame"]
    (tmp_path / "msgs.txt").write_bytes("\n".join(messages).encode("latin-1") + b"\n")
    subprocess.run(
        ["gen_packets", "-r", "48000", "-o", "x.wav", "msgs.txt"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    with wave.open(str(tmp_path / "x.wav")) as w:
        audio = w.readframes(w.getnframes())
    direwolf.proc.stdin.write(audio)
    direwolf.proc.stdin.flush()
    decoder = KissDecoder()
    events = direwolf.read_kiss(decoder, 2, random.Random(0))
    frames = [Ax25Frame.decode(e.data) for e in events if isinstance(e, KissDataFrame)]
    assert [e.port for e in events] == [0, 0]
    assert [str(f.source) for f in frames] == ["N0CALL", "N1CALL-7"]
    assert frames[0].info.rstrip(b"\r\n") == b"hello kiss"
    assert frames[1].info.rstrip(b"\r\n") == b"second \xc0\xdb frame"
    assert decoder.stats.dropped == 0 and decoder.stats.bad_escapes == 0
