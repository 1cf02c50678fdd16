"""PSK carrier-recovery kernels against their NumPy twins, and what they recover."""

import numpy as np
import pytest
from scipy.special import erfc

from phy.framing import encode_header, golay24_encode
from phy.profiles import get_profile
from phy.psk import _carrier_kernels, _carrier_reference
from phy.psk._modulator import bits_to_symbols, preamble_symbols

LENGTHS = [0, 1, 7, 4096]
NAMES = ["bpsk250k", "qpsk250k"]
IMPLS = (_carrier_kernels, _carrier_reference)
PRE_TAIL = 64  # preamble symbols before the sync word the receiver's fit uses
SEARCH_TAIL = 16  # and those its sync search correlates with
MAX_PRE_ERROR_RAD = 0.04  # the receiver's sync-word fit range around the preamble's frequency


def _noise(n, rng, n0=1.0):
    """Complex Gaussian noise of total variance ``n0`` (complex64)."""
    return (
        (rng.standard_normal((n, 2)) * np.sqrt(n0 / 2)).astype(np.float32).view(np.complex64)[:, 0]
    )


def _random_symbols(qpsk, n, rng):
    if qpsk:
        return np.exp(1j * (np.pi / 4 + np.pi / 2 * rng.integers(0, 4, n))).astype(np.complex64)
    return (1 - 2 * rng.integers(0, 2, n)).astype(np.complex64)


def _known(p):
    """(pre_tail, pre_next, sync_syms, sync_bits, golay) as the receiver builds them."""
    n_sync = p.sync_bits // p.bits_per_symbol
    bits = (np.arange(p.preamble_bits + n_sync) % 2 == 0).astype(np.uint8)
    pre_tail = preamble_symbols(p, bits[p.preamble_bits - PRE_TAIL : p.preamble_bits])
    pre_next = preamble_symbols(p, bits[p.preamble_bits :])
    sync_bits = ((p.sync_word >> np.arange(p.sync_bits - 1, -1, -1)) & 1).astype(np.uint8)
    golay = np.array([golay24_encode(d) for d in range(4096)], dtype=np.int64)
    return pre_tail, pre_next, bits_to_symbols(p, sync_bits), sync_bits, golay


def _burst(p, rng, *, n_lead, n_data, length, esn0, w, phi):
    """Noise lead, preamble, sync word, header of ``length``, random data: unit symbols times
    ``exp(j (phi + w k))`` plus noise of variance ``1 / esn0``. Returns (symbols, sync
    position)."""
    bps = p.bits_per_symbol
    pre_bits = (np.arange(p.preamble_bits) % 2 == 0).astype(np.uint8)
    sync_bits = ((p.sync_word >> np.arange(p.sync_bits - 1, -1, -1)) & 1).astype(np.uint8)
    data = rng.integers(0, 2, n_data * bps).astype(np.uint8)
    clean = np.concatenate(
        [
            np.zeros(n_lead, np.complex64),
            preamble_symbols(p, pre_bits),
            bits_to_symbols(p, np.concatenate([sync_bits, encode_header(length), data])),
        ]
    )
    k = np.arange(clean.size)
    z = clean * np.exp(1j * (phi + w * k)) + _noise(clean.size, rng, 1.0 / esn0)
    return z.astype(np.complex64), n_lead + p.preamble_bits


def _wrap(x):
    return np.angle(np.exp(1j * np.asarray(x)))


