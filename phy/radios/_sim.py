"""``SimRadio``: radios on a simulated medium (the embedded default, no hardware).

Every radio keeps a sample clock (the samples it has read). What a radio writes reaches
every other radio on the same ``SimMedium`` (or itself, alone), through the medium's
channel, starting at the writer's clock: two transmissions that overlap in time add up
at the receivers, so collisions happen. A radio's pending input is bounded
(``max_pending_samples``); what does not fit is dropped and counted.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from phy.errors import ConfigError
from phy.radios._base import Radio

__all__ = ["SimMedium", "SimRadio"]


def _as_function(channel) -> Callable[[np.ndarray], np.ndarray]:
    if channel is None:
        return lambda x: x
    for name in ("process", "apply"):
        method = getattr(channel, name, None)
        if callable(method):
            return method
    if callable(channel):
        return channel
    raise ConfigError("channel must be callable or have a process(samples) method")


class SimMedium:
    """The shared air of several ``SimRadio``s.

    Parameters
    ----------
    sample_rate_hz : the common sample rate of every radio on the medium.
    channel : applied to every transmission (a ``phy.channel.Channel``, any object with
        ``process(samples)``, or a function); None: an ideal channel.
    loopback : a radio also hears itself (used by a radio alone).
    """

    def __init__(self, *, sample_rate_hz: float, channel=None, loopback: bool = False) -> None:
        if sample_rate_hz <= 0:
            raise ConfigError(f"sample rate must be positive, got {sample_rate_hz}")
        self.sample_rate_hz = float(sample_rate_hz)
        self._channel = _as_function(channel)
        self._loopback = loopback
        self._radios: list[SimRadio] = []

    def attach(self, radio: SimRadio) -> None:
        self._radios.append(radio)

    def detach(self, radio: SimRadio) -> None:
        if radio in self._radios:
            self._radios.remove(radio)

    def transmit(self, sender: SimRadio, samples: np.ndarray) -> None:
        """Deliver ``samples`` from ``sender`` to the radios on the medium."""
        for radio in list(self._radios):
            if radio is sender and not self._loopback:
                continue
            received = np.asarray(self._channel(samples), dtype=np.complex64)
            radio._deliver(max(sender.clock - radio.clock, 0), received)


class SimRadio(Radio):
    """A simulated radio: ``read`` never ends; it returns noise (or zeros) between bursts.

    Parameters
    ----------
    sample_rate_hz : samples per second.
    medium : the ``SimMedium`` to join; None: a private medium where the radio hears itself.
    channel : for a private medium, its channel (see ``SimMedium``).
    noise_std : standard deviation of the receiver's own complex noise floor (0: silent).
    rng : the noise generator (seed it in tests).
    max_pending_samples : bound of received-but-unread samples.
    """

    can_transmit = True

    def __init__(
        self,
        *,
        sample_rate_hz: float,
        center_freq_hz: float | None = None,
        gain_db: float | None = None,
        medium: SimMedium | None = None,
        channel=None,
        noise_std: float = 0.0,
        rng: np.random.Generator | None = None,
        max_pending_samples: int = 1 << 24,
    ) -> None:
        if medium is None:
            medium = SimMedium(sample_rate_hz=sample_rate_hz, channel=channel, loopback=True)
        elif medium.sample_rate_hz != sample_rate_hz:
            raise ConfigError("a SimRadio's sample rate must be its medium's")
        if noise_std < 0:
            raise ConfigError("noise_std must be >= 0")
        self.sample_rate_hz = float(sample_rate_hz)
        self.center_freq_hz = center_freq_hz
        self.gain_db = gain_db
        self.medium = medium
        self._noise_std = float(noise_std)
        self._rng = rng if rng is not None else np.random.default_rng()
        self._max_pending = int(max_pending_samples)
        self._pending = np.zeros(0, dtype=np.complex64)
        self.clock = 0  # samples read so far: this radio's time
        self.counters = {"samples_dropped": 0, "samples_sent": 0}
        medium.attach(self)

    def _deliver(self, offset: int, samples: np.ndarray) -> None:
        end = min(offset + samples.size, self._max_pending)
        kept = max(end - offset, 0)
        self.counters["samples_dropped"] += samples.size - kept
        if kept == 0:
            return
        if self._pending.size < end:
            grown = np.zeros(end, dtype=np.complex64)
            grown[: self._pending.size] = self._pending
            self._pending = grown
        self._pending[offset:end] += samples[:kept]

    def read(self, n: int) -> np.ndarray:
        n = int(n)
        if self._noise_std > 0:  # (I, Q) pairs in draw order: the same whatever the split
            noise = self._rng.standard_normal(2 * n, dtype=np.float32).view(np.complex64)
            out = noise * np.float32(self._noise_std / np.sqrt(2))
        else:
            out = np.zeros(n, dtype=np.complex64)
        m = min(n, self._pending.size)
        out[:m] += self._pending[:m]
        self._pending = self._pending[m:]
        self.clock += n
        return out

    def write(self, samples: np.ndarray) -> None:
        samples = np.asarray(samples, dtype=np.complex64)
        self.counters["samples_sent"] += samples.size
        self.medium.transmit(self, samples)

    def close(self) -> None:
        self.medium.detach(self)
