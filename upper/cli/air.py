"""``sdrlink air``: a simulated radio medium on loopback that several processes attach to.

A UDP relay on 127.0.0.1: every ``sdrlink chat --radio sim`` (or ``upper.runtime.AirLink``)
joins it and hears every other, each packet lost with ``--loss`` probability and delayed by
``--delay-ms``. It serves only loopback addresses.
"""

from __future__ import annotations

DEFAULT_PORT = 7300


def register(subparsers) -> None:
    parser = subparsers.add_parser("air", help="simulated radio medium on loopback for chat")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="UDP port (0: any free)")
    parser.add_argument("--loss", type=float, default=0.0, help="packet loss probability")
    parser.add_argument("--delay-ms", type=float, default=5.0, help="delay of each packet")
    parser.add_argument("--seed", type=int, default=None, help="seed of the loss draws")
    parser.add_argument("--duration-s", type=float, default=None, help="stop after this long")


def run(args) -> int:
    import asyncio
    import random

    from phy.errors import ConfigError

    if not 0.0 <= args.loss < 1.0:
        raise ConfigError("--loss must be in [0, 1)")
    if args.delay_ms < 0 or not 0 <= args.port < 65536:
        raise ConfigError("--delay-ms must be >= 0 and --port 0..65535")
    return asyncio.run(_serve(args, random.Random(args.seed)))


async def _serve(args, rng) -> int:
    import asyncio

    from phy.errors import RadioError
    from upper.runtime import AirServer

    loop = asyncio.get_running_loop()
    try:
        transport, server = await loop.create_datagram_endpoint(
            lambda: AirServer(loss=args.loss, delay_s=args.delay_ms / 1000.0, rng=rng),
            local_addr=("127.0.0.1", args.port),
        )
    except OSError as error:
        raise RadioError(
            f"cannot listen on 127.0.0.1:{args.port}: {error}; try --port 0"
        ) from error
    host, port = transport.get_extra_info("sockname")[:2]
    print(
        f"air: listening on {host}:{port} (loss {args.loss:g}, delay {args.delay_ms:g} ms)",
        flush=True,
    )
    try:
        if args.duration_s is None:
            await asyncio.Event().wait()
        else:
            await asyncio.sleep(args.duration_s)
    finally:
        transport.close()
        print(f"air: {server.stats}", flush=True)
    return 0
