"""Streaming BPSK/QPSK burst receiver with cold-start acquisition on every burst.

Pipeline (all at the profile's native rate, ``sps`` = 2 or 4 samples per symbol):

1. Detector (``_kernels.detect``, every sample while searching; restarted after each burst):
   one-symbol-lag correlation ``P`` and energy ``E`` over ``DETECT_SYMBOLS`` symbols. The
   alternating preamble gives ``|P| / E = S / (S + N)`` with ``arg P = pi + 2 pi f T``; a
   trigger needs ``|P| >= threshold * E`` and ``|f| <= max_cfo_hz`` (which also rejects DC
   and lone tones), then the largest ``|P|`` in the next ``PEAK_SYMBOLS`` symbols (a window
   wholly inside the preamble) marks the preamble window.
2. Acquisition (``_kernels.acquire_window``, maths in ``_acquire``): frequency, phase,
   timing and level from that window.
3. Demodulation (``_kernels.derotate``, ``_kernels.demod``) from up to ``EARLY_SYMBOLS``
   before the window start: derotation by the acquired frequency, a 32-phase polyphase
   matched filter, Mueller-Muller timing loop; the phase loop stays open until step 4.
4. Sync word (``_kernels.sync_header``): the largest correlation with the sync word in the
   first ``SYNC_SEARCH_SYMBOLS`` symbols; a data-aided carrier fit (``_aided``) on the
   preamble tail and sync word corrects the symbols and resolves the 2- or 4-fold
   ambiguity; accepted with at most ``max_sync_errors`` hard errors or a soft correlation
   of at least ``sync_threshold`` (carrier fitted on the preamble alone).
5. PHY header (read directly when both halves are the same codeword, else
   ``phy.framing.decode_header``); a second fit with the header as known symbols restarts
   the decision-directed PLL locked, its gains divided by the detector's slope at the
   burst's SNR and with soft decisions below Es/N0 10 dB. Then the payload;
   ``_kernels.burst_llrs`` scales the LLRs from a decision-directed estimate of amplitude
   and noise over sync word, header and payload.
"""

from __future__ import annotations

import math
from functools import cache, lru_cache

import numpy as np

from phy.burst import Burst
from phy.errors import ConfigError
from phy.framing import (
    HEADER_BITS,
    MAX_PAYLOAD_BYTES,
    decode_header,
    encode_header,
    golay24_encode,
)
from phy.profiles import Profile, get_profile
from phy.psk import _layout as L
from phy.psk._acquire import FINE_LAG_SYMBOLS
from phy.psk._aided import carrier_from_known, decision_gain, level_and_noise, sync_score
from phy.psk._modulator import bits_to_symbols, preamble_symbols
from phy.psk._pulse import matched_filter_bank, timing_gain

__all__ = ["Receiver", "loop_gains"]


@cache
def _golay_words() -> np.ndarray:
    """All 4096 extended Golay codewords, indexed by their 12 data bits."""
    return np.array([golay24_encode(d) for d in range(4096)], dtype=np.int64)


@lru_cache(maxsize=2 * (MAX_PAYLOAD_BYTES + 1))
def _header_symbols(profile: Profile, length: int) -> np.ndarray:
    """The PHY header's symbols for a payload of ``length`` bytes (cached)."""
    return bits_to_symbols(profile, encode_header(length))


def _kernels():
    """phy.psk._kernels, imported by the first Receiver (importing it loads Numba)."""
    from phy.psk import _kernels

    return _kernels


