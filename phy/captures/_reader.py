"""Chunked, memory-mapped capture readers (files) and a stream reader (pipes, stdin).

A file is never read whole: ``CaptureReader`` maps a window of the file (``window_bytes``,
64 MiB by default) with ``np.memmap``, converts the requested samples to a fresh complex64 or
float32 array, and maps the next window when the reader moves past it; the previous window
is unmapped, so resident memory stays bounded by one window plus one chunk whatever the size
of the file.
"""

from __future__ import annotations

import hashlib
import math
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from phy.captures._datatypes import Datatype, get_datatype
from phy.captures._formats import RAW_DATATYPES, detect_format
from phy.captures._sigmf import SigmfMeta, parse_sigmf_meta, sigmf_paths
from phy.captures._wav import parse_wav_header
from phy.errors import CaptureError

__all__ = ["CaptureReader", "StreamReader", "open_capture"]

_MAX_META_BYTES = 16 << 20
DEFAULT_CHUNK_SAMPLES = 1 << 16


@dataclass(frozen=True, slots=True)
class _Source:
    format: str
    data_path: Path
    data_offset: int
    data_bytes: int
    datatype: Datatype
    sample_rate_hz: float | None
    center_freq_hz: float | None = None
    meta: SigmfMeta | None = None


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        raise CaptureError(f"{path}: no such file; check the path") from None
    except OSError as error:
        raise CaptureError(f"{path}: cannot read ({error.strerror}); check the path") from None


def _probe_sigmf_files(path: Path) -> _Source:
    meta_path, data_path = sigmf_paths(path)
    meta_bytes = _file_size(meta_path)
    if meta_bytes > _MAX_META_BYTES:
        raise CaptureError(f"{meta_path}: {meta_bytes} bytes is too large for SigMF metadata")
    try:
        text = meta_path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CaptureError(f"{meta_path}: not UTF-8 text; is it the data file?") from None
    meta = parse_sigmf_meta(text, where=str(meta_path))
    if meta.dataset is not None:  # a non-conforming dataset, e.g. an rtl_sdr .cu8 file
        data_path = meta_path.with_name(meta.dataset)
    if not data_path.exists():
        raise CaptureError(
            f"{meta_path}: its data file {data_path.name} is missing; put it next to the metadata"
        )
    datatype = get_datatype(meta.datatype, where=str(meta_path))
    skipped = meta.header_bytes + meta.trailing_bytes
    data_bytes = _file_size(data_path) - skipped
    if data_bytes < 0:
        raise CaptureError(
            f"{data_path}: shorter than its {skipped} header and trailing bytes; the file is "
            "truncated, copy or record it again"
        )
    return _Source(
        "sigmf",
        data_path,
        meta.header_bytes,
        data_bytes,
        datatype,
        meta.sample_rate_hz,
        meta.center_freq_hz,
        meta,
    )


def _probe_sigmf_archive(path: Path) -> _Source:
    _file_size(path)
    try:
        with tarfile.open(path, "r:") as tar:
            members = [m for m in tar.getmembers() if m.isfile()]
            metas = [m for m in members if m.name.endswith(".sigmf-meta")]
            if len(metas) != 1:
                raise CaptureError(
                    f"{path}: holds {len(metas)} .sigmf-meta files; sdrlink reads archives "
                    "of one recording (extract it with tar xf)"
                )
            data_name = metas[0].name[: -len("meta")] + "data"
            data = next((m for m in members if m.name == data_name), None)
            if data is None:
                raise CaptureError(f"{path}: no {data_name} in the archive; rebuild the archive")
            text = tar.extractfile(metas[0]).read(_MAX_META_BYTES).decode("utf-8", "replace")
    except tarfile.ReadError:
        raise CaptureError(
            f"{path}: not an uncompressed tar SigMF archive; extract it and read the .sigmf-meta"
        ) from None
    meta = parse_sigmf_meta(text, where=f"{path}:{metas[0].name}")
    datatype = get_datatype(meta.datatype, where=str(path))
    return _Source(
        "sigmf",
        path,
        data.offset_data,
        data.size,
        datatype,
        meta.sample_rate_hz,
        meta.center_freq_hz,
        meta,
    )


def _probe(path: Path, format: str) -> _Source:
    if format == "sigmf":
        if path.suffix == ".sigmf" and path.is_file():
            return _probe_sigmf_archive(path)
        return _probe_sigmf_files(path)
    size = _file_size(path)
    if format == "wav":
        layout = parse_wav_header(path, size)
        return _Source(
            "wav",
            path,
            layout.data_offset,
            layout.data_bytes,
            get_datatype(layout.datatype),
            layout.sample_rate_hz,
        )
    return _Source(format, path, 0, size, get_datatype(RAW_DATATYPES[format]), None)


