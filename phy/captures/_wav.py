"""WAV (RIFF) headers: find the sample data of a mono PCM16 or float32 file; write PCM16.

Reading parses the chunk list by hand (the stdlib ``wave`` module reads only integer PCM and
reads samples through Python), so the data can be memory-mapped where it lies.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from phy.errors import CaptureError

__all__ = ["WavLayout", "parse_wav_header"]

_PCM = 1
_FLOAT = 3
_EXTENSIBLE = 0xFFFE
_MAX_HEADER_BYTES = 1 << 20  # chunks before "data" (LIST, fact, ...) are small


@dataclass(frozen=True, slots=True)
class WavLayout:
    """Where the samples of a WAV file are and how they are stored."""

    sample_rate_hz: float
    datatype: str  # "ri16_le" or "rf32_le"
    data_offset: int  # bytes from the start of the file
    data_bytes: int


def parse_wav_header(path: Path, file_bytes: int) -> WavLayout:
    """Read the RIFF chunk list of ``path`` up to its ``data`` chunk (cost: a few reads)."""
    where = str(path)
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise CaptureError(f"{where}: not a RIFF/WAVE file; pass --format to read it as raw")
        fmt = None
        offset = 12
        while offset < min(file_bytes, _MAX_HEADER_BYTES):
            f.seek(offset)
            chunk = f.read(8)
            if len(chunk) < 8:
                break
            chunk_id, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if chunk_id == b"fmt ":
                fmt = f.read(min(size, 40))
            elif chunk_id == b"data":
                if fmt is None:
                    raise CaptureError(f"{where}: data chunk before its fmt chunk; file is corrupt")
                rate, datatype = _parse_fmt(fmt, where)
                available = file_bytes - offset - 8
                if size in (0, 0xFFFFFFFF):
                    size = available  # streamed writers leave the size unset
                if size > available:
                    raise CaptureError(
                        f"{where}: header declares {size} data bytes but only {available} "
                        "follow; the file is truncated, record or copy it again"
                    )
                return WavLayout(rate, datatype, offset + 8, size)
            offset += 8 + size + (size & 1)
    raise CaptureError(f"{where}: no data chunk found; the WAV file is truncated or corrupt")


def _parse_fmt(fmt: bytes, where: str) -> tuple[float, str]:
    if len(fmt) < 16:
        raise CaptureError(f"{where}: fmt chunk too short; the WAV file is corrupt")
    tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == _EXTENSIBLE and len(fmt) >= 26:
        tag = struct.unpack("<H", fmt[24:26])[0]  # first two bytes of the sub-format GUID
    if channels != 1:
        raise CaptureError(
            f"{where}: {channels} channels; sdrlink reads mono audio "
            "(convert with: sox IN.wav -c 1 OUT.wav)"
        )
    if rate <= 0:
        raise CaptureError(f"{where}: sample rate {rate} in the header; the WAV file is corrupt")
    if tag == _PCM and bits == 16:
        return float(rate), "ri16_le"
    if tag == _FLOAT and bits == 32:
        return float(rate), "rf32_le"
    kind = {_PCM: "PCM", _FLOAT: "float"}.get(tag, f"format tag {tag}")
    raise CaptureError(
        f"{where}: {bits}-bit {kind} audio is not supported; sdrlink reads 16-bit PCM or "
        "32-bit float (convert with: sox IN.wav -b 16 OUT.wav)"
    )
