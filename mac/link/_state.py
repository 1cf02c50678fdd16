"""The link state machine as one table: (state, input) -> (next state, action name).

A pair missing from `_TRANSITIONS` is a protocol error: a local call raises
`LocalProtocolError`, a received frame is dropped and counted. ``docs/link.md`` shows the
diagram that `mermaid_diagram` generates from this table.
"""

from __future__ import annotations

import enum

__all__ = ["Input", "State", "mermaid_diagram", "transitions"]


class State(enum.Enum):
    """Where a link is in its life."""

    CLOSED = "closed"
    """No link; a CONNECT from any station is accepted (the station listens)."""
    CONNECTING = "connecting"
    """CONNECT sent, waiting for CONNECT_ACK."""
    CONNECTED = "connected"
    """Data flows both ways."""
    DISCONNECTING = "disconnecting"
    """Local close: sending what is queued, no new ``send``."""
    FIN_SENT = "fin-sent"
    """Everything acked, DISCONNECT sent, waiting for DISCONNECT_ACK."""
    REMOTE_DISCONNECTING = "remote-disconnecting"
    """The peer closed: sending what is queued, then DISCONNECT_ACK."""


class Input(enum.Enum):
    """What can happen to a link: a local call, a received frame, or an internal condition."""

    CONNECT = "connect()"
    SEND = "send()"
    CLOSE = "close()"
    ABORT = "abort()"
    RX_CONNECT = "CONNECT"
    RX_CONNECT_ACK = "CONNECT_ACK"
    RX_DATA = "DATA"
    RX_ACK = "ACK"
    RX_KEEPALIVE = "KEEPALIVE"
    RX_DISCONNECT = "DISCONNECT"
    RX_DISCONNECT_ACK = "DISCONNECT_ACK"
    """Also AX.25's DM: "no link here" (a refusal, or the answer to stale traffic)."""
    DRAINED = "drained"
    """Send queue empty and every frame acknowledged."""
    RETRIES_EXHAUSTED = "retries exhausted"
    PEER_SILENT = "peer silent"


LOCAL_INPUTS = frozenset({Input.CONNECT, Input.SEND, Input.CLOSE, Input.ABORT})

_S = State
_I = Input
_RX_TRAFFIC = (_I.RX_DATA, _I.RX_ACK, _I.RX_KEEPALIVE)


