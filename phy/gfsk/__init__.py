"""2-GFSK modem (profiles ``gfsk9k6``, ``gfsk50k``, ``gfsk250k``): modulator and receiver.

Importing this package compiles nothing; the Numba kernels compile on the first ``process``.
"""

from phy.gfsk._modulator import design_gaussian_pulse, modulate_bits
from phy.gfsk._receiver import Receiver

__all__ = ["Receiver", "design_gaussian_pulse", "modulate_bits"]
