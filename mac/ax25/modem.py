"""Packet radio on audio: AX.25/FX.25 frames to AFSK 1200 (or G3RUH 9600) audio and back.

``PacketDecoder`` runs a demodulator from ``phy`` (several parallel slicers for AFSK) into
``Ax25Receiver``; ``packet_audio`` makes the audio of a list of frames, with a TX delay of
flags before each and silence between them, at any sample rate.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from mac.ax25.frame import Ax25Frame
from mac.ax25.fx25 import fx25_encode
from mac.ax25.hdlc import FLAG_BITS, hdlc_encode, nrzi_encode
from mac.ax25.modes import MODES
from mac.ax25.receiver import Ax25Packet, Ax25Receiver
from phy.errors import ConfigError

__all__ = ["MODES", "PacketDecoder", "packet_audio", "packet_line_bits"]


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ConfigError(f"unknown packet mode {mode!r}; choose one of: {', '.join(MODES)}")


def packet_line_bits(
    frame: bytes | Ax25Frame,
    *,
    fx25_check_bytes: int | None = None,
    txdelay_flags: int = 32,
    tail_flags: int = 3,
) -> np.ndarray:
    """Data bits (before NRZI) of one transmission: flags, the frame (or FX.25 block), flags."""
    raw = frame.encode() if isinstance(frame, Ax25Frame) else bytes(frame)
    if fx25_check_bytes:
        body = fx25_encode(raw, check_bytes=fx25_check_bytes)
        return np.concatenate(
            [np.tile(FLAG_BITS, txdelay_flags), body, np.tile(FLAG_BITS, tail_flags)]
        )
    return hdlc_encode(raw, preamble_flags=txdelay_flags, postamble_flags=tail_flags)


def packet_audio(
    frames: Iterable[bytes | Ax25Frame],
    *,
    sample_rate_hz: float,
    mode: str = "afsk1200",
    fx25_check_bytes: int | None = None,
    txdelay_flags: int = 32,
    gap_s: float = 0.3,
    amplitude: float = 0.5,
) -> np.ndarray:
    """float32 audio at ``sample_rate_hz`` holding each frame as one transmission."""
    _check_mode(mode)
    from phy.modem import modulate_bits
    from phy.profiles import get_profile

    gap = np.zeros(int(gap_s * sample_rate_hz), dtype=np.float32)
    parts = [gap]
    for frame in frames:
        line = nrzi_encode(
            packet_line_bits(frame, fx25_check_bytes=fx25_check_bytes, txdelay_flags=txdelay_flags)
        )
        if mode == "afsk1200":
            audio = modulate_bits(get_profile("afsk1200"), line, sample_rate_hz=sample_rate_hz)
        else:
            from phy.g3ruh import modulate_line_bits

            audio = modulate_line_bits(
                line,
                sample_rate_hz=sample_rate_hz,
                baud=MODES[mode],
                scrambled=mode == "g3ruh9600",
            )
        peak = float(np.max(np.abs(audio))) or 1.0
        parts += [(audio * (amplitude / peak)).astype(np.float32), gap]
    return np.concatenate(parts)


class PacketDecoder:
    """Streaming audio -> AX.25 packets (plain and FX.25).

    Parameters
    ----------
    sample_rate_hz : audio rate of the input.
    mode : ``"afsk1200"``, ``"g3ruh9600"`` or ``"fsk1200"`` (see ``MODES``).
    fix_bits : CRC-guided repair of one or two weak bits (0 = off, the default).
    fx25 : also look for FX.25 blocks.
    n_slicers : parallel AFSK decision streams (twist hypotheses); frames are deduplicated.
        When the demodulator gives several rows (on one bit clock), their mean is decoded as
        one more stream: soft combining recovers frames that no single row gets.
    """

    def __init__(
        self,
        *,
        sample_rate_hz: float,
        mode: str = "afsk1200",
        fix_bits: int = 0,
        fx25: bool = True,
        n_slicers: int = 5,
        **demod_options,
    ) -> None:
        _check_mode(mode)
        self.mode = mode
        self.sample_rate_hz = float(sample_rate_hz)
        if mode == "afsk1200":
            from phy.afsk import AfskDemodulator

            self._demod = AfskDemodulator(
                sample_rate_hz=sample_rate_hz, n_slicers=n_slicers, **demod_options
            )
        else:
            from phy.g3ruh import G3ruhDemodulator

            self._demod = G3ruhDemodulator(
                sample_rate_hz=sample_rate_hz,
                baud=MODES[mode],
                descramble=mode == "g3ruh9600",
                **demod_options,
            )
        n_streams = int(getattr(self._demod, "n_slicers", 1) or 1)
        self._combine = n_streams > 1
        n_streams += self._combine  # plus the mean of all rows (diversity combining)
        self._receiver = Ax25Receiver(
            n_streams=n_streams, fix_bits=fix_bits, fx25=fx25, astrocast=mode == "fsk1200"
        )

    @property
    def counters(self) -> dict:
        return dict(self._receiver.counters)

    def stream_counters(self) -> list[dict]:
        return self._receiver.stream_counters()

    def process(self, audio: np.ndarray) -> list[Ax25Packet]:
        """Packets completed in this chunk of float32 audio."""
        audio = np.nan_to_num(np.asarray(audio, dtype=np.float32))
        llrs = self._demod.process(audio)
        if self._combine:
            llrs = np.vstack([llrs, llrs.mean(axis=0, keepdims=True)])
        return self._receiver.push(llrs)

    def flush(self) -> list[Ax25Packet]:
        """Packets still in the filters at the end of a finite stream."""
        tail = np.zeros(int(0.05 * self.sample_rate_hz), dtype=np.float32)
        return self.process(tail)

    def reset(self) -> None:
        self._demod.reset()
        self._receiver.reset()
