"""Virtual time: run whole ``Node`` stacks over a ``SimMedium`` without sleeping.

``SimNetwork`` is a blocking front end whose clock jumps from one event to the next (a
frame arrival, a timer deadline, a scheduled action), so an hour of outages, reconnections
and retries runs in seconds. It only moves packets between nodes and the medium and tells
nodes the time; all protocol logic stays in the sans-I/O layers.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from typing import Any

from phy.errors import ConfigError, SdrlinkError
from upper.application import Call, LinkInfo, Node, NodeConfig
from upper.presentation import Identity
from upper.sim_medium import LinkParams, SimMedium

__all__ = ["Scheduler", "SimNetwork"]


class Scheduler:
    """A virtual clock and a heap of timed callbacks."""

    def __init__(self) -> None:
        self.now_s = 0.0
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._counter = itertools.count()

    def at(self, time_s: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self._heap, (max(time_s, self.now_s), next(self._counter), fn))

    def next_time_s(self) -> float:
        return self._heap[0][0] if self._heap else float("inf")

    def run_due(self) -> int:
        ran = 0
        while self._heap and self._heap[0][0] <= self.now_s:
            _, _, fn = heapq.heappop(self._heap)
            fn()
            ran += 1
        return ran


class SimNetwork:
    """Nodes on one simulated medium, driven in virtual time.

    Parameters
    ----------
    link : LinkInfo
        Link rate and MTU shared by every node.
    seed : int
        Seeds one ``random.Random`` from which every node and the medium draw.
    node_config : NodeConfig, optional
        Template configuration for ``add_node`` (its ``link`` is replaced by ``link``).
    medium : optional
        Anything with ``SimMedium``'s interface (default: a new ``SimMedium``).
    link_events : bool
        Tell nodes when ``connect``/``disconnect``/``set_silent`` change their neighbours,
        as a MAC's link-up/link-lost events would (default: they find out by timeouts).
    """

    def __init__(
        self,
        *,
        link: LinkInfo | None = None,
        seed: int = 0,
        node_config: NodeConfig | None = None,
        medium: SimMedium | None = None,
        link_events: bool = False,
    ) -> None:
        self.link = link or LinkInfo()
        self._rng = random.Random(seed)
        self.medium = medium or SimMedium(link=self.link, rng=random.Random(self._rng.random()))
        self.scheduler = Scheduler()
        self.nodes: dict[str, Node] = {}
        self._by_address: dict[bytes, Node] = {}
        base = node_config or NodeConfig()
        self._node_config = NodeConfig(**{**_fields(base), "link": self.link})
        self.max_steps_per_instant = 100_000
        self.link_events = link_events

    @property
    def now_s(self) -> float:
        return self.scheduler.now_s

    def add_node(self, name: str, *, config: NodeConfig | None = None, **kwargs: Any) -> Node:
        """Create a node with a deterministic identity and attach it to the medium."""
        if name in self.nodes:
            raise ConfigError(f"node {name!r} exists already; pick another name")
        rng = random.Random(self._rng.random())
        identity = kwargs.pop("identity", None) or Identity.generate(rng)
        node = Node(identity, name=name, config=config or self._node_config, rng=rng, **kwargs)
        self.nodes[name] = node
        self._by_address[node.address] = node
        self.medium.add_station(node.address)
        node.set_time(self.now_s)
        return node

    def connect(self, a: str, b: str, params: LinkParams | None = None, **kwargs: Any) -> None:
        """Let nodes ``a`` and ``b`` hear each other (``kwargs`` build ``LinkParams``)."""
        params = params or LinkParams(**kwargs)
        self.medium.connect(self.nodes[a].address, self.nodes[b].address, params)
        self._link_event("link_up", [(a, b), (b, a)])

    def disconnect(self, a: str, b: str) -> None:
        self.medium.disconnect(self.nodes[a].address, self.nodes[b].address)
        self._link_event("link_down", [(a, b), (b, a)])

    def set_silent(self, name: str, silent: bool = True) -> None:
        address = self.nodes[name].address
        self.medium.set_silent(address, silent)
        others = [self.name_of(n) for n in self.medium.neighbours(address)]
        pairs = [(other, name) for other in others] + [(name, other) for other in others]
        self._link_event("link_down" if silent else "link_up", pairs)

    def _link_event(self, kind: str, pairs: list[tuple[str, str]]) -> None:
        """With ``link_events``, tell nodes what a MAC would (neighbour gained or lost)."""
        if not self.link_events:
            return
        for name, other in pairs:
            if name in self.nodes and other in self.nodes:
                getattr(self.nodes[name], kind)(self.nodes[other].address, self.now_s)
        self._flush()

    def at(self, time_s: float, fn: Callable[[], None]) -> None:
        """Run ``fn`` at virtual time ``time_s``."""
        self.scheduler.at(time_s, lambda: (fn(), self._flush()))

    def run_for(self, duration_s: float) -> None:
        """Advance virtual time by ``duration_s``."""
        self.run_until(lambda: False, timeout_s=duration_s)

    def run_until(self, predicate: Callable[[], bool], *, timeout_s: float) -> bool:
        """Run until ``predicate()`` is true (returns True) or ``timeout_s`` passes (False)."""
        end_s = self.now_s + timeout_s
        self._flush()
        last_now, same = -1.0, 0
        while not predicate():
            when = min(
                self.scheduler.next_time_s(), self._next_deadline_s(), self.medium.next_event_s()
            )
            if when > end_s:
                self.scheduler.now_s = end_s
                self._set_time()
                return predicate()
            self.scheduler.now_s = max(self.scheduler.now_s, when)
            now = self.scheduler.now_s
            same = same + 1 if now == last_now else 0
            last_now = now
            if same > self.max_steps_per_instant:
                raise SdrlinkError(f"simulation stuck at t={now:.6f} s (a timer never moves on)")
            self._set_time()
            self.scheduler.run_due()
            for node in self.nodes.values():
                if node.next_deadline_s() <= now:
                    node.handle_timer(now)
            self._flush()
        return True

    def call(self, node: str, event: str, data: Any, *, to: str | bytes, timeout_s: float) -> Any:
        """Blocking ``call`` in virtual time: the peer's acknowledgement (or ``CallTimeout``)."""
        target = self.nodes[to].address if isinstance(to, str) else to
        pending: Call = self.nodes[node].call(event, data, to=target, timeout_s=timeout_s)
        self.run_until(lambda: pending.done, timeout_s=timeout_s + 1.0)
        return pending.result()

    def address(self, name: str) -> bytes:
        return self.nodes[name].address

    def name_of(self, address: bytes | None) -> str:
        node = self._by_address.get(address) if address else None
        return node.name if node else (address.hex() if address else "-")

    # -- internals -------------------------------------------------------------------------
    def _next_deadline_s(self) -> float:
        return min((n.next_deadline_s() for n in self.nodes.values()), default=float("inf"))

    def _set_time(self) -> None:
        for node in self.nodes.values():
            node.set_time(self.now_s)

    def _flush(self) -> None:
        now = self.now_s
        deliveries = []
        for node in self.nodes.values():
            for out in node.packets_to_send():
                deliveries += self.medium.transmit(node.address, out.next_hop, out.packet, now)
        deliveries += self.medium.advance(now)
        for arrival, dst, packet in deliveries:
            receiver = self._by_address.get(dst)
            if receiver is not None:
                self.scheduler.at(arrival, _delivery(self, receiver, packet, arrival))


def _delivery(sim: SimNetwork, node: Node, packet: bytes, arrival_s: float):
    def deliver() -> None:
        node.receive_packet(packet, arrival_s)

    return deliver


def _fields(config) -> dict:
    return {name: getattr(config, name) for name in config.__dataclass_fields__}
