"""Which acceptance gate stops the PSK receiver's detector triggers on pure noise.

Feeds complex white Gaussian noise (native rate, 64 Ki-sample chunks, as ``psk_noise.py``)
to a ``phy.psk.Receiver`` whose ``_check`` is wrapped to record, for every sync candidate
it examines, the values its gates test: the fitted correlation ``A / sqrt(A^2 + N)``
(gate ``>= fit_threshold``), the sync word's score and hard errors (gate: score
``>= sync_threshold``, or, where too few preamble symbols precede the candidate for a
score, errors ``<= max_sync_errors``) and the header's errors (ML decode
over codewords and phase offsets; gate ``<= max_header_errors``, sync + header
``<= max_known_errors``, length ``<= max_payload_bytes``). Every gate is evaluated on
every candidate, whether or not an earlier gate already failed, so the report gives both
the chain (triggers getting past gate 1, then 1+2, then all) and each gate's own pass
rate per candidate. Noise rarely reaches the fit gate, so a second table gives, per
fitted-correlation level ``t``, the share of candidates at or above ``t`` and how many of
those pass the sync and header gates. The per-trigger false-accept probability is
estimated as P(a trigger passes the fit gate) x P(sync and header gates | fitted >= t),
the latter at the highest level ``t`` with at least 100 candidates (the gates are
correlated, so this factor is taken near the fit gate, not over all candidates). P(a
trigger passes the fit gate) is measured when at least 3 triggers did, else bounded by
(candidates per trigger) x P(fitted >= fit_threshold) extrapolated from the tail (log P
linear in t^2 over the levels with at least 10 candidates), marked "(extrap.)".
The receiver's decisions are unchanged (the wrapper only reads); the gates are evaluated
here again, and the column "verdict mismatches" counts candidates where that disagrees
with the receiver's own verdict (non-zero: the receiver's rules changed, update ``gates``).

    python benchmarks/psk_noise_gates.py [--seconds 10] [--profiles qpsk250k ...]

``--save PREFIX`` writes each profile's rows to ``PREFIX<profile>.npy`` (columns: trigger,
fitted correlation, sync errors, score, header errors, length, preamble tail symbols,
receiver verdict).
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from phy.profiles import get_profile
from phy.psk import Receiver

PROFILES = ["bpsk250k", "qpsk250k", "bpsk1m", "qpsk1m"]
LEVELS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


class GateRecorder(Receiver):
    """A receiver that records its sync candidates' gate values (read only)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # per candidate: trigger, fitted, sync errors, score, header errors, length, tail,
        # the receiver's verdict (0 sync miss, 1 header reject, 2 accepted)
        self.rows: list[tuple[int, float, int, float, int, int, int, int]] = []

    def _check(self, syms: np.ndarray, pos: int):
        result = super()._check(syms, pos)
        out = self._check_out
        amp, noise = float(out[2]), float(out[3])
        fitted = amp / math.sqrt(amp * amp + noise) if amp > 0 else 0.0
        length, errors = int(out[6]), 0
        if length < 0:
            length, errors = self._decode_header()
        trigger = self.counters["detections"]
        tail = pos - int(out[7])
        verdict = {"sync_misses": 0, "header_rejects": 1}.get(result, 2)
        row = (trigger, fitted, int(out[4]), float(out[5]), errors, length, tail, verdict)
        self.rows.append(row)
        return result


def gates(rows: np.ndarray, rx: Receiver) -> np.ndarray:
    """(n, 3) booleans per candidate: fit gate, sync gate, header gate."""
    fitted, sync_err, score, hdr_err, length = rows[:, 1:6].T
    g1 = fitted >= rx._fit_threshold
    scored = score != 0.0  # 0: too few preamble symbols before the candidate for a score
    g2 = np.where(scored, score >= rx._sync_threshold, sync_err <= rx._max_sync_errors)
    g3 = (
        (hdr_err <= rx._max_header_errors)
        & (sync_err + hdr_err <= rx._max_known_errors)
        & (length <= rx._max_payload)
    )
    return np.stack([g1, g2, g3], axis=1)


