"""Link configuration (validated once) and the counters a link keeps."""

from __future__ import annotations

from dataclasses import dataclass, fields

from mac.frame import MAX_PAYLOAD_BYTES
from phy.errors import ConfigError

from ._record import MAX_FEC_LEVEL, MAX_WINDOW

__all__ = ["LinkConfig", "LinkStats"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkConfig:
    """Parameters of one link; the first three are what this station proposes on connect.

    Parameters
    ----------
    window : int
        Frames in flight (1..64); the link uses the smaller of the two stations' values.
    fec_level : int
        FEC level wished for data frames (a ``mac.fec.FecLevel`` code: 0 none, 1 RS, 2 conv,
        3 RS+conv); the link uses the larger of the two stations' values. Control frames use
        ``control_fec_level``.
    max_payload_bytes : int
        Largest payload of one DATA frame (1..1500, the codec's limit); the link uses the
        smaller of the two stations' values.
    control_fec_level : int or None
        FEC level of CONNECT/DISCONNECT/ACK/keep-alive frames (``None``: ``fec_level``).
    max_send_queue : int
        Messages accepted by ``send`` and not yet acknowledged (queued + in flight).
    rto_initial_s, rto_min_s, rto_max_s : float
        Retransmission timeout before the first RTT sample, and its clamp, seconds.
    max_retries : int
        Retransmissions of one frame before the link is declared lost.
    keepalive_s : float
        Idle time after which a KEEPALIVE probes the peer, seconds.
    link_timeout_s : float
        Silence after which the link is lost, seconds (> ``keepalive_s``). Probes repeat
        every RTO (at most ``rto_max_s``) while the peer is silent, so keep it several
        times ``rto_max_s``: at 40 % frame loss a round trip fails 70 % of the time.
    ack_delay_s : float
        How long an in-order ACK may wait for a data frame to ride on, seconds.
    turnaround_s : float
        Half-duplex turnaround: no transmission sooner than this after a reception, seconds.
    dupthresh : int
        SACKed frames above a hole that trigger its fast retransmission.
    """

    window: int = 8
    fec_level: int = 0
    max_payload_bytes: int = 255
    control_fec_level: int | None = None
    max_send_queue: int = 1024
    rto_initial_s: float = 3.0
    rto_min_s: float = 0.2
    rto_max_s: float = 30.0
    max_retries: int = 16
    keepalive_s: float = 15.0
    link_timeout_s: float = 120.0
    ack_delay_s: float = 0.0
    turnaround_s: float = 0.0
    dupthresh: int = 3

    def __post_init__(self) -> None:
        checks = (
            (1 <= self.window <= MAX_WINDOW, f"window={self.window}: use 1..{MAX_WINDOW} frames"),
            (
                0 <= self.fec_level <= MAX_FEC_LEVEL,
                f"fec_level={self.fec_level}: use a mac.fec.FecLevel code 0..{MAX_FEC_LEVEL}",
            ),
            (
                self.control_fec_level is None or 0 <= self.control_fec_level <= MAX_FEC_LEVEL,
                f"control_fec_level={self.control_fec_level}: use 0..{MAX_FEC_LEVEL} or None",
            ),
            (
                1 <= self.max_payload_bytes <= MAX_PAYLOAD_BYTES,
                f"max_payload_bytes={self.max_payload_bytes}: use 1..{MAX_PAYLOAD_BYTES}",
            ),
            (self.max_send_queue >= 1, f"max_send_queue={self.max_send_queue}: use >= 1"),
            (
                0 < self.rto_min_s <= self.rto_initial_s <= self.rto_max_s,
                "need 0 < rto_min_s <= rto_initial_s <= rto_max_s",
            ),
            (self.max_retries >= 1, f"max_retries={self.max_retries}: use >= 1"),
            (
                0 < self.keepalive_s < self.link_timeout_s,
                "need 0 < keepalive_s < link_timeout_s",
            ),
            (self.ack_delay_s >= 0, f"ack_delay_s={self.ack_delay_s}: use >= 0"),
            (self.turnaround_s >= 0, f"turnaround_s={self.turnaround_s}: use >= 0"),
            (self.dupthresh >= 1, f"dupthresh={self.dupthresh}: use >= 1"),
        )
        for ok, message in checks:
            if not ok:
                raise ConfigError(f"LinkConfig: {message}")


@dataclass(slots=True)
class LinkStats:
    """Counters of one link (or station). Read them; the link updates them in place."""

    frames_sent: int = 0
    frames_received: int = 0
    data_frames_sent: int = 0
    retransmissions: int = 0
    fast_retransmissions: int = 0
    timeouts: int = 0
    duplicates: int = 0
    out_of_window: int = 0
    stale_acks: int = 0
    protocol_errors: int = 0
    not_for_us: int = 0
    keepalives_sent: int = 0
    messages_delivered: int = 0
    bytes_delivered: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counters by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
