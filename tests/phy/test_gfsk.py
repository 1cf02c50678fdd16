"""GFSK modem: kernels vs twins, modulator, cold-start round trips, streaming, garbage."""

import numpy as np
import pytest
from scipy.interpolate import CubicSpline

import phy
from phy.channel import awgn
from phy.errors import ConfigError
from phy.framing import decode_header, encode_header
from phy.gfsk import Receiver, _kernels, _receiver, _reference, design_gaussian_pulse, modulate_bits
from phy.profiles import get_profile

GFSK = ("gfsk9k6", "gfsk50k", "gfsk250k")


def impair(x, *, rng, sample_rate_hz, cfo_hz, ppm, delay, ebn0_db, bit_rate_bps, pad=(500, 500)):
    """Clock offset + fractional delay (cubic interpolation), carrier offset, padding, AWGN."""
    x = np.concatenate([np.zeros(pad[0]), x, np.zeros(pad[1])]).astype(np.complex128)
    t = np.arange(int((x.size - 2) / (1 + ppm * 1e-6))) * (1 + ppm * 1e-6) + delay
    y = CubicSpline(np.arange(x.size), x)(t)
    y = y * np.exp(
        2j * np.pi * cfo_hz / sample_rate_hz * np.arange(y.size) + 1j * rng.uniform(0, 7)
    )
    return awgn(
        y.astype(np.complex64),
        rng=rng,
        sample_rate_hz=sample_rate_hz,
        bit_rate_bps=bit_rate_bps,
        ebn0_db=ebn0_db,
        signal_power=1.0,
    )


# --- kernels vs NumPy twins -------------------------------------------------------------------


def _warm_receiver(rng):
    """A receiver stopped inside a burst's payload (hold on); the rest holds a second burst."""
    p = get_profile("gfsk9k6")
    rx = Receiver(profile=p)
    runs = rng.bytes(6) + bytes(8) + rng.bytes(6)  # a 64-symbol run of one tone
    key_up = [phy.modulate(p, rng.bytes(30)), np.zeros(400), phy.modulate(p, runs)]
    x = impair(np.concatenate(key_up), rng=rng, sample_rate_hz=p.sample_rate_hz, cfo_hz=3e3,
               ppm=50, delay=0.3, ebn0_db=12, bit_rate_bps=p.bit_rate_bps,
               pad=(100, 12000))  # fmt: skip
    rx.process(x[:3001])
    assert rx._sy_i[_kernels.SY_MODE] == _kernels.MODE_PAYLOAD
    return rx, x[3001:]


def _copies(*arrays):
    return [a.copy() for a in arrays]


