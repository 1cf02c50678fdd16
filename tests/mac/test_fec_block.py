"""Log-MAP (BCJR) kernel against its twin and exact enumeration; GMD decoding of rs+conv."""

import itertools

import numpy as np
import pytest

from mac.fec import FecLevel, _kernels, _reference, decode_block, encode_block
from mac.fec.conv import (
    bcjr_decode,
    branch_table,
    conv_encode,
    jacobian_table,
    viterbi_decode,
    viterbi_decode_soft,
)
from phy.errors import ConfigError


def _noisy(code, rng, sigma):
    y = (1 - 2 * code.astype(np.float32)) + rng.normal(0, sigma, code.size)
    return (2 / sigma**2 * y).astype(np.float32)


@pytest.mark.parametrize("n", [0, 1, 7, 4096])
def test_bcjr_kernel_matches_reference(n):
    rng = np.random.default_rng(n + 11)
    bits = rng.integers(0, 2, n, dtype=np.uint8)
    llrs = _noisy(conv_encode(bits), rng, 1.0)
    steps = n + 6
    known = np.full(steps, -1, np.int8)
    known[:n][rng.random(n) < 0.2] = 1
    outs = []
    for impl in (_kernels, _reference):
        out = np.zeros(steps, np.float32)
        alpha = np.zeros((steps + 1, 64), np.float32)
        impl.bcjr_llrs(llrs, steps, branch_table(), known, jacobian_table(), alpha, out)
        outs.append(out)
    assert np.allclose(outs[0], outs[1], rtol=1e-5, atol=1e-3)
    assert np.all(outs[0][known == 1] < -1e29)  # pinned to 1


def test_bcjr_is_log_map_by_enumeration():
    rng = np.random.default_rng(5)
    n = 6
    bits = rng.integers(0, 2, n, dtype=np.uint8)
    llrs = _noisy(conv_encode(bits), rng, 1.3)
    words = [np.array(u, np.uint8) for u in itertools.product([0, 1], repeat=n)]
    weights = np.array([0.5 * np.dot(1 - 2.0 * conv_encode(u), llrs) for u in words])
    exact = [
        np.logaddexp.reduce(weights[[u[t] == 0 for u in words]])
        - np.logaddexp.reduce(weights[[u[t] == 1 for u in words]])
        for t in range(n)
    ]
    assert np.allclose(bcjr_decode(llrs), exact, atol=0.03)
    maxlog = np.array(
        [max(w for w, u in zip(weights, words, strict=True) if u[t] == 0) for t in range(n)]
    )
    maxlog -= [max(w for w, u in zip(weights, words, strict=True) if u[t] == 1) for t in range(n)]
    assert not np.allclose(maxlog, exact, atol=0.03)  # the correction table matters here


def test_bcjr_survives_garbage_and_checks_lengths():
    rng = np.random.default_rng(2)
    x = rng.normal(0, 1e6, 200).astype(np.float32)
    x[::17] = np.nan
    x[5] = np.inf
    assert np.all(np.isfinite(bcjr_decode(x)))
    with pytest.raises(ConfigError):
        bcjr_decode(np.zeros(13, np.float32))
    with pytest.raises(ConfigError):
        bcjr_decode(np.zeros(40, np.float32), known=np.zeros(3, np.int8))


def test_app_reliability_marks_viterbi_errors():
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2, 8000, dtype=np.uint8)
    llrs = _noisy(conv_encode(bits), rng, 0.85)  # the rs+conv operating point
    decided = viterbi_decode(llrs)
    wrong = decided != bits
    assert 50 < wrong.sum() < 400
    rel = bcjr_decode(llrs) * (1 - 2 * decided.astype(np.float32))
    ranks = np.argsort(np.argsort(rel))
    assert np.median(ranks[wrong]) < 0.04 * bits.size  # errors sit among the weakest bits
    _, margins = viterbi_decode_soft(llrs)
    margin_ranks = np.argsort(np.argsort(margins[: bits.size]))
    assert np.median(margin_ranks[wrong]) > 2 * np.median(ranks[wrong])  # far better


