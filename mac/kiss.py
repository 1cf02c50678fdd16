"""KISS host-to-TNC framing (Chepponis and Karn, 1987) as a sans-I/O codec.

A KISS frame on the serial line is ``FEND type data FEND``. Inside, FEND (0xC0) is sent as
FESC TFEND (0xDB 0xDC) and FESC (0xDB) as FESC TFESC (0xDB 0xDD). The type byte holds the
port in its high nibble and the command in its low nibble: 0 data, 1 TXDELAY, 2 P,
3 SLOTTIME, 4 TXtail, 5 FULLDUPLEX, 6 SETHARDWARE; the whole byte 0xFF is RETURN (leave
KISS mode). Times are in 10 ms units; ``p = (P + 1) / 256``.

Decoder rules (robust to a noisy serial line): bytes before the first FEND are discarded;
repeated FENDs delimit empty frames that are skipped; FESC followed by anything but TFEND or
TFESC is a protocol error: the FESC is dropped, the byte kept, and the frame is counted in
``bad_escapes`` (the spec says frame assembly continues); a TFEND/TFESC outside an escape is
ordinary data. A frame longer than ``max_frame_bytes`` is discarded up to its closing FEND
and counted; unknown commands and command frames without their argument are counted and
dropped. Nothing raises on input; memory stays below ``max_frame_bytes``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields

from phy.errors import ConfigError

from ._events import Event, KissCommandFrame, KissDataFrame

__all__ = [
    "FEND",
    "FESC",
    "TFEND",
    "TFESC",
    "KissCommand",
    "KissDecoder",
    "KissStats",
    "encode_command",
    "encode_data",
    "escape",
    "unescape",
]

FEND = 0xC0
FESC = 0xDB
TFEND = 0xDC
TFESC = 0xDD

_FEND_B = bytes([FEND])
_FESC_B = bytes([FESC])
_ESCAPED_FEND = bytes([FESC, TFEND])
_ESCAPED_FESC = bytes([FESC, TFESC])


class KissCommand(enum.IntEnum):
    """KISS command codes (low nibble of the type byte; RETURN is the whole byte)."""

    DATA = 0x00
    TXDELAY = 0x01
    P = 0x02
    SLOTTIME = 0x03
    TXTAIL = 0x04
    FULLDUPLEX = 0x05
    SETHARDWARE = 0x06
    RETURN = 0xFF


_ONE_BYTE_ARG = frozenset(
    {
        KissCommand.TXDELAY,
        KissCommand.P,
        KissCommand.SLOTTIME,
        KissCommand.TXTAIL,
        KissCommand.FULLDUPLEX,
    }
)


def escape(data: bytes) -> bytes:
    """Transpose FESC and FEND inside frame contents. Cost O(n)."""
    return bytes(data).replace(_FESC_B, _ESCAPED_FESC).replace(_FEND_B, _ESCAPED_FEND)


def unescape(data: bytes) -> tuple[bytes, int]:
    """Undo `escape`; returns the bytes and the number of invalid escapes (see module doc)."""
    if FESC not in data:
        return bytes(data), 0
    out = bytearray()
    bad = 0
    escaped = False
    for byte in data:
        if escaped:
            escaped = False
            if byte == TFEND:
                out.append(FEND)
            elif byte == TFESC:
                out.append(FESC)
            else:
                bad += 1
                out.append(byte)
        elif byte == FESC:
            escaped = True
        else:
            out.append(byte)
    if escaped:  # FESC right before FEND
        bad += 1
    return bytes(out), bad


def _check_port(port: int) -> None:
    if not 0 <= port <= 15:
        raise ConfigError(f"KISS port {port}: use 0..15 (the high nibble of the type byte)")


def encode_data(data: bytes, port: int = 0) -> bytes:
    """One KISS data frame: ``FEND (port << 4) escaped(data) FEND``."""
    _check_port(port)
    return _FEND_B + escape(bytes([port << 4]) + bytes(data)) + _FEND_B


def encode_command(command: KissCommand, argument: int | bytes = b"", port: int = 0) -> bytes:
    """One KISS command frame (``argument``: a byte value 0..255 or raw bytes).

    RETURN ignores ``port`` and ``argument`` and gives ``C0 FF C0``.
    """
    command = KissCommand(command)
    if command is KissCommand.RETURN:
        return bytes([FEND, 0xFF, FEND])
    if command is KissCommand.DATA:
        raise ConfigError("encode_command: use encode_data for data frames")
    _check_port(port)
    if isinstance(argument, int):
        if not 0 <= argument <= 255:
            raise ConfigError(f"KISS {command.name} argument {argument}: use a byte 0..255")
        argument = bytes([argument])
    if command in _ONE_BYTE_ARG and len(argument) != 1:
        raise ConfigError(f"KISS {command.name} takes exactly one argument byte")
    return _FEND_B + escape(bytes([(port << 4) | command]) + bytes(argument)) + _FEND_B


@dataclass(slots=True)
class KissStats:
    """Decoder counters."""

    data_frames: int = 0
    command_frames: int = 0
    empty_frames: int = 0
    garbage_bytes: int = 0
    oversize_frames: int = 0
    bad_escapes: int = 0
    unknown_commands: int = 0
    short_commands: int = 0

    @property
    def dropped(self) -> int:
        """Frames decoded to nothing (over-long, unknown command, missing argument)."""
        return self.oversize_frames + self.unknown_commands + self.short_commands

    def as_dict(self) -> dict[str, int]:
        """The counters by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


