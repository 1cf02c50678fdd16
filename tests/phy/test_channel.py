import numpy as np
import pytest

from phy.channel import Channel, ChannelConfig, ClockOffset, _kernels, _reference
from phy.channel._interp import design_interpolator_bank
from phy.errors import ConfigError

FS = 1e6


def _tone(n: int, freq_hz: float, rate_hz: float = FS) -> np.ndarray:
    return np.exp(2j * np.pi * freq_hz * np.arange(n) / rate_hz).astype(np.complex64)


def _freq_hz(x: np.ndarray, rate_hz: float = FS) -> float:
    """Frequency of a (noisy) tone from its mean phase increment."""
    return float(np.angle(np.sum(x[1:] * np.conj(x[:-1]))) * rate_hz / (2 * np.pi))


def _run(rng_seed: int = 1, **config) -> Channel:
    return Channel(
        ChannelConfig(sample_rate_hz=config.pop("rate", FS), **config),
        rng=np.random.default_rng(rng_seed),
    )


def test_measured_snr_matches_request():
    x = _tone(200_000, 1e4)
    for snr_db in (0.0, 10.0, 20.0):
        y = _run(snr_db=snr_db).process(x)
        measured = 10 * np.log10(1 / np.mean(np.abs(y - x) ** 2))
        assert abs(measured - snr_db) < 0.1


def test_ebn0_sets_noise_density():
    x = _tone(200_000, 0.0)
    y = _run(ebn0_db=7.0, bit_rate_bps=1e5, signal_power=2.0).process(np.sqrt(2) * x)
    n0 = np.mean(np.abs(y - np.sqrt(2) * x) ** 2) / FS
    eb = 2.0 / 1e5
    assert abs(10 * np.log10(eb / n0) - 7.0) < 0.1


def test_carrier_offset_is_measured_from_a_tone():
    y = _run(cfo_hz=-12_345.0, phase_rad=1.0).process(np.ones(50_000, np.complex64))
    assert abs(_freq_hz(y) + 12_345.0) < 0.5
    assert abs(np.angle(y[0]) - 1.0) < 1e-5


def test_clock_offset_in_ppm_is_measured():
    ppm = 300.0
    n = 400_000
    y = _run(clock_ppm=ppm).process(_tone(n, 50_000.0))
    measured_ppm = (50_000.0 / _freq_hz(y[100:-100]) - 1) * 1e6
    assert abs(measured_ppm - ppm) < 2
    assert abs(y.size - n * (1 + ppm * 1e-6)) <= 20


def test_timing_offset_delays_the_signal():
    delay = 3.37
    x = _tone(4000, 80_000.0)
    y = _run(timing_offset_samples=delay).process(x)
    expected = np.exp(2j * np.pi * 80_000.0 * (np.arange(4000) - delay) / FS)
    assert 4000 - 8 <= y.size <= 4000  # the interpolator looks 8 samples ahead
    np.testing.assert_allclose(y[100:-100], expected[100 : y.size - 100], atol=2e-3)
    assert np.all(np.abs(y[:2]) < 0.2)  # nothing before the signal arrives


def test_phase_noise_has_the_requested_increment_variance():
    linewidth_hz = 100.0
    y = _run(phase_noise_linewidth_hz=linewidth_hz).process(np.ones(200_000, np.complex64))
    increments = np.angle(y[1:] * np.conj(y[:-1]))
    expected = 2 * np.pi * linewidth_hz / FS
    assert abs(np.var(increments) / expected - 1) < 0.05


def test_multipath_reproduces_the_taps():
    taps = (1.0, 0.0, 0.5j, -0.2)
    impulse = np.zeros(16, np.complex64)
    impulse[0] = 1
    y = _run(multipath_taps=taps).process(impulse)
    np.testing.assert_allclose(y[:4], taps, atol=1e-6)
    assert np.all(y[4:] == 0)


def test_iq_imbalance_image_matches_model():
    amplitude_db, phase_deg = 1.0, 5.0
    y = _run(iq_amplitude_db=amplitude_db, iq_phase_deg=phase_deg).process(_tone(8192, FS / 16))
    spectrum = np.abs(np.fft.fft(y)) ** 2
    image_db = 10 * np.log10(spectrum[-512] / spectrum[512])
    g, phi = 10 ** (amplitude_db / 20), np.deg2rad(phase_deg)
    mu, nu = (1 + g * np.exp(-1j * phi)) / 2, (1 - g * np.exp(1j * phi)) / 2
    assert abs(image_db - 20 * np.log10(abs(nu / mu))) < 0.05


def test_dc_offset_and_gain():
    y = _run(dc_offset=0.1 - 0.05j, gain_db=-6.0).process(_tone(10_000, 1e4))
    assert abs(np.mean(y) - (0.1 - 0.05j)) < 1e-3
    assert abs(np.std(y) - 10 ** (-6 / 20)) < 1e-3


