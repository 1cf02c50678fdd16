"""``sdrlink bench``: throughput per profile on one core, and first-run compile time.

Stages come from ``phy.measure``'s registry (modulate, demodulate at the native rate, the
whole receive chain at the radio's rate, the resampler alone); other layers add theirs from
the plug-in modules in ``PLUGINS`` (each with ``register_bench(register_stage)``).
"""

from __future__ import annotations

import importlib
import json
import sys

from phy.errors import ConfigError

#: Modules that may add bench stages: ``register_bench(register_stage)`` is called if present.
PLUGINS = ("mac.fec.bench", "mac.bench", "upper.bench")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="throughput per profile (symbols/s, samples/s, real-time factor) and compile time",
        description=__doc__.splitlines()[0].split(": ", 1)[1].replace("``", ""),
    )
    parser.add_argument(
        "--profile",
        action="append",
        help="profile to bench (repeatable; default: all, plus the profile-free stages)",
    )
    parser.add_argument(
        "--stage", action="append", help="stage to run (repeatable; default: all registered)"
    )
    parser.add_argument("--seconds", type=float, default=1.0, help="timing per stage (s)")
    parser.add_argument("--json", action="store_true", help="one JSON object per record")
    parser.add_argument(
        "--no-compile", action="store_true", help="skip the cold-cache compile measurement"
    )


#: Air bit rate the FEC stages are compared with (the fastest profile, qpsk1m: 2 Mbit/s).
FEC_REFERENCE_BPS = 2e6


def _fec_stage(profile, seconds: float) -> list:
    """RS, Viterbi and frame-codec rates from ``mac.fec.bench`` (fixed-size batches, CPU
    time). ``symbols_per_s`` is information bits/s, ``realtime_factor`` against 2 Mbit/s."""
    from mac.fec import bench as fec_bench
    from phy.measure import BenchRecord

    def record(name: str, stage: str, bits_per_s: float, **extra) -> BenchRecord:
        return BenchRecord(
            profile=name,
            stage=stage,
            symbols_per_s=bits_per_s,
            samples_per_s=None,
            realtime_factor=bits_per_s / FEC_REFERENCE_BPS,
            extra={k: round(v, 3) for k, v in extra.items()},
        )

    rs_decode = fec_bench.rs_decode_mb_per_s(data_bytes=True)
    records = [
        record(
            "rs(255,223)", "encode", 8e6 * (enc := fec_bench.rs_encode_mb_per_s()), mbytes_per_s=enc
        ),
        record("rs(255,223)", "decode_16err", 8e6 * rs_decode, mbytes_per_s=rs_decode),
        record(
            "conv(k=7,r=1/2)", "viterbi", 1e6 * (v := fec_bench.viterbi_mbit_per_s()), mbit_per_s=v
        ),
    ]
    for label in ("none", "rs", "conv", "rs+conv"):
        rates = fec_bench.frame_rates(label)
        for direction in ("encode", "decode"):
            records.append(
                record(
                    f"frame:{label}",
                    direction,
                    8 * rates[f"{direction}_payload_bytes_per_s"],
                    frames_per_s=rates[f"{direction}_frames_per_s"],
                )
            )
    return records


def load_plugins() -> None:
    """Import the plug-in modules that exist and let them register their stages."""
    from phy.measure import register_stage

    try:
        from mac.fec import bench as fec_bench
    except ModuleNotFoundError:
        fec_bench = None
    if fec_bench is not None and not hasattr(fec_bench, "register_bench"):
        register_stage("fec", _fec_stage, per_profile=False)
    for name in PLUGINS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name is not None and name.startswith(error.name):
                continue  # that layer has no bench module
            raise
        hook = getattr(module, "register_bench", None)
        if hook is not None:
            hook(register_stage)


def _print_row(record: dict) -> None:
    extra = {
        k: v
        for k, v in record.items()
        if k not in ("profile", "stage", "symbols_per_s", "samples_per_s", "realtime_factor")
    }
    notes = " ".join(f"{k}={v}" for k, v in extra.items())
    if record.get("symbols_per_s") is None:
        print(f"{record['profile']:<16} {record['stage']:<12} {notes}", flush=True)
        return
    samples = record["samples_per_s"]
    samples_text = "-" if samples is None else f"{samples:.4g}"
    print(
        f"{record['profile']:<16} {record['stage']:<12} {record['symbols_per_s']:>13.4g} "
        f"{samples_text:>13} {record['realtime_factor']:>9.2f}x  {notes}",
        flush=True,
    )


def run(args) -> int:
    from phy.measure import STAGES, run_stage
    from phy.measure._bench import radio_rate_hz
    from phy.profiles import PROFILES, get_profile

    if args.seconds <= 0:
        raise ConfigError("--seconds must be positive")
    load_plugins()
    profiles = [get_profile(p) for p in (args.profile or PROFILES)]
    stages = args.stage or list(STAGES)
    for name in stages:
        if name not in STAGES:
            raise ConfigError(f"unknown stage {name!r}; choose one of: {', '.join(STAGES)}")
    emit = (lambda r: print(json.dumps(r), flush=True)) if args.json else _print_row
    if not args.json:
        print(f"{'profile':<16} {'stage':<12} {'symbols/s':>13} {'samples/s':>13} {'realtime':>10}")
    for profile in profiles:
        for name in stages:
            if STAGES[name].per_profile:
                for record in run_stage(name, profile, args.seconds):
                    emit(record.to_dict())
    for name in stages:
        # stages without a profile (FEC codecs) run unless --profile narrowed the run
        if not STAGES[name].per_profile and (args.stage or not args.profile):
            for record in run_stage(name, None, args.seconds):
                emit(record.to_dict())
    if not args.no_compile:
        _compile_records(profiles, emit, radio_rate_hz)
    return 0


def _compile_records(profiles, emit, radio_rate_hz) -> None:
    """One cold-cache subprocess per modulation family (the kernels are shared within one)."""
    from phy.measure import first_run_seconds

    seen = set()
    for profile in profiles:
        if profile.modulation in seen:
            continue
        seen.add(profile.modulation)
        print(f"  compiling {profile.modulation} with an empty cache ...", file=sys.stderr)
        times = first_run_seconds(profile, radio_rate_hz(profile))
        record = {
            "profile": profile.name,
            "stage": "first_run",
            "symbols_per_s": None,
            "samples_per_s": None,
            "realtime_factor": None,
        }
        record.update({k: round(v, 2) if isinstance(v, float) else v for k, v in times.items()})
        emit(record)
