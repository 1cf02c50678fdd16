"""Measurement engines: BER/PER against Eb/N0 over the channel model, and throughput.

``sdrlink simulate`` and ``sdrlink bench`` are thin front ends to this package. Importing it
compiles nothing.
"""

from phy.measure._ber import BerPoint, PacketCodec, PerPoint, measure_ber, measure_per
from phy.measure._link import LinkSetup, simulate_block
from phy.measure._theory import ebn0_at_ber, theory_ber, theory_ebn0_at_ber, theory_name

__all__ = [
    "BerPoint",
    "LinkSetup",
    "PacketCodec",
    "PerPoint",
    "ebn0_at_ber",
    "measure_ber",
    "measure_per",
    "simulate_block",
    "theory_ber",
    "theory_ebn0_at_ber",
    "theory_name",
]
