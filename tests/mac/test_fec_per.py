"""PER simulation API (the numbers themselves live in docs/fec.md)."""

import numpy as np
import pytest

from mac.fec.per import PerPoint, ebn0_at_per, simulate_per
from phy.errors import ConfigError


def test_clean_channel_delivers_every_frame_and_a_hopeless_one_none():
    rng = np.random.default_rng(0)
    good = simulate_per("qpsk250k", "rs+conv", 8.0, rng, payload_bytes=64, max_frames=20)
    assert good.frames == 20 and good.frame_errors == 0
    assert 0.2 < good.info_rate < 0.5
    bad = simulate_per("qpsk250k", "conv", -3.0, rng, payload_bytes=64, min_errors=5)
    assert bad.frame_errors == 5 and bad.per > 0.5


def test_softsync_channel_finds_the_burst():
    rng = np.random.default_rng(3)
    point = simulate_per(
        "qpsk250k", "rs+conv", 10.0, rng, payload_bytes=32, max_frames=10, channel="softsync"
    )
    assert point.frames == 10 and point.frame_errors == 0


def test_llr_channel_counts_sync_losses():
    rng = np.random.default_rng(1)
    point = simulate_per(
        "bpsk250k", "none", -2.0, rng, payload_bytes=16, min_errors=10, channel="llr"
    )
    assert point.frame_errors == 10 and "sync" in point.causes


def test_ebn0_at_per_interpolates_in_log_per():
    def pt(e, errors, frames):
        return PerPoint(
            fec="rs",
            ebn0_db=e,
            frames=frames,
            frame_errors=errors,
            channel="aligned",
            payload_bytes=255,
            burst_bits=3168,
        )

    points = [pt(1.0, 100, 1000), pt(2.0, 100, 100_000)]  # PER 1e-1 then 1e-3
    assert ebn0_at_per(points, 0.01) == pytest.approx(1.5)
    assert ebn0_at_per(points[:1], 0.01) is None


def test_unknown_channel_is_a_config_error():
    with pytest.raises(ConfigError, match="channel"):
        simulate_per("qpsk250k", "rs", 3.0, np.random.default_rng(2), channel="radio")


def test_cli_takes_one_ebn0_value_and_rejects_a_bad_range(capsys):
    from mac.fec.per import main

    assert main(["--fec", "rs", "--ebn0", "9", "--payload-bytes", "16", "--max-frames", "3"]) == 0
    assert "| rs | 9.00 | 3 |" in capsys.readouterr().out
    assert main(["--fec", "rs", "--ebn0", "3:x"]) == 2
    assert "START:STOP:STEP" in capsys.readouterr().err
