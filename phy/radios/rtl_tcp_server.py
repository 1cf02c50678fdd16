"""An rtl_tcp-protocol server that serves a capture file (for tests and for replay).

Any rtl_tcp client (``rtl_433 -d rtl_tcp:HOST:PORT``, SDR++, GQRX, ``RtlTcpRadio``) can
connect and receive the capture as if it came from a dongle: the 12-byte ``RTL0`` header
(an R820T tuner with 29 gains), then the samples as cu8 (a cu8 capture is sent byte for
byte; other captures are converted). Commands from the client are parsed and recorded; they
do not change the samples (a capture cannot be retuned), and a sample-rate request different
from the capture's is reported once in the log.

Usage::

    python -m phy.radios.rtl_tcp_server CAPTURE [--port 1234] [--host 127.0.0.1]
        [--sample-rate HZ] [--format cu8] [--loop] [--realtime] [--once]

Listens on loopback by default. One client at a time, like rtl_tcp.
"""

from __future__ import annotations

import argparse
import contextlib
import select
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import numpy as np

from phy.captures import CaptureReader, get_datatype
from phy.errors import SdrlinkError
from phy.radios._rtl_tcp_protocol import (
    Command,
    CommandParser,
    ReceivedCommand,
    TunerType,
    encode_header,
)

__all__ = ["RtlTcpServer", "main"]

_CU8 = get_datatype("cu8")


