"""Numba kernels of the FEC codecs (plain twins with the same signatures in ``_reference.py``).

Reed-Solomon over GF(2^8) with reedsolo's conventions (codeword = message then parity, first
byte = highest-degree coefficient) and the rate-1/2 K=7 Viterbi decoder. Every kernel takes
preallocated outputs; the public wrappers in ``rs.py`` and ``conv.py`` validate and allocate.
"""

from __future__ import annotations

import numpy as np

from phy._jit import njit

_N_STATES = 64


@njit
def _gmul(a, b, exp, log):
    if a == 0 or b == 0:
        return 0
    return exp[log[a] + log[b]]


@njit
def rs_encode(msg, nsym, exp, log, gen_log, out):
    """Systematic RS encoding: ``out[:k] = msg``, ``out[k:k + nsym]`` = parity (k = len(msg)).

    The parity is the remainder of ``msg(x) * x^nsym`` divided by the generator polynomial,
    computed with a linear-feedback shift register. Cost: k * nsym table look-ups.
    """
    k = msg.shape[0]
    for i in range(k):
        out[i] = msg[i]
    par = np.zeros(nsym, dtype=np.uint8)
    for i in range(k):
        fb = msg[i] ^ par[0]
        for j in range(nsym - 1):
            par[j] = par[j + 1]
        par[nsym - 1] = 0
        if fb != 0:
            lf = log[fb]
            for j in range(nsym):
                par[j] ^= exp[lf + gen_log[j + 1]]
    for j in range(nsym):
        out[k + j] = par[j]


@njit
def _syndromes(word, nsym, syn_mul, synd):
    """``synd[i] = word(alpha^(i + fcr))`` by Horner's rule; returns True if any is non-zero."""
    for i in range(nsym):
        synd[i] = 0
    for j in range(word.shape[0]):
        r = word[j]
        for i in range(nsym):
            synd[i] = syn_mul[i, synd[i]] ^ r
    nonzero = 0
    for i in range(nsym):
        nonzero |= synd[i]
    return nonzero != 0


@njit
def _erasure_locator(erase_mask, n, exp, log, lam):
    """``lam = prod (1 + X_j x)`` over erased bytes j, ``X_j = alpha^(n - 1 - j)``."""
    lam[:] = 0
    lam[0] = 1
    deg = 0
    for j in range(n):
        if erase_mask[j] != 0:
            xl = (n - 1 - j) % 255
            deg += 1
            for d in range(deg, 0, -1):
                if lam[d - 1] != 0:
                    lam[d] ^= exp[log[lam[d - 1]] + xl]
    return deg


@njit
def _berlekamp_massey(synd, nsym, n_erase, exp, log, lam):
    """Errata locator (in ``lam``, which holds the erasure locator on entry) by
    Berlekamp-Massey in its errors-and-erasures form; returns its degree."""
    size = lam.shape[0]
    bpoly = lam.copy()
    tpoly = np.zeros(size, dtype=np.uint8)
    big_l = n_erase
    for k in range(n_erase, nsym):
        delta = 0
        for j in range(min(big_l, k) + 1):
            delta ^= _gmul(lam[j], synd[k - j], exp, log)
        span = min(size, k + 2)  # after step k both polynomials have degree <= k + 1
        for d in range(span - 1, 0, -1):
            bpoly[d] = bpoly[d - 1]
        bpoly[0] = 0
        if delta == 0:
            continue
        ld = log[delta]
        for d in range(span):
            b = bpoly[d]
            tpoly[d] = lam[d] ^ (exp[log[b] + ld] if b != 0 else 0)
        if 2 * big_l <= k + n_erase:
            linv = 255 - ld
            for d in range(span):
                a = lam[d]
                bpoly[d] = exp[log[a] + linv] if a != 0 else 0
            big_l = k + 1 + n_erase - big_l
        for d in range(span):
            lam[d] = tpoly[d]
    deg = 0
    for d in range(size):
        if lam[d] != 0:
            deg = d
    return deg