def _table() -> dict[tuple[State, Input], tuple[State, str]]:
    t: dict[tuple[State, Input], tuple[State, str]] = {
        # closed: listen; answer stale traffic with DISCONNECT_ACK (DM) so that a peer that
        # still believes in a link learns at once that there is none
        (_S.CLOSED, _I.CONNECT): (_S.CONNECTING, "_do_connect"),
        (_S.CLOSED, _I.RX_CONNECT): (_S.CONNECTED, "_do_accept"),
        (_S.CLOSED, _I.RX_DISCONNECT): (_S.CLOSED, "_do_ack_disconnect"),
        (_S.CLOSED, _I.RX_CONNECT_ACK): (_S.CLOSED, "_do_nothing"),
        (_S.CLOSED, _I.RX_DISCONNECT_ACK): (_S.CLOSED, "_do_nothing"),
        # connecting
        (_S.CONNECTING, _I.SEND): (_S.CONNECTING, "_do_queue"),
        (_S.CONNECTING, _I.RX_CONNECT_ACK): (_S.CONNECTED, "_do_established"),
        (_S.CONNECTING, _I.RX_CONNECT): (_S.CONNECTED, "_do_accept"),
        (_S.CONNECTING, _I.RX_DISCONNECT_ACK): (_S.CLOSED, "_do_refused"),
        (_S.CONNECTING, _I.CLOSE): (_S.CLOSED, "_do_abort"),
        (_S.CONNECTING, _I.RETRIES_EXHAUSTED): (_S.CLOSED, "_do_connect_timeout"),
        # connected
        (_S.CONNECTED, _I.SEND): (_S.CONNECTED, "_do_queue"),
        (_S.CONNECTED, _I.RX_CONNECT): (_S.CONNECTED, "_do_reconnect"),
        (_S.CONNECTED, _I.RX_CONNECT_ACK): (_S.CONNECTED, "_do_nothing"),
        (_S.CONNECTED, _I.CLOSE): (_S.DISCONNECTING, "_do_close"),
        (_S.CONNECTED, _I.RX_DISCONNECT): (_S.REMOTE_DISCONNECTING, "_do_remote_close"),
        (_S.CONNECTED, _I.RX_DISCONNECT_ACK): (_S.CLOSED, "_do_reset"),
        (_S.CONNECTED, _I.RETRIES_EXHAUSTED): (_S.CLOSED, "_do_lost_retries"),
        (_S.CONNECTED, _I.PEER_SILENT): (_S.CLOSED, "_do_lost_silent"),
        # local close: drain, then DISCONNECT
        (_S.DISCONNECTING, _I.RX_DISCONNECT): (_S.DISCONNECTING, "_do_note_peer_fin"),
        (_S.DISCONNECTING, _I.DRAINED): (_S.FIN_SENT, "_do_send_fin"),
        (_S.DISCONNECTING, _I.CLOSE): (_S.DISCONNECTING, "_do_nothing"),
        (_S.FIN_SENT, _I.CLOSE): (_S.FIN_SENT, "_do_nothing"),
        (_S.DISCONNECTING, _I.RX_CONNECT_ACK): (_S.DISCONNECTING, "_do_nothing"),
        (_S.DISCONNECTING, _I.RX_DISCONNECT_ACK): (_S.CLOSED, "_do_reset"),
        (_S.DISCONNECTING, _I.RETRIES_EXHAUSTED): (_S.CLOSED, "_do_lost_retries"),
        (_S.DISCONNECTING, _I.PEER_SILENT): (_S.CLOSED, "_do_lost_silent"),
        (_S.FIN_SENT, _I.RX_DISCONNECT_ACK): (_S.CLOSED, "_do_closed_local"),
        (_S.FIN_SENT, _I.RX_DISCONNECT): (_S.FIN_SENT, "_do_ack_disconnect"),
        (_S.FIN_SENT, _I.RX_CONNECT_ACK): (_S.FIN_SENT, "_do_nothing"),
        (_S.FIN_SENT, _I.RETRIES_EXHAUSTED): (_S.CLOSED, "_do_fin_timeout"),
        (_S.FIN_SENT, _I.PEER_SILENT): (_S.CLOSED, "_do_fin_timeout"),
        # remote close: drain, then DISCONNECT_ACK
        (_S.REMOTE_DISCONNECTING, _I.CLOSE): (_S.REMOTE_DISCONNECTING, "_do_nothing"),
        (_S.REMOTE_DISCONNECTING, _I.RX_DISCONNECT): (_S.REMOTE_DISCONNECTING, "_do_nothing"),
        (_S.REMOTE_DISCONNECTING, _I.DRAINED): (_S.CLOSED, "_do_closed_remote"),
        (_S.REMOTE_DISCONNECTING, _I.RX_DISCONNECT_ACK): (_S.CLOSED, "_do_reset"),
        (_S.REMOTE_DISCONNECTING, _I.RETRIES_EXHAUSTED): (_S.CLOSED, "_do_lost_retries"),
        (_S.REMOTE_DISCONNECTING, _I.PEER_SILENT): (_S.CLOSED, "_do_lost_silent"),
    }
    for state in (_S.CLOSED,):
        for inp in _RX_TRAFFIC:
            t[(state, inp)] = (state, "_do_send_dm")
    for inp in _RX_TRAFFIC:
        t[(_S.CONNECTING, inp)] = (_S.CONNECTING, "_do_nothing")
    t[(_S.CLOSED, _I.ABORT)] = (_S.CLOSED, "_do_nothing")
    for state in (_S.CONNECTING, _S.CONNECTED, _S.DISCONNECTING, _S.FIN_SENT):
        t[(state, _I.ABORT)] = (_S.CLOSED, "_do_abort_link")
    t[(_S.REMOTE_DISCONNECTING, _I.ABORT)] = (_S.CLOSED, "_do_abort_link")
    for state in (_S.CONNECTED, _S.DISCONNECTING, _S.FIN_SENT, _S.REMOTE_DISCONNECTING):
        for inp in _RX_TRAFFIC:
            t[(state, inp)] = (state, "_do_traffic")
    return t


_TRANSITIONS: dict[tuple[State, Input], tuple[State, str]] = _table()


def transitions() -> dict[tuple[State, Input], tuple[State, str]]:
    """A copy of the transition table (for documentation and tests)."""
    return dict(_TRANSITIONS)


def mermaid_diagram() -> str:
    """The state diagram as Mermaid ``stateDiagram-v2`` text, generated from the table.

    Self-loops are left out (they are listed in the table in ``docs/link.md``); edges that
    share source and target are merged into one label.
    """
    edges: dict[tuple[State, State], list[str]] = {}
    for (state, inp), (target, _action) in _TRANSITIONS.items():
        if state is not target:
            edges.setdefault((state, target), []).append(inp.value)
    lines = ["stateDiagram-v2", "    [*] --> CLOSED"]
    for (state, target), labels in edges.items():
        lines.append(f"    {state.name} --> {target.name}: {', '.join(labels)}")
    return "\n".join(lines) + "\n"
