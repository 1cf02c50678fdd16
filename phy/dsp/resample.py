"""Streaming rational resampling (polyphase FIR), used between a radio's rate and a modem's.

A simple single-stage design; ``Resampler`` keeps its filter history and output phase across
``process`` calls, so splitting the input anywhere gives the same output.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from scipy import signal

from phy.errors import ConfigError

__all__ = ["Resampler", "rational_ratio"]


def rational_ratio(in_rate_hz: float, out_rate_hz: float, max_denominator: int = 1000):
    """(up, down) with out/in = up/down, exact to 1e-9 or the best below ``max_denominator``."""
    if in_rate_hz <= 0 or out_rate_hz <= 0:
        raise ConfigError("sample rates must be positive")
    ratio = Fraction(out_rate_hz / in_rate_hz).limit_denominator(max_denominator)
    if abs(float(ratio) * in_rate_hz - out_rate_hz) > 1e-6 * out_rate_hz:
        raise ConfigError(
            f"cannot resample {in_rate_hz:g} Hz to {out_rate_hz:g} Hz with a small rational ratio"
        )
    return ratio.numerator, ratio.denominator


class Resampler:
    """Polyphase rational resampler from ``in_rate_hz`` to ``out_rate_hz``.

    Output sample ``n`` sits at input time ``n * down / up`` (in input samples) minus the
    filter's group delay ``delay_in_samples``.
    """

    def __init__(self, *, in_rate_hz: float, out_rate_hz: float, half_length: int = 12) -> None:
        self.up, self.down = rational_ratio(in_rate_hz, out_rate_hz)
        self.in_rate_hz = float(in_rate_hz)
        self.out_rate_hz = float(out_rate_hz)
        rate = max(self.up, self.down)
        n_taps = 2 * half_length * rate + 1
        taps = signal.firwin(n_taps, 1.0 / rate, window=("kaiser", 8.0)) * self.up
        n_phase_taps = -(-n_taps // self.up)
        padded = np.zeros(n_phase_taps * self.up)
        padded[:n_taps] = taps
        # phases[p, k] = taps[k * up + p]
        self._phases = padded.reshape(n_phase_taps, self.up).T.astype(np.float32).copy()
        self._n_phase_taps = n_phase_taps
        self.delay_in_samples = (n_taps - 1) / 2 / self.up
        self.reset()

    @property
    def is_identity(self) -> bool:
        return self.up == self.down == 1

    def reset(self) -> None:
        self._history = None
        self._t = (self._n_phase_taps - 1) * self.up

    def process(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if self.is_identity:
            return x.copy()
        if self._history is None:
            self._history = np.zeros(self._n_phase_taps - 1, dtype=x.dtype)
        ext = np.concatenate([self._history.astype(x.dtype, copy=False), x])
        n_max = (ext.size * self.up - self._t) // self.down + 2
        out = np.empty(max(n_max, 0), dtype=x.dtype)
        from phy.dsp._kernels import resample_poly

        n, t = resample_poly(ext, self._phases, self.up, self.down, self._t, out)
        keep = self._n_phase_taps - 1
        consumed = ext.size - keep
        self._history = ext[consumed:].copy()
        self._t = t - consumed * self.up
        return out[:n]
