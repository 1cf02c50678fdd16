import math

import numpy as np
import pytest

from phy.errors import ConfigError
from phy.measure import (
    LinkSetup,
    ebn0_at_ber,
    measure_ber,
    measure_per,
    register_stage,
    run_stage,
    theory_ber,
    theory_ebn0_at_ber,
)
from phy.measure._bench import STAGES, BenchRecord

# bpsk1m at its native rate (2 samples/symbol) is the cheapest full receive chain
NATIVE = LinkSetup(profile="bpsk1m", sample_rate_hz=2e6, payload_bytes=64, max_block_samples=30_000)


def test_theory_curves():
    # Q(sqrt(2 Eb/N0)) via math.erfc, and the non-coherent FSK closed form
    for ebn0_db in (0.0, 6.0, 9.6):
        ebn0 = 10 ** (ebn0_db / 10)
        assert math.isclose(theory_ber("bpsk250k", ebn0_db), 0.5 * math.erfc(math.sqrt(ebn0)))
        assert math.isclose(theory_ber("qpsk1m", ebn0_db), theory_ber("bpsk1m", ebn0_db))
        assert math.isclose(theory_ber("gfsk9k6", ebn0_db), 0.5 * math.exp(-ebn0 / 2))
    assert abs(theory_ebn0_at_ber("bpsk1m", 1e-5) - 9.59) < 0.01  # the textbook 9.6 dB
    assert abs(theory_ebn0_at_ber("afsk1200", 1e-3) - 10.0 * math.log10(2 * math.log(500))) < 1e-6


def test_ebn0_at_ber_interpolates_in_log():
    assert ebn0_at_ber([0, 1, 2], [1e-1, 1e-2, 1e-4], 1e-3) == pytest.approx(1.5)
    assert ebn0_at_ber([0, 1], [1e-1, 1e-2], 1e-3) is None
    assert ebn0_at_ber([0, 1], [1e-2, 0.0], 1e-3) is None


def test_ber_is_zero_at_high_ebn0_and_near_theory_at_low():
    rng = np.random.default_rng(3)
    clean = measure_ber(NATIVE, 25.0, rng=rng, min_errors=100, max_bits=4000)
    assert clean.bits >= 4000 and clean.bit_errors == 0
    assert clean.detection == 1.0 and clean.false_alarms == 0
    noisy = measure_ber(NATIVE, 3.0, rng=rng, min_errors=100, max_bits=10**6)
    assert noisy.bit_errors >= 100
    assert 0.5 < noisy.ber / noisy.theory_ber < 2.5


def test_offsets_are_applied_and_tolerated_at_the_radio_rate():
    setup = LinkSetup(profile="bpsk1m", payload_bytes=32, max_block_samples=40_000)
    point = measure_ber(setup, 20.0, rng=np.random.default_rng(4), min_errors=10, max_bits=1000)
    assert point.bursts_sent >= 4 and point.detection == 1.0 and point.bit_errors == 0


class _Repetition:
    """A rate-1/3 repetition code: the smallest real codec for the FEC hook."""

    name = "rep3"

    def encode(self, info: bytes) -> bytes:
        return bytes(info) * 3

    def decode(self, llrs, n_info_bytes):
        soft = np.asarray(llrs[: 24 * n_info_bytes]).reshape(3, -1).sum(axis=0)
        return np.packbits(soft < 0).tobytes()


def test_per_hook_counts_packets_and_code_rate():
    codec = _Repetition()
    good = measure_per(
        NATIVE,
        20.0,
        codec,
        rng=np.random.default_rng(5),
        info_bytes=20,
        min_errors=5,
        max_packets=6,
    )
    assert good.packets >= 6 and good.packet_errors == 0 and good.info_rate < 1 / 3
    bad = measure_per(
        NATIVE,
        -2.0,
        codec,
        rng=np.random.default_rng(5),
        info_bytes=20,
        min_errors=5,
        max_packets=40,
    )
    assert bad.packet_errors >= 5


def test_link_setup_is_validated():
    with pytest.raises(ConfigError):
        LinkSetup(profile="bpsk1m", payload_bytes=0)
    with pytest.raises(ConfigError):
        LinkSetup(profile="nope")


def test_stage_registry_runs_registered_stages():
    def fake(profile, seconds):
        return [
            BenchRecord(
                profile="code",
                stage="fake",
                symbols_per_s=1.0,
                samples_per_s=2.0,
                realtime_factor=3.0,
            )
        ]

    register_stage("fake_test_stage", fake, per_profile=False)
    try:
        (record,) = run_stage("fake_test_stage", None, 0.01)
        assert record.to_dict()["realtime_factor"] == 3.0
    finally:
        del STAGES["fake_test_stage"]
    with pytest.raises(ConfigError):
        run_stage("no_such_stage", "bpsk1m", 0.01)