# ----------------------------------------------------------------- kernels vs twins
@pytest.mark.parametrize("n", LENGTHS)
def test_carrier_fit_matches_reference(n):
    rng = np.random.default_rng(n)
    ref = _random_symbols(True, n, rng)
    z = (0.8 * ref * np.exp(1j * (0.3 + 0.05 * np.arange(n))) + _noise(n, rng, 0.3)).astype(
        np.complex64
    )
    outs = []
    for impl in IMPLS:
        out = np.full(4, np.nan)
        impl.carrier_fit(z, ref, 0.01, 0.1, out)
        outs.append(out)
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-9, atol=1e-12)
    if n == 4096:
        assert outs[0][0] == pytest.approx(0.05, abs=1e-4)


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("name", NAMES)
def test_sync_candidates_matches_reference(n, name):
    rng = np.random.default_rng(n)
    p = get_profile(name)
    pre_tail, pre_next, sync_syms, _, _ = _known(p)
    if n == 4096:
        z, _ = _burst(p, rng, n_lead=10, n_data=n, length=40, esn0=2.0, w=0.01, phi=1.0)
        z = z[:n]
    else:
        z = _noise(n, rng)
    z[: min(n, 30)] = 0  # silence: equal (zero) metrics, ranked by position
    patterns = [(pre_tail[-SEARCH_TAIL:], pre_next, sync_syms)]  # the receiver's
    patterns.append((pre_tail[-3:], pre_next[:4], sync_syms[:4]))  # short enough for n = 7
    for tail, nxt, sync in patterns:
        for n_pos in (n, 40):
            outs = []
            for impl in IMPLS:
                out = np.full(12, -7, dtype=np.int64)
                impl.sync_candidates(z, 0.009, n_pos, tail, nxt, sync, out)
                outs.append(out)
            np.testing.assert_array_equal(outs[0], outs[1])
            found = outs[0][outs[0] >= 0]
            assert found.size == min(12, max(min(n_pos, n - sync.size + 1), 0))
            assert np.unique(found).size == found.size


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("name", NAMES)
def test_check_sync_matches_reference(n, name):
    rng = np.random.default_rng(n)
    p = get_profile(name)
    qpsk = p.modulation == "qpsk"
    pre_tail, _, sync_syms, sync_bits, golay = _known(p)
    n_header = 48 // p.bits_per_symbol
    if n == 4096:
        z, pos = _burst(p, rng, n_lead=10, n_data=n, length=40, esn0=2.0, w=0.01, phi=1.0)
        z = z[:n]
        cases = [(q, sync_syms, sync_bits, 48) for q in (pos, pos - 2, pos + 1, 0, 9, 500)]
    else:  # as many sync and header symbols as fit in n
        q = n // 2
        n_sync = min(2, n - q)
        n_head = n - q - n_sync
        z = _noise(n, rng)
        bits = sync_bits[: n_sync * p.bits_per_symbol]
        cases = [(q, sync_syms[:n_sync], bits, s) for s in (0, n_head * p.bits_per_symbol)]
    for q, sync, bits, n_soft in cases:
        results = []
        for impl in IMPLS:
            header = np.full(n_header, 9, np.complex64)
            soft = np.full(n_soft, 9, np.float32)
            out = np.full(8, np.nan)
            impl.check_sync(z, q, pre_tail, sync, bits, qpsk, 0.009, 0.04, golay, header, soft, out)
            results.append((header, soft, out))
        np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(results[0][2][[4, 6, 7]], results[1][2][[4, 6, 7]])
        np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("n", [*LENGTHS, 4001])  # 4001: a last block of one symbol
@pytest.mark.parametrize("name", NAMES)
def test_carrier_track_matches_reference(n, name):
    rng = np.random.default_rng(n)
    qpsk = get_profile(name).modulation == "qpsk"
    k = np.arange(n)
    walk = np.cumsum(rng.normal(0.0, 0.003, n))
    theta = 0.3 + 3e-4 * k + walk
    z = (_random_symbols(qpsk, n, rng) * np.exp(1j * theta) + _noise(n, rng, 0.25)).astype(
        np.complex64
    )
    # with the frequency search; without it (the ramp left crosses branches both ways
    # from the middle of the known symbols); odd windows
    for n_known, w0, max_dw, half_window in ((min(n, 104), 1e-4, 1e-3, 120), (n, -1e-3, 0, 40)):
        results = []
        for impl in IMPLS:
            out = np.full(n, 9, np.complex64)
            w = impl.carrier_track(z, n_known, w0, 0.2, max_dw, half_window, qpsk, out)
            results.append((w, out))
        assert results[0][0] == pytest.approx(results[1][0], rel=1e-9, abs=1e-15)
        np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-5, atol=1e-5)
        assert np.all(results[0][1] != 9)


