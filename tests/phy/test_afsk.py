"""AFSK 1200: kernels vs twins, chunk invariance, round trips through impaired audio."""

import numpy as np
import pytest
from scipy import signal

from phy.afsk import AfskDemodulator, _kernels, _reference, afsk_modulate
from phy.channel import awgn
from phy.modem import make_receiver, modulate


def _line_bits(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random NRZI-coded, bit-stuffed line bits (what AX.25 puts on air): runs <= 6."""
    data = []
    ones = 0
    for b in rng.integers(0, 2, n):
        data.append(int(b))
        ones = ones + 1 if b else 0
        if ones == 5:
            data.append(0)
            ones = 0
    level = 1
    line = []
    for b in data:
        if b == 0:
            level ^= 1
        line.append(level)
    preamble = np.tile([0, 1, 1, 1, 1, 1, 1, 1], 8)  # flag-like run pattern
    return np.concatenate([preamble, np.array(line[:n], dtype=np.uint8)]).astype(np.uint8)


def _twist(audio: np.ndarray, sample_rate_hz: float, twist_db: float) -> np.ndarray:
    """Tilt the spectrum so 2200 Hz is ``twist_db`` above 1200 Hz (pre-emphasis-like)."""
    nyq = sample_rate_hz / 2
    freqs = np.array([0, 1200, 2200, nyq])
    gains_db = twist_db * (freqs - 1200) / 1000
    gains = 10 ** (np.clip(gains_db, -30, 30) / 20)
    taps = signal.firwin2(129, freqs, gains, fs=sample_rate_hz)
    return signal.lfilter(taps, 1.0, audio).astype(np.float32)


def _bit_errors(sent: np.ndarray, llrs: np.ndarray) -> int:
    """Errors after aligning ``sent`` with the hard decisions (best of all offsets)."""
    got = (llrs < 0).astype(np.int8)
    s = sent.astype(np.int8)
    core = s[200:-16]  # after the clock has converged
    best = core.size
    for offset in range(0, max(got.size - core.size + 1, 1)):
        window = got[offset : offset + core.size]
        if window.size < core.size:
            break
        best = min(best, int(np.count_nonzero(window != core)))
    return best


@pytest.mark.parametrize("n", [0, 1, 7, 4096])
def test_fir_decimate_matches_reference(n):
    rng = np.random.default_rng(n + 11)
    taps = rng.normal(size=9).astype(np.float32)
    ext = rng.normal(size=n + 8).astype(np.float32)
    results = []
    for impl in (_kernels, _reference):
        out = np.zeros(n + 2, dtype=np.float32)
        k, t = impl.fir_decimate(ext, taps, 4, 8, out)
        results.append((k, t, out[:k]))
    assert results[0][:2] == results[1][:2]
    np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("n", [0, 1, 7, 4096])
def test_tone_correlate_matches_reference(n):
    rng = np.random.default_rng(n)
    taps = rng.normal(size=(4, 9)).astype(np.float32)
    ext = rng.normal(size=n + 8).astype(np.float32)
    results = []
    for impl in (_kernels, _reference):
        out_m = np.zeros(n + 2, dtype=np.float32)
        out_s = np.zeros(n + 2, dtype=np.float32)
        k, t = impl.tone_correlate(ext, taps, 3, 8, out_m, out_s)
        results.append((k, t, out_m[:k], out_s[:k]))
    assert results[0][:2] == results[1][:2]
    np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(results[0][3], results[1][3], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("timing", ["crossing", "gardner"])
@pytest.mark.parametrize("n", [0, 1, 7, 4096])
def test_slice_bits_matches_reference(n, timing):
    rng = np.random.default_rng(n + 1)
    demod = AfskDemodulator(
        sample_rate_hz=9600,
        n_slicers=3,
        window_symbols=(1.6, 1.2),
        timing=timing,
        search_gain=0.3,
    )
    # envelopes of a noisy bit pattern, so that the clock locks and the rate moves too
    bits = np.repeat(rng.integers(0, 2, n // 8 + 1), 8)[:n]
    env_m = (bits + 0.3 * rng.random((2, n))).astype(np.float32)
    env_s = (1 - bits + 0.3 * rng.random((2, n))).astype(np.float32)
    env_m[:, 2 * n // 3 :] *= 0.01  # a weaker signal: the fast peak decay runs too
    env_s[:, 2 * n // 3 :] *= 0.01
    results = []
    for impl in (_kernels, _reference):
        state = demod._state.copy()
        llrs = np.zeros((6, n + 2), dtype=np.float32)
        times = np.zeros(n + 2)
        k = impl.slice_bits(env_m, env_s, demod.gains, demod._params, state, llrs, times)
        results.append((k, state, llrs[:, :k], times[:k]))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(results[0][3], results[1][3], rtol=1e-9, atol=1e-9)


def test_demodulator_is_chunk_invariant():
    rng = np.random.default_rng(5)
    fs = 22050
    audio = afsk_modulate(_line_bits(rng, 600), sample_rate_hz=fs)
    audio = awgn(audio, rng=rng, sample_rate_hz=fs, bit_rate_bps=1200, ebn0_db=10)
    demod = AfskDemodulator(sample_rate_hz=fs, n_slicers=3, window_symbols=(1.6, 1.3))
    whole = demod.process(audio)
    demod.reset()
    splits = np.sort(rng.choice(np.arange(1, audio.size), size=12, replace=False))
    parts = np.concatenate([demod.process(c) for c in np.split(audio, splits)], axis=1)
    assert whole.shape[0] == demod.n_slicers == 6
    np.testing.assert_array_equal(whole, parts)


@pytest.mark.parametrize(
    ("sample_rate_hz", "twist_db", "baud", "tone_scale"),
    [
        (48000, 0.0, 1200, 1.0),
        (44100, 9.0, 1200, 1.0),
        (22050, -9.0, 1240, 1.0),
        (11025, 6.0, 1164, 1.02),
        (8000, -6.0, 1230, 0.98),
    ],
)
def test_round_trip_through_twist_clock_and_tone_errors(sample_rate_hz, twist_db, baud, tone_scale):
    rng = np.random.default_rng(int(sample_rate_hz))
    bits = _line_bits(rng, 1500)
    audio = afsk_modulate(
        bits,
        sample_rate_hz=sample_rate_hz,
        baud=baud,
        mark_hz=1200 * tone_scale,
        space_hz=2200 * tone_scale,
        amplitude=0.3,
    )
    audio = _twist(audio, sample_rate_hz, twist_db) + np.float32(0.2)  # DC offset
    demod = AfskDemodulator(sample_rate_hz=sample_rate_hz)
    rows = demod.process(audio)
    assert rows.dtype == np.float32
    assert rows.shape[0] == demod.n_slicers == 3  # three correlator windows by default
    assert abs(rows.shape[1] - bits.size * 1200 / baud) < 0.06 * bits.size
    for llrs in rows:
        assert _bit_errors(bits, llrs) == 0


def test_native_bursts_at_changing_levels_and_rates():
    rng = np.random.default_rng(7)
    for fs in (48000, 22050):
        payloads = [bytes(rng.integers(0, 256, k, dtype=np.uint8)) for k in (1, 40, 200)]
        pieces = []
        for payload, level in zip(payloads, (1.0, 0.02, 0.5), strict=True):
            burst = modulate("afsk1200", payload, sample_rate_hz=fs) * np.float32(level)
            pieces += [np.zeros(777, dtype=np.float32), burst]
        audio = np.concatenate([*pieces, np.zeros(300, dtype=np.float32)])
        audio = awgn(audio, rng=rng, sample_rate_hz=fs, snr_db=40)
        receiver = make_receiver("afsk1200", sample_rate_hz=fs)
        splits = np.sort(rng.choice(np.arange(1, audio.size), size=7, replace=False))
        bursts = [b for chunk in np.split(audio, splits) for b in receiver.process(chunk)]
        bursts += receiver.flush()
        assert [b.payload for b in bursts] == payloads
        first_sync = 777 + 64 * fs / 1200
        assert abs(bursts[0].start_sample - first_sync) < 0.2 * fs / 1200
        assert all(b.sample_rate_hz == fs and b.snr_db > 10 for b in bursts[1:])


def test_native_round_trip_at_moderate_noise():
    rng = np.random.default_rng(8)
    payload = bytes(rng.integers(0, 256, 100, dtype=np.uint8))
    audio = np.concatenate([np.zeros(2000, np.float32), modulate("afsk1200", payload)])
    power = float(np.mean(audio[2000:] ** 2))
    noisy = awgn(
        audio, rng=rng, sample_rate_hz=48000, bit_rate_bps=1200, ebn0_db=16, signal_power=power
    )
    receiver = make_receiver("afsk1200")
    bursts = receiver.process(noisy) + receiver.flush()
    assert len(bursts) == 1
    assert bursts[0].payload == payload


@pytest.mark.parametrize("fs", [48000, 8000])
def test_noise_and_garbage_do_not_raise(fs):
    rng = np.random.default_rng(9)
    receiver = make_receiver("afsk1200", sample_rate_hz=fs)
    demod = AfskDemodulator(sample_rate_hz=fs, n_slicers=5)
    garbage = [
        rng.normal(size=fs).astype(np.float32),
        np.full(333, np.nan, dtype=np.float32),
        np.full(100, np.inf, dtype=np.float32),
        (rng.integers(-1, 2, 5000) * 1e6).astype(np.float32),
        np.zeros(0, dtype=np.float32),
        np.zeros(1000, dtype=np.float32),
    ]
    for chunk in garbage:
        for burst in receiver.process(chunk):
            assert burst.llrs.dtype == np.float32
        llrs = demod.process(chunk)
        assert llrs.shape[0] == demod.n_slicers == 15
        assert np.all(np.isfinite(llrs))
    receiver.flush()
    # still decodes after the garbage
    payload = b"after garbage"
    receiver.reset()
    out = receiver.process(modulate("afsk1200", payload, sample_rate_hz=fs)) + receiver.flush()
    assert [b.payload for b in out] == [payload]