def _block_llrs(rng, n, ebn0_db):
    data = rng.bytes(n)
    bits = encode_block(data, FecLevel.RS_CONV)
    rate = 8 * 255 / 5768  # a 255-byte payload's burst (docs/fec.md)
    sigma = np.sqrt(1 / (2 * 10 ** (ebn0_db / 10) * rate))
    return data, _noisy(bits, rng, sigma)


def test_gmd_rescues_blocks_the_errors_only_decoder_loses():
    rng = np.random.default_rng(21)
    lost = rescued = wrong = 0
    for _ in range(60):
        data, llrs = _block_llrs(rng, 259, 2.6)
        if decode_block(llrs, FecLevel.RS_CONV, 259, erasures=False).data == data:
            continue
        lost += 1
        out = decode_block(llrs, FecLevel.RS_CONV, 259).data
        rescued += out == data
        wrong += out is not None and out != data
    assert lost >= 5 and rescued >= 0.6 * lost and wrong == 0


def test_clean_and_hopeless_blocks():
    rng = np.random.default_rng(4)
    data = rng.bytes(100)
    bits = encode_block(data, FecLevel.RS_CONV)
    clean = 4 * (1 - 2 * bits.astype(np.float32))
    result = decode_block(clean, FecLevel.RS_CONV, 100)
    assert result.data == data and result.rs_corrected == 0 and result.rs_erasures == 0
    noise = rng.normal(0, 1, bits.size).astype(np.float32)
    assert decode_block(noise, FecLevel.RS_CONV, 100).data is None


def test_erasure_sets_kernel_matches_reference_and_finds_the_first_success():
    from mac.fec._gf import FCR, rs_tables
    from mac.fec.rs import rs_encode

    rng = np.random.default_rng(8)
    t = rs_tables(32, FCR)
    word = np.frombuffer(rs_encode(rng.bytes(129)), np.uint8)
    rx = word.copy()
    bad = rng.choice(word.size, 22, replace=False)
    rx[bad] ^= rng.integers(1, 256, bad.size, dtype=np.uint8)
    order = np.concatenate([bad, np.setdiff1d(np.arange(word.size), bad)])
    order[[10, 25]] = order[[25, 10]]  # one error ranked after a correct byte
    counts = [4, 8, 14, 16, 20]
    sets = np.zeros((len(counts), 20), np.int64)
    for row, count in enumerate(counts):
        sets[row, :count] = np.arange(count)
    sizes = np.array(counts, np.int64)
    found = []
    for impl in (_kernels, _reference):
        out = np.zeros_like(rx)
        mask = np.zeros_like(rx)
        args = (32, FCR, t.exp, t.log, t.syn_mul, mask, out)
        first = impl.rs_decode_sets(rx, order, sets, sizes, 0, *args)
        decoded = out.copy()
        none = impl.rs_decode_sets(rx, order, sets[:2], sizes[:2], 0, *args)
        found.append((first, none, decoded))
    # 14 erased, 13 of them errors: 2 * 9 + 14 = 32 decodes; 8 erased: 2 * 14 + 8 = 36 fails
    assert found[0][0] // 256 == 2 and found[0][0] == found[1][0]
    assert found[0][1] == found[1][1] == -1
    assert np.array_equal(found[0][2], word) and np.array_equal(found[1][2], word)


def test_chase_search_rescues_blocks_gmd_and_pinning_lose(monkeypatch):
    import mac.fec._block as block

    rng = np.random.default_rng(22)
    cases = [_block_llrs(rng, 259, 2.5) for _ in range(100)]
    with_chase = [decode_block(llrs, FecLevel.RS_CONV, 259).data for _, llrs in cases]
    monkeypatch.setattr(block, "CHASE_MAX_CANDIDATES", 0)
    without = [decode_block(llrs, FecLevel.RS_CONV, 259).data for _, llrs in cases]
    sent = [data for data, _ in cases]
    rescued = sum(a == d != b for a, b, d in zip(with_chase, without, sent, strict=True))
    lost = sum(b == d != a for a, b, d in zip(with_chase, without, sent, strict=True))
    assert rescued >= 3 and lost == 0
    assert all(a is None or a == d for a, d in zip(with_chase, sent, strict=True))
