"""One point-to-point link: handshake, selective-repeat ARQ, keep-alive, orderly close.

Sans-I/O in the h11 style. The runtime feeds received frames and timer ticks, and asks for
frames to transmit; time is always an argument. The transitions live in ``_state.py``; this
module holds the actions and the ARQ book-keeping.

Runtime loop (one link)::

    link.connect(peer, now_s)                  # or wait: a CLOSED link accepts a CONNECT
    events = link.receive_frame(frame, now_s)  # for every decoded frame addressed to us
    events = link.on_timer(now_s)              # when now_s reaches link.next_deadline_s()
    if link.has_frames_to_send(now_s):         # ask the medium access for the channel, then
        frames = link.frames_to_send(now_s)    # transmit them back to back
"""

from __future__ import annotations

import math
import random
from collections import deque

from .._events import (
    Acked,
    Connected,
    DataReceived,
    Disconnected,
    Event,
    FrameRejected,
    LinkLost,
)
from ._config import LinkConfig, LinkStats
from ._errors import LinkBusyError, LocalProtocolError
from ._record import (
    PROTOCOL_VERSION,
    SEQ_MASK,
    ConnectParams,
    FrameFlags,
    FrameType,
    LinkFrame,
    decode_sack,
    encode_sack,
    seq_distance,
)
from ._rtt import RttEstimator
from ._state import _TRANSITIONS, LOCAL_INPUTS, Input, State

__all__ = ["Link"]

_INF = math.inf
_RX_INPUT = {
    FrameType.DATA: Input.RX_DATA,
    FrameType.ACK: Input.RX_ACK,
    FrameType.CONNECT: Input.RX_CONNECT,
    FrameType.CONNECT_ACK: Input.RX_CONNECT_ACK,
    FrameType.KEEPALIVE: Input.RX_KEEPALIVE,
    FrameType.DISCONNECT: Input.RX_DISCONNECT,
    FrameType.DISCONNECT_ACK: Input.RX_DISCONNECT_ACK,
}
_LIVE = frozenset(
    {State.CONNECTED, State.DISCONNECTING, State.FIN_SENT, State.REMOTE_DISCONNECTING}
)
_SENDS_DATA = frozenset({State.CONNECTED, State.DISCONNECTING, State.REMOTE_DISCONNECTING})
_DRAINING = frozenset({State.DISCONNECTING, State.REMOTE_DISCONNECTING})
_MAX_ONESHOT = 8


class _Slot:
    """One DATA frame in flight."""

    __slots__ = ("deadline_s", "due", "first_sent_s", "message_id", "payload", "sacked")
    __slots__ += ("tx_count", "tx_order")

    def __init__(
        self, message_id: int, payload: bytes, now_s: float, deadline_s: float, tx_order: int
    ):
        self.message_id = message_id
        self.payload = payload
        self.first_sent_s = now_s
        self.deadline_s = deadline_s
        self.tx_order = tx_order
        self.tx_count = 1
        self.due = False
        self.sacked = False


