"""Streaming multi-stage rational resampling, used between a radio's rate and a modem's.

Design (``design_resampler``): the overall ratio ``out/in = up/down`` is split into cheap
integer decimation stages first (one per prime factor of ``down`` that can go, largest
first), then at most one short polyphase rational stage ``up'/down'`` with
``up' <= down'`` (or a single interpolating stage when ``up > down``). Every stage is a
Kaiser-window FIR designed for the *final* pass band: early stages see a pass band that is
narrow compared with their rate, so they are short (a few taps per input sample), and only
the last stage, at a low rate, needs a sharp transition. For 2.4 MS/s -> 76.8 kS/s this
costs about 7 multiply-adds per input sample instead of ~750 per output for one stage.

Every stage keeps its filter history and output phase, so splitting the input anywhere gives
bit-identical output (chunk invariance). Data are float32 (audio) or complex64 (IQ).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import signal

from phy.errors import ConfigError

__all__ = ["Resampler", "ResamplerStage", "design_resampler", "rational_ratio"]

#: Pass band edge as a fraction of the lower of the two rates (when not given).
DEFAULT_PASSBAND_FRACTION = 0.4
#: Stop-band attenuation of every stage (aliases land at least this far down), dB.
DEFAULT_ATTENUATION_DB = 70.0
_MAX_STAGE_FACTOR = 7


def rational_ratio(in_rate_hz: float, out_rate_hz: float, max_denominator: int = 1000):
    """(up, down) with out/in = up/down, exact to 1e-9 or the best below ``max_denominator``."""
    if in_rate_hz <= 0 or out_rate_hz <= 0:
        raise ConfigError("sample rates must be positive")
    ratio = Fraction(out_rate_hz / in_rate_hz).limit_denominator(max_denominator)
    if abs(float(ratio) * in_rate_hz - out_rate_hz) > 1e-6 * out_rate_hz:
        raise ConfigError(
            f"cannot resample {in_rate_hz:g} Hz to {out_rate_hz:g} Hz with a small rational ratio"
        )
    return ratio.numerator, ratio.denominator


def _prime_factors(n: int) -> list[int]:
    factors, p = [], 2
    while p * p <= n:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    if n > 1:
        factors.append(n)
    return factors


@dataclass(frozen=True, slots=True)
class ResamplerStage:
    """One polyphase stage: rates, ratio and prototype taps (float32, gain ``up``)."""

    in_rate_hz: float
    up: int
    down: int
    taps: np.ndarray

    @property
    def out_rate_hz(self) -> float:
        return self.in_rate_hz * self.up / self.down

    @property
    def delay_in_samples(self) -> float:
        """Group delay of the prototype, in this stage's input samples."""
        return (self.taps.size - 1) / 2 / self.up


def _design_stage(
    in_rate_hz: float, up: int, down: int, passband_hz: float, attenuation_db: float
) -> ResamplerStage:
    out_rate_hz = in_rate_hz * up / down
    proto_rate_hz = in_rate_hz * up
    stop_hz = min(in_rate_hz, out_rate_hz) - passband_hz
    width = (stop_hz - passband_hz) / (proto_rate_hz / 2)
    n_taps, beta = signal.kaiserord(attenuation_db, width)
    n_taps += 1 - n_taps % 2  # odd: integer delay in prototype samples
    cutoff_hz = (passband_hz + stop_hz) / 2
    taps = signal.firwin(n_taps, cutoff_hz, window=("kaiser", beta), fs=proto_rate_hz) * up
    taps[np.abs(taps) < 1e-7 * np.abs(taps).max()] = 0  # exact sinc zeros: the kernel skips them
    return ResamplerStage(in_rate_hz, up, down, taps.astype(np.float32))


def design_resampler(
    in_rate_hz: float,
    out_rate_hz: float,
    *,
    passband_hz: float | None = None,
    attenuation_db: float = DEFAULT_ATTENUATION_DB,
) -> list[ResamplerStage]:
    """The stages of a resampler from ``in_rate_hz`` to ``out_rate_hz`` (empty: identity).

    ``passband_hz`` (default 0.4 x the lower rate) is kept flat and alias-free to
    ``attenuation_db``. Cost: a few milliseconds (``scipy.signal.firwin``).
    """
    up, down = rational_ratio(in_rate_hz, out_rate_hz)
    low_hz = min(in_rate_hz, out_rate_hz)
    if passband_hz is None:
        passband_hz = DEFAULT_PASSBAND_FRACTION * low_hz
    if not 0 < passband_hz < low_hz / 2:
        raise ConfigError(f"pass band must be in (0, {low_hz / 2:g}) Hz, got {passband_hz:g}")
    if not 20 <= attenuation_db <= 150:
        raise ConfigError(f"attenuation must be 20..150 dB, got {attenuation_db:g}")
    if up == down == 1:
        return []
    # integer decimation by factors of ``down`` while the rest still decimates (or is 1:1)
    stages: list[ResamplerStage] = []
    rate = float(in_rate_hz)
    remaining = down
    for factor in sorted(_prime_factors(down), reverse=True):
        if remaining // factor < up or factor > _MAX_STAGE_FACTOR:
            continue
        stages.append(_design_stage(rate, 1, factor, passband_hz, attenuation_db))
        rate /= factor
        remaining //= factor
    if up != 1 or remaining != 1:
        stages.append(_design_stage(rate, up, remaining, passband_hz, attenuation_db))
    return stages


