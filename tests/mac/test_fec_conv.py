"""Convolutional code, Viterbi kernels against their NumPy twins, interleaver, whitening, CRCs."""

import binascii
import zlib

import numpy as np
import pytest

from mac.fec import _kernels, _reference
from mac.fec.conv import (
    branch_table,
    conv_encode,
    viterbi_decode,
    viterbi_decode_many,
    viterbi_decode_soft,
)
from mac.fec.crc import crc16, crc16_rows, crc32
from mac.fec.interleave import deinterleave, interleave, interleaver_permutation
from mac.fec.whiten import dewhiten_llrs, pn9_bits, whiten_bits


def _slow_encode(bits):
    reg, out = 0, []
    for b in [*bits, 0, 0, 0, 0, 0, 0]:
        r = (int(b) << 6) | reg
        out += [bin(r & 0o171).count("1") & 1, bin(r & 0o133).count("1") & 1]
        reg = r >> 1
    return np.array(out, dtype=np.uint8)


def _llrs(code, rng, sigma):
    return ((1 - 2 * code.astype(np.float32)) + rng.normal(0, sigma, code.size)).astype(np.float32)


def test_encoder_matches_shift_register_definition():
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2, 300, dtype=np.uint8)
    assert np.array_equal(conv_encode(bits), _slow_encode(bits))


@pytest.mark.parametrize("n", [0, 1, 7, 4096])
def test_viterbi_kernels_match_reference(n):
    rng = np.random.default_rng(n)
    bits = rng.integers(0, 2, n, dtype=np.uint8)
    llrs = _llrs(conv_encode(bits), rng, 0.9)
    steps = n + 6
    outs = []
    for impl in (_kernels, _reference):
        decisions = np.zeros((steps, 64), np.uint8)
        out = np.zeros(steps, np.uint8)
        metric = impl.viterbi_decode(llrs, steps, branch_table(), decisions, out)
        diffs = np.zeros((steps, 64), np.float32)
        out2 = np.zeros(steps, np.uint8)
        rel = np.zeros(steps, np.float32)
        known = np.full(steps, -1, np.int8)
        metric2 = impl.viterbi_decode_soft(llrs, steps, branch_table(), known, diffs, out2, rel)
        outs.append((out, float(metric), out2, rel, float(metric2)))
    (a, ma, a2, ra, ma2), (b, mb, b2, rb, mb2) = outs
    assert np.array_equal(a, b) and np.array_equal(a2, b2) and np.array_equal(a, a2)
    assert ma == pytest.approx(mb, rel=1e-5) and ma2 == pytest.approx(mb2, rel=1e-5)
    assert np.allclose(ra, rb, rtol=1e-5, atol=1e-3)


def test_viterbi_corrects_spread_errors_and_noise():
    rng = np.random.default_rng(1)
    bits = rng.integers(0, 2, 2000, dtype=np.uint8)
    code = conv_encode(bits)
    llrs = (1 - 2 * code.astype(np.float32)) * 3
    llrs[::40] *= -1  # one hard error every 40 coded bits
    assert np.array_equal(viterbi_decode(llrs), bits)
    noisy = _llrs(code, rng, 0.75)  # Eb/N0 = 2.5 dB on the coded stream: errors before
    assert np.count_nonzero((noisy < 0) != code) > 50
    assert np.count_nonzero(viterbi_decode(noisy) != bits) <= 4


def test_viterbi_soft_margins_mark_the_errors():
    rng = np.random.default_rng(2)
    bits = rng.integers(0, 2, 4000, dtype=np.uint8)
    decoded, rel = viterbi_decode_soft(_llrs(conv_encode(bits), rng, 1.0))
    wrong = np.flatnonzero(decoded != bits)
    assert wrong.size > 0
    near = [rel[w : w + 10].min() for w in wrong]
    assert np.median(near) < np.median(rel)  # errors sit next to small margins


