import numpy as np
import pytest

from phy.dsp import _kernels, _reference
from phy.errors import ConfigError
from phy.framing import (
    BitFramer,
    decode_header,
    encode_header,
    frame_bits,
    golay24_encode,
)
from phy.profiles import get_profile


def _llrs(bits, rng, amplitude=6.0, sigma=1.0):
    return ((1 - 2 * bits.astype(np.float32)) * amplitude + rng.normal(0, sigma, bits.size)).astype(
        np.float32
    )


def test_golay_minimum_distance_is_eight():
    words = np.array([golay24_encode(d) for d in range(4096)], dtype=np.int64)
    weights = np.array([bin(int(w)).count("1") for w in words[1:]])
    assert weights.min() == 8


def test_header_corrects_errors_in_both_copies():
    bits = encode_header(1234)
    llrs = (1 - 2 * bits.astype(np.float32)) * 2
    llrs[[0, 5, 9, 30, 40, 47]] *= -1  # three errors per copy
    length, errors = decode_header(llrs)
    assert length == 1234 and errors == 6


def test_header_rejects_oversized_payload():
    with pytest.raises(ConfigError, match="4095"):
        encode_header(4096)


@pytest.mark.parametrize("n", [0, 1, 7, 4096])
@pytest.mark.parametrize("max_errors", [0, 3])
def test_sync_search_kernel_matches_reference(n, max_errors):
    rng = np.random.default_rng(n)
    p = get_profile("gfsk9k6")
    llrs = rng.normal(size=n).astype(np.float32)
    if n > 100:
        llrs[50:82] = 1 - 2 * ((p.sync_word >> np.arange(31, -1, -1)) & 1)
    results = []
    for impl in (_kernels, _reference):
        pos = np.zeros(max(n, 1), dtype=np.int64)
        err = np.zeros(max(n, 1), dtype=np.int64)
        k = impl.sync_search(llrs, 0, p.sync_word, 32, max_errors, pos, err)
        results.append((k, pos[:k].tolist(), err[:k].tolist()))
    assert results[0] == results[1]
    if n > 100:
        assert 82 in results[0][1]


@pytest.mark.parametrize("chunks", [1, 3, 50, 997])
def test_framer_is_chunk_invariant_and_finds_every_burst(chunks):
    rng = np.random.default_rng(7)
    p = get_profile("gfsk9k6")
    payloads = [rng.bytes(n) for n in (0, 1, 40, 300)]
    parts, starts = [], []
    pos = 0
    for payload in payloads:
        gap = rng.integers(0, 2, 333).astype(np.uint8)
        frame = frame_bits(p, payload)
        parts += [gap, frame]
        starts.append(pos + gap.size + p.preamble_bits)
        pos += gap.size + frame.size
    llrs = _llrs(np.concatenate(parts), rng)
    framer = BitFramer(profile=p)
    split = np.sort(rng.choice(np.arange(1, llrs.size), size=chunks - 1, replace=False))
    found = [b for part in np.split(llrs, split) for b in framer.push(part)]
    assert [np.packbits(b.llrs < 0).tobytes() for b in found] == payloads
    assert [b.sync_index for b in found] == starts


def test_framer_memory_is_bounded_on_noise():
    rng = np.random.default_rng(3)
    framer = BitFramer(profile=get_profile("gfsk9k6"), max_payload_bytes=64)
    for _ in range(200):
        assert framer.push(rng.normal(size=5000).astype(np.float32)) == []
    assert framer._buf.size < 64 * 8 + 200


def test_carrier_end_drops_a_payload_announced_too_long():
    rng = np.random.default_rng(9)
    p = get_profile("gfsk9k6")
    liar = frame_bits(p, rng.bytes(2098))[: p.preamble_bits + p.sync_bits + 48 + 800]
    payloads = [rng.bytes(100), rng.bytes(3)]
    parts = [liar, rng.integers(0, 2, 150).astype(np.uint8)]
    for payload in payloads:
        parts += [frame_bits(p, payload), rng.integers(0, 2, 150).astype(np.uint8)]
    llrs = _llrs(np.concatenate(parts), rng)
    end = liar.size + 40  # where a modem would see the carrier end
    framer = BitFramer(profile=p)
    found = framer.push(llrs[:end]) + framer.push(llrs[end:], carrier_end=end)
    assert [np.packbits(b.llrs < 0).tobytes() for b in found] == payloads
    assert framer.counters["abandoned"] == 1
    blind = BitFramer(profile=p)
    assert blind.push(llrs) == []  # without it the long payload swallows both bursts
    assert blind.counters["abandoned"] == 0


@pytest.mark.parametrize("late_lock", [False, True])
def test_late_lock_takes_a_sync_word_wrong_only_in_its_head(late_lock):
    rng = np.random.default_rng(12)
    p = get_profile("gfsk9k6")
    payloads = [rng.bytes(20), rng.bytes(5)]
    frames = [frame_bits(p, payload) for payload in payloads]
    head = p.preamble_bits + np.array([0, 2, 3, 5, 7, 9, 11])  # 7 errors in the first 16 bits
    frames[0][head] ^= 1
    header = p.preamble_bits + p.sync_bits + np.array([1, 30, 44, 47])  # 4 header errors
    frames[1][head[:5]] ^= 1
    frames[1][header] ^= 1
    gap = rng.integers(0, 2, 200).astype(np.uint8)
    llrs = _llrs(np.concatenate([gap, frames[0], gap, frames[1], gap]), rng)
    framer = BitFramer(profile=p, late_lock=late_lock)
    found = framer.push(llrs)
    # the second burst's header has 4 errors: too many after a late lock (3), fine otherwise
    assert [np.packbits(b.llrs < 0).tobytes() for b in found] == payloads[:1] * late_lock
    assert framer.counters["late_locks"] == late_lock
    assert framer.counters["late_hits"] == 2 * late_lock