@njit
def _chien(lam, deg, n, exp, log, pos):
    """Degrees ``i`` (position ``n - 1 - i``) with ``lam(alpha^-i) = 0`` among the ``n``
    positions of the word, into ``pos``; returns the count, or -1 past ``deg`` roots."""
    lt = np.empty(deg + 1, dtype=np.int32)
    for d in range(deg + 1):
        lt[d] = log[lam[d]] if lam[d] != 0 else -1
    found = 0
    for i in range(n):
        val = lam[0]
        for d in range(1, deg + 1):
            if lt[d] >= 0:
                val ^= exp[lt[d]]
                v = lt[d] - d
                lt[d] = v + 255 if v < 0 else v
        if val == 0:
            if found == deg:
                return -1
            pos[found] = i
            found += 1
            if found == deg:
                break
    return found


@njit
def _forney(synd, nsym, fcr, lam, deg, pos, found, n, exp, log, out):
    """Apply the error values ``X^(1 - fcr) omega(X^-1) / lam'(X^-1)`` at the located
    positions and update ``synd`` with them; returns False if ``lam'`` vanishes at a root."""
    omega = np.zeros(nsym, dtype=np.uint8)  # synd * lam mod x^nsym
    for m in range(nsym):
        acc = 0
        for d in range(min(m, deg) + 1):
            acc ^= _gmul(lam[d], synd[m - d], exp, log)
        omega[m] = acc
    for e in range(found):
        i = pos[e]
        xinv = (255 - i) % 255  # log of X^-1
        num = 0
        for m in range(nsym):
            if omega[m] != 0:
                num ^= exp[log[omega[m]] + (xinv * m) % 255]
        den = 0
        for d in range(1, deg + 1, 2):
            if lam[d] != 0:
                den ^= exp[log[lam[d]] + (xinv * (d - 1)) % 255]
        if den == 0:
            return False
        if num == 0:
            continue
        lmag = (log[num] - log[den] + (i * ((1 - fcr) % 255)) % 255) % 255
        mag = exp[lmag + 255 if lmag < 0 else lmag]
        out[n - 1 - i] ^= mag
        for s in range(nsym):
            synd[s] ^= exp[(log[mag] + (i * ((s + fcr) % 255)) % 255) % 255]
    return True


@njit
def rs_decode(word, erase_mask, nsym, fcr, exp, log, syn_mul, out):
    """Correct errors and erasures in one (possibly shortened) RS codeword.

    ``erase_mask[j] != 0`` marks byte ``j`` as an erasure. Writes the corrected codeword to
    ``out`` and returns the number of corrected symbols (errata located), or -1 when the word
    cannot be corrected (2 * errors + erasures > nsym, locator roots missing or outside the
    shortened word, or a non-zero syndrome after correction); ``out`` is then unspecified.
    Steps: syndromes, erasure locator, Berlekamp-Massey, Chien search, Forney, syndrome
    check. Cost: about n * nsym look-ups for the syndromes plus n * errata for the Chien
    search; O(nsym^2) for Berlekamp-Massey and Forney.
    """
    n = word.shape[0]
    n_erase = 0
    for j in range(n):
        out[j] = word[j]
        if erase_mask[j] != 0:
            out[j] = 0
            n_erase += 1
    if n_erase > nsym:
        return -1
    synd = np.empty(nsym, dtype=np.uint8)
    if not _syndromes(out, nsym, syn_mul, synd):
        return 0
    return _correct_errata(out, synd, erase_mask, n_erase, nsym, fcr, exp, log)


