"""G3RUH 9600 baud: scrambled, shaped 2-level baseband for a radio's data port, and back."""

from __future__ import annotations

import numpy as np

from phy.errors import ConfigError

__all__ = [
    "G3ruhDemodulator",
    "G3ruhModulator",
    "descramble",
    "modulate_bits",
    "modulate_line_bits",
    "raised_cosine",
    "scramble",
]

_MIN_SPS = 4.0  # the demodulator resamples below this many samples per bit


def scramble(bits: np.ndarray, state: int = 0) -> tuple[np.ndarray, int]:
    """G3RUH-scramble hard bits: ``y[n] = x[n] ^ y[n-12] ^ y[n-17]``.

    ``state`` is the 17-bit register of previous output bits (newest in bit 0); returns
    the scrambled bits (uint8) and the new state, so a stream can be scrambled in pieces.
    """
    from phy.g3ruh._kernels import scramble_bits

    bits = np.asarray(bits, dtype=np.uint8).ravel()
    out = np.empty(bits.size, dtype=np.uint8)
    return out, int(scramble_bits(bits, int(state), out))


def descramble(bits: np.ndarray, state: int = 0) -> tuple[np.ndarray, int]:
    """Inverse of :func:`scramble` (self-synchronising: right after 17 bits from any state)."""
    from phy.g3ruh._kernels import descramble_bits

    bits = np.asarray(bits, dtype=np.uint8).ravel()
    out = np.empty(bits.size, dtype=np.uint8)
    return out, int(descramble_bits(bits, int(state), out))


def raised_cosine(u: np.ndarray, rolloff: float) -> np.ndarray:
    """Raised-cosine pulse at ``u`` bit times from its centre (1 at 0, 0 at other integers)."""
    u = np.asarray(u, dtype=np.float64)
    denom = 1 - (2 * rolloff * u) ** 2
    singular = np.abs(denom) < 1e-9
    safe = np.where(singular, 1.0, denom)
    pulse = np.sinc(u) * np.cos(np.pi * rolloff * u) / safe
    limit = np.pi / 4 * np.sinc(1 / (2 * rolloff)) if rolloff > 0 else 0.0
    return np.where(singular, limit, pulse)


def modulate_bits(
    bits: np.ndarray,
    *,
    sample_rate_hz: float,
    baud: float = 9600.0,
    state: int = 0,
    rolloff: float = 0.5,
    amplitude: float = 0.6,
    scrambled: bool = True,
) -> np.ndarray:
    """Baseband audio (float32) for the data port of an FM radio.

    ``bits`` are line bits (for AX.25: already NRZI-coded); they are G3RUH-scrambled from
    register ``state`` (unless ``scrambled=False``), mapped 1 -> +amplitude, 0 ->
    -amplitude and shaped with a raised-cosine pulse (``rolloff``, +-4 bits) at any
    ``sample_rate_hz`` (above twice the baud). Peaks stay below about 1.3 amplitude.
    Cost: 9 pulse evaluations per sample.
    """
    if sample_rate_hz < 2 * baud or baud <= 0:
        raise ConfigError(f"G3RUH at {baud:g} baud needs a sample rate of at least {2 * baud:g} Hz")
    bits = np.asarray(bits, dtype=np.uint8).ravel()
    line = scramble(bits, state)[0] if scrambled else bits
    n_samples = int(np.ceil(line.size * sample_rate_hz / baud - 1e-9))
    if n_samples == 0:
        return np.zeros(0, dtype=np.float32)
    symbols = 2.0 * line - 1.0
    t_bits = np.arange(n_samples) * baud / sample_rate_hz - 0.5  # bit k centred at k + 1/2
    base = np.floor(t_bits).astype(np.int64)
    out = np.zeros(n_samples)
    for offset in range(-4, 5):
        k = base + offset
        valid = (k >= 0) & (k < line.size)
        out[valid] += symbols[k[valid]] * raised_cosine(t_bits[valid] - k[valid], rolloff)
    return (amplitude * out).astype(np.float32)


def modulate_line_bits(line_bits: np.ndarray, *, sample_rate_hz: float, **options) -> np.ndarray:
    """Same as :func:`modulate_bits` (the name ``mac.ax25`` uses)."""
    return modulate_bits(line_bits, sample_rate_hz=sample_rate_hz, **options)


class G3ruhModulator:
    """Stateful modulator: keeps the scrambler register from one call to the next."""

    def __init__(self, *, sample_rate_hz: float, baud: float = 9600.0, **options) -> None:
        self.sample_rate_hz = float(sample_rate_hz)
        self.baud = float(baud)
        self._options = options
        self.reset()

    def reset(self) -> None:
        self._state = 0

    def process(self, bits: np.ndarray) -> np.ndarray:
        bits = np.asarray(bits, dtype=np.uint8).ravel()
        audio = modulate_bits(
            bits,
            sample_rate_hz=self.sample_rate_hz,
            baud=self.baud,
            state=self._state,
            **self._options,
        )
        self._state = scramble(bits, self._state)[1]
        return audio


