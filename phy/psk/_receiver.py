"""Streaming BPSK/QPSK burst receiver with cold-start acquisition on every burst.

Pipeline (all at the profile's native rate, ``sps`` = 2 or 4 samples per symbol). It works
from strong bursts down to the symbol SNRs (Es/N0 ~1.5 dB) where the data link's
concatenated code operates, and only weak bursts pay for the low-SNR steps:

1. Detector (``_kernels.detect``, every sample while searching; restarted after each burst):
   one-symbol-lag correlation ``P`` and energy ``E`` over ``DETECT_SYMBOLS`` symbols. The
   alternating preamble gives ``|P| / E = S / (S + N)`` with ``arg P = pi + 2 pi f T``; a
   trigger needs ``|P| >= threshold * E`` and ``|f| <= max_cfo_hz`` (which also rejects DC
   and lone tones), then the largest ``|P|`` in the next ``PEAK_SYMBOLS`` symbols marks
   the preamble window.
2. Acquisition (``_kernels.acquire_window``, maths in ``_acquire``): frequency (refined at
   2, 4 and 8 symbol lags), phase, timing and level from that window.
3. Demodulation (``_kernels.derotate``, ``_kernels.demod``) from up to ``EARLY_SYMBOLS``
   before the window: derotation by the acquired frequency, a 32-phase polyphase matched
   filter, Mueller-Muller timing loop fed by a decision-directed PLL (both second order,
   soft decisions on weak bursts). Until the sync word is found the symbols kept are the
   raw filter outputs: the carrier is then fitted on known symbols, not taken from the
   causal loop, which slips at low SNR.
4. Sync word. Fast path (strong bursts): ``_kernels.sync_header``, a hard match on the raw
   symbols with at most ``FAST_SYNC_ERRORS`` errors and a header read directly. Else
   (``_carrier_kernels``): a data-aided fit on the detector's window refines the frequency
   (a large error restarts the demodulator once, since the offset also costs the matched
   filter and the loops); ``sync_candidates`` ranks positions by "sync word here" against
   "preamble goes on"; ``check_sync`` fits the carrier on preamble tail + sync word at
   each of the ``SYNC_CANDIDATES`` best and counts the sync word's errors; a candidate
   needs a fitted correlation of ``fit_threshold`` and (``max_sync_errors`` errors or a
   sync correlation of ``sync_threshold`` under a fit on the preamble alone).
5. PHY header: read directly when both halves are the same codeword, else decoded by
   maximum likelihood over the 4096 codewords and ``HEADER_PHASES_RAD`` carrier phase
   offsets (a candidate without a score must have its header read directly); among
   acceptable candidates the fewest sync plus header errors wins. The next
   ``HEADER_ALTERNATES`` likeliest lengths stay in reserve: if the payload's power ends
   before the best length's end, or its last symbols are noise, a runner-up length whose
   end the power confirms replaces it (``header_fixes``). A refit
   on preamble tail, sync word and header gives the burst's carrier, re-locks the PLL and
   sets its decisions soft below ``SOFT_BELOW_ESN0``.
6. Payload. Strong bursts (``LOCKED_ABOVE_ESN0``): the locked PLL corrects the symbols
   (and follows phase noise). Weak bursts: ``carrier_track`` recovers the carrier of the
   whole stored burst (block M-th-power frequency, sliding-window phase unwrapped from the
   known symbols). ``_kernels.burst_llrs`` scales the LLRs from a decision-directed
   estimate of amplitude and noise over sync word, header and payload.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from phy.burst import Burst
from phy.errors import ConfigError
from phy.framing import (
    HEADER_BITS,
    MAX_PAYLOAD_BYTES,
    encode_header,
    golay24_encode,
    header_codebook,
)
from phy.profiles import Profile, get_profile
from phy.psk import _layout as L
from phy.psk._acquire import FINE_LAG_SYMBOLS
from phy.psk._modulator import bits_to_symbols, preamble_symbols
from phy.psk._pulse import matched_filter_bank, timing_gain

__all__ = ["Receiver", "loop_gains"]


@cache
def _golay_words() -> np.ndarray:
    """All 4096 extended Golay codewords, indexed by their 12 data bits."""
    return np.array([golay24_encode(d) for d in range(4096)], dtype=np.int64)


def _header_symbols(profile: Profile, length: int) -> np.ndarray:
    """The PHY header's symbols for a payload of ``length`` bytes (each receiver caches)."""
    return bits_to_symbols(profile, encode_header(length))


@cache
def _header_turns() -> np.ndarray:
    """``exp(-j offset)`` for the header's carrier phase hypotheses."""
    return np.exp(-1j * HEADER_PHASES_RAD).astype(np.complex64)