def tail_table(name: str, rows: np.ndarray, g: np.ndarray, fit_threshold: float) -> str:
    """Markdown rows: per level, P(fitted >= t) and the sync/header gates above it."""
    lines = []
    for t in LEVELS:
        above = rows[:, 1] >= t
        n = int(above.sum())
        sync = int((above & g[:, 1]).sum())
        both = int((above & g[:, 1] & g[:, 2]).sum())
        lines.append(
            f"| {name} | {t:.2f} | {n} | {n / max(rows.shape[0], 1):.2e} | {sync} | {both} |"
        )
    return "\n".join(lines)


def extrapolate(rows: np.ndarray, fit_threshold: float) -> tuple[float, float]:
    """(P(fitted >= fit_threshold) from the tail, the highest level used)."""
    levels, logp = [], []
    for t in LEVELS:
        n = int((rows[:, 1] >= t).sum())
        if n >= 10 and t < fit_threshold:
            levels.append(t * t)
            logp.append(math.log(n / rows.shape[0]))
    if len(levels) < 2:
        return float("nan"), float("nan")
    slope, icept = np.polyfit(levels, logp, 1)
    return math.exp(icept + slope * fit_threshold**2), math.sqrt(levels[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=PROFILES)
    parser.add_argument("--seconds", type=float, default=10.0, help="air time per profile")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--save", metavar="PREFIX", help="save each profile's rows (.npy)")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    summary, tails = [], []
    for name in args.profiles:
        p = get_profile(name)
        rx = GateRecorder(profile=p)
        chunk = 1 << 16
        bursts = 0
        for _ in range(0, int(args.seconds * p.sample_rate_hz), chunk):
            noise = rng.standard_normal(2 * chunk, dtype=np.float32).view(np.complex64)
            bursts += len(rx.process(noise))
        bursts += len(rx.flush())
        rows = np.array(rx.rows, dtype=np.float64).reshape(-1, 8)
        if args.save:
            np.save(f"{args.save}{name}.npy", rows)
        g = gates(rows, rx)
        mine = np.where(~(g[:, 0] & g[:, 1]), 0, np.where(g[:, 2], 2, 1))
        mismatches = int(np.count_nonzero(mine != rows[:, 7]))
        trig = rows[:, 0].astype(np.int64)
        n_trig = rx.counters["detections"]
        chain = [g[:, 0], g[:, 0] & g[:, 1], g.all(axis=1)]
        past = [np.unique(trig[c]).size for c in chain]
        rate = g.mean(axis=0) if g.size else np.zeros(3)
        p_fit, level = extrapolate(rows, rx._fit_threshold)
        level = max((t for t in LEVELS if (rows[:, 1] >= t).sum() >= 100), default=0.0)
        above = rows[:, 1] >= level
        p_rest = float((g[above, 1] & g[above, 2]).mean()) if above.any() else float("nan")
        p_trig = past[0] / max(n_trig, 1)
        label = "measured"
        if past[0] < 3:
            p_trig, label = rows.shape[0] / max(n_trig, 1) * p_fit, "extrap."
        fit_rows = rows[g[:, 0]]
        min_sync = f"{int(fit_rows[:, 2].min())}" if fit_rows.size else "-"
        summary.append(
            f"| {name} | {args.seconds:g} | {n_trig} | {rows.shape[0]} | {past[0]} | "
            f"{past[1]} | {past[2]} ({bursts}) | {rows[:, 1].max() if rows.size else 0:.3f} | "
            f"{rate[0]:.1e} | {rate[1]:.1e} | {rate[2]:.1e} | {min_sync} | "
            f"{p_trig:.1e} ({label}) | {p_rest:.3f} (t = {level:.2f}) | {p_trig * p_rest:.1e} | "
            f"{mismatches} |"
        )
        tails.append(tail_table(name, rows, g, rx._fit_threshold))
    print(
        "| profile | air time s | triggers | candidates | triggers past fit | past fit+sync "
        "| past all (bursts) | max fitted | per candidate: fit | sync | header "
        "| least sync errors past fit | P(trigger past fit) "
        "| P(sync, header gates given fitted >= t) "
        "| false accept per trigger (estimate) | verdict mismatches |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(summary))
    print(
        "\n| profile | fitted >= t | candidates | share | of them past sync gate "
        "| past sync and header gates |"
    )
    print("|---|---|---|---|---|---|")
    print("\n".join(tails))


if __name__ == "__main__":
    main()