class KissDecoder:
    """Streaming KISS decoder: bytes in any chunking -> frame and command events.

    Parameters
    ----------
    max_frame_bytes : int
        Largest frame accepted, type byte included, after unescaping (default 4096); the
        buffer never holds more than twice this (escaped form).

    Notes
    -----
    ``receive_data`` costs O(len(data)) plus O(frame) per completed frame; chunking does
    not change the output (tested).
    """

    def __init__(self, *, max_frame_bytes: int = 4096) -> None:
        if max_frame_bytes < 1:
            raise ConfigError(f"KissDecoder: max_frame_bytes={max_frame_bytes}: use >= 1")
        self._max = max_frame_bytes
        self._limit = 2 * max_frame_bytes
        self._buf = bytearray()
        self._synced = False
        self._discarding = False
        self.stats = KissStats()

    def reset(self) -> None:
        """Forget a partial frame and wait for the next FEND (counters are kept)."""
        self._buf.clear()
        self._synced = False
        self._discarding = False

    def receive_data(self, data: bytes, now_s: float | None = None) -> list[Event]:
        """Feed serial bytes; returns the complete frames they finish, in order.

        ``now_s`` is accepted for the layers' common interface; framing needs no time.
        """
        events: list[Event] = []
        data = bytes(data)
        start = 0
        n = len(data)
        while start < n:
            end = data.find(FEND, start)
            stop = n if end < 0 else end
            if stop > start:
                self._take(data, start, stop)
            if end < 0:
                break
            self._end_frame(events)
            start = end + 1
        return events

    def _take(self, data: bytes, start: int, stop: int) -> None:
        if not self._synced:
            self.stats.garbage_bytes += stop - start
            return
        if self._discarding:
            return
        if len(self._buf) + (stop - start) > self._limit:
            self._buf.clear()
            self._discarding = True
            self.stats.oversize_frames += 1
            return
        self._buf += data[start:stop]

    def _end_frame(self, events: list[Event]) -> None:
        raw = bytes(self._buf)
        self._buf.clear()
        was_synced, self._synced = self._synced, True
        if self._discarding:
            self._discarding = False
            return
        if not was_synced:
            return
        if not raw:
            self.stats.empty_frames += 1
            return
        frame, bad = unescape(raw)
        if bad:
            self.stats.bad_escapes += 1
        if len(frame) > self._max:
            self.stats.oversize_frames += 1
            return
        if not frame:
            self.stats.empty_frames += 1
            return
        events.extend(self._parse(frame))

    def _parse(self, frame: bytes) -> list[Event]:
        type_byte = frame[0]
        if type_byte == 0xFF:
            self.stats.command_frames += 1
            return [KissCommandFrame(port=0, command=KissCommand.RETURN, argument=frame[1:])]
        port, code = type_byte >> 4, type_byte & 0x0F
        if code == KissCommand.DATA:
            self.stats.data_frames += 1
            return [KissDataFrame(port=port, data=frame[1:])]
        if code > KissCommand.SETHARDWARE:
            self.stats.unknown_commands += 1
            return []
        command = KissCommand(code)
        if command in _ONE_BYTE_ARG and len(frame) < 2:
            self.stats.short_commands += 1
            return []
        self.stats.command_frames += 1
        argument = frame[1:2] if command in _ONE_BYTE_ARG else frame[1:]
        return [KissCommandFrame(port=port, command=command, argument=argument)]
