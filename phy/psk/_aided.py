"""Data-aided carrier estimate on a burst's known symbols (preamble tail and sync word).

Until the sync word is found the receiver demodulates with its phase loop open, so the
symbols turn by the acquisition's residual frequency error: ``z[k] ~ A ref[k] exp(j(phi +
w k))``. Over the known symbols the modulation is removed (``u = z conj(ref)``) and the
maximum of ``|sum u[k] exp(-j w k)|`` over ``|w| <= MAX_RESIDUAL_RAD`` (a zero-padded FFT,
refined by a parabola) gives ``w``; the phase of the derotated sum gives ``phi``. No
decisions are involved, so this works at the symbol SNRs (~0-2 dB) where a decision-directed
loop slips, and it also resolves the 2- or 4-fold phase ambiguity.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "MAX_RESIDUAL_RAD",
    "carrier_from_known",
    "decision_gain",
    "level_and_noise",
    "sync_score",
]

MAX_RESIDUAL_RAD = 0.15  # largest residual frequency sought, rad per symbol
_FFT_SIZE = 256
_BINS = int(MAX_RESIDUAL_RAD / (2 * np.pi) * _FFT_SIZE) + 1
_SEARCHED = np.r_[np.arange(0, _BINS + 1), np.arange(_FFT_SIZE - _BINS, _FFT_SIZE)]


def carrier_from_known(z: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    """(w rad/symbol, phi rad) of ``z ~ ref exp(j (phi + w k))``, k = 0 .. len - 1.

    Cost: one 256-point FFT plus a pass over the symbols (at most 256 are used).
    """
    u = z[:_FFT_SIZE].astype(np.complex128) * np.conj(ref[:_FFT_SIZE].astype(np.complex128))
    if u.size == 0:
        return 0.0, 0.0
    spec = np.abs(np.fft.fft(u, _FFT_SIZE))
    best = int(_SEARCHED[np.argmax(spec[_SEARCHED])])
    left = spec[(best - 1) % _FFT_SIZE]
    mid = spec[best]
    right = spec[(best + 1) % _FFT_SIZE]
    den = left - 2 * mid + right
    shift = 0.5 * (left - right) / den if den < 0 else 0.0
    k = best if best <= _FFT_SIZE // 2 else best - _FFT_SIZE
    w = 2 * np.pi * (k + shift) / _FFT_SIZE
    phi = float(np.angle(np.sum(u * np.exp(-1j * w * np.arange(u.size)))))
    return float(w), phi


def sync_score(z: np.ndarray, ref: np.ndarray) -> float:
    """Normalised coherent correlation ``Re sum z conj(ref) / (|z| |ref|)`` in [-1, 1].

    About ``sqrt(S / (S + N))`` on a corrected sync word, zero-mean with standard deviation
    ``1 / sqrt(2 len)`` (QPSK) on noise.
    """
    num = float(np.real(np.vdot(ref, z)))
    den = float(np.sqrt(np.vdot(z, z).real * np.vdot(ref, ref).real))
    return num / den if den > 0 else 0.0


def level_and_noise(z: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    """(A, N): amplitude ``Re mean z conj(ref)`` and complex noise power of corrected ``z``."""
    if z.size == 0:
        return 0.0, 0.0
    amp = float(np.real(np.vdot(ref, z))) / z.size
    noise = float(np.mean(np.abs(z - amp * ref) ** 2))
    return amp, noise


def _q(x: float) -> float:
    return 0.5 * math.erfc(x / math.sqrt(2.0))


_HERMITE = np.polynomial.hermite_e.hermegauss(24)


def _mean_tanh(mean: float, sigma: float, soft: float) -> float:
    """E[tanh(soft (mean + n))] for n ~ N(0, sigma^2) (Gauss-Hermite quadrature)."""
    x, w = _HERMITE
    return float(np.dot(w, np.tanh(soft * (mean + sigma * x))) / np.sqrt(2 * np.pi))


def decision_gain(esn0: float, qpsk: bool, soft: float = 0.0) -> float:
    """Slope at zero of the phase detector's mean output, relative to no noise.

    The PLL's error ``Im(z conj(d))`` with ``d`` the hard decision (``soft`` = 0) or the
    soft decision ``tanh(soft Re z) + j tanh(soft Im z)``: noise flattens its S-curve (hard
    QPSK at Es/N0 = 1.5 dB: about 0.3). The loop gains are divided by it so the loop keeps
    its designed bandwidth at low SNR. Cost: a few erfc (hard) or quadratures (soft).
    """
    if not esn0 > 0 or not math.isfinite(esn0):
        return 1.0
    sigma = math.sqrt(0.5 / esn0)  # noise per dimension, unit amplitude

    def sign_mean(m: float) -> float:
        if soft > 0:
            return _mean_tanh(m, sigma, soft)
        return 1.0 - 2.0 * _q(m / sigma)

    h = 1e-3
    if not qpsk:
        slope = (math.sin(h) * sign_mean(math.cos(h)) * 2) / (2 * h)
        return max(slope, 0.05)

    def mean_error(phi: float) -> float:
        m_re = math.cos(math.pi / 4 + phi)
        m_im = math.sin(math.pi / 4 + phi)
        return (m_im * sign_mean(m_re) - m_re * sign_mean(m_im)) / math.sqrt(2.0)

    return max((mean_error(h) - mean_error(-h)) / (2 * h), 0.05)
