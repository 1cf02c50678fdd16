"""Small streaming impairment blocks of the channel model (each chunk-invariant).

Each block has ``process(x)`` and ``reset()``; random ones own a generator and draw exactly
one (or two, for IQ) numbers per sample, so chunking does not change the stream.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, signal

__all__ = [
    "Agc",
    "CarrierOffset",
    "Multipath",
    "Noise",
    "PhaseNoise",
    "ToneTwist",
    "iq_imbalance",
    "quantise_cu8",
]


class Noise:
    """White Gaussian noise of standard deviation ``std`` (per complex sample, or real)."""

    def __init__(self, *, std: float, rng: np.random.Generator) -> None:
        self.std = float(std)
        self._rng = rng

    def process(self, x: np.ndarray) -> np.ndarray:
        if np.iscomplexobj(x):
            noise = self._rng.standard_normal(2 * x.size, dtype=np.float32)
            noise *= np.float32(self.std / np.sqrt(2))
            noise = noise.view(np.complex64)
        else:
            noise = self._rng.standard_normal(x.size, dtype=np.float32)
            noise *= np.float32(self.std)
        noise += x
        return noise


class CarrierOffset:
    """Multiply by ``exp(j (2 pi cfo_hz n / fs + phase_rad))``, n counted from the stream start.

    The phasor is a float32 table over blocks of ``_BLOCK`` samples aligned to the stream
    start, times each block's start phase in float64: exact to float32 precision for any
    stream length, and the same whatever the chunking.
    """

    _BLOCK = 4096

    def __init__(self, *, cfo_hz: float, sample_rate_hz: float, phase_rad: float = 0.0) -> None:
        self._cycles_per_sample = cfo_hz / sample_rate_hz
        self._phase_rad = phase_rad
        k = np.arange(self._BLOCK)
        self._table = np.exp(2j * np.pi * self._cycles_per_sample * k).astype(np.complex64)
        self.reset()

    def reset(self) -> None:
        self._n = 0

    def process(self, x: np.ndarray) -> np.ndarray:
        out = np.empty(x.size, dtype=np.complex64)
        done = 0
        while done < x.size:
            n = self._n + done
            block, offset = divmod(n, self._BLOCK)
            count = min(self._BLOCK - offset, x.size - done)
            cycles = np.mod(block * self._BLOCK * self._cycles_per_sample, 1.0)
            start = np.complex64(np.exp(1j * (2 * np.pi * cycles + self._phase_rad)))
            np.multiply(self._table[offset : offset + count], start, out=out[done : done + count])
            out[done : done + count] *= x[done : done + count]
            done += count
        self._n += x.size
        return out


class PhaseNoise:
    """Wiener phase noise of a free-running oscillator with a Lorentzian ``linewidth_hz``.

    Phase increments are Gaussian with variance ``2 pi linewidth_hz / fs`` per sample.
    """

    def __init__(
        self, *, linewidth_hz: float, sample_rate_hz: float, rng: np.random.Generator
    ) -> None:
        self.step_std_rad = float(np.sqrt(2 * np.pi * linewidth_hz / sample_rate_hz))
        self._rng = rng
        self.reset()

    def reset(self) -> None:
        self._phase_rad = 0.0

    def process(self, x: np.ndarray) -> np.ndarray:
        steps = self._rng.standard_normal(x.size) * self.step_std_rad
        phase = self._phase_rad + np.cumsum(steps)
        if x.size:
            self._phase_rad = float(np.mod(phase[-1], 2 * np.pi))
        return x * np.exp(1j * phase).astype(np.complex64)


class _Lfilter:
    """``scipy.signal.lfilter`` with its state kept between chunks."""

    def __init__(self, b: np.ndarray, a: np.ndarray) -> None:
        self._b = np.asarray(b)
        self._a = np.asarray(a)
        self.reset()

    def reset(self) -> None:
        self._zi: np.ndarray | None = None

    def process(self, x: np.ndarray) -> np.ndarray:
        if self._zi is None:
            dtype = np.complex128 if np.iscomplexobj(x) or np.iscomplexobj(self._b) else float
            self._zi = np.zeros(max(self._a.size, self._b.size) - 1, dtype=dtype)
        y, self._zi = signal.lfilter(self._b, self._a, x, zi=self._zi)
        return y


class Multipath(_Lfilter):
    """FIR channel with complex ``taps`` at sample spacing (tap 0 is the direct path)."""

    def __init__(self, *, taps) -> None:
        super().__init__(np.asarray(taps, dtype=np.complex128), np.ones(1))

    def process(self, x: np.ndarray) -> np.ndarray:
        return super().process(x).astype(x.dtype if np.iscomplexobj(x) else np.complex64)


def _high_shelf(gain_db: float, pivot_hz: float, sample_rate_hz: float):
    """RBJ audio-cookbook high shelf (slope 1): (b, a)."""
    amp = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * pivot_hz / sample_rate_hz
    alpha = np.sin(w0) / 2 * np.sqrt(2)
    cos_w0, sq = np.cos(w0), 2 * np.sqrt(amp) * alpha
    p, m = amp + 1, amp - 1
    b = amp * np.array([p + m * cos_w0 + sq, -2 * (m + p * cos_w0), p + m * cos_w0 - sq])
    a = np.array([p - m * cos_w0 + sq, 2 * (m - p * cos_w0), p - m * cos_w0 - sq])
    return b / a[0], a / a[0]


class ToneTwist(_Lfilter):
    """Audio tone twist: a shelving filter whose gain at ``high_hz`` exceeds that at
    ``low_hz`` by ``twist_db`` (pre-emphasis > 0, de-emphasis < 0), unit gain at ``low_hz``.
    """

    def __init__(
        self, *, twist_db: float, sample_rate_hz: float, low_hz: float, high_hz: float
    ) -> None:
        pivot_hz = float(np.sqrt(low_hz * high_hz))

        def response(shelf_db: float) -> tuple[float, float]:
            b, a = _high_shelf(shelf_db, pivot_hz, sample_rate_hz)
            _, h = signal.freqz(b, a, worN=[low_hz, high_hz], fs=sample_rate_hz)
            return abs(h[0]), abs(h[1])

        def error(shelf_db: float) -> float:
            lo, hi = response(shelf_db)
            return 20 * np.log10(hi / lo) - twist_db

        shelf_db = 0.0
        if twist_db:
            shelf_db = optimize.brentq(error, -60 * np.sign(twist_db), 60 * np.sign(twist_db))
            shelf_db = float(shelf_db)
        b, a = _high_shelf(shelf_db, pivot_hz, sample_rate_hz)
        super().__init__(b / response(shelf_db)[0], a)

    def process(self, x: np.ndarray) -> np.ndarray:
        return super().process(x).astype(np.float32)


class Agc:
    """Automatic gain control: scale so the smoothed power is ``target_rms`` squared.

    Power is tracked by a one-pole average with time constant ``time_constant_s``; the gain
    follows it sample by sample (like a tuner's AGC ahead of an 8-bit ADC).
    """

    def __init__(self, *, target_rms: float, time_constant_s: float, sample_rate_hz: float):
        self.target_rms = float(target_rms)
        self._alpha = 1 - np.exp(-1 / (time_constant_s * sample_rate_hz))
        self.reset()

    def reset(self) -> None:
        self._zi: np.ndarray | None = None

    def process(self, x: np.ndarray) -> np.ndarray:
        power = np.abs(x).astype(np.float64) ** 2
        if self._zi is None:
            self._zi = np.array([(1 - self._alpha) * (power[0] if power.size else 0.0)])
        smoothed, self._zi = signal.lfilter([self._alpha], [1, self._alpha - 1], power, zi=self._zi)
        gain = self.target_rms / np.sqrt(smoothed + 1e-30)
        return (x * gain.astype(np.float32)).astype(x.dtype)


def iq_imbalance(x: np.ndarray, *, amplitude_db: float, phase_deg: float) -> np.ndarray:
    """Receiver IQ imbalance: Q gets gain ``amplitude_db`` and a skew of ``phase_deg``.

    ``y = I + j g (Q cos(phi) - I sin(phi))``, i.e. ``y = mu x + nu conj(x)`` with
    ``mu = (1 + g e^{-j phi}) / 2``, ``nu = (1 - g e^{j phi}) / 2``; the image of a tone is
    ``|nu / mu|^2`` below it.
    """
    g = 10 ** (amplitude_db / 20)
    phi = np.deg2rad(phase_deg)
    i, q = x.real, x.imag
    return (i + 1j * (g * (q * np.cos(phi) - i * np.sin(phi)))).astype(np.complex64)


def quantise_cu8(x: np.ndarray) -> np.ndarray:
    """RTL-SDR 8-bit ADC: complex full scale +-1 -> interleaved uint8 (I, Q), 127.5 = zero."""
    flat = x.astype(np.complex64).view(np.float32)
    return np.clip(np.round(flat * 127.5 + 127.5), 0, 255).astype(np.uint8)


def dequantise_cu8(raw: np.ndarray) -> np.ndarray:
    """Interleaved uint8 (I, Q) -> complex64 in [-1, 1], as an RTL-SDR backend converts."""
    flat = (np.asarray(raw, dtype=np.float32) - np.float32(127.5)) / np.float32(127.5)
    return flat.view(np.complex64)
