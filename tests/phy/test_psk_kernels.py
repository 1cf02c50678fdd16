"""PSK Numba kernels against their NumPy twins, and their streaming behaviour."""

import numpy as np
import pytest

from phy.framing import frame_bits, golay24_encode
from phy.profiles import get_profile
from phy.psk import _kernels, _layout, _reference, bits_to_symbols, modulate_bits
from phy.psk._pulse import matched_filter_bank

LENGTHS = [0, 1, 7, 4096]


def _noise(n, rng):
    return (rng.standard_normal(2 * n) / np.sqrt(2)).astype(np.float32).view(np.complex64)


def _detector_state(position, lag, window):
    state = np.zeros(_layout.D_N_STATE)
    state[_layout.D_AGE] = 8 * window - 1
    state[_layout.D_POS] = position
    state[_layout.D_ARM] = position + lag + window - 1
    state[_layout.D_FIRST] = -1
    return state


def _preamble_in_noise(n, rng, sps=4, at=1000):
    """Noise with an alternating-symbol tone pair (a preamble, 2 kHz-ish offset) from ``at``."""
    x = 0.3 * _noise(n, rng)
    k = np.arange(max(n - at, 0))
    x[at:] += np.cos(np.pi * k / sps) * np.exp(1j * (0.003 * k + 1.0))
    return x.astype(np.complex64)


@pytest.mark.parametrize("n", LENGTHS)
def test_detect_matches_reference(n):
    rng = np.random.default_rng(n)
    lag, window, peak_len = 4, 160, 168
    x = np.concatenate([np.zeros(lag + window, np.complex64), _preamble_in_noise(n, rng)])
    x0 = -(lag + window)
    results = []
    for impl in (_kernels, _reference):
        state = _detector_state(0, lag, window)
        found = impl.detect(x, x0, n, lag, window, 0.0625, 0.9, peak_len, state)
        results.append((found, state))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-4, atol=1e-3)
    if n == 4096:  # the tone pair triggers; the peak is inside the preamble
        assert results[0][0] == 1
        assert 1000 + window <= results[0][1][_layout.D_PEAK] < 1000 + window + peak_len


def test_detect_is_chunk_invariant_and_quiet_on_noise():
    rng = np.random.default_rng(3)
    lag, window, n = 2, 80, 6000
    x = np.concatenate([np.zeros(lag + window, np.complex64), _preamble_in_noise(n, rng, 2, 4000)])

    def run(stops):
        state = _detector_state(0, lag, window)
        for stop in stops:
            while _kernels.detect(x, -lag - window, stop, lag, window, 0.1225, 0.9, 84, state):
                return state, stop
        return state, None

    stops = np.sort(rng.choice(np.arange(1, n), size=12, replace=False)).tolist()
    whole, _ = run([n])
    parts, _ = run([*stops, n])
    np.testing.assert_array_equal(whole, parts)
    assert 4000 < whole[_layout.D_PEAK] < 4000 + window + 84
    quiet, _ = run([3900])  # noise alone: no trigger
    assert quiet[_layout.D_FIRST] == -1


@pytest.mark.parametrize("n", LENGTHS)
def test_derotate_matches_reference_and_is_chunk_invariant(n):
    rng = np.random.default_rng(n)
    x = _noise(n, rng)
    omega, phase0, n0 = 0.0123, 0.4, 1000
    outs = []
    for impl in (_kernels, _reference):
        out = np.zeros(n, np.complex64)
        impl.derotate(x, omega, phase0, n0, 1.5, out)
        outs.append(out)
    np.testing.assert_allclose(outs[0], outs[1], atol=1e-5)
    if n > 100:
        parts = []
        for lo, hi in ((0, 77), (77, 1000), (1000, n)):
            out = np.zeros(hi - lo, np.complex64)
            _kernels.derotate(x[lo:hi], omega, phase0, n0 + lo, 1.5, out)
            parts.append(out)
        np.testing.assert_array_equal(np.concatenate(parts), outs[0])


