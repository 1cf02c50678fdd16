"""``sdrlink tx``: modulate bursts, pass them through the channel model, write a capture.

Example (a capture like an RTL-SDR at 2.4 MS/s would record)::

    sdrlink tx --profile gfsk9k6 --out hello.sigmf-meta --datatype cu8 --sample-rate 2.4M \\
        --freq 433.92M --channel ebn0=18,cfo=3000,ppm=20,dc=0.01+0.005j,iq_amp=0.5,rtl=1 hello world

One burst per DATA argument, separated by gaps of channel noise (or silence without noise).
"""

from __future__ import annotations

import argparse
import sys

_CHANNEL_KEYS = {
    "ebn0": "ebn0_db",
    "snr": "snr_db",
    "cfo": "cfo_hz",
    "ppm": "clock_ppm",
    "phase": "phase_rad",
    "timing": "timing_offset_samples",
    "phase_noise": "phase_noise_linewidth_hz",
    "gain": "gain_db",
    "dc": "dc_offset",
    "iq_amp": "iq_amplitude_db",
    "iq_phase": "iq_phase_deg",
    "rtl": "quantise_cu8",
    "multipath": "multipath_taps",
    "twist": "twist_db",
}
_SUFFIXES = {"k": 1e3, "M": 1e6, "G": 1e9}


def parse_hz(text: str | None, *, flag: str) -> float | None:
    """``"2.4M"``, ``"250k"``, ``"2.4e6"`` -> hertz; None stays None; ``ConfigError`` if bad."""
    from phy.errors import ConfigError

    if text is None:
        return None
    text = text.strip()
    scale = _SUFFIXES.get(text[-1:], 1.0)
    number = text[:-1] if text[-1:] in _SUFFIXES else text
    try:
        value = float(number) * scale
    except ValueError:
        raise ConfigError(f"{flag} {text!r} is not a number of hertz (e.g. 2.4M, 250k)") from None
    if not (value > 0 and value < 1e12):
        raise ConfigError(f"{flag} must be positive, got {text!r}")
    return value


def parse_offset_hz(text: str | None, *, flag: str = "--fm-offset") -> float:
    """A signed frequency offset such as ``-25k`` or ``12500`` (None is 0)."""
    if text is None or text.strip() in ("", "0"):
        return 0.0
    text = text.strip()
    sign = -1.0 if text.startswith("-") else 1.0
    return sign * parse_hz(text.lstrip("+-"), flag=flag)


def parse_channel(text: str) -> dict:
    """``"ebn0=12,cfo=5000,ppm=40,rtl=1"`` -> ``ChannelConfig`` keyword arguments."""
    from phy.errors import ConfigError

    out: dict = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        name = _CHANNEL_KEYS.get(key.strip(), key.strip())
        if not sep or name not in _CHANNEL_KEYS.values():
            known = ", ".join(_CHANNEL_KEYS)
            raise ConfigError(f"bad --channel item {item!r}; use KEY=VALUE with KEY in: {known}")
        try:
            if name == "quantise_cu8":
                out[name] = value.strip().lower() in ("1", "true", "yes", "on")
            elif name == "dc_offset":
                out[name] = complex(value.replace(" ", ""))
            elif name == "multipath_taps":
                out[name] = tuple(complex(t) for t in value.split(":"))
            else:
                out[name] = float(value)
        except ValueError:
            raise ConfigError(f"bad --channel value in {item!r}; give a number") from None
    return out


def one_line_errors(parser) -> None:
    """Make ``parser`` report a bad flag as one line on stderr and exit 2 (no usage dump)."""

    def error(message: str):
        print(f"{parser.prog}: error: {message} (see {parser.prog} --help)", file=sys.stderr)
        sys.exit(2)

    parser.error = error


def check_rate(profile, sample_rate_hz: float) -> None:
    """``ConfigError`` if ``sample_rate_hz`` cannot hold ``profile``'s signal."""
    from phy.errors import ConfigError

    if profile.is_audio:
        need = 2 * (max(profile.mark_hz, profile.space_hz) + profile.symbol_rate_baud / 2)
    else:
        need = profile.occupied_bandwidth_hz  # complex sampling: the whole band
    if sample_rate_hz < need:
        raise ConfigError(
            f"{sample_rate_hz:g} S/s cannot hold {profile.name} ({need:g} Hz wide); "
            f"use --sample-rate {profile.sample_rate_hz:g} or more"
        )


