"""Packet-radio parts of ``sdrlink rx`` and ``sdrlink tx`` (AX.25 / FX.25 on audio or IQ).

``rx`` decodes AX.25 for the packet modes (``afsk1200``, ``g3ruh9600``, ``fsk1200``) from a
capture, standard input (``rtl_fm ... | sdrlink rx --profile afsk1200 --sample-rate 22050 -``),
an IQ capture with ``--fm``, or an external TNC (``--radio kiss+tcp://HOST:PORT`` or
``--radio kiss+serial:///dev/ttyUSB0?baud=9600``). ``tx`` turns monitor-format frames
(``SRC>DST,PATH:info``) into audio, or hands them to a TNC.
"""

from __future__ import annotations

import json
import sys
import time

from mac.ax25.modes import MODES

__all__ = [
    "KISS_URLS",
    "MODES",
    "add_rx_options",
    "add_tx_options",
    "is_kiss_url",
    "is_packet_mode",
    "open_tnc",
    "run_rx",
    "run_tx",
]

KISS_URLS = "kiss+tcp://HOST:PORT or kiss+serial://PATH?baud=9600"


def is_packet_mode(name: str | None) -> bool:
    return name in MODES


def is_kiss_url(url: str | None) -> bool:
    """True for an external KISS TNC's address (``kiss+tcp://`` or ``kiss+serial://``)."""
    return bool(url) and url.lower().startswith(("kiss+tcp://", "kiss+serial://"))


def open_tnc(url: str):
    """A blocking client (``KissTcpClient`` or ``KissSerialClient``) for a KISS TNC's URL."""
    from phy.errors import ConfigError

    if url.lower().startswith("kiss+serial://"):
        from upper.kiss_serial import KissSerialClient

        return KissSerialClient(url)
    if url.lower().startswith("kiss+tcp://"):
        from upper.kiss_tcp import KissTcpClient

        return KissTcpClient(url)
    raise ConfigError(f"bad TNC address {url!r}: use {KISS_URLS}")


def add_rx_options(parser) -> None:
    group = parser.add_argument_group("packet radio (afsk1200, g3ruh9600, fsk1200)")
    group.add_argument("--fm", action="store_true", help="IQ input: FM-demodulate to audio")
    group.add_argument("--fm-offset", metavar="HZ", help="channel offset from the centre")
    group.add_argument("--fm-deviation", type=float, metavar="HZ", help="peak deviation")
    group.add_argument(
        "--fix-bits",
        type=int,
        default=0,
        choices=(0, 1, 2),
        help="repair 1 or 2 weak bits of frames failing their FCS (counted)",
    )
    group.add_argument("--no-fx25", action="store_true", help="do not look for FX.25 blocks")


def add_tx_options(parser) -> None:
    group = parser.add_argument_group("packet radio (afsk1200, g3ruh9600, fsk1200)")
    group.add_argument(
        "--ax25",
        action="store_true",
        help="DATA are AX.25 frames in monitor format SRC>DST[,PATH]:info",
    )
    group.add_argument("--fx25", type=int, choices=(16, 32, 64), help="wrap frames in FX.25")
    group.add_argument(
        "--radio",
        metavar="URL",
        help="hand the frames to a KISS TNC: kiss+tcp://HOST:PORT or "
        "kiss+serial://PATH?baud=9600 (e.g. kiss+serial:///dev/ttyUSB0)",
    )


def _print_packet(packet, *, baud: float, as_json: bool) -> None:
    from upper.packet_io import format_packet

    if as_json:
        record = packet.to_dict()
        record["end_s"] = round(packet.end_bit / baud, 4)
        print(json.dumps(record), flush=True)
    else:
        print(format_packet(packet, baud=baud), flush=True)


