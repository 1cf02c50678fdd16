"""AX.25 receiver: line soft bits from one or more demodulators in, packets out.

Each demodulator stream gets its own HDLC deframer and FX.25 decoder; a frame found by several
streams (or both as FX.25 and as plain AX.25) is reported once. Frames whose FCS passes but
whose address field is not AX.25 are dropped and counted.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from mac.ax25.astrocast import AstrocastDecoder
from mac.ax25.frame import Ax25Frame
from mac.ax25.fx25 import Fx25Decoder
from mac.ax25.hdlc import HdlcDeframer, nrzi_decode_soft

__all__ = ["Ax25Packet", "Ax25Receiver"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Ax25Packet:
    """One received frame."""

    frame: Ax25Frame
    raw: bytes  # frame bytes without FCS
    end_bit: int  # line-bit index where the frame ended
    stream: int  # which demodulator found it first
    fx25_tag: int | None = None
    fx25_corrected_bytes: int = 0
    fixed_bits: int = 0

    def to_dict(self) -> dict:
        return {
            "monitor": str(self.frame),
            "hex": self.raw.hex(),
            "end_bit": int(self.end_bit),
            "stream": self.stream,
            "fx25_tag": self.fx25_tag,
            "fx25_corrected_bytes": self.fx25_corrected_bytes,
            "fixed_bits": self.fixed_bits,
        }


class _Stream:
    def __init__(self, *, fix_bits: int, fx25: bool, astrocast: bool) -> None:
        self.hdlc = HdlcDeframer(fix_bits=fix_bits)
        self.fx25 = Fx25Decoder() if fx25 else None
        self.blocks = [d for d in (self.fx25, AstrocastDecoder() if astrocast else None) if d]
        self.prev_llr = 1.0  # the line bit before the stream: level 0

    def push(self, llrs: np.ndarray):
        """NRZI-decode once; the HDLC deframer and the block decoders share the bits."""
        if llrs.size == 0:
            return []
        llrs = np.nan_to_num(llrs)
        bits, rel = nrzi_decode_soft(llrs, self.prev_llr)
        self.prev_llr = float(llrs[-1])
        found = [(f.data, f.end_bit, None, 0, f.fixed_bits) for f in self.hdlc.push_bits(bits, rel)]
        for decoder in self.blocks:
            for f in decoder.push(bits, rel):
                found.append((f.data, f.end_bit, f.tag, f.corrected_bytes, 0))
        return found

    def reset(self) -> None:
        self.hdlc.reset()
        for decoder in self.blocks:
            decoder.reset()
        self.prev_llr = 1.0


class Ax25Receiver:
    """Streaming AX.25 (and FX.25) decoding of ``n_streams`` parallel line soft-bit streams.

    ``push(llrs)`` takes a 1-D array (one stream) or an ``(n_streams, n)`` array of NRZI-coded
    line LLRs (positive = level 0) and returns new packets in the order they ended.
    """

    def __init__(
        self, *, n_streams: int = 1, fix_bits: int = 0, fx25: bool = True, astrocast: bool = False
    ) -> None:
        self._streams = [
            _Stream(fix_bits=fix_bits, fx25=fx25, astrocast=astrocast) for _ in range(n_streams)
        ]
        self._recent: deque[tuple[bytes, int]] = deque(maxlen=64)
        self.counters = {"packets": 0, "duplicates": 0, "not_ax25": 0}

    @property
    def n_streams(self) -> int:
        return len(self._streams)

    def stream_counters(self) -> list[dict]:
        """Per stream: the HDLC deframer's counters and, with FX.25 on, ``fx25_*`` ones."""
        out = []
        for s in self._streams:
            counters = dict(s.hdlc.counters)
            for decoder in s.blocks:
                prefix = "fx25" if decoder is s.fx25 else "astrocast"
                counters.update({f"{prefix}_{k}": v for k, v in decoder.counters.items()})
            out.append(counters)
        return out

    def reset(self) -> None:
        for stream in self._streams:
            stream.reset()
        self._recent.clear()

    def push(self, llrs: np.ndarray) -> list[Ax25Packet]:
        llrs = np.asarray(llrs, dtype=np.float32)
        if llrs.ndim == 1:
            llrs = llrs[None, :]
        if llrs.shape[0] != len(self._streams):
            raise ValueError(f"expected {len(self._streams)} streams, got {llrs.shape[0]}")
        candidates = []
        for index, (stream, row) in enumerate(zip(self._streams, llrs, strict=True)):
            for data, end_bit, tag, corrected, fixed in stream.push(row):
                candidates.append((int(end_bit), index, data, tag, corrected, fixed))
        packets = []
        for end_bit, index, data, tag, corrected, fixed in sorted(candidates, key=lambda c: c[:2]):
            if self._is_duplicate(data, end_bit):
                self.counters["duplicates"] += 1
                continue
            try:
                frame = Ax25Frame.decode(data)
            except (ValueError, UnicodeDecodeError):
                self.counters["not_ax25"] += 1
                continue
            self._recent.append((data, end_bit))
            self.counters["packets"] += 1
            packets.append(
                Ax25Packet(
                    frame=frame,
                    raw=data,
                    end_bit=end_bit,
                    stream=index,
                    fx25_tag=tag,
                    fx25_corrected_bytes=corrected,
                    fixed_bits=fixed,
                )
            )
        return packets

    def _is_duplicate(self, data: bytes, end_bit: int) -> bool:
        window = 2 * len(data) + 100  # bits: the streams' clocks differ a little
        return any(d == data and abs(e - end_bit) < window for d, e in self._recent)
