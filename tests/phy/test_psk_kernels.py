"""PSK Numba kernels against their NumPy twins, and their streaming behaviour."""

import numpy as np
import pytest

from phy.framing import frame_bits
from phy.profiles import get_profile
from phy.psk import _kernels, _layout, _reference, modulate_bits
from phy.psk._pulse import matched_filter_bank

LENGTHS = [0, 1, 7, 4096]


def _noise(n, rng):
    return (rng.standard_normal(2 * n) / np.sqrt(2)).astype(np.float32).view(np.complex64)


@pytest.mark.parametrize("n", LENGTHS)
def test_lag_correlate_matches_reference(n):
    rng = np.random.default_rng(n)
    lag, window = 4, 40
    ext = np.concatenate([np.zeros(lag + window, np.complex64), _noise(n, rng)])
    results = []
    for impl in (_kernels, _reference):
        state = np.zeros(4)
        corr = np.zeros(n, np.complex64)
        trig = np.zeros(n, np.bool_)
        k = impl.lag_correlate(ext, lag, window, 0.02, 0.5, state, corr, trig)
        results.append((k, corr, trig, state[:3]))
    assert results[0][0] == results[1][0] == n
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(results[0][3], results[1][3], rtol=1e-4, atol=1e-4)
    assert np.count_nonzero(results[0][2] != results[1][2]) <= n // 500  # threshold ties
    if n == 4096:
        assert 0 < np.count_nonzero(results[0][2]) < n


def test_lag_correlate_is_chunk_invariant():
    rng = np.random.default_rng(3)
    lag, window, n = 2, 30, 5000
    x = _noise(n, rng)
    hist = lag + window

    def run(parts):
        state = np.zeros(4)
        buf = np.zeros(hist, np.complex64)
        outs = []
        for part in parts:
            ext = np.concatenate([buf, part])
            corr = np.zeros(part.size, np.complex64)
            trig = np.zeros(part.size, np.bool_)
            _kernels.lag_correlate(ext, lag, window, 0.05, 0.5, state, corr, trig)
            buf = ext[ext.size - hist :]
            outs.append(corr)
        return np.concatenate(outs)

    split = np.sort(rng.choice(np.arange(1, n), size=12, replace=False))
    np.testing.assert_array_equal(run([x]), run(np.split(x, split)))


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