def _psk_samples(name, n_bytes, rng):
    p = get_profile(name)
    return p, modulate_bits(p, frame_bits(p, rng.bytes(n_bytes)))


def _demod_state(t0):
    state = np.zeros(_layout.N_STATE)
    state[_layout.T_NEXT] = t0
    state[_layout.COS] = 1.0
    return state


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("name", ["bpsk250k", "qpsk1m"])
def test_demod_matches_reference(n, name):
    rng = np.random.default_rng(n)
    p, x = _psk_samples(name, 600, rng)
    sps = p.samples_per_symbol
    xd = (x[:n] * np.exp(1j * 0.3) + 0.05 * _noise(min(n, x.size), rng)).astype(np.complex64)
    bank = matched_filter_bank(sps, p.rolloff)
    gains = np.array([0.01, 1e-4, 0.05, 1e-3])
    t0 = 6 * sps + 0.3  # a symbol peak of the modulator, slightly off
    results = []
    for impl in (_kernels, _reference):
        state = _demod_state(t0)
        out = np.zeros(n // sps + 1, np.complex64)
        out_t = np.zeros(n // sps + 1)
        k = impl.demod(xd, bank, sps, state, gains, p.modulation == "qpsk", out, out_t)
        results.append((k, out[:k], out_t[:k], state))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], atol=2e-3)
    np.testing.assert_allclose(results[0][2], results[1][2], atol=1e-3)
    np.testing.assert_allclose(results[0][3], results[1][3], atol=2e-3)
    if n == 4096:  # the timing loop sits on the pulse peaks: a constant-modulus constellation
        mag = np.abs(results[0][1][20:])
        assert np.std(mag) < 0.1 * np.mean(mag)


def test_demod_is_chunk_invariant():
    rng = np.random.default_rng(5)
    p, x = _psk_samples("qpsk250k", 300, rng)
    sps = p.samples_per_symbol
    bank = matched_filter_bank(sps, p.rolloff)
    gains = np.array([0.01, 1e-4, 0.05, 1e-3])

    def run(stops):
        state = _demod_state(6 * sps)
        out = np.zeros(x.size, np.complex64)
        out_t = np.zeros(x.size)
        n = 0
        for stop in stops:
            n += _kernels.demod(x[:stop], bank, sps, state, gains, True, out[n:], out_t[n:])
        return out[:n], out_t[:n]

    stops = np.sort(rng.choice(np.arange(1, x.size), size=9, replace=False)).tolist()
    whole = run([x.size])
    parts = run([*stops, x.size])
    np.testing.assert_array_equal(whole[0], parts[0])
    np.testing.assert_array_equal(whole[1], parts[1])


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("qpsk", [False, True])
def test_symbol_stats_match_reference(n, qpsk):
    rng = np.random.default_rng(n)
    z = (np.exp(1j * (np.pi / 4 if qpsk else 0)) * rng.choice([1, 1j, -1, -1j], n)).astype(
        np.complex64
    ) + 0.2 * _noise(n, rng)
    outs = []
    for impl in (_kernels, _reference):
        out = np.zeros(2)
        impl.symbol_stats(z, qpsk, out)
        outs.append(out)
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("n", LENGTHS)
def test_acquire_window_matches_reference(n):
    rng = np.random.default_rng(n)
    sps = 4
    k = np.arange(n)
    # alternating preamble tone pair: peak at 1.3 samples, 5 kHz-ish offset, phase 0.4
    x = np.cos(np.pi * (k - 1.3) / sps) * np.exp(1j * (0.02 * k + 0.4)) + 0.1 * _noise(n, rng)
    x = x.astype(np.complex64)
    lag = np.sum(x[sps:] * np.conj(x[:-sps])) if n > sps else 0j
    outs = []
    for impl in (_kernels, _reference):
        out = np.zeros(4)
        impl.acquire_window(x, lag.real, lag.imag, sps, 8 * sps, out)
        outs.append(out)
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-4, atol=1e-4)
    if n == 4096:
        assert outs[0][0] == pytest.approx(0.02, abs=1e-4)
        assert outs[0][2] == pytest.approx(1.3, abs=0.05)
        assert (outs[0][1] - 0.4 + np.pi / 2) % np.pi == pytest.approx(np.pi / 2, abs=0.05)


