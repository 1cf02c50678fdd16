"""Measurement engines: BER/PER against Eb/N0 over the channel model, and throughput.

``sdrlink simulate`` and ``sdrlink bench`` are thin front ends to this package. Importing it
compiles nothing.
"""

from phy.measure._bench import STAGES, BenchRecord, BenchStage, register_stage, run_stage
from phy.measure._ber import BerPoint, PacketCodec, PerPoint, measure_ber, measure_per
from phy.measure._compile import first_run_seconds
from phy.measure._link import LinkSetup, simulate_block
from phy.measure._theory import ebn0_at_ber, theory_ber, theory_ebn0_at_ber, theory_name

__all__ = [
    "STAGES",
    "BenchRecord",
    "BenchStage",
    "BerPoint",
    "LinkSetup",
    "PacketCodec",
    "PerPoint",
    "ebn0_at_ber",
    "first_run_seconds",
    "measure_ber",
    "measure_per",
    "register_stage",
    "run_stage",
    "simulate_block",
    "theory_ber",
    "theory_ebn0_at_ber",
    "theory_name",
]