class Link:
    """A reliable, ordered, exactly-once message link to one peer over lossy frames.

    Parameters
    ----------
    local_address : int
        This station's address (0..65535).
    config : LinkConfig, optional
        Window, FEC, timers (defaults: ``LinkConfig()``).
    rng : random.Random, optional
        Source of initial sequence numbers (seed it in tests).

    Notes
    -----
    Selective repeat with a sliding window of up to 64 frames over 16-bit wrapping sequence
    numbers; cumulative ACKs ride on DATA frames, ACK frames add a SACK bitmap. Timeouts
    follow `RttEstimator` (Jacobson/Karels with Karn's rule and exponential backoff). Loss is
    also detected without a timeout, by transmission order (as TCP RACK does): a frame still
    unacknowledged when a frame transmitted ``dupthresh`` transmissions after it has been
    acknowledged or SACKed is retransmitted at once (this also repairs lost
    retransmissions). Every call costs O(window) at most.
    """

    def __init__(
        self,
        local_address: int,
        *,
        config: LinkConfig | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not 0 <= local_address <= 0xFFFF:
            raise LocalProtocolError(f"local_address={local_address}: use 0..65535")
        self._local = local_address
        self._cfg = config if config is not None else LinkConfig()
        self._rng = rng if rng is not None else random.Random()
        self._own = ConnectParams(
            fec_level=self._cfg.fec_level,
            window=self._cfg.window,
            max_payload_bytes=self._cfg.max_payload_bytes,
        )
        cfl = self._cfg.control_fec_level
        self._control_fec = self._cfg.fec_level if cfl is None else cfl
        self.stats = LinkStats()
        self._state = State.CLOSED
        self._events: list[Event] = []
        self._oneshot: list[LinkFrame] = []
        self._tx_blocked_until_s = -_INF
        self._now_s = -_INF
        self._next_message_id = 0
        self._reset_connection()

    # ------------------------------------------------------------------ public properties
    @property
    def state(self) -> State:
        """The current `State`."""
        return self._state

    @property
    def local_address(self) -> int:
        """This station's address."""
        return self._local

    @property
    def peer(self) -> int | None:
        """The peer's address (``None`` when closed and idle)."""
        return self._peer

    @property
    def params(self) -> ConnectParams | None:
        """The negotiated FEC level, window and payload size (``None`` until connected)."""
        return self._params

    @property
    def srtt_s(self) -> float | None:
        """Smoothed round-trip time, seconds."""
        return self._rtt.srtt_s

    @property
    def rto_s(self) -> float:
        """Current retransmission timeout (with backoff), seconds."""
        return self._rtt.rto_s

    @property
    def send_capacity(self) -> int:
        """How many more messages ``send`` accepts now."""
        return self._cfg.max_send_queue - len(self._queue) - len(self._inflight)

    @property
    def unacked_message_ids(self) -> tuple[int, ...]:
        """Messages accepted by ``send`` and not yet acknowledged, oldest first."""
        return tuple(s.message_id for s in self._inflight.values()) + tuple(
            m for m, _ in self._queue
        )

    # ------------------------------------------------------------------ public API
    def connect(self, peer: int, now_s: float) -> None:
        """Open a link to ``peer`` (CONNECT is retried with backoff until answered)."""
        if not 0 <= peer <= 0xFFFF:
            raise LocalProtocolError(f"peer={peer}: use an address in 0..65535")
        if self._state is State.CLOSED:
            self._reset_connection()
            self._peer = peer
        self._fire(Input.CONNECT, now_s)

    def send(self, payload: bytes, now_s: float) -> int:
        """Queue one message; returns its id (reported back by ``Acked``).

        Raises `LinkBusyError` when ``send_capacity`` is 0 and `LocalProtocolError` when the
        payload exceeds the (negotiated) maximum or the link is not open.
        """
        limit = (self._params or self._own).max_payload_bytes
        if len(payload) > limit:
            raise LocalProtocolError(
                f"payload of {len(payload)} bytes exceeds the link maximum of {limit} bytes; "
                "segment it in the transport layer"
            )
        if self.send_capacity <= 0:
            raise LinkBusyError(
                f"send queue full ({self._cfg.max_send_queue} messages): wait for Acked events"
            )
        self._fire(Input.SEND, now_s)
        message_id = self._next_message_id
        self._next_message_id += 1
        self._queue.append((message_id, bytes(payload)))
        return message_id

    def close(self, now_s: float) -> list[Event]:
        """Orderly close: queued data is delivered first, then DISCONNECT is exchanged."""
        self._fire(Input.CLOSE, now_s)
        self._check_drained(now_s)
        return self._take_events()

    def abort(self, now_s: float) -> list[Event]:
        """Drop the link at once (no drain): a DISCONNECT_ACK (DM) tells the peer, and
        ``Disconnected(reason="local")`` lists what was never acknowledged."""
        self._fire(Input.ABORT, now_s)
        return self._take_events()

    def receive_frame(self, frame: LinkFrame, now_s: float) -> list[Event]:
        """Process one decoded frame; returns the events it caused. Never raises on input."""
        self._now_s = max(self._now_s, now_s)
        if frame.dst != self._local:
            self.stats.not_for_us += 1
            return []
        self._tx_blocked_until_s = now_s + self._cfg.turnaround_s
        inp = _RX_INPUT.get(frame.frame_type)
        reason = self._reject_reason(frame, inp)
        if reason is not None:
            self.stats.protocol_errors += 1
            return [FrameRejected(reason=reason, length_bytes=len(frame.payload))]
        if self._state is not State.CLOSED and frame.src != self._peer:
            self.stats.not_for_us += 1
            return []
        self.stats.frames_received += 1
        if self._state in _LIVE:
            self._last_rx_s = now_s
        self._fire(inp, now_s, frame)  # type: ignore[arg-type]
        self._check_drained(now_s)
        return self._take_events()

    def on_timer(self, now_s: float) -> list[Event]:
        """Run the timers that are due: retransmission, keep-alive, loss of link."""
        self._now_s = max(self._now_s, now_s)
        if self._state in _LIVE and now_s - self._last_rx_s >= self._cfg.link_timeout_s:
            self._fire(Input.PEER_SILENT, now_s)
            return self._take_events()
        if self._expire_data_timers(now_s) or self._expire_control_timer(now_s):
            return self._take_events()
        if self._state in _LIVE and now_s >= self._keepalive_at_s():
            self._queue_oneshot(self._make(FrameType.KEEPALIVE, FrameFlags.ACK_REQUEST))
            self._last_keepalive_s = now_s
            self.stats.keepalives_sent += 1
        return self._take_events()

    def has_frames_to_send(self, now_s: float) -> bool:
        """Whether ``frames_to_send(now_s)`` would return frames (ask the medium access)."""
        if now_s < self._tx_blocked_until_s:
            return False
        if self._oneshot or (self._ctrl_frame is not None and self._ctrl_send_now):
            return True
        if self._ack_needed and self._ack_due_s <= now_s and self._state in _LIVE:
            return True
        if self._state not in _SENDS_DATA:
            return False
        if self._queue and seq_distance(self._snd_una, self._snd_nxt) < self._params.window:
            return True
        return any(s.due for s in self._inflight.values())

    def frames_to_send(self, now_s: float) -> list[LinkFrame]:
        """Frames to transmit now, back to back (control, ACK, retransmissions, new data)."""
        self._now_s = max(self._now_s, now_s)
        if now_s < self._tx_blocked_until_s:
            return []
        out = self._oneshot
        self._oneshot = []
        if self._ctrl_frame is not None and self._ctrl_send_now:
            out.append(self._ctrl_frame)
            self._ctrl_send_now = False
            self._ctrl_sent_s = now_s
            self._ctrl_deadline_s = now_s + self._rtt.rto_s
        if self._state in _LIVE:
            data = self._data_frames(now_s) if self._state in _SENDS_DATA else []
            if self._ack_needed and self._ack_due_s <= now_s and (not data or self._ooo):
                out.append(self._make_ack())
                self._ack_needed = False
                self._ack_due_s = _INF
            out.extend(data)
        self.stats.frames_sent += len(out)
        return out

    def next_deadline_s(self) -> float | None:
        """When ``on_timer`` (or ``frames_to_send``) next has work; ``None``: nothing pending."""
        best = _INF
        if self._ctrl_frame is not None and not self._ctrl_send_now:
            best = self._ctrl_deadline_s
        for slot in self._inflight.values():
            if not slot.sacked and not slot.due and slot.deadline_s < best:
                best = slot.deadline_s
        if self._state in _LIVE:
            best = min(best, self._keepalive_at_s(), self._last_rx_s + self._cfg.link_timeout_s)
            if self._ack_needed and self._ack_due_s > self._now_s:
                best = min(best, self._ack_due_s)
        if self._tx_blocked_until_s > self._now_s:  # frames become sendable after turnaround
            best = min(best, self._tx_blocked_until_s)
        return None if best == _INF else best

    # ------------------------------------------------------------------ state machine
    def _fire(self, inp: Input, now_s: float, frame: LinkFrame | None = None) -> None:
        entry = _TRANSITIONS.get((self._state, inp))
        if entry is None:
            if inp in LOCAL_INPUTS:
                raise LocalProtocolError(
                    f"cannot {inp.value} while the link is {self._state.value}"
                    + ("; connect() first" if self._state is State.CLOSED else "")
                )
            if frame is not None:
                self.stats.protocol_errors += 1
                self._events.append(
                    FrameRejected(
                        reason=f"unexpected {inp.value} in {self._state.name}",
                        length_bytes=len(frame.payload),
                    )
                )
            return
        self._state = entry[0]
        getattr(self, entry[1])(now_s, frame)

    def _reject_reason(self, frame: LinkFrame, inp: Input | None) -> str | None:
        if inp is None:
            return f"unknown frame type {int(frame.frame_type)}"
        if frame.version != PROTOCOL_VERSION:
            return f"protocol version {frame.version}"
        if inp in (Input.RX_CONNECT, Input.RX_CONNECT_ACK):
            params = ConnectParams.from_bytes(frame.payload)
            if params is None:
                return "malformed connect parameters"
            if inp is Input.RX_CONNECT_ACK and self._state is State.CONNECTING:
                own = self._own
                if frame.ack != self._isn or frame.src != self._peer:
                    return "stale CONNECT_ACK"
                if params.window > own.window or params.max_payload_bytes > own.max_payload_bytes:
                    return "CONNECT_ACK parameters exceed the proposal"
        elif inp is Input.RX_DISCONNECT_ACK and self._state is not State.CLOSED:
            # a DM/DISCONNECT_ACK echoes the seq of the frame it answers: one of ours
            sent = seq_distance(self._snd_una, self._snd_nxt)
            if frame.src != self._peer or seq_distance(self._snd_una, frame.ack) > sent:
                return "stale DISCONNECT_ACK"
        return None

    def _check_drained(self, now_s: float) -> None:
        if self._state in _DRAINING and not self._queue and not self._inflight:
            self._fire(Input.DRAINED, now_s)

    def _take_events(self) -> list[Event]:
        events = self._events
        self._events = []
        return events

    # ------------------------------------------------------------------ actions (table)
    def _do_nothing(self, now_s: float, frame: LinkFrame | None) -> None:
        return

    def _do_queue(self, now_s: float, frame: LinkFrame | None) -> None:
        """``send`` appends to the queue once the table has allowed it."""

    def _do_connect(self, now_s: float, frame: LinkFrame | None) -> None:
        self._isn = self._rng.randrange(SEQ_MASK + 1)
        self._snd_una = self._snd_nxt = self._isn
        self._set_control(FrameType.CONNECT, now_s, self._own.to_bytes())

    def _do_accept(self, now_s: float, frame: LinkFrame | None) -> None:
        assert frame is not None
        if self._isn is None:
            self._isn = self._rng.randrange(SEQ_MASK + 1)
            self._snd_una = self._snd_nxt = self._isn
        self._peer = frame.src
        theirs = ConnectParams.from_bytes(frame.payload)
        assert theirs is not None
        self._params = self._own.agree(theirs)
        self._peer_isn = self._rcv_next = frame.seq
        self._ctrl_frame = None
        self._queue_oneshot(self._connect_ack())
        self._established(now_s)

    def _do_established(self, now_s: float, frame: LinkFrame | None) -> None:
        assert frame is not None
        self._params = ConnectParams.from_bytes(frame.payload)
        self._peer_isn = self._rcv_next = frame.seq
        if self._ctrl_tries == 0:  # Karn: only an unrepeated CONNECT gives an RTT sample
            self._rtt.sample(now_s - self._ctrl_sent_s)
        self._ctrl_frame = None
        self._established(now_s)

    def _do_reconnect(self, now_s: float, frame: LinkFrame | None) -> None:
        assert frame is not None
        if frame.seq == self._peer_isn:  # our CONNECT_ACK was lost: repeat it
            self._queue_oneshot(self._connect_ack())
            return
        self._events.append(
            LinkLost(peer=frame.src, reason="peer restarted", unacked_message_ids=self._unacked())
        )
        self._reset_connection()
        self._do_accept(now_s, frame)

    def _do_traffic(self, now_s: float, frame: LinkFrame | None) -> None:
        assert frame is not None
        kind = frame.frame_type
        sack = decode_sack(frame.payload) if kind == FrameType.ACK else 0
        self._on_ack(frame.ack, sack, now_s)
        if kind == FrameType.DATA:
            self._on_data(frame, now_s)
        if frame.flags & FrameFlags.ACK_REQUEST or kind == FrameType.KEEPALIVE:
            self._ack_needed = True
            self._ack_due_s = now_s

    def _do_close(self, now_s: float, frame: LinkFrame | None) -> None:
        """Draining starts; ``_check_drained`` sends DISCONNECT when the queue is empty."""

    def _do_remote_close(self, now_s: float, frame: LinkFrame | None) -> None:
        """Drain our queue; ``_check_drained`` answers DISCONNECT_ACK when it is empty."""

    def _do_note_peer_fin(self, now_s: float, frame: LinkFrame | None) -> None:
        self._peer_fin = True

    def _do_send_fin(self, now_s: float, frame: LinkFrame | None) -> None:
        if self._peer_fin:
            self._queue_oneshot(self._make(FrameType.DISCONNECT_ACK))
        self._set_control(FrameType.DISCONNECT, now_s)

    def _do_ack_disconnect(self, now_s: float, frame: LinkFrame | None) -> None:
        assert frame is not None
        self._queue_oneshot(self._reply(frame, FrameType.DISCONNECT_ACK))

    def _do_send_dm(self, now_s: float, frame: LinkFrame | None) -> None:
        assert frame is not None
        self._queue_oneshot(self._reply(frame, FrameType.DISCONNECT_ACK))

    def _do_closed_remote(self, now_s: float, frame: LinkFrame | None) -> None:
        self._queue_oneshot(self._make(FrameType.DISCONNECT_ACK))
        self._end(Disconnected, "remote")

    def _do_closed_local(self, now_s: float, frame: LinkFrame | None) -> None:
        self._end(Disconnected, "local")

    def _do_abort(self, now_s: float, frame: LinkFrame | None) -> None:
        self._end(Disconnected, "local")

    def _do_abort_link(self, now_s: float, frame: LinkFrame | None) -> None:
        if self._peer_isn is not None:  # the peer has a link to reset
            self._queue_oneshot(self._make(FrameType.DISCONNECT_ACK))
        self._end(Disconnected, "local")

    def _do_refused(self, now_s: float, frame: LinkFrame | None) -> None:
        self._end(Disconnected, "refused")

    def _do_reset(self, now_s: float, frame: LinkFrame | None) -> None:
        self._end(Disconnected, "reset")

    def _do_connect_timeout(self, now_s: float, frame: LinkFrame | None) -> None:
        self._end(Disconnected, "timeout")

    def _do_fin_timeout(self, now_s: float, frame: LinkFrame | None) -> None:
        self._end(Disconnected, "timeout")

    def _do_lost_retries(self, now_s: float, frame: LinkFrame | None) -> None:
        self._end(LinkLost, "retries")

    def _do_lost_silent(self, now_s: float, frame: LinkFrame | None) -> None:
        self._end(LinkLost, "silent")

    # ------------------------------------------------------------------ helpers
    def _reset_connection(self) -> None:
        self._peer: int | None = None
        self._params: ConnectParams | None = None
        self._rtt = RttEstimator(
            rto_initial_s=self._cfg.rto_initial_s,
            rto_min_s=self._cfg.rto_min_s,
            rto_max_s=self._cfg.rto_max_s,
        )
        self._isn: int | None = None
        self._peer_isn: int | None = None
        self._snd_una = self._snd_nxt = 0
        self._rcv_next = 0
        self._queue: deque[tuple[int, bytes]] = deque()
        self._inflight: dict[int, _Slot] = {}
        self._ooo: dict[int, bytes] = {}
        self._ack_needed = False
        self._ack_due_s = _INF
        self._ctrl_frame: LinkFrame | None = None
        self._ctrl_send_now = False
        self._ctrl_deadline_s = _INF
        self._ctrl_sent_s = 0.0
        self._ctrl_tries = 0
        self._peer_fin = False
        self._tx_order = 0
        self._rack_order = -1
        self._last_rx_s = 0.0
        self._last_keepalive_s = -_INF

    def _established(self, now_s: float) -> None:
        self._last_rx_s = now_s
        params = self._params
        assert params is not None and self._peer is not None
        self._events.append(
            Connected(
                peer=self._peer,
                fec_level=params.fec_level,
                window=params.window,
                max_payload_bytes=params.max_payload_bytes,
            )
        )

    def _end(self, kind: type[Disconnected] | type[LinkLost], reason: str) -> None:
        assert self._peer is not None
        self._events.append(
            kind(peer=self._peer, reason=reason, unacked_message_ids=self._unacked())
        )
        self._reset_connection()

    def _unacked(self) -> tuple[int, ...]:
        return self.unacked_message_ids

    def _keepalive_at_s(self) -> float:
        """First probe ``keepalive_s`` after the last reception; unanswered probes repeat
        every RTO (at most every ``keepalive_s``) until ``link_timeout_s``."""
        keepalive = self._cfg.keepalive_s
        if self._last_keepalive_s < self._last_rx_s:
            return self._last_rx_s + keepalive
        return self._last_keepalive_s + min(keepalive, self._rtt.rto_s)

    def _queue_oneshot(self, frame: LinkFrame) -> None:
        if len(self._oneshot) < _MAX_ONESHOT and frame not in self._oneshot:
            self._oneshot.append(frame)

    def _set_control(self, kind: FrameType, now_s: float, payload: bytes = b"") -> None:
        self._ctrl_frame = self._make(kind, payload=payload)
        self._ctrl_send_now = True
        self._ctrl_tries = 0
        self._ctrl_sent_s = now_s
        self._ctrl_deadline_s = _INF

    def _make(
        self,
        kind: FrameType,
        flags: FrameFlags = FrameFlags.NONE,
        *,
        seq: int | None = None,
        payload: bytes = b"",
    ) -> LinkFrame:
        assert self._peer is not None
        return LinkFrame(
            frame_type=kind,
            flags=flags,
            src=self._local,
            dst=self._peer,
            seq=self._snd_nxt if seq is None else seq,
            ack=self._rcv_next if self._peer_isn is not None else 0,
            payload=payload,
            fec_level=self._control_fec,
        )

    def _reply(self, frame: LinkFrame, kind: FrameType) -> LinkFrame:
        return LinkFrame(
            frame_type=kind,
            src=self._local,
            dst=frame.src,
            seq=frame.ack,
            ack=frame.seq,
            fec_level=self._control_fec,
        )

    def _connect_ack(self) -> LinkFrame:
        assert self._params is not None and self._isn is not None
        return self._make(FrameType.CONNECT_ACK, seq=self._isn, payload=self._params.to_bytes())

    def _make_ack(self) -> LinkFrame:
        bitmap = 0
        for seq in self._ooo:
            bitmap |= 1 << (seq_distance(self._rcv_next, seq) - 1)
        return self._make(FrameType.ACK, payload=encode_sack(bitmap))

    # ------------------------------------------------------------------ ARQ
    def _data_frames(self, now_s: float) -> list[LinkFrame]:
        """Due retransmissions, then new frames while the window is open (O(window))."""
        assert self._params is not None and self._peer is not None
        out: list[LinkFrame] = []
        rto = self._rtt.rto_s
        make = self._data_frame
        for seq, slot in self._inflight.items():
            if slot.due:
                slot.due = False
                slot.tx_count += 1
                slot.deadline_s = now_s + rto
                slot.tx_order = self._tx_order
                self._tx_order += 1
                self.stats.retransmissions += 1
                out.append(make(seq, slot.payload, FrameFlags.RETRANSMISSION))
        window = self._params.window
        while self._queue and seq_distance(self._snd_una, self._snd_nxt) < window:
            message_id, payload = self._queue.popleft()
            seq = self._snd_nxt
            self._inflight[seq] = _Slot(message_id, payload, now_s, now_s + rto, self._tx_order)
            self._tx_order += 1
            self._snd_nxt = (seq + 1) & SEQ_MASK
            out.append(make(seq, payload))
        if out:
            last = out[-1]
            out[-1] = make(last.seq, last.payload, last.flags | FrameFlags.ACK_REQUEST)
            self.stats.data_frames_sent += len(out)
            if not self._ooo:
                self._ack_needed = False
                self._ack_due_s = _INF
        return out

    def _data_frame(
        self, seq: int, payload: bytes, flags: FrameFlags = FrameFlags.NONE
    ) -> LinkFrame:
        return LinkFrame(
            frame_type=FrameType.DATA,
            flags=flags,
            src=self._local,
            dst=self._peer,  # type: ignore[arg-type]
            seq=seq,
            ack=self._rcv_next,
            payload=payload,
            fec_level=self._params.fec_level,  # type: ignore[union-attr]
        )

    def _on_ack(self, ack: int, sack: int, now_s: float) -> None:
        span = seq_distance(self._snd_una, ack)
        if span > seq_distance(self._snd_una, self._snd_nxt):
            self.stats.stale_acks += 1
            return
        sample = None
        seq = self._snd_una
        peer = self._peer
        rack = self._rack_order
        for _ in range(span):
            slot = self._inflight.pop(seq)
            if slot.tx_count == 1:
                sample = now_s - slot.first_sent_s
            if slot.tx_order > rack:
                rack = slot.tx_order
            self._events.append(Acked(peer=peer, message_id=slot.message_id))  # type: ignore[arg-type]
            seq = (seq + 1) & SEQ_MASK
        self._snd_una = ack
        if sample is not None:
            self._rtt.sample(sample)
        self._rack_order = rack
        if sack or span:
            self._detect_losses(sack)

    def _detect_losses(self, sack: int) -> None:
        """Mark SACKed frames, then retransmit frames sent ``dupthresh`` transmissions before
        the newest acknowledged one (RACK-style loss detection by transmission order)."""
        una = self._snd_una
        inflight = self._inflight
        rack = self._rack_order
        i = 0
        while sack:
            if sack & 1:
                slot = inflight.get((una + 1 + i) & SEQ_MASK)
                if slot is not None and not slot.sacked:
                    slot.sacked = True
                    slot.due = False
                    if slot.tx_order > rack:
                        rack = slot.tx_order
            sack >>= 1
            i += 1
        self._rack_order = rack
        limit = rack - self._cfg.dupthresh
        for slot in inflight.values():
            if not slot.sacked and not slot.due and slot.tx_order <= limit:
                slot.due = True
                self.stats.fast_retransmissions += 1

    def _on_data(self, frame: LinkFrame, now_s: float) -> None:
        assert self._params is not None
        distance = seq_distance(self._rcv_next, frame.seq)
        window = self._params.window
        self._ack_needed = True
        if distance == 0:
            self._deliver(frame.payload)
            ooo = self._ooo
            had_gap = bool(ooo)
            nxt = self._rcv_next
            while nxt in ooo:
                self._deliver(ooo.pop(nxt))
                nxt = self._rcv_next
            due = now_s if had_gap else now_s + self._cfg.ack_delay_s
            self._ack_due_s = min(self._ack_due_s, due)
            return
        self._ack_due_s = now_s
        if distance < window:
            if frame.seq in self._ooo:
                self.stats.duplicates += 1
            else:
                self._ooo[frame.seq] = frame.payload
        elif seq_distance(frame.seq, self._rcv_next) <= window:
            self.stats.duplicates += 1
        else:
            self.stats.out_of_window += 1

    def _deliver(self, payload: bytes) -> None:
        self._rcv_next = (self._rcv_next + 1) & SEQ_MASK
        self.stats.messages_delivered += 1
        self.stats.bytes_delivered += len(payload)
        self._events.append(DataReceived(peer=self._peer, payload=payload))  # type: ignore[arg-type]

    def _expire_data_timers(self, now_s: float) -> bool:
        """Mark timed-out frames due; True if the link died of too many retries."""
        timed_out = False
        for slot in self._inflight.values():
            if not slot.sacked and not slot.due and slot.deadline_s <= now_s:
                if slot.tx_count > self._cfg.max_retries:
                    self._fire(Input.RETRIES_EXHAUSTED, now_s)
                    return True
                slot.due = True
                timed_out = True
        if timed_out:
            self._rtt.on_timeout()
            self.stats.timeouts += 1
        return False

    def _expire_control_timer(self, now_s: float) -> bool:
        """Repeat CONNECT/DISCONNECT when unanswered; True if the retries ran out."""
        if self._ctrl_frame is None or self._ctrl_send_now or now_s < self._ctrl_deadline_s:
            return False
        self._ctrl_tries += 1
        if self._ctrl_tries > self._cfg.max_retries:
            self._fire(Input.RETRIES_EXHAUSTED, now_s)
            return True
        self._ctrl_send_now = True
        self._rtt.on_timeout()
        self.stats.timeouts += 1
        return False