@njit
def _correct_errata(out, synd, erase_mask, n_erase, nsym, fcr, exp, log):
    """Steps 2-7 of ``rs_decode`` on ``out`` given its non-zero syndromes ``synd``
    (updated in place); the bytes at erased positions may hold any value."""
    n = out.shape[0]
    lam = np.zeros(nsym + 2, dtype=np.uint8)
    _erasure_locator(erase_mask, n, exp, log, lam)
    deg = _berlekamp_massey(synd, nsym, n_erase, exp, log, lam)
    if (deg - n_erase) * 2 + n_erase > nsym:
        return -1
    pos = np.empty(max(deg, 1), dtype=np.int64)
    found = _chien(lam, deg, n, exp, log, pos)
    if found != deg:
        return -1
    if not _forney(synd, nsym, fcr, lam, deg, pos, found, n, exp, log, out):
        return -1
    for s in range(nsym):
        if synd[s] != 0:
            return -1
    return found


@njit
def rs_decode_many(buf, starts, lengths, erase_mask, nsym, fcr, exp, log, syn_mul, out, status):
    """``rs_decode`` on the blocks ``buf[starts[b] : starts[b] + lengths[b]]`` (into ``out``
    at the same offsets); ``status[b]`` receives each block's return value."""
    for b in range(starts.shape[0]):
        s = starts[b]
        e = s + lengths[b]
        status[b] = rs_decode(buf[s:e], erase_mask[s:e], nsym, fcr, exp, log, syn_mul, out[s:e])


@njit
def viterbi_decode(llrs, n_steps, sym, decisions, out):
    """Soft-decision Viterbi decoding of a terminated rate-1/2 K=7 convolutional code.

    ``llrs`` holds ``2 * n_steps`` float32 LLRs (pairs c0, c1 per input bit; positive means
    0). ``sym[j]`` (j < 32) is ``2 * c0 + c1`` for state ``2j`` and input 0; the state is the
    last six input bits, newest in bit 5. The path starts and ends in state 0. ``decisions``
    is a uint8 scratch array of shape (>= n_steps, 64). Writes the ``n_steps`` decoded bits
    (tail included) to ``out`` and returns the final path metric (the correlation of the
    decoded codeword with the LLRs). Cost: 64 add-compare-selects per step.
    """
    old = np.full(_N_STATES, np.float32(-1e30), dtype=np.float32)
    new = np.empty(_N_STATES, dtype=np.float32)
    old[0] = 0.0
    bm = np.empty(4, dtype=np.float32)
    for t in range(n_steps):
        l0 = llrs[2 * t]
        l1 = llrs[2 * t + 1]
        bm[0] = l0 + l1
        bm[1] = l0 - l1
        bm[2] = -bm[1]
        bm[3] = -bm[0]
        for j in range(32):
            m = bm[sym[j]]
            p0 = old[2 * j]
            p1 = old[2 * j + 1]
            a0 = p0 + m
            a1 = p1 - m
            b0 = p0 - m
            b1 = p1 + m
            if a1 > a0:
                new[j] = a1
                decisions[t, j] = 1
            else:
                new[j] = a0
                decisions[t, j] = 0
            if b1 > b0:
                new[j + 32] = b1
                decisions[t, j + 32] = 1
            else:
                new[j + 32] = b0
                decisions[t, j + 32] = 0
        if (t & 15) == 15:
            ref = new[0]
            for s in range(_N_STATES):
                new[s] -= ref
        old, new = new, old
    metric = old[0]
    state = 0
    for t in range(n_steps - 1, -1, -1):
        out[t] = state >> 5
        state = ((state & 31) << 1) | decisions[t, state]
    return metric


@njit
def viterbi_decode_many(llrs, n_steps, sym, out):
    """``viterbi_decode`` on each row of ``llrs`` (shape (rows, 2 * n_steps)) into ``out``
    (shape (rows, n_steps)); one scratch array for all rows."""
    decisions = np.empty((max(n_steps, 1), _N_STATES), dtype=np.uint8)
    for r in range(llrs.shape[0]):
        viterbi_decode(llrs[r], n_steps, sym, decisions, out[r])