def _resolve_rate(source_rate: float | None, given: float | None, where: str) -> float:
    if given is not None:
        if not (math.isfinite(given) and given > 0):
            raise CaptureError(f"sample rate must be positive, got {given!r}")
        if source_rate is not None and abs(given - source_rate) > 1e-9 * source_rate:
            raise CaptureError(
                f"{where}: recorded at {source_rate:g} S/s but {given:g} S/s was asked for; "
                "drop --sample-rate or fix the file's metadata"
            )
        return float(given)
    if source_rate is None:
        raise CaptureError(f"{where}: the sample rate is not recorded; pass --sample-rate HZ")
    return float(source_rate)


def _check_length(source: _Source, num_samples: int, where: str) -> None:
    meta = source.meta
    if meta is None:
        return
    if meta.num_samples is not None and meta.num_samples != num_samples:
        state = "truncated" if num_samples < meta.num_samples else "longer than recorded"
        raise CaptureError(
            f"{where}: holds {num_samples} {source.datatype.name} samples but its metadata "
            f"says {meta.num_samples}; the data file is {state} or core:datatype is wrong"
        )
    end = max((a.sample_start + a.sample_count for a in meta.annotations), default=0)
    if end > num_samples:
        raise CaptureError(
            f"{where}: holds {num_samples} samples but its annotations reach sample {end}; "
            "the data file is truncated, copy or record it again"
        )


