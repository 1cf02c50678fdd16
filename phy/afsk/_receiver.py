"""The native-framing AFSK receiver behind ``phy.modem.make_receiver`` for ``afsk1200``."""

from __future__ import annotations

import numpy as np

from phy.afsk._demodulator import AfskDemodulator
from phy.burst import Burst
from phy.framing import HEADER_BITS, MAX_PAYLOAD_BYTES, BitFramer
from phy.profiles import Profile

__all__ = ["Receiver"]

_MAX_SNR_DB = 40.0


def estimate_snr_db(llrs: np.ndarray) -> float:
    """Es/N0 estimate from soft bits: (mean |l|)^2 / (2 var |l|), capped at 40 dB."""
    if llrs.size < 2:
        return 0.0
    a = np.abs(llrs.astype(np.float64))
    var = float(np.var(a))
    mean = float(np.mean(a))
    if var <= mean * mean * 10 ** (-_MAX_SNR_DB / 10) * 2:
        return _MAX_SNR_DB
    return float(min(10 * np.log10(mean * mean / (2 * var)), _MAX_SNR_DB))


class Receiver:
    """Streaming AFSK receiver with the native framing (preamble | sync | header | payload).

    Demodulates with :class:`AfskDemodulator` (options such as ``window_symbols`` or
    ``pll_gain`` pass through) and finds bursts with :class:`phy.framing.BitFramer`.
    ``cfo_hz`` of the returned bursts is 0 (tone offsets are absorbed by the correlators);
    ``snr_db`` is estimated from the spread of the payload LLRs.

    Parameters
    ----------
    profile : an AFSK profile; audio arrives at ``profile.sample_rate_hz``.
    max_sync_errors, max_header_errors : framer tolerances (see ``BitFramer``).
    options : passed to :class:`AfskDemodulator`.
    """

    def __init__(
        self,
        *,
        profile: Profile,
        max_sync_errors: int = 3,
        max_header_errors: int = 8,
        **options,
    ) -> None:
        self.profile = profile
        self.sample_rate_hz = profile.sample_rate_hz
        options.setdefault("window_symbols", 1.6)  # one front end: the framer reads one row
        # Long native bursts from a good clock: a slower clock loop that never slips at
        # 7-8 dB Eb/N0 (the AX.25 defaults acquire faster but slip there now and then).
        options.setdefault("search_gain", None)
        options.setdefault("rate_gain", 0.003)
        self._demod = AfskDemodulator(
            sample_rate_hz=profile.sample_rate_hz,
            baud=profile.symbol_rate_baud,
            mark_hz=profile.mark_hz,
            space_hz=profile.space_hz,
            **options,
        )
        self._framer = BitFramer(
            profile=profile, max_sync_errors=max_sync_errors, max_header_errors=max_header_errors
        )
        self._max_times = profile.sync_bits + HEADER_BITS + 8 * MAX_PAYLOAD_BYTES + 4096
        self.reset()

    @property
    def counters(self) -> dict:
        return {**self._framer.counters, "bits": self._n_bits}

    def reset(self) -> None:
        self._demod.reset()
        self._framer.reset()
        self._times = np.zeros(0)
        self._times_start = 0  # absolute bit index of self._times[0]
        self._n_bits = 0

    def process(self, audio: np.ndarray) -> list[Burst]:
        """Bursts completed in this chunk of native-rate float32 audio."""
        llrs, times = self._demod.demodulate(audio)
        self._times = np.concatenate([self._times, times])
        self._n_bits += times.size
        found = self._framer.push(llrs[self._demod.main_row])
        half_bit = self.profile.samples_per_symbol / 2
        bursts = []
        for fb in found:
            index = fb.sync_index - self._times_start
            t = self._times[index] if 0 <= index < self._times.size else 0.0
            bursts.append(
                Burst(
                    profile=self.profile.name,
                    llrs=fb.llrs,
                    start_sample=round(t - half_bit),
                    sample_rate_hz=self.sample_rate_hz,
                    snr_db=estimate_snr_db(fb.llrs),
                    cfo_hz=0.0,
                    sync_errors=fb.sync_errors,
                    header_errors=fb.header_errors,
                )
            )
        excess = self._times.size - self._max_times
        if excess > 0:
            self._times = self._times[excess:]
            self._times_start += excess
        return bursts

    def flush(self) -> list[Burst]:
        """Drain the end of a finite stream (pushes a few bits of silence)."""
        pad = np.zeros(int(4 * self.profile.samples_per_symbol), dtype=np.float32)
        return self.process(pad)
