"""Retransmission timeout from measured round-trip times (Jacobson/Karels, Karn, backoff)."""

from __future__ import annotations

__all__ = ["RttEstimator"]


class RttEstimator:
    """Smoothed RTT and its variation, giving the retransmission timeout (RFC 6298 rules).

    First sample ``R``: ``SRTT = R``, ``RTTVAR = R / 2``. Later samples:
    ``RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|`` then ``SRTT = 7/8 SRTT + 1/8 R``.
    ``RTO = SRTT + 4 RTTVAR``, clamped to ``[rto_min_s, rto_max_s]``, then doubled for every
    consecutive timeout (exponential backoff) up to ``rto_max_s``. Karn's rule is the
    caller's part: feed only samples of frames that were transmitted once; a fresh sample
    ends the backoff. Cost O(1) per call.

    Parameters
    ----------
    rto_initial_s : float
        Timeout before any sample, seconds.
    rto_min_s, rto_max_s : float
        Clamp of the timeout, seconds.
    """

    __slots__ = ("_backoff", "_rto_max_s", "_rto_min_s", "_rto_s", "_rttvar_s", "_srtt_s")

    def __init__(self, *, rto_initial_s: float, rto_min_s: float, rto_max_s: float) -> None:
        self._rto_min_s = rto_min_s
        self._rto_max_s = rto_max_s
        self._srtt_s: float | None = None
        self._rttvar_s = 0.0
        self._rto_s = min(max(rto_initial_s, rto_min_s), rto_max_s)
        self._backoff = 0

    @property
    def srtt_s(self) -> float | None:
        """Smoothed round-trip time, seconds (``None`` before the first sample)."""
        return self._srtt_s

    @property
    def rttvar_s(self) -> float:
        """Round-trip time variation, seconds."""
        return self._rttvar_s

    @property
    def backoff(self) -> int:
        """Consecutive timeouts since the last fresh sample."""
        return self._backoff

    @property
    def rto_s(self) -> float:
        """Current retransmission timeout including backoff, seconds."""
        return min(self._rto_s * (1 << min(self._backoff, 30)), self._rto_max_s)

    def sample(self, rtt_s: float) -> None:
        """Feed one round-trip measurement (of a frame sent only once), seconds."""
        rtt_s = max(rtt_s, 0.0)
        if self._srtt_s is None:
            self._srtt_s = rtt_s
            self._rttvar_s = rtt_s / 2.0
        else:
            self._rttvar_s = 0.75 * self._rttvar_s + 0.25 * abs(self._srtt_s - rtt_s)
            self._srtt_s = 0.875 * self._srtt_s + 0.125 * rtt_s
        rto = self._srtt_s + 4.0 * self._rttvar_s
        self._rto_s = min(max(rto, self._rto_min_s), self._rto_max_s)
        self._backoff = 0

    def on_timeout(self) -> None:
        """A retransmission timer expired: double the timeout (until ``rto_max_s``)."""
        if self.rto_s < self._rto_max_s:
            self._backoff += 1
