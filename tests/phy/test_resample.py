import numpy as np
import pytest

from phy.dsp import Resampler, _kernels, _reference
from phy.dsp.resample import design_resampler
from phy.errors import ConfigError

RATE_PAIRS = [
    (2.4e6, 76.8e3),
    (2.4e6, 400e3),
    (2.4e6, 2e6),
    (2.4e6, 1e6),
    (22050, 48000),
    (48000, 22050),
    (76.8e3, 2.4e6),
]


def _tone(n: int, tone_hz: float, rate_hz: float, dtype) -> np.ndarray:
    phase = 2 * np.pi * tone_hz * np.arange(n) / rate_hz
    if dtype == np.complex64:
        return np.exp(1j * phase).astype(np.complex64)
    return np.cos(phase).astype(np.float32)


@pytest.mark.parametrize("dtype", [np.complex64, np.float32])
@pytest.mark.parametrize(("rate_in", "rate_out"), RATE_PAIRS)
def test_resampler_is_chunk_invariant(rate_in, rate_out, dtype):
    rng = np.random.default_rng(1)
    n = 20000
    x = rng.standard_normal(2 * n).astype(np.float32)
    x = x.view(np.complex64) if dtype == np.complex64 else x[:n]
    r = Resampler(in_rate_hz=rate_in, out_rate_hz=rate_out)
    whole = r.process(x)
    assert whole.dtype == dtype
    r.reset()
    split = np.sort(rng.choice(np.arange(1, n), size=9, replace=False))
    parts = np.concatenate([r.process(c) for c in np.split(x, np.r_[split[:3], split[3:]])])
    np.testing.assert_array_equal(whole, parts)
    assert abs(len(whole) - n * rate_out / rate_in) <= 2


@pytest.mark.parametrize(("rate_in", "rate_out"), RATE_PAIRS)
def test_output_is_the_delayed_input_tone(rate_in, rate_out):
    """Output n equals the input tone at input time n * in/out - delay_in_samples."""
    n = 40000
    tone_hz = 0.3 * min(rate_in, rate_out)
    r = Resampler(in_rate_hz=rate_in, out_rate_hz=rate_out)
    y = r.process(_tone(n, tone_hz, rate_in, np.complex64)).astype(np.complex128)
    t_in = np.arange(y.size) * rate_in / rate_out - r.delay_in_samples
    expected = np.exp(2j * np.pi * tone_hz * t_in / rate_in)
    steady = slice(y.size // 4, -y.size // 4)
    np.testing.assert_allclose(y[steady], expected[steady], atol=3e-3)


@pytest.mark.parametrize(("rate_in", "rate_out"), RATE_PAIRS[:4])
def test_no_alias_lands_in_the_pass_band(rate_in, rate_out):
    """Tones above the output band leave nothing above -60 dB inside the pass band."""
    passband_hz = 0.4 * rate_out
    window = np.blackman(4096)
    for tone_hz in np.linspace(rate_out - passband_hz, rate_in / 2, 5)[:-1]:
        r = Resampler(in_rate_hz=rate_in, out_rate_hz=rate_out)
        y = r.process(_tone(int(8192 * rate_in / rate_out), tone_hz, rate_in, np.complex64))
        spectrum = np.fft.fftshift(np.fft.fft(y[-4096:] * window)) / window.sum()
        freqs_hz = np.fft.fftshift(np.fft.fftfreq(4096, 1 / rate_out))
        in_band = np.abs(spectrum[np.abs(freqs_hz) < passband_hz])
        assert 20 * np.log10(in_band.max() + 1e-12) < -60, tone_hz


def test_design_uses_cheap_integer_stages_first():
    stages = design_resampler(2.4e6, 76.8e3)
    assert [(s.up, s.down) for s in stages] == [(1, 5), (1, 5), (4, 5)]
    assert Resampler(in_rate_hz=2.4e6, out_rate_hz=76.8e3).macs_per_input_sample < 20
    assert Resampler(in_rate_hz=48e3, out_rate_hz=48e3).is_identity


def test_bad_rates_are_config_errors():
    with pytest.raises(ConfigError):
        Resampler(in_rate_hz=0, out_rate_hz=48e3)
    with pytest.raises(ConfigError):
        Resampler(in_rate_hz=2.4e6, out_rate_hz=1e6, passband_hz=700e3)


@pytest.mark.parametrize("n", [0, 1, 7, 4096])
@pytest.mark.parametrize(("up", "down"), [(3, 2), (1, 5), (4, 5), (1, 1)])
def test_resample_kernels_match_reference(n, up, down):
    rng = np.random.default_rng(n)
    n_taps = 5
    rphases = rng.normal(size=(up, n_taps)).astype(np.float32)
    t0 = (n_taps - 1) * up
    ext = rng.normal(size=n + n_taps - 1).astype(np.float32)
    iq = rng.normal(size=2 * (n + n_taps - 1)).astype(np.float32)
    for name, data, width in (("resample_poly", ext, 1), ("resample_poly_iq", iq, 2)):
        results = []
        for impl in (_kernels, _reference):
            out = np.zeros(width * (2 * n + 8), dtype=np.float32)
            k, t = getattr(impl, name)(data, rphases, up, down, t0, out)
            results.append((k, t, out[: width * k]))
        assert results[0][:2] == results[1][:2]
        np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-5, atol=1e-5)


def test_kernel_stops_when_out_is_full():
    rphases = np.ones((1, 3), dtype=np.float32)
    ext = np.arange(20, dtype=np.float32)
    for impl in (_kernels, _reference):
        out = np.zeros(4, dtype=np.float32)
        k, t = impl.resample_poly(ext, rphases, 1, 2, 2, out)
        assert (k, t) == (4, 10)
        np.testing.assert_array_equal(out, [3, 9, 15, 21])
