"""BPSK and QPSK with root-raised-cosine pulses (profiles ``bpsk250k``, ``qpsk250k``,
``bpsk1m``, ``qpsk1m``).

``modulate_bits(profile, bits)`` makes native-rate complex64 baseband; ``Receiver`` is the
streaming burst receiver (cold-start acquisition on every burst). See ``docs/phy-psk.md``.
Importing this package compiles nothing: the Numba kernels load on first use.
"""

from __future__ import annotations

from phy.psk._modulator import bits_to_symbols, modulate_bits
from phy.psk._pulse import design_rrc
from phy.psk._receiver import Receiver

__all__ = ["Receiver", "bits_to_symbols", "design_rrc", "modulate_bits"]
