"""sdrlink network to application layers (sans-I/O), the runtime and the command line.

``upper.Node`` is the Socket.IO-style messaging API; ``upper.SimNetwork`` runs whole nodes in
virtual time over ``upper.SimMedium`` (frame-level) or ``upper.radio_medium.RadioMedium`` (the
real MAC and PHY). Importing ``upper`` loads nothing heavy: names load on first use.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "Node": "upper.application",
    "NodeConfig": "upper.application",
    "LinkInfo": "upper.application",
    "EmitReport": "upper.application",
    "Call": "upper.application",
    "CallTimeout": "upper.application",
    "Identity": "upper.presentation",
    "NetworkConfig": "upper.network",
    "BROADCAST": "upper.network",
    "address_from_public_key": "upper.network",
    "group_address": "upper.network",
    "TransportConfig": "upper.transport",
    "SessionConfig": "upper.session",
    "SimMedium": "upper.sim_medium",
    "LinkParams": "upper.sim_medium",
    "SimNetwork": "upper.virtual_time",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'upper' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