DETECT_SYMBOLS = 40  # detector window
PEAK_SYMBOLS = DETECT_SYMBOLS + 2  # how far past the first trigger the window is sought
DEROTATE_BLOCK = 16384  # most samples derotated per step
SYNC_SEARCH_SYMBOLS = 72  # where the sync word may start, counted from the window start
EARLY_SYMBOLS = 32  # preamble symbols demodulated before the window, when still buffered
_SEARCH, _DEMOD = 0, 1
_SYNC, _PAYLOAD = 0, 1
KNOWN_PREAMBLE_SYMBOLS = 64  # preamble symbols before the sync word used by the carrier fit
MIN_SCORE_PREAMBLE = 16  # preamble symbols needed to score the sync word independently
_BIT_WEIGHTS = 1 << np.arange(23, -1, -1, dtype=np.int64)  # 24 bits MSB first -> int
SOFT_PLL_BELOW_ESN0 = 10.0  # soft-decision PLL below this Es/N0 (linear)
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
    max_sync_errors : sync-word hard-bit disagreements accepted outright (0..7).
    max_header_errors : header bit disagreements tolerated (of 48).
    max_payload_bytes : longer headers count as false detections.
    max_cfo_hz : carrier offsets accepted by the detector (default 30 kHz, at most Rs/4).
    detect_threshold : ``|P| / E`` needed to trigger (default 0.2 at 4 sps, 0.3 at 2 sps).
    timing_bandwidth, phase_bandwidth : loop noise bandwidths, times the symbol rate.
    sync_threshold : normalised soft sync correlation that accepts a sync word otherwise.
    strong_sync, max_header_errors_strong : from this correlation on, the looser limit.

    ``process(samples)`` returns the bursts completed in ``samples``. Cost: about 15 flops
    per sample while searching; inside bursts one derotation per sample and, per symbol, one
    ``RX_SPAN_SYMBOLS * sps``-tap matched-filter output plus ~30 flops (two tanh below
    Es/N0 10 dB); about 75 us of fixed work per burst (150 us on the soft-sync path).
    Memory is bounded by one maximal burst of symbols plus one chunk.
    """

    def __init__(
        self,
        *,
        profile: str | Profile,
        max_sync_errors: int = 3,
        max_header_errors: int = 8,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
        max_cfo_hz: float = 30e3,
        detect_threshold: float | None = None,
        timing_bandwidth: float = 0.002,
        phase_bandwidth: float = 0.004,
        sync_threshold: float = 0.6,
        strong_sync: float = 0.72,
        max_header_errors_strong: int = 10,
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
        self.profile = profile
        self.sample_rate_hz = profile.sample_rate_hz
        self._sps = sps
        self._qpsk = profile.modulation == "qpsk"
        self._bps = profile.bits_per_symbol
        self._max_sync_errors = max_sync_errors
        self._max_header_errors = max_header_errors
        self._sync_threshold = float(sync_threshold)
        self._strong_sync = float(strong_sync)
        self._max_header_errors_strong = max(max_header_errors_strong, max_header_errors)
        self._max_payload = min(max_payload_bytes, MAX_PAYLOAD_BYTES)
        threshold = detect_threshold or (0.2 if sps >= 4 else 0.3)
        self._thr2 = float(threshold * threshold)
        self._cos2 = float(np.cos(2 * np.pi * max_cfo_hz / rs) ** 2)
        self._bank = matched_filter_bank(sps, profile.rolloff)
        half = self._bank.shape[1] // 2
        m = np.arange(2 * half) - half + 1
        self._tone_gain = float(np.dot(self._bank[0], np.cos(np.pi * m / sps)))
        kp_t, ki_t = loop_gains(timing_bandwidth, 1.0, timing_gain(profile.rolloff) / sps)
        kp_p, ki_p = loop_gains(phase_bandwidth, 0.707, 1.0)
        self._phase_bandwidth = phase_bandwidth
        self._gains_track = np.array([kp_t, ki_t, kp_p, ki_p, 0.0], dtype=np.float64)
        self._gains_open = np.array([kp_t, ki_t, 0.0, 0.0, 0.0], dtype=np.float64)
        self._lag = sps
        self._window = DETECT_SYMBOLS * sps
        sync = (profile.sync_word >> np.arange(profile.sync_bits - 1, -1, -1)) & 1
        self._sync_bits = sync.astype(np.uint8)
        self._sync_syms = bits_to_symbols(profile, self._sync_bits)
        self._n_sync = self._sync_syms.size
        n_pre = min(KNOWN_PREAMBLE_SYMBOLS, profile.preamble_bits)
        pre_bits = (np.arange(profile.preamble_bits) % 2 == 0).astype(np.uint8)
        self._pre_syms = preamble_symbols(profile, pre_bits[profile.preamble_bits - n_pre :])
        self._n_header = HEADER_BITS // self._bps
        max_bits = profile.sync_bits + HEADER_BITS + 8 * self._max_payload
        self._syms = np.zeros(
            EARLY_SYMBOLS + SYNC_SEARCH_SYMBOLS + -(-max_bits // self._bps), np.complex64
        )
        self._times = np.zeros(self._syms.size, dtype=np.float64)
        self._header_soft = np.zeros(HEADER_BITS, dtype=np.float32)
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
        omega, phase, peak_t, level = (float(v) for v in acq)
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
                self._gains_open if self._phase == _SYNC else self._gains_track,
                self._qpsk,
                self._syms[before : self._target],
                self._times[before : self._target],
            )
            self._nsym += n
            self._times[before : self._nsym] += self._xd0
            if self._nsym < self._target:
                if n == 0 and self._state[L.T_NEXT] < self._bank.shape[1] // 2:
                    return self._abandon("sync_misses")  # loops derailed: only on garbage
                if self._drot_next < self._x0 + self._x.size:
                    continue
                return False, None
            if self._phase == _SYNC:
                failure = self._sync_and_header()
                if failure is not None:
                    return self._abandon(failure)
            else:
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
        """Find the sync word, fix the carrier on the known symbols, read the header.

        The kernel picks the position of the largest sync correlation; the preamble tail
        and sync word there give a data-aided frequency and phase (``_aided``), which
        correct the sync and header symbols and restart the phase loop locked. Accepted when
        the corrected sync word's normalised correlation reaches ``sync_threshold`` (or it
        has at most ``max_sync_errors`` hard errors); the header may then have
        ``max_header_errors`` disagreements, ``max_header_errors_strong`` when the
        correlation reaches ``strong_sync``. Returns None, or the counter of the failure.
        """
        out = self._sync_out
        n = SYNC_SEARCH_SYMBOLS + self._n_sync + self._n_header
        every_bit = self._n_sync * self._bps
        early = self._early
        if not self._kern.sync_header(
            self._syms[early : early + n],
            self._sync_syms,
            self._sync_bits,
            self._qpsk,
            every_bit,
            _golay_words(),
            self._header_soft,
            out,
        ):
            return "sync_misses"
        pos = int(out[0]) + early
        n_pre = min(pos, self._pre_syms.size)
        first = pos - n_pre
        ref = np.concatenate([self._pre_syms[self._pre_syms.size - n_pre :], self._sync_syms])
        end = pos + self._n_sync + self._n_header
        done = self._nsym  # symbols demodulated so far (with the phase loop open)
        raw = self._syms[first:done].copy()
        if out[2] <= self._max_sync_errors and out[3] >= 0:  # clean: hard match, header direct
            sync_errors, length, errors = int(out[2]), int(out[3]), 0
        else:
            found = self._weak_sync(pos, first, ref, raw)
            if isinstance(found, str):
                return found
            sync_errors, length, errors = found
        if length > self._max_payload:
            return "header_rejects"
        # refit on everything known now: preamble tail, sync word and the decoded header
        ref = np.concatenate([ref, _header_symbols(self.profile, length)])
        w, phi = carrier_from_known(raw[: ref.size], ref)
        turn = np.exp(-1j * (phi + w * np.arange(done - first)))
        self._syms[first:done] = (raw * turn).astype(np.complex64)
        amp, noise = level_and_noise(self._syms[first:end], ref)
        esn0 = amp * amp / noise if noise > 0 and amp > 0 else math.inf
        soft, gain = 0.0, 1.0
        if esn0 < SOFT_PLL_BELOW_ESN0:  # soft decisions: LLR / 2 per unit of z
            soft = (math.sqrt(2.0) if self._qpsk else 2.0) * amp / noise
            gain = decision_gain(esn0, self._qpsk, soft)
        kp_p, ki_p = loop_gains(self._phase_bandwidth, 0.707, gain)
        self._gains_track[2] = kp_p
        self._gains_track[3] = ki_p
        self._gains_track[4] = soft
        # restart the phase loop locked: the phasor and frequency of the fit, at symbol n
        state = self._state
        rot = complex(state[L.COS], state[L.SIN]) * np.exp(1j * (phi + w * (done - first)))
        state[L.COS] = rot.real
        state[L.SIN] = rot.imag
        state[L.OMEGA] = w
        self._k = 0
        self._sync_errors = sync_errors
        self._sync_pos = pos
        self._length = length
        self._header_errors = errors
        self._phase = _PAYLOAD
        self._target = end + -(-8 * length // self._bps)
        return None

    def _weak_sync(self, pos: int, first: int, ref: np.ndarray, raw: np.ndarray):
        """Sync check and header read on symbols corrected by a fit over preamble + sync.

        Returns (sync errors, length, header disagreements) or the failure's counter name.
        """
        w, phi = carrier_from_known(raw[: ref.size], ref)
        self._syms[first : first + raw.size] = (
            raw * np.exp(-1j * (phi + w * np.arange(raw.size)))
        ).astype(np.complex64)
        end = pos + self._n_sync + self._n_header
        sync_soft = np.empty(self._n_sync * self._bps, dtype=np.float32)
        self._soft_bits(self._syms[pos : pos + self._n_sync], sync_soft)
        sync_errors = int(np.count_nonzero((sync_soft < 0) != (self._sync_bits != 0)))
        score = 1.0  # a hard match (<= max_sync_errors of 32) is taken as a strong sync
        if sync_errors > self._max_sync_errors:
            score = self._independent_score(first, pos)
            if score < self._sync_threshold:
                return "sync_misses"
        self._soft_bits(self._syms[pos + self._n_sync : end], self._header_soft)
        length, errors = self._read_header()
        limit = self._max_header_errors
        if score >= self._strong_sync:
            limit = self._max_header_errors_strong
        if errors > limit:
            return "header_rejects"
        return sync_errors, length, errors

    def _read_header(self) -> tuple[int, int]:
        """(length, disagreements) of ``_header_soft``; direct when both halves are one word."""
        hard = (self._header_soft < 0).astype(np.int64)
        word = int(hard[:24] @ _BIT_WEIGHTS)
        if word == int(hard[24:] @ _BIT_WEIGHTS) and _golay_words()[word >> 12] == word:
            return word >> 12, 0
        return decode_header(self._header_soft)

    def _independent_score(self, first: int, pos: int) -> float:
        """Sync-word correlation with the carrier fitted on the preamble tail alone.

        The fit does not see the sync word, so on noise the score is not inflated by it
        With too short a tail the score is 0 (only a hard-decision match can pass).
        """
        n_sync = self._n_sync
        syms = self._syms  # already corrected by the joint fit
        if pos - first < MIN_SCORE_PREAMBLE:
            return 0.0
        w, phi = carrier_from_known(
            syms[first:pos], self._pre_syms[self._pre_syms.size - (pos - first) :]
        )
        k = np.arange(pos - first, pos - first + n_sync)
        return sync_score(syms[pos : pos + n_sync] * np.exp(-1j * (phi + w * k)), self._sync_syms)

    def _soft_bits(self, syms: np.ndarray, out: np.ndarray) -> None:
        """Soft bits of symbols (BPSK ``Re``; QPSK ``Re, Im`` interleaved) into ``out``."""
        if self._qpsk:
            out[0::2] = syms.real
            out[1::2] = syms.imag
        else:
            out[:] = syms.real

    def _abandon(self, counter: str) -> tuple[bool, None]:
        self.counters[counter] += 1
        self._enter_search(self._peak_abs + 1)
        return True, None

    def _finish(self) -> Burst:
        llrs = np.empty(8 * self._length, dtype=np.float32)
        stats = self._stats_out
        self._kern.burst_llrs(
            self._syms[self._sync_pos : self._target],
            self._k,
            self._qpsk,
            self._n_sync + self._n_header,
            _MAX_SNR,
            llrs,
            stats,
        )
        snr_db = 10 * math.log10(stats[0] * stats[0] / stats[1]) if stats[3] else 0.0
        sps = self._sps
        rs = self.profile.symbol_rate_baud
        cfo_hz = (self._omega * sps + self._state[L.OMEGA]) * rs / (2 * math.pi)
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
            if self._phase == _SYNC:
                keep_abs = min(keep_abs, self._peak_abs + 1 - hist)
        keep = min(max(keep_abs - self._x0, 0), self._x.size)
        if keep > 0:
            self._x = self._x[keep:]
            self._x0 += keep