@pytest.mark.parametrize("n", [0, 1, 7, 4096])
def test_pinned_viterbi_kernel_matches_reference_and_obeys_pins(n):
    rng = np.random.default_rng(n + 1)
    bits = rng.integers(0, 2, n, dtype=np.uint8)
    llrs = _llrs(conv_encode(bits), rng, 1.2)
    steps = n + 6
    known = np.full(steps, -1, np.int8)
    pinned = rng.random(n) < 0.5
    known[:n][pinned] = 1 - bits[pinned]  # pin to the WRONG values: the decoder must obey
    outs = []
    for impl in (_kernels, _reference):
        out = np.zeros(steps, np.uint8)
        rel = np.zeros(steps, np.float32)
        diffs = np.zeros((steps, 64), np.float32)
        impl.viterbi_decode_soft(llrs, steps, branch_table(), known, diffs, out, rel)
        outs.append((out, rel))
    assert np.array_equal(outs[0][0], outs[1][0])
    assert np.allclose(outs[0][1], outs[1][1], rtol=1e-5, atol=1e-3)
    assert np.array_equal(outs[0][0][:n][pinned], 1 - bits[pinned])


def test_pinning_correct_bits_repairs_the_free_ones():
    rng = np.random.default_rng(9)
    bits = rng.integers(0, 2, 4000, dtype=np.uint8)
    llrs = _llrs(conv_encode(bits), rng, 1.25)  # Eb/N0 about 1 dB: many errors
    free_errors = np.count_nonzero(viterbi_decode(llrs) != bits)
    known = np.where(np.arange(4000) % 16 < 8, bits, -1).astype(np.int8)  # every other byte
    decoded, _ = viterbi_decode_soft(llrs, known)
    pinned_errors = np.count_nonzero(decoded != bits)
    assert free_errors > 20 and pinned_errors < free_errors / 3


def test_viterbi_many_matches_single_and_survives_garbage():
    rng = np.random.default_rng(3)
    rows = rng.normal(0, 3, (5, 220)).astype(np.float32)
    rows[0, :5] = [np.nan, np.inf, -np.inf, 1e30, -1e30]
    many = viterbi_decode_many(rows)
    for r in range(5):
        assert np.array_equal(many[r], viterbi_decode(rows[r]))


@pytest.mark.parametrize("n", [0, 1, 7, 20, 76, 4096, 5180])
def test_interleaver_round_trip_and_spread(n):
    rng = np.random.default_rng(n)
    x = rng.normal(size=n).astype(np.float32)
    assert np.array_equal(deinterleave(interleave(x)), x)
    perm = interleaver_permutation(n)
    assert np.array_equal(np.sort(perm), np.arange(n))
    if n >= 76:  # neighbours on the air are at least a column count apart in the code
        assert np.min(np.abs(np.diff(perm))) >= np.sqrt(n) - 1


def test_pn9_is_the_maximal_length_sequence():
    seq = pn9_bits(1022)
    assert np.array_equal(seq[:511], seq[511:])
    assert seq[:511].sum() == 256  # m-sequence balance
    # independent Fibonacci formulation: w[k + 9] = w[k] ^ w[k + 5]
    assert np.array_equal(seq[9:], seq[:-9] ^ seq[5:-4])
    assert np.array_equal(seq[:9], np.ones(9, np.uint8))


def test_whitening_round_trips_bits_and_llrs():
    rng = np.random.default_rng(4)
    bits = rng.integers(0, 2, 1000, dtype=np.uint8)
    assert np.array_equal(whiten_bits(whiten_bits(bits)), bits)
    llrs = 1 - 2 * whiten_bits(bits).astype(np.float32)
    assert np.array_equal(dewhiten_llrs(llrs) < 0, bits.astype(bool))


def test_crcs_match_zlib_and_binascii():
    rng = np.random.default_rng(5)
    rows = rng.integers(0, 256, (50, 11), dtype=np.uint8)
    for row in rows:
        assert crc32(row.tobytes()) == zlib.crc32(row.tobytes())
        assert crc16(row.tobytes()) == binascii.crc_hqx(row.tobytes(), 0xFFFF)
    assert list(crc16_rows(rows)) == [crc16(r.tobytes()) for r in rows]


def test_importing_fec_and_frame_compiles_nothing():
    import subprocess
    import sys

    code = (
        "import sys, mac.fec, mac.frame, mac.fec.per, mac.fec.bench; print('numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
