"""``sdrlink serve``: a Socket.IO gateway between web clients and the radio network.

Web clients connect with Socket.IO (HTTP long-polling, ``transports=["polling"]``) to
``http://127.0.0.1:PORT/``. They send ``emit("send", {"to": hex | room | None, "event": ...,
"data": ..., "call": bool}, callback)`` and receive every radio event as
``(event, sender hex, data)``; ``emit("whoami", callback)``, ``emit("join", room)`` and
``emit("leave", room)`` manage the gateway's station. The station joins ``sdrlink air``.
"""

from __future__ import annotations


def register(subparsers) -> None:
    parser = subparsers.add_parser("serve", help="Socket.IO web gateway to the radio network")
    parser.add_argument("--port", type=int, default=8000, help="HTTP port on 127.0.0.1")
    parser.add_argument("--air", default="127.0.0.1:7300", help="sdrlink air host:port")
    parser.add_argument("--name", default="gateway", help="station name")
    parser.add_argument("--mode", choices=("sign", "encrypt"), default="sign")
    parser.add_argument("--duration-s", type=float, default=None, help="stop after this long")


def run(args) -> int:
    import asyncio

    return asyncio.run(_serve(args))


async def _serve(args) -> int:
    import asyncio
    import random

    from phy.errors import RadioError
    from upper.application import Node, NodeConfig
    from upper.gateway import Gateway
    from upper.runtime import AirLink, AsyncNode, Notifier, parse_host_port, serve_http
    from upper.session import SessionConfig

    node = Node(
        name=args.name,
        config=NodeConfig(session=SessionConfig(mode=args.mode)),
        rng=random.SystemRandom(),
    )
    station = AsyncNode(node, await AirLink.open(node.address, parse_host_port(args.air, 7300)))
    gateway, notifier = Gateway(rng=random.SystemRandom()), Notifier()
    bridge = _Bridge(node, station, gateway, notifier)
    node.on("*", bridge.from_radio)
    try:
        server = await serve_http(
            gateway, host="127.0.0.1", port=args.port, notifier=notifier, after_request=bridge.pump
        )
    except OSError as error:
        raise RadioError(f"cannot listen on 127.0.0.1:{args.port}: {error}") from error
    port = server.sockets[0].getsockname()[1]
    print(
        f"serve: Socket.IO gateway on http://127.0.0.1:{port}/ as {node.address.hex()}", flush=True
    )
    async with server:
        if args.duration_s is None:
            await asyncio.Event().wait()
        else:
            await asyncio.sleep(args.duration_s)
    await station.aclose()
    return 0


class _Bridge:
    """Moves events between the gateway's web clients and the station."""

    def __init__(self, node, station, gateway, notifier) -> None:
        self.node, self.station, self.gateway, self.notifier = node, station, gateway, notifier
        self._tasks: set = set()

    def from_radio(self, event, sender, data):
        self.gateway.emit(event, sender.hex(), data)
        self.notifier.notify()

    def pump(self) -> None:
        while self.gateway.events:
            ev = self.gateway.events.popleft()
            try:
                result = self._handle(ev)
            except Exception as error:  # a bad request from a web client: answer, go on
                result = {"error": str(error)}
            if ev.ack_id is not None and result is not None:
                self.gateway.ack(ev.sid, ev.ack_id, result)
        self.notifier.notify()

    def _handle(self, ev):
        arg = ev.args[0] if ev.args else None
        if ev.event == "whoami":
            return {"address": self.node.address.hex(), "name": self.node.name}
        if ev.event in ("join", "leave") and isinstance(arg, str):
            (self.node.join if ev.event == "join" else self.node.leave)(arg)
            return {"rooms": self.node.rooms}
        if ev.event != "send" or not isinstance(arg, dict):
            return {"error": f"unknown request {ev.event!r}"}
        to = arg.get("to")
        if isinstance(to, str) and len(to) == 16 and all(c in "0123456789abcdef" for c in to):
            to = bytes.fromhex(to)
        if arg.get("call") and isinstance(to, bytes):
            self._call(ev, to, arg)
            return None  # answered when the peer answers
        report = self.station.emit(str(arg.get("event", "message")), arg.get("data"), to=to)
        return {
            "frames": report.frames,
            "airtime_s": report.airtime_s,
            "payload_bytes": report.payload_bytes,
        }

    def _call(self, ev, to: bytes, arg: dict) -> None:
        import asyncio

        async def go():
            try:
                answer = await self.station.call(
                    str(arg.get("event", "message")), arg.get("data"), to=to, timeout_s=60.0
                )
                result = {"answer": answer}
            except Exception as error:  # CallTimeout
                result = {"error": str(error)}
            if ev.ack_id is not None:
                self.gateway.ack(ev.sid, ev.ack_id, result)
            self.notifier.notify()

        task = asyncio.ensure_future(go())
        self._tasks.add(task)  # keep a reference until it is done
        task.add_done_callback(self._tasks.discard)
