"""Sample datatypes on disk and their conversion to the one in-memory format per domain.

Names follow SigMF's ``core:datatype`` grammar: ``c``/``r`` (complex or real), the component
type, and ``_le`` for multi-byte components. RF baseband comes out as ``complex64``, audio as
``float32``, both with full scale at 1.0:

* ``cu8``: unsigned 8-bit I/Q as rtl_sdr writes it, zero at 127.5: ``(v - 127.5) / 127.5``;
* ``ci8``: signed 8-bit I/Q (HackRF ``.cs8``): ``v / 128``;
* ``ci16_le``, ``ri16_le``: signed 16-bit: ``v / 32768``;
* ``cf32_le``, ``rf32_le``: IEEE float32, unscaled (GNU Radio ``.cfile``).

Encoding rounds to the nearest level and clips to the type's range, so a round trip is exact
to half a quantisation step (``0.5 / 127.5`` for cu8, ``0.5 / 32768`` for 16-bit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from phy.errors import CaptureError

__all__ = ["DATATYPES", "Datatype", "get_datatype"]


@dataclass(frozen=True, slots=True)
class Datatype:
    """One on-disk sample format (``name`` is its SigMF ``core:datatype``)."""

    name: str
    component: np.dtype
    is_complex: bool
    offset: float  # stored value of zero
    full_scale: float  # stored distance from zero to +1.0

    @property
    def sample_bytes(self) -> int:
        """Bytes of one sample (both components for complex)."""
        return self.component.itemsize * (2 if self.is_complex else 1)

    @property
    def is_integer(self) -> bool:
        return self.component.kind in "iu"

    def decode(self, raw: np.ndarray) -> np.ndarray:
        """Stored components (any length, whole samples) -> complex64 or float32 samples."""
        values = np.asarray(raw).view(self.component)
        if self.is_integer:
            values = (values.astype(np.float32) - np.float32(self.offset)) * np.float32(
                1.0 / self.full_scale
            )
        else:
            values = values.astype(np.float32)  # a copy: never a view of a memory map
        if self.is_complex:
            return values.view(np.complex64)
        return values

    def encode(self, samples: np.ndarray) -> bytes:
        """complex or real samples -> bytes of this datatype (rounded and clipped)."""
        samples = np.asarray(samples)
        if self.is_complex:
            values = np.empty(2 * samples.size, dtype=np.float32)
            values[0::2] = samples.real.ravel()
            values[1::2] = samples.imag.ravel()
        else:
            if np.iscomplexobj(samples):
                raise CaptureError(
                    f"complex samples cannot be stored as real {self.name}; "
                    "use a complex datatype (cu8, ci16_le, cf32_le) for RF"
                )
            values = samples.astype(np.float32).ravel()
        if self.is_integer:
            info = np.iinfo(self.component)
            scaled = np.rint(values * np.float32(self.full_scale) + np.float32(self.offset))
            values = np.clip(scaled, info.min, info.max)
        return values.astype(self.component).tobytes()


DATATYPES: dict[str, Datatype] = {
    d.name: d
    for d in (
        Datatype("cu8", np.dtype(np.uint8), True, 127.5, 127.5),
        Datatype("ci8", np.dtype(np.int8), True, 0.0, 128.0),
        Datatype("ci16_le", np.dtype("<i2"), True, 0.0, 32768.0),
        Datatype("cf32_le", np.dtype("<f4"), True, 0.0, 1.0),
        Datatype("ri16_le", np.dtype("<i2"), False, 0.0, 32768.0),
        Datatype("rf32_le", np.dtype("<f4"), False, 0.0, 1.0),
    )
}


def get_datatype(name: str, *, where: str = "capture") -> Datatype:
    """Look a datatype up by its SigMF name; unknown names raise ``CaptureError``."""
    try:
        return DATATYPES[name]
    except (KeyError, TypeError):
        known = ", ".join(DATATYPES)
        raise CaptureError(
            f"{where}: datatype {name!r} is not supported; use one of {known}"
        ) from None