class _StageState:
    """Streaming state of one stage: reversed polyphase taps, history and output phase."""

    def __init__(self, stage: ResamplerStage) -> None:
        self.stage = stage
        up = stage.up
        self.n_phase_taps = -(-stage.taps.size // up)
        padded = np.zeros(self.n_phase_taps * up, dtype=np.float32)
        padded[: stage.taps.size] = stage.taps
        phases = padded.reshape(self.n_phase_taps, up).T  # phases[p, k] = taps[k * up + p]
        self.rphases = np.ascontiguousarray(phases[:, ::-1])
        self.reset()

    def reset(self) -> None:
        self.history: np.ndarray | None = None
        self.t = (self.n_phase_taps - 1) * self.stage.up

    def process(self, x: np.ndarray) -> np.ndarray:
        from phy.dsp import _kernels

        up, down, keep = self.stage.up, self.stage.down, self.n_phase_taps - 1
        if self.history is None or self.history.dtype != x.dtype:
            self.history = np.zeros(keep, dtype=x.dtype)
        ext = np.concatenate([self.history, x])
        n_max = max((ext.size * up - self.t) // down + 1, 0)
        out = np.empty(n_max, dtype=x.dtype)
        if x.dtype == np.complex64:
            n, t = _kernels.resample_poly_iq(
                ext.view(np.float32), self.rphases, up, down, self.t, out.view(np.float32)
            )
        else:
            n, t = _kernels.resample_poly(ext, self.rphases, up, down, self.t, out)
        consumed = ext.size - keep
        self.history = ext[consumed:].copy()
        self.t = t - consumed * up
        return out[:n]


class Resampler:
    """Streaming multi-stage rational resampler from ``in_rate_hz`` to ``out_rate_hz``.

    Output sample ``n`` sits at input time ``n * in_rate_hz / out_rate_hz`` minus the group
    delay ``delay_in_samples`` (in input samples), i.e. the output lags the input by that
    much. Input float32 (audio) or complex64 (IQ), output the same dtype; other dtypes are
    converted (real -> float32, complex -> complex64).

    Parameters
    ----------
    in_rate_hz, out_rate_hz : sample rates, Hz; their ratio must be a small fraction.
    passband_hz : kept flat and alias-free (default 0.4 x the lower rate).
    attenuation_db : stop-band attenuation of every stage (default 70 dB).

    Cost: see ``stages``; about 5-25 multiply-adds per input sample for the radio rates.
    """

    def __init__(
        self,
        *,
        in_rate_hz: float,
        out_rate_hz: float,
        passband_hz: float | None = None,
        attenuation_db: float = DEFAULT_ATTENUATION_DB,
    ) -> None:
        self.up, self.down = rational_ratio(in_rate_hz, out_rate_hz)
        self.in_rate_hz = float(in_rate_hz)
        self.out_rate_hz = float(out_rate_hz)
        self.stages = design_resampler(
            in_rate_hz, out_rate_hz, passband_hz=passband_hz, attenuation_db=attenuation_db
        )
        self._states = [_StageState(stage) for stage in self.stages]
        delay, scale = 0.0, 1.0  # scale: input samples per sample at this stage's input
        for stage in self.stages:
            delay += stage.delay_in_samples * scale
            scale *= stage.down / stage.up
        self._delay = delay

    @property
    def is_identity(self) -> bool:
        return not self.stages

    @property
    def delay_in_samples(self) -> float:
        """Group delay of the whole chain, in input samples."""
        return self._delay

    @property
    def macs_per_input_sample(self) -> float:
        """Multiply-adds per input sample, zero taps skipped (complex data: two real each)."""
        total, rate = 0.0, 1.0  # rate: samples at this stage's input per input sample
        for stage in self.stages:
            total += rate * np.count_nonzero(stage.taps) / stage.down
            rate *= stage.up / stage.down
        return total

    def reset(self) -> None:
        for state in self._states:
            state.reset()

    def process(self, x: np.ndarray) -> np.ndarray:
        """Resample the next chunk; returns the outputs it completes (same dtype)."""
        x = np.asarray(x)
        dtype = np.complex64 if np.iscomplexobj(x) else np.float32
        x = np.ascontiguousarray(x, dtype=dtype).reshape(-1)
        if self.is_identity:
            return x.copy()
        for state in self._states:
            x = state.process(x)
        return x
