"""One station's data link + physical layer: ARQ, CSMA, frame codec, modem (sans-I/O).

Samples and time go in, samples and events come out; the station never reads a clock.
The runtime (here `RadioChannel`) feeds it what its antenna hears with ``receive_samples``,
calls ``on_timer`` at ``next_deadline_s``, and collects its bursts with
``take_transmission``, then reports their end with ``transmit_done``.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field

import numpy as np

import phy
from mac._events import Event, KeyUp
from mac.csma import Csma, CsmaConfig, CsmaState
from mac.fec import FecLevel
from mac.frame import (
    BROADCAST,
    Frame,
    FrameDecoder,
    FrameFlags,
    FrameHeader,
    FrameType,
    encode_frame,
)
from mac.link import LinkBusyError, LinkConfig, LocalProtocolError, State, Station
from mac.link.codec import from_decoded, to_air

from ._config import RadioConfig, default_link_config
from ._events import BurstDropped, DatagramReceived, FrameHeard, FrameSent

__all__ = ["RadioStation", "StationCounters"]


@dataclass(slots=True)
class StationCounters:
    """What one station did (read them; the station updates them in place)."""

    key_ups: int = 0
    bursts_sent: int = 0
    bursts_received: int = 0
    frames_decoded: int = 0
    frames_for_us: int = 0
    corrected_bits: int = 0
    datagrams_sent: int = 0
    datagrams_dropped: int = 0
    sends_refused: int = 0
    drops: dict[str, int] = field(default_factory=dict)
    sent_to: dict[int, int] = field(default_factory=dict)  # frames per destination
    retransmitted_to: dict[int, int] = field(default_factory=dict)


class RadioStation:
    """Link `Station` + `Csma` + frame codec + a PHY profile's modulator and receiver.

    Parameters
    ----------
    address : int
        MAC address (0..65534; 65535 is broadcast).
    config : RadioConfig
        Profile, FEC level and medium access timing shared by the channel.
    rng : random.Random
        Persistence draws and initial sequence numbers.
    link_config : LinkConfig, optional
        ARQ settings (default: `default_link_config` for the profile at ``config.fec_level``).

    Notes
    -----
    Cost: the receiver's (a few microseconds per native sample) plus one frame encode per
    decoded frame (to count the bits the FEC corrected).
    """

    def __init__(
        self,
        address: int,
        *,
        config: RadioConfig,
        rng: random.Random,
        link_config: LinkConfig | None = None,
    ) -> None:
        if not 0 <= address < BROADCAST:
            raise LocalProtocolError(f"address={address}: use 0..{BROADCAST - 1}")
        self.address = address
        self.config = config
        self.profile = config.phy_profile
        self.link_config = link_config or default_link_config(self.profile, config.fec_level)
        self.station = Station(address, config=self.link_config, rng=rng)
        self.csma = Csma(
            config=CsmaConfig(
                tx_delay_s=config.symbols_s(config.tx_delay_symbols),
                persistence=config.persistence,
                slot_time_s=config.symbols_s(config.slot_symbols),
                tx_tail_s=config.symbols_s(config.tx_tail_symbols),
            ),
            rng=rng,
        )
        self._receiver = phy.make_receiver(self.profile)
        self._decoder = FrameDecoder()
        self._datagrams: deque[tuple[int, bytes]] = deque()
        self._data_start_s = math.inf  # keyed, waiting for TXDELAY
        self._pending_tx: np.ndarray | None = None
        self._transmitting = False
        self._stream_pos = 0
        self._timer_s = -math.inf
        self.counters = StationCounters()

    # ------------------------------------------------------------------ upper interface
    def connect(self, peer: int, now_s: float) -> list[Event]:
        """Open an ARQ link to ``peer`` (the FEC level is negotiated on connect)."""
        self.station.connect(peer, now_s)
        return self._kick(now_s)

    def send(self, peer: int, payload: bytes, now_s: float) -> list[Event]:
        """Queue ``payload`` on the ARQ link to ``peer``, connecting first if needed.

        A full queue or an oversized payload is counted in ``sends_refused`` (not raised):
        the layers above retransmit end to end.
        """
        link = self.station.link(peer)
        try:
            if link.state is State.CLOSED:
                self.station.connect(peer, now_s)
            self.station.send(peer, payload, now_s)
        except (LinkBusyError, LocalProtocolError):
            self.counters.sends_refused += 1
        return self._kick(now_s)

    def send_datagram(self, dst: int, payload: bytes, now_s: float) -> list[Event]:
        """Queue an unnumbered (UI) frame to ``dst`` (``BROADCAST`` for everyone): no ARQ."""
        if len(self._datagrams) >= self.config.max_datagrams:
            self.counters.datagrams_dropped += 1
            return []
        self._datagrams.append((dst, bytes(payload)))
        return self._kick(now_s)

    def close(self, peer: int, now_s: float) -> list[Event]:
        """Orderly close of the link to ``peer`` (queued data first)."""
        events = self.station.close(peer, now_s)
        return events + self._kick(now_s)

    # ------------------------------------------------------------------ runtime interface
    def next_deadline_s(self) -> float:
        """When ``on_timer`` next has work (``inf``: waiting for samples or a send).

        A link deadline that ``on_timer`` already saw pass (a frame waiting for the medium
        access) is re-checked one CSMA slot later instead of at once.
        """
        idle = self._pending_tx is None and not self._transmitting
        best = self._data_start_s if idle else math.inf
        link = self.station.next_deadline_s()
        if link is not None:
            if link <= self._timer_s:
                link = self._timer_s + self.csma.config.slot_time_s
            best = min(best, link)
        csma = self.csma.next_deadline_s()
        if csma is not None:
            best = min(best, csma)
        return best

    def on_timer(self, now_s: float) -> list[Event]:
        """Run the link's and the medium access's due timers; may start a transmission.

        Returns the link's events plus a `FrameSent` for every frame put on the air.
        """
        self._timer_s = max(self._timer_s, now_s)
        events = self.station.on_timer(now_s)
        for event in self.csma.on_timer(now_s):
            if isinstance(event, KeyUp):
                self._data_start_s = event.data_start_s
        events += self._kick(now_s)
        if not self._transmitting and self._pending_tx is None and now_s >= self._data_start_s:
            events += self._build_transmission(now_s)
        return events

    def take_transmission(self) -> np.ndarray | None:
        """The burst samples to put on the air now (native rate, unit power), once."""
        samples, self._pending_tx = self._pending_tx, None
        if samples is not None:
            self._transmitting = True
        return samples

    def transmit_done(self, now_s: float) -> list[Event]:
        """The transmission returned by ``take_transmission`` has ended at ``now_s``."""
        self._transmitting = False
        self.csma.transmit_done(now_s)
        return self._kick(now_s)

    @property
    def transmitting(self) -> bool:
        """Keyed and on the air (the receiver is deaf: half duplex)."""
        return self._transmitting

    def carrier_sense(self, now_s: float, busy: bool) -> list[Event]:
        """The energy detector's verdict on the samples heard up to ``now_s``."""
        for event in self.csma.channel_busy(now_s, busy):
            if isinstance(event, KeyUp):
                self._data_start_s = event.data_start_s
        return []

    def receive_samples(self, samples: np.ndarray, now_s: float) -> list[Event]:
        """Demodulate what the antenna heard; decoded frames go to the link.

        Returns the link's events plus `FrameHeard`, `BurstDropped` and `DatagramReceived`.
        """
        events: list[Event] = []
        for burst in self._receiver.process(samples):
            self.counters.bursts_received += 1
            events += self._on_burst(burst, now_s)
        self._stream_pos += samples.size
        return events + self._kick(now_s)

    @property
    def stream_samples(self) -> int:
        """Samples fed to the receiver so far (its stream's clock)."""
        return self._stream_pos

    def decoder_counters(self) -> dict[str, int]:
        """The frame decoder's counters (frames, dropped_<reason>, rs_corrected...)."""
        return dict(self._decoder.counters)

    # ------------------------------------------------------------------ internals
    def _kick(self, now_s: float) -> list[Event]:
        """Ask the medium access for the channel when there is something to send."""
        if self.csma.state is CsmaState.IDLE and self._wants_channel(now_s):
            for event in self.csma.request(now_s):
                if isinstance(event, KeyUp):
                    self._data_start_s = event.data_start_s
        return []

    def _wants_channel(self, now_s: float) -> bool:
        return bool(self._datagrams) or self.station.has_frames_to_send(now_s)

    def _build_transmission(self, now_s: float) -> list[Event]:
        self._data_start_s = math.inf
        self.counters.key_ups += 1
        airs, sent = [], []
        for frame in self.station.frames_to_send(now_s):
            airs.append(to_air(frame))
            retransmission = bool(frame.flags & FrameFlags.RETRANSMISSION)
            self._count_dst(frame.dst, retransmission=retransmission)
            sent.append(
                FrameSent(
                    dst=frame.dst,
                    frame_type=int(frame.frame_type),
                    retransmission=retransmission,
                    payload_bytes=len(frame.payload),
                )
            )
        while self._datagrams:
            dst, payload = self._datagrams.popleft()
            header = FrameHeader(
                frame_type=FrameType.UI, src=self.address, dst=dst, seq=0, ack=0, flags=0
            )
            airs.append(encode_frame(header, payload, fec=FecLevel(self.config.fec_level)))
            self.counters.datagrams_sent += 1
            self._count_dst(dst, retransmission=False)
            sent.append(
                FrameSent(
                    dst=dst,
                    frame_type=int(FrameType.UI),
                    retransmission=False,
                    payload_bytes=len(payload),
                )
            )
        if not airs:
            self.csma.transmit_done(now_s)
            return []
        gap = np.zeros(self.config.symbols_samples(self.config.gap_symbols), np.complex64)
        parts = []
        for air in airs:
            parts += [phy.modulate(self.profile, air).astype(np.complex64), gap]
        self.counters.bursts_sent += len(airs)
        self._pending_tx = np.concatenate(parts[:-1])
        return sent

    def _count_dst(self, dst: int, *, retransmission: bool) -> None:
        sent = self.counters.sent_to
        sent[dst] = sent.get(dst, 0) + 1
        if retransmission:
            again = self.counters.retransmitted_to
            again[dst] = again.get(dst, 0) + 1

    def _on_burst(self, burst, now_s: float) -> list[Event]:
        stream_sample = int(burst.start_sample)
        decoded = self._decoder.receive_data(burst, now_s)[0]
        if not isinstance(decoded, Frame):
            drops = self.counters.drops
            drops[decoded.reason] = drops.get(decoded.reason, 0) + 1
            return [
                BurstDropped(
                    reason=decoded.reason, snr_db=float(burst.snr_db), stream_sample=stream_sample
                )
            ]
        self.counters.frames_decoded += 1
        h = decoded.header
        corrected = _corrected_bits(decoded, burst.llrs)
        self.counters.corrected_bits += corrected
        heard = FrameHeard(
            src=h.src,
            dst=h.dst,
            frame_type=int(h.frame_type),
            retransmission=bool(h.flags & FrameFlags.RETRANSMISSION),
            fec_level=int(decoded.fec),
            snr_db=float(burst.snr_db),
            corrected_bits=corrected,
            stream_sample=stream_sample,
        )
        if h.dst not in (self.address, BROADCAST):
            return [heard]
        self.counters.frames_for_us += 1
        if h.frame_type == FrameType.UI:
            return [heard, DatagramReceived(peer=h.src, dst=h.dst, payload=decoded.payload)]
        if h.dst == BROADCAST:
            return [heard]
        return [heard, *self.station.receive_frame(from_decoded(decoded), now_s)]


def _corrected_bits(frame: Frame, llrs: np.ndarray) -> int:
    """Channel bit errors the FEC repaired: hard decisions against the re-encoded frame."""
    clean = np.unpackbits(
        np.frombuffer(encode_frame(frame.header, frame.payload, fec=frame.fec), np.uint8)
    )
    hard = (np.asarray(llrs) < 0).astype(np.uint8)
    n = min(clean.size, hard.size)
    return int(np.count_nonzero(clean[:n] != hard[:n]))
