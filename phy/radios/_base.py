"""The radio interface: the one I/O boundary of the physical layer."""

from __future__ import annotations

import abc

import numpy as np

from phy.errors import RadioError

__all__ = ["Radio"]


class Radio(abc.ABC):
    """Where samples come from and go.

    ``read(n)`` returns up to ``n`` samples (complex64 RF, or float32 audio for an audio
    radio); an empty array means the source has ended (a finished capture, a closed server).
    ``write(samples)`` transmits; receive-only radios raise ``RadioError``. Radios are
    context managers; ``close()`` is idempotent.
    """

    sample_rate_hz: float
    center_freq_hz: float | None = None
    gain_db: float | None = None  # None: automatic gain
    is_complex: bool = True
    can_transmit: bool = False

    @abc.abstractmethod
    def read(self, n: int) -> np.ndarray:
        """Up to ``n`` samples; empty when the source has ended."""

    def write(self, samples: np.ndarray) -> None:
        """Transmit ``samples`` (receive-only radios refuse)."""
        raise RadioError(
            f"{type(self).__name__} only receives; transmit with the sim radio, a capture file "
            "(sdrlink tx --out FILE), the sound card or a serial KISS modem"
        )

    def close(self) -> None:  # noqa: B027 (most radios have nothing to release)
        """Release the device or connection."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
