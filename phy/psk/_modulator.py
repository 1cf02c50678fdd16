"""PSK transmitter: bits to root-raised-cosine baseband at the profile's native rate."""

from __future__ import annotations

import numpy as np

from phy.errors import ConfigError
from phy.profiles import Profile, get_profile
from phy.psk._pulse import TX_SPAN_SYMBOLS, design_rrc

__all__ = ["bits_to_symbols", "modulate_bits", "preamble_symbols", "shape_symbols"]

_DIAGONAL = np.complex64((1 + 1j) / np.sqrt(2))


def preamble_symbols(profile: Profile, bits: np.ndarray) -> np.ndarray:
    """Preamble bits one per symbol: BPSK +-1, QPSK +-(1+j)/sqrt(2) (the points 00 and 11)."""
    signs = (1 - 2 * np.asarray(bits, dtype=np.float32)).astype(np.complex64)
    return signs * _DIAGONAL if profile.modulation == "qpsk" else signs


def bits_to_symbols(profile: Profile, bits: np.ndarray) -> np.ndarray:
    """Gray map: BPSK 0 -> +1, 1 -> -1; QPSK (b0, b1) -> ((1 - 2 b0) + j (1 - 2 b1)) / sqrt(2).

    QPSK pads an odd bit count with one 0 bit. Returns complex64 unit-energy symbols.
    """
    signs = 1 - 2 * np.asarray(bits, dtype=np.float32)
    if profile.modulation == "bpsk":
        return signs.astype(np.complex64)
    if signs.size % 2:
        signs = np.append(signs, np.float32(1))
    return ((signs[0::2] + 1j * signs[1::2]) / np.sqrt(2)).astype(np.complex64)


def modulate_bits(
    profile: str | Profile, bits: np.ndarray, *, preamble_bits: int | None = None
) -> np.ndarray:
    """PSK baseband for ``bits`` at the native rate (complex64, unit average power).

    The first ``preamble_bits`` bits (default: the profile's preamble length) are sent one
    bit per symbol, so a QPSK preamble of alternating bits is an alternating BPSK tone pair on
    the QPSK diagonal, as for BPSK; the rest are mapped by ``bits_to_symbols``. The symbols
    are shaped by a root-raised-cosine pulse of ``TX_SPAN_SYMBOLS`` symbols; the output has
    ``(n_symbols - 1 + span) * sps + 1`` samples (the pulse tails included) and symbol ``k``
    peaks at sample ``k * sps + span * sps / 2``. Cost: O(n_samples * span).
    """
    profile = get_profile(profile)
    if profile.modulation not in ("bpsk", "qpsk"):
        raise ConfigError(f"profile {profile.name} is not PSK; use phy.modulate")
    bits = np.asarray(bits, dtype=np.uint8).ravel()
    if bits.size and bits.max() > 1:
        raise ConfigError("bits must be 0 or 1")
    n_pre = profile.preamble_bits if preamble_bits is None else int(preamble_bits)
    n_pre = min(max(n_pre, 0), bits.size)
    symbols = np.concatenate(
        [preamble_symbols(profile, bits[:n_pre]), bits_to_symbols(profile, bits[n_pre:])]
    )
    return shape_symbols(profile, symbols)


def shape_symbols(profile: Profile, symbols: np.ndarray) -> np.ndarray:
    """RRC-shaped baseband (complex64, native rate) of ``symbols`` as ``modulate_bits`` sends
    them: ``(n_symbols - 1 + span) * sps + 1`` samples. Cost: O(n_samples * span)."""
    symbols = np.asarray(symbols, dtype=np.complex64)
    if symbols.size == 0:
        return np.zeros(0, dtype=np.complex64)
    sps = profile.samples_per_symbol
    taps = design_rrc(samples_per_symbol=sps, rolloff=profile.rolloff, span_symbols=TX_SPAN_SYMBOLS)
    upsampled = np.zeros(symbols.size * sps, dtype=np.complex64)
    upsampled[::sps] = symbols
    from scipy import signal

    return signal.oaconvolve(upsampled, taps)[: upsampled.size + taps.size - sps].astype(
        np.complex64
    )
