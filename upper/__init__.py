"""sdrlink network to application layers (sans-I/O), the runtime and the command line.

``upper.Node`` is the Socket.IO-style messaging API; ``upper.SimNetwork`` runs whole nodes in
virtual time over ``upper.SimMedium`` (frame-level) or ``upper.radio_medium.RadioMedium`` (the
real MAC and PHY). Importing ``upper`` loads nothing heavy: names load on first use.
"""

from __future__ import annotations

from phy._lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports("upper", _LAZY, globals())
