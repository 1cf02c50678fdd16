"""``RtlSdrRadio``: an RTL2832U dongle over USB through ``pyrtlsdr`` (imported lazily)."""

from __future__ import annotations

import numpy as np

from phy.captures import get_datatype
from phy.errors import RadioError
from phy.radios._base import Radio

__all__ = ["RtlSdrRadio"]

_CU8 = get_datatype("cu8")


class RtlSdrRadio(Radio):
    """Receive from a local RTL-SDR (``pip install 'sdrlink[rtlsdr]'``).

    Parameters
    ----------
    device_index : which dongle (0: the first).
    sample_rate_hz, center_freq_hz : tuning (RTL2832U: 225-300 kS/s or 0.9-3.2 MS/s).
    gain_db : manual tuner gain in dB; None: automatic.
    freq_correction_ppm : crystal correction.

    Samples are read as the dongle's cu8 bytes and converted like every cu8 capture.
    An RTL-SDR only receives: ``write`` raises ``RadioError``.
    """

    def __init__(
        self,
        device_index: int = 0,
        *,
        sample_rate_hz: float = 2_400_000,
        center_freq_hz: float | None = None,
        gain_db: float | None = None,
        freq_correction_ppm: int = 0,
    ) -> None:
        try:
            import rtlsdr
        except ImportError:
            raise RadioError(
                "pyrtlsdr is not installed; pip install 'sdrlink[rtlsdr]' "
                "(or use --radio rtl_tcp://HOST:PORT)"
            ) from None
        except OSError as error:  # pyrtlsdr loads librtlsdr at import time
            raise RadioError(
                f"librtlsdr could not be loaded ({error}); pip install 'sdrlink[rtlsdr]'"
            ) from None
        try:
            self._sdr = rtlsdr.RtlSdr(device_index=device_index)
        except Exception as error:  # pyrtlsdr raises LibUSBError / IOError subclasses
            raise RadioError(
                f"no RTL-SDR dongle at index {device_index} ({error}); plug one in or use "
                "--radio rtl_tcp://HOST:PORT"
            ) from None
        self._sdr.sample_rate = sample_rate_hz
        if center_freq_hz is not None:
            self._sdr.center_freq = center_freq_hz
        if freq_correction_ppm:
            self._sdr.freq_correction = int(freq_correction_ppm)
        self._sdr.gain = "auto" if gain_db is None else gain_db
        self.sample_rate_hz = float(self._sdr.sample_rate)
        self.center_freq_hz = center_freq_hz
        self.gain_db = gain_db

    def read(self, n: int) -> np.ndarray:
        data = self._sdr.read_bytes(2 * int(n))
        return _CU8.decode(np.frombuffer(bytes(data), dtype=np.uint8))

    def close(self) -> None:
        sdr, self._sdr = getattr(self, "_sdr", None), None
        if sdr is not None:
            sdr.close()
