"""Feed-forward burst acquisition on the preamble: carrier frequency, phase, timing, level.

The preamble is alternating symbols, so its baseband is a pair of tones at +-Rs/2 around the
carrier: ``x[n] = B cos(pi (n - n_peak) / sps) exp(j (w n + phi))``. One window of it gives

* frequency: the one-symbol-lag correlation has phase ``pi + w sps`` (coarse, +-Rs/2), then
  the 2-symbol-lag correlation of the derotated window refines it (+-Rs/4 around coarse)
  and the 8-symbol-lag one once more (+-Rs/16): at low SNR one jump from 1 to 8 symbols
  often lands a whole ambiguity (Rs/8) off;
* timing: with ``C+-`` the window's correlations with ``exp(-+j pi n / sps)``,
  ``arg(C- conj(C+)) = 2 pi n_peak / sps`` (a symbol peak, modulo one symbol);
* phase: ``arg(C+ C-) = 2 phi`` (modulo pi: the sync word resolves the rest);
* level: ``B = (|C+| + |C-|) / N``.

The receiver calls ``_kernels.acquire_window`` (three passes over the window) once per
detected burst.
"""

from __future__ import annotations

__all__ = ["FINE_LAG_SYMBOLS"]

FINE_LAG_SYMBOLS = 8  # lag of the frequency refinement, in symbols
