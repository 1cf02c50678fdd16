"""The streaming GFSK receiver: kernels, sync-word/header framing, burst statistics."""

from __future__ import annotations

from functools import cache

import numpy as np

from phy.burst import Burst
from phy.errors import ConfigError
from phy.framing import (
    HEADER_BITS,
    LATE_HEAD_ERRORS,
    LATE_HEADER_ERRORS,
    LATE_TAIL_BITS,
    MAX_PAYLOAD_BYTES,
    BitFramer,
    FramedBits,
    golay24_encode,
)
from phy.profiles import Profile, get_profile

__all__ = ["Receiver", "channel_filter_length"]

_INFO_SLOTS = 1 << 16  # symbols of side information kept (a maximal burst is 32 840 bits)
_BLOCK = 1 << 15  # samples per kernel call (bounds the temporaries)


def channel_filter_length(samples_per_symbol: int) -> int:
    """Length of each of the two cascaded boxcars of the channel filter (samples)."""
    return max(2, round(0.75 * samples_per_symbol))


def _patterns(bits: np.ndarray) -> np.ndarray:
    """5-bit pattern index around each bit 2 .. n-3 (MSB = two bits before)."""
    b = bits.astype(np.int64)
    return 16 * b[:-4] + 8 * b[1:-3] + 4 * b[2:-2] + 2 * b[3:-1] + b[4:]


@cache
def _header_columns() -> np.ndarray:
    """Generator columns of the header's Golay (24,12) code, first sent bit first.

    Bit i of the codeword of data d is the parity of ``columns[i] & d`` (the code is linear).
    """
    rows = [golay24_encode(1 << j) for j in range(12)]
    return np.array(
        [sum(((row >> (23 - i)) & 1) << j for j, row in enumerate(rows)) for i in range(24)],
        dtype=np.int64,
    )


@cache
def _filter_figures(bt: float, h: float, sps: int) -> tuple[float, float, np.ndarray]:
    """Channel-filter figures for a unit-DC-gain filter, from a clean random signal.

    Returns (noise gain sum(h^2), mean filtered signal power, expected phase advance in
    radians over symbol k for each 5-bit pattern ``b[k-2] .. b[k+2]``, MSB first).
    """
    from phy.gfsk._modulator import modulate_bits

    length = channel_filter_length(sps)
    taps = np.convolve(np.ones(length), np.ones(length)) / length**2
    profile = get_profile("gfsk9k6").replace(samples_per_symbol=sps, bt=bt, modulation_index=h)
    bits = np.random.default_rng(0).integers(0, 2, 8192).astype(np.uint8)
    y = np.convolve(modulate_bits(profile, bits), taps)  # causal, like the receiver
    strobes = y[np.arange(bits.size + 1) * sps + length - 1]  # symbol boundaries
    advance = np.angle(strobes[1:] * np.conj(strobes[:-1]))[2:-2]  # over bits 2 .. n-3
    table = np.array([np.mean(advance[_patterns(bits) == k]) for k in range(32)])
    return float(np.sum(taps**2)), float(np.mean(np.abs(y[: bits.size * sps]) ** 2)), table


