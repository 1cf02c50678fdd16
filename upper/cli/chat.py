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
    station = AsyncNode(node, link)
    peers: dict[bytes, str] = {}
    waiting: list[str] = []

    def show(text: str) -> None:
        print(text, flush=True)

    def send_line(text: str) -> None:
        for peer in peers:
            station.emit("chat", {"name": args.name, "text": text}, to=peer)

    @node.on("presence")
    def presence(sender, data):
        name = str(data.get("name", "?")) if isinstance(data, dict) else "?"
        if sender not in peers:
            peers[sender] = name
            show(f"* {name} is here ({sender.hex()})")
            station.emit("presence", {"name": args.name})  # so that it hears us at once
            while waiting:
                send_line(waiting.pop(0))

    @node.on("chat")
    def chat(sender, data):
        if isinstance(data, dict):
            show(f"<{str(data.get('name', '?'))[:32]}> {data.get('text', '')}")

    node.on("disconnect", lambda peer, why: show(f"* {peers.get(peer, peer.hex())}: {why}"))
    show(
        f"* {args.name} on the air as {node.address.hex()} ({args.mode} mode); "
        "type lines, end with Ctrl-D"
    )

    async def announce() -> None:
        while True:
            station.emit("presence", {"name": args.name})
            await asyncio.sleep(PRESENCE_INTERVAL_S)

    announcer = asyncio.ensure_future(announce())
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    async def read_input() -> None:
        while True:
            line = await reader.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\n")
            if not text:
                continue
            if peers:
                send_line(text)
            else:
                waiting.append(text)

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(read_input(), timeout=args.duration_s)
    deadline = loop.time() + args.linger_s

    def settled() -> bool:
        return not waiting and all(node.session.outbox_size(p) == 0 for p in peers)

    while loop.time() < deadline and not settled():
        await asyncio.sleep(0.1)
    announcer.cancel()
    await station.aclose()
    return 0 if settled() else 1
