"""``sdrlink kiss-server``: sdrlink as a software TNC speaking KISS over TCP.

Examples::

    sdrlink kiss-server --port 8001 --input aprs.wav            # decode a recording to clients
    rtl_fm -f 144.39M -s 22050 - | sdrlink kiss-server --input - --sample-rate 22050
    sdrlink kiss-server --port 8001 --output tx.wav --linger-s 60  # clients' frames -> audio

Frames decoded from ``--input`` (AFSK 1200 or G3RUH 9600 audio, or IQ with ``--fm``) go to
every connected client as KISS data frames; data frames from clients are modulated (with the
TXDELAY the client set, and FX.25 with ``--fx25 N``) and written to ``--output``.
"""

from __future__ import annotations

import asyncio
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "kiss-server",
        help="a software TNC: KISS over TCP for APRS clients and Dire Wolf's tools",
        description="Serve decoded AX.25 frames to KISS TCP clients and transmit theirs.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8001, help="TCP port (default 8001)")
    parser.add_argument("--mode", default="afsk1200", help="afsk1200 or g3ruh9600")
    parser.add_argument("--input", help="receive from this capture, or '-' for stdin")
    parser.add_argument("--format", help="input format (wav, s16, f32, cu8, cf32, sigmf)")
    parser.add_argument("--sample-rate", help="input rate in S/s (stdin and raw files)")
    parser.add_argument("--fm", action="store_true", help="input is IQ: FM-demodulate it")
    parser.add_argument("--fm-offset", default="0", help="channel offset from centre, Hz")
    parser.add_argument("--fix-bits", type=int, default=0, help="repair 0, 1 or 2 weak bits")
    parser.add_argument("--output", help="write transmitted audio here (WAV, or '-' raw s16)")
    parser.add_argument("--output-rate", type=float, default=48_000.0, help="output audio rate")
    parser.add_argument("--fx25", type=int, choices=(16, 32, 64), help="send FX.25 blocks")
    parser.add_argument("--wait-clients", type=int, default=0, help="start after N clients")
    parser.add_argument(
        "--linger-s", type=float, help="keep serving this long after the input ends"
    )


def run(args) -> int:
    return asyncio.run(_serve(args))


def _monitor(frame: bytes) -> str:
    from mac.ax25 import Ax25Frame

    try:
        return str(Ax25Frame.decode(frame))
    except ValueError:
        return f"(not AX.25) {frame.hex()}"


async def _serve(args) -> int:
    from mac.ax25.modem import packet_audio
    from upper.cli.tx import parse_hz, parse_offset_hz
    from upper.kiss_tcp import KissTcpServer
    from upper.packet_io import PacketPipeline, format_packet, open_samples

    writer = None
    if args.output:
        from phy.captures import CaptureWriter

        writer = CaptureWriter(
            args.output,
            sample_rate_hz=args.output_rate,
            format=None if args.output != "-" else "s16",
            is_complex=False,
        )

    def transmit(frame: bytes, port: int) -> None:
        if writer is None:
            print("sdrlink kiss-server: no --output; frame not sent", file=sys.stderr)
            return
        flags = max(int(server.tx_params.txdelay_s * 1200 / 8), 4)
        writer.write(
            packet_audio(
                [frame],
                sample_rate_hz=args.output_rate,
                mode=args.mode,
                fx25_check_bytes=args.fx25,
                txdelay_flags=flags,
            )
        )
        print(f"sdrlink kiss-server: sent {_monitor(frame)}", file=sys.stderr, flush=True)

    def client(peer: str, connected: bool) -> None:
        state = "connected" if connected else "gone"
        print(f"sdrlink kiss-server: client {peer} {state}", file=sys.stderr, flush=True)

    server = KissTcpServer(host=args.host, port=args.port, on_frame=transmit, on_client=client)
    await server.start()
    print(f"sdrlink kiss-server: KISS TNC on {server.host}:{server.port}", file=sys.stderr)
    try:
        while server.n_clients < args.wait_clients:
            await asyncio.sleep(0.05)
        if args.input:
            reader = open_samples(
                args.input,
                format=args.format,
                sample_rate_hz=parse_hz(args.sample_rate, flag="--sample-rate"),
                fm=args.fm,
            )
            with reader:
                pipeline = PacketPipeline(
                    mode=args.mode,
                    sample_rate_hz=reader.sample_rate_hz,
                    is_complex=reader.is_complex,
                    fm=args.fm,
                    fm_offset_hz=parse_offset_hz(args.fm_offset),
                    fix_bits=args.fix_bits,
                )
                loop = asyncio.get_running_loop()
                while True:
                    chunk = await loop.run_in_executor(None, reader.read, 1 << 15)
                    packets = pipeline.process(chunk) if chunk.size else pipeline.flush()
                    for packet in packets:
                        print(format_packet(packet, baud=pipeline.baud), flush=True)
                        server.send(packet.raw)
                    await server.drain()
                    if chunk.size == 0:
                        break
        if args.linger_s is None and args.input:
            return 0
        await asyncio.sleep(args.linger_s if args.linger_s is not None else float("inf"))
        return 0
    finally:
        await server.close()
        if writer is not None:
            writer.close()
