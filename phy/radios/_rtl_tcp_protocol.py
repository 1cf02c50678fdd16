"""The rtl_tcp wire protocol, sans I/O: the dongle-info header and the 5-byte commands.

On connect the server sends 12 bytes: the magic ``RTL0``, the tuner type and the number of
tuner gains (both uint32, big-endian); then an endless stream of unsigned 8-bit interleaved
I/Q (cu8). The client sends commands of 5 bytes: a 1-byte command id and a 4-byte big-endian
parameter. Ids (as osmocom's rtl_tcp numbers them): 0x01 centre frequency (Hz), 0x02 sample
rate (S/s), 0x03 gain mode (0 automatic, 1 manual), 0x04 tuner gain (tenths of a dB), 0x05
frequency correction (ppm, signed), 0x06 IF stage gain, 0x07 test mode, 0x08 RTL AGC (0/1),
0x09 direct sampling, 0x0a offset tuning, 0x0b RTL crystal, 0x0c tuner crystal, 0x0d gain
by index, 0x0e bias tee.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

from phy.errors import RadioError

__all__ = [
    "COMMAND_BYTES",
    "HEADER_BYTES",
    "MAGIC",
    "Command",
    "CommandParser",
    "TunerType",
    "encode_command",
    "encode_header",
    "parse_header",
]

MAGIC = b"RTL0"
HEADER_BYTES = 12
COMMAND_BYTES = 5


class Command(enum.IntEnum):
    SET_FREQUENCY = 0x01
    SET_SAMPLE_RATE = 0x02
    SET_GAIN_MODE = 0x03
    SET_GAIN = 0x04
    SET_FREQ_CORRECTION = 0x05
    SET_IF_STAGE_GAIN = 0x06
    SET_TEST_MODE = 0x07
    SET_AGC_MODE = 0x08
    SET_DIRECT_SAMPLING = 0x09
    SET_OFFSET_TUNING = 0x0A
    SET_RTL_XTAL = 0x0B
    SET_TUNER_XTAL = 0x0C
    SET_GAIN_BY_INDEX = 0x0D
    SET_BIAS_TEE = 0x0E


class TunerType(enum.IntEnum):
    UNKNOWN = 0
    E4000 = 1
    FC0012 = 2
    FC0013 = 3
    FC2580 = 4
    R820T = 5
    R828D = 6


#: The R820T/R828D gain table in tenths of a dB (29 steps), as librtlsdr lists it.
R820T_GAINS_TENTHS_DB = (
    0, 9, 14, 27, 37, 77, 87, 125, 144, 157, 166, 197, 207, 229, 254,
    280, 297, 328, 338, 364, 372, 386, 402, 421, 434, 439, 445, 480, 496,
)  # fmt: skip


def encode_header(tuner_type: int = TunerType.R820T, gain_count: int = 29) -> bytes:
    """The 12-byte dongle-info header a server sends first."""
    return MAGIC + struct.pack(">II", int(tuner_type), int(gain_count))


def parse_header(data: bytes, *, where: str = "rtl_tcp server") -> tuple[int, int]:
    """(tuner type, gain count) from the first 12 bytes; ``RadioError`` if not rtl_tcp."""
    if len(data) < HEADER_BYTES or data[:4] != MAGIC:
        raise RadioError(
            f"{where} did not send the rtl_tcp header (RTL0); is it an rtl_tcp server?"
        )
    tuner, gains = struct.unpack(">II", data[4:HEADER_BYTES])
    return tuner, gains


def encode_command(command: int, value: int) -> bytes:
    """A 5-byte command; negative values (frequency correction) go as two's complement."""
    return struct.pack(">BI", int(command), int(value) & 0xFFFFFFFF)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceivedCommand:
    """One command a server received (``value`` signed for frequency correction)."""

    command: int
    value: int

    @property
    def name(self) -> str:
        try:
            return Command(self.command).name
        except ValueError:
            return f"0x{self.command:02x}"


class CommandParser:
    """Split a client's byte stream into commands (keeps a partial command between calls)."""

    def __init__(self) -> None:
        self._buffer = b""

    def receive_data(self, data: bytes) -> list[ReceivedCommand]:
        self._buffer += data
        out = []
        while len(self._buffer) >= COMMAND_BYTES:
            command, value = struct.unpack(">BI", self._buffer[:COMMAND_BYTES])
            self._buffer = self._buffer[COMMAND_BYTES:]
            if command == Command.SET_FREQ_CORRECTION and value >= 1 << 31:
                value -= 1 << 32
            out.append(ReceivedCommand(command=command, value=value))
        return out
