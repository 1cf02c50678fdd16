"""PSK modem round trips: cold-start bursts through AWGN, carrier, clock and timing offsets."""

import numpy as np
import pytest

import phy
from phy.channel import awgn
from phy.errors import ConfigError
from phy.framing import frame_bits
from phy.profiles import get_profile
from phy.psk import Receiver, bits_to_symbols, modulate_bits
from phy.psk._impair import impair
from phy.psk._pulse import TX_SPAN_SYMBOLS

PSK = ["bpsk250k", "qpsk250k", "bpsk1m", "qpsk1m"]


def _stream(name, payloads, rng, *, sample_rate_hz=None, gap=(300, 2500)):
    """Bursts with random gaps; returns samples and the sync-word start of each burst."""
    p = get_profile(name)
    fs = sample_rate_hz or p.sample_rate_hz
    scale = fs / p.sample_rate_hz
    parts, starts, pos = [], [], 0
    for payload in payloads:
        g = int(rng.integers(*gap))
        burst = phy.modulate(name, payload, sample_rate_hz=sample_rate_hz)
        first_sync = (p.preamble_bits + TX_SPAN_SYMBOLS / 2 - 0.5) * p.samples_per_symbol
        starts.append(pos + g + first_sync * scale)
        parts += [np.zeros(g, np.complex64), burst]
        pos += g + burst.size
    parts.append(np.zeros(int(rng.integers(*gap)), np.complex64))
    return np.concatenate(parts), np.array(starts)


def _channel(x, name, rng, *, sample_rate_hz, ebn0_db, cfo_hz=None, ppm=None, phase=None):
    p = get_profile(name)
    cfo_hz = rng.uniform(-20e3, 20e3) if cfo_hz is None else cfo_hz
    ppm = rng.uniform(-100, 100) if ppm is None else ppm
    delay = rng.uniform(0, 1)
    y = impair(
        x,
        sample_rate_hz=sample_rate_hz,
        cfo_hz=cfo_hz,
        clock_ppm=ppm,
        delay_samples=delay,
        phase_rad=rng.uniform(0, 2 * np.pi) if phase is None else phase,
    )
    y = awgn(
        y,
        rng=rng,
        sample_rate_hz=sample_rate_hz,
        signal_power=1.0,  # the bursts' power, at any rate (gaps excluded)
        bit_rate_bps=p.bit_rate_bps,
        ebn0_db=ebn0_db,
    )
    ratio = 1 - ppm * 1e-6
    return y, cfo_hz, (lambda idx: (idx + delay) / ratio)


def _receive(rx, y, rng, n_chunks=7):
    split = np.sort(rng.choice(np.arange(1, y.size), size=n_chunks - 1, replace=False))
    bursts = []
    for part in np.split(y, split):
        bursts += rx.process(part)
    return bursts + rx.flush()


def test_gray_map_and_padding():
    q = get_profile("qpsk250k")
    symbols = bits_to_symbols(q, np.array([0, 0, 0, 1, 1, 0, 1, 1, 1], np.uint8))
    expected = np.array([1 + 1j, 1 - 1j, -1 + 1j, -1 - 1j, -1 + 1j]) / np.sqrt(2)
    np.testing.assert_allclose(symbols, expected, atol=1e-6)
    b = get_profile("bpsk1m")
    np.testing.assert_array_equal(bits_to_symbols(b, np.array([0, 1], np.uint8)), [1, -1])


