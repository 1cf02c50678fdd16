"""Captures: read and write recorded samples (SigMF, raw cu8/cf32/..., WAV).

Readers are chunked and memory-mapped (bounded memory on files of any size) and yield
complex64 RF or float32 audio with full scale at 1.0; writers stream. Malformed, truncated or
mismatched files raise ``phy.errors.CaptureError`` with a one-line message. See
``docs/captures.md``.
"""

from phy.captures._datatypes import DATATYPES, Datatype, get_datatype
from phy.captures._formats import EXTENSIONS, FORMATS, RAW_DATATYPES, detect_format
from phy.captures._reader import CaptureReader, StreamReader, open_capture
from phy.captures._sigmf import (
    SIGMF_VERSION,
    Annotation,
    SigmfMeta,
    burst_annotation,
    parse_sigmf_meta,
    sigmf_paths,
)
from phy.captures._writer import CaptureWriter, write_capture

__all__ = [
    "DATATYPES",
    "EXTENSIONS",
    "FORMATS",
    "RAW_DATATYPES",
    "SIGMF_VERSION",
    "Annotation",
    "CaptureReader",
    "CaptureWriter",
    "Datatype",
    "SigmfMeta",
    "StreamReader",
    "burst_annotation",
    "detect_format",
    "get_datatype",
    "open_capture",
    "parse_sigmf_meta",
    "sigmf_paths",
    "write_capture",
]
