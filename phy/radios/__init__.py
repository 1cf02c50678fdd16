"""Radios: where samples come from and go (``read(n)``, ``write(samples)``).

* ``SimRadio`` on a ``SimMedium``: the simulated channel, several nodes share one medium;
* ``FileRadio``: replay a capture, record transmissions to another;
* ``RtlTcpRadio``: a client of an rtl_tcp server (``rtl_tcp_server`` serves a capture);
* ``RtlSdrRadio``: a local RTL-SDR dongle through ``pyrtlsdr`` (imported lazily).

An RTL-SDR only receives: its ``write`` raises ``RadioError``. ``open_radio(url)`` builds a
radio from a URL: ``rtl_tcp://HOST:PORT``, ``rtlsdr://INDEX``, ``file://PATH`` (or a path),
``sim://``. See ``docs/radios.md``.
"""

from phy.radios._base import Radio
from phy.radios._file import FileRadio
from phy.radios._open import open_radio
from phy.radios._rtl_tcp import RtlTcpRadio
from phy.radios._rtlsdr import RtlSdrRadio
from phy.radios._sim import SimMedium, SimRadio

__all__ = [
    "FileRadio",
    "Radio",
    "RtlSdrRadio",
    "RtlTcpRadio",
    "SimMedium",
    "SimRadio",
    "open_radio",
]
