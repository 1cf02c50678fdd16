"""sdrlink physical layer: bits <-> samples, radios and captures.

Importing ``phy`` is cheap: submodules (and Numba) load on first use of a name.
"""

from __future__ import annotations

from phy._lazy import lazy_exports

__all__ = [
    "PROFILES",
    "Burst",
    "CaptureError",
    "ConfigError",
    "Profile",
    "RadioError",
    "SdrlinkError",
    "get_profile",
    "make_receiver",
    "modulate",
    "modulate_bits",
]

_LAZY = {
    "PROFILES": "phy.profiles",
    "Profile": "phy.profiles",
    "get_profile": "phy.profiles",
    "Burst": "phy.burst",
    "make_receiver": "phy.modem",
    "modulate": "phy.modem",
    "modulate_bits": "phy.modem",
    "SdrlinkError": "phy.errors",
    "ConfigError": "phy.errors",
    "CaptureError": "phy.errors",
    "RadioError": "phy.errors",
}


__getattr__, __dir__ = lazy_exports("phy", _LAZY, globals())
