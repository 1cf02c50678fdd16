"""Errors of the link layer: local misuse of the API (the peer's garbage is data, not errors)."""

from __future__ import annotations

from phy.errors import SdrlinkError

__all__ = ["LinkBusyError", "LocalProtocolError"]


class LocalProtocolError(SdrlinkError):
    """The caller used the link in a way its state forbids (for example ``send`` when closed)."""


class LinkBusyError(LocalProtocolError):
    """The send queue is full: wait for ``Acked`` events (``Link.send_capacity`` says how many
    messages fit) or raise ``LinkConfig.max_send_queue``."""
