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

from dataclasses import dataclass

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
    Cost: three passes over the window (``_kernels.acquire_window``).
    """
    from phy.psk._kernels import acquire_window

    out = np.zeros(4, dtype=np.float64)
    x = np.ascontiguousarray(window, dtype=np.complex64)
    sps = samples_per_symbol
    acquire_window(x, lag_corr.real, lag_corr.imag, sps, FINE_LAG_SYMBOLS * sps, out)
    return Acquisition(omega=out[0], phase=out[1], peak=out[2], level=out[3])
