"""Layer 5: authenticated sessions with keep-alive, termination and resumption (sans-I/O).

Handshake (two transport messages, both signed with the sender's Ed25519 identity)::

    HELLO     kind | mode | incarnation (8) | nonce (16) | ed25519 pub (32) | x25519 pub (32)
              | rx_next (4) | signature (64) [| PSK tag (32)]
    HELLO_ACK the same | initiator's nonce (16) | signature [| PSK tag]

The signature covers a label, both addresses and every field, so it cannot be replayed to
another node or another handshake. A HELLO is refused (``SessionRefused`` and a REFUSE reply)
when the key does not hash to the sender's address, is not in ``trusted_keys``, the
signature or PSK tag is wrong, or the protection modes differ. Both sides derive, with
HKDF-SHA256 over the X25519 secret (salt: both nonces; info: both addresses and the PSK),
a key per direction and a session id for the ``Protector`` of layer 6.

After the handshake every message is ``SEALED | Protector.seal(type | seq | ack | payload)``
where ``ack`` is the sender's next expected sequence number. Data messages carry a session
sequence number that survives reconnections and stay in a bounded outbox until the peer's
``ack`` covers them (a receiver with nothing to send confirms after ``ack_delay_s``); a
HELLO carries the same number, the other side re-sends from there, and the receiver drops
numbers it already has, so each message is delivered exactly once and in order. An
authenticated message ahead of the expected number, or three sealed frames in a row that
fail authentication, make the session resynchronise (a new handshake). Silence longer than
``keepalive_interval_s`` sends a PING; longer than ``keepalive_timeout_s`` declares the
session down (``SessionDown``), resets the transport and re-handshakes with back-off.
"""

from __future__ import annotations

import enum
import hmac
import random
import struct
from collections import OrderedDict
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from phy.errors import ConfigError, SdrlinkError
from upper._events import (
    Dropped,
    MessageAcked,
    MessageReceived,
    SessionClosed,
    SessionDown,
    SessionEstablished,
    SessionRefused,
)
from upper.network import address_from_public_key
from upper.presentation import MODES, Identity, Protector, verify_signature
from upper.transport import Transport

__all__ = ["SessionConfig", "SessionError", "SessionLayer", "SessionState", "mermaid_diagram"]

K_HELLO, K_HELLO_ACK, K_SEALED, K_REFUSE = 1, 2, 3, 4
T_DATA, T_PING, T_PONG, T_CLOSE, T_CLOSE_ACK, T_ACK = 1, 2, 3, 4, 5, 6
_HELLO = struct.Struct(">BB8s16s32s32sI")
_INNER = struct.Struct(">BII")  # type, sequence number, next expected from the peer
_ENTRY_COST = 64  # bytes charged per outbox entry besides its payload (bookkeeping)
_MODE_CODE = {"encrypt": 1, "sign": 2}
_CODE_MODE = {v: k for k, v in _MODE_CODE.items()}


class SessionError(SdrlinkError):
    """Local misuse of the session layer (e.g. outbox full)."""


class SessionState(enum.Enum):
    IDLE = "idle"
    HELLO_SENT = "hello-sent"
    ESTABLISHED = "established"
    DOWN = "down"
    CLOSING = "closing"
    CLOSED = "closed"