def _kernels():
    """phy.psk._kernels, imported by the first Receiver (importing it loads Numba)."""
    from phy.psk import _kernels

    return _kernels


def _carrier_kernels():
    """phy.psk._carrier_kernels (loads Numba)."""
    from phy.psk import _carrier_kernels

    return _carrier_kernels


DETECT_SYMBOLS = 40  # detector window
PEAK_SYMBOLS = DETECT_SYMBOLS + 2  # how far past the first trigger the window is sought
DEROTATE_BLOCK = 16384  # most samples derotated per step
SYNC_SEARCH_SYMBOLS = 104  # where the sync word may start, counted from the window start
EARLY_SYMBOLS = 32  # preamble symbols demodulated before the window, when still buffered
PRE_TAIL_SYMBOLS = 64  # preamble symbols before the sync word the carrier fit may use
SEARCH_TAIL_SYMBOLS = 16  # preamble symbols the sync search correlates with
HEADER_PHASES_RAD = np.linspace(-0.6, 0.6, 5)  # carrier phase offsets tried on the header
HEADER_ALTERNATES = 2  # runner-up header lengths a weak burst's end may confirm instead
SETTLE_SYMBOLS = 64  # symbols each side of a burst end whose power confirms it
SOFT_BELOW_ESN0 = 10.0  # soft loop decisions below this Es/N0 (linear)
LOCKED_ABOVE_ESN0 = 30.0  # from this Es/N0 (linear) on the phase loop corrects the payload
FAST_SYNC_ERRORS = 1  # sync-word errors of a strong burst (then no candidate search)
SYNC_CANDIDATES = 12  # sync positions checked per detection
MAX_RESIDUAL_RAD = 0.8  # largest acquisition error the preamble fit seeks (rad/symbol)
MAX_PRE_ERROR_RAD = 0.04  # and the largest error of that fit the sync-word fit seeks
_SEARCH, _DEMOD = 0, 1
_SYNC, _PAYLOAD = 0, 1
_AGAIN = "again"  # the sync step restarted the demodulator
PRE_FIT_THRESHOLD = 0.45  # the preamble fit's correlation that makes its frequency count
REACQUIRE_RAD = 0.04  # preamble-fit frequency error (rad/symbol) that restarts a burst
QUIET_BLOCK_SYMBOLS = 128  # payload block whose power is checked against the noise floor
QUIET_FRACTION = 0.1  # a block below noise + this fraction of the signal power: carrier lost
_MAX_SNR = 1e6  # 60 dB: caps the SNR estimate (and the LLRs) on a noiseless burst


def loop_gains(bandwidth: float, damping: float, detector_gain: float) -> tuple[float, float]:
    """(Kp, Ki) of a second-order loop with noise bandwidth ``bandwidth`` * symbol rate."""
    theta = bandwidth / (damping + 1 / (4 * damping))
    den = (1 + 2 * damping * theta + theta**2) * detector_gain
    return 4 * damping * theta / den, 4 * theta**2 / den


