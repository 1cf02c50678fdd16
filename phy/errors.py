"""The one exception hierarchy of sdrlink.

Exceptions are for local misuse and bad configuration; bad radio input is data (a dropped
frame and a counter), never an exception. Every error message is one line that names the
problem and the way out; the command line prints ``str(error)`` and exits non-zero.
"""

from __future__ import annotations

__all__ = ["CaptureError", "ConfigError", "RadioError", "SdrlinkError"]


class SdrlinkError(Exception):
    """Base class of every error sdrlink raises on purpose."""


class ConfigError(SdrlinkError, ValueError):
    """A parameter, profile or option is invalid (the caller's fault)."""


class CaptureError(SdrlinkError):
    """A capture file is malformed, truncated or does not match its metadata."""


class RadioError(SdrlinkError):
    """A radio (device, server, serial port) is missing, busy or stopped answering."""
