"""Continuous AFSK demodulator: audio in, soft bits out, at any sample rate."""

from __future__ import annotations

import numpy as np

from phy.errors import ConfigError

__all__ = ["AfskDemodulator", "design_prefilter", "design_tone_correlators"]

_MIN_ENVELOPE_SPS = 8.0  # envelope samples per symbol after decimation (at least)


def design_tone_correlators(
    *,
    sample_rate_hz: float,
    baud: float,
    mark_hz: float,
    space_hz: float,
    window_symbols: float = 1.6,
    taper: float = 0.25,
) -> np.ndarray:
    """Taps (4, L) of the mark and space quadrature correlators (re, im, re, im).

    Each correlator is ``w[k] exp(-2j pi f k / fs)`` with ``w`` a Tukey window of
    ``window_symbols`` bit times rounded to an odd number of taps (``taper`` = tapered
    fraction: 0 boxcar, 1 Hann), scaled so a unit-amplitude tone at ``f`` gives an
    envelope of 1.
    """
    if sample_rate_hz <= 0 or baud <= 0 or window_symbols <= 0:
        raise ConfigError("sample rate, baud and window length must be positive")
    from scipy import signal

    n_taps = max(2 * round((window_symbols * sample_rate_hz / baud - 1) / 2) + 1, 3)
    window = signal.windows.tukey(n_taps, taper) if taper > 0 else np.ones(n_taps)
    k = np.arange(n_taps)
    rows = []
    for tone_hz in (mark_hz, space_hz):
        lo = window * np.exp(-2j * np.pi * tone_hz * k / sample_rate_hz)
        gain = abs(np.sum(lo * np.exp(2j * np.pi * tone_hz * k / sample_rate_hz)))
        rows += [2 * lo.real / gain, 2 * lo.imag / gain]
    return np.array(rows, dtype=np.float32)


def design_prefilter(
    *,
    sample_rate_hz: float,
    baud: float,
    mark_hz: float,
    space_hz: float,
    length_symbols: float = 2.0,
) -> np.ndarray:
    """Band-pass FIR (float32, odd length) from half a baud below the lower tone to half a
    baud above the higher one, ``length_symbols`` bit times long (0: a single unit tap)."""
    if length_symbols <= 0:
        return np.ones(1, dtype=np.float32)
    from scipy import signal

    n_taps = max(round(length_symbols * sample_rate_hz / baud) | 1, 3)
    low = max(min(mark_hz, space_hz) - baud / 2, 1.0)
    high = min(max(mark_hz, space_hz) + baud / 2, 0.49 * sample_rate_hz)
    return signal.firwin(n_taps, [low, high], pass_zero=False, fs=sample_rate_hz).astype(np.float32)


