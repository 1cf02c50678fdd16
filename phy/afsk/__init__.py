"""AFSK (Bell 202 and friends): modulator, continuous demodulator, native-framing receiver.

``modulate_bits`` and ``Receiver`` are what ``phy.modem`` calls for the ``afsk1200``
profile. ``afsk_modulate`` and ``AfskDemodulator`` work at any audio rate on raw line bits
and are what packet radio (AX.25 over HDLC, ``mac.ax25``) uses. See ``docs/phy-afsk.md``.
"""

from phy.afsk._demodulator import AfskDemodulator, design_prefilter, design_tone_correlators
from phy.afsk._modulator import afsk_modulate, modulate_bits
from phy.afsk._receiver import Receiver, estimate_snr_db

__all__ = [
    "AfskDemodulator",
    "Receiver",
    "afsk_modulate",
    "design_prefilter",
    "design_tone_correlators",
    "estimate_snr_db",
    "modulate_bits",
]