def run_rx(args, source, profile_name: str, extra_receiver=None, emit_bursts=None) -> int:
    """Decode AX.25 from ``source`` (a capture/stream reader); native bursts too if given."""
    from upper.cli.tx import parse_offset_hz
    from upper.packet_io import PacketPipeline

    pipeline = PacketPipeline(
        mode=profile_name,
        sample_rate_hz=source.sample_rate_hz,
        is_complex=source.is_complex,
        fm=args.fm,
        fm_offset_hz=parse_offset_hz(args.fm_offset),
        fm_deviation_hz=args.fm_deviation,
        fix_bits=args.fix_bits,
        fx25=not args.no_fx25,
    )
    count = bursts = done = 0
    started = time.monotonic()
    limit = None if args.duration_s is None else round(args.duration_s * source.sample_rate_hz)
    while limit is None or done < limit:
        chunk = source.read(args.chunk_samples)
        if chunk.size == 0:
            break
        done += chunk.size
        for packet in pipeline.process(chunk):
            _print_packet(packet, baud=pipeline.baud, as_json=args.json)
            count += 1
        if extra_receiver is not None:
            bursts += emit_bursts(extra_receiver.process(chunk))
    for packet in pipeline.flush():
        _print_packet(packet, baud=pipeline.baud, as_json=args.json)
        count += 1
    if extra_receiver is not None:
        bursts += emit_bursts(extra_receiver.flush())
    if not args.quiet:
        counters = pipeline.decoder.stream_counters()
        fixed = sum(c.get("fixed", 0) for c in counters)
        extra = f", {bursts} native bursts" if extra_receiver is not None else ""
        repaired = f", {fixed} repaired" if fixed else ""
        print(
            f"sdrlink rx: {count} AX.25 frames{repaired}{extra} in "
            f"{done / source.sample_rate_hz:.3f} s of signal ({profile_name}, "
            f"{source.sample_rate_hz:g} S/s; {time.monotonic() - started:.1f} s)",
            file=sys.stderr,
        )
    return 0


def run_rx_tnc(args) -> int:
    """Print the frames an external KISS TNC decodes (``--radio kiss+tcp://|kiss+serial://``)."""
    from mac.ax25 import Ax25Frame

    end = None if args.duration_s is None else time.monotonic() + args.duration_s
    count = 0
    with open_tnc(args.radio) as tnc:
        while end is None or time.monotonic() < end:
            for event in tnc.receive(0.5):
                try:
                    text = str(Ax25Frame.decode(event.data))
                except ValueError:
                    text = f"(not AX.25) {event.data.hex()}"
                if args.json:
                    print(json.dumps({"monitor": text, "hex": event.data.hex()}), flush=True)
                else:
                    print(text, flush=True)
                count += 1
    if not args.quiet:
        print(f"sdrlink rx: {count} frames from {args.radio}", file=sys.stderr)
    return 0


def run_tx(args) -> int:
    """Frames in monitor format -> audio capture, or -> an external TNC."""
    from mac.ax25 import Ax25Frame
    from phy.errors import ConfigError

    frames = [Ax25Frame.parse(text) for text in args.data]
    if args.radio:
        with open_tnc(args.radio) as tnc:
            for frame in frames:
                tnc.send(frame.encode())
        print(f"sdrlink tx: {len(frames)} frames -> {args.radio}", file=sys.stderr)
        return 0
    if not args.out:
        raise ConfigError(f"give --out FILE (WAV or raw audio) or --radio {KISS_URLS}")
    import numpy as np

    from mac.ax25.modem import packet_audio
    from phy.captures import CaptureWriter
    from upper.cli.tx import parse_channel, parse_hz

    rate = parse_hz(args.sample_rate, flag="--sample-rate") or 48_000.0
    audio = packet_audio(
        frames,
        sample_rate_hz=rate,
        mode=args.profile,
        fx25_check_bytes=args.fx25,
        gap_s=args.gap_s if args.gap_s is not None else 0.3,
    )
    params = parse_channel(args.channel)
    if params:
        from phy.channel import Channel, ChannelConfig

        config = ChannelConfig(
            sample_rate_hz=rate,
            audio=True,
            bit_rate_bps=MODES[args.profile],
            signal_power=float(np.mean(audio[np.abs(audio) > 0] ** 2)),
            **params,
        )
        audio = Channel(config, rng=np.random.default_rng(args.seed)).process(audio)
    with CaptureWriter(
        args.out, format=args.format, sample_rate_hz=rate, is_complex=False
    ) as writer:
        writer.write(np.clip(audio, -1.0, 1.0))
    if args.out != "-":
        print(
            f"sdrlink tx: {len(frames)} AX.25 frames ({args.profile}"
            f"{f', FX.25 {args.fx25}' if args.fx25 else ''}) -> {args.out}",
            file=sys.stderr,
        )
    return 0
