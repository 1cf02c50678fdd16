"""Small channel impairments for PSK tests and benchmarks (the full model is ``phy.channel``).

``impair`` applies a sample-clock offset with a fractional delay (windowed-sinc
interpolation), a carrier offset and a carrier phase; noise is ``phy.channel.awgn``'s job.
"""

from __future__ import annotations

import numpy as np

__all__ = ["impair"]

_HALF = 16  # interpolator half length (input samples)


def impair(
    samples: np.ndarray,
    *,
    sample_rate_hz: float,
    cfo_hz: float = 0.0,
    clock_ppm: float = 0.0,
    delay_samples: float = 0.0,
    phase_rad: float = 0.0,
) -> np.ndarray:
    """``samples`` as received by a radio whose clock runs ``clock_ppm`` fast.

    Output sample ``n`` is the input at time ``n * (1 - clock_ppm * 1e-6) - delay_samples``
    (Kaiser-windowed sinc over 32 taps), rotated by ``exp(j (2 pi cfo_hz n / fs + phase))``.
    Cost: 32 MACs per output sample (NumPy, in blocks).
    """
    x = np.asarray(samples, dtype=np.complex64)
    ratio = 1.0 - clock_ppm * 1e-6
    n_out = int(np.floor((x.size - 1 + delay_samples) / ratio)) + 1 if x.size else 0
    padded = np.concatenate([np.zeros(_HALF, np.complex64), x, np.zeros(_HALF + 1, np.complex64)])
    out = np.empty(n_out, dtype=np.complex64)
    k = np.arange(-_HALF + 1, _HALF + 1)
    window = np.kaiser(2 * _HALF + 1, 8.0)
    for lo in range(0, n_out, 65536):
        n = np.arange(lo, min(lo + 65536, n_out))
        t = n * ratio - delay_samples
        base = np.floor(t).astype(np.int64)
        frac = t - base
        idx = base[:, None] + k[None, :]
        d = frac[:, None] - k[None, :]
        w = np.sinc(d) * np.interp(d, np.arange(-_HALF, _HALF + 1), window)
        valid = (idx >= -_HALF) & (idx < x.size + _HALF)
        vals = padded[np.clip(idx + _HALF, 0, padded.size - 1)] * valid
        out[lo : lo + n.size] = np.sum(vals * w, axis=1)
    phase = 2 * np.pi * cfo_hz / sample_rate_hz * np.arange(n_out) + phase_rad
    return (out * np.exp(1j * phase)).astype(np.complex64)