def _burst_symbols(name, n, k, rng, noise=0.3):
    """``n`` symbols: 5 of noise, sync word, header, data, noise; rotated by ``k`` turns."""
    p = get_profile(name)
    qpsk = p.modulation == "qpsk"
    bits = frame_bits(p, rng.bytes(40))[p.preamble_bits :]
    syms = np.concatenate([_noise(5, rng), bits_to_symbols(p, bits), _noise(n, rng)])[:n]
    turn = np.exp(1j * (np.pi / 2 if qpsk else np.pi) * k)
    return p, (syms * turn + noise * _noise(n, rng)).astype(np.complex64)


def _sync_args(p):
    sync = ((p.sync_word >> np.arange(p.sync_bits - 1, -1, -1)) & 1).astype(np.uint8)
    golay = np.array([golay24_encode(d) for d in range(4096)], dtype=np.int64)
    return bits_to_symbols(p, sync), sync, golay


@pytest.mark.parametrize("n", [*LENGTHS, 120])
@pytest.mark.parametrize("name", ["bpsk1m", "qpsk250k"])
def test_sync_header_matches_reference(n, name):
    rng = np.random.default_rng(n)
    p, syms = _burst_symbols(name, n, 3, rng)
    sync_syms, sync_bits, golay = _sync_args(p)
    qpsk = p.modulation == "qpsk"
    results = []
    for impl in (_kernels, _reference):
        soft = np.zeros(48, np.float32)
        out = np.zeros(4, np.int64)
        found = impl.sync_header(syms, sync_syms, sync_bits, qpsk, 3, golay, soft, out)
        results.append((found, soft, out))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][2], results[1][2])
    np.testing.assert_allclose(results[0][1], results[1][1], atol=1e-6)
    if n >= 120:  # a clean frame: found at symbol 5, the rotation undone, the length read
        assert results[0][0] == 1
        assert results[0][2][:4].tolist() == [5, 3 % (4 if qpsk else 2), 0, 40]


def test_sync_header_misses_on_noise_and_reports_unclean_headers():
    rng = np.random.default_rng(1)
    p, syms = _burst_symbols("qpsk1m", 120, 0, rng, noise=0.0)
    sync_syms, sync_bits, golay = _sync_args(p)
    soft, out = np.zeros(48, np.float32), np.zeros(4, np.int64)
    args = (sync_syms, sync_bits, True, 3, golay, soft, out)
    assert _kernels.sync_header(_noise(120, rng), *args) == 0
    syms[5 + 16 + 3] *= -1  # one header symbol flipped: the halves disagree
    assert _kernels.sync_header(syms, *args) == 1
    assert out[3] == -1


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("name", ["bpsk250k", "qpsk1m"])
def test_burst_llrs_match_reference(n, name):
    rng = np.random.default_rng(n)
    p = get_profile(name)
    qpsk = p.modulation == "qpsk"
    bits = rng.integers(0, 2, n * p.bits_per_symbol).astype(np.uint8)
    syms = (bits_to_symbols(p, bits) + 0.3 * _noise(n, rng)).astype(np.complex64)
    skip = min(n, 3)
    results = []
    for impl in (_kernels, _reference):
        llrs = np.zeros(2 * n, np.float32)
        out = np.zeros(4)
        impl.burst_llrs(syms, qpsk, skip, 1e6, llrs, out)
        results.append((llrs, out))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-4)
    if n == 4096:  # unit symbols plus noise of variance 0.09: A ~ 1
        assert results[0][1][3] == 1.0
        assert results[0][1][0] == pytest.approx(1.0, abs=0.05)
        ref = syms[skip:]
        soft = ref.view(np.float32) if qpsk else ref.real
        assert np.all(np.sign(results[0][0][: soft.size]) == np.sign(soft))
