"""The burst: what every receiver returns for each frame it finds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Burst"]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Burst:
    """One received burst.

    ``llrs`` are the payload's soft bits (float32 log-likelihood ratios, positive means 0, MSB
    first within each byte); the preamble, sync word and PHY header are not included.
    ``start_sample`` is the index, in the receiver's input stream, of the first sample of the
    sync word. ``cfo_hz`` is the estimated carrier (or, for audio, tone) offset, ``snr_db``
    the estimated signal-to-noise ratio per symbol (Es/N0) in the receiver's noise
    bandwidth, ``evm_db`` the error-vector magnitude for PSK (None otherwise).
    """

    profile: str
    llrs: np.ndarray
    start_sample: int
    sample_rate_hz: float
    snr_db: float
    cfo_hz: float
    evm_db: float | None = None
    sync_errors: int = 0
    header_errors: int = 0

    @property
    def bits(self) -> np.ndarray:
        """Hard decisions (uint8 0/1), a view of the soft bits."""
        return (self.llrs < 0).astype(np.uint8)

    @property
    def payload(self) -> bytes:
        """Hard-decided payload bytes."""
        return np.packbits(self.bits).tobytes()

    @property
    def start_s(self) -> float:
        return self.start_sample / self.sample_rate_hz

    def with_changes(self, **changes) -> Burst:
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        fields.update(changes)
        return Burst(**fields)

    def to_dict(self) -> dict:
        """JSON-ready statistics (the payload as hex)."""
        return {
            "profile": self.profile,
            "start_sample": int(self.start_sample),
            "start_s": round(self.start_s, 9),
            "payload_bytes": len(self.llrs) // 8,
            "snr_db": round(float(self.snr_db), 2),
            "cfo_hz": round(float(self.cfo_hz), 1),
            "evm_db": None if self.evm_db is None else round(float(self.evm_db), 2),
            "sync_errors": int(self.sync_errors),
            "header_errors": int(self.header_errors),
            "payload_hex": self.payload.hex(),
        }
