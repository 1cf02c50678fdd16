"""``sdrlink chat``: line chat between stations; stdin lines out, received lines printed.

With ``--radio sim`` the station joins ``sdrlink air`` (a simulated radio medium on
loopback): start ``sdrlink air`` in one terminal, then ``sdrlink chat --name alice`` and
``sdrlink chat --name bob`` in two others. Stations announce themselves with a signed
broadcast every few seconds; each line goes to every known station over an authenticated
session (reliable, in order, exactly once). Lines typed before anyone is heard wait.
"""

from __future__ import annotations

import contextlib
import sys

PRESENCE_INTERVAL_S = 3.0


def register(subparsers) -> None:
    parser = subparsers.add_parser("chat", help="chat with other stations (stdin -> messages)")
    parser.add_argument("--radio", choices=("sim",), default="sim", help="medium (sim: air)")
    parser.add_argument("--air", default="127.0.0.1:7300", help="sdrlink air host:port")
    parser.add_argument("--name", required=True, help="your name or call sign")
    parser.add_argument(
        "--mode",
        choices=("sign", "encrypt"),
        default="sign",
        help="sign only (amateur radio: no encryption, the default) or encrypt",
    )
    parser.add_argument(
        "--linger-s",
        type=float,
        default=15.0,
        help="after end of input, wait this long for deliveries",
    )
    parser.add_argument("--duration-s", type=float, default=None, help="stop after this long")


def run(args) -> int:
    import asyncio

    from phy.errors import ConfigError

    if not args.name.strip() or len(args.name) > 32:
        raise ConfigError("--name must be 1..32 characters")
    return asyncio.run(_chat(args))


async def _chat(args) -> int:
    import asyncio
    import random

    from upper.application import Node, NodeConfig
    from upper.network import NetworkConfig
    from upper.runtime import AirLink, AsyncNode, parse_host_port
    from upper.session import SessionConfig

    config = NodeConfig(
        network=NetworkConfig(announce_interval_s=5.0),
        session=SessionConfig(mode=args.mode, keepalive_interval_s=5.0, keepalive_timeout_s=20.0),
    )
    node = Node(name=args.name, config=config, rng=random.SystemRandom())
    link = await AirLink.open(node.address, parse_host_port(args.air, 7300))
    chat = _Chat(args.name, node, AsyncNode(node, link))
    _show(
        f"* {args.name} on the air as {node.address.hex()} ({args.mode} mode); "
        "type lines, end with Ctrl-D"
    )
    announcer = asyncio.ensure_future(chat.announce())
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(chat.read_input(reader), timeout=args.duration_s)
    deadline = loop.time() + args.linger_s
    while loop.time() < deadline and not chat.settled():
        await asyncio.sleep(0.1)
    announcer.cancel()
    await chat.station.aclose()
    return 0 if chat.settled() else 1


def _show(text: str) -> None:
    print(text, flush=True)


class _Chat:
    """Presence, the peer list and the lines waiting for a first peer."""

    MAX_WAITING_LINES = 1000

    def __init__(self, name: str, node, station) -> None:
        self.name, self.node, self.station = name, node, station
        self.peers: dict[bytes, str] = {}
        self.waiting: list[str] = []
        node.on("presence", self.on_presence)
        node.on("chat", self.on_chat)
        node.on(
            "disconnect", lambda peer, why: _show(f"* {self.peers.get(peer, peer.hex())}: {why}")
        )

    def on_presence(self, sender: bytes, data) -> None:
        name = str(data.get("name", "?"))[:32] if isinstance(data, dict) else "?"
        if sender not in self.peers and len(self.peers) < 256:
            self.peers[sender] = name
            _show(f"* {name} is here ({sender.hex()})")
            self.station.emit("presence", {"name": self.name})  # so that it hears us at once
            while self.waiting:
                self.send_line(self.waiting.pop(0))

    def on_chat(self, sender: bytes, data) -> None:
        if isinstance(data, dict):
            _show(f"<{str(data.get('name', '?'))[:32]}> {data.get('text', '')}")

    def send_line(self, text: str) -> None:
        for peer in self.peers:
            self.station.emit("chat", {"name": self.name, "text": text}, to=peer)

    async def announce(self) -> None:
        import asyncio

        while True:
            self.station.emit("presence", {"name": self.name})
            await asyncio.sleep(PRESENCE_INTERVAL_S)

    async def read_input(self, reader) -> None:
        while line := await reader.readline():
            text = line.decode("utf-8", "replace").rstrip("\n")
            if not text:
                continue
            if self.peers:
                self.send_line(text)
            elif len(self.waiting) < self.MAX_WAITING_LINES:
                self.waiting.append(text)
            else:
                _show("* nobody heard yet and too many lines waiting: line dropped")

    def settled(self) -> bool:
        return not self.waiting and all(self.node.session.outbox_size(p) == 0 for p in self.peers)