@pytest.mark.parametrize("level", [1e-3, 1.0, 30.0])
def test_cu8_quantisation_with_agc(level):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(100_000) + 1j * rng.standard_normal(100_000)).astype(np.complex64)
    channel = _run(quantise_cu8=True, agc_target_rms=0.3)
    y = channel.process(level * x / np.sqrt(2))
    grid = y.view(np.float32) * 127.5 + 127.5
    np.testing.assert_allclose(grid, np.round(grid), atol=1e-3)
    steady = y[20_000:]
    assert abs(np.sqrt(np.mean(np.abs(steady) ** 2)) - 0.3) < 0.03
    gain = np.vdot(x[20_000:], steady) / np.vdot(x[20_000:], x[20_000:])
    sqnr_db = 10 * np.log10(
        np.mean(np.abs(gain * x[20_000:]) ** 2) / np.mean(np.abs(steady - gain * x[20_000:]) ** 2)
    )
    assert sqnr_db > 30
    raw = channel.to_cu8(x[:100])
    assert raw.dtype == np.uint8 and raw.size == 200


def test_audio_noise_level_clip_and_clock():
    rate = 48_000.0
    x = (0.5 * np.sin(2 * np.pi * 1200 * np.arange(96_000) / rate)).astype(np.float32)
    y = _run(rate=rate, audio=True, snr_db=20.0).process(x)
    assert y.dtype == np.float32
    snr_db = 10 * np.log10(np.mean(x**2) / np.mean((y - x) ** 2))
    assert abs(snr_db - (20 + 10 * np.log10(0.125))) < 0.15  # relative to signal_power 1
    loud = _run(rate=rate, audio=True, gain_db=12.0).process(x)
    assert loud.max() <= 1.0 and np.mean(np.abs(loud) == 1.0) > 0.3
    slow = _run(rate=rate, audio=True, clock_ppm=-200.0).process(x)
    assert abs(slow.size - x.size * (1 - 200e-6)) <= 20


@pytest.mark.parametrize("twist_db", [-6.0, 4.0])
def test_audio_tone_twist(twist_db):
    rate = 48_000.0
    t = np.arange(48_000) / rate
    channel = _run(rate=rate, audio=True, twist_db=twist_db)
    levels = []
    for tone_hz in (1200.0, 2200.0):
        channel.reset()
        y = channel.process((0.3 * np.sin(2 * np.pi * tone_hz * t)).astype(np.float32))
        levels.append(np.sqrt(2 * np.mean(y[4800:] ** 2)))
    assert abs(levels[0] - 0.3) < 0.005
    assert abs(20 * np.log10(levels[1] / levels[0]) - twist_db) < 0.1


RF_ALL = dict(
    ebn0_db=10.0,
    bit_rate_bps=2e5,
    cfo_hz=3e3,
    phase_rad=0.3,
    clock_ppm=-80.0,
    timing_offset_samples=2.6,
    phase_noise_linewidth_hz=50.0,
    multipath_taps=(1.0, 0.2j),
    dc_offset=0.01,
    iq_amplitude_db=0.3,
    iq_phase_deg=2.0,
    quantise_cu8=True,
)


@pytest.mark.parametrize(
    "config",
    [RF_ALL, dict(rate=48e3, audio=True, snr_db=15.0, clock_ppm=100.0, twist_db=3.0, gain_db=-3.0)],
)
def test_channel_is_chunk_invariant_and_seeded(config):
    rng = np.random.default_rng(5)
    n = 30_000
    audio = config.get("audio", False)
    x = rng.standard_normal(2 * n).astype(np.float32)
    x = 0.3 * (x[:n] if audio else x.view(np.complex64))
    whole = _run(7, **dict(config)).process(x)
    split = np.sort(rng.choice(np.arange(1, n), size=7, replace=False))
    channel = _run(7, **dict(config))
    parts = np.concatenate([channel.process(c) for c in np.split(x, split)])
    np.testing.assert_array_equal(whole, parts)
    other = _run(8, **dict(config)).process(x)
    assert not np.array_equal(whole, other)


def test_config_is_validated():
    with pytest.raises(ConfigError):
        ChannelConfig(sample_rate_hz=FS, ebn0_db=5.0)  # no bit rate
    with pytest.raises(ConfigError):
        ChannelConfig(sample_rate_hz=FS, ebn0_db=5.0, snr_db=3.0, bit_rate_bps=1e3)
    with pytest.raises(ConfigError):
        ChannelConfig(sample_rate_hz=48e3, audio=True, cfo_hz=10.0)
    with pytest.raises(ConfigError):
        ChannelConfig(sample_rate_hz=FS, cfo_hz=FS)
    with pytest.raises(ConfigError):
        ClockOffset(ppm=1e5)


@pytest.mark.parametrize("n", [0, 1, 7, 4096])
@pytest.mark.parametrize("ch", [1, 2])
def test_frac_interp_kernel_matches_reference(n, ch):
    rng = np.random.default_rng(n)
    bank = design_interpolator_bank()
    ext = rng.standard_normal((n + 16) * ch).astype(np.float32)
    step_fx = round((1 << 32) / (1 + 1e-3))
    results = []
    for impl in (_kernels, _reference):
        out = np.zeros((n + 8) * ch, dtype=np.float32)
        k, t = impl.frac_interp(ext, ch, bank, (7 << 32) + 12345, step_fx, out)
        results.append((k, int(t), out[: k * ch]))
    assert results[0][:2] == results[1][:2]
    np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-5, atol=1e-5)