@pytest.mark.parametrize("n", [0, 1, 7, 4096])
def test_front_end_matches_reference(n):
    rng = np.random.default_rng(n)
    rx, rest = _warm_receiver(rng)
    x = rest[:n].copy()
    if n > 100:
        x[5], x[9] = np.nan, 1e30 + 1e30j  # garbage is sanitised the same way
    results = []
    for impl in (_kernels, _reference):
        state = _copies(rx._fe_c, rx._fe_i, rx._ring1, rx._ring2, rx._ring_p, rx._ring_x)
        y = np.zeros(n, dtype=np.complex64)
        f = np.zeros(n, dtype=np.float32)
        k = impl.front_end(x, rx._fe_params, *state, y, f)
        results.append((k, y[:k], f[:k], state))
    (k1, y1, f1, s1), (k2, y2, f2, s2) = results
    assert k1 == k2 == (n + (rx._fe_i[2])) // 2
    np.testing.assert_allclose(y1, y2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(f1, f2, rtol=1e-5, atol=1e-9)
    for a, b in zip(s1, s2, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("n", [0, 1, 7, 4096])
def test_symbol_sync_matches_reference(n):
    rng = np.random.default_rng(10 + n)
    rx, rest = _warm_receiver(rng)
    y = np.zeros(2 * n + 8, dtype=np.complex64)
    f = np.zeros(2 * n + 8, dtype=np.float32)
    m = _kernels.front_end(rest[: 2 * n], rx._fe_params, rx._fe_c, rx._fe_i, rx._ring1,
                           rx._ring2, rx._ring_p, rx._ring_x, y, f)  # fmt: skip
    y, f = y[:n], f[:n]
    assert m >= n
    results = []
    for impl in (_kernels, _reference):
        state = _copies(rx._sy_c, rx._sy_f, rx._sy_i, rx._ring, rx._ring_c, rx._ring_r)
        slots = np.zeros((64, 8))
        llr = np.zeros(n + 2, dtype=np.float32)
        k = impl.symbol_sync(y, f, rx._sy_params, rx._table, rx._columns, *state, llr, slots)
        results.append((k, llr[:k], slots, state))
    (k1, l1, r1, s1), (k2, l2, r2, s2) = results
    assert k1 == k2
    if n == 4096:  # the hold was released and taken again for the second burst
        assert k1 > 1000
        assert s1[1][_kernels.SY_F_HOLD] != rx._sy_f[_kernels.SY_F_HOLD]
    np.testing.assert_allclose(l1, l2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r1, r2, rtol=1e-6, atol=1e-6)
    for a, b in zip(s1, s2, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("n", [0, 1, 7, 4096])
def test_burst_stats_matches_reference(n):
    rng = np.random.default_rng(20 + n)
    rx, rest = _warm_receiver(rng)
    noise = rng.standard_normal(2 * 40_000).astype(np.float32).view(np.complex64)
    rx.process(np.concatenate([rest, noise]))  # > 4096 symbols written
    first = max(rx.counters["symbols"] - n - 5, 0)  # rows the receiver has written
    outs = []
    for impl in (_kernels, _reference):
        out = np.zeros(6)
        impl.burst_stats(rx._slots, first, n, rx._advance, 8, out)
        outs.append(out)
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-9, atol=1e-12, equal_nan=True)
    assert np.isnan(outs[0][1]) == (n < 10)


def test_header_length_matches_reference_and_framing():
    rng = np.random.default_rng(8)
    columns = _receiver._header_columns()
    for trial in range(60):
        length = int(rng.integers(0, 4096))
        soft = (1.0 - 2.0 * encode_header(length)) * rng.uniform(0.5, 2.0, 48)
        flips = rng.choice(48, trial % 10, replace=False)  # 0..9 wrong hard bits
        soft[flips] *= -0.3
        expected, errors = decode_header(soft.astype(np.float32))
        if errors > 6 or expected > 1000:
            expected = -1
        assert _kernels.header_length(soft, columns, 6, 1000) == expected
        assert _reference.header_length(soft, columns, 6, 1000) == expected


# --- modulator --------------------------------------------------------------------------------


@pytest.mark.parametrize(("bt", "h"), [(0.5, 0.5), (0.3, 0.7)])
def test_modulator_phase_advances_pi_h_per_one(bt, h):
    p = get_profile("gfsk50k").replace(bt=bt, modulation_index=h)
    bits = np.array([0] * 8 + [1] * 40 + [0] * 8, dtype=np.uint8)
    x = modulate_bits(p, bits)
    assert x.dtype == np.complex64 and x.size == (bits.size + 1) * p.samples_per_symbol
    np.testing.assert_allclose(np.abs(x), 1.0, atol=1e-5)
    steps = np.angle(x[1:] * np.conj(x[:-1]))
    assert np.max(np.abs(steps)) <= np.pi * h / p.samples_per_symbol * 1.001  # continuous
    sps = p.samples_per_symbol
    run = np.unwrap(np.angle(x))[30 * sps] - np.unwrap(np.angle(x))[20 * sps]
    assert run == pytest.approx(10 * np.pi * h, rel=1e-3)  # bit 1 is +deviation
    assert modulate_bits(p, np.zeros(0, dtype=np.uint8)).size == 0


def test_gaussian_pulse_has_unit_area_per_symbol_and_rejects_bad_bt():
    taps = design_gaussian_pulse(bt=0.5, samples_per_symbol=8)
    assert taps.sum() == pytest.approx(8, rel=1e-6) and taps.size % 2 == 1
    with pytest.raises(ConfigError):
        design_gaussian_pulse(bt=5.0, samples_per_symbol=8)


def test_receiver_rejects_other_profiles():
    with pytest.raises(ConfigError, match="not GFSK"):
        Receiver(profile="bpsk250k")


# --- round trips with cold-start acquisition --------------------------------------------------


def _bursts_stream(p, rng, payloads, *, sample_rate_hz, ebn0_db):
    """Bursts 150..250 symbols apart, random CFO (+-20 kHz), clock offset (+-100 ppm), delay."""
    parts, truth, pos = [], [], 0
    for payload in payloads:
        x = phy.modulate(p, payload, sample_rate_hz=sample_rate_hz)
        cfo = rng.uniform(-20e3, 20e3)
        gap = int(rng.integers(150, 250) * sample_rate_hz / p.symbol_rate_baud)
        y = impair(x, rng=rng, sample_rate_hz=sample_rate_hz, cfo_hz=cfo,
                   ppm=rng.uniform(-100, 100), delay=rng.uniform(0, 1), ebn0_db=ebn0_db,
                   bit_rate_bps=p.bit_rate_bps, pad=(gap, 0))  # fmt: skip
        sync_at = gap + p.preamble_bits * sample_rate_hz / p.symbol_rate_baud
        truth.append((payload, cfo, pos + sync_at))
        parts.append(y)
        pos += y.size
    tail = awgn(np.zeros(2000, np.complex64), rng=rng, sample_rate_hz=sample_rate_hz,
                bit_rate_bps=p.bit_rate_bps, ebn0_db=ebn0_db, signal_power=1.0)  # fmt: skip
    return np.concatenate([*parts, tail]), truth


@pytest.mark.parametrize("name", GFSK)
def test_round_trip_native_rate_with_offsets(name):
    p = get_profile(name)
    rng = np.random.default_rng(sum(map(ord, name)))
    payloads = [rng.bytes(n) for n in (0, 1, 60, 200)]
    stream, truth = _bursts_stream(p, rng, payloads, sample_rate_hz=p.sample_rate_hz, ebn0_db=14)
    rx = phy.make_receiver(p)
    bursts = rx.process(stream) + rx.flush()
    assert [b.payload for b in bursts] == payloads
    for burst, (payload, cfo, sync_at) in zip(bursts, truth, strict=True):
        assert burst.profile == name and burst.sample_rate_hz == p.sample_rate_hz
        assert burst.llrs.dtype == np.float32
        if len(payload) >= 40:  # the offset estimate needs a few hundred symbols
            assert abs(burst.cfo_hz - cfo) < 300
        assert abs(burst.snr_db - 14) < 3  # Es/N0 = Eb/N0 for 2-GFSK
        assert abs(burst.start_sample - sync_at) <= 3
    assert rx.counters["bursts"] == len(payloads)


@pytest.mark.parametrize("name", GFSK)
def test_round_trip_from_2_4_msps(name):
    p = get_profile(name)
    rate = 2.4e6
    rng = np.random.default_rng(7 + len(name))
    payloads = [rng.bytes(n) for n in (3, 40)]
    stream, truth = _bursts_stream(p, rng, payloads, sample_rate_hz=rate, ebn0_db=14)
    rx = phy.make_receiver(p, sample_rate_hz=rate)
    bursts = rx.process(stream) + rx.flush()
    assert [b.payload for b in bursts] == payloads
    for burst, (payload, cfo, sync_at) in zip(bursts, truth, strict=True):
        assert burst.sample_rate_hz == rate
        if len(payload) >= 40:
            assert abs(burst.cfo_hz - cfo) < 300
        assert abs(burst.start_sample - sync_at) <= 3 * rate / p.sample_rate_hz


def _runs_payloads(rng):
    """All zeros, all ones, alternating, and random payloads with a 64-bit run inside."""
    zero_run = rng.bytes(20) + bytes(8) + rng.bytes(20)
    one_run = rng.bytes(30) + b"\xff" * 8 + rng.bytes(5)
    return [bytes(64), b"\xff" * 64, b"\x55" * 64, b"\xaa" * 17, zero_run, one_run]


@pytest.mark.parametrize("rate", [None, 2.4e6])
@pytest.mark.parametrize("name", GFSK)
def test_long_runs_of_one_tone_decode_exactly(name, rate):
    # a run of one tone looks like a carrier offset: the offset is held during a burst
    p = get_profile(name)
    rng = np.random.default_rng(len(name) + (rate is None))
    payloads = _runs_payloads(rng)
    fs = rate or p.sample_rate_hz
    stream, truth = _bursts_stream(p, rng, payloads, sample_rate_hz=fs, ebn0_db=16)
    rx = phy.make_receiver(p, sample_rate_hz=rate)
    bursts = rx.process(stream) + rx.flush()
    assert [b.payload for b in bursts] == payloads
    for burst, (_, cfo, _) in zip(bursts, truth, strict=True):
        assert abs(burst.cfo_hz - cfo) < 600


def test_the_offset_is_held_over_the_payload_only():
    p = get_profile("gfsk9k6")
    rng = np.random.default_rng(6)
    stream, _ = _bursts_stream(p, rng, [bytes(64)], sample_rate_hz=p.sample_rate_hz, ebn0_db=12)
    rx = Receiver(profile=p)
    assert [b.payload for b in rx.process(stream) + rx.flush()] == [bytes(64)]
    rows = rx._slots[: rx.counters["symbols"]]
    total = rows[:, 1] + np.arctan2(rows[:, 3], rows[:, 2]) / (2 * np.pi * p.samples_per_symbol)
    _, counts = np.unique(np.round(total, 12), return_counts=True)
    held = counts.max()  # symbols demodulated with one and the same total offset
    assert 8 * 64 <= held <= 8 * 64 + 4


def test_a_long_run_inside_a_payload_does_not_slip_the_timing():
    # 2400 symbols without a transition: nothing to time on, the timing must not wander
    p = get_profile("gfsk50k")
    rng = np.random.default_rng(12)
    payloads = [rng.bytes(40) + bytes(300) + rng.bytes(60) for _ in range(3)]
    stream, _ = _bursts_stream(p, rng, payloads, sample_rate_hz=p.sample_rate_hz, ebn0_db=14)
    rx = Receiver(profile=p)
    assert [b.payload for b in rx.process(stream) + rx.flush()] == payloads


def test_llrs_are_scaled_like_gaussian_llrs():
    p = get_profile("gfsk50k")
    rng = np.random.default_rng(3)
    payloads = [rng.bytes(400)]
    stream, _ = _bursts_stream(p, rng, payloads, sample_rate_hz=p.sample_rate_hz, ebn0_db=9)
    (burst,) = Receiver(profile=p).process(stream)
    truth = np.unpackbits(np.frombuffer(payloads[0], np.uint8))
    signed = burst.llrs * (1 - 2.0 * truth)  # positive when right
    # a consistent LLR L has mean(L) ~ var(L) / 2 for Gaussian soft values
    assert 0.5 < np.mean(signed) / (np.var(signed) / 2) < 2.0
    assert np.mean(signed) > 3


# --- streaming --------------------------------------------------------------------------------


def test_receiver_is_chunk_invariant():
    p = get_profile("gfsk9k6")
    rng = np.random.default_rng(11)
    payloads = [rng.bytes(n) for n in (5, 90, 17)] + [bytes(40)]  # holds span chunk cuts
    stream, _ = _bursts_stream(p, rng, payloads, sample_rate_hz=p.sample_rate_hz, ebn0_db=12)

    def run(chunks):
        rx = Receiver(profile=p)
        cuts = np.sort(rng.choice(np.arange(1, stream.size), chunks - 1, replace=False))
        return [b for part in np.split(stream, cuts) for b in rx.process(part)] + rx.flush()

    reference = run(1)
    assert [b.payload for b in reference] == payloads
    for chunks in (2, 37, 1500):
        bursts = run(chunks)
        assert len(bursts) == len(reference)
        for a, b in zip(bursts, reference, strict=True):
            assert a.start_sample == b.start_sample and a.cfo_hz == b.cfo_hz
            assert a.snr_db == b.snr_db
            np.testing.assert_array_equal(a.llrs, b.llrs)


def test_reset_gives_the_same_bursts_again():
    p = get_profile("gfsk250k")
    rng = np.random.default_rng(5)
    stream, _ = _bursts_stream(p, rng, [b"abc"], sample_rate_hz=p.sample_rate_hz, ebn0_db=15)
    rx = Receiver(profile=p)
    first = rx.process(stream)
    rx.reset()
    second = rx.process(stream)
    assert [b.payload for b in first] == [b.payload for b in second] == [b"abc"]
    assert first[0].start_sample == second[0].start_sample


# --- noise and garbage ------------------------------------------------------------------------


def test_pure_noise_gives_no_burst():
    p = get_profile("gfsk250k")
    rng = np.random.default_rng(2)
    rx = Receiver(profile=p)
    for _ in range(4):
        noise = (rng.standard_normal(2**18) + 1j * rng.standard_normal(2**18)).astype(np.complex64)
        assert rx.process(noise) == []
    assert rx.flush() == []
    assert rx.counters["symbols"] > 100_000 and rx.counters["bursts"] == 0


@pytest.mark.parametrize(
    "garbage",
    ["zeros", "huge", "nan_inf", "random_bytes", "dc"],
)
def test_garbage_never_raises_and_the_receiver_recovers(garbage):
    p = get_profile("gfsk50k")
    rng = np.random.default_rng(0)
    n = 20_000
    if garbage == "zeros":
        x = np.zeros(n, np.complex64)
    elif garbage == "huge":
        x = (rng.standard_normal(n) * 1e30 + 3e38j).astype(np.complex64)
    elif garbage == "nan_inf":
        x = rng.choice(np.array([np.nan, np.inf, -np.inf, 1.0], np.float32), 2 * n)
        x = x.view(np.complex64)
    elif garbage == "random_bytes":
        x = np.frombuffer(rng.bytes(8 * n), np.complex64).copy()
    else:
        x = np.full(n, 0.7 - 0.2j, np.complex64)
    rx = Receiver(profile=p)
    assert isinstance(rx.process(x), list)
    quiet = np.zeros(40_000, np.complex64)  # state forgets the garbage within this
    stream, _ = _bursts_stream(p, rng, [b"alive"], sample_rate_hz=p.sample_rate_hz, ebn0_db=15)
    bursts = rx.process(np.concatenate([quiet, stream])) + rx.flush()
    assert [b.payload for b in bursts] == [b"alive"]
    assert np.all(np.isfinite(bursts[0].llrs))


def test_memory_stays_bounded_on_endless_input():
    p = get_profile("gfsk50k")
    rng = np.random.default_rng(9)
    rx = Receiver(profile=p)
    burst = phy.modulate(p, rng.bytes(50))
    sizes = []
    for _ in range(40):
        chunk = (rng.standard_normal(100_000) + 1j * rng.standard_normal(100_000)) * 0.1
        chunk[5000 : 5000 + burst.size] += burst
        rx.process(chunk.astype(np.complex64))
        sizes.append(rx._framer._buf.size)
    assert rx.counters["bursts"] == 40
    assert max(sizes) < 8 * 4200 + 200  # the framer holds at most one burst


@pytest.mark.parametrize("name", ["gfsk9k6", "gfsk250k"])
def test_bursts_of_one_key_up_16_symbols_apart(name):
    p = get_profile(name)
    rng = np.random.default_rng(4)
    payloads = [rng.bytes(n) for n in (30, 2, 64, 10)]
    gap = np.zeros(16 * p.samples_per_symbol, np.complex64)
    key_up = np.concatenate([part for pl in payloads for part in (phy.modulate(p, pl), gap)])
    fs = p.sample_rate_hz
    stream = impair(key_up, rng=rng, sample_rate_hz=fs, cfo_hz=-17e3, ppm=-80, delay=0.6,
                    ebn0_db=12, bit_rate_bps=p.bit_rate_bps, pad=(3000, 2000))  # fmt: skip
    rx = Receiver(profile=p)
    assert [b.payload for b in rx.process(stream) + rx.flush()] == payloads


def _truncated_then_normal(p, rng, *, sample_rate_hz):
    """A burst cut after 100 of its announced 2098 bytes (a garbled header), then two bursts."""
    sps = p.samples_per_symbol * sample_rate_hz / p.sample_rate_hz
    cut = int((p.preamble_bits + p.sync_bits + 48 + 800) * sps)
    liar = phy.modulate(p, rng.bytes(2098), sample_rate_hz=sample_rate_hz)[:cut]
    payloads = [rng.bytes(100), rng.bytes(7)]
    gap = np.zeros(int(150 * sps), np.complex64)
    parts = [liar, gap]
    for payload in payloads:
        parts += [phy.modulate(p, payload, sample_rate_hz=sample_rate_hz), gap]
    x = impair(np.concatenate(parts), rng=rng, sample_rate_hz=sample_rate_hz, cfo_hz=9e3,
               ppm=30, delay=0.2, ebn0_db=12, bit_rate_bps=p.bit_rate_bps,
               pad=(int(100 * sps), 100))  # fmt: skip
    return x, payloads


@pytest.mark.parametrize(("name", "rate"), [("gfsk9k6", None), ("gfsk250k", 2.4e6)])
def test_a_header_announcing_more_than_was_sent_is_abandoned(name, rate):
    p = get_profile(name)
    rng = np.random.default_rng(11)
    x, payloads = _truncated_then_normal(p, rng, sample_rate_hz=rate or p.sample_rate_hz)
    rx = phy.make_receiver(p, sample_rate_hz=rate)
    bursts = rx.process(x) + rx.flush()
    assert [b.payload for b in bursts] == payloads
    assert rx.counters["abandoned"] == 1
    never = phy.make_receiver(p, sample_rate_hz=rate, carrier_end_ratio=0.0)
    assert never.process(x) + never.flush() == []  # the old behaviour: both swallowed


def test_symbol_sync_matches_reference_through_an_early_release():
    p = get_profile("gfsk9k6")
    rng = np.random.default_rng(5)
    x, _ = _truncated_then_normal(p, rng, sample_rate_hz=p.sample_rate_hz)
    rx = Receiver(profile=p)
    n = 16384
    y = np.zeros(n, dtype=np.complex64)
    f = np.zeros(n, dtype=np.float32)
    m = _kernels.front_end(x[: 2 * n], rx._fe_params, rx._fe_c, rx._fe_i, rx._ring1,
                           rx._ring2, rx._ring_p, rx._ring_x, y, f)  # fmt: skip
    results = []
    for impl in (_kernels, _reference):
        state = _copies(rx._sy_c, rx._sy_f, rx._sy_i, rx._ring, rx._ring_c, rx._ring_r)
        slots = np.zeros((4096, 8))
        llr = np.zeros(m, dtype=np.float32)
        k = impl.symbol_sync(y[:m], f[:m], rx._sy_params, rx._table, rx._columns, *state, llr,
                             slots)  # fmt: skip
        results.append((k, llr[:k], state))
    (k1, l1, s1), (k2, l2, s2) = results
    assert k1 == k2
    assert s1[2][_kernels.SY_RELEASE] > 0  # the hold of the cut burst ended early
    np.testing.assert_allclose(l1, l2, rtol=1e-5, atol=1e-6)
    for a, b in zip(s1, s2, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_late_lock_burst_is_held_and_decoded_and_twins_agree():
    p = get_profile("gfsk9k6")
    rng = np.random.default_rng(8)
    payload = bytes(40) + rng.bytes(20)  # a 320-bit run of one tone needs the hold
    bits = phy.framing.frame_bits(p, payload)
    bits[p.preamble_bits + np.array([0, 3, 6, 9, 12])] ^= 1  # 5 sync errors, tail exact
    x = impair(modulate_bits(p, bits), rng=rng, sample_rate_hz=p.sample_rate_hz, cfo_hz=-6e3,
               ppm=40, delay=0.4, ebn0_db=14, bit_rate_bps=p.bit_rate_bps,
               pad=(1200, 1600))  # fmt: skip
    rx = Receiver(profile=p)
    assert [b.payload for b in rx.process(x) + rx.flush()] == [payload]
    assert rx.counters["late_locks"] == 1
    twin = Receiver(profile=p)
    n = x.size // 2 + 8
    y = np.zeros(n, dtype=np.complex64)
    f = np.zeros(n, dtype=np.float32)
    m = _kernels.front_end(x, twin._fe_params, twin._fe_c, twin._fe_i, twin._ring1, twin._ring2,
                           twin._ring_p, twin._ring_x, y, f)  # fmt: skip
    results = []
    for impl in (_kernels, _reference):
        state = _copies(twin._sy_c, twin._sy_f, twin._sy_i, twin._ring, twin._ring_c,
                        twin._ring_r)  # fmt: skip
        llr = np.zeros(m, dtype=np.float32)
        k = impl.symbol_sync(y[:m], f[:m], twin._sy_params, twin._table, twin._columns, *state,
                             llr, np.zeros((4096, 8)))  # fmt: skip
        results.append((k, llr[:k], state))
    (k1, l1, s1), (k2, l2, s2) = results
    assert k1 == k2 and s1[2][_kernels.SY_LATE] == 1
    np.testing.assert_allclose(l1, l2, rtol=1e-5, atol=1e-6)
    for a, b in zip(s1, s2, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
