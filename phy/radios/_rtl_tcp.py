"""``RtlTcpRadio``: a client of an rtl_tcp server (a remote RTL-SDR, or a served capture)."""

from __future__ import annotations

import contextlib
import socket

import numpy as np

from phy.captures import get_datatype
from phy.errors import ConfigError, RadioError
from phy.radios._base import Radio
from phy.radios._rtl_tcp_protocol import (
    HEADER_BYTES,
    Command,
    TunerType,
    encode_command,
    parse_header,
)

__all__ = ["RtlTcpRadio"]

_CU8 = get_datatype("cu8")


class RtlTcpRadio(Radio):
    """Receive cu8 I/Q from an rtl_tcp server over TCP.

    Parameters
    ----------
    host, port : the server (rtl_tcp listens on port 1234 by default).
    sample_rate_hz : requested with command 0x02 (RTL2832U: 225-300 kS/s or 0.9-3.2 MS/s).
    center_freq_hz : tuned with command 0x01 (None: leave the server's).
    gain_db : manual tuner gain (0x03 mode 1, then 0x04 in tenths of a dB); None: automatic.
    freq_correction_ppm : sent with 0x05 when not zero.
    agc : the RTL2832's digital AGC (0x08).
    timeout_s : connect and read timeout.

    ``read(n)`` blocks until ``n`` samples arrive; it returns fewer, then an empty array,
    when the server closes the connection. An RTL-SDR only receives: ``write`` raises.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 1234,
        *,
        sample_rate_hz: float = 2_400_000,
        center_freq_hz: float | None = None,
        gain_db: float | None = None,
        freq_correction_ppm: int = 0,
        agc: bool = False,
        timeout_s: float = 5.0,
    ) -> None:
        if sample_rate_hz <= 0:
            raise ConfigError(f"sample rate must be positive, got {sample_rate_hz}")
        self.address = f"{host}:{port}"
        self.timeout_s = timeout_s
        try:
            self._socket = socket.create_connection((host, int(port)), timeout=timeout_s)
        except OSError as error:
            reason = error.strerror or str(error) or type(error).__name__
            raise RadioError(
                f"cannot connect to rtl_tcp at {self.address} ({reason}); start rtl_tcp there "
                "(or: python -m phy.radios.rtl_tcp_server CAPTURE --port PORT)"
            ) from None
        self._carry = b""
        self._ended = False
        try:
            header = self._recv_exact(HEADER_BYTES)
            self.tuner_type, self.gain_count = parse_header(
                header, where=f"server at {self.address}"
            )
        except BaseException:
            self._socket.close()
            raise
        self.sample_rate_hz = float(sample_rate_hz)
        self.center_freq_hz = center_freq_hz
        self.gain_db = gain_db
        self.send_command(Command.SET_SAMPLE_RATE, round(sample_rate_hz))
        if center_freq_hz is not None:
            self.send_command(Command.SET_FREQUENCY, round(center_freq_hz))
        self.set_gain_db(gain_db)
        if freq_correction_ppm:
            self.send_command(Command.SET_FREQ_CORRECTION, int(freq_correction_ppm))
        self.send_command(Command.SET_AGC_MODE, int(bool(agc)))

    @property
    def tuner_name(self) -> str:
        try:
            return TunerType(self.tuner_type).name
        except ValueError:
            return f"tuner {self.tuner_type}"

    def send_command(self, command: int, value: int) -> None:
        """Send one 5-byte command."""
        try:
            self._socket.sendall(encode_command(command, value))
        except OSError as error:
            raise RadioError(
                f"rtl_tcp at {self.address}: cannot send ({error}); reconnect"
            ) from None

    def set_center_freq_hz(self, center_freq_hz: float) -> None:
        self.send_command(Command.SET_FREQUENCY, round(center_freq_hz))
        self.center_freq_hz = center_freq_hz

    def set_gain_db(self, gain_db: float | None) -> None:
        """Manual tuner gain in dB, or None for the tuner's automatic gain."""
        if gain_db is None:
            self.send_command(Command.SET_GAIN_MODE, 0)
        else:
            self.send_command(Command.SET_GAIN_MODE, 1)
            self.send_command(Command.SET_GAIN, round(gain_db * 10))
        self.gain_db = gain_db

    def _recv_exact(self, n: int) -> bytes:
        parts, got = [], 0
        while got < n:
            try:
                part = self._socket.recv(min(n - got, 1 << 20))
            except TimeoutError:
                raise RadioError(
                    f"rtl_tcp at {self.address} sent nothing for {self.timeout_s:g} s; "
                    "check that it is streaming"
                ) from None
            except OSError as error:
                raise RadioError(f"rtl_tcp at {self.address}: {error}; reconnect") from None
            if not part:
                self._ended = True
                break
            parts.append(part)
            got += len(part)
        return b"".join(parts)

    def read(self, n: int) -> np.ndarray:
        want = 2 * int(n) - len(self._carry)
        data = self._carry + (self._recv_exact(want) if want > 0 and not self._ended else b"")
        whole = len(data) - len(data) % 2
        self._carry = data[whole:]
        return _CU8.decode(np.frombuffer(data[:whole], dtype=np.uint8))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._socket.close()
