"""A station: one radio, several links (one per peer), demultiplexed by source address."""

from __future__ import annotations

import dataclasses
import math
import random

from .._events import Event, FrameRejected
from ._config import LinkConfig
from ._link import Link
from ._record import LinkFrame
from ._state import State

__all__ = ["Station"]


class Station:
    """Links of one station, with the same sans-I/O interface as a single `Link`.

    Frames addressed to this station go to the link of their source; a CONNECT from a new
    peer opens a link (up to ``max_links``). The half-duplex turnaround is applied here, once
    per radio. Closed idle links are forgotten.

    Parameters
    ----------
    local_address : int
        This station's address (0..65535).
    config : LinkConfig, optional
        Configuration of every link (``turnaround_s`` applies to the station).
    rng : random.Random, optional
        Source of the links' initial sequence numbers.
    max_links : int
        Most simultaneous links; CONNECTs beyond are dropped and counted.
    """

    def __init__(
        self,
        local_address: int,
        *,
        config: LinkConfig | None = None,
        rng: random.Random | None = None,
        max_links: int = 16,
    ) -> None:
        self._local = local_address
        self._cfg = config if config is not None else LinkConfig()
        self._link_cfg = dataclasses.replace(self._cfg, turnaround_s=0.0)
        self._rng = rng if rng is not None else random.Random()
        self._max_links = max_links
        self._links: dict[int, Link] = {}
        self._rotate = 0
        self._tx_blocked_until_s = -math.inf
        self._now_s = -math.inf
        self.not_for_us = 0
        self.refused_links = 0
        Link(local_address, config=self._link_cfg)  # validates the address once

    @property
    def local_address(self) -> int:
        """This station's address."""
        return self._local

    @property
    def links(self) -> dict[int, Link]:
        """The current links by peer address (read-only view by convention)."""
        return self._links

    def link(self, peer: int) -> Link:
        """The link to ``peer``, created (closed) if there is none."""
        link = self._links.get(peer)
        if link is None:
            link = Link(self._local, config=self._link_cfg, rng=self._rng)
            self._links[peer] = link
        return link

    def connect(self, peer: int, now_s: float) -> None:
        """Open a link to ``peer``."""
        self.link(peer).connect(peer, now_s)

    def send(self, peer: int, payload: bytes, now_s: float) -> int:
        """Queue a message to ``peer`` (see `Link.send`); returns its id on that link."""
        return self.link(peer).send(payload, now_s)

    def close(self, peer: int, now_s: float) -> list[Event]:
        """Orderly close of the link to ``peer``."""
        return self.link(peer).close(now_s)

    def receive_frame(self, frame: LinkFrame, now_s: float) -> list[Event]:
        """Route one decoded frame to its link; returns the events. Never raises on input."""
        self._now_s = max(self._now_s, now_s)
        if frame.dst != self._local:
            self.not_for_us += 1
            return []
        self._tx_blocked_until_s = now_s + self._cfg.turnaround_s
        link = self._links.get(frame.src)
        if link is None:
            if len(self._links) >= self._max_links:
                self.refused_links += 1
                return [FrameRejected(reason="too many links", length_bytes=len(frame.payload))]
            link = self.link(frame.src)
        return link.receive_frame(frame, now_s)

    def on_timer(self, now_s: float) -> list[Event]:
        """Run every link's due timers."""
        self._now_s = max(self._now_s, now_s)
        events: list[Event] = []
        for link in list(self._links.values()):
            events.extend(link.on_timer(now_s))
        return events

    def has_frames_to_send(self, now_s: float) -> bool:
        """Whether any link has frames now (and the turnaround has elapsed)."""
        if now_s < self._tx_blocked_until_s:
            return False
        return any(link.has_frames_to_send(now_s) for link in self._links.values())

    def frames_to_send(self, now_s: float) -> list[LinkFrame]:
        """Frames of every link, starting with a different link each time (fairness)."""
        self._now_s = max(self._now_s, now_s)
        if now_s < self._tx_blocked_until_s or not self._links:
            return []
        links = list(self._links.items())
        self._rotate = (self._rotate + 1) % len(links)
        out: list[LinkFrame] = []
        for peer, link in links[self._rotate :] + links[: self._rotate]:
            out.extend(link.frames_to_send(now_s))
            if link.state is State.CLOSED and link.next_deadline_s() is None:
                del self._links[peer]
        return out

    def next_deadline_s(self) -> float | None:
        """Earliest deadline of any link (or the end of the turnaround)."""
        best = math.inf
        for link in self._links.values():
            deadline = link.next_deadline_s()
            if deadline is not None and deadline < best:
                best = deadline
        if self._tx_blocked_until_s > self._now_s:
            best = min(best, self._tx_blocked_until_s)
        return None if best == math.inf else best
