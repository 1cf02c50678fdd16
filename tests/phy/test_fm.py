import numpy as np
import pytest

from mac.ax25 import Ax25Frame
from mac.ax25.modem import PacketDecoder, packet_audio
from phy.dsp import Resampler
from phy.errors import ConfigError
from phy.fm import FmDemodulator, fm_modulate


def _iq_capture(audio, *, rate_hz, offset_hz, noise_std, seed=0):
    iq = Resampler(in_rate_hz=48_000, out_rate_hz=rate_hz).process(
        fm_modulate(audio, sample_rate_hz=48_000)
    )
    iq = iq * np.exp(2j * np.pi * offset_hz * np.arange(iq.size) / rate_hz).astype(np.complex64)
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, noise_std, (2, iq.size)).astype(np.float32)
    return (iq + noise[0] + 1j * noise[1]).astype(np.complex64)


def test_fm_discriminator_recovers_a_tone_at_full_scale():
    tone = 0.8 * np.sin(2 * np.pi * 1000 * np.arange(48_000) / 48_000).astype(np.float32)
    iq = _iq_capture(tone, rate_hz=240_000, offset_hz=0, noise_std=0.0)
    audio = FmDemodulator(sample_rate_hz=240_000).process(iq)
    steady = audio[4000:-4000]
    assert abs(np.max(steady) - 0.8) < 0.02 and abs(np.min(steady) + 0.8) < 0.02


def test_fm_demodulator_is_chunk_invariant():
    rng = np.random.default_rng(1)
    iq = (rng.normal(size=30_000) + 1j * rng.normal(size=30_000)).astype(np.complex64)
    fm = FmDemodulator(sample_rate_hz=240_000, offset_hz=-12_500)
    whole = fm.process(iq)
    fm.reset()
    split = np.sort(rng.choice(np.arange(1, iq.size), 11, replace=False))
    parts = np.concatenate([fm.process(c) for c in np.split(iq, split)])
    np.testing.assert_allclose(whole, parts, atol=1e-5)


def test_aprs_from_an_iq_capture_with_offset_and_noise():
    frames = [Ax25Frame.parse(f"N0CALL>APRS,WIDE2-1:over FM {i}") for i in range(3)]
    audio = packet_audio(frames, sample_rate_hz=48_000, amplitude=0.9)
    iq = _iq_capture(audio, rate_hz=240_000, offset_hz=25_000, noise_std=0.3)
    fm = FmDemodulator(sample_rate_hz=240_000, offset_hz=25_000)
    decoder = PacketDecoder(sample_rate_hz=48_000)
    packets = [p for c in np.array_split(iq, 9) for p in decoder.process(fm.process(c))]
    packets += decoder.flush()
    assert [p.raw for p in packets] == [f.encode() for f in frames]


@pytest.mark.parametrize(
    "options",
    [
        {"sample_rate_hz": 8_000},
        {"sample_rate_hz": 240_000, "offset_hz": 200_000},
        {"sample_rate_hz": 240_000, "deviation_hz": 0},
    ],
)
def test_bad_fm_settings_are_one_line_errors(options):
    with pytest.raises(ConfigError) as error:
        FmDemodulator(**options)
    assert "\n" not in str(error.value)