class Receiver:
    """Cold-start streaming 2-GFSK receiver at the profile's native rate.

    Every burst is acquired from scratch (no genie): a carrier-offset estimate from lag-1 and
    lag-sps/2 autocorrelations over a boxcar (range +-fs/2), a boxcar-cascade channel filter
    and decimation to 4 samples/symbol, Oerder-Meyr timing on the squared differential eye,
    a data-blind fine offset from the squared two-symbol differential product, and
    decision-feedback differential detection. Once a sync word and a valid header are seen,
    the offset estimated over preamble + sync word is held to the end of the announced
    payload (a long run of one tone looks like an offset to the blind estimators).
    The hold ends early (and the framer drops the burst) when the carrier ends before the
    announced length. ``phy.framing.BitFramer`` finds the sync word and header, with its late
    lock for bursts acquired inside the sync word. Design and measurements:
    ``docs/phy-gfsk.md``.

    Parameters
    ----------
    profile : a GFSK profile (or its name).
    max_sync_errors : sync-word bit errors tolerated (default 3 of 32).
    max_header_errors : header bit disagreements tolerated (default 6 of 48: random bits pass
        with p = 1.8e-4, against 4e-3 at the framer's default of 8).
    max_payload_bytes : longer headers count as false detections.
    beta : decision-feedback weight in [0, 0.95] (0 is plain differential detection).
    coarse_symbols, timing_symbols, residual_symbols : boxcar lengths (symbols, 8..4096) of
        the coarse offset, timing and fine offset estimators; bursts from different
        transmitters need a gap of about the longest minus the 48-bit preamble.
    timing_gain : fraction of the timing error corrected at each update (every 4 symbols).
    carrier_end_ratio : a payload hold ends early, and the framer drops the burst (counter
        ``abandoned``), when the strobe power falls below this fraction of its value at the
        header (the carrier ended before the announced length: a garbled header); 0 never.

    Cost: ~17 ns per native sample in the kernels (7 Msym/s at 8 samples/symbol on one
    core), O(burst) per burst for the statistics.
    """

    def __init__(
        self,
        *,
        profile: str | Profile,
        max_sync_errors: int = 3,
        max_header_errors: int = 6,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
        beta: float = 0.6,
        coarse_symbols: int = 96,
        timing_symbols: int = 128,
        timing_gain: float = 0.3,
        residual_symbols: int = 64,
        carrier_end_ratio: float = 0.3,
    ) -> None:
        profile = get_profile(profile)
        if profile.modulation != "gfsk":
            raise ConfigError(f"profile {profile.name} is not GFSK; use phy.make_receiver")
        if profile.samples_per_symbol < 4:
            raise ConfigError("the GFSK receiver needs at least 4 samples per symbol")
        if profile.sync_bits > 48:
            raise ConfigError("the GFSK receiver takes sync words of up to 48 bits")
        if not 0.0 <= beta <= 0.95:
            raise ConfigError("beta must be in [0, 0.95]")
        if not 0.0 <= carrier_end_ratio < 1.0:
            raise ConfigError("carrier_end_ratio must be in [0, 1) (0 never ends a hold early)")
        self.profile = profile
        windows = (coarse_symbols, timing_symbols, residual_symbols)
        if min(windows) < 8 or max(windows) > 4096:
            raise ConfigError("estimator windows must be 8..4096 symbols")
        self._windows = tuple(int(w) for w in windows)
        self.sample_rate_hz = profile.sample_rate_hz
        sps = profile.samples_per_symbol
        self._sps = sps
        self._decim = sps // 4 if sps % 4 == 0 else 1  # symbol sync runs at 4 samples/symbol
        sps_sync = sps // self._decim
        self._length = channel_filter_length(sps)
        self._lag = sps // 2  # precise lag of the coarse estimator (lag 1 resolves it)
        self._fe_params = np.array([0.0, 4 * sps, self._decim], dtype=np.float64)
        self._sy_params = np.array(
            [
                sps_sync,
                max_sync_errors,
                timing_gain,
                max_header_errors,
                beta,
                1 / 32,
                self._decim,
                profile.sync_word,
                profile.sync_bits,
                min(max_payload_bytes, MAX_PAYLOAD_BYTES),
                carrier_end_ratio,
                LATE_HEAD_ERRORS if profile.sync_bits > LATE_TAIL_BITS else -1,
                LATE_HEADER_ERRORS,
                LATE_TAIL_BITS,
            ],
            dtype=np.float64,
        )
        self._columns = _header_columns()
        self._table = np.exp(-2j * np.pi * np.arange(sps_sync) / sps_sync)
        self._framer = BitFramer(
            profile=profile,
            max_sync_errors=max_sync_errors,
            max_header_errors=max_header_errors,
            max_payload_bytes=max_payload_bytes,
            late_lock=True,
        )
        self._noise_gain, self._signal_gain, self._advance = _filter_figures(
            float(profile.bt), float(profile.modulation_index), sps
        )
        self._y = np.empty(_BLOCK, dtype=np.complex64)
        self._f = np.empty(_BLOCK, dtype=np.float32)
        n_sym = _BLOCK // (sps // 2) + 2
        self._llr = np.empty(n_sym, dtype=np.float32)
        self.reset()

    def reset(self) -> None:
        """Forget everything (state, buffered bits, counters keep counting)."""
        from phy.gfsk._kernels import (
            FE_N_COMPLEX,
            FE_N_INT,
            FE_PHASOR,
            FE_STEP,
            FE_STEP_OLD,
            SY_N_COMPLEX,
            SY_N_FLOAT,
            SY_N_INT,
            SY_RELEASE,
            SY_U2,
        )

        self._fe_c = np.zeros(FE_N_COMPLEX, dtype=np.complex128)
        self._fe_c[FE_PHASOR] = self._fe_c[FE_STEP] = self._fe_c[FE_STEP_OLD] = 1.0
        self._fe_i = np.zeros(FE_N_INT, dtype=np.int64)
        self._ring1 = np.zeros(self._length, dtype=np.complex128)
        self._ring2 = np.zeros(self._length, dtype=np.complex128)
        n_products = self._windows[0] * self._sps // self._decim
        self._ring_p = np.zeros((n_products, 2), dtype=np.complex128)
        self._ring_x = np.zeros(self._lag // self._decim, dtype=np.complex128)
        self._ring_c = np.zeros(self._windows[1], dtype=np.complex128)
        self._ring_r = np.zeros(self._windows[2], dtype=np.complex128)
        self._sy_c = np.zeros(SY_N_COMPLEX, dtype=np.complex128)
        self._sy_c[SY_U2] = 1.0
        self._sy_f = np.zeros(SY_N_FLOAT, dtype=np.float64)
        self._sy_i = np.zeros(SY_N_INT, dtype=np.int64)
        self._sy_i[SY_RELEASE] = -1
        self._release = SY_RELEASE
        self._ring = np.zeros(self._table.size, dtype=np.complex128)
        # per symbol (ring): strobe time, coarse offset, residual cos/sin, |y|^2, soft value, y
        self._slots = np.zeros((_INFO_SLOTS, 8), dtype=np.float64)
        self._stats = np.zeros(6, dtype=np.float64)
        self._samples = 0
        self._framer.reset()

    @property
    def counters(self) -> dict[str, int]:
        """sync_hits, header_rejects, bursts, abandoned (framer) and samples, symbols."""
        return {
            **self._framer.counters,
            "samples": self._samples,
            "symbols": int(self._sy_i[3]),
        }

    def process(self, samples: np.ndarray) -> list[Burst]:
        """Feed the next chunk (complex64 at the native rate); returns the bursts completed.

        Cost: O(len(samples)); memory bounded by one maximal burst plus fixed buffers.
        """
        samples = np.asarray(samples)
        if samples.ndim != 1:
            raise ConfigError("samples must be a 1-D complex array")
        samples = samples.astype(np.complex64, copy=False)
        bursts: list[Burst] = []
        self._samples += samples.size
        for start in range(0, samples.size, _BLOCK):
            bursts += self._process_block(samples[start : start + _BLOCK])
        return bursts

    def flush(self) -> list[Burst]:
        """Push the pipeline's tail (a few symbols of zeros) and return what completes."""
        return self.process(np.zeros(4 * self._sps + 2 * self._length, dtype=np.complex64))

    def _process_block(self, block: np.ndarray) -> list[Burst]:
        from phy.gfsk._kernels import front_end, symbol_sync

        fe = (self._fe_params, self._fe_c, self._fe_i, self._ring1, self._ring2, self._ring_p)
        fe += (self._ring_x,)
        n = front_end(block, *fe, self._y, self._f)
        sy = (self._sy_params, self._table, self._columns, self._sy_c, self._sy_f, self._sy_i)
        sy += (self._ring,)
        sy += (self._ring_c, self._ring_r)
        k = symbol_sync(self._y[:n], self._f[:n], *sy, self._llr, self._slots)
        if k == 0:
            return []
        carrier_end = int(self._sy_i[self._release])
        self._sy_i[self._release] = -1
        found = self._framer.push(
            self._llr[:k], carrier_end=carrier_end if carrier_end >= 0 else None
        )
        return [self._burst(fb) for fb in found]

    def _burst(self, fb: FramedBits) -> Burst:
        from phy.gfsk._kernels import burst_stats

        n_symbols = int(self._sy_i[3])
        first = fb.sync_index
        end = min(first + self.profile.sync_bits + HEADER_BITS + fb.llrs.size, n_symbols)
        first = max(first, end - _INFO_SLOTS + 2, 1)
        stats = self._stats
        burst_stats(self._slots, first - 1, end - first + 1, self._advance, self._sps, stats)
        f_ref, delta, m2, m4, mu, mean_square = stats
        cfo = f_ref + (delta if np.isfinite(delta) else 0.0)
        t_sync = self._slots[fb.sync_index % _INFO_SLOTS, 0]
        return Burst(
            profile=self.profile.name,
            llrs=_calibrate(fb.llrs, mu, mean_square),
            start_sample=round(t_sync - self._sps - (self._length - 1) + 1),
            sample_rate_hz=self.sample_rate_hz,
            snr_db=self._snr_db(m2, m4),
            cfo_hz=float(cfo) * self.sample_rate_hz,
            sync_errors=fb.sync_errors,
            header_errors=fb.header_errors,
        )

    def _snr_db(self, m2: float, m4: float) -> float:
        """Es/N0 from the M2M4 moments of the strobe powers (constant-envelope model)."""
        a2 = np.sqrt(max(2 * m2 * m2 - m4, 0.0))
        noise = m2 - a2
        if not noise > 0:
            return 99.0
        if not a2 > 0:
            return -99.0
        es_n0 = (a2 / self._signal_gain) / noise * self._sps * self._noise_gain
        return float(np.clip(10 * np.log10(es_n0), -99.0, 99.0))


def _calibrate(llrs: np.ndarray, mu: float, mean_square: float) -> np.ndarray:
    """Scale soft values to LLRs: 2 mu / sigma^2 of the burst's own +-mu Gaussian mixture.

    ``mu`` and ``mean_square`` are mean(|soft|) and mean(soft^2) over the burst.
    """
    var = mean_square - mu * mu
    if not (mu > 0 and var > 1e-12 * mu * mu):
        return llrs.astype(np.float32)
    scale = min(2 * mu / var, 1e6 / mu)
    return (llrs * scale).astype(np.float32)