class CaptureReader:
    """Read a capture file in chunks: SigMF, WAV or raw (cu8, cs8, cs16, cf32, s16, f32).

    Parameters
    ----------
    path : the file (for SigMF: the ``.sigmf-meta``, the ``.sigmf-data``, their common base
        name, or an uncompressed ``.sigmf`` archive).
    format : one of ``FORMATS``; default: from the extension.
    sample_rate_hz : required for raw files; for SigMF and WAV it must match the file's.
    center_freq_hz : overrides (or supplies) the recorded centre frequency.
    window_bytes : size of the memory-mapped window (bounds resident memory).

    Yields complex64 samples for complex datatypes, float32 for real (audio) ones, scaled
    so that full scale is 1.0. Cost: one conversion pass per sample read.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        format: str | None = None,
        sample_rate_hz: float | None = None,
        center_freq_hz: float | None = None,
        window_bytes: int = 64 << 20,
    ) -> None:
        path = Path(path)
        self.format = detect_format(path, format)
        source = _probe(path, self.format)
        where = str(source.data_path)
        self.path = path
        self.datatype = source.datatype
        self.metadata = source.meta
        self.sample_rate_hz = _resolve_rate(source.sample_rate_hz, sample_rate_hz, where)
        self.center_freq_hz = (
            center_freq_hz if center_freq_hz is not None else source.center_freq_hz
        )
        sample_bytes = self.datatype.sample_bytes
        if source.data_bytes == 0:
            raise CaptureError(f"{where}: holds no samples; record it again")
        if source.data_bytes % sample_bytes:
            raise CaptureError(
                f"{where}: {source.data_bytes} bytes is not a whole number of "
                f"{self.datatype.name} samples ({sample_bytes} bytes each); the file is "
                "truncated or its format is not what you said"
            )
        self.num_samples = source.data_bytes // sample_bytes
        _check_length(source, self.num_samples, where)
        self._data_path = source.data_path
        self._data_offset = source.data_offset
        self._window_bytes = max(int(window_bytes), 1 << 16)
        self._window: np.memmap | None = None
        self._window_start = 0  # byte offset in the file of self._window[0]
        self._position = 0
        self._closed = False

    # -- properties ---------------------------------------------------------------------
    @property
    def is_complex(self) -> bool:
        return self.datatype.is_complex

    @property
    def profile(self) -> str | None:
        """The modem profile recorded in SigMF metadata (``sdrlink:profile``), if any."""
        return None if self.metadata is None else self.metadata.profile

    @property
    def annotations(self) -> tuple:
        return () if self.metadata is None else self.metadata.annotations

    @property
    def position(self) -> int:
        """Index of the next sample ``read`` returns."""
        return self._position

    @property
    def duration_s(self) -> float:
        return self.num_samples / self.sample_rate_hz

    # -- reading ------------------------------------------------------------------------
    def seek(self, sample_index: int) -> None:
        """Move to ``sample_index`` (clamped to the capture)."""
        self._position = min(max(int(sample_index), 0), self.num_samples)

    def read(self, n: int) -> np.ndarray:
        """The next ``n`` samples (fewer at the end; empty once all are read)."""
        if self._closed:
            raise CaptureError(f"{self.path}: read after close")
        n = min(int(n), self.num_samples - self._position)
        if n <= 0:
            return np.zeros(0, dtype=np.complex64 if self.is_complex else np.float32)
        size = self.datatype.sample_bytes
        start = self._data_offset + self._position * size
        raw = self._bytes(start, start + n * size)
        self._position += n
        return self.datatype.decode(raw)

    def read_raw(self, n: int) -> np.ndarray:
        """The next ``n`` samples as stored (uint8 bytes, a copy), without conversion."""
        if self._closed:
            raise CaptureError(f"{self.path}: read after close")
        n = min(int(n), self.num_samples - self._position)
        if n <= 0:
            return np.zeros(0, dtype=np.uint8)
        size = self.datatype.sample_bytes
        start = self._data_offset + self._position * size
        raw = np.array(self._bytes(start, start + n * size))
        self._position += n
        return raw

    def _bytes(self, start: int, end: int) -> np.ndarray:
        window = self._window
        if window is None or start < self._window_start or end > self._window_start + window.size:
            self._window = None  # unmap the old window before mapping the next
            file_end = self._data_offset + self.num_samples * self.datatype.sample_bytes
            length = min(max(self._window_bytes, end - start), file_end - start)
            try:
                window = np.memmap(
                    self._data_path, dtype=np.uint8, mode="r", offset=start, shape=(length,)
                )
            except OSError as error:
                raise CaptureError(
                    f"{self._data_path}: cannot map ({error}); check the file"
                ) from None
            self._window, self._window_start = window, start
        return window[start - self._window_start : end - self._window_start]

    def verify(self) -> bool:
        """Check the data against SigMF ``core:sha512``; True if it matches, False if none.

        Raises ``CaptureError`` on a mismatch. Cost: one pass over the file (hashing only).
        """
        expected = None if self.metadata is None else self.metadata.extra_global.get("core:sha512")
        if not expected:
            return False
        meta = self.metadata  # the hash covers the whole dataset, headers and trailer too
        start = self._data_offset - meta.header_bytes
        remaining = (
            meta.header_bytes + self.num_samples * self.datatype.sample_bytes + meta.trailing_bytes
        )
        digest = hashlib.sha512()
        with open(self._data_path, "rb") as f:
            f.seek(start)
            while remaining > 0:
                block = f.read(min(remaining, 1 << 20))
                if not block:
                    break
                digest.update(block)
                remaining -= len(block)
        if digest.hexdigest() != str(expected).lower():
            raise CaptureError(
                f"{self._data_path}: SHA-512 differs from the metadata's core:sha512; "
                "the data file is damaged, copy or record it again"
            )
        return True

    def chunks(self, chunk_samples: int = DEFAULT_CHUNK_SAMPLES) -> Iterator[np.ndarray]:
        """Iterate over the rest of the capture in chunks of ``chunk_samples``."""
        while True:
            chunk = self.read(chunk_samples)
            if chunk.size == 0:
                return
            yield chunk

    def close(self) -> None:
        self._window = None
        self._closed = True

    def __enter__(self) -> CaptureReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"CaptureReader({str(self.path)!r}, format={self.format!r}, "
            f"datatype={self.datatype.name!r}, sample_rate_hz={self.sample_rate_hz:g}, "
            f"num_samples={self.num_samples})"
        )


class StreamReader:
    """Read raw samples of one datatype from a byte stream (a pipe, a socket file, stdin).

    ``read(n)`` blocks until ``n`` samples or the end of the stream; a stream that ends in
    the middle of a sample raises ``CaptureError`` once the whole samples are consumed.
    ``close_stream``: ``close()`` closes ``stream`` too (for a pipe the caller opened).
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        format: str,
        sample_rate_hz: float,
        center_freq_hz: float | None = None,
        name: str = "stdin",
        close_stream: bool = False,
    ) -> None:
        if format not in RAW_DATATYPES:
            raise CaptureError(
                f"{name}: a stream needs a raw format ({', '.join(RAW_DATATYPES)}), got {format!r}"
            )
        self.format = format
        self.datatype = get_datatype(RAW_DATATYPES[format])
        self.sample_rate_hz = _resolve_rate(None, sample_rate_hz, name)
        self.center_freq_hz = center_freq_hz
        self.metadata = None
        self.profile = None
        self.num_samples = None
        self._stream = stream
        self._close_stream = close_stream
        self._name = name
        self._position = 0

    @property
    def is_complex(self) -> bool:
        return self.datatype.is_complex

    @property
    def position(self) -> int:
        return self._position

    def read(self, n: int) -> np.ndarray:
        want = int(n) * self.datatype.sample_bytes
        parts, got = [], 0
        while got < want:
            part = self._stream.read(want - got)
            if not part:
                break
            parts.append(part)
            got += len(part)
        data = b"".join(parts)
        whole = len(data) - len(data) % self.datatype.sample_bytes
        if whole != len(data):
            raise CaptureError(
                f"{self._name}: the stream ended {len(data) - whole} bytes into a "
                f"{self.datatype.name} sample; check --format"
            )
        self._position += whole // self.datatype.sample_bytes
        return self.datatype.decode(np.frombuffer(data, dtype=np.uint8))

    def chunks(self, chunk_samples: int = DEFAULT_CHUNK_SAMPLES) -> Iterator[np.ndarray]:
        while True:
            chunk = self.read(chunk_samples)
            if chunk.size == 0:
                return
            yield chunk

    def close(self) -> None:
        if self._close_stream:
            self._stream.close()

    def __enter__(self) -> StreamReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_capture(path: str | Path, **options) -> CaptureReader:
    """``CaptureReader(path, **options)``: open a capture file for chunked reading."""
    return CaptureReader(path, **options)
