"""The packet-radio modes and their baud rates (importable without NumPy)."""

from __future__ import annotations

__all__ = ["MODES"]

#: Packet modes: baud rate of each. ``fsk1200`` is plain (unscrambled) 2-FSK baseband at
#: 1200 baud, as some satellites send it (with the Astrocast FX.25 variant recognised).
MODES = {"afsk1200": 1200.0, "g3ruh9600": 9600.0, "fsk1200": 1200.0}