S = SessionState
#: (state, happening) -> next state. A pair missing here is ignored and counted.
_TRANSITIONS: dict[tuple[SessionState, str], SessionState] = {
    (S.IDLE, "connect"): S.HELLO_SENT,
    (S.IDLE, "hello"): S.ESTABLISHED,
    (S.HELLO_SENT, "hello_ack"): S.ESTABLISHED,
    (S.HELLO_SENT, "hello"): S.ESTABLISHED,
    (S.HELLO_SENT, "retry"): S.HELLO_SENT,
    (S.HELLO_SENT, "refused"): S.CLOSED,
    (S.HELLO_SENT, "close"): S.CLOSED,
    (S.ESTABLISHED, "hello"): S.ESTABLISHED,
    (S.ESTABLISHED, "timeout"): S.DOWN,
    (S.ESTABLISHED, "resync"): S.HELLO_SENT,
    (S.ESTABLISHED, "close"): S.CLOSING,
    (S.ESTABLISHED, "peer_close"): S.CLOSED,
    (S.DOWN, "retry"): S.HELLO_SENT,
    (S.DOWN, "hello"): S.ESTABLISHED,
    (S.DOWN, "close"): S.CLOSED,
    (S.CLOSING, "close_ack"): S.CLOSED,
    (S.CLOSING, "peer_close"): S.CLOSED,
    (S.CLOSING, "timeout"): S.CLOSED,
    (S.CLOSING, "hello"): S.ESTABLISHED,
    (S.CLOSED, "connect"): S.HELLO_SENT,
    (S.CLOSED, "hello"): S.ESTABLISHED,
}


def mermaid_diagram() -> str:
    """The session state machine as a Mermaid state diagram, generated from ``_TRANSITIONS``."""
    lines = ["stateDiagram-v2", "    [*] --> idle"]
    for (state, happening), nxt in _TRANSITIONS.items():
        lines.append(f"    {_node(state)} --> {_node(nxt)}: {happening}")
    return "\n".join(lines)


def _node(state: SessionState) -> str:
    return state.value.replace("-", "_")


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionConfig:
    """Session parameters (times in seconds)."""

    mode: str = "encrypt"
    keepalive_interval_s: float = 5.0
    keepalive_timeout_s: float = 15.0
    reconnect_min_s: float = 2.0
    reconnect_max_s: float = 30.0
    close_timeout_s: float = 10.0
    ack_delay_s: float = 1.0  # confirm delivered data after this long if nothing else goes
    max_sessions: int = 256
    max_outbox_bytes: int = 4 << 20
    trusted_keys: frozenset[bytes] | None = None
    psk: bytes | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"session mode {self.mode!r} is not one of {MODES}")
        if self.keepalive_timeout_s <= self.keepalive_interval_s:
            raise ConfigError("keepalive_timeout_s must exceed keepalive_interval_s")


@dataclass(slots=True)
class _Session:
    state: SessionState = SessionState.IDLE
    initiator: bool = False
    nonce: bytes = b""
    eph: X25519PrivateKey | None = None
    protector: Protector | None = None
    old_protector: Protector | None = None
    peer_incarnation: bytes | None = None
    tx_seq: int = 0
    rx_next: int = 0
    outbox: OrderedDict = field(default_factory=OrderedDict)  # seq -> payload
    outbox_bytes: int = 0
    ack_due_s: float = float("inf")  # a confirmation of delivered data is owed by then
    open_failures: int = 0  # sealed frames in a row that failed authentication
    last_rx_s: float = 0.0
    last_ping_s: float = -1e18
    retry_at_s: float = float("inf")
    backoff_s: float = 0.0
    ever_established: bool = False


