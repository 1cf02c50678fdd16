"""The simulated channel: the embedded default radio."""

from phy.channel._noise import awgn, noise_std

__all__ = ["awgn", "noise_std"]
