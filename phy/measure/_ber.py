"""BER and PER against Eb/N0: the engines behind ``sdrlink simulate``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Protocol

import numpy as np

from phy.measure._link import LinkSetup, bursts_per_block, simulate_block
from phy.measure._theory import theory_ber

__all__ = ["BerPoint", "PacketCodec", "PerPoint", "measure_ber", "measure_per"]

Progress = Callable[[dict], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class BerPoint:
    """One measured point: bit errors over the payload bits of the detected bursts."""

    profile: str
    ebn0_db: float
    ber: float
    theory_ber: float
    bits: int
    bit_errors: int
    error_bursts: int
    bursts_sent: int
    bursts_found: int
    false_alarms: int
    elapsed_s: float

    @property
    def detection(self) -> float:
        """Bursts found / bursts sent."""
        return self.bursts_found / self.bursts_sent if self.bursts_sent else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "detection": self.detection}


class PacketCodec(Protocol):
    """The FEC hook: the data-link layer's block code, seen from the PHY measurement.

    ``encode(info) -> bytes`` gives the PHY payload for ``info`` bytes; ``decode(llrs)``
    gives the info bytes back (None when decoding fails) from the payload's LLRs;
    ``name`` labels the code. The code rate is len(info) / len(encode(info)).
    """

    name: str

    def encode(self, info: bytes) -> bytes: ...

    def decode(self, llrs: np.ndarray, n_info_bytes: int) -> bytes | None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class PerPoint:
    """One PER point: a packet is lost when missed or decoded wrong. ``info_rate`` is
    information bits per burst bit (preamble, sync word, PHY header and code included)."""

    profile: str
    fec: str
    ebn0_db: float
    per: float
    packets: int
    packet_errors: int
    bursts_found: int
    info_rate: float
    elapsed_s: float

    def to_dict(self) -> dict:
        return asdict(self)


def measure_ber(
    setup: LinkSetup,
    ebn0_db: float,
    *,
    rng: np.random.Generator,
    min_errors: int = 100,
    min_error_bursts: int = 10,
    max_bits: int = 2_000_000,
    progress: Progress | None = None,
) -> BerPoint:
    """Send random payloads at ``ebn0_db`` until ``min_errors`` bit errors spread over at
    least ``min_error_bursts`` bursts (errors come in bursts when a receiver slips), or
    ``max_bits``.

    Eb is the burst's mean power over the PHY bit rate. Missed bursts do not add bits or
    errors; they lower ``detection``. Cost: about max(min_errors / BER, max_bits) bits
    through modulator, channel and receiver.
    """
    from phy.modem import make_receiver

    profile = setup.profile
    receiver = make_receiver(profile, sample_rate_hz=setup.rate_hz)
    n_block = bursts_per_block(setup, setup.payload_bytes)
    bits = errors = error_bursts = sent = found = false_alarms = 0
    start = time.perf_counter()
    while (errors < min_errors or error_bursts < min_error_bursts) and bits < max_bits:
        payloads = [rng.bytes(setup.payload_bytes) for _ in range(n_block)]
        outcome = simulate_block(
            setup,
            payloads,
            ebn0_db=ebn0_db,
            bit_rate_bps=profile.bit_rate_bps,
            rng=rng,
            receiver=receiver,
        )
        for payload, burst in zip(payloads, outcome.received, strict=True):
            sent += 1
            if burst is None:
                continue
            found += 1
            sent_bits = np.unpackbits(np.frombuffer(payload, dtype=np.uint8))
            burst_errors = int(np.count_nonzero(burst.bits != sent_bits))
            errors += burst_errors
            error_bursts += burst_errors > 0
            bits += sent_bits.size
        false_alarms += outcome.false_alarms
        if found == 0 and sent >= 4 * n_block:
            break  # nothing decodes at this Eb/N0; do not loop forever
        if progress is not None:
            progress({"ebn0_db": ebn0_db, "bits": bits, "bit_errors": errors, "bursts": sent})
    return BerPoint(
        profile=profile.name,
        ebn0_db=float(ebn0_db),
        ber=errors / bits if bits else float("nan"),
        theory_ber=theory_ber(profile, ebn0_db),
        bits=bits,
        bit_errors=errors,
        error_bursts=error_bursts,
        bursts_sent=sent,
        bursts_found=found,
        false_alarms=false_alarms,
        elapsed_s=time.perf_counter() - start,
    )


def measure_per(
    setup: LinkSetup,
    ebn0_db: float,
    codec: PacketCodec,
    *,
    rng: np.random.Generator,
    info_bytes: int = 255,
    min_errors: int = 100,
    max_packets: int = 20_000,
    progress: Progress | None = None,
) -> PerPoint:
    """Packet error rate of ``codec`` at ``ebn0_db`` per *information* bit.

    Eb = burst power x burst duration / information bits: the whole burst (preamble, sync
    word, PHY header, code redundancy) is paid for by the information bits, so FEC levels
    compare fairly. Cost: about max(min_errors / PER, max_packets) bursts.
    """
    from phy.framing import frame_bits
    from phy.modem import make_receiver

    profile = setup.profile
    receiver = make_receiver(profile, sample_rate_hz=setup.rate_hz)
    coded = codec.encode(bytes(info_bytes))
    info_rate = 8 * info_bytes / frame_bits(profile, coded).size
    n_block = bursts_per_block(setup, len(coded))
    packets = packet_errors = found = 0
    start = time.perf_counter()
    while packet_errors < min_errors and packets < max_packets:
        infos = [rng.bytes(info_bytes) for _ in range(n_block)]
        outcome = simulate_block(
            setup,
            [codec.encode(info) for info in infos],
            ebn0_db=ebn0_db,
            bit_rate_bps=profile.bit_rate_bps * info_rate,
            rng=rng,
            receiver=receiver,
        )
        for info, burst in zip(infos, outcome.received, strict=True):
            packets += 1
            found += burst is not None
            if burst is None or codec.decode(burst.llrs, info_bytes) != info:
                packet_errors += 1
        if progress is not None:
            progress({"ebn0_db": ebn0_db, "packets": packets, "packet_errors": packet_errors})
    return PerPoint(
        profile=profile.name,
        fec=codec.name,
        ebn0_db=float(ebn0_db),
        per=packet_errors / packets if packets else float("nan"),
        packets=packets,
        packet_errors=packet_errors,
        bursts_found=found,
        info_rate=info_rate,
        elapsed_s=time.perf_counter() - start,
    )
