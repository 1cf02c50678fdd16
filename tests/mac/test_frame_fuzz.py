"""Fuzzing: random and mutated soft bits never raise and never give a false frame.

10^6 random rows go through the batched early-reject path (the same header checks as the
full decoder); a few thousand random and mutated bursts through the full decoder. The full
10^6 through ``decode_frame`` is ``python -m mac.frame.fuzz`` (numbers in docs/fec.md).
"""

import numpy as np
import pytest

from mac.frame import Frame, decode_frame, encode_frame, screen_headers
from mac.frame.fuzz import fuzz_full, fuzz_screen, random_frame


def test_screen_passes_valid_headers_and_length():
    rng = np.random.default_rng(0)
    rows, sizes = [], []
    for _ in range(8):
        *_, frame = random_frame(rng)
        bits = 1 - 2 * np.unpackbits(np.frombuffer(frame, np.uint8)).astype(np.float32)
        rows.append(bits[:440])
        sizes.append(bits.size)
    ok = screen_headers(np.stack(rows), np.array(sizes))
    assert ok.all()
    assert not screen_headers(np.stack(rows), np.array(sizes) + 8).any()


def test_a_million_random_headers_are_rejected():
    stats = fuzz_screen(1_000_000, np.random.default_rng(1), chunk=100_000)
    assert stats["rows"] == 1_000_000
    assert stats["false_accepts"] == 0


def test_random_and_mutated_bursts_never_raise_or_false_accept():
    stats = fuzz_full(3000, np.random.default_rng(2))
    assert stats["false_accepts"] == 0
    assert stats["recovered"] > 100 and stats["mutated"] > 1000  # the fuzzer reached decode


def test_degenerate_inputs():
    for llrs in (
        np.zeros(0, np.float32),
        np.zeros(7, np.float32),
        np.full(4000, np.nan, np.float32),
        np.full(4000, np.inf, np.float32),
        np.zeros(4000, np.float32),
        np.ones(100_000, np.float32),
    ):
        assert not isinstance(decode_frame(llrs), Frame)
    frame = encode_frame(random_frame(np.random.default_rng(3))[0], b"x", fec="rs+conv")
    bits = 1 - 2 * np.unpackbits(np.frombuffer(frame, np.uint8)).astype(np.float64)
    assert isinstance(decode_frame(bits.tolist()), Frame)  # any array-like of floats


@pytest.mark.parametrize("n", [0, 1, 7, 4096])
def test_disagreement_kernel_matches_reference(n):
    from mac.frame import _kernels, _reference

    rng = np.random.default_rng(n)
    rows = rng.normal(size=(n, 440)).astype(np.float32)
    if n:
        rows[0, :3] = [np.nan, np.inf, -np.inf]
    flip = rng.integers(0, 2, 220).astype(np.int8)
    outs = []
    for impl in (_kernels, _reference):
        out = np.zeros(n, np.int64)
        impl.header_disagreements(rows, flip, out)
        outs.append(out)
    assert np.array_equal(*outs)