@njit
def viterbi_decode_soft(llrs, n_steps, sym, known, diffs, out, rel):
    """``viterbi_decode`` with known input bits and a reliability for each decoded bit.

    ``known[t]`` (int8) is -1 for a free input bit, else its value: paths that disagree are
    cut (iterative decoding pins the bits of Reed-Solomon codewords already corrected).
    ``diffs`` (float32 scratch, shape (>= n_steps, 64)) keeps each state's add-compare-select
    margin (odd-predecessor metric minus even-predecessor metric; its sign is the decision).
    ``rel[t]`` receives the margin on the survivor path when it enters step ``t + 1``: a
    small value means a competing path nearly won there, so bits up to a constraint length
    or so before ``t`` are unreliable. Returns the final path metric.
    """
    cut = np.float32(-1e30)
    old = np.full(_N_STATES, cut, dtype=np.float32)
    new = np.empty(_N_STATES, dtype=np.float32)
    old[0] = 0.0
    bm = np.empty(4, dtype=np.float32)
    for t in range(n_steps):
        l0 = llrs[2 * t]
        l1 = llrs[2 * t + 1]
        bm[0] = l0 + l1
        bm[1] = l0 - l1
        bm[2] = -bm[1]
        bm[3] = -bm[0]
        for j in range(32):
            m = bm[sym[j]]
            p0 = old[2 * j]
            p1 = old[2 * j + 1]
            a0 = p0 + m
            a1 = p1 - m
            b0 = p0 - m
            b1 = p1 + m
            diffs[t, j] = a1 - a0
            diffs[t, j + 32] = b1 - b0
            new[j] = a1 if a1 > a0 else a0
            new[j + 32] = b1 if b1 > b0 else b0
        k = known[t]
        if k >= 0:
            first = 32 if k == 0 else 0
            for s in range(first, first + 32):
                new[s] = cut
        if (t & 15) == 15:
            ref = new[0]
            for s in range(1, _N_STATES):
                ref = max(ref, new[s])
            for s in range(_N_STATES):
                new[s] -= ref
        old, new = new, old
    metric = old[0]
    state = 0
    for t in range(n_steps - 1, -1, -1):
        out[t] = state >> 5
        d = diffs[t, state]
        rel[t] = abs(d)
        state = ((state & 31) << 1) | (1 if d > 0 else 0)
    return metric


@njit
def _max_star(a, b, corr):
    """``log(e^a + e^b)``: the max plus ``log(1 + e^-|a-b|)`` from a table in steps of 1/8
    whose last entry (0) serves every larger difference (branch-free)."""
    d = min(abs(a - b) * np.float32(8.0), np.float32(corr.shape[0] - 1))
    return max(a, b) + corr[int(d)]


@njit
def _branch_metrics(llrs, t, bm):
    """Half the correlations of step ``t``'s two LLRs with the four branch symbols."""
    l0 = np.float32(0.5) * llrs[2 * t]
    l1 = np.float32(0.5) * llrs[2 * t + 1]
    bm[0] = l0 + l1
    bm[1] = l0 - l1
    bm[2] = -bm[1]
    bm[3] = -bm[0]


