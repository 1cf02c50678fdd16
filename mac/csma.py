"""p-persistent CSMA medium access (sans-I/O): tells the runtime when it may key up.

The parameters are the ones a KISS TNC exposes: TXDELAY (key-up to first data bit), P
(persistence), SLOTTIME and TXtail (hold the carrier after the last bit), and FULLDUPLEX.

Algorithm (as KISS TNCs do it). While the channel is busy, wait. When a transmission is
requested on a clear channel, draw ``r`` uniform in [0, 1): if ``r < p`` key up, else wait one
slot and repeat. After the channel clears, wait one slot before the first draw (everyone who
deferred would otherwise collide at once). A busy channel during a slot wait restarts the
deferral. Full duplex keys up at once. The random draws are the backoff; ``rng`` is injected.

Runtime loop::

    csma.channel_busy(now_s, busy)       # carrier/preamble detection of the receiver
    events = csma.request(now_s)         # there are frames to send (KeyUp may come now)
    events = csma.on_timer(now_s)        # at csma.next_deadline_s()
    # on KeyUp: key the PTT, send frames from data_start_s, then:
    events = csma.transmit_done(now_s)   # KeyDown comes after the TX tail (on a timer)
"""

from __future__ import annotations

import dataclasses
import enum
import math
import random
from dataclasses import dataclass

from phy.errors import ConfigError, SdrlinkError

from ._events import Event, KeyDown, KeyUp

__all__ = ["Csma", "CsmaConfig", "CsmaError", "CsmaInput", "CsmaState"]


