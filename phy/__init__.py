"""sdrlink physical layer: bits <-> samples, radios and captures.

Importing ``phy`` is cheap: submodules (and Numba) load on first use of a name.
"""

from __future__ import annotations

import importlib

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


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'phy' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