class Receiver:
    """Streaming PSK receiver for one profile at its native sample rate.

    Parameters
    ----------
    profile : a ``bpsk*`` or ``qpsk*`` profile (even samples per symbol).
    max_sync_errors : sync-word hard-bit disagreements accepted where the sync word cannot
        be scored (fewer than 32 preamble symbols demodulated before it; 0..7).
    sync_threshold : least normalised sync-word correlation, the carrier fitted on the
        preamble alone.
    fit_threshold : least normalised correlation of the carrier fit over preamble tail and
        sync word, ``A / sqrt(A^2 + N)`` (about ``sqrt(S / (S + N))``; 0.6 passes bursts
        down to Es/N0 ~ 0 dB, noise stays below ~0.57).
    max_header_errors : header bit disagreements tolerated (of 48).
    max_known_errors : sync word plus header bit disagreements tolerated (of 80).
    max_payload_bytes : longer headers count as false detections.
    max_cfo_hz : carrier offsets accepted by the detector (default 30 kHz, at most Rs/4).
    detect_threshold : ``|P| / E`` needed to trigger (default 0.18 at 4 sps, 0.3 at 2 sps).
    timing_bandwidth, phase_bandwidth : loop noise bandwidths, times the symbol rate.

    ``process(samples)`` returns the bursts completed in ``samples``. Cost: about 15 flops
    per sample while searching; inside bursts one derotation per sample and, per symbol, one
    ``RX_SPAN_SYMBOLS * sps``-tap matched-filter output plus ~30 flops (plus ~30 for the
    carrier tracker and four tanh on weak bursts); about 20 us of fixed work per strong
    burst, up to about 1 ms per weak one (sync candidates, header hypotheses). Memory is
    bounded by one maximal burst of symbols plus one chunk.
    """

    def __init__(
        self,
        *,
        profile: str | Profile,
        max_sync_errors: int = 3,
        sync_threshold: float = 0.45,
        fit_threshold: float = 0.62,
        max_header_errors: int = 16,
        max_known_errors: int = 24,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
        max_cfo_hz: float = 30e3,
        detect_threshold: float | None = None,
        timing_bandwidth: float = 0.002,
        phase_bandwidth: float = 0.02,
    ) -> None:
        profile = get_profile(profile)
        if profile.modulation not in ("bpsk", "qpsk"):
            raise ConfigError(f"profile {profile.name} is not PSK; use phy.make_receiver")
        sps = profile.samples_per_symbol
        if sps % 2:
            raise ConfigError(f"profile {profile.name}: the PSK receiver needs an even sps")
        if not 0 <= max_sync_errors < profile.sync_bits // 4:
            raise ConfigError("max_sync_errors must be below a quarter of the sync word")
        rs = profile.symbol_rate_baud
        if not 0 < max_cfo_hz <= rs / 4:
            raise ConfigError(f"max_cfo_hz must be in (0, {rs / 4:g}] for {profile.name}")
        self._kern = _kernels()
        self._ckern = _carrier_kernels()
        self.profile = profile
        self.sample_rate_hz = profile.sample_rate_hz
        self._sps = sps
        self._qpsk = profile.modulation == "qpsk"
        self._bps = profile.bits_per_symbol
        self._max_sync_errors = max_sync_errors
        self._max_header_errors = max_header_errors
        self._sync_threshold = float(sync_threshold)
        self._fit_threshold = float(fit_threshold)
        self._max_known_errors = max_known_errors
        self._max_payload = min(max_payload_bytes, MAX_PAYLOAD_BYTES)
        threshold = detect_threshold or (0.18 if sps >= 4 else 0.3)
        self._thr2 = float(threshold * threshold)
        self._cos2 = float(np.cos(2 * np.pi * max_cfo_hz / rs) ** 2)
        self._bank = matched_filter_bank(sps, profile.rolloff)
        half = self._bank.shape[1] // 2
        m = np.arange(2 * half) - half + 1
        self._tone_gain = float(np.dot(self._bank[0], np.cos(np.pi * m / sps)))
        kp_t, ki_t = loop_gains(timing_bandwidth, 1.0, timing_gain(profile.rolloff) / sps)
        kp_p, ki_p = loop_gains(phase_bandwidth, 0.707, 1.0)
        self._gains = np.array([kp_t, ki_t, kp_p, ki_p, 0.0, 0.0], dtype=np.float64)
        self._lag = sps
        self._window = DETECT_SYMBOLS * sps
        sync = (profile.sync_word >> np.arange(profile.sync_bits - 1, -1, -1)) & 1
        self._sync_bits = sync.astype(np.uint8)
        self._sync_syms = bits_to_symbols(profile, self._sync_bits)
        self._n_sync = self._sync_syms.size
        n_pre = min(PRE_TAIL_SYMBOLS, profile.preamble_bits)
        n_bits = profile.preamble_bits
        pre_bits = (np.arange(n_bits + self._sync_syms.size) % 2 == 0).astype(np.uint8)
        self._pre_tail = preamble_symbols(profile, pre_bits[n_bits - n_pre : n_bits])
        self._pre_next = preamble_symbols(profile, pre_bits[n_bits:])  # if it went on
        self._search_tail = self._pre_tail[-SEARCH_TAIL_SYMBOLS:].copy()
        self._n_header = HEADER_BITS // self._bps
        max_bits = profile.sync_bits + HEADER_BITS + 8 * self._max_payload
        n_syms = EARLY_SYMBOLS + SYNC_SEARCH_SYMBOLS + -(-max_bits // self._bps)
        self._syms = np.zeros(n_syms, np.complex64)
        self._track = np.zeros(n_syms, np.complex64)
        self._cand = np.zeros(SYNC_CANDIDATES, dtype=np.int64)
        self._check_out = np.zeros(8, dtype=np.float64)
        self._fit = np.zeros(4, dtype=np.float64)
        self._ref = np.zeros(n_pre + self._n_sync + self._n_header, dtype=np.complex64)
        self._header_cache: dict[int, np.ndarray] = {}  # header symbols by length
        self._times = np.zeros(self._syms.size, dtype=np.float64)
        self._header_soft = np.zeros(HEADER_BITS, dtype=np.float32)
        self._header_syms = np.zeros(HEADER_BITS // self._bps, dtype=np.complex64)
        self._det = np.zeros(L.D_N_STATE, dtype=np.float64)
        self._acq = np.zeros(4, dtype=np.float64)
        self._state = np.zeros(L.N_STATE, dtype=np.float64)
        taps = self._bank.shape[1]
        self._xd_buf = np.zeros(DEROTATE_BLOCK + 2 * taps + 8 * sps, dtype=np.complex64)
        self._xd_len = 0  # derotated samples held in self._xd_buf
        self._sync_out = np.zeros(4, dtype=np.int64)
        self._stats_out = np.zeros(4, dtype=np.float64)
        self.counters = {
            "samples": 0,
            "detections": 0,
            "sync_misses": 0,
            "header_rejects": 0,
            "carrier_losses": 0,
            "header_fixes": 0,
            "bursts": 0,
        }
        self.reset()

    # ----------------------------------------------------------------- lifecycle
    @property
    def buffered_samples(self) -> int:
        """Samples held between calls (bounded: about one detector window, or one chunk)."""
        return self._x.size + (self._xd_len if self._mode == _DEMOD else 0)

    def reset(self) -> None:
        """Forget the stream (counters are kept)."""
        self._alternates: tuple[int, ...] = ()
        hist = self._lag + self._window
        self._x = np.zeros(hist, dtype=np.complex64)  # silence before the stream
        self._x0 = -hist  # absolute index of self._x[0]
        self._enter_search(0)

    def process(self, samples: np.ndarray) -> list[Burst]:
        """Feed the next samples (complex64 at the native rate); return completed bursts."""
        x = np.asarray(samples, dtype=np.complex64).ravel()
        if not np.isfinite(x.view(np.float32)).all():
            x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
        self.counters["samples"] += x.size
        self._x = np.concatenate([self._x, x])
        bursts: list[Burst] = []
        while True:
            if self._mode == _SEARCH:
                if not self._search():
                    break
            else:
                done, burst = self._demod_step()
                if burst is not None:
                    bursts.append(burst)
                if not done:
                    break
        self._trim()
        return bursts

    def flush(self) -> list[Burst]:
        """Drain the end of a finite stream (feeds enough silence to finish a burst)."""
        pad = (PEAK_SYMBOLS + DETECT_SYMBOLS + 8) * self._sps + self._bank.shape[1]
        return self.process(np.zeros(pad, dtype=np.complex64))

    # ----------------------------------------------------------------- detection
    def _enter_search(self, position: int) -> None:
        """Search from absolute sample ``position`` on, with a detector started afresh there.

        The detector only runs while searching; restarting it at the end of each burst
        (from the raw samples before ``position``) keeps the result independent of chunking.
        """
        hist = self._lag + self._window
        position = max(position, self._x0 + hist)  # its history must still be buffered
        self._mode = _SEARCH
        det = self._det
        det[:] = 0.0
        det[L.D_AGE] = 8 * self._window - 1  # recompute the sums at the first sample
        det[L.D_POS] = position
        det[L.D_ARM] = position + hist - 1  # the first window wholly after ``position``
        det[L.D_FIRST] = -1.0

    def _search(self) -> bool:
        """Run the detector over the buffer; start a burst when a preamble peak is found."""
        if not self._kern.detect(
            self._x,
            self._x0,
            self._x0 + self._x.size,
            self._lag,
            self._window,
            self._thr2,
            self._cos2,
            PEAK_SYMBOLS * self._sps,
            self._det,
        ):
            return False
        det = self._det
        self._start_burst(
            int(det[L.D_PEAK]), det[L.D_PEAK_RE], det[L.D_PEAK_IM], int(det[L.D_FIRST])
        )
        return True

    # ----------------------------------------------------------------- one burst
    def _start_burst(self, peak: int, lag_re: float, lag_im: float, first: int) -> None:
        """Acquire on the window ending at absolute sample ``peak`` and start demodulating.

        Demodulation starts up to ``EARLY_SYMBOLS`` before the window (as far as the samples
        kept since the first trigger ``first`` allow), so the carrier fit sees more preamble.
        """
        span = self._lag + self._window
        s0 = peak - span + 1 - self._x0
        acq = self._acq
        sps = self._sps
        self._kern.acquire_window(
            self._x[s0 : s0 + span], lag_re, lag_im, sps, FINE_LAG_SYMBOLS * sps, acq
        )
        omega, phase, peak_t, level = acq.tolist()
        self.counters["detections"] += 1
        self._mode = _DEMOD
        self._phase = _SYNC
        self._peak_abs = peak
        self._omega = omega
        self._gain = 1.0 / max(level * abs(self._tone_gain), 1e-30)
        if not math.isfinite(self._gain * omega * phase * peak_t):  # garbage: no signal
            self._gain, omega, phase, peak_t = 0.0, 0.0, 0.0, 0.0
            self._omega = 0.0
        early = max(min(EARLY_SYMBOLS, (peak - first) // sps, s0 // sps), 0)
        self._early = early
        phase -= omega * early * sps  # the carrier phase at the earlier start
        self._b0 = self._x0 + s0 - early * sps  # absolute index of derotation phase 0
        self._xd_len = 0
        self._xd0 = self._b0  # absolute index of self._xd_buf[0]
        self._drot_next = self._b0
        need = self._bank.shape[1] // 2 - 1
        t0 = peak_t + sps * math.ceil((need - peak_t) / sps)
        state = self._state
        state[:] = 0.0
        state[L.T_NEXT] = t0
        theta = phase - (math.pi / 4 if self._qpsk else 0.0)
        state[L.COS] = math.cos(theta)
        state[L.SIN] = math.sin(theta)
        self._gains[4] = 0.0  # hard decisions until the burst's SNR is known
        self._gains[5] = 0.0  # raw symbols
        self._state0 = state.copy()
        self._reacquired = False
        self._nsym = 0
        self._target = early + SYNC_SEARCH_SYMBOLS + self._n_sync + self._n_header

    def _demod_step(self) -> tuple[bool, Burst | None]:
        """Demodulate what is buffered; (burst finished or abandoned, the burst or None)."""
        while True:
            self._derotate_ahead()
            before = self._nsym
            n = self._kern.demod(
                self._xd_buf[: self._xd_len],
                self._bank,
                self._sps,
                self._state,
                self._gains,
                self._qpsk,
                self._syms[before : self._target],
                self._times[before : self._target],
            )
            self._nsym += n
            self._times[before : self._nsym] += self._xd0
            if self._phase == _PAYLOAD:
                lost = self._carrier_lost()
                if lost is not None:
                    return True, self._settled_burst(lost)
            if self._nsym < self._target:
                if n == 0 and self._state[L.T_NEXT] < self._bank.shape[1] // 2:
                    return self._abandon("sync_misses")  # loops derailed: only on garbage
                if self._drot_next < self._x0 + self._x.size:
                    continue
                return False, None
            if self._phase == _SYNC:
                failure = self._sync_and_header()
                if failure == _AGAIN:
                    continue
                if failure is not None:
                    return self._abandon(failure)
            else:
                if self._alternates and self._gains[5] == 0 and not self._tail_is_signal():
                    self._settle_length(self._target, self._target)
                return True, self._finish()

    def _derotate_ahead(self) -> None:
        """Derotate and level the raw samples the symbols up to the target will need.

        First drops the derotated samples behind the strobe's filter span, then appends at
        most ``DEROTATE_BLOCK`` samples (the caller loops while raw samples remain).
        """
        half = self._bank.shape[1] // 2
        keep = int(self._state[L.T_NEXT]) - half - self._sps
        if keep > 0:
            n = self._xd_len - keep
            self._xd_buf[:n] = self._xd_buf[keep : self._xd_len]
            self._xd_len = n
            self._xd0 += keep
            self._state[L.T_NEXT] -= keep
        ahead = (self._target - self._nsym) * self._sps * 1.1 + 2 * half + 4 * self._sps
        stop = min(
            int(self._xd0 + self._state[L.T_NEXT] + ahead),
            self._x0 + self._x.size,
            self._xd0 + self._xd_buf.size,
        )
        n = stop - self._drot_next
        if n <= 0:
            return
        lo = self._drot_next - self._x0
        out = self._xd_buf[self._xd_len : self._xd_len + n]
        self._kern.derotate(
            self._x[lo : lo + n], self._omega, 0.0, self._drot_next - self._b0, self._gain, out
        )
        self._xd_len += n
        self._drot_next = stop

    def _sync_and_header(self) -> str | None:
        """Find the sync word, fit the carrier on the known symbols, read the header.

        Fast path (strong bursts): the sync word's correlation on the raw symbols with at
        most ``FAST_SYNC_ERRORS`` hard errors and a header read directly. Else the
        ``SYNC_CANDIDATES`` best sync positions are checked (after the preamble's own fit
        has refined the frequency); a clean one is taken at once, else the acceptable
        candidate with the fewest sync plus header errors. Returns None when one is
        accepted (then the payload follows), else the counter of the failure.
        """
        syms = self._syms[: self._nsym]
        out = self._sync_out
        if (
            self._kern.sync_header(
                syms,
                self._sync_syms,
                self._sync_bits,
                self._qpsk,
                FAST_SYNC_ERRORS,
                _golay_words(),
                self._header_soft,
                out,
            )
            and 0 <= out[3] <= self._max_payload
        ):
            pos = int(out[0])
            self._sync_errors, self._header_errors = int(out[2]), 0
            self._accept(pos, max(pos - self._pre_tail.size, 0), int(out[3]), 0.0)
            self._alternates = ()
            return None
        cand = self._cand
        # the detector's window should be preamble: its symbols refine the acquired
        # frequency, unless they do not fit it (a trigger on noise just before a burst)
        fit = self._fit
        pre = syms[self._early : self._early + DETECT_SYMBOLS]
        self._ckern.carrier_fit(pre, self._pre_tail[-pre.size :], 0.0, MAX_RESIDUAL_RAD, fit)
        amp, noise = float(fit[2]), float(fit[3])
        fitted = amp / math.sqrt(amp * amp + noise) if amp > 0 else 0.0
        self._w_pre = float(fit[0]) if fitted >= PRE_FIT_THRESHOLD else 0.0
        if abs(self._w_pre) > REACQUIRE_RAD and not self._reacquired:
            self._restart_demod(self._w_pre)
            return _AGAIN
        self._ckern.sync_candidates(
            syms,
            self._w_pre,
            self._early + SYNC_SEARCH_SYMBOLS,
            self._search_tail,
            self._pre_next,
            self._sync_syms,
            cand,
        )
        failure, best = "sync_misses", None
        for pos in cand.tolist():
            if pos < 0:
                break
            found = self._check(syms, pos)
            if isinstance(found, str):
                failure = "header_rejects" if found == "header_rejects" else failure
                continue
            if found[1] <= self._max_sync_errors and found[3] == 0:
                best = found
                break
            if best is None or found[1] + found[3] < best[1] + best[3]:
                best = found
        if best is None:
            return failure
        pos, self._sync_errors, length, self._header_errors, first, w, alternates = best
        self._accept(pos, first, length, w)
        self._alternates = alternates
        return None

    def _check(self, syms: np.ndarray, pos: int):
        """(pos, sync errors, length, header errors, first known, w) of an acceptable
        candidate, else the name of the failure's counter."""
        out = self._check_out
        self._ckern.check_sync(
            syms,
            pos,
            self._pre_tail,
            self._sync_syms,
            self._sync_bits,
            self._qpsk,
            self._w_pre,
            MAX_PRE_ERROR_RAD,
            _golay_words(),
            self._header_syms,
            self._header_soft,
            out,
        )
        sync_errors = int(out[4])
        amp, noise = out[2], out[3]
        fitted = amp / math.sqrt(amp * amp + noise) if amp > 0 else 0.0
        scored = out[5] != 0.0  # 0 when too few preamble symbols precede the sync word
        if fitted < self._fit_threshold or (
            out[5] < self._sync_threshold if scored else sync_errors > self._max_sync_errors
        ):
            return "sync_misses"
        length, errors, alternates = int(out[6]), 0, ()
        if length < 0:
            if not scored:  # too little preamble to trust a noisy header
                return "header_rejects"
            length, errors, alternates = self._decode_header()
        if (
            errors > self._max_header_errors
            or sync_errors + errors > self._max_known_errors
            or length > self._max_payload
        ):
            return "header_rejects"
        return pos, sync_errors, length, errors, int(out[7]), float(out[0]), alternates

    def _restart_demod(self, w: float) -> None:
        """Demodulate the burst again from its start, derotated by ``w`` rad/symbol more.

        The acquisition's frequency can be far off at low SNR; the offset left then costs
        the matched filter and the loops SNR, so once per burst a large error found by the
        preamble fit restarts the demodulator (the raw samples are kept until the sync).
        """
        self._omega += w / self._sps
        self._state[:] = self._state0
        self._xd_len = 0
        self._xd0 = self._b0
        self._drot_next = self._b0
        self._nsym = 0
        self._reacquired = True

    def _decode_header(self) -> tuple[int, int, tuple[int, ...]]:
        """(length, hard-bit disagreements, runner-up lengths) of the corrected header
        symbols by maximum likelihood over the 4096 codewords and ``HEADER_PHASES_RAD``
        carrier phase offsets: the fit's phase is extrapolated past the sync word, and at low
        SNR its error alone can triple the header's bit errors. The ``HEADER_ALTERNATES``
        next most likely lengths stay in reserve for ``_settle_length``. Cost: a (phases x
        24) by (24 x 4096) product."""
        z = self._header_syms[None, :] * _header_turns()[:, None]
        soft = np.empty((z.shape[0], HEADER_BITS), dtype=np.float32)
        if self._qpsk:
            soft[:, 0::2] = z.real
            soft[:, 1::2] = z.imag
        else:
            soft[:] = z.real
        half = HEADER_BITS // 2
        book = header_codebook()
        scores = (soft[:, :half] + soft[:, half:]) @ book.T
        turn, length = np.unravel_index(int(np.argmax(scores)), scores.shape)
        expected = np.tile(book[length] < 0, 2)
        errors = int(np.count_nonzero((soft[turn] < 0) != expected))
        per_length = scores.max(axis=0)
        per_length[length] = -np.inf
        ranked = np.argpartition(-per_length, HEADER_ALTERNATES)[:HEADER_ALTERNATES]
        ranked = ranked[np.argsort(-per_length[ranked])]
        alternates = tuple(int(a) for a in ranked if a <= self._max_payload)
        return int(length), errors, alternates

    def _accept(self, pos: int, first: int, length: int, w: float) -> None:
        """Refit the carrier with the header known, re-lock the PLL, go on to the payload.

        ``first`` is the first known (preamble) symbol, ``w`` the first fit's frequency.
        """
        end = pos + self._n_sync + self._n_header
        n_tail = pos - first
        ref = self._ref[: end - first]
        ref[:n_tail] = self._pre_tail[self._pre_tail.size - n_tail :]
        ref[n_tail : n_tail + self._n_sync] = self._sync_syms
        header = self._header_cache.get(length)
        if header is None:
            header = self._header_cache[length] = _header_symbols(self.profile, length)
        ref[n_tail + self._n_sync :] = header
        fit = self._fit
        step = np.pi / (2 * (n_tail + self._n_sync))  # the first fit's grid step
        self._ckern.carrier_fit(self._syms[first:end], ref, w, 2 * step, fit)
        w, phi, amp, noise = fit.tolist()
        soft = 0.0
        if noise > 0 and amp * amp < SOFT_BELOW_ESN0 * noise:  # half an LLR per unit of z
            soft = (math.sqrt(2.0) if self._qpsk else 2.0) * amp / noise
        self._gains[4] = soft
        # a strong burst's locked loop tracks the carrier (and its phase noise) itself
        self._gains[5] = 0.0
        if amp * amp >= LOCKED_ABOVE_ESN0 * noise:
            self._gains[5] = 1.0
            done = self._syms[pos : self._nsym]  # sync word, header, payload so far
            self._kern.derotate(done, w, phi, pos - first, 1.0, done)
        theta = phi + w * (self._nsym - first)  # the carrier at the next symbol
        state = self._state
        state[L.COS] = math.cos(theta)
        state[L.SIN] = math.sin(theta)
        state[L.OMEGA] = w
        self._first_known = first
        self._payload_pos = end
        self._quiet_next = end  # first payload symbol not yet checked for a lost carrier
        self._quiet_floor = noise + QUIET_FRACTION * amp * amp
        self._end_mid = noise + 0.5 * amp * amp  # between noise and signal power
        self._sync_pos = pos
        self._length = length
        self._phase = _PAYLOAD
        self._target = end + -(-8 * length // self._bps)

    def _carrier_lost(self) -> int | None:
        """The first payload symbol of a whole ``QUIET_BLOCK_SYMBOLS`` block that fell to the
        noise floor, else None: the signal ended before the header's length, which at low
        SNR a wrongly decoded header causes now and then. Without this check such a burst
        would keep the receiver deaf to the bursts that follow."""
        stop = self._nsym - (self._nsym - self._quiet_next) % QUIET_BLOCK_SYMBOLS
        k = self._ckern.first_quiet_block(
            self._syms, self._quiet_next, stop, QUIET_BLOCK_SYMBOLS, self._quiet_floor
        )
        self._quiet_next = stop
        return None if k < 0 else int(k)

    def _settled_burst(self, quiet: int) -> Burst | None:
        """After a carrier loss at symbol ``quiet``: the burst with a runner-up header
        length that ends where the power does, else None (searching again from there)."""
        if self._settle_length(quiet + QUIET_BLOCK_SYMBOLS, self._nsym):  # may end inside it
            return self._finish()
        self.counters["carrier_losses"] += 1
        self._enter_search(int(self._times[quiet]) - self._sps * QUIET_BLOCK_SYMBOLS // 2)
        return None

    def _tail_is_signal(self) -> bool:
        """The last ``SETTLE_SYMBOLS`` symbols up to the target are signal, not noise."""
        n = min(SETTLE_SYMBOLS, self._target - self._payload_pos)
        tail = self._syms[self._target - n : self._target]
        return n <= 0 or float(np.vdot(tail, tail).real) > self._end_mid * n

    def _ends_here(self, end: int, stop: int) -> bool:
        """Signal in the ``SETTLE_SYMBOLS`` before symbol ``end``, noise after it (as far
        as ``stop``, the symbols demodulated and kept)."""
        n = SETTLE_SYMBOLS
        if end - n < self._payload_pos or end + n > stop:
            return False
        before = self._syms[end - n : end]
        after = self._syms[end : end + n]
        mid = self._end_mid
        return float(np.vdot(before, before).real) > mid * n > float(np.vdot(after, after).real)

    def _settle_length(self, last_end: int, stop: int) -> bool:
        """Switch to the most likely runner-up header length whose end (at most symbol
        ``last_end``) the burst's power confirms: signal before it, noise after it, within
        the ``stop`` symbols kept. True if one did. Only weak bursts keep runner-ups, and
        only when the best length could not be right: its end lies past the carrier's, or
        noise precedes it."""
        for length in self._alternates:
            end = self._payload_pos + -(-8 * length // self._bps)
            if end <= last_end and self._ends_here(end, stop):
                self.counters["header_fixes"] += 1
                self._length = length
                self._target = end
                self._alternates = ()
                return True
        return False

    def _abandon(self, counter: str) -> tuple[bool, None]:
        self.counters[counter] += 1
        self._enter_search(self._peak_abs + 1)
        return True, None

    def _finish(self) -> Burst:
        if self._gains[5] > 0:  # the payload came out of the locked phase loop
            known = self._syms[self._sync_pos : self._target]
            return self._make_burst(known, float(self._state[L.OMEGA]))
        first = self._first_known
        n_known = self._payload_pos - first
        w, phi, amp, noise = self._fit.tolist()
        esn0 = min(max(amp * amp / noise if noise > 0 else _MAX_SNR, 0.1), _MAX_SNR)
        # frequency uncertainty of the fit (Cramer-Rao) sets the burst-wide search range
        sigma_w = math.sqrt(6.0 / (esn0 * n_known * (n_known * n_known - 1) + 1e-30))
        half_window = int(min(max(1024.0 / esn0, 16), 768))
        z = self._syms[first : self._target]
        track = self._track[: z.size]
        w = self._ckern.carrier_track(
            z, n_known, w, phi, 6 * sigma_w + 2e-4, half_window, self._qpsk, track
        )
        return self._make_burst(track[self._sync_pos - first :], w)

    def _make_burst(self, syms: np.ndarray, w: float) -> Burst:
        """The burst of these carrier-corrected symbols (sync word, header, payload); ``w``
        the carrier's residual frequency (rad per symbol) after the acquired one."""
        llrs = np.empty(8 * self._length, dtype=np.float32)
        stats = self._stats_out
        n_skip = self._n_sync + self._n_header
        self._kern.burst_llrs(syms, self._qpsk, n_skip, _MAX_SNR, llrs, stats)
        snr_db = 10 * math.log10(stats[0] * stats[0] / stats[1]) if stats[3] else 0.0
        sps = self._sps
        rs = self.profile.symbol_rate_baud
        cfo_hz = (self._omega * sps + w) * rs / (2 * math.pi)
        start = math.floor(self._times[self._sync_pos] - sps / 2 + 0.5)
        self._enter_search(int(self._times[self._target - 1]) + sps)
        self.counters["bursts"] += 1
        return Burst(
            profile=self.profile.name,
            llrs=llrs,
            start_sample=start,
            sample_rate_hz=self.sample_rate_hz,
            snr_db=snr_db,
            cfo_hz=float(cfo_hz),
            evm_db=-snr_db,
            sync_errors=self._sync_errors,
            header_errors=self._header_errors,
        )

    # ----------------------------------------------------------------- memory
    def _trim(self) -> None:
        hist = self._lag + self._window
        if self._mode == _SEARCH:  # the detector's history, or the pending peak's window
            det = self._det
            first = det[L.D_FIRST]
            keep_abs = int(first if first >= 0 else det[L.D_POS]) - hist
        else:  # raw samples from before the strobe: a restarted detector needs them
            strobe = int(self._xd0 + self._state[L.T_NEXT])
            keep_abs = strobe - self._bank.shape[1] - 2 * self._sps - hist
            keep_abs -= 2 * QUIET_BLOCK_SYMBOLS * self._sps  # a carrier loss restarts there
            if self._phase == _SYNC:
                keep_abs = min(keep_abs, self._peak_abs + 1 - hist)
                if not self._reacquired:  # a restart needs the burst from its start
                    keep_abs = min(keep_abs, self._b0)
        keep = min(max(keep_abs - self._x0, 0), self._x.size)
        if keep > 0:
            self._x = self._x[keep:]
            self._x0 += keep