class CsmaError(SdrlinkError):
    """The runtime drove the medium access out of order (``transmit_done`` before ``KeyUp``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CsmaConfig:
    """Medium access parameters (defaults: the KISS specification's start-up values).

    Parameters
    ----------
    tx_delay_s : float
        Key-up to first data bit, seconds (KISS TXDELAY, 10 ms units; default 500 ms).
    persistence : float
        Probability of transmitting in a slot on a clear channel, (0, 1] (KISS P byte:
        ``p = (P + 1) / 256``; default 0.25).
    slot_time_s : float
        Interval between persistence draws, seconds (KISS SLOTTIME; default 100 ms).
    tx_tail_s : float
        Carrier held after the last bit, seconds (KISS TXtail; default 30 ms).
    full_duplex : bool
        Transmit without listening (KISS FULLDUPLEX).
    """

    tx_delay_s: float = 0.5
    persistence: float = 0.25
    slot_time_s: float = 0.1
    tx_tail_s: float = 0.03
    full_duplex: bool = False

    def __post_init__(self) -> None:
        if not 0.0 < self.persistence <= 1.0:
            raise ConfigError(f"CsmaConfig: persistence={self.persistence}: use 0 < p <= 1")
        for name in ("tx_delay_s", "slot_time_s", "tx_tail_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                raise ConfigError(f"CsmaConfig: {name}={value}: use a finite time >= 0 s")
        if self.slot_time_s == 0.0 and self.persistence < 1.0:
            raise ConfigError("CsmaConfig: slot_time_s=0 needs persistence=1")

    @classmethod
    def from_kiss(
        cls,
        *,
        txdelay: int = 50,
        p: int = 63,
        slottime: int = 10,
        txtail: int = 3,
        fullduplex: int = 0,
    ) -> CsmaConfig:
        """Build from KISS parameter bytes (times in 10 ms units, ``p = (P + 1) / 256``)."""
        for name, value in (("txdelay", txdelay), ("p", p), ("slottime", slottime)):
            if not 0 <= value <= 255:
                raise ConfigError(f"CsmaConfig.from_kiss: {name}={value}: use a byte 0..255")
        if not 0 <= txtail <= 255 or not 0 <= fullduplex <= 255:
            raise ConfigError("CsmaConfig.from_kiss: txtail and fullduplex are bytes 0..255")
        return cls(
            tx_delay_s=txdelay * 0.01,
            persistence=(p + 1) / 256.0,
            slot_time_s=slottime * 0.01,
            tx_tail_s=txtail * 0.01,
            full_duplex=bool(fullduplex),
        )

    def with_kiss(self, command: int, value: int) -> CsmaConfig:
        """A copy with one KISS parameter command applied (what a TNC does on receipt).

        ``command`` is the KISS command code (1 TXDELAY, 2 P, 3 SLOTTIME, 4 TXtail,
        5 FULLDUPLEX) and ``value`` its argument byte; other codes return ``self`` unchanged.
        """
        if not 0 <= value <= 255:
            raise ConfigError(f"KISS argument {value}: use a byte 0..255")
        fields = {
            1: ("tx_delay_s", value * 0.01),
            2: ("persistence", (value + 1) / 256.0),
            3: ("slot_time_s", value * 0.01),
            4: ("tx_tail_s", value * 0.01),
            5: ("full_duplex", bool(value)),
        }
        if command not in fields:
            return self
        name, converted = fields[command]
        if name == "slot_time_s" and converted == 0.0 and self.persistence < 1.0:
            converted = 0.01  # SLOTTIME 0 with p < 1 would spin: one 10 ms unit instead
        return dataclasses.replace(self, **{name: converted})

    def to_kiss(self) -> dict[str, int]:
        """KISS parameter bytes (rounded, clamped to 0..255), keyed like `from_kiss`."""

        def byte(x: float) -> int:
            return max(0, min(255, round(x)))

        return {
            "txdelay": byte(self.tx_delay_s * 100),
            "p": byte(self.persistence * 256 - 1),
            "slottime": byte(self.slot_time_s * 100),
            "txtail": byte(self.tx_tail_s * 100),
            "fullduplex": int(self.full_duplex),
        }


class CsmaState(enum.Enum):
    """Where the medium access is."""

    IDLE = "idle"
    WAIT_CLEAR = "wait-clear"
    WAIT_SLOT = "wait-slot"
    KEYED = "keyed"
    TAIL = "tail"


class CsmaInput(enum.Enum):
    """What drives the medium access."""

    REQUEST = "request()"
    BUSY = "busy"
    CLEAR = "clear"
    SLOT_END = "slot end"
    DRAW_WIN = "draw < p"
    DRAW_LOSE = "draw >= p"
    DATA_DONE = "transmit_done()"
    TAIL_END = "tail end"


_S = CsmaState
_I = CsmaInput
_TRANSITIONS: dict[tuple[CsmaState, CsmaInput], tuple[CsmaState, str]] = {
    (_S.IDLE, _I.REQUEST): (_S.WAIT_SLOT, "_draw"),
    (_S.WAIT_SLOT, _I.DRAW_WIN): (_S.KEYED, "_key_up"),
    (_S.WAIT_SLOT, _I.DRAW_LOSE): (_S.WAIT_SLOT, "_start_slot"),
    (_S.WAIT_SLOT, _I.SLOT_END): (_S.WAIT_SLOT, "_draw"),
    (_S.WAIT_SLOT, _I.BUSY): (_S.WAIT_CLEAR, "_stop_timer"),
    (_S.WAIT_CLEAR, _I.CLEAR): (_S.WAIT_SLOT, "_start_slot"),
    (_S.KEYED, _I.DATA_DONE): (_S.TAIL, "_start_tail"),
    (_S.TAIL, _I.TAIL_END): (_S.IDLE, "_key_down"),
}
# inputs that change nothing in a state (carrier changes while keyed, repeated requests...)
for _state in CsmaState:
    for _input in (_I.BUSY, _I.CLEAR, _I.REQUEST):
        _TRANSITIONS.setdefault((_state, _input), (_state, "_nothing"))
del _state, _input


class Csma:
    """p-persistent CSMA for one half-duplex radio.

    Parameters
    ----------
    config : CsmaConfig, optional
        Timing and persistence (defaults: KISS start-up values).
    rng : random.Random, optional
        Source of the persistence draws (seed it in tests).

    Notes
    -----
    A pair missing from the transition table is the runtime's mistake and raises
    `CsmaError` (``transmit_done`` without a key-up). A ``request`` while keyed or in the
    tail is ignored: request again after ``KeyDown``. Every call is O(1).
    """

    def __init__(self, *, config: CsmaConfig | None = None, rng: random.Random | None = None):
        self._cfg = config if config is not None else CsmaConfig()
        self._rng = rng if rng is not None else random.Random()
        self._state = CsmaState.IDLE
        self._busy = False
        self._deadline_s = math.inf
        self._events: list[Event] = []
        self.draws = 0
        self.deferrals = 0
        self.key_ups = 0

    @property
    def state(self) -> CsmaState:
        """The current `CsmaState`."""
        return self._state

    @property
    def config(self) -> CsmaConfig:
        """The parameters in use."""
        return self._cfg

    @property
    def busy(self) -> bool:
        """The last carrier-sense input."""
        return self._busy

    def reset(self) -> None:
        """Back to IDLE with no timer and a clear channel (after the radio restarts);
        counters are kept. A keyed transmitter must be released by the runtime."""
        self._state = CsmaState.IDLE
        self._busy = False
        self._deadline_s = math.inf
        self._events = []

    def reconfigure(self, config: CsmaConfig) -> None:
        """Apply new parameters (a KISS command); they take effect at the next draw."""
        self._cfg = config

    def channel_busy(self, now_s: float, busy: bool) -> list[Event]:
        """Carrier sense input: the receiver detects energy or a preamble (or stops)."""
        if busy != self._busy:
            self._busy = busy
            if busy:
                self.deferrals += self._state is CsmaState.WAIT_SLOT
            self._fire(CsmaInput.BUSY if busy else CsmaInput.CLEAR, now_s)
        return self._take()

    def request(self, now_s: float) -> list[Event]:
        """The runtime has frames to send; ``KeyUp`` follows now or on a later timer."""
        self._fire(CsmaInput.REQUEST, now_s)
        return self._take()

    def transmit_done(self, now_s: float) -> list[Event]:
        """The last data bit has left; ``KeyDown`` follows after the TX tail."""
        self._fire(CsmaInput.DATA_DONE, now_s)
        if self._cfg.tx_tail_s == 0.0:
            self._fire(CsmaInput.TAIL_END, now_s)
        return self._take()

    def on_timer(self, now_s: float) -> list[Event]:
        """Slot or tail timer; call at ``next_deadline_s()``."""
        if now_s >= self._deadline_s:
            self._deadline_s = math.inf
            if self._state is CsmaState.WAIT_SLOT:
                self._fire(CsmaInput.SLOT_END, now_s)
            elif self._state is CsmaState.TAIL:
                self._fire(CsmaInput.TAIL_END, now_s)
        return self._take()

    def next_deadline_s(self) -> float | None:
        """When ``on_timer`` next has work (``None``: waiting for an input)."""
        return None if self._deadline_s == math.inf else self._deadline_s

    # ------------------------------------------------------------------ table machinery
    def _fire(self, inp: CsmaInput, now_s: float) -> None:
        entry = _TRANSITIONS.get((self._state, inp))
        if entry is None:
            raise CsmaError(f"CSMA: {inp.value} is not allowed while {self._state.value}")
        self._state = entry[0]
        getattr(self, entry[1])(now_s)

    def _take(self) -> list[Event]:
        events = self._events
        self._events = []
        return events

    def _nothing(self, now_s: float) -> None:
        return

    def _draw(self, now_s: float) -> None:
        if self._cfg.full_duplex:
            self._fire(CsmaInput.DRAW_WIN, now_s)
            return
        if self._busy:
            self._fire(CsmaInput.BUSY, now_s)
            return
        self.draws += 1
        win = self._rng.random() < self._cfg.persistence
        self._fire(CsmaInput.DRAW_WIN if win else CsmaInput.DRAW_LOSE, now_s)

    def _start_slot(self, now_s: float) -> None:
        self._deadline_s = now_s + self._cfg.slot_time_s

    def _stop_timer(self, now_s: float) -> None:
        self._deadline_s = math.inf

    def _key_up(self, now_s: float) -> None:
        self._deadline_s = math.inf
        self.key_ups += 1
        self._events.append(KeyUp(ptt_on_s=now_s, data_start_s=now_s + self._cfg.tx_delay_s))

    def _start_tail(self, now_s: float) -> None:
        self._deadline_s = now_s + self._cfg.tx_tail_s

    def _key_down(self, now_s: float) -> None:
        self._deadline_s = math.inf
        self._events.append(KeyDown(ptt_off_s=now_s))