class SessionLayer:
    """Sessions with many peers over one ``Transport``.

    ``send`` queues application bytes (connecting if needed); ``receive_data`` takes the
    transport's ``MessageReceived``/``MessageAcked`` events; ``handle_timer`` runs keep-alive
    and reconnection. Returned events: ``MessageReceived`` (application data) and the
    ``Session*`` events.
    """

    def __init__(
        self,
        identity: Identity,
        config: SessionConfig,
        transport: Transport,
        *,
        rng: random.Random,
    ) -> None:
        self.identity = identity
        self.address = identity.address
        self.config = config
        self.transport = transport
        self._rng = rng
        self._incarnation = rng.randbytes(8)
        self._sessions: dict[bytes, _Session] = {}
        self.stats: dict[str, int] = {}

    # -- public API ------------------------------------------------------------------------
    def state(self, peer: bytes) -> SessionState:
        s = self._sessions.get(peer)
        return SessionState.IDLE if s is None else s.state

    def peers(self) -> list[bytes]:
        return list(self._sessions)

    def connect(self, peer: bytes, now_s: float) -> list[object]:
        """Start a handshake with ``peer`` unless one runs or the session is up."""
        s = self._session(peer)
        if s.state in (S.IDLE, S.CLOSED):
            self._move(s, "connect")
            self._send_hello(peer, s, now_s)
        return []

    def send(self, peer: bytes, payload: bytes, now_s: float) -> int:
        """Queue ``payload`` for exactly-once delivery; return its session sequence number."""
        s = self._session(peer)
        if s.outbox_bytes + len(payload) + _ENTRY_COST > self.config.max_outbox_bytes:
            raise SessionError(f"session outbox to {peer.hex()} is full; wait or close")
        seq = s.tx_seq
        s.tx_seq += 1
        s.outbox[seq] = payload
        s.outbox_bytes += len(payload) + _ENTRY_COST
        if s.state is S.ESTABLISHED:
            self._transmit(peer, s, seq, now_s)
        elif s.state in (S.IDLE, S.CLOSED):
            self.connect(peer, now_s)
        return seq

    def close(self, peer: bytes, now_s: float) -> list[object]:
        """End the session in order (queued data goes first)."""
        s = self._sessions.get(peer)
        if s is None or s.state in (S.IDLE, S.CLOSED, S.CLOSING):
            return []
        if s.state is S.ESTABLISHED:
            self._move(s, "close")
            self._seal_send(peer, s, T_CLOSE, 0, b"", now_s)
            s.retry_at_s = now_s + self.config.close_timeout_s
            return []
        self._move(s, "close")
        return [SessionClosed(peer=peer, by_peer=False)]

    def outbox_size(self, peer: bytes) -> int:
        s = self._sessions.get(peer)
        return 0 if s is None else len(s.outbox)

    def next_deadline_s(self) -> float:
        deadline = float("inf")
        cfg = self.config
        for peer, s in self._sessions.items():
            if s.state in (S.HELLO_SENT, S.DOWN, S.CLOSING):
                deadline = min(deadline, s.retry_at_s)
            elif s.state is S.ESTABLISHED:
                heard = self._heard_s(peer, s)
                ping = max(heard, s.last_ping_s) + cfg.keepalive_interval_s
                deadline = min(deadline, ping, heard + cfg.keepalive_timeout_s, s.ack_due_s)
        return deadline

    def handle_timer(self, now_s: float) -> list[object]:
        events: list[object] = []
        cfg = self.config
        for peer, s in self._sessions.items():
            if s.state is S.ESTABLISHED:
                heard = self._heard_s(peer, s)
                if now_s >= heard + cfg.keepalive_timeout_s:
                    self._move(s, "timeout")
                    self.transport.reset_peer(peer)
                    s.backoff_s = cfg.reconnect_min_s
                    s.retry_at_s = now_s + self._rng.uniform(0.0, cfg.reconnect_min_s)
                    self._count("timeouts")
                    events.append(SessionDown(peer=peer, reason="keep-alive timeout"))
                elif now_s >= max(heard, s.last_ping_s) + cfg.keepalive_interval_s:
                    s.last_ping_s = now_s
                    self._seal_send(peer, s, T_PING, 0, b"", now_s)
                elif now_s >= s.ack_due_s:
                    self._seal_send(peer, s, T_ACK, 0, b"", now_s)
            elif s.state in (S.HELLO_SENT, S.DOWN) and now_s >= s.retry_at_s:
                self._move(s, "retry")
                self._count("reconnect_attempts")
                self._send_hello(peer, s, now_s)
            elif s.state is S.CLOSING and now_s >= s.retry_at_s:
                self._move(s, "timeout")
                events.append(SessionClosed(peer=peer, by_peer=False))
        return events

    def receive_data(self, event: object, now_s: float) -> list[object]:
        """Feed one transport event (reliable messages and acknowledgements)."""
        if isinstance(event, MessageAcked):
            return []  # the outbox waits for the peer's session to confirm (authenticated)
        if not isinstance(event, MessageReceived) or event.datagram:
            return []
        peer, data = event.peer, event.data
        if not data:
            return [self._drop("empty", peer)]
        kind = data[0]
        if kind == K_SEALED:
            return self._on_sealed(peer, data[1:], now_s)
        if kind in (K_HELLO, K_HELLO_ACK):
            return self._on_hello(peer, kind, data, now_s)
        if kind == K_REFUSE:
            s = self._sessions.get(peer)
            if s is not None and s.state is S.HELLO_SENT:
                self._move(s, "refused")
                reason = data[1:40].decode("ascii", "replace")
                return [SessionRefused(peer=peer, reason=f"refused by peer: {reason}")]
            return [self._drop("unexpected_refuse", peer)]
        return [self._drop("unknown_kind", peer)]

    # -- handshake -------------------------------------------------------------------------
    def _send_hello(self, peer: bytes, s: _Session, now_s: float) -> None:
        self.transport.reset_peer(peer)
        s.initiator = True
        s.nonce = self._rng.randbytes(16)
        s.eph = X25519PrivateKey.from_private_bytes(self._rng.randbytes(32))
        s.backoff_s = min(
            max(s.backoff_s * 2.0, self.config.reconnect_min_s), self.config.reconnect_max_s
        )
        s.retry_at_s = now_s + s.backoff_s * self._rng.uniform(0.75, 1.25)
        self.transport.send_message(peer, self._hello(K_HELLO, peer, s, b""), now_s)
        self._count("hellos_sent")

    def _hello(self, kind: int, peer: bytes, s: _Session, echo: bytes) -> bytes:
        assert s.eph is not None
        body = (
            _HELLO.pack(
                kind,
                _MODE_CODE[self.config.mode],
                self._incarnation,
                s.nonce,
                self.identity.public_key,
                s.eph.public_key().public_bytes_raw(),
                s.rx_next,
            )
            + echo
        )
        signed = b"sdrlink-hello" + self.address + peer + body
        message = body + self.identity.sign(signed)
        if self.config.psk is not None:
            message += hmac.digest(self.config.psk, signed, "sha256")
        return message

    def _check_hello(self, peer: bytes, kind: int, data: bytes) -> tuple[str, tuple | None]:
        echo_len = 16 if kind == K_HELLO_ACK else 0
        psk_len = 32 if self.config.psk is not None else 0
        body_len = _HELLO.size + echo_len
        if len(data) != body_len + 64 + psk_len:
            return "bad_hello_length", None
        fields = _HELLO.unpack_from(data)
        _, mode, incarnation, nonce, ed_pub, x_pub, rx_next = fields
        body, signature = data[:body_len], data[body_len : body_len + 64]
        signed = b"sdrlink-hello" + peer + self.address + body
        if address_from_public_key(ed_pub) != peer:
            return "key_mismatch", None
        trusted = self.config.trusted_keys
        if trusted is not None and ed_pub not in trusted:
            return "untrusted_key", None
        if not verify_signature(ed_pub, signature, signed):
            return "bad_signature", None
        if psk_len:
            tag = data[body_len + 64 :]
            if not hmac.compare_digest(tag, hmac.digest(self.config.psk, signed, "sha256")):
                return "bad_psk", None
        if _CODE_MODE.get(mode) != self.config.mode:
            return "mode_mismatch", None
        return "", (incarnation, nonce, ed_pub, x_pub, rx_next, data[_HELLO.size : body_len])

    def _on_hello(self, peer: bytes, kind: int, data: bytes, now_s: float) -> list[object]:
        reason, fields = self._check_hello(peer, kind, data)
        if fields is None:
            self._count("refused_" + reason)
            if kind == K_HELLO and reason not in ("bad_hello_length", "key_mismatch"):
                self.transport.send_message(peer, bytes([K_REFUSE]) + reason.encode(), now_s)
            return [SessionRefused(peer=peer, reason=reason)]
        if peer not in self._sessions and len(self._sessions) >= self.config.max_sessions:
            self._evict_idle()
            if len(self._sessions) >= self.config.max_sessions:
                return [self._drop("too_many_sessions", peer)]
        s = self._session(peer)
        incarnation, nonce, ed_pub, x_pub, rx_next, echo = fields
        if kind == K_HELLO_ACK:
            if s.state is not S.HELLO_SENT or echo != s.nonce:
                return [self._drop("unexpected_hello_ack", peer)]
            event = "hello_ack"
        else:
            if s.state is S.HELLO_SENT and self.address < peer:
                self._count("hello_collisions")
                return []  # we are the initiator: the peer will answer our HELLO
            event = "hello"
            if (s.state, event) not in _TRANSITIONS:
                return [self._drop("unexpected_hello", peer)]
            self.transport.reset_peer(peer)
            s.initiator = False
            s.nonce = self._rng.randbytes(16)
            s.eph = X25519PrivateKey.from_private_bytes(self._rng.randbytes(32))
        if s.peer_incarnation is not None and s.peer_incarnation != incarnation:
            s.rx_next = 0  # the peer restarted: its numbering starts again
        s.peer_incarnation = incarnation
        self._derive(peer, s, ed_pub, x_pub, nonce)
        if event == "hello":
            self.transport.send_message(peer, self._hello(K_HELLO_ACK, peer, s, nonce), now_s)
        resumed = s.ever_established
        self._move(s, event)
        s.ever_established = True
        s.last_rx_s = now_s
        s.backoff_s = 0.0
        self._confirmed(s, rx_next)
        for seq in s.outbox:
            self._transmit(peer, s, seq, now_s)
        self._count("established")
        return [SessionEstablished(peer=peer, resumed=resumed, initiator=event == "hello_ack")]

    def _derive(self, peer: bytes, s: _Session, ed_pub: bytes, x_pub: bytes, nonce: bytes):
        assert s.eph is not None
        shared = s.eph.exchange(X25519PublicKey.from_public_bytes(x_pub))
        if s.initiator:
            salt, addrs = s.nonce + nonce, self.address + peer
        else:
            salt, addrs = nonce + s.nonce, peer + self.address
        info = b"sdrlink-session" + addrs + (self.config.psk or b"")
        okm = HKDF(algorithm=hashes.SHA256(), length=72, salt=salt, info=info).derive(shared)
        k_i2r, k_r2i, sid = okm[:32], okm[32:64], okm[64:]
        s.old_protector = s.protector
        s.protector = Protector(
            mode=self.config.mode,
            session_id=sid,
            tx_key=k_i2r if s.initiator else k_r2i,
            rx_key=k_r2i if s.initiator else k_i2r,
            identity=self.identity,
            peer_public_key=ed_pub,
            initiator=s.initiator,
        )

    # -- sealed traffic --------------------------------------------------------------------
    def _transmit(self, peer: bytes, s: _Session, seq: int, now_s: float) -> None:
        self._seal_send(peer, s, T_DATA, seq, s.outbox[seq], now_s)

    def _seal_send(self, peer, s: _Session, kind: int, seq: int, payload: bytes, now_s) -> int:
        assert s.protector is not None
        s.ack_due_s = float("inf")  # every sealed message carries our confirmation
        inner = _INNER.pack(kind, seq, s.rx_next) + payload
        frame = bytes([K_SEALED]) + s.protector.seal(inner)
        return self.transport.send_message(peer, frame, now_s)

    def _on_sealed(self, peer: bytes, frame: bytes, now_s: float) -> list[object]:
        s = self._sessions.get(peer)
        if s is None or s.protector is None:
            return [self._drop("no_session", peer)]
        ok, plain = s.protector.open(frame)
        if not ok and s.old_protector is not None:
            ok, plain = s.old_protector.open(frame)
        if not ok:
            events: list[object] = [self._drop(str(plain), peer)]
            if plain in ("bad_tag", "bad_signature"):
                s.open_failures += 1
                if s.open_failures >= 3 and s.state is S.ESTABLISHED:
                    # The keys no longer match (e.g. a replayed HELLO re-keyed the peer).
                    s.open_failures = 0
                    self._move(s, "resync")
                    self._count("resyncs")
                    self._send_hello(peer, s, now_s)
            return events
        s.open_failures = 0
        assert isinstance(plain, bytes)
        if len(plain) < _INNER.size:
            return [self._drop("truncated", peer)]
        kind, seq, peer_rx_next = _INNER.unpack_from(plain)
        payload = plain[_INNER.size :]
        s.last_rx_s = now_s
        self._confirmed(s, peer_rx_next)
        if kind == T_DATA:
            if seq < s.rx_next:
                return [self._drop("duplicate", peer)]
            if seq > s.rx_next:  # an authenticated message proves that one was lost
                events: list[object] = [self._drop("sequence_gap", peer)]
                if s.state is S.ESTABLISHED:
                    self._move(s, "resync")
                    self._count("resyncs")
                    self._send_hello(peer, s, now_s)
                return events
            s.rx_next += 1
            s.ack_due_s = min(s.ack_due_s, now_s + self.config.ack_delay_s)
            return [MessageReceived(peer=peer, data=payload)]
        if kind == T_ACK:
            return []
        if kind == T_PING:
            self._seal_send(peer, s, T_PONG, 0, b"", now_s)
            return []
        if kind == T_PONG:
            return []
        if kind == T_CLOSE:
            if (s.state, "peer_close") in _TRANSITIONS:
                self._seal_send(peer, s, T_CLOSE_ACK, 0, b"", now_s)
                self._move(s, "peer_close")
                return [SessionClosed(peer=peer, by_peer=True)]
            return [self._drop("unexpected_close", peer)]
        if kind == T_CLOSE_ACK:
            if s.state is S.CLOSING:
                self._move(s, "close_ack")
                return [SessionClosed(peer=peer, by_peer=False)]
            return []
        return [self._drop("unknown_type", peer)]

    # -- helpers ---------------------------------------------------------------------------
    def _evict_idle(self) -> None:
        """Forget one closed or never-used session with an empty outbox (table is full)."""
        for peer, s in self._sessions.items():
            if s.state in (S.IDLE, S.CLOSED) and not s.outbox:
                del self._sessions[peer]
                self._count("evicted")
                return

    def _confirmed(self, s: _Session, peer_rx_next: int) -> None:
        """The peer has every message before ``peer_rx_next``: drop them from the outbox."""
        while s.outbox:
            seq = next(iter(s.outbox))
            if seq >= peer_rx_next:
                break
            s.outbox_bytes -= len(s.outbox.pop(seq)) + _ENTRY_COST

    def _heard_s(self, peer: bytes, s: _Session) -> float:
        """Liveness: the last sealed message or any current-stream segment from ``peer``."""
        return max(s.last_rx_s, self.transport.last_heard_s(peer))

    def _session(self, peer: bytes) -> _Session:
        s = self._sessions.get(peer)
        if s is None:
            s = self._sessions[peer] = _Session()
        return s

    def _move(self, s: _Session, happening: str) -> None:
        nxt = _TRANSITIONS.get((s.state, happening))
        if nxt is None:
            raise SessionError(f"session: no transition from {s.state.value} on {happening}")
        s.state = nxt

    def _drop(self, reason: str, peer: bytes | None) -> Dropped:
        self._count("dropped_" + reason)
        return Dropped(layer="session", reason=reason, peer=peer)

    def _count(self, name: str) -> None:
        self.stats[name] = self.stats.get(name, 0) + 1
