import numpy as np
import pytest

from phy.dsp import Resampler, _kernels, _reference


@pytest.mark.parametrize(("rate_in", "rate_out"), [(2.4e6, 76.8e3), (2.4e6, 2e6), (22050, 48000)])
def test_resampler_is_chunk_invariant_and_keeps_a_tone(rate_in, rate_out):
    rng = np.random.default_rng(1)
    n = 20000
    tone_hz = min(rate_in, rate_out) / 8
    x = np.exp(2j * np.pi * tone_hz * np.arange(n) / rate_in).astype(np.complex64)
    r = Resampler(in_rate_hz=rate_in, out_rate_hz=rate_out)
    whole = r.process(x)
    r.reset()
    split = np.sort(rng.choice(np.arange(1, n), size=9, replace=False))
    parts = np.concatenate([r.process(c) for c in np.split(x, split)])
    np.testing.assert_array_equal(whole, parts)
    steady = whole[len(whole) // 4 : -len(whole) // 4]
    np.testing.assert_allclose(np.abs(steady), 1.0, atol=2e-3)
    assert abs(len(whole) - n * rate_out / rate_in) <= 2


@pytest.mark.parametrize("n", [0, 1, 7, 4096])
def test_resample_kernel_matches_reference(n):
    rng = np.random.default_rng(n)
    phases = rng.normal(size=(3, 5)).astype(np.float32)
    ext = rng.normal(size=n + 4).astype(np.float32)
    outs = []
    for impl in (_kernels, _reference):
        out = np.zeros(2 * n + 8, dtype=np.float32)
        k, t = impl.resample_poly(ext, phases, 3, 2, 12, out)
        outs.append((k, t, out[:k]))
    assert outs[0][:2] == outs[1][:2]
    np.testing.assert_allclose(outs[0][2], outs[1][2], rtol=1e-5, atol=1e-5)
