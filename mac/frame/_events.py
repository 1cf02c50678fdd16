"""Events of the frame decoder."""

from __future__ import annotations

from dataclasses import dataclass

from mac.fec import FecLevel
from mac.frame._format import FrameHeader

__all__ = ["DROP_REASONS", "Frame", "FrameDropped"]

#: Every ``FrameDropped.reason``, in the order the decoder checks them.
DROP_REASONS = ("length", "header", "version", "fec", "crc", "type")


@dataclass(frozen=True, slots=True, kw_only=True)
class Frame:
    """A frame that passed every check."""

    header: FrameHeader
    payload: bytes
    fec: FecLevel
    rs_corrected: int = 0  # bytes the Reed-Solomon decoder corrected
    rs_erasures: int = 0  # bytes erased in a successful erasure retry


@dataclass(frozen=True, slots=True, kw_only=True)
class FrameDropped:
    """A burst that was not a valid frame; ``reason`` is one of ``DROP_REASONS``:
    ``length`` (burst too short or not the length its header implies, payload length
    above the maximum), ``header`` (header CRC-16 or FEC code invalid), ``version``,
    ``fec`` (Reed-Solomon could not correct a codeword), ``crc`` (frame CRC-32 mismatch),
    ``type`` (reserved frame type)."""

    reason: str
    detail: str = ""
