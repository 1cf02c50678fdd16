"""Plain twins of the FEC kernels (same signatures, for the tests).

Reed-Solomon twins call ``reedsolo`` (the reference implementation the Numba codec must
match bit for bit); the Viterbi twin is NumPy, vectorised over the 64 states.
"""

from __future__ import annotations

import numpy as np
import reedsolo


def _codec(nsym: int, fcr: int) -> reedsolo.RSCodec:
    return reedsolo.RSCodec(nsym, fcr=fcr, prim=0x11D, generator=2)


def rs_encode(msg, nsym, exp, log, gen_log, out):
    coded = _codec(nsym, 0).encode(bytes(np.asarray(msg, dtype=np.uint8)))
    out[: len(coded)] = np.frombuffer(bytes(coded), dtype=np.uint8)


def rs_decode(word, erase_mask, nsym, fcr, exp, log, syn_mul, out):
    word = np.asarray(word, dtype=np.uint8)
    erase = [int(j) for j in np.flatnonzero(np.asarray(erase_mask))]
    out[:] = word
    out[erase] = 0
    try:
        _, full, errata = _codec(nsym, fcr).decode(bytes(word), erase_pos=erase or None)
    except reedsolo.ReedSolomonError:
        return -1
    out[:] = np.frombuffer(bytes(full), dtype=np.uint8)
    if not erase and not np.any(out != word):
        return 0
    return len(errata)


def rs_decode_many(buf, starts, lengths, erase_mask, nsym, fcr, exp, log, syn_mul, out, status):
    for b in range(len(starts)):
        s, e = int(starts[b]), int(starts[b] + lengths[b])
        status[b] = rs_decode(buf[s:e], erase_mask[s:e], nsym, fcr, exp, log, syn_mul, out[s:e])


def viterbi_decode(llrs, n_steps, sym, decisions, out):
    llrs = np.asarray(llrs, dtype=np.float32)
    j = np.arange(32)
    metrics = np.full(64, np.float32(-1e30), dtype=np.float32)
    metrics[0] = 0
    for t in range(n_steps):
        l0, l1 = llrs[2 * t], llrs[2 * t + 1]
        s = np.float32(l0 + l1)
        d = np.float32(l0 - l1)
        bm = np.array([s, d, -d, -s], dtype=np.float32)
        m = bm[np.asarray(sym[:32])]
        p0, p1 = metrics[2 * j], metrics[2 * j + 1]
        a0, a1, b0, b1 = p0 + m, p1 - m, p0 - m, p1 + m
        decisions[t, :32] = a1 > a0
        decisions[t, 32:] = b1 > b0
        metrics = np.concatenate([np.where(a1 > a0, a1, a0), np.where(b1 > b0, b1, b0)])
        if (t & 15) == 15:
            metrics = metrics - metrics[0]
    metric = metrics[0]
    state = 0
    for t in range(n_steps - 1, -1, -1):
        out[t] = state >> 5
        state = ((state & 31) << 1) | int(decisions[t, state])
    return metric


def viterbi_decode_many(llrs, n_steps, sym, out):
    decisions = np.empty((max(n_steps, 1), 64), dtype=np.uint8)
    for r in range(llrs.shape[0]):
        viterbi_decode(llrs[r], n_steps, sym, decisions, out[r])


def viterbi_decode_soft(llrs, n_steps, sym, known, diffs, out, rel):
    llrs = np.asarray(llrs, dtype=np.float32)
    j = np.arange(32)
    cut = np.float32(-1e30)
    metrics = np.full(64, cut, dtype=np.float32)
    metrics[0] = 0
    for t in range(n_steps):
        s = np.float32(llrs[2 * t] + llrs[2 * t + 1])
        d = np.float32(llrs[2 * t] - llrs[2 * t + 1])
        m = np.array([s, d, -d, -s], dtype=np.float32)[np.asarray(sym[:32])]
        p0, p1 = metrics[2 * j], metrics[2 * j + 1]
        a0, a1, b0, b1 = p0 + m, p1 - m, p0 - m, p1 + m
        diffs[t, :32] = a1 - a0
        diffs[t, 32:] = b1 - b0
        metrics = np.concatenate([np.where(a1 > a0, a1, a0), np.where(b1 > b0, b1, b0)])
        if known[t] == 0:
            metrics[32:] = cut
        elif known[t] == 1:
            metrics[:32] = cut
        if (t & 15) == 15:
            metrics = metrics - metrics.max()
    metric = metrics[0]
    state = 0
    for t in range(n_steps - 1, -1, -1):
        out[t] = state >> 5
        d = diffs[t, state]
        rel[t] = abs(d)
        state = ((state & 31) << 1) | int(d > 0)
    return metric


def _max_star(a, b, corr):
    d = np.minimum(np.abs(a - b) * np.float32(8.0), np.float32(corr.size - 1))
    return (np.maximum(a, b) + corr[d.astype(np.int64)]).astype(np.float32)


def bcjr_llrs(llrs, n_steps, sym, known, corr, alpha, out):
    llrs = np.asarray(llrs, dtype=np.float32)
    neg = np.float32(-1e30)
    j = np.arange(32)
    m_all = np.float32(0.5) * llrs[: 2 * n_steps].reshape(-1, 2)
    table = np.stack([m_all[:, 0] + m_all[:, 1], m_all[:, 0] - m_all[:, 1]], axis=1).astype(
        np.float32
    )
    bms = np.concatenate([table, -table[:, ::-1]], axis=1)[:, np.asarray(sym[:32])]
    alpha[0] = neg
    alpha[0, 0] = 0
    for t in range(n_steps):
        m = bms[t]
        p0, p1 = alpha[t, 2 * j], alpha[t, 2 * j + 1]
        nxt = np.concatenate([_max_star(p0 + m, p1 - m, corr), _max_star(p0 - m, p1 + m, corr)])
        if known[t] >= 0:
            nxt[32 if known[t] == 0 else 0 :][:32] = neg
        alpha[t + 1] = np.maximum(nxt - nxt.max(), neg)
    beta = np.full(64, neg, dtype=np.float32)
    beta[0] = 0
    for t in range(n_steps - 1, -1, -1):
        if known[t] >= 0:
            beta[32 if known[t] == 0 else 0 :][:32] = neg
        post = (alpha[t + 1] + beta).reshape(2, 32)
        while post.shape[1] > 1:
            half = post.shape[1] // 2
            post = _max_star(post[:, :half], post[:, half:], corr)
        out[t] = post[0, 0] - post[1, 0]
        m = bms[t]
        b0, b1 = beta[:32], beta[32:]
        prev = np.empty(64, dtype=np.float32)
        prev[2 * j] = _max_star(b0 + m, b1 - m, corr)
        prev[2 * j + 1] = _max_star(b0 - m, b1 + m, corr)
        beta = np.maximum(prev - prev.max(), neg)
    return 0


def rs_decode_sets(word, order, sets, sizes, first, nsym, fcr, exp, log, syn_mul, mask, out):
    for k in range(first, len(sets)):
        mask[:] = 0
        mask[np.asarray(order)[sets[k, : sizes[k]]]] = 1
        status = rs_decode(word, mask, nsym, fcr, exp, log, syn_mul, out)
        if status >= 0:
            return k * 256 + status
    return -1
