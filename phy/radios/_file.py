"""``FileRadio``: a capture file as a radio (read replays it; write records to another)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from phy.captures import CaptureReader, CaptureWriter
from phy.errors import ConfigError, RadioError
from phy.radios._base import Radio

__all__ = ["FileRadio"]


class FileRadio(Radio):
    """Replay a capture (``path``) and/or record transmissions (``out_path``).

    Parameters
    ----------
    path : capture to replay (any format ``phy.captures`` reads), or None for write-only.
    out_path : capture to record ``write``s to, or None (then ``write`` is refused).
    sample_rate_hz : required for raw captures and for a write-only radio.
    loop : start again at the end of the capture instead of ending.
    format, out_format : capture formats (default: from the extensions).
    options : passed to ``CaptureWriter`` (center_freq_hz, profile, datatype, ...).
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        out_path: str | Path | None = None,
        sample_rate_hz: float | None = None,
        center_freq_hz: float | None = None,
        format: str | None = None,
        out_format: str | None = None,
        loop: bool = False,
        is_complex: bool = True,
        **options,
    ) -> None:
        self._reader = None
        self._writer = None
        self._loop = loop
        if path is not None:
            self._reader = CaptureReader(
                path, format=format, sample_rate_hz=sample_rate_hz, center_freq_hz=center_freq_hz
            )
            sample_rate_hz = self._reader.sample_rate_hz
            center_freq_hz = self._reader.center_freq_hz
            is_complex = self._reader.is_complex
        if sample_rate_hz is None:
            raise ConfigError("a write-only FileRadio needs sample_rate_hz")
        self.sample_rate_hz = float(sample_rate_hz)
        self.center_freq_hz = center_freq_hz
        self.is_complex = is_complex
        if out_path is not None:
            self._writer = CaptureWriter(
                out_path,
                format=out_format,
                sample_rate_hz=self.sample_rate_hz,
                center_freq_hz=center_freq_hz,
                is_complex=is_complex,
                **options,
            )
            self.can_transmit = True

    @property
    def reader(self) -> CaptureReader | None:
        return self._reader

    @property
    def datatype(self):
        """The replayed capture's ``phy.captures.Datatype`` (None for a write-only radio)."""
        return None if self._reader is None else self._reader.datatype

    @property
    def metadata(self):
        """The replayed capture's SigMF metadata, if any."""
        return None if self._reader is None else self._reader.metadata

    def read(self, n: int) -> np.ndarray:
        if self._reader is None:
            return np.zeros(0, dtype=np.complex64 if self.is_complex else np.float32)
        out = self._reader.read(n)
        if out.size == 0 and self._loop:
            self._reader.seek(0)
            out = self._reader.read(n)
        return out

    def write(self, samples: np.ndarray) -> None:
        if self._writer is None:
            raise RadioError("this FileRadio only replays; open it with out_path=FILE to record")
        self._writer.write(samples)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
