"""Data link + physical layer of simulated radio stations on one shared channel.

`RadioStation` stacks the link's selective-repeat ARQ (``mac.link.Station``), p-persistent
CSMA (``mac.csma``), the frame codec with FEC (``mac.frame``) and a PHY profile's modulator
and streaming receiver (``phy``). `RadioChannel` joins stations in virtual time: bursts
overlap for real, noise is white and Gaussian, carrier sense is an energy detector. See
``docs/radio-medium.md``. The link events (``Connected``, ``DataReceived``...) are
re-exported here so that callers need only this package.
"""

from mac._events import Acked, Connected, DataReceived, Disconnected, FrameRejected, LinkLost

from ._channel import ChannelEvent, RadioChannel
from ._config import MAX_LINK_PAYLOAD_BYTES, RadioConfig, default_link_config, frame_airtime_s
from ._events import BurstDropped, DatagramReceived, FrameHeard, FrameSent
from ._station import RadioStation, StationCounters

__all__ = [
    "MAX_LINK_PAYLOAD_BYTES",
    "Acked",
    "BurstDropped",
    "ChannelEvent",
    "Connected",
    "DataReceived",
    "DatagramReceived",
    "Disconnected",
    "FrameHeard",
    "FrameRejected",
    "FrameSent",
    "LinkLost",
    "RadioChannel",
    "RadioConfig",
    "RadioStation",
    "StationCounters",
    "default_link_config",
    "frame_airtime_s",
]
