"""Packet-radio I/O: audio or IQ sources into the AX.25 decoder, frames into audio sinks.

Shared by ``sdrlink rx`` (packet modes), ``sdrlink tx`` of AX.25 frames and
``sdrlink kiss-server``. A source is a capture (WAV, raw s16/f32 audio, or IQ with ``fm``),
or ``-`` for raw samples on standard input (``rtl_fm ... | sdrlink rx --profile afsk1200 -``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import numpy as np

from mac.ax25.modem import MODES, PacketDecoder
from mac.ax25.receiver import Ax25Packet
from phy.errors import ConfigError

__all__ = ["PacketPipeline", "format_packet", "open_samples"]


def open_samples(
    path: str, *, format: str | None = None, sample_rate_hz: float | None = None, fm: bool = False
):
    """A capture reader (or stdin stream reader) for a packet source."""
    from phy.captures import CaptureReader, StreamReader

    if path == "-":
        fmt = format or ("cu8" if fm else "s16")
        if not sample_rate_hz:
            raise ConfigError("reading stdin needs --sample-rate (e.g. 22050 for rtl_fm audio)")
        return StreamReader(sys.stdin.buffer, format=fmt, sample_rate_hz=sample_rate_hz)
    return CaptureReader(path, format=format, sample_rate_hz=sample_rate_hz)


class PacketPipeline:
    """Samples (audio, or IQ through an FM discriminator) -> AX.25 packets.

    Parameters
    ----------
    mode : ``afsk1200`` or ``g3ruh9600``.
    sample_rate_hz : rate of the samples given to ``process``.
    is_complex : IQ input (needs ``fm``) or audio.
    fm, fm_offset_hz, fm_deviation_hz : narrowband FM demodulation of IQ first.
    fix_bits, fx25 : passed to the decoder.
    """

    def __init__(
        self,
        *,
        mode: str,
        sample_rate_hz: float,
        is_complex: bool = False,
        fm: bool = False,
        fm_offset_hz: float = 0.0,
        fm_deviation_hz: float | None = None,
        fix_bits: int = 0,
        fx25: bool = True,
    ) -> None:
        if mode not in MODES:
            raise ConfigError(f"unknown packet mode {mode!r}; choose one of: {', '.join(MODES)}")
        if is_complex and not fm:
            raise ConfigError(
                f"{mode} needs audio samples; for an IQ capture add --fm (FM demodulation)"
            )
        if fm and not is_complex:
            raise ConfigError("--fm needs an IQ capture; this source is already audio")
        self.mode = mode
        self._fm = None
        audio_rate_hz = sample_rate_hz
        if fm:
            from phy.fm import FmDemodulator

            audio_rate_hz = 48_000.0
            deviation = fm_deviation_hz or (3_000.0 if mode == "afsk1200" else 3_500.0)
            self._fm = FmDemodulator(
                sample_rate_hz=sample_rate_hz,
                audio_rate_hz=audio_rate_hz,
                deviation_hz=deviation,
                offset_hz=fm_offset_hz,
            )
        self.audio_rate_hz = audio_rate_hz
        self.decoder = PacketDecoder(
            sample_rate_hz=audio_rate_hz, mode=mode, fix_bits=fix_bits, fx25=fx25
        )

    @property
    def baud(self) -> float:
        return MODES[self.mode]

    def process(self, samples: np.ndarray) -> list[Ax25Packet]:
        audio = self._fm.process(samples) if self._fm is not None else samples
        return self.decoder.process(audio)

    def flush(self) -> list[Ax25Packet]:
        return self.decoder.flush()

    def run(self, reader, chunk_samples: int = 1 << 16) -> Iterator[Ax25Packet]:
        """Every packet of a reader's samples, to the end of the stream."""
        while True:
            chunk = reader.read(chunk_samples)
            if chunk.size == 0:
                break
            yield from self.process(chunk)
        yield from self.flush()


def format_packet(packet: Ax25Packet, *, baud: float) -> str:
    """One line: end time (from the bit clock), FX.25 and repair notes, the monitor form."""
    notes = []
    if packet.fx25_tag is not None:
        name = "Astrocast FX.25" if packet.fx25_tag == 0x100 else f"FX.25 tag {packet.fx25_tag:02X}"
        notes.append(f"{name}, {packet.fx25_corrected_bytes} bytes corrected")
    if packet.fixed_bits:
        notes.append(f"{packet.fixed_bits} bits repaired")
    note = f" [{'; '.join(notes)}]" if notes else ""
    return f"{packet.end_bit / baud:10.3f} s{note}  {packet.frame}"
