"""Theoretical bit error rates in AWGN, the reference curves of ``sdrlink simulate``."""

from __future__ import annotations

import numpy as np
from scipy import optimize, special

from phy.profiles import Profile, get_profile

__all__ = ["ebn0_at_ber", "theory_ber", "theory_ebn0_at_ber", "theory_name"]


def theory_name(profile: str | Profile) -> str:
    """The formula used for ``profile``: coherent PSK or non-coherent orthogonal FSK."""
    profile = get_profile(profile)
    if profile.modulation in ("bpsk", "qpsk"):
        return "coherent BPSK/QPSK: Q(sqrt(2 Eb/N0))"
    return "non-coherent orthogonal FSK: 0.5 exp(-Eb/2N0)"


def theory_ber(profile: str | Profile, ebn0_db) -> np.ndarray | float:
    """Bit error rate of ``profile``'s modulation at ``ebn0_db`` (scalar or array).

    BPSK and Gray-coded QPSK: ``Q(sqrt(2 Eb/N0))``. GFSK and AFSK are compared with
    non-coherent binary orthogonal FSK, ``0.5 exp(-Eb / 2 N0)`` (a discriminator or
    correlator receiver; h = 0.5 GFSK is not orthogonal, so it may sit a little off).
    """
    profile = get_profile(profile)
    ebn0 = 10 ** (np.asarray(ebn0_db, dtype=float) / 10)
    if profile.modulation in ("bpsk", "qpsk"):
        ber = 0.5 * special.erfc(np.sqrt(ebn0))
    else:
        ber = 0.5 * np.exp(-ebn0 / 2)
    return float(ber) if np.ndim(ber) == 0 else ber


def theory_ebn0_at_ber(profile: str | Profile, ber: float) -> float:
    """Eb/N0 in dB at which the theoretical curve reaches ``ber`` (0 < ber < 0.5)."""
    return float(
        optimize.brentq(
            lambda x: np.log(max(theory_ber(profile, x), 1e-300)) - np.log(ber), -10.0, 40.0
        )
    )


def ebn0_at_ber(ebn0_db, ber, target: float) -> float | None:
    """Eb/N0 in dB where a measured curve crosses ``target`` (log-linear interpolation).

    ``ebn0_db`` ascending with ``ber`` the measured rates; None when the curve does not
    cross ``target`` inside the measured range (or zero-error points bracket it).
    """
    x = np.asarray(ebn0_db, dtype=float)
    y = np.asarray(ber, dtype=float)
    for k in range(len(x) - 1):
        if y[k] >= target > y[k + 1]:
            if y[k + 1] <= 0:
                return None
            a, b = np.log10(y[k]), np.log10(y[k + 1])
            return float(x[k] + (np.log10(target) - a) / (b - a) * (x[k + 1] - x[k]))
    return None
