"""A KISS TNC on a serial line used as the radio (the runtime: this module does serial I/O).

``KissSerialClient`` is the serial twin of ``upper.kiss_tcp.KissTcpClient``: sdrlink hands AX.25
frames to a hardware TNC (or Dire Wolf on a pseudo-terminal) over a serial port and receives the
frames it decodes, as KISS. The framing is the sans-I/O ``mac.kiss`` codec, the same one the TCP
client uses; this module only moves bytes. pyserial is imported when a client opens, so
``sdrlink --help`` works without it (``pip install -e '.[serial]'``).

URL: ``kiss+serial://PATH?baud=9600``, e.g. ``kiss+serial:///dev/ttyUSB0?baud=9600`` (an
absolute path after the two slashes of the scheme) or ``kiss+serial://COM3`` on Windows; the
baud rate defaults to 9600 (8 data bits, no parity, 1 stop bit, no flow control).
"""

from __future__ import annotations

import os
import time
from urllib.parse import parse_qsl, unquote, urlsplit

from mac._events import KissDataFrame
from mac.kiss import KissDecoder, encode_data
from phy.errors import ConfigError, RadioError

__all__ = ["DEFAULT_BAUD", "KissSerialClient", "parse_kiss_serial_url"]

DEFAULT_BAUD = 9600
_MAX_READ_BYTES = 65536  # one read's limit; the decoder bounds a frame itself
_USAGE = "use kiss+serial://PATH?baud=9600, e.g. kiss+serial:///dev/ttyUSB0?baud=9600"


def parse_kiss_serial_url(url: str) -> tuple[str, int]:
    """(device path, baud rate) of ``kiss+serial://PATH?baud=N`` (baud 9600 if not given).

    Raises
    ------
    ConfigError
        Another scheme, no path, a query key other than ``baud``, or a baud rate that is not a
        positive integer.
    """
    parts = urlsplit(url)
    path = unquote(parts.netloc + parts.path)
    if parts.scheme != "kiss+serial" or not path:
        raise ConfigError(f"bad serial KISS TNC address {url!r}: {_USAGE}")
    baud = DEFAULT_BAUD
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key != "baud":
            raise ConfigError(f"unknown option {key!r} in {url!r}: {_USAGE}")
        if not value.isdigit() or int(value) <= 0:
            raise ConfigError(f"baud must be a positive integer, got {value!r} in {url!r}")
        baud = int(value)
    return path, baud


def _serial_module():
    try:
        import serial
    except ImportError:
        raise ConfigError("a serial KISS TNC needs pyserial: pip install -e '.[serial]'") from None
    return serial


class KissSerialClient:
    """A blocking connection to a KISS TNC on a serial port, used as the radio.

    Same public methods as ``KissTcpClient``: ``send``, ``receive``, ``close`` and the context
    manager. ``timeout_s`` bounds each write (a TNC holding the line with flow control).

    Raises
    ------
    ConfigError
        A bad URL, or pyserial is not installed.
    RadioError
        The device cannot be opened (missing, busy, no permission, not a serial port).
    """

    def __init__(self, url: str, *, timeout_s: float = 5.0) -> None:
        self.path, self.baud = parse_kiss_serial_url(url)
        serial = _serial_module()
        self._errors = (serial.SerialException, OSError)
        try:
            self._serial = serial.Serial(self.path, self.baud, timeout=0, write_timeout=timeout_s)
        except (serial.SerialException, OSError, ValueError) as error:
            reason = os.strerror(error.errno) if getattr(error, "errno", None) else str(error)
            raise RadioError(
                f"cannot open serial KISS TNC {self.path} ({reason}); plug it in, check the "
                "path (ls /dev/ttyUSB* /dev/ttyACM*) and access (group dialout), "
                "or fix kiss+serial://PATH"
            ) from None
        self._decoder = KissDecoder()

    def send(self, frame: bytes, port: int = 0) -> None:
        """Hand one AX.25 frame (without FCS) to the TNC for transmission (waits until written)."""
        try:
            self._serial.write(encode_data(frame, port))
            self._serial.flush()
        except self._errors as error:
            raise RadioError(f"serial KISS TNC {self.path} went away ({error})") from None

    def receive(self, timeout_s: float | None = None) -> list[KissDataFrame]:
        """Frames the TNC decoded: waits up to ``timeout_s`` (None: forever) for at least one.

        Returns [] on timeout; a partial frame stays buffered for the next call. A device that
        disappears raises ``RadioError``. Cost: one read per burst of bytes from the line.
        """
        end = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            remaining = None if end is None else max(end - time.monotonic(), 0.0)
            try:
                self._serial.timeout = remaining
                data = self._serial.read(1)
                if data and self._serial.in_waiting:
                    data += self._serial.read(min(self._serial.in_waiting, _MAX_READ_BYTES))
            except self._errors as error:
                raise RadioError(f"serial KISS TNC {self.path} went away ({error})") from None
            events = self._decoder.receive_data(data) if data else []
            frames = [e for e in events if isinstance(e, KissDataFrame)]
            if frames or (end is not None and time.monotonic() >= end):
                return frames

    def close(self) -> None:
        self._serial.close()

    def __enter__(self) -> KissSerialClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
