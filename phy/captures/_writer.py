"""Streaming capture writers: SigMF (metadata written on close), WAV (16-bit PCM), raw."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import sys
import wave
from pathlib import Path
from typing import Any

import numpy as np

from phy.captures._datatypes import get_datatype
from phy.captures._formats import RAW_DATATYPES, detect_format
from phy.captures._sigmf import Annotation, SigmfMeta, sigmf_paths
from phy.errors import CaptureError

__all__ = ["CaptureWriter", "write_capture"]


def utc_now_iso() -> str:
    """The current UTC time as SigMF wants it: ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class CaptureWriter:
    """Write samples to a capture file chunk by chunk.

    Parameters
    ----------
    path : the file; for SigMF the ``.sigmf-meta`` / ``.sigmf-data`` name or their base;
        ``"-"`` writes a raw format to standard output.
    sample_rate_hz : samples per second (recorded in SigMF and WAV headers).
    format : one of ``FORMATS`` (default: from the extension).
    datatype : SigMF only: ``cf32_le`` (default for complex), ``ci16_le``, ``cu8``, or a real
        type for audio (default ``ri16_le``).
    center_freq_hz, profile, hw, description, datetime_utc : SigMF metadata
        (``core:frequency``, ``sdrlink:profile``, ``core:hw``, ``core:description``,
        ``core:datetime``; the time defaults to now).
    is_complex : RF (complex64) or audio (float32) samples.

    ``write(samples)`` appends; ``annotate(...)`` adds a SigMF annotation; ``close()``
    finishes the file (SigMF metadata is written then, atomically).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        sample_rate_hz: float,
        format: str | None = None,
        datatype: str | None = None,
        center_freq_hz: float | None = None,
        profile: str | None = None,
        hw: str | None = None,
        description: str | None = None,
        datetime_utc: str | None = None,
        is_complex: bool = True,
        extra_global: dict[str, Any] | None = None,
    ) -> None:
        if not sample_rate_hz or sample_rate_hz <= 0:
            raise CaptureError(f"sample rate must be positive, got {sample_rate_hz!r}")
        self.format = detect_format(path, format)
        self.sample_rate_hz = float(sample_rate_hz)
        self.is_complex = is_complex
        self.samples_written = 0
        self._sha512 = hashlib.sha512()
        self._annotations: list[Annotation] = []
        self._meta_args = dict(
            sample_rate_hz=self.sample_rate_hz,
            center_freq_hz=center_freq_hz,
            profile=profile,
            hw=hw,
            description=description,
            datetime=datetime_utc or utc_now_iso(),
            extra_global=dict(extra_global or {}),
        )
        self._wave = None
        self._file = None
        self._own_file = True
        if str(path) == "-" and self.format in ("sigmf", "wav"):
            raise CaptureError(
                f"{self.format} cannot go to standard output; write a raw format there "
                "(--format cu8, cf32 or s16) or give a file name"
            )
        if self.format == "wav":
            if is_complex:
                raise CaptureError("WAV holds audio; write RF samples as sigmf, cu8 or cf32")
            self.datatype = get_datatype("ri16_le")
            self.path = Path(path)
            try:
                self._wave = wave.open(str(self.path), "wb")  # noqa: SIM115 (closed in close())
            except OSError as error:
                raise CaptureError(f"{path}: cannot write ({error.strerror})") from None
            self._wave.setnchannels(1)
            self._wave.setsampwidth(2)
            self._wave.setframerate(round(self.sample_rate_hz))
            return
        if self.format == "sigmf":
            default = "cf32_le" if is_complex else "ri16_le"
            self.datatype = get_datatype(datatype or default)
            self._meta_path, data_path = sigmf_paths(path)
            self.path = self._meta_path
        else:
            self.datatype = get_datatype(RAW_DATATYPES[self.format])
            data_path = Path(path)
            self.path = data_path
        if self.datatype.is_complex != is_complex:
            kind = "complex (RF)" if is_complex else "real (audio)"
            raise CaptureError(f"{self.datatype.name} cannot hold {kind} samples; pick another")
        if str(path) == "-" and self.format != "sigmf":
            self._file, self._own_file = sys.stdout.buffer, False
            return
        try:
            self._file = open(data_path, "wb")  # noqa: SIM115 (closed in close())
        except OSError as error:
            raise CaptureError(f"{data_path}: cannot write ({error.strerror})") from None

    def write(self, samples: np.ndarray) -> None:
        """Append ``samples`` (complex64 for RF, float32 in [-1, 1] for audio)."""
        samples = np.asarray(samples)
        if samples.size == 0:
            return
        data = self.datatype.encode(samples)
        if self._wave is not None:
            self._wave.writeframes(data)
        else:
            self._file.write(data)
            self._sha512.update(data)
        self.samples_written += samples.size

    def annotate(
        self,
        *,
        sample_start: int,
        sample_count: int,
        label: str | None = None,
        comment: str | None = None,
        freq_lower_edge_hz: float | None = None,
        freq_upper_edge_hz: float | None = None,
        fields: dict[str, Any] | None = None,
    ) -> None:
        """Add a SigMF annotation (ignored by the other formats)."""
        self.add_annotation(
            Annotation(
                sample_start=sample_start,
                sample_count=sample_count,
                label=label,
                comment=comment,
                freq_lower_edge_hz=freq_lower_edge_hz,
                freq_upper_edge_hz=freq_upper_edge_hz,
                fields=dict(fields or {}),
            )
        )

    def add_annotation(self, annotation: Annotation) -> None:
        self._annotations.append(annotation)

    def close(self) -> None:
        if self._wave is not None:
            self._wave.close()
            self._wave = None
        if self._file is not None:
            if self._own_file:
                self._file.close()
            else:
                self._file.flush()
            self._file = None
            if self.format == "sigmf":
                self._write_meta()

    def _write_meta(self) -> None:
        args = dict(self._meta_args)
        args["extra_global"] = {"core:sha512": self._sha512.hexdigest(), **args["extra_global"]}
        meta = SigmfMeta(
            datatype=self.datatype.name,
            num_samples=self.samples_written,
            annotations=tuple(self._annotations),
            **args,
        )
        tmp = self._meta_path.with_name(self._meta_path.name + ".tmp")
        tmp.write_text(json.dumps(meta.to_json(), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self._meta_path)

    def __enter__(self) -> CaptureWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_capture(path: str | Path, samples: np.ndarray, **options) -> Path:
    """Write ``samples`` to ``path`` in one go (options as for ``CaptureWriter``)."""
    samples = np.asarray(samples)
    options.setdefault("is_complex", bool(np.iscomplexobj(samples)))
    with CaptureWriter(path, **options) as writer:
        writer.write(samples)
    return writer.path
