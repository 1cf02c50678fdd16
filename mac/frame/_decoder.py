"""Sans-I/O frame decoder with counters."""

from __future__ import annotations

import numpy as np

from mac.frame._codec import decode_frame
from mac.frame._events import DROP_REASONS, Frame, FrameDropped

__all__ = ["FrameDecoder"]


class FrameDecoder:
    """Turns received bursts into ``Frame`` / ``FrameDropped`` events and counts them.

    ``receive_data(llrs_or_burst, now_s)`` takes one PHY burst (a ``phy.Burst`` or its
    ``llrs``) and returns a one-element event list. It holds no buffers (one burst in, one
    event out), never raises on radio input, and keeps ``counters``: ``frames``, ``dropped``
    and ``dropped_<reason>`` for every reason, ``rs_corrected`` bytes, ``rs_erasure_retries``.

    Parameters
    ----------
    erasures : retry failed RS codewords with their least reliable bytes erased.
    """

    def __init__(self, *, erasures: bool = True) -> None:
        self._erasures = bool(erasures)
        self.counters: dict[str, int] = {}
        self.reset()

    def reset(self) -> None:
        self.counters = {"frames": 0, "dropped": 0, "rs_corrected": 0, "rs_erasure_retries": 0}
        for reason in DROP_REASONS:
            self.counters[f"dropped_{reason}"] = 0

    def receive_data(self, data, now_s: float = 0.0) -> list[Frame | FrameDropped]:
        """Decode one burst (``now_s`` is accepted for the layer interface; unused)."""
        llrs = getattr(data, "llrs", data)
        try:
            llrs = np.asarray(llrs, dtype=np.float32)
        except (TypeError, ValueError):
            llrs = np.zeros(0, dtype=np.float32)
        event = decode_frame(llrs, erasures=self._erasures)
        if isinstance(event, Frame):
            self.counters["frames"] += 1
            self.counters["rs_corrected"] += event.rs_corrected
            self.counters["rs_erasure_retries"] += int(event.rs_erasures > 0)
        else:
            self.counters["dropped"] += 1
            self.counters[f"dropped_{event.reason}"] += 1
        return [event]
