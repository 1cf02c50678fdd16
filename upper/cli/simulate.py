"""``sdrlink simulate``: BER (or, with ``--fec``, PER) against Eb/N0 over the channel model.

Each burst crosses the simulated channel with its own random carrier offset (+-20 kHz RF),
clock offset (+-100 ppm), phase and timing, separated from the next by noise, and is
acquired cold by a streaming receiver at the radio's rate (2.4 MS/s RF, 48 kHz audio).
Heavy imports happen inside ``run``.
"""

from __future__ import annotations

import json
import sys
import time

from phy.errors import ConfigError

_TARGETS = (1e-3, 1e-4)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="BER/PER against Eb/N0 over the simulated channel, with theory and plots",
        description=__doc__.splitlines()[0].split(": ", 1)[1].replace("``", ""),
    )
    parser.add_argument("--profile", required=True, help="modem profile (see sdrlink profiles)")
    parser.add_argument(
        "--ebn0", default="0:10:1", metavar="START:STOP:STEP", help="Eb/N0 sweep in dB"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--plot", metavar="FILE.png", help="write the curve with theory (PNG)")
    parser.add_argument("--min-errors", type=int, default=100, help="errors to count per point")
    parser.add_argument(
        "--min-error-bursts", type=int, default=10, help="bursts with errors to see per point"
    )
    parser.add_argument("--max-bits", type=int, default=2_000_000, help="bit budget per point")
    parser.add_argument("--max-packets", type=int, default=20_000, help="packet budget (--fec)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (reproducible runs)")
    parser.add_argument("--fec", metavar="LEVEL", help="PER with a MAC FEC level (none, rs, ...)")
    parser.add_argument("--payload-bytes", type=int, default=255, help="bytes per burst")
    parser.add_argument(
        "--rate",
        choices=("radio", "native"),
        default="radio",
        help="run at the radio's rate (2.4 MS/s, 48 kHz; default) or the modem's native rate",
    )
    parser.add_argument("--no-offsets", action="store_true", help="no CFO/clock/timing offsets")
    parser.add_argument(
        "--cfo-range-hz", type=float, default=20e3, help="RF carrier offsets uniform in +-this"
    )
    parser.add_argument(
        "--clock-range-ppm", type=float, default=100.0, help="clock offsets uniform in +-this"
    )
    parser.add_argument(
        "--stop-clean", action="store_true", help="end the sweep after a point with no errors"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def parse_sweep(text: str) -> list[float]:
    """``START:STOP:STEP`` (inclusive) or a single value -> Eb/N0 values in dB."""
    try:
        parts = [float(p) for p in text.split(":")]
    except ValueError:
        raise ConfigError(f"--ebn0 {text!r}: expected START:STOP:STEP in dB, e.g. 0:10:1") from None
    if len(parts) == 1:
        return parts
    if len(parts) != 3 or parts[2] <= 0 or parts[1] < parts[0]:
        raise ConfigError(f"--ebn0 {text!r}: expected START:STOP:STEP with STEP > 0, STOP >= START")
    start, stop, step = parts
    count = round((stop - start) / step) + 1
    if count > 200:
        raise ConfigError(f"--ebn0 {text!r} gives {count} points; at most 200")
    return [round(start + k * step, 6) for k in range(count)]


class MacFrameCodec:
    """``phy.measure.PacketCodec`` over the data link's frame codec (``mac.frame``): MAC
    header, CRC-32 and the payload FEC ``level``; a frame counts only if it decodes to the
    payload that was sent."""

    def __init__(self, level: str) -> None:
        from mac.fec import FecLevel
        from mac.frame import FrameHeader, FrameType

        self.level = FecLevel.parse(level)
        self.name = self.level.label
        self._header = FrameHeader(frame_type=FrameType.DATA, src=1, dst=2)

    def encode(self, info: bytes) -> bytes:
        from mac.frame import encode_frame

        return encode_frame(self._header, info, fec=self.level)

    def decode(self, llrs, n_info_bytes: int) -> bytes | None:
        from mac.frame import Frame, decode_frame

        event = decode_frame(llrs)
        return event.payload if isinstance(event, Frame) else None


def _progress_printer(quiet: bool):
    last = [0.0]

    def show(state: dict) -> None:
        now = time.monotonic()
        if quiet or now - last[0] < 2.0:
            return
        last[0] = now
        fields = " ".join(f"{k}={v}" for k, v in state.items())
        print(f"  ... {fields}", file=sys.stderr, flush=True)

    return show


def _setup(args):
    from phy.measure import LinkSetup
    from phy.profiles import get_profile

    profile = get_profile(args.profile)
    if args.min_errors < 1:
        raise ConfigError("--min-errors must be at least 1")
    rate = profile.sample_rate_hz if args.rate == "native" else None
    return LinkSetup(
        profile=profile,
        sample_rate_hz=rate,
        payload_bytes=args.payload_bytes,
        offsets=not args.no_offsets,
        cfo_range_hz=args.cfo_range_hz,
        clock_range_ppm=args.clock_range_ppm,
    )


def run(args) -> int:
    import numpy as np

    sweep = parse_sweep(args.ebn0)
    setup = _setup(args)
    rng = np.random.default_rng(args.seed)
    if args.plot and not args.plot.lower().endswith(".png"):
        raise ConfigError(f"--plot {args.plot!r}: give a .png file name")
    if args.fec:
        return _run_per(args, setup, sweep, rng)
    return _run_ber(args, setup, sweep, rng)


def _run_ber(args, setup, sweep, rng) -> int:
    from phy.measure import measure_ber

    show = _progress_printer(args.quiet)
    if not args.json:
        print(_ber_header(setup))
    points = []
    for ebn0_db in sweep:
        point = measure_ber(
            setup,
            ebn0_db,
            rng=rng,
            min_errors=args.min_errors,
            min_error_bursts=args.min_error_bursts,
            max_bits=args.max_bits,
            progress=show,
        )
        points.append(point)
        if args.json:
            print(json.dumps({"kind": "ber", **point.to_dict()}), flush=True)
        else:
            print(_ber_row(point), flush=True)
        if args.stop_clean and point.bit_errors == 0:
            break
    summary = _ber_summary(setup.profile, points)
    if args.json:
        print(json.dumps({"kind": "summary", "profile": setup.profile.name, **summary}))
    else:
        for target, row in summary["at_ber"].items():
            print(_summary_line(target, row))
    if args.plot:
        _plot_ber(args.plot, setup.profile, points)
    return 0


def _ber_header(setup) -> str:
    p = setup.profile
    from phy.measure import theory_name

    lines = [
        f"# {p.name}: {p.description}",
        f"# at {setup.rate_hz:g} S/s, {setup.payload_bytes}-byte payloads, "
        + _offsets_text(setup)
        + f"; theory: {theory_name(p)}",
        f"{'Eb/N0 dB':>8} {'BER':>10} {'theory':>10} {'bits':>9} {'errors':>7} "
        f"{'in bursts':>9} {'bursts':>6} {'found':>6} {'detect':>7} {'false':>5}",
    ]
    return "\n".join(lines)


def _offsets_text(setup) -> str:
    if not setup.offsets:
        return "no offsets"
    cfo = "" if setup.profile.is_audio else f"CFO +-{setup.cfo_range_hz / 1e3:g} kHz, "
    return f"{cfo}clock +-{setup.clock_range_ppm:g} ppm, random phase and timing"


def _ber_row(pt) -> str:
    return (
        f"{pt.ebn0_db:>8.2f} {pt.ber:>10.3e} {pt.theory_ber:>10.3e} {pt.bits:>9d} "
        f"{pt.bit_errors:>7d} {pt.error_bursts:>9d} {pt.bursts_sent:>6d} {pt.bursts_found:>6d} "
        f"{100 * pt.detection:>6.1f}% {pt.false_alarms:>5d}"
    )


def _ber_summary(profile, points) -> dict:
    """Eb/N0 at BER 1e-3 and 1e-4: measured (interpolated), theory, loss, detection."""
    from phy.measure import ebn0_at_ber, theory_ebn0_at_ber

    at = {}
    xs = [p.ebn0_db for p in points]
    ys = [p.ber for p in points]
    for target in _TARGETS:
        measured = ebn0_at_ber(xs, ys, target)
        theory = theory_ebn0_at_ber(profile, target)
        detection = None
        if measured is not None:
            nearest = min(points, key=lambda p: abs(p.ebn0_db - measured))
            detection = nearest.detection
        at[f"{target:.0e}"] = {
            "measured_ebn0_db": None if measured is None else round(measured, 2),
            "theory_ebn0_db": round(theory, 2),
            "loss_db": None if measured is None else round(measured - theory, 2),
            "detection_near": detection,
        }
    return {"at_ber": at}


def _summary_line(target: str, row: dict) -> str:
    if row["measured_ebn0_db"] is None:
        return f"# BER {target}: not crossed in this sweep (theory {row['theory_ebn0_db']} dB)"
    return (
        f"# BER {target}: {row['measured_ebn0_db']:.2f} dB measured, "
        f"{row['theory_ebn0_db']:.2f} dB theory, loss {row['loss_db']:+.2f} dB, "
        f"detection {100 * row['detection_near']:.1f}% at the nearest point"
    )


def _run_per(args, setup, sweep, rng) -> int:
    from phy.measure import measure_per, theory_ber

    codec = MacFrameCodec(args.fec)
    show = _progress_printer(args.quiet)
    info_bytes = args.payload_bytes
    if not args.json:
        print(
            f"# {setup.profile.name} PER with FEC {codec.name} (mac.frame: header, CRC-32), "
            f"{info_bytes}-byte payloads; Eb per information bit, whole burst charged"
        )
        print(
            f"{'Eb/N0 dB':>8} {'PER':>10} {'uncoded':>10} {'packets':>8} {'errors':>7} "
            f"{'found':>6} {'info/air':>8}"
        )
    points = []
    for ebn0_db in sweep:
        pt = measure_per(
            setup,
            ebn0_db,
            codec,
            rng=rng,
            info_bytes=info_bytes,
            min_errors=args.min_errors,
            max_packets=args.max_packets,
            progress=show,
        )
        uncoded = 1 - (1 - theory_ber(setup.profile, ebn0_db)) ** (8 * info_bytes)
        points.append((pt, uncoded))
        if args.json:
            print(json.dumps({"kind": "per", **pt.to_dict(), "uncoded_theory_per": uncoded}))
        else:
            print(
                f"{pt.ebn0_db:>8.2f} {pt.per:>10.3e} {uncoded:>10.3e} {pt.packets:>8d} "
                f"{pt.packet_errors:>7d} {pt.bursts_found:>6d} {pt.info_rate:>8.3f}",
                flush=True,
            )
        if args.stop_clean and pt.packet_errors == 0:
            break
    if args.plot:
        _plot_curve(
            args.plot,
            f"{setup.profile.name} PER, FEC {codec.name}",
            "packet error rate",
            [p.ebn0_db for p, _ in points],
            [p.per for p, _ in points],
            [u for _, u in points],
            "uncoded theory",
        )
    return 0


def _plot_ber(path: str, profile, points) -> None:
    from phy.measure import theory_name

    _plot_curve(
        path,
        f"{profile.name} BER",
        "bit error rate",
        [p.ebn0_db for p in points],
        [p.ber for p in points],
        None,
        theory_name(profile),
        profile=profile,
    )


def _plot_curve(path, title, ylabel, xs, ys, ref, ref_label, profile=None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    xs_arr, ys_arr = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    shown = ys_arr > 0
    ax.semilogy(xs_arr[shown], ys_arr[shown], "o-", label="measured")
    if profile is not None:
        from phy.measure import theory_ber

        fine = np.linspace(min(xs) - 0.5, max(xs) + 0.5, 200)
        ax.semilogy(fine, theory_ber(profile, fine), "k--", label=ref_label)
    elif ref is not None:
        ax.semilogy(xs, ref, "k--", label=ref_label)
    ax.set_xlabel("Eb/N0 (dB)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.set_ylim(bottom=max(1e-7, 0.3 * min([y for y in ys if y > 0] or [1e-6])), top=1)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