class RtlTcpServer:
    """Serve ``path`` over the rtl_tcp protocol.

    Parameters
    ----------
    path : the capture (any format ``phy.captures`` reads; RF only).
    host, port : where to listen; port 0 picks a free one (see ``port``).
    sample_rate_hz, format : for raw captures (as for ``CaptureReader``).
    loop : replay from the start at the end instead of closing the connection.
    tail_s : after the capture, this much zero-level signal (cu8 128) before closing, so
        that clients which process whole buffers (rtl_433 reads 256 KiB at a time) see the
        last samples.
    realtime : pace the stream at the capture's sample rate (default: as fast as the
        client reads).
    chunk_samples : samples per send.
    log : called with one-line messages (default: nothing).
    max_commands : bound of the recorded command history (``commands``).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 1234,
        sample_rate_hz: float | None = None,
        format: str | None = None,
        loop: bool = False,
        realtime: bool = False,
        tail_s: float = 1.0,
        chunk_samples: int = 1 << 15,
        log: Callable[[str], None] | None = None,
        max_commands: int = 1000,
    ) -> None:
        self._path = Path(path)
        self._reader_options = {"format": format, "sample_rate_hz": sample_rate_hz}
        probe = CaptureReader(self._path, **self._reader_options)  # fail early on a bad file
        if not probe.is_complex:
            probe.close()
            raise SdrlinkError(f"{path}: audio capture; rtl_tcp serves complex I/Q only")
        self.sample_rate_hz = probe.sample_rate_hz
        self.center_freq_hz = probe.center_freq_hz
        probe.close()
        self.loop = loop
        self.realtime = realtime
        self.tail_samples = max(round(tail_s * self.sample_rate_hz), 0)
        self.chunk_samples = int(chunk_samples)
        self.commands: deque[ReceivedCommand] = deque(maxlen=max_commands)
        self.clients_served = 0
        self._log = log or (lambda message: None)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._socket = socket.create_server((host, int(port)))
        self.host, self.port = self._socket.getsockname()[:2]

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> RtlTcpServer:
        """Serve clients in a background thread until ``close``."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self, max_clients: int | None = None) -> None:
        """Accept and serve clients one at a time (``max_clients`` of them, or until closed)."""
        while not self._stop.is_set() and (
            max_clients is None or self.clients_served < max_clients
        ):
            try:
                readable, _, _ = select.select([self._socket], [], [], 0.1)
            except (OSError, ValueError):
                return  # closed
            if not readable:
                continue
            try:
                conn, peer = self._socket.accept()
            except OSError:
                return
            self._log(f"client {peer[0]}:{peer[1]} connected")
            try:
                self._serve_client(conn)
            except OSError as error:
                self._log(f"client {peer[0]}:{peer[1]} dropped ({error})")
            finally:
                conn.close()
                self.clients_served += 1
            self._log(f"client {peer[0]}:{peer[1]} done")

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._socket.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def __enter__(self) -> RtlTcpServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- one client ---------------------------------------------------------------------
    def _serve_client(self, conn: socket.socket) -> None:
        conn.settimeout(10.0)
        conn.sendall(encode_header(TunerType.R820T, 29))
        parser = CommandParser()
        warned = False
        started = time.monotonic()
        sent_samples = 0
        tail = self.tail_samples
        with CaptureReader(self._path, **self._reader_options) as reader:
            while not self._stop.is_set():
                for command in self._poll_commands(conn, parser):
                    self.commands.append(command)
                    self._log(f"command {command.name} {command.value}")
                    if (
                        command.command == Command.SET_SAMPLE_RATE
                        and command.value != round(self.sample_rate_hz)
                        and not warned
                    ):
                        warned = True
                        self._log(
                            f"client asked for {command.value} S/s; serving the capture's "
                            f"{self.sample_rate_hz:g} S/s unchanged"
                        )
                chunk = self._next_chunk(reader)
                if chunk is None:
                    if tail <= 0:
                        break
                    chunk = np.full(2 * min(tail, self.chunk_samples), 128, dtype=np.uint8)
                    tail -= chunk.size // 2
                if self.realtime:
                    due = started + sent_samples / self.sample_rate_hz
                    time.sleep(max(due - time.monotonic(), 0.0))
                conn.sendall(chunk)
                sent_samples += chunk.size // 2
            conn.shutdown(socket.SHUT_WR)
            self._drain(conn, parser)

    def _next_chunk(self, reader: CaptureReader) -> np.ndarray | None:
        if reader.datatype.name == "cu8":
            chunk = reader.read_raw(self.chunk_samples)
        else:
            chunk = np.frombuffer(_CU8.encode(reader.read(self.chunk_samples)), dtype=np.uint8)
        if chunk.size == 0 and self.loop:
            reader.seek(0)
            return self._next_chunk(reader)
        return chunk if chunk.size else None

    @staticmethod
    def _poll_commands(conn: socket.socket, parser: CommandParser) -> list[ReceivedCommand]:
        out = []
        while select.select([conn], [], [], 0)[0]:
            data = conn.recv(4096)
            if not data:
                break
            out.extend(parser.receive_data(data))
        return out

    def _drain(self, conn: socket.socket, parser: CommandParser) -> None:
        """After the last sample: record late commands until the client hangs up (2 s max)."""
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            if not select.select([conn], [], [], 0.05)[0]:
                continue
            try:
                data = conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            self.commands.extend(parser.receive_data(data))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m phy.radios.rtl_tcp_server",
        description="Serve a capture file over the rtl_tcp protocol.",
    )
    parser.add_argument("capture", help="capture file (SigMF, .cu8, .cf32, ...)")
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default loopback)")
    parser.add_argument("--port", type=int, default=1234, help="TCP port (0: any free port)")
    parser.add_argument("--sample-rate", type=float, help="sample rate of a raw capture, S/s")
    parser.add_argument("--format", help="capture format (default: from the extension)")
    parser.add_argument("--loop", action="store_true", help="replay the capture endlessly")
    parser.add_argument("--realtime", action="store_true", help="pace at the sample rate")
    parser.add_argument(
        "--tail-s", type=float, default=1.0, help="seconds of silence after the capture (1)"
    )
    parser.add_argument("--once", action="store_true", help="exit after one client")
    parser.add_argument("--quiet", action="store_true", help="no log on stderr")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        if not args.quiet:
            print(f"rtl_tcp_server: {message}", file=sys.stderr, flush=True)

    try:
        server = RtlTcpServer(
            args.capture,
            host=args.host,
            port=args.port,
            sample_rate_hz=args.sample_rate,
            format=args.format,
            loop=args.loop,
            realtime=args.realtime,
            tail_s=args.tail_s,
            log=log,
        )
    except SdrlinkError as error:
        print(f"rtl_tcp_server: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(
            f"rtl_tcp_server: error: cannot listen on {args.host}:{args.port} ({error.strerror})",
            file=sys.stderr,
        )
        return 2
    log(
        f"listening on {server.host}:{server.port}, serving {args.capture} "
        f"at {server.sample_rate_hz:g} S/s"
    )
    try:
        server.serve_forever(max_clients=1 if args.once else None)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