class AfskDemodulator:
    """Streaming AFSK demodulator: float32 audio in, soft bits (LLRs) out.

    Pipeline: a band-pass prefilter at the input rate, evaluated only every ``decim``
    samples (the envelope rate, at least 8 samples per bit: 9600 Hz from 48 kHz); there,
    quadrature mark and space correlators (Tukey windows about 1.6 bits long, one pair
    per front end) give the tone envelopes; each envelope divided by
    its own peak tracker (level and twist normalisation; DC is rejected by the
    correlators); a phase-accumulator bit clock nudged at every zero crossing of the
    normalised mark-minus-space difference, with a slow rate term (enabled only while the
    eye is open) that follows clock errors of a few percent; soft bits sampled at mid-bit.

    ``process(audio)`` returns one LLR per recovered bit, positive for space (bit 0),
    negative for mark (bit 1): the raw line bits (for AX.25 still NRZI-coded and
    bit-stuffed). With several output streams it returns a 2-D array
    ``(n_streams, n_bits)``, all rows on one bit clock: row ``f * n_slicers + k`` uses
    correlator window ``window_symbols[f]`` and decides with the space level weighted by
    ``gains[k]`` (log-spaced over +-``twist_span_db``; ``main_row`` is the untwisted
    slicer of the first window). An HDLC decoder tries every row and keeps the frames
    whose CRC passes. ``n_slicers`` as an attribute is the number of rows (an alias of
    ``n_streams``), which is what ``mac.ax25`` reads.

    Output is independent of how the audio is split into chunks.

    Parameters
    ----------
    sample_rate_hz : input audio rate (any rate above 2.2 times the higher tone, e.g. 8000).
    baud : nominal bit rate.
    mark_hz, space_hz : tones of bit 1 and bit 0.
    window_symbols : correlator length in bit times, or several (one front end each; the
        first one drives the clock). The default three give about 3 % more frames than
        1.6 alone on Dire Wolf's test files (``docs/phy-afsk.md``).
    taper : Tukey taper of the correlator window (0 boxcar .. 1 Hann).
    prefilter_symbols : length of the band-pass prefilter in bit times (0: none).
    n_slicers : twist hypotheses per front end (1 = untwisted only).
    timing : ``"crossing"`` (zero-crossing nudges) or ``"gardner"``.
    twist_span_db : the outermost slicers assume this space/mark level error.
    pll_gain : fraction of the timing error corrected at each transition (locked).
    search_gain : the same while the eye is closed (fast acquisition of short preambles;
        None = ``pll_gain``).
    rate_gain : rate correction per unit timing error (0 disables rate tracking).
    max_rate_error : bound of the rate correction (0.06 = +-6 %).
    """

    def __init__(
        self,
        *,
        sample_rate_hz: float,
        baud: float = 1200.0,
        mark_hz: float = 1200.0,
        space_hz: float = 2200.0,
        window_symbols: float | tuple[float, ...] = (1.6, 1.3, 1.9),
        taper: float = 0.25,
        prefilter_symbols: float = 2.0,
        n_slicers: int = 1,
        timing: str = "crossing",
        twist_span_db: float = 6.0,
        pll_gain: float = 0.15,
        search_gain: float | None = 0.25,
        rate_gain: float = 0.006,
        max_rate_error: float = 0.06,
    ) -> None:
        if sample_rate_hz <= 2.2 * max(mark_hz, space_hz):
            raise ConfigError(
                f"sample rate {sample_rate_hz:g} Hz is too low for a {max(mark_hz, space_hz):g}"
                " Hz tone; use at least 2.2 times the higher tone"
            )
        windows = [float(w) for w in np.atleast_1d(window_symbols)]
        if not 1 <= n_slicers <= 16 or not 1 <= len(windows) <= 8:
            raise ConfigError("n_slicers must be 1..16 and window_symbols 1..8 values")
        if timing not in ("crossing", "gardner"):
            raise ConfigError(f"timing must be 'crossing' or 'gardner', not {timing!r}")
        if not 0 < pll_gain < 1:
            raise ConfigError("pll_gain must be in (0, 1)")
        self.sample_rate_hz = float(sample_rate_hz)
        self.baud = float(baud)
        self.mark_hz = float(mark_hz)
        self.space_hz = float(space_hz)
        self.n_fronts = len(windows)
        self.n_streams = self.n_fronts * int(n_slicers)
        self.main_row = int(n_slicers) // 2
        self.decim = max(int(sample_rate_hz / baud / _MIN_ENVELOPE_SPS), 1)
        envelope_rate_hz = sample_rate_hz / self.decim
        if envelope_rate_hz < 2.2 * max(mark_hz, space_hz):
            self.decim = 1  # low rates: keep every sample
            envelope_rate_hz = sample_rate_hz
        tones = {"baud": baud, "mark_hz": mark_hz, "space_hz": space_hz}
        self._prefilter = design_prefilter(
            sample_rate_hz=sample_rate_hz, length_symbols=prefilter_symbols, **tones
        )
        fronts = [
            design_tone_correlators(
                sample_rate_hz=envelope_rate_hz, window_symbols=w, taper=taper, **tones
            )
            for w in windows
        ]
        n_taps = max(f.shape[1] for f in fronts)
        self._taps = np.zeros((self.n_fronts, 4, n_taps), dtype=np.float32)
        for i, f in enumerate(fronts):  # centred (odd lengths): every front has one delay
            pad = (n_taps - f.shape[1]) // 2
            self._taps[i, :, pad : pad + f.shape[1]] = f
        if n_slicers == 1:
            self.gains = np.ones(1)
        else:
            self.gains = 10 ** (np.linspace(-twist_span_db, twist_span_db, n_slicers) / 20)
        sps = envelope_rate_hz / baud  # envelope samples per bit
        self._params = np.array(
            [
                1 / sps,  # clock step
                pll_gain,
                rate_gain,
                max_rate_error,
                2 / sps,  # peak attack: about half a bit
                1 / (150 * sps),  # peak decay: about 150 bits
                1 / 32,  # LLR statistics over about 32 bits
                30.0,  # LLR clip
                1.0 if timing == "gardner" else 0.0,
                pll_gain if search_gain is None else search_gain,
            ]
        )
        self.reset()

    @property
    def n_slicers(self) -> int:
        """Number of output rows (alias of ``n_streams``; ``mac.ax25`` reads this name)."""
        return self.n_streams

    @property
    def delay_samples(self) -> float:
        """Input samples from a bit's centre to the time ``demodulate`` reports for it."""
        return (self._prefilter.size - 1) / 2 + (self._taps.shape[2] - 1) / 2 * self.decim

    def reset(self) -> None:
        """Forget all history (filters, levels, clock)."""
        from phy.afsk._kernels import N_FRONT, N_STATE_FIXED

        self._pre_history = np.zeros(self._prefilter.size - 1, dtype=np.float32)
        self._pre_t = self._prefilter.size - 1
        self._history = np.zeros(self._taps.shape[2] - 1, dtype=np.float32)
        self._n_envelope = 0  # envelope samples produced so far
        stats = N_STATE_FIXED + N_FRONT * self.n_fronts
        self._state = np.zeros(stats + 2 * self.n_streams)
        self._state[5] = 0.5
        self._state[6] = 1.0
        fronts = self._state[N_STATE_FIXED:stats].reshape(-1, N_FRONT)
        fronts[:, :2] = 1e-3
        self._state[stats::2] = 1.0
        self._state[stats + 1 :: 2] = 2.0

    def demodulate(self, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Soft bits ``(n_streams, n_bits)`` and each bit's input-sample time (float64).

        The time of a bit is the absolute input-sample index (since the last ``reset``)
        where it was sampled, minus ``delay_samples``: the estimated centre of the bit.
        """
        from phy.afsk._kernels import fir_decimate, slice_bits, tone_correlate

        audio = np.nan_to_num(np.asarray(audio, dtype=np.float32).ravel(), posinf=0, neginf=0)
        ext = np.concatenate([self._pre_history, audio])
        filtered = np.empty(max((ext.size - self._pre_t) // self.decim + 1, 0), dtype=np.float32)
        n_filtered, t = fir_decimate(ext, self._prefilter, self.decim, self._pre_t, filtered)
        consumed = ext.size - self._pre_history.size
        self._pre_history = ext[consumed:].copy()
        self._pre_t = t - consumed
        ext = np.concatenate([self._history, filtered[:n_filtered]])
        n_keep = self._history.size
        env_m = np.empty((self.n_fronts, n_filtered), dtype=np.float32)
        env_s = np.empty((self.n_fronts, n_filtered), dtype=np.float32)
        n_env = 0
        for f in range(self.n_fronts):
            n_env, _ = tone_correlate(ext, self._taps[f], 1, n_keep, env_m[f], env_s[f])
        self._history = ext[ext.size - n_keep :].copy()
        max_bits = int(n_env * self._params[0] * 1.2) + 2
        llrs = np.empty((self.n_streams, max_bits), dtype=np.float32)
        env_t = np.empty(max_bits)
        n_bits = slice_bits(
            env_m[:, :n_env], env_s[:, :n_env], self.gains, self._params, self._state, llrs, env_t
        )
        times = (self._n_envelope + env_t[:n_bits]) * self.decim - self.delay_samples
        self._n_envelope += n_env
        return llrs[:, :n_bits], times

    def process(self, audio: np.ndarray) -> np.ndarray:
        """Soft bits of ``audio``: 1-D float32, or (n_streams, n_bits) with several rows.

        Cost per input sample: P / decim (band-pass prefilter of P taps, evaluated only at
        the envelope rate) + 4 L F / decim (F correlators of L taps at the envelope rate)
        + about 10 n_streams / decim.
        """
        llrs, _ = self.demodulate(audio)
        return llrs[0] if self.n_streams == 1 else llrs
