"""G3RUH 9600 baud packet modem: scrambled 2-level baseband through an FM radio's data port.

See ``docs/phy-afsk.md`` (section G3RUH) for what is inside the demodulator and what the
HDLC layer does.
"""

from phy.g3ruh._modem import (
    G3ruhDemodulator,
    G3ruhModulator,
    descramble,
    modulate_bits,
    modulate_line_bits,
    raised_cosine,
    scramble,
)

__all__ = [
    "G3ruhDemodulator",
    "G3ruhModulator",
    "descramble",
    "modulate_bits",
    "modulate_line_bits",
    "raised_cosine",
    "scramble",
]
