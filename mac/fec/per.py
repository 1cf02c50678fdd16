"""Packet error rate of the frame codec against Eb/N0 (for ``sdrlink simulate --fec``).

Eb is the energy per *information* bit (payload bits only): the preamble, sync word, PHY
header, MAC header, CRC and FEC redundancy all cost energy, so levels compare fairly.
Three channels:

* ``aligned``: the ideal BPSK/QPSK channel (Gray QPSK is two BPSK rails, so both give the
  same per-bit statistics): every burst bit ``b`` becomes ``y = 1 - 2 b + n``,
  ``n ~ N(0, s^2)``, ``s^2 = 1 / (2 Es/N0)`` with ``Es/N0 = Eb/N0 * info_bits / burst_bits``,
  LLR ``2 y / s^2``; the frame decoder gets the payload's LLRs at the right place (perfect
  burst synchronisation, whose energy is still paid for): this measures the FEC.
* ``softsync``: the same channel with 32..255 noise-only soft bits before the burst; the
  burst is located by the largest soft correlation of the soft bits with preamble + sync
  word in that window (a burst is known to be there) and its PHY header decoded by maximum
  likelihood without a rejection threshold: what a soft-decision PHY sync could achieve.
* ``llr``: the same channel, but the burst goes through the PHY's ``BitFramer`` (hard
  sync-word match with ``max_sync_errors``, Golay PHY header with ``max_header_errors``), so
  missed syncs and PHY-header losses count as frame errors.
* ``phy``: ``phy.modulate`` -> AWGN at the information-bit Eb/N0 -> ``phy.make_receiver``
  (the real modem with its synchronisation) -> frame decoder.

A frame is in error unless the decoder returns it with the payload that was sent.
``python -m mac.fec.per --help`` runs sweeps and writes the tables of ``docs/fec.md``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from mac.fec._block import LABELS, FecLevel
from phy.errors import ConfigError
from phy.profiles import Profile, get_profile

__all__ = ["PerPoint", "decoder_ablation", "ebn0_at_per", "per_curve", "simulate_per"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PerPoint:
    """One measured point: ``frame_errors`` of ``frames`` at ``ebn0_db``."""

    fec: str
    ebn0_db: float
    frames: int
    frame_errors: int
    channel: str
    payload_bytes: int
    burst_bits: int
    causes: dict[str, int] = field(default_factory=dict)

    @property
    def per(self) -> float:
        return self.frame_errors / self.frames if self.frames else float("nan")

    @property
    def info_rate(self) -> float:
        """Information bits per transmitted bit, preamble and sync included."""
        return 8 * self.payload_bytes / self.burst_bits


def _frame(rng, payload_bytes, level):
    from mac.frame import FrameHeader, FrameType, encode_frame

    payload = rng.bytes(payload_bytes)
    header = FrameHeader(frame_type=FrameType.DATA, src=1, dst=2, seq=int(rng.integers(256)))
    return payload, encode_frame(header, payload, fec=level)


def _llr_bursts(profile, frame, ebn0_db, info_bits, rng, framer_options, aligned=False):
    from phy.framing import HEADER_BITS, BitFramer, frame_bits

    bits = frame_bits(profile, frame)
    esn0 = 10 ** (ebn0_db / 10) * info_bits / bits.size
    sigma = np.sqrt(1 / (2 * esn0))
    tail = rng.integers(0, 2, 64, dtype=np.uint8)  # data-like bits after the burst
    y = 1 - 2 * np.concatenate([bits, tail]).astype(np.float32)
    y += rng.normal(0, sigma, y.size).astype(np.float32)
    llrs = (2 / sigma**2) * y
    if aligned:
        start = bits.size - 8 * len(frame)
        assert start == profile.preamble_bits + profile.sync_bits + HEADER_BITS
        return [llrs[start : bits.size]], bits.size
    framer = BitFramer(profile=profile, **framer_options)
    return [b.llrs for b in framer.push(llrs)], bits.size


def _softsync_bursts(profile, frame, ebn0_db, info_bits, rng, framer_options):
    """Ideal channel with noise before the burst; the burst is found by the largest soft
    correlation with preamble + sync word inside the window, the PHY header decoded by
    maximum likelihood without a rejection threshold (the MAC header checks guard)."""
    from phy.framing import HEADER_BITS, decode_header, frame_bits

    bits = frame_bits(profile, frame)
    esn0 = 10 ** (ebn0_db / 10) * info_bits / bits.size
    sigma = np.sqrt(1 / (2 * esn0))
    lead = int(rng.integers(32, _SOFTSYNC_WINDOW))
    y = np.concatenate([np.zeros(lead, np.float32), 1 - 2 * bits.astype(np.float32)])
    y += rng.normal(0, sigma, y.size).astype(np.float32)
    llrs = (2 / sigma**2) * y
    marker = frame_bits(profile, b"")[: profile.preamble_bits + profile.sync_bits]
    pattern = 1 - 2 * marker.astype(np.float32)
    scores = np.correlate(llrs[: _SOFTSYNC_WINDOW + pattern.size], pattern, mode="valid")
    start = int(np.argmax(scores)) + pattern.size + HEADER_BITS
    length, _ = decode_header(llrs[start - HEADER_BITS : start])
    return [llrs[start : start + 8 * length]], bits.size


_SOFTSYNC_WINDOW = 256


def _aligned_bursts(profile, frame, ebn0_db, info_bits, rng, framer_options):
    return _llr_bursts(profile, frame, ebn0_db, info_bits, rng, framer_options, aligned=True)


def _phy_bursts(profile, frame, ebn0_db, info_bits, rng, framer_options):
    from phy.channel import awgn
    from phy.framing import frame_bits
    from phy.modem import make_receiver, modulate

    n_bits = frame_bits(profile, frame).size
    burst = modulate(profile, frame)
    power = float(np.mean(np.abs(burst) ** 2))
    pad = np.zeros(64 * profile.samples_per_symbol, dtype=burst.dtype)
    samples = np.concatenate([pad, burst, pad])
    rate = profile.bit_rate_bps * info_bits / n_bits  # information bit rate
    noisy = awgn(
        samples,
        rng=rng,
        sample_rate_hz=profile.sample_rate_hz,
        signal_power=power,
        bit_rate_bps=rate,
        ebn0_db=ebn0_db,
    )
    receiver = make_receiver(profile, **framer_options)
    bursts = receiver.process(noisy) + receiver.flush()
    return [b.llrs for b in bursts], n_bits


def simulate_per(
    profile: Profile | str,
    fec: FecLevel | str,
    ebn0_db: float,
    rng: np.random.Generator,
    *,
    payload_bytes: int = 255,
    min_errors: int = 100,
    max_frames: int = 20_000,
    channel: str = "aligned",
    erasures: bool = True,
    framer_options: dict | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PerPoint:
    """Send frames until ``min_errors`` frame errors or ``max_frames`` frames.

    ``framer_options`` go to the PHY's burst finder (``BitFramer`` for ``llr``, the modem
    receiver for ``phy``), e.g. ``{"max_sync_errors": 7, "max_header_errors": 12}``.

    Cost: one encode, channel and decode per frame (about 1-3 ms for 255 bytes at
    ``rs+conv`` on the ideal channel, more through the real modem).
    """
    from mac.frame import Frame, decode_frame

    profile = get_profile(profile) if isinstance(profile, str) else profile
    level = FecLevel.parse(fec)
    makers = {
        "aligned": _aligned_bursts,
        "softsync": _softsync_bursts,
        "llr": _llr_bursts,
        "phy": _phy_bursts,
    }
    if channel not in makers:
        raise ConfigError(f"unknown PER channel {channel!r}; use one of {', '.join(makers)}")
    make = makers[channel]
    options = dict(framer_options or {})
    info_bits = 8 * payload_bytes
    frames = errors = 0
    causes: dict[str, int] = {}
    burst_bits = 0
    while errors < min_errors and frames < max_frames:
        payload, frame = _frame(rng, payload_bytes, level)
        bursts, burst_bits = make(profile, frame, ebn0_db, info_bits, rng, options)
        frames += 1
        cause = "sync"
        for llrs in bursts:
            event = decode_frame(llrs, erasures=erasures)
            if isinstance(event, Frame):
                cause = None if event.payload == payload else "wrong"
                break
            cause = event.reason
        if cause is not None:
            errors += 1
            causes[cause] = causes.get(cause, 0) + 1
        if progress is not None and frames % 2000 == 0:
            progress(frames, errors)
    return PerPoint(
        fec=level.label,
        ebn0_db=float(ebn0_db),
        frames=frames,
        frame_errors=errors,
        channel=channel,
        payload_bytes=payload_bytes,
        burst_bits=burst_bits,
        causes=causes,
    )


def per_curve(profile, fec, ebn0_dbs, rng, *, stop_per: float = 0.0, **options) -> list[PerPoint]:
    """:func:`simulate_per` at each Eb/N0 (ascending); stops after a point with PER at or
    below ``stop_per`` (0 = never stop early)."""
    points = []
    for ebn0 in ebn0_dbs:
        point = simulate_per(profile, fec, ebn0, rng, **options)
        points.append(point)
        if point.per <= stop_per:
            break
    return points


def ebn0_at_per(points: list[PerPoint], target: float = 0.01) -> float | None:
    """Eb/N0 where the PER curve crosses ``target`` (log-linear interpolation), or None."""
    pts = sorted(points, key=lambda p: p.ebn0_db)
    for a, b in itertools.pairwise(pts):
        if a.per >= target >= b.per and a.per > 0:
            if b.per == 0:
                return b.ebn0_db
            la, lb, lt = np.log10(a.per), np.log10(b.per), np.log10(target)
            return float(a.ebn0_db + (la - lt) / (la - lb) * (b.ebn0_db - a.ebn0_db))
    return None


def decoder_ablation(
    ebn0_db: float, *, n_frames: int = 1500, payload_bytes: int = 255, seed: int = 42
) -> dict[str, float]:
    """Block error rate of ``rs+conv`` with parts of the decoder switched off, on the same
    noise (ideal QPSK, Eb/N0 per information bit with the whole burst counted): errors-only
    RS (``plain``), with GMD erasure retries, with iterative pinning, with both, and with
    the Chase search on top (``all``, the default decoder)."""
    import mac.fec._block as block
    from mac.fec._block import decode_block, encode_block
    from mac.frame import frame_bytes

    rng = np.random.default_rng(seed)
    level = FecLevel.RS_CONV
    n = payload_bytes + 4
    burst_bits = 8 * frame_bytes(payload_bytes, level) + 144  # + preamble, sync, PHY header
    sigma = np.sqrt(1 / (2 * 10 ** (ebn0_db / 10) * 8 * payload_bytes / burst_bits))
    variants = {  # erasures, pin iterations, Chase candidates
        "plain": (False, 0, 0),
        "erasures": (True, 0, 0),
        "pinning": (False, 2, 0),
        "erasures+pinning": (True, 2, 0),
        "all": (True, block.PIN_ITERATIONS, block.CHASE_MAX_CANDIDATES),
    }
    fails = dict.fromkeys(variants, 0)
    saved = block.PIN_ITERATIONS, block.CHASE_MAX_CANDIDATES
    try:
        for _ in range(n_frames):
            data = rng.bytes(n)
            bits = encode_block(data, level).astype(np.float32)
            llrs = (2 / sigma**2) * (1 - 2 * bits + rng.normal(0, sigma, bits.size))
            for name, (erasures, pins, chase) in variants.items():
                block.PIN_ITERATIONS, block.CHASE_MAX_CANDIDATES = pins, chase
                fails[name] += decode_block(llrs, level, n, erasures=erasures).data != data
    finally:
        block.PIN_ITERATIONS, block.CHASE_MAX_CANDIDATES = saved
    return {name: count / n_frames for name, count in fails.items()}


def _table(points_by_level: dict[str, list[PerPoint]]) -> str:
    lines = ["| FEC | Eb/N0 (dB) | frames | errors | PER | causes |", "|---|---|---|---|---|---|"]
    for label, points in points_by_level.items():
        for p in points:
            causes = ", ".join(f"{k} {v}" for k, v in sorted(p.causes.items()))
            lines.append(
                f"| {label} | {p.ebn0_db:.2f} | {p.frames} | {p.frame_errors} | {p.per:.2e} "
                f"| {causes} |"
            )
    return "\n".join(lines)


def _plot(points_by_level, path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for label, points in points_by_level.items():
        pts = [p for p in points if p.frame_errors > 0]
        ax.semilogy([p.ebn0_db for p in pts], [p.per for p in pts], "o-", label=label)
    ax.axhline(0.01, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("Eb/N0 per information bit (dB)")
    ax.set_ylabel("packet error rate")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _parse_grid(text: str) -> np.ndarray | None:
    """Eb/N0 values (dB) from ``"3.0"`` or ``"START:STOP:STEP"`` (STOP included), or None."""
    try:
        values = [float(v) for v in text.split(":")]
    except ValueError:
        return None
    if len(values) == 1:
        return np.array(values)
    if len(values) != 3 or values[2] <= 0 or values[1] < values[0]:
        return None
    start, stop, step = values
    return np.arange(start, stop + step / 2, step)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mac.fec.per", description=__doc__)
    parser.add_argument("--profile", default="qpsk250k")
    parser.add_argument("--fec", default="all", help="a level or 'all'")
    parser.add_argument("--ebn0", default="0:10:0.5", help="one value or START:STOP:STEP in dB")
    parser.add_argument(
        "--channel", default="aligned", choices=["aligned", "softsync", "llr", "phy"]
    )
    parser.add_argument("--max-sync-errors", type=int, help="PHY sync-word errors allowed")
    parser.add_argument("--max-header-errors", type=int, help="PHY header errors allowed")
    parser.add_argument("--payload-bytes", type=int, default=255)
    parser.add_argument("--min-errors", type=int, default=100)
    parser.add_argument("--max-frames", type=int, default=20_000)
    parser.add_argument("--stop-per", type=float, default=0.003, help="stop a sweep below")
    parser.add_argument("--no-erasures", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plot", help="write a PNG of the curves here")
    parser.add_argument("--ablation", action="store_true", help="decoder variants instead")
    args = parser.parse_args(argv)
    grid = _parse_grid(args.ebn0)
    if grid is None:
        print(
            f"error: --ebn0 {args.ebn0!r}: give one value in dB or START:STOP:STEP "
            "(e.g. 2.5:3.0:0.25)",
            file=sys.stderr,
        )
        return 2
    if args.ablation:
        for ebn0 in grid:
            rates = decoder_ablation(float(ebn0), n_frames=args.max_frames, seed=args.seed)
            print(f"{ebn0:.2f} dB: " + ", ".join(f"{k} {v:.4f}" for k, v in rates.items()))
        return 0
    levels = LABELS if args.fec == "all" else [FecLevel.parse(args.fec).label]
    rng = np.random.default_rng(args.seed)
    framer_options = {
        name: value
        for name, value in (
            ("max_sync_errors", args.max_sync_errors),
            ("max_header_errors", args.max_header_errors),
        )
        if value is not None
    }
    results = {}
    for label in levels:
        t0 = time.perf_counter()
        points = per_curve(
            args.profile,
            label,
            grid,
            rng,
            stop_per=args.stop_per,
            payload_bytes=args.payload_bytes,
            min_errors=args.min_errors,
            max_frames=args.max_frames,
            channel=args.channel,
            erasures=not args.no_erasures,
            framer_options=framer_options,
            progress=lambda n, e, lb=label: print(
                f"  {lb}: {n} frames, {e} errors", file=sys.stderr
            ),
        )
        points = [p for p in points if p.frames]
        results[label] = points
        at = ebn0_at_per(points)
        print(
            f"# {label}: Eb/N0 at PER 1% = {'n/a' if at is None else f'{at:.2f} dB'} "
            f"(rate {points[0].info_rate:.3f}, {time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
    print(_table(results))
    if args.plot:
        _plot(results, args.plot, f"{args.profile}, {args.payload_bytes}-byte payloads")
    return 0


if __name__ == "__main__":
    sys.exit(main())
