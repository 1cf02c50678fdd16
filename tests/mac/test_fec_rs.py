"""The Numba Reed-Solomon codec against reedsolo (the reference), kernel against twin."""

import numpy as np
import pytest
import reedsolo

from mac.fec import _kernels, _reference
from mac.fec._gf import rs_tables
from mac.fec.rs import rs_chunk_sizes, rs_decode, rs_encode
from phy.errors import ConfigError

NSYM = 32


def _codeword(rng, k, nsym=NSYM):
    msg = rng.integers(0, 256, k, dtype=np.uint8).tobytes()
    return msg, np.frombuffer(rs_encode(msg, nsym=nsym), dtype=np.uint8)


@pytest.mark.parametrize("nsym", [2, 10, 32])
def test_encode_matches_reedsolo(nsym):
    rng = np.random.default_rng(nsym)
    codec = reedsolo.RSCodec(nsym)
    for k in [1, 2, 17, 100, 255 - nsym]:
        msg = rng.integers(0, 256, k, dtype=np.uint8).tobytes()
        assert rs_encode(msg, nsym=nsym) == bytes(codec.encode(msg))


def _corrupt(rng, word, n_errors, n_erasures):
    n = word.size
    rx = word.copy()
    err = rng.choice(n, n_errors, replace=False)
    rx[err] ^= rng.integers(1, 256, n_errors, dtype=np.uint8)
    erase = sorted(int(p) for p in rng.choice(n, n_erasures, replace=False))
    return rx, erase


def test_decode_matches_reedsolo_up_to_and_beyond_capacity():
    rng = np.random.default_rng(1)
    codec = reedsolo.RSCodec(NSYM)
    outcomes = {"corrected": 0, "failed": 0}
    for trial in range(400):
        k = int(rng.integers(1, 256 - NSYM))
        msg, word = _codeword(rng, k)
        n_erasures = int(rng.integers(0, 36)) if trial % 2 else 0
        n_errors = int(rng.integers(0, 30))
        rx, erase = _corrupt(rng, word, min(n_errors, word.size), min(n_erasures, word.size))
        ours, count = rs_decode(rx.tobytes(), erase_pos=erase)
        try:
            theirs, _full, errata = codec.decode(rx.tobytes(), erase_pos=erase or None)
            ref = bytes(theirs)
            ref_errors = len(errata) - len(erase)
            within = 2 * ref_errors + len(erase) <= NSYM
        except reedsolo.ReedSolomonError:
            ref, within = None, True
        if ref is not None and not within:
            # reedsolo accepted a word beyond 2e + f <= nsym; we must report failure
            assert ours is None
            continue
        assert ours == ref
        if ours is not None:
            assert count >= 0
            outcomes["corrected"] += 1
            if 2 * n_errors + len(erase) <= NSYM:
                assert ours == msg
        else:
            outcomes["failed"] += 1
            assert 2 * n_errors + len(erase) > NSYM  # within capacity never fails
    assert outcomes["corrected"] > 50 and outcomes["failed"] > 50


def test_beyond_capacity_never_returns_a_non_codeword():
    rng = np.random.default_rng(2)
    codec = reedsolo.RSCodec(NSYM)
    for _ in range(300):
        _msg, word = _codeword(rng, 223)
        rx, _ = _corrupt(rng, word, int(rng.integers(17, 60)), 0)
        ours, _count = rs_decode(rx.tobytes())
        if ours is not None:  # a miscorrection must still be a codeword within radius 16
            fixed = rs_encode(ours)
            assert codec.check(fixed)[0]
            assert np.count_nonzero(np.frombuffer(fixed, np.uint8) != rx) <= NSYM // 2


def test_clean_word_decodes_with_zero_corrections():
    rng = np.random.default_rng(3)
    msg, word = _codeword(rng, 50)
    assert rs_decode(word.tobytes()) == (msg, 0)


@pytest.mark.parametrize("n_blocks", [0, 1, 7, 16])
def test_decode_many_kernel_matches_reference(n_blocks):
    rng = np.random.default_rng(n_blocks)
    t = rs_tables(NSYM)
    lengths = rng.integers(NSYM + 1, 256, n_blocks).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)[:n_blocks]
    parts, masks = [], []
    for n in lengths:
        _, word = _codeword(rng, int(n) - NSYM)
        rx, erase = _corrupt(rng, word, int(rng.integers(0, 20)), int(rng.integers(0, 10)))
        mask = np.zeros(word.size, np.uint8)
        mask[erase] = 1
        parts.append(rx)
        masks.append(mask)
    buf = np.concatenate(parts) if parts else np.zeros(0, np.uint8)
    mask = np.concatenate(masks) if masks else np.zeros(0, np.uint8)
    results = []
    for impl in (_kernels, _reference):
        out = np.zeros_like(buf)
        status = np.zeros(n_blocks, np.int64)
        impl.rs_decode_many(
            buf, starts, lengths, mask, NSYM, 0, t.exp, t.log, t.syn_mul, out, status
        )
        results.append((out, status))
    ok = results[0][1] >= 0
    assert np.array_equal(ok, results[1][1] >= 0)
    for b in np.flatnonzero(ok):
        s, e = starts[b], starts[b] + lengths[b]
        assert np.array_equal(results[0][0][s:e], results[1][0][s:e])


def test_bad_arguments_raise_config_error():
    with pytest.raises(ConfigError, match="at most 223"):
        rs_encode(bytes(224))
    with pytest.raises(ConfigError, match="erasure position"):
        rs_decode(bytes(40), erase_pos=[40])
    with pytest.raises(ConfigError, match="RS word"):
        rs_decode(bytes(300))


def test_chunk_sizes_are_even_and_cover_the_block():
    for n in [1, 4, 223, 224, 259, 1504]:
        sizes = rs_chunk_sizes(n)
        assert sum(sizes) == n and max(sizes) <= 223 and max(sizes) - min(sizes) <= 1
        assert len(sizes) == -(-n // 223)


@pytest.mark.parametrize("k", [1, 7, 100, 223])
def test_encode_kernel_matches_reference(k):
    rng = np.random.default_rng(k)
    t = rs_tables(NSYM)
    msg = rng.integers(0, 256, k, dtype=np.uint8)
    outs = []
    for impl in (_kernels, _reference):
        out = np.zeros(k + NSYM, np.uint8)
        impl.rs_encode(msg, NSYM, t.exp, t.log, t.gen_log, out)
        outs.append(out)
    assert np.array_equal(*outs)
