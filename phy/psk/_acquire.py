"""Feed-forward burst acquisition on the preamble: carrier frequency, phase, timing, level.

The preamble is alternating symbols, so its baseband is a pair of tones at +-Rs/2 around the
carrier: ``x[n] = B cos(pi (n - n_peak) / sps) exp(j (w n + phi))``. One window of it gives

* frequency: the one-symbol-lag correlation has phase ``pi + w sps`` (coarse, +-Rs/2), then
  the 8-symbol-lag correlation of the derotated window refines it (+-Rs/16 around coarse);
* timing: with ``C+-`` the window's correlations with ``exp(-+j pi n / sps)``,
  ``arg(C- conj(C+)) = 2 pi n_peak / sps`` (a symbol peak, modulo one symbol);
* phase: ``arg(C+ C-) = 2 phi`` (modulo pi: the sync word resolves the rest);
* level: ``B = (|C+| + |C-|) / N``.

Cost: O(window) per detected burst, NumPy.
"""

from __future__ import annotations

import cmath
from dataclasses import dataclass
from functools import cache

import numpy as np

__all__ = ["Acquisition", "acquire"]

FINE_LAG_SYMBOLS = 8


@dataclass(frozen=True, slots=True)
class Acquisition:
    omega: float  # carrier offset, rad per sample
    phase: float  # carrier phase at the window start, rad (modulo pi)
    peak: float  # a symbol peak, fractional sample index from the window start
    level: float  # amplitude B of the preamble tone pair


def acquire(window: np.ndarray, lag_corr: complex, samples_per_symbol: int) -> Acquisition:
    """Estimate the burst parameters from a preamble ``window`` (see the module docstring).

    ``lag_corr`` is the detector's one-symbol-lag correlation over the same window.
    """
    sps = samples_per_symbol
    x = np.asarray(window, dtype=np.complex128)
    omega = cmath.phase(-lag_corr) / sps
    fine_lag = FINE_LAG_SYMBOLS * sps
    n = np.arange(x.size)
    if x.size > 2 * fine_lag:
        xd = x * np.exp(-1j * omega * n)
        omega += cmath.phase(np.vdot(xd[:-fine_lag], xd[fine_lag:])) / fine_lag
    usable = x.size - x.size % (2 * sps)
    xd = x[:usable] * np.exp(-1j * (omega * n[:usable]))
    tones = _tones(sps, usable)
    c_plus = complex(np.dot(xd, tones))
    c_minus = complex(np.dot(xd, np.conj(tones)))
    peak = (cmath.phase(c_minus * c_plus.conjugate()) / (2 * np.pi) * sps) % sps
    phase = cmath.phase(c_plus * c_minus) / 2
    level = (abs(c_plus) + abs(c_minus)) / max(usable, 1)
    return Acquisition(omega=omega, phase=phase, peak=peak, level=level)


@cache
def _tones(sps: int, size: int) -> np.ndarray:
    """``exp(-j pi n / sps)`` for ``n < size`` (read-only)."""
    tones = np.exp(-1j * np.pi * np.arange(size) / sps)
    tones.setflags(write=False)
    return tones