def register(subparsers) -> None:
    from upper.cli._packet import add_tx_options

    parser = subparsers.add_parser(
        "tx",
        help="write bursts to a capture file (through the channel model)",
        description="Modulate one burst per DATA argument and write them to a capture.",
        epilog="example (a capture like an RTL-SDR's, 2.4 MS/s cu8 SigMF):\n"
        "  sdrlink tx -p gfsk9k6 --out hello.sigmf-meta --datatype cu8 --sample-rate 2.4M \\\n"
        "      --freq 433.92M --channel ebn0=18,cfo=3000,ppm=20,dc=0.01,rtl=1 hello world",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("data", nargs="+", metavar="DATA", help="payload of one burst each")
    parser.add_argument(
        "--profile", "-p", required=True, metavar="P", help="modem profile (sdrlink profiles)"
    )
    parser.add_argument("--out", "-o", metavar="FILE", help="capture to write ('-': stdout)")
    parser.add_argument(
        "--format",
        metavar="F",
        help="sigmf, cu8, cs8, cs16, cf32, wav, s16, f32 (default: from --out)",
    )
    parser.add_argument(
        "--datatype", help="SigMF sample type: cf32_le (default), ci16_le or cu8 (like a dongle)"
    )
    parser.add_argument(
        "--sample-rate",
        metavar="HZ",
        help="samples per second, e.g. 2.4M (default: the profile's native rate)",
    )
    parser.add_argument("--freq", metavar="HZ", help="centre frequency to record, e.g. 433.92M")
    parser.add_argument(
        "--channel",
        default="",
        metavar="K=V,...",
        help="impairments KEY=VALUE,...: ebn0, snr (dB), cfo (Hz), ppm (clock), phase, timing, "
        "phase_noise (Hz), gain (dB), dc (complex), iq_amp (dB), iq_phase (deg), "
        "rtl (1: AGC + 8-bit ADC), multipath (taps a:b:c), twist (audio, dB)",
    )
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--text", action="store_true", help="DATA is UTF-8 text (the default)")
    kind.add_argument("--hex", action="store_true", help="DATA is hex bytes")
    parser.add_argument("--gap-s", type=float, help="gap between bursts (default: 5 ms or more)")
    parser.add_argument("--seed", type=int, default=1, help="channel random seed (default 1)")
    parser.add_argument("--hw", help="hardware description for SigMF core:hw")
    parser.add_argument(
        "--datetime", help="SigMF core:datetime, UTC, e.g. 2026-01-01T00:00:00Z (default: now)"
    )
    add_tx_options(parser)
    one_line_errors(parser)


def _payloads(args) -> list[bytes]:
    from phy.errors import ConfigError

    if not args.hex:
        return [item.encode("utf-8") for item in args.data]
    out = []
    for item in args.data:
        try:
            out.append(bytes.fromhex(item.replace(":", "").replace(" ", "")))
        except ValueError:
            raise ConfigError(f"--hex: {item!r} is not hex bytes (e.g. 48656c6c6f)") from None
    return out


def build_stream(profile, payloads: list[bytes], *, sample_rate_hz: float, gap_s: float | None):
    """(samples, [(start, length)]): the bursts at ``sample_rate_hz`` with gaps around them."""
    import numpy as np

    from phy.modem import modulate

    if gap_s is None:
        gap_s = max(5e-3, 100 / profile.symbol_rate_baud)
    if not 0 <= gap_s <= 60:
        from phy.errors import ConfigError

        raise ConfigError(f"--gap-s must be 0..60 s, got {gap_s}")
    gap = np.zeros(round(gap_s * sample_rate_hz), np.float32 if profile.is_audio else np.complex64)
    parts, spans, position = [gap], [], gap.size
    for payload in payloads:
        burst = modulate(profile, payload, sample_rate_hz=sample_rate_hz)
        spans.append((position, burst.size))
        parts += [burst, gap]
        position += burst.size + gap.size
    return np.concatenate(parts), spans


def _apply_channel(samples, spans, params: dict, *, profile, sample_rate_hz: float, seed: int):
    import numpy as np

    from phy.channel import Channel, ChannelConfig

    if not params:
        return samples
    power = float(np.mean(np.concatenate([np.abs(samples[s : s + n]) ** 2 for s, n in spans])))
    config = ChannelConfig(
        sample_rate_hz=sample_rate_hz,
        audio=profile.is_audio,
        bit_rate_bps=profile.bit_rate_bps,
        signal_power=power,
        **params,
    )
    return Channel(config, rng=np.random.default_rng(seed)).process(samples)


def run(args) -> int:
    import numpy as np

    from phy.captures import CaptureWriter
    from phy.errors import ConfigError
    from phy.profiles import PROFILES, get_profile
    from upper.cli._packet import is_packet_mode
    from upper.cli._packet import run_tx as run_packet_tx

    if args.ax25 or (is_packet_mode(args.profile) and args.profile not in PROFILES):
        if not is_packet_mode(args.profile):
            raise ConfigError("--ax25 needs a packet profile: afsk1200, g3ruh9600 or fsk1200")
        return run_packet_tx(args)
    if args.radio or args.fx25:
        raise ConfigError("--radio and --fx25 apply to AX.25 frames: add --ax25")
    if not args.out:
        raise ConfigError("give --out FILE (the capture to write)")
    profile = get_profile(args.profile)
    if args.seed < 0:
        raise ConfigError(f"--seed must be a non-negative integer, got {args.seed}")
    payloads = _payloads(args)
    rate = parse_hz(args.sample_rate, flag="--sample-rate") or profile.sample_rate_hz
    check_rate(profile, rate)
    freq = parse_hz(args.freq, flag="--freq")
    params = parse_channel(args.channel)
    if freq is not None and profile.is_audio:
        raise ConfigError("--freq applies to RF profiles; an audio capture has no centre")
    samples, spans = build_stream(profile, payloads, sample_rate_hz=rate, gap_s=args.gap_s)
    samples = _apply_channel(
        samples, spans, params, profile=profile, sample_rate_hz=rate, seed=args.seed
    )
    writer = CaptureWriter(
        args.out,
        format=args.format,
        datatype=args.datatype,
        sample_rate_hz=rate,
        center_freq_hz=freq,
        profile=profile.name,
        is_complex=not profile.is_audio,
        hw=args.hw or "sdrlink tx (simulated channel)",
        datetime_utc=args.datetime,
        description=f"sdrlink tx --profile {profile.name}: {len(payloads)} bursts",
    )
    if writer.datatype.is_integer and not params.get("quantise_cu8"):
        peak = float(np.max(np.abs(samples.view(np.float32)))) if samples.size else 0.0
        if peak > 1.0:  # like a receiver's gain set for headroom: at most 0.3 RMS, no clipping
            rms = float(np.sqrt(np.mean(np.abs(samples) ** 2)))
            samples = samples * np.float32(min(0.3 / rms, 0.95 / peak))
    with writer:
        writer.write(samples)
        bandwidth = profile.occupied_bandwidth_hz
        centre = (freq or 0.0) + params.get("cfo_hz", 0.0)
        for (start, length), payload in zip(spans, payloads, strict=True):
            fields = {"sdrlink:payload_hex": payload.hex()}
            for key in ("ebn0_db", "snr_db", "cfo_hz", "clock_ppm"):
                if key in params:
                    fields[f"sdrlink:{key}"] = params[key]
            writer.annotate(
                sample_start=start,
                sample_count=length,
                label=profile.name,
                comment=f"transmitted burst, {len(payload)} B payload",
                freq_lower_edge_hz=None if profile.is_audio else centre - bandwidth / 2,
                freq_upper_edge_hz=None if profile.is_audio else centre + bandwidth / 2,
                fields=fields,
            )
    if args.out != "-":
        noun = "burst" if len(payloads) == 1 else "bursts"
        print(
            f"sdrlink tx: {len(payloads)} {noun}, {samples.size} samples "
            f"({samples.size / rate:.3f} s at {rate:g} S/s) -> {writer.path}",
            file=sys.stderr,
        )
    return 0
