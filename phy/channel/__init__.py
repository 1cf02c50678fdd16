"""The simulated channel: the embedded default radio's medium.

``Channel(ChannelConfig(...), rng=...)`` applies noise at a requested Eb/N0 or SNR, carrier
and sample-clock offsets, timing offset, phase noise, multipath, IQ imbalance, DC offset and
RTL-SDR 8-bit quantisation (RF), or noise, clock offset, level and tone twist (audio).
"""

from phy.channel._channel import Channel, ChannelConfig
from phy.channel._impairments import dequantise_cu8, quantise_cu8
from phy.channel._interp import ClockOffset
from phy.channel._noise import awgn, noise_std

__all__ = [
    "Channel",
    "ChannelConfig",
    "ClockOffset",
    "awgn",
    "dequantise_cu8",
    "noise_std",
    "quantise_cu8",
]
