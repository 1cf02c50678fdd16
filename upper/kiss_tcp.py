"""KISS over TCP, both roles (the runtime: this module does socket I/O).

``KissTcpServer`` makes sdrlink a software TNC: APRS clients and Dire Wolf's own KISS tools
connect to it; every frame the receiver decodes goes to every client, and data frames from
clients go to the transmitter. ``KissTcpClient`` is the other role: sdrlink uses an external
TNC (Dire Wolf) as its radio, sending and receiving AX.25 frames as KISS. The framing itself
is the sans-I/O ``mac.kiss`` codec.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from mac._events import KissCommandFrame, KissDataFrame
from mac.kiss import KissCommand, KissDecoder, encode_data
from phy.errors import ConfigError, RadioError

__all__ = ["KissTcpClient", "KissTcpServer", "TxParams", "parse_kiss_url"]


def parse_kiss_url(url: str) -> tuple[str, int]:
    """(host, port) of ``kiss+tcp://HOST:PORT``."""
    parts = urlsplit(url)
    if parts.scheme != "kiss+tcp" or not parts.hostname or parts.port is None:
        raise ConfigError(f"bad KISS TNC address {url!r}: use kiss+tcp://HOST:PORT")
    return parts.hostname, parts.port


@dataclass(slots=True)
class TxParams:
    """The transmit parameters a KISS host sets (times in seconds)."""

    txdelay_s: float = 0.3
    persistence: float = 0.25
    slot_time_s: float = 0.1
    txtail_s: float = 0.03
    full_duplex: bool = False
    counts: dict = field(default_factory=dict)

    def apply(self, event: KissCommandFrame) -> None:
        value = event.argument[0] if event.argument else 0
        command = KissCommand(event.command)
        if command == KissCommand.TXDELAY:
            self.txdelay_s = value / 100
        elif command == KissCommand.P:
            self.persistence = (value + 1) / 256
        elif command == KissCommand.SLOTTIME:
            self.slot_time_s = value / 100
        elif command == KissCommand.TXTAIL:
            self.txtail_s = value / 100
        elif command == KissCommand.FULLDUPLEX:
            self.full_duplex = bool(value)
        self.counts[command.name] = self.counts.get(command.name, 0) + 1


class KissTcpServer:
    """An asyncio KISS TCP server (a software TNC).

    ``on_frame(data, port)`` is called for every data frame a client sends; ``send(data)``
    passes a received frame to every connected client. Commands update ``tx_params``.
    ``on_client(peer, connected)`` hears of clients coming and going.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 8001,
        on_frame: Callable[[bytes, int], None],
        on_client: Callable[[str, bool], None] | None = None,
        max_clients: int = 16,
    ) -> None:
        if not 0 <= port < 65536:
            raise ConfigError(f"TCP port {port} out of range 0..65535")
        self.host, self.port = host, port
        self._on_frame = on_frame
        self._on_client = on_client or (lambda peer, connected: None)
        self._max_clients = max_clients
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.AbstractServer | None = None
        self.tx_params = TxParams()
        self.counters = {"clients": 0, "frames_in": 0, "frames_out": 0, "refused": 0}
        self.client_connected = asyncio.Event()

    @property
    def n_clients(self) -> int:
        return len(self._writers)

    async def start(self) -> None:
        try:
            self._server = await asyncio.start_server(self._serve, self.host, self.port)
        except OSError as error:
            raise RadioError(
                f"cannot listen on {self.host}:{self.port} ({error.strerror}); "
                "choose another --port"
            ) from None
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._writers) >= self._max_clients:
            self.counters["refused"] += 1
            writer.close()
            return
        self._writers.add(writer)
        self.counters["clients"] += 1
        self.client_connected.set()
        peer = "{}:{}".format(*writer.get_extra_info("peername", ("?", "?"))[:2])
        self._on_client(peer, True)
        decoder = KissDecoder()
        try:
            while data := await reader.read(4096):
                for event in decoder.receive_data(data):
                    if isinstance(event, KissDataFrame):
                        self.counters["frames_in"] += 1
                        self._on_frame(event.data, event.port)
                    elif (
                        isinstance(event, KissCommandFrame) and event.command != KissCommand.RETURN
                    ):
                        self.tx_params.apply(event)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
            self._on_client(peer, False)

    def send(self, frame: bytes, port: int = 0) -> None:
        """Queue ``frame`` (AX.25 without FCS) to every connected client."""
        packet = encode_data(frame, port)
        for writer in list(self._writers):
            writer.write(packet)
            self.counters["frames_out"] += 1

    async def drain(self) -> None:
        for writer in list(self._writers):
            try:
                await writer.drain()
            except ConnectionError:
                self._writers.discard(writer)

    async def close(self) -> None:
        for writer in list(self._writers):
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


class KissTcpClient:
    """A blocking connection to an external KISS TCP TNC used as the radio."""

    def __init__(self, url: str, *, timeout_s: float = 5.0) -> None:
        self.host, self.port = parse_kiss_url(url)
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=timeout_s)
        except OSError as error:
            raise RadioError(
                f"no KISS TNC at {self.host}:{self.port} ({error.strerror or error}); "
                "start one (e.g. direwolf with KISSPORT) or fix the address"
            ) from None
        self._decoder = KissDecoder()

    def send(self, frame: bytes, port: int = 0) -> None:
        """Hand one AX.25 frame (without FCS) to the TNC for transmission."""
        try:
            self._sock.sendall(encode_data(frame, port))
        except OSError as error:
            raise RadioError(f"KISS TNC {self.host}:{self.port} went away ({error})") from None

    def receive(self, timeout_s: float | None = None) -> list[KissDataFrame]:
        """Frames the TNC decoded (waits up to ``timeout_s``; [] on timeout, EOF raises)."""
        self._sock.settimeout(timeout_s)
        try:
            data = self._sock.recv(65536)
        except TimeoutError:
            return []
        except OSError as error:
            raise RadioError(f"KISS TNC {self.host}:{self.port} went away ({error})") from None
        if not data:
            raise RadioError(f"KISS TNC {self.host}:{self.port} closed the connection")
        return [e for e in self._decoder.receive_data(data) if isinstance(e, KissDataFrame)]

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> KissTcpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