class G3ruhDemodulator:
    """Streaming G3RUH demodulator: discriminator audio in, descrambled line LLRs out.

    Inside: (resampling to >= 4 samples per bit when the input rate is lower), a
    windowed-sinc low-pass (``lowpass_hz``, 4 bits long), slow DC removal, level
    normalisation, a phase-accumulator bit clock nudged at each zero crossing (rate
    tracking while the eye is open, so clock errors of a few percent are followed), soft
    sampling, and soft descrambling (min-sum on ``y[n] y[n-12] y[n-17]``; one wrong line
    bit becomes three wrong output bits, as with hard descrambling).

    ``process`` returns float32 LLRs (positive = 0) of the descrambled bits, which are
    still NRZI-coded and bit-stuffed for AX.25: the HDLC layer does NRZI decoding, flag
    search and de-stuffing. Polarity does not matter: inverted audio inverts every
    descrambled bit, which NRZI decoding ignores. With ``descramble=False`` the raw
    (scrambled) line LLRs come out instead. Output is independent of chunking.
    """

    def __init__(
        self,
        *,
        sample_rate_hz: float,
        baud: float = 9600.0,
        lowpass_hz: float | tuple[float, ...] = (6500.0, 5760.0, 8000.0, 4800.0),
        pll_gain: float = 0.2,
        rate_gain: float = 0.003,
        max_rate_error: float = 0.04,
        descramble: bool = True,
    ) -> None:
        if sample_rate_hz < 2 * baud or baud <= 0:
            raise ConfigError(
                f"G3RUH at {baud:g} baud needs a sample rate of at least {2 * baud:g} Hz"
            )
        from scipy import signal

        from phy.dsp import Resampler

        self.sample_rate_hz = float(sample_rate_hz)
        self.baud = float(baud)
        self.descramble = descramble
        rate_hz = sample_rate_hz
        self._resampler = None
        if sample_rate_hz < _MIN_SPS * baud:
            rate_hz = _MIN_SPS * baud
            self._resampler = Resampler(in_rate_hz=sample_rate_hz, out_rate_hz=rate_hz)
        self._rate_hz = rate_hz
        cutoffs = np.atleast_1d(np.asarray(lowpass_hz, dtype=np.float64)) * baud / 9600.0
        if cutoffs.size == 0 or cutoffs.size > 8 or np.any(cutoffs <= 0):
            raise ConfigError("lowpass_hz: give 1..8 positive cut-off frequencies")
        self.n_slicers = int(cutoffs.size)
        n_taps = int(4 * rate_hz / baud) | 1
        self._taps = np.array(
            [signal.firwin(n_taps, min(c, 0.45 * rate_hz), fs=rate_hz) for c in cutoffs],
            dtype=np.float32,
        )
        self._params = np.array(
            [
                baud / rate_hz,
                pll_gain,
                rate_gain,
                max_rate_error,
                baud / rate_hz / 200,
                baud / rate_hz / 50,
                1 / 32,
                30.0,
            ]
        )
        self.reset()

    def reset(self) -> None:
        from phy.g3ruh._kernels import N_ROW, N_STATE_FIXED

        if self._resampler is not None:
            self._resampler.reset()
        self._fir_history = np.zeros(self._taps.shape[1] - 1, dtype=np.float32)
        self._state = np.zeros(N_STATE_FIXED + N_ROW * self.n_slicers)
        rows = self._state[N_STATE_FIXED:].reshape(-1, N_ROW)
        rows[:, 2] = 1e-3
        rows[:, 3] = 1.0
        rows[:, 4] = 2.0
        self._history = np.zeros((self.n_slicers, 17), dtype=np.float32)
        self._n_in = 0

    def demodulate(self, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Line LLRs (scrambled, before descrambling) and each bit's time in input samples."""
        from phy.g3ruh._kernels import fir_rows, slice_baseband

        audio = np.nan_to_num(np.asarray(audio, dtype=np.float32).ravel(), posinf=0, neginf=0)
        x = self._resampler.process(audio) if self._resampler is not None else audio
        if x.size == 0:
            return np.zeros((self.n_slicers, 0), dtype=np.float32), np.zeros(0)
        ext = np.concatenate([self._fir_history, x.astype(np.float32)])
        y = np.empty((self.n_slicers, x.size), dtype=np.float32)
        fir_rows(ext, self._taps, y)
        self._fir_history = ext[x.size :].copy()
        max_bits = int(x.size * self._params[0] * 1.1) + 2
        llrs = np.empty((self.n_slicers, max_bits), dtype=np.float32)
        t = np.empty(max_bits)
        n = slice_baseband(y, self._params, self._state, llrs, t)
        scale = self.sample_rate_hz / self._rate_hz
        times = (self._n_in + t[:n] - (self._taps.shape[1] - 1) / 2) * scale
        self._n_in += x.size
        return llrs[:, :n], times

    def process(self, audio: np.ndarray) -> np.ndarray:
        """Descrambled soft line bits (float32 LLRs, positive = 0).

        1-D with one low-pass, else ``(n_slicers, n_bits)``: one row per cut-off.
        """
        from phy.g3ruh._kernels import descramble_llrs

        llrs, _ = self.demodulate(audio)
        if self.descramble:
            out = np.empty_like(llrs)
            for row in range(self.n_slicers):
                descramble_llrs(llrs[row], self._history[row], out[row])
            llrs = out
        return llrs[0] if self.n_slicers == 1 else llrs
