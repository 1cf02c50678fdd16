"""Events of the radio stack beyond the link's own (``mac._events``).

`RadioStation.receive_samples` and `RadioStation.on_timer` return the link events
(``Connected``, ``DataReceived``, ``Acked``, ``Disconnected``, ``LinkLost``,
``FrameRejected``) plus these.
"""

from __future__ import annotations

from dataclasses import dataclass

from mac._events import Event

__all__ = ["BurstDropped", "DatagramReceived", "FrameHeard", "FrameSent"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DatagramReceived(Event):
    """An unnumbered (UI) frame for us or for everyone: no ARQ, no ordering."""

    peer: int
    dst: int
    payload: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class FrameHeard(Event):
    """A burst that decoded into a valid frame (whoever it was for).

    ``corrected_bits`` counts the channel bits the FEC repaired (hard decisions of the
    burst against the re-encoded frame); ``stream_sample`` is the burst's start in the
    receiver's own input stream.
    """

    src: int
    dst: int
    frame_type: int
    retransmission: bool
    fec_level: int
    snr_db: float
    corrected_bits: int
    stream_sample: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BurstDropped(Event):
    """A detected burst that was not a valid frame (``reason``: ``mac.frame.DROP_REASONS``).

    ``src`` is the transmitter the channel found on the air at that moment (the strongest
    one heard), when a `RadioChannel` delivered the samples; ``None`` otherwise.
    """

    reason: str
    snr_db: float
    stream_sample: int
    src: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FrameSent(Event):
    """A frame put on the air (one burst of a key-up); ``dst`` may be the broadcast address."""

    dst: int
    frame_type: int
    retransmission: bool
    payload_bytes: int
