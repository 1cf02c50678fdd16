"""``sdrlink rx``: receive bursts from a capture, standard input or a radio.

Examples::

    sdrlink rx captures/gfsk9k6_rtl.sigmf-meta            # profile and rate from the metadata
    sdrlink rx rec.cu8 --profile qpsk250k --sample-rate 2.4M --json
    rtl_sdr -f 433.92M -s 2.4M - | sdrlink rx - --profile gfsk9k6 --sample-rate 2.4M
    sdrlink rx --radio rtl_tcp://127.0.0.1:1234 --profile gfsk50k --freq 433.92M

Each burst prints as one line (start time, SNR, CFO, EVM, payload as text or hex), or as
one JSON object with ``--json``. Counts and progress go to standard error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from upper.cli._packet import KISS_URLS, add_rx_options, is_kiss_url, is_packet_mode
from upper.cli.tx import check_rate, one_line_errors, parse_hz

_PROGRESS_MIN_S = 10.0  # captures longer than this (in signal time) show progress


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "rx",
        help="receive bursts from a capture, stdin or a radio",
        description="Receive and print bursts from a capture file, '-' (stdin) or --radio.",
        epilog="examples:\n"
        "  sdrlink rx captures/qpsk250k_915M_2M4.sigmf-meta\n"
        "  sdrlink rx rec.cu8 -p gfsk9k6 --sample-rate 2.4M --json\n"
        "  rtl_sdr -f 433.92M -s 2.4M - | sdrlink rx - -p gfsk9k6 --sample-rate 2.4M\n"
        "  sdrlink rx --radio rtl_tcp://127.0.0.1:1234 -p gfsk50k --freq 868.3M",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="capture file, or '-' for stdin")
    parser.add_argument(
        "--profile", "-p", metavar="P", help="modem profile (default: the capture's)"
    )
    parser.add_argument("--sample-rate", metavar="HZ", help="S/s, e.g. 2.4M (raw files, stdin)")
    parser.add_argument("--format", metavar="F", help="sigmf, cu8, cs8, cs16, cf32, wav, s16, f32")
    parser.add_argument("--json", action="store_true", help="one JSON object per burst")
    parser.add_argument(
        "--radio",
        metavar="URL",
        help="rtl_tcp://HOST:PORT, rtlsdr://INDEX, file://PATH, sim://; packet modes: "
        "a KISS TNC, kiss+tcp://HOST:PORT or kiss+serial://PATH?baud=9600",
    )
    parser.add_argument("--freq", metavar="HZ", help="centre frequency to tune, e.g. 433.92M")
    parser.add_argument(
        "--gain", type=float, metavar="DB", help="tuner gain in dB (default: automatic)"
    )
    parser.add_argument(
        "--duration-s", type=float, metavar="S", help="stop after this much signal time"
    )
    parser.add_argument(
        "--chunk-samples", type=int, default=1 << 16, metavar="N", help="samples per read (65536)"
    )
    parser.add_argument(
        "--record",
        metavar="OUT",
        help="also record the samples to OUT (SigMF: one annotation per detected burst)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no counts or progress")
    add_rx_options(parser)
    one_line_errors(parser)


def _open_source(args):
    from phy.captures import EXTENSIONS, CaptureReader, StreamReader
    from phy.errors import ConfigError
    from phy.profiles import get_profile

    profile = get_profile(args.profile) if args.profile else None
    rate = parse_hz(args.sample_rate, flag="--sample-rate")
    freq = parse_hz(args.freq, flag="--freq")
    if args.radio:
        if args.file:
            raise ConfigError("give either FILE or --radio, not both")
        if profile is None:
            raise ConfigError("--radio needs --profile P")
        from phy.radios import open_radio

        scheme = args.radio.partition("://")[0].lower() if "://" in args.radio else "file"
        defaults = {"rtl_tcp": 2_400_000, "rtlsdr": 2_400_000, "sim": profile.sample_rate_hz}
        options = {"sample_rate_hz": rate or defaults.get(scheme)}  # files know their own
        if freq is not None:
            options["center_freq_hz"] = freq
        if args.gain is not None:
            if not 0 <= args.gain <= 100:
                raise ConfigError(f"--gain must be 0..100 dB, got {args.gain}")
            options["gain_db"] = args.gain
        return open_radio(args.radio, **options), profile
    if not args.file:
        raise ConfigError("give a capture FILE, '-' for stdin, or --radio URL")
    path = Path(args.file)
    if args.file == "-" or (path.exists() and not path.is_file()):  # stdin, a FIFO, <(...)
        if profile is None:
            raise ConfigError(f"reading {'stdin' if args.file == '-' else 'a pipe'} needs -p P")
        fmt = args.format or ("s16" if profile.is_audio else "cu8")
        if args.file != "-" and args.format is None and path.suffix.lower() in EXTENSIONS:
            fmt = EXTENSIONS[path.suffix.lower()]
        rate = rate or profile.sample_rate_hz
        if args.file == "-":
            return StreamReader(sys.stdin.buffer, format=fmt, sample_rate_hz=rate), profile
        stream = open(path, "rb")  # noqa: SIM115 (closed by the reader)
        reader = StreamReader(
            stream, format=fmt, sample_rate_hz=rate, name=str(path), close_stream=True
        )
        return reader, profile
    reader = CaptureReader(args.file, format=args.format, sample_rate_hz=rate, center_freq_hz=freq)
    if profile is None:
        if reader.profile is None:
            raise ConfigError(f"{args.file} does not record its modem profile; pass --profile P")
        profile = get_profile(reader.profile)
    return reader, profile


def _payload_text(payload: bytes) -> str:
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return f"hex {payload.hex()}"
    if text.isprintable():
        return json.dumps(text, ensure_ascii=False)
    return f"hex {payload.hex()}"


def format_burst(burst) -> str:
    """One human-readable line for a burst."""
    evm = "   -    " if burst.evm_db is None else f"{burst.evm_db:6.1f} dB"
    return (
        f"{burst.start_s:11.6f} s  SNR {burst.snr_db:5.1f} dB  CFO {burst.cfo_hz:+9.1f} Hz  "
        f"EVM {evm}  {len(burst.payload):4d} B  {_payload_text(burst.payload)}"
    )


class _Progress:
    def __init__(self, total_samples: int | None, sample_rate_hz: float, quiet: bool) -> None:
        long = total_samples is not None and total_samples / sample_rate_hz > _PROGRESS_MIN_S
        self._on = long and not quiet
        self._total = total_samples
        self._next = 0.1
        self._tty = sys.stderr.isatty()

    def update(self, done: int) -> None:
        if not self._on or done < self._next * self._total:
            return
        self._next = (int(done / self._total * 10) + 1) / 10
        end = "\r" if self._tty else "\n"
        print(f"sdrlink rx: {100 * done / self._total:3.0f}%", end=end, file=sys.stderr, flush=True)

    def done(self) -> None:
        if self._on and self._tty:
            print(file=sys.stderr)


def _run_packet(args) -> int:
    """AX.25 packet modes: frames from a capture, stdin, IQ with --fm, or a KISS TNC."""
    from phy.errors import ConfigError
    from upper.cli import _packet
    from upper.packet_io import open_samples

    if is_kiss_url(args.radio):
        return _packet.run_rx_tnc(args)
    if not args.file:
        raise ConfigError(f"give a capture FILE, '-' for stdin, or --radio {KISS_URLS}")
    rate = parse_hz(args.sample_rate, flag="--sample-rate")
    with open_samples(args.file, format=args.format, sample_rate_hz=rate, fm=args.fm) as source:
        native = None
        if args.profile == "afsk1200" and not source.is_complex:
            from phy.modem import make_receiver

            native = make_receiver("afsk1200", sample_rate_hz=source.sample_rate_hz)
        return _packet.run_rx(
            args,
            source,
            args.profile,
            extra_receiver=native,
            emit_bursts=lambda bursts: _emit(bursts, args.json),
        )


def run(args) -> int:
    from phy.errors import ConfigError
    from phy.modem import make_receiver

    if is_packet_mode(args.profile):
        return _run_packet(args)
    if is_kiss_url(args.radio):
        raise ConfigError("a KISS TNC carries AX.25: use --profile afsk1200 (or g3ruh9600)")
    source, profile = _open_source(args)
    with source:
        if source.is_complex == profile.is_audio:
            kind = "audio" if profile.is_audio else "RF (IQ)"
            raise ConfigError(f"profile {profile.name} needs {kind} samples; this source differs")
        check_rate(profile, source.sample_rate_hz)
        if args.chunk_samples < 1:
            raise ConfigError("--chunk-samples must be positive")
        if args.duration_s is not None and not args.duration_s > 0:
            raise ConfigError(f"--duration-s must be positive, got {args.duration_s}")
        receiver = make_receiver(profile, sample_rate_hz=source.sample_rate_hz)
        recorder = _recorder(args, source, profile)
        limit = None if args.duration_s is None else round(args.duration_s * source.sample_rate_hz)
        progress = _Progress(
            getattr(source, "num_samples", None), source.sample_rate_hz, args.quiet
        )
        count, done = 0, 0
        live = bool(args.radio) and not args.radio.startswith("file://")
        started = time.monotonic()
        try:
            while limit is None or done < limit:
                want = (
                    args.chunk_samples if limit is None else min(args.chunk_samples, limit - done)
                )
                chunk = source.read(want)
                if chunk.size == 0:
                    break
                done += chunk.size
                if recorder is not None:
                    recorder.write(chunk)
                count += _emit(receiver.process(chunk), args.json, recorder, source)
                progress.update(done)
                if live and not args.quiet:
                    live = _warn_if_behind(done / source.sample_rate_hz, started)
            count += _emit(receiver.flush(), args.json, recorder, source)
        finally:
            progress.done()
            if recorder is not None:
                recorder.close()
    if not args.quiet:
        elapsed = time.monotonic() - started
        noun = "burst" if count == 1 else "bursts"
        print(
            f"sdrlink rx: {count} {noun} in {done / source.sample_rate_hz:.3f} s of signal "
            f"({profile.name}, {source.sample_rate_hz:g} S/s; {elapsed:.1f} s)",
            file=sys.stderr,
        )
    return 0


def _warn_if_behind(signal_s: float, started: float) -> bool:
    """Warn once when a live radio is processed slower than real time; False once warned."""
    elapsed = time.monotonic() - started
    if signal_s < 2.0 or elapsed < 1.2 * signal_s:
        return True
    print(
        f"sdrlink rx: processing at {signal_s / elapsed:.2f}x real time; the radio will drop "
        "samples (lower --sample-rate, e.g. to a small multiple of the profile's rate)",
        file=sys.stderr,
    )
    return False


def _recorder(args, source, profile):
    """A ``CaptureWriter`` for ``--record`` (cu8 SigMF for 8-bit sources, else cf32/PCM)."""
    if not args.record:
        return None
    from phy.captures import CaptureWriter

    datatype = getattr(source, "datatype", None)
    eight_bit = datatype is None or datatype.name == "cu8"  # radios deliver cu8
    return CaptureWriter(
        args.record,
        datatype=None if profile.is_audio else ("cu8" if eight_bit else "cf32_le"),
        sample_rate_hz=source.sample_rate_hz,
        center_freq_hz=source.center_freq_hz,
        profile=profile.name,
        is_complex=not profile.is_audio,
        hw=f"sdrlink rx from {args.radio or args.file}",
        datetime_utc=getattr(getattr(source, "metadata", None), "datetime", None),
    )


def _emit(bursts, as_json: bool, recorder=None, source=None) -> int:
    from phy.captures import burst_annotation

    for burst in bursts:
        print(json.dumps(burst.to_dict()) if as_json else format_burst(burst), flush=True)
        if recorder is not None and recorder.format == "sigmf":
            recorder.add_annotation(burst_annotation(burst, center_freq_hz=source.center_freq_hz))
    return len(bursts)