@njit
def bcjr_llrs(llrs, n_steps, sym, known, corr, alpha, out):
    """A-posteriori LLRs of the input bits (log-MAP, BCJR) of a terminated rate-1/2 K=7 code.

    Same trellis, ``llrs``, ``sym`` and ``known`` (pinned input bits) as
    ``viterbi_decode_soft``; the branch metric is half the correlation (exact log-likelihood
    for LLR inputs). ``corr`` (float32) tabulates ``log(1 + exp(-d))`` at ``d = i / 8``,
    its last entry (0) for every larger ``d`` (the Jacobian correction; a table of zeros
    gives max-log-MAP). ``alpha`` is float32
    scratch of shape (>= n_steps + 1, 64) for the forward metrics. ``out[t]`` (float32)
    receives ``log P(u_t = 0 | llrs) / P(u_t = 1 | llrs)``. Cost: about six Viterbi passes
    (forward, backward and posterior sums over 64 states per step, each with a table
    look-up): 0.7 ms for a 259-byte block.
    """
    neg = np.float32(-1e30)
    for s in range(_N_STATES):
        alpha[0, s] = neg
    alpha[0, 0] = 0.0
    bm = np.empty(4, dtype=np.float32)
    for t in range(n_steps):
        _branch_metrics(llrs, t, bm)
        for j in range(32):
            m = bm[sym[j]]
            p0 = alpha[t, 2 * j]
            p1 = alpha[t, 2 * j + 1]
            alpha[t + 1, j] = _max_star(p0 + m, p1 - m, corr)
            alpha[t + 1, j + 32] = _max_star(p0 - m, p1 + m, corr)
        k = known[t]
        if k >= 0:
            first = 32 if k == 0 else 0
            for s in range(first, first + 32):
                alpha[t + 1, s] = neg
        top = alpha[t + 1, 0]
        for s in range(1, _N_STATES):
            top = max(top, alpha[t + 1, s])
        for s in range(_N_STATES):
            alpha[t + 1, s] = max(alpha[t + 1, s] - top, neg)
    beta = np.full(_N_STATES, neg, dtype=np.float32)
    beta[0] = 0.0
    prev = np.empty(_N_STATES, dtype=np.float32)
    for t in range(n_steps - 1, -1, -1):
        k = known[t]
        if k >= 0:
            first = 32 if k == 0 else 0
            for s in range(first, first + 32):
                beta[s] = neg
        for s in range(_N_STATES):
            prev[s] = alpha[t + 1, s] + beta[s]
        width = 16
        while width >= 1:  # pairwise sums over the input-0 and the input-1 states
            for s in range(width):
                prev[s] = _max_star(prev[s], prev[s + width], corr)
                prev[s + 32] = _max_star(prev[s + 32], prev[s + 32 + width], corr)
            width //= 2
        out[t] = prev[0] - prev[32]
        _branch_metrics(llrs, t, bm)
        top = neg
        for j in range(32):
            m = bm[sym[j]]
            b0 = beta[j]
            b1 = beta[j + 32]
            prev[2 * j] = _max_star(b0 + m, b1 - m, corr)
            prev[2 * j + 1] = _max_star(b0 - m, b1 + m, corr)
            top = max(top, max(prev[2 * j], prev[2 * j + 1]))
        for s in range(_N_STATES):
            beta[s] = max(prev[s] - top, neg)
    return 0


@njit
def rs_decode_sets(word, order, sets, sizes, first, nsym, fcr, exp, log, syn_mul, mask, out):
    """``rs_decode`` of ``word`` with erasure set ``k = first, first + 1, ...`` until one
    succeeds: set ``k`` erases bytes ``order[sets[k, :sizes[k]]]`` (``order`` ranks the
    bytes, least reliable first). Returns ``k * 256 + corrected`` for the first success
    (corrected word in ``out``), or -1. ``mask`` is uint8 scratch of the word's length. The
    syndromes are computed once (erased bytes keep their received values, which changes
    no decoded word). Cost: a Berlekamp-Massey and a Chien search per set (a few us).
    """
    n = word.shape[0]
    synd0 = np.empty(nsym, dtype=np.uint8)
    clean = not _syndromes(word, nsym, syn_mul, synd0)
    synd = np.empty(nsym, dtype=np.uint8)
    for k in range(first, sets.shape[0]):
        for j in range(n):
            mask[j] = 0
            out[j] = word[j]
        if clean:
            return k * 256
        for m in range(sizes[k]):
            mask[order[sets[k, m]]] = 1
        synd[:] = synd0
        status = _correct_errata(out, synd, mask, sizes[k], nsym, fcr, exp, log)
        if status >= 0:
            return k * 256 + status
    return -1