@pytest.mark.parametrize("n", LENGTHS)
def test_first_quiet_block_matches_reference(n):
    rng = np.random.default_rng(n)
    end = (3 * n) // 4  # the carrier stops here
    z = _noise(n, rng, 0.25)
    z[:end] += _random_symbols(True, end, rng)
    floor = 0.25 + 0.1  # noise plus a tenth of the signal power (as the receiver)
    for start, stop, block in ((0, n, 128), (0, n, 2), (min(n, 5), n, 3), (1, n - 1, 1)):
        found = [impl.first_quiet_block(z, start, stop, block, floor) for impl in IMPLS]
        assert found[0] == found[1]
        if found[0] >= 0:  # the start of a whole block
            assert start <= found[0] <= stop - block and (found[0] - start) % block == 0
        if n == 4096 and block == 128:  # 128 symbols: the first block of noise alone
            assert found[0] == -(-end // block) * block


# ----------------------------------------------------------------- behaviour
def _crb(esn0, n):
    """Cramer-Rao bounds (std) of frequency (rad/symbol), phase at k = 0 (rad) and amplitude
    for ``n`` known unit symbols at ``esn0`` = A^2 / N0."""
    var_w = 6.0 / (esn0 * n * (n * n - 1))
    var_phi = (1.0 + 3.0 * (n - 1) / (n + 1)) / (2.0 * esn0 * n)
    return np.sqrt(var_w), np.sqrt(var_phi)


@pytest.mark.parametrize("esn0", [1.0, 10.0])
def test_carrier_fit_recovers_frequency_phase_amplitude_and_noise(esn0):
    rng = np.random.default_rng(int(esn0))
    n, amp, max_w, trials = 96, 0.7, 0.1, 40
    n0 = amp * amp / esn0
    sigma_w, sigma_phi = _crb(esn0, n)
    sigma_a = np.sqrt(n0 / (2 * n))
    # the parabola through a grid of pi / (2n) steps leaves a bias well under 1% of a step
    bias_w = 0.01 * np.pi / (2 * n)
    k = np.arange(n)
    for w in (-0.1, -0.0371, 0.0, 0.0123, 0.06, 0.1):
        errors = []
        for _ in range(trials):
            ref = _random_symbols(True, n, rng)
            phi = rng.uniform(-np.pi, np.pi)
            clean = amp * ref * np.exp(1j * (phi + w * k))
            z = (clean + _noise(n, rng, n0)).astype(np.complex64)
            out = np.zeros(4)
            _carrier_kernels.carrier_fit(z, ref, 0.0, max_w, out)
            errors.append([out[0] - w, _wrap(out[1] - phi), out[2] - amp, out[3] / n0 - 1])
        e = np.array(errors)
        rms = np.sqrt(np.mean(e**2, axis=0))
        bounds = np.array([sigma_w + bias_w, sigma_phi + bias_w * n / 2, sigma_a, 1 / np.sqrt(n)])
        assert np.all(rms < 1.5 * bounds), (w, rms / bounds)
        assert np.all(np.abs(e).max(axis=0) < 5 * bounds), (w, np.abs(e).max(axis=0) / bounds)


@pytest.mark.parametrize("name", NAMES)
def test_sync_candidates_ranks_the_true_position_first(name):
    p = get_profile(name)
    pre_tail, pre_next, sync_syms, _, _ = _known(p)
    n_lead = 20
    for esn0, trials, least in ((4.0, 25, 25), (2.0, 25, 23)):  # 6 dB always, 3 dB nearly
        wins = 0
        for seed in range(trials):
            rng = np.random.default_rng(seed)
            w = rng.uniform(-0.05, 0.05)
            z, pos = _burst(
                p, rng, n_lead=n_lead, n_data=64, length=40, esn0=esn0, w=w, phi=rng.uniform(-3, 3)
            )
            out = np.zeros(12, dtype=np.int64)
            w_pre = w + rng.normal(0.0, 0.003)  # as a preamble fit leaves it
            tail = pre_tail[-SEARCH_TAIL:]
            _carrier_kernels.sync_candidates(z, w_pre, pos + 40, tail, pre_next, sync_syms, out)
            assert out.min() >= 0 and np.unique(out).size == out.size
            wins += out[0] == pos
            assert not n_lead <= out[0] < pos, "a position inside the preamble won"
        assert wins >= least, (esn0, wins)


@pytest.mark.parametrize("name", NAMES)
def test_check_sync_at_the_true_position(name):
    p = get_profile(name)
    qpsk = p.modulation == "qpsk"
    bps = p.bits_per_symbol
    pre_tail, _, sync_syms, sync_bits, golay = _known(p)
    n_known = PRE_TAIL + sync_syms.size
    for esn0, trials in ((4.0, 30), (100.0, 5)):
        # bit error rate of a known carrier: per bit Eb/N0 = Es/N0 / bps
        p_bit = 0.5 * erfc(np.sqrt(esn0 / bps))
        sigma_w, sigma_phi = _crb(esn0, n_known)
        sync_total = header_total = 0
        for seed in range(trials):
            rng = np.random.default_rng(seed)
            length = int(rng.integers(0, 4096))
            w, phi = rng.uniform(-0.05, 0.05), rng.uniform(-np.pi, np.pi)
            z, pos = _burst(p, rng, n_lead=20, n_data=8, length=length, esn0=esn0, w=w, phi=phi)
            header = np.zeros(48 // bps, np.complex64)
            soft = np.zeros(48, np.float32)
            out = np.zeros(8)
            center = w + rng.normal(0.0, 0.003)
            _carrier_kernels.check_sync(
                z, pos, pre_tail, sync_syms, sync_bits, qpsk, center, MAX_PRE_ERROR_RAD, golay,
                header, soft, out,
            )  # fmt: skip
            first = pos - PRE_TAIL
            assert out[7] == first
            assert abs(out[0] - w) < 5 * sigma_w + 0.01 * np.pi / (2 * n_known)
            assert abs(_wrap(out[1] - phi - w * first)) < 5 * sigma_phi + 0.01
            assert out[2] / np.sqrt(out[2] ** 2 + out[3]) > 0.6  # the receiver's fit threshold
            assert out[5] > 0.6  # far above noise (see the pure-noise test)
            truth = encode_header(length) != 0
            wrong = int(np.count_nonzero((soft < 0) != truth))
            assert out[6] == (length if wrong == 0 else -1)
            np.testing.assert_array_equal(_soft_bits(header, qpsk), soft)
            sync_total += int(out[4])
            header_total += wrong
        for total, bits in ((sync_total, p.sync_bits), (header_total, 48)):
            expected = trials * bits * p_bit
            # extrapolated phase errors cost a little SNR: 1.5x, plus 5 Poisson sigmas
            assert total <= 1.5 * expected + 5 * np.sqrt(expected) + 1, (esn0, total, expected)


def _soft_bits(header, qpsk):
    v = header.astype(np.complex64)
    return v.view(np.float32) if qpsk else v.real.astype(np.float32)


@pytest.mark.parametrize("name", NAMES)
def test_check_sync_on_noise_scores_low(name):
    p = get_profile(name)
    qpsk = p.modulation == "qpsk"
    pre_tail, _, sync_syms, sync_bits, golay = _known(p)
    rng = np.random.default_rng(11)
    scores, fitted = [], []
    positions = range(0, 200)
    for _ in range(10):
        z = _noise(300, rng)
        for pos in positions:
            out = np.zeros(8)
            header = np.zeros(48 // p.bits_per_symbol, np.complex64)
            soft = np.zeros(48, np.float32)
            _carrier_kernels.check_sync(
                z, pos, pre_tail, sync_syms, sync_bits, qpsk, 0.0, MAX_PRE_ERROR_RAD, golay,
                header, soft, out,
            )  # fmt: skip
            if pos < 16:  # too little preamble for a score
                assert out[5] == 0.0
                continue
            scores.append(out[5])
            n_known = min(pos, PRE_TAIL) + sync_syms.size
            fitted.append((out[2] / np.sqrt(out[2] ** 2 + out[3]), n_known))
    scores = np.array(scores)
    # noise against a carrier fitted on other symbols: mean 0, variance 1 / (2 n_sync)
    sigma = 1 / np.sqrt(2 * sync_syms.size)
    assert 0.8 * sigma < np.sqrt(np.mean(scores**2)) < 1.2 * sigma
    assert abs(np.mean(scores)) < sigma / 3
    # the fit's |sum|^2 / (n N0) on noise is at most a max of G unit exponentials
    # (G grid points): below ln(G * trials) + 14 with probability 1 - 1e-6
    for corr, n_known in fitted:
        grid = 2 * np.ceil(MAX_PRE_ERROR_RAD / (np.pi / (2 * n_known))) + 1
        assert corr < np.sqrt((np.log(grid * len(fitted)) + 14) / n_known)


@pytest.mark.parametrize("name", NAMES)
def test_carrier_track_follows_the_carrier_over_a_long_burst(name):
    qpsk = get_profile(name).modulation == "qpsk"
    n, n_known, esn0 = 4000, 104, 2.0  # 3 dB, as on a strongly coded link
    k = np.arange(n)
    for seed in range(4):
        rng = np.random.default_rng(seed)
        w, phi = 0.01, rng.uniform(-np.pi, np.pi)
        walk = np.cumsum(rng.normal(0.0, 0.003, n))  # ~0.2 rad over the burst
        walk -= walk[n_known // 2]
        theta = phi + w * k + walk
        syms = _random_symbols(qpsk, n, rng)
        z = (syms * np.exp(1j * theta) + _noise(n, rng, 1 / esn0)).astype(np.complex64)
        # the receiver's search range and window for this SNR, and a known-symbol fit off
        # by about its own sigma in frequency (turning the carrier by ~6 rad over the burst)
        sigma_w = _crb(esn0, n_known)[0]
        half_window = int(min(max(512 / esn0, 16), 384))
        w0 = w + (1 if seed % 2 else -1) * sigma_w
        branch = (np.pi / 2) if qpsk else np.pi
        # phase errors below half a branch (pi / M) are corrected; the branch itself comes
        # from the known symbols' phase, so one a branch further is kept a branch off
        for phase_error, off in ((0.0, 0), (0.5, 0), (-0.6, 0), (0.5 + branch, 1)):
            phi0 = phi + phase_error - (w0 - w) * (n_known // 2)  # off by that at the centre
            assert np.abs(_wrap(phi0 + w0 * k - theta)).max() > 3  # untracked, it would fail
            out = np.zeros(n, np.complex64)
            w_track = _carrier_kernels.carrier_track(
                z, n_known, w0, phi0, 6 * sigma_w + 2e-4, half_window, qpsk, out
            )
            error = _wrap(-np.angle(out / z) - theta - off * branch)
            # a slip to another branch would be pi / 2 (QPSK) or pi (BPSK) off for a stretch
            assert np.sqrt(np.mean(error**2)) < 0.1
            assert np.abs(error).max() < np.pi / 4
            assert abs(w_track - w) < 3e-4  # w0 is 1.6e-3 off


def test_edge_inputs_are_refused_not_read_past():
    """A block of 0 symbols, a candidate too close to the end, a one-symbol fit."""
    p = get_profile("qpsk250k")
    pre_tail, _, sync_syms, sync_bits, golay = _known(p)
    z = np.ones(100, np.complex64)
    for impl in IMPLS:
        assert impl.first_quiet_block(z, 0, 100, 0, 1.0) == -1
        out = np.full(8, np.nan)
        header, soft = np.zeros(24, np.complex64), np.zeros(48, np.float32)
        args = (pre_tail, sync_syms, sync_bits, True, 0.0, 0.04, golay, header, soft, out)
        impl.check_sync(z, 70, *args)
        assert out[4] == 32 and out[6] == -1 and out[5] == 0.0
        fit = np.zeros(4)
        impl.carrier_fit(np.ones(1, np.complex64), np.ones(1, np.complex64), 0.3, 0.01, fit)
        assert fit[0] == 0.3
        tone = np.exp(0.2j * np.arange(100)).astype(np.complex64)
        impl.carrier_fit(tone, np.ones(100, np.complex64), 0.0, 0.01, fit)
        assert abs(fit[0]) <= 0.01
