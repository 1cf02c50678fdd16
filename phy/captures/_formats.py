"""Capture file formats: names, file extensions, and the datatype of each raw format."""

from __future__ import annotations

from pathlib import Path

from phy.errors import CaptureError

__all__ = ["EXTENSIONS", "FORMATS", "RAW_DATATYPES", "detect_format"]

#: Raw (header-less) formats and the datatype of their samples.
RAW_DATATYPES = {
    "cu8": "cu8",  # rtl_sdr, rtl_tcp
    "cs8": "ci8",  # hackrf_transfer
    "cs16": "ci16_le",
    "cf32": "cf32_le",  # GNU Radio file sink of gr_complex (.cfile)
    "s16": "ri16_le",  # raw 16-bit PCM audio
    "f32": "rf32_le",  # raw float audio
}

#: Every format name the readers and writers accept.
FORMATS = ("sigmf", "wav", *RAW_DATATYPES)

EXTENSIONS = {
    ".sigmf-meta": "sigmf",
    ".sigmf-data": "sigmf",
    ".sigmf": "sigmf",
    ".wav": "wav",
    ".cu8": "cu8",
    ".cs8": "cs8",
    ".cs16": "cs16",
    ".cf32": "cf32",
    ".cfile": "cf32",
    ".fc32": "cf32",
    ".s16": "s16",
    ".f32": "f32",
}


def detect_format(path: str | Path, format: str | None = None) -> str:
    """The format named by ``format``, else the one ``path``'s extension implies."""
    if format is not None:
        if format not in FORMATS:
            raise CaptureError(
                f"unknown capture format {format!r}; use one of {', '.join(FORMATS)}"
            )
        return format
    path = Path(path)
    found = EXTENSIONS.get(path.suffix.lower())
    if found is None and path.with_name(path.name + ".sigmf-meta").exists():
        found = "sigmf"
    if found is None:
        raise CaptureError(
            f"{path}: cannot tell the capture format from the name; "
            f"pass --format ({', '.join(FORMATS)})"
        )
    return found