@pytest.mark.parametrize("name", PSK)
def test_modulate_has_unit_power_and_recovers_symbols(name):
    p = get_profile(name)
    rng = np.random.default_rng(1)
    bits = rng.integers(0, 2, 4000).astype(np.uint8)
    x = modulate_bits(p, bits, preamble_bits=0)
    sps = p.samples_per_symbol
    assert x.dtype == np.complex64
    assert x.size == (bits.size // p.bits_per_symbol - 1 + TX_SPAN_SYMBOLS) * sps + 1
    core = x[TX_SPAN_SYMBOLS * sps : -TX_SPAN_SYMBOLS * sps]
    assert abs(np.mean(np.abs(core) ** 2) - 1) < 0.05
    taps = phy.psk.design_rrc(samples_per_symbol=sps, rolloff=p.rolloff, span_symbols=12)
    peaks = np.convolve(x, taps)[TX_SPAN_SYMBOLS * sps :: sps][: bits.size // p.bits_per_symbol]
    np.testing.assert_allclose(peaks / sps, bits_to_symbols(p, bits), atol=0.03)
    assert modulate_bits(p, np.zeros(0, np.uint8)).size == 0


@pytest.mark.parametrize("name", PSK)
def test_round_trip_with_offsets_at_native_rate(name):
    p = get_profile(name)
    rng = np.random.default_rng(sum(map(ord, name)))
    payloads = [rng.bytes(n) for n in (0, 1, 57, 300)]
    x, starts = _stream(name, payloads, rng)
    ebn0 = 11.0
    y, cfo, to_rx = _channel(x, name, rng, sample_rate_hz=p.sample_rate_hz, ebn0_db=ebn0)
    rx = Receiver(profile=p)
    bursts = _receive(rx, y, rng)
    assert [b.payload for b in bursts] == payloads
    np.testing.assert_allclose([b.start_sample for b in bursts], to_rx(starts), atol=2.0)
    es_n0_db = ebn0 + 10 * np.log10(p.bits_per_symbol)
    for b in bursts:
        assert b.profile == name and b.sample_rate_hz == p.sample_rate_hz
        assert b.llrs.dtype == np.float32
        assert abs(b.cfo_hz - cfo) < 0.004 * p.symbol_rate_baud
        assert abs(b.snr_db - es_n0_db) < 2.5
        assert abs(b.evm_db + b.snr_db) < 2.0
        assert b.sync_errors == 0 and b.header_errors <= 1
    assert rx.counters["bursts"] == len(payloads)


@pytest.mark.parametrize("name", PSK)
def test_round_trip_at_2_4_msps_through_make_receiver(name):
    fs = 2.4e6
    rng = np.random.default_rng(7 + sum(map(ord, name)))
    payloads = [rng.bytes(n) for n in (3, 120)]
    x, starts = _stream(name, payloads, rng, sample_rate_hz=fs, gap=(2000, 6000))
    y, cfo, to_rx = _channel(x, name, rng, sample_rate_hz=fs, ebn0_db=11.0)
    rx = phy.make_receiver(name, sample_rate_hz=fs)
    bursts = _receive(rx, y, rng)
    assert [b.payload for b in bursts] == payloads
    assert all(b.sample_rate_hz == fs for b in bursts)
    tolerance = 3 * fs / get_profile(name).sample_rate_hz
    np.testing.assert_allclose([b.start_sample for b in bursts], to_rx(starts), atol=tolerance)
    assert all(abs(b.cfo_hz - cfo) < 2e3 for b in bursts)


@pytest.mark.parametrize("name", ["qpsk250k", "bpsk1m"])
def test_receiver_is_chunk_invariant(name):
    p = get_profile(name)
    rng = np.random.default_rng(11)
    payloads = [rng.bytes(n) for n in (40, 200, 5)]
    x, _ = _stream(name, payloads, rng, gap=(0, 400))
    y, _, _ = _channel(x, name, rng, sample_rate_hz=p.sample_rate_hz, ebn0_db=7.0)
    whole = Receiver(profile=p)
    reference = whole.process(y) + whole.flush()
    assert len(reference) >= 2
    for n_chunks in (2, 31, 400):
        rx = Receiver(profile=p)
        got = _receive(rx, y, rng, n_chunks)
        assert [b.start_sample for b in got] == [b.start_sample for b in reference]
        for a, b in zip(got, reference, strict=True):
            np.testing.assert_array_equal(a.llrs, b.llrs)
            assert (a.snr_db, a.cfo_hz, a.evm_db) == (b.snr_db, b.cfo_hz, b.evm_db)


@pytest.mark.parametrize("name", ["bpsk250k", "qpsk1m"])
def test_llrs_are_scaled_like_2y_over_sigma2(name):
    p = get_profile(name)
    rng = np.random.default_rng(3)
    payload = rng.bytes(1500)
    x, _ = _stream(name, [payload], rng)
    ebn0_db = 5.0
    y, _, _ = _channel(x, name, rng, sample_rate_hz=p.sample_rate_hz, ebn0_db=ebn0_db)
    rx = Receiver(profile=p)
    (burst,) = rx.process(y) + rx.flush()
    truth = np.unpackbits(np.frombuffer(payload, np.uint8))
    # For BPSK/QPSK on AWGN the mean of LLR * (1 - 2 bit) is 4 Eb/N0.
    mean = float(np.mean(burst.llrs * (1 - 2 * truth.astype(np.float32))))
    assert mean == pytest.approx(4 * 10 ** (ebn0_db / 10), rel=0.2)


@pytest.mark.parametrize("name", ["bpsk250k", "qpsk1m"])
def test_noise_and_garbage_give_no_bursts_and_no_exception(name):
    p = get_profile(name)
    rng = np.random.default_rng(5)
    fs = p.sample_rate_hz
    n = 200_000
    t = np.arange(n) / fs
    inputs = [
        (rng.standard_normal(2 * n) * 0.7).astype(np.float32).view(np.complex64),
        np.zeros(n, np.complex64),
        np.full(n, 1 + 0.5j, np.complex64),  # DC
        np.exp(2j * np.pi * p.symbol_rate_baud / 2 * t).astype(np.complex64),  # half a preamble
        np.full(5000, np.nan + 1j * np.inf, np.complex64),
        (rng.standard_normal(2 * 5000) * 1e30).astype(np.float32).view(np.complex64),
        rng.integers(0, 255, 2 * 5000).astype(np.float32).view(np.complex64),
    ]
    rx = Receiver(profile=p)
    for x in inputs:
        assert rx.process(x) == []
        assert rx.buffered_samples < 20_000
    assert rx.flush() == []
    assert rx.counters["bursts"] == 0
    # the receiver still works afterwards
    payload = rng.bytes(30)
    x, _ = _stream(name, [payload], rng)
    y, _, _ = _channel(x, name, rng, sample_rate_hz=fs, ebn0_db=12.0)
    assert [b.payload for b in rx.process(y) + rx.flush()] == [payload]


@pytest.mark.parametrize("name", ["bpsk250k", "qpsk1m"])
def test_huge_samples_inside_bursts_neither_crash_nor_stop_the_receiver(name):
    # Random bytes read as complex64 (finite, up to 3e38) over part of each burst: the loops
    # used to overflow to NaN there and the burst's end position could not be computed.
    p = get_profile(name)
    rng = np.random.default_rng(2)
    rx = Receiver(profile=p)
    for _ in range(6):
        x = modulate_bits(p, frame_bits(p, rng.bytes(100)))
        junk = np.frombuffer(rng.bytes(8 * 300), np.complex64)
        lo = int(rng.integers(400, x.size - 300))
        x[lo : lo + 300] = np.nan_to_num(junk, nan=0.0, posinf=0.0, neginf=0.0)
        with np.errstate(all="ignore"):
            rx.process(np.concatenate([np.zeros(500, np.complex64), x]))
    rx.flush()
    assert rx.counters["detections"] >= 1
    payload = rng.bytes(30)
    x, _ = _stream(name, [payload], rng)
    y, _, _ = _channel(x, name, rng, sample_rate_hz=p.sample_rate_hz, ebn0_db=12.0)
    assert [b.payload for b in rx.process(y) + rx.flush()] == [payload]


def test_burst_at_end_of_stream_needs_flush():
    p = get_profile("qpsk250k")
    payload = b"tail"
    x = modulate_bits(p, frame_bits(p, payload))[: -TX_SPAN_SYMBOLS * p.samples_per_symbol // 2]
    rx = Receiver(profile=p)
    assert rx.process(np.concatenate([np.zeros(500, np.complex64), x])) == []
    assert [b.payload for b in rx.flush()] == [payload]


def test_bad_configuration_is_refused():
    with pytest.raises(ConfigError, match="not PSK"):
        Receiver(profile="gfsk9k6")
    with pytest.raises(ConfigError, match="max_sync_errors"):
        Receiver(profile="bpsk1m", max_sync_errors=8)
    with pytest.raises(ConfigError, match="max_cfo_hz"):
        Receiver(profile="bpsk1m", max_cfo_hz=600e3)


@pytest.mark.parametrize("name", ["bpsk1m", "qpsk250k"])
def test_every_carrier_phase_ambiguity_is_resolved_by_the_sync_word(name):
    p = get_profile(name)
    rng = np.random.default_rng(17)
    payload = rng.bytes(20)
    x = np.concatenate([np.zeros(300, np.complex64), phy.modulate(p, payload)])
    folds = 4 if p.modulation == "qpsk" else 2
    for k in range(2 * folds):  # every ambiguity, and halfway between them
        phase = np.pi * k / folds + 0.1
        y, _, _ = _channel(x, name, rng, sample_rate_hz=p.sample_rate_hz, ebn0_db=12.0, phase=phase)
        rx = Receiver(profile=p)
        assert [b.payload for b in rx.process(y) + rx.flush()] == [payload], phase


def test_memory_stays_bounded_on_a_long_stream_of_bursts():
    p = get_profile("qpsk1m")
    rng = np.random.default_rng(23)
    payloads = [rng.bytes(300) for _ in range(12)]
    x, _ = _stream("qpsk1m", payloads, rng, gap=(0, 3000))
    y, _, _ = _channel(x, "qpsk1m", rng, sample_rate_hz=p.sample_rate_hz, ebn0_db=12.0)
    rx = Receiver(profile=p)
    found, peak = [], 0
    for lo in range(0, y.size, 1000):
        found += rx.process(y[lo : lo + 1000])
        peak = max(peak, rx.buffered_samples)
    found += rx.flush()
    assert [b.payload for b in found] == payloads
    assert peak < 4000  # a chunk, the matched filter span and a detector window


@pytest.mark.parametrize("name", ["qpsk250k", "bpsk250k"])
def test_a_burst_shorter_than_its_header_says_does_not_deafen_the_receiver(name):
    """A header that claims 2000 bytes on a 100-byte burst (what a wrongly decoded header
    does at low SNR): the payload's power falls to the noise floor, the receiver drops that
    burst (``carrier_losses``) and searches again from there, so the burst that follows 600
    symbols later, long before the claimed end, is received."""
    p = get_profile(name)
    rng = np.random.default_rng(6)
    liar, honest = rng.bytes(100), rng.bytes(100)
    bits = phy.framing.frame_bits(p, liar)
    at = p.preamble_bits + p.sync_bits
    bits[at : at + 48] = phy.framing.encode_header(2000)
    gap = np.zeros(600 * p.samples_per_symbol, np.complex64)
    x = np.concatenate(
        [np.zeros(3000, np.complex64), modulate_bits(p, bits), gap, phy.modulate(name, honest)]
    )
    x = np.concatenate([x, np.zeros(3000, np.complex64)])
    ebn0 = 13.0 - 10 * np.log10(p.bits_per_symbol)  # Es/N0 13 dB: no payload bit errors
    y, _, _ = _channel(x, name, rng, sample_rate_hz=p.sample_rate_hz, ebn0_db=ebn0)
    rx = Receiver(profile=p)
    bursts = _receive(rx, y, rng)
    assert [b.payload for b in bursts] == [honest]
    assert rx.counters["carrier_losses"] == 1


def _confusable_length(true_length: int, at_least: int) -> int:
    """A length ``>= true_length + at_least`` whose Golay codeword is 8 bits from the true one."""
    word = phy.framing.golay24_encode(true_length)
    for length in range(true_length + at_least, 4096):
        if bin(phy.framing.golay24_encode(length) ^ word).count("1") == 8:
            return length
    raise AssertionError("no codeword at distance 8")


@pytest.mark.parametrize("name", ["qpsk250k", "bpsk250k"])
def test_a_header_read_as_a_longer_length_is_fixed_where_the_burst_ends(name):
    """The header's 16 bits in which the true length's codeword pair differs from a longer
    length's are sent as the longer length's, at 0.3 of the amplitude: maximum likelihood
    reads the longer length and keeps the true one as runner-up (its other 32 bits are
    strong). The burst's power ends at the true length, which the receiver then takes
    (``header_fixes``) instead of dropping the burst (fails without the runner-ups)."""
    from phy.psk._modulator import preamble_symbols, shape_symbols

    p = get_profile(name)
    rng = np.random.default_rng(5)
    payload = rng.bytes(100)
    wrong = _confusable_length(len(payload), 200)
    bits = frame_bits(p, payload)
    at = p.preamble_bits + p.sync_bits
    wrong_header = phy.framing.encode_header(wrong)
    weak = np.flatnonzero(bits[at : at + 48] != wrong_header)
    assert weak.size == 16
    bits[at + weak] = wrong_header[weak]
    # one more weak bit, flipped in the second copy only (the same for both lengths), so
    # the two copies differ and the header goes through maximum likelihood
    spare = 24 + next(j for j in range(24) if j not in weak)
    bits[at + spare] ^= 1
    weak = np.append(weak, spare)
    pre = preamble_symbols(p, bits[: p.preamble_bits])
    data = bits_to_symbols(p, bits[p.preamble_bits :])
    scale = np.ones((data.size, 2), np.float32)  # per rail (I, Q)
    index = at - p.preamble_bits + weak
    scale[index // p.bits_per_symbol, index % p.bits_per_symbol] = 0.3
    data = (data.real * scale[:, 0] + 1j * data.imag * scale[:, 1]).astype(np.complex64)
    burst = shape_symbols(p, np.concatenate([pre, data]))
    x = np.concatenate([np.zeros(3000, np.complex64), burst, np.zeros(40000, np.complex64)])
    ebn0 = 13.0 - 10 * np.log10(p.bits_per_symbol)  # Es/N0 13 dB: no payload bit errors
    y, _, _ = _channel(x, name, rng, sample_rate_hz=p.sample_rate_hz, ebn0_db=ebn0)
    rx = Receiver(profile=p)
    bursts = _receive(rx, y, rng)
    assert [b.payload for b in bursts] == [payload]
    assert rx.counters["header_fixes"] == 1 and rx.counters["carrier_losses"] == 0
