"""PSK receiver near the coded link's threshold: rs+conv frames at Eb/N0 3.5 dB per info bit."""

import numpy as np

import phy
from mac.fec import FecLevel
from mac.frame import Frame, FrameHeader, FrameType, decode_frame, encode_frame
from phy.channel import awgn
from phy.framing import frame_bits
from phy.profiles import get_profile
from phy.psk import Receiver
from phy.psk._impair import impair

N_FRAMES = 12
EBN0_DB = 3.5  # per information bit, whole burst charged (as `sdrlink simulate --fec`)


def _coded_stream(rng, payloads, header, level):
    """QPSK bursts of MAC frames, each with its own carrier, clock, timing and phase offset."""
    p = get_profile("qpsk250k")
    parts = []
    for payload in payloads:
        burst = phy.modulate(p, encode_frame(header, payload, fec=level))
        burst = impair(
            burst,
            sample_rate_hz=p.sample_rate_hz,
            cfo_hz=rng.uniform(-20e3, 20e3),
            clock_ppm=rng.uniform(-100, 100),
            delay_samples=rng.uniform(0, 1),
            phase_rad=rng.uniform(0, 2 * np.pi),
        )
        parts += [np.zeros(int(rng.integers(800, 1600)), np.complex64), burst]
    parts.append(np.zeros(1600, np.complex64))
    return np.concatenate(parts)


def test_rs_conv_frames_at_3_5_db_are_mostly_received(seed=11):
    rng = np.random.default_rng(seed)
    p = get_profile("qpsk250k")
    level = FecLevel.parse("rs+conv")
    header = FrameHeader(frame_type=FrameType.DATA, src=1, dst=2)
    payloads = [rng.bytes(255) for _ in range(N_FRAMES)]
    coded = encode_frame(header, payloads[0], fec=level)
    info_rate = 8 * 255 / frame_bits(p, coded).size
    x = _coded_stream(rng, payloads, header, level)
    y = awgn(
        x,
        rng=rng,
        sample_rate_hz=p.sample_rate_hz,
        signal_power=1.0,
        bit_rate_bps=p.bit_rate_bps * info_rate,
        ebn0_db=EBN0_DB,
    )
    rx = Receiver(profile=p)
    bursts = []
    for part in np.array_split(y, 5):
        bursts += rx.process(part)
    bursts += rx.flush()
    events = [decode_frame(b.llrs) for b in bursts]
    decoded = {ev.payload for ev in events if isinstance(ev, Frame)}
    received = sum(payload in decoded for payload in payloads)
    # the receiver before the data-aided carrier fit decoded almost none (PER ~100 %)
    assert received >= N_FRAMES - 4, received
