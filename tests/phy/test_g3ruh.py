"""G3RUH 9600: scrambler, kernels vs twins, chunk invariance, round trips through a radio."""

import numpy as np
import pytest
from scipy import signal

from phy.channel import awgn
from phy.g3ruh import (
    G3ruhDemodulator,
    G3ruhModulator,
    _kernels,
    _reference,
    descramble,
    modulate_bits,
    scramble,
)


def _transitions(bits: np.ndarray) -> np.ndarray:
    """NRZI view of line bits (what HDLC decodes): invariant to inversion."""
    bits = np.asarray(bits, dtype=np.int8)
    return (bits[1:] ^ bits[:-1]).astype(np.int8)


def _errors_after_alignment(sent: np.ndarray, got: np.ndarray, skip: int = 300) -> int:
    core = _transitions(sent)[skip:-40]
    got_t = _transitions(got)
    best = core.size
    for offset in range(max(got_t.size - core.size + 1, 1)):
        window = got_t[offset : offset + core.size]
        if window.size < core.size:
            break
        best = min(best, int(np.count_nonzero(window != core)))
    return best


def test_scrambler_round_trip_in_pieces_and_self_synchronises():
    rng = np.random.default_rng(1)
    bits = rng.integers(0, 2, 1000).astype(np.uint8)
    whole, state = scramble(bits)
    first, s1 = scramble(bits[:333])
    second, s2 = scramble(bits[333:], s1)
    np.testing.assert_array_equal(whole, np.concatenate([first, second]))
    assert s2 == state
    back, _ = descramble(whole)
    np.testing.assert_array_equal(back, bits)
    wrong_start, _ = descramble(whole, 0x1ABCD)
    np.testing.assert_array_equal(wrong_start[17:], bits[17:])
    assert np.count_nonzero(whole[:-17] != bits[:-17]) > 300  # it does scramble


@pytest.mark.parametrize("n", [0, 1, 7, 4096])
def test_bit_kernels_match_reference(n):
    rng = np.random.default_rng(n)
    bits = rng.integers(0, 2, n).astype(np.uint8)
    for name in ("scramble_bits", "descramble_bits"):
        outs = []
        for impl in (_kernels, _reference):
            out = np.zeros(n, dtype=np.uint8)
            reg = getattr(impl, name)(bits, 0x0F0F5, out)
            outs.append((int(reg), out))
        assert outs[0][0] == outs[1][0]
        np.testing.assert_array_equal(outs[0][1], outs[1][1])
    llrs = rng.normal(size=n).astype(np.float32)
    outs = []
    for impl in (_kernels, _reference):
        history = np.arange(17, dtype=np.float32) - 8.5
        out = np.zeros(n, dtype=np.float32)
        impl.descramble_llrs(llrs, history, out)
        outs.append((history, out))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])


@pytest.mark.parametrize("n", [0, 1, 7, 4096])
def test_fir_rows_matches_reference(n):
    rng = np.random.default_rng(n + 5)
    taps = rng.normal(size=(3, 11)).astype(np.float32)
    ext = rng.normal(size=n + 10).astype(np.float32)
    outs = []
    for impl in (_kernels, _reference):
        out = np.zeros((3, n), dtype=np.float32)
        impl.fir_rows(ext, taps, out)
        outs.append(out)
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("n", [0, 1, 7, 4096])
def test_slice_baseband_matches_reference(n):
    rng = np.random.default_rng(n + 3)
    demod = G3ruhDemodulator(sample_rate_hz=48000, lowpass_hz=(6000.0, 4000.0))
    wave = np.repeat(2.0 * rng.integers(0, 2, n // 5 + 1) - 1, 5)[:n]
    x = np.stack([wave + 0.2 * rng.normal(size=n), wave + 0.1 * rng.normal(size=n)])
    results = []
    for impl in (_kernels, _reference):
        state = demod._state.copy()
        llrs = np.zeros((2, n + 2), dtype=np.float32)
        times = np.zeros(n + 2)
        k = impl.slice_baseband(x, demod._params, state, llrs, times)
        results.append((k, state, llrs[:, :k], times[:k]))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(results[0][3], results[1][3], atol=1e-9)


def test_demodulator_is_chunk_invariant():
    rng = np.random.default_rng(4)
    audio = modulate_bits(rng.integers(0, 2, 3000), sample_rate_hz=44100)
    audio = audio + rng.normal(0, 0.1, audio.size).astype(np.float32)
    demod = G3ruhDemodulator(sample_rate_hz=44100)
    whole = demod.process(audio)
    demod.reset()
    splits = np.sort(rng.choice(np.arange(1, audio.size), size=10, replace=False))
    parts = np.concatenate([demod.process(c) for c in np.split(audio, splits)], axis=-1)
    assert whole.shape[0] == demod.n_slicers
    np.testing.assert_array_equal(whole, parts)


@pytest.mark.parametrize(
    ("sample_rate_hz", "baud", "invert", "dc"),
    [(48000, 9600, False, 0.0), (44100, 9800, True, 0.3), (22050, 9450, False, -0.2)],
)
def test_round_trip_through_an_fm_radio(sample_rate_hz, baud, invert, dc):
    rng = np.random.default_rng(int(sample_rate_hz))
    line = rng.integers(0, 2, 3000).astype(np.uint8)
    modulator = G3ruhModulator(sample_rate_hz=sample_rate_hz, baud=baud)
    audio = np.concatenate([modulator.process(line[:1000]), modulator.process(line[1000:])])
    sos = signal.butter(4, 6000, fs=sample_rate_hz, output="sos")  # the radio's audio path
    audio = signal.sosfilt(sos, audio).astype(np.float32)
    audio = (-audio if invert else audio) * np.float32(0.3) + np.float32(dc)
    audio = awgn(audio, rng=rng, sample_rate_hz=sample_rate_hz, snr_db=25)
    llrs = G3ruhDemodulator(sample_rate_hz=sample_rate_hz, lowpass_hz=5760.0).process(audio)
    assert llrs.ndim == 1 and llrs.dtype == np.float32
    assert _errors_after_alignment(line, (llrs < 0).astype(np.uint8)) == 0


def test_descrambling_off_gives_the_scrambled_line():
    rng = np.random.default_rng(6)
    line = rng.integers(0, 2, 2000).astype(np.uint8)
    audio = modulate_bits(line, sample_rate_hz=48000)
    raw = G3ruhDemodulator(sample_rate_hz=48000, lowpass_hz=6000.0, descramble=False)
    got = (raw.process(audio) < 0).astype(np.uint8)
    assert _errors_after_alignment(scramble(line)[0], got) == 0


def test_noise_and_garbage_do_not_raise():
    rng = np.random.default_rng(7)
    demod = G3ruhDemodulator(sample_rate_hz=48000)
    for chunk in (
        rng.normal(size=48000).astype(np.float32),
        np.full(100, np.nan, dtype=np.float32),
        np.full(100, -np.inf, dtype=np.float32),
        np.zeros(0, dtype=np.float32),
        np.full(5000, 3.0, dtype=np.float32),
    ):
        out = demod.process(chunk)
        assert out.shape[0] == demod.n_slicers
        assert np.all(np.isfinite(out))
