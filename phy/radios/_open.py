"""``open_radio``: a radio from a URL (the ``--radio`` option of the command line)."""

from __future__ import annotations

from urllib.parse import urlsplit

from phy.errors import ConfigError
from phy.radios._base import Radio

__all__ = ["open_radio"]

_SCHEMES = "rtl_tcp://HOST:PORT, rtlsdr://INDEX, file://PATH, sim://"


def open_radio(url: str, **options) -> Radio:
    """Open the radio ``url`` names; ``options`` go to its constructor.

    Examples: ``rtl_tcp://127.0.0.1:1234``, ``rtlsdr://0``, ``file://captures/x.sigmf-meta``
    (a bare path works too), ``sim://``.
    """
    if "://" not in url:
        from phy.radios._file import FileRadio

        return FileRadio(url, **options)
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    parts = urlsplit("//" + rest)  # RFC 3986 schemes cannot hold "_" (rtl_tcp)
    if scheme == "rtl_tcp":
        from phy.radios._rtl_tcp import RtlTcpRadio

        try:
            port = parts.port or 1234
        except ValueError:
            raise ConfigError(f"bad port in {url!r}; use rtl_tcp://HOST:PORT") from None
        return RtlTcpRadio(parts.hostname or "127.0.0.1", port, **options)
    if scheme == "rtlsdr":
        from phy.radios._rtlsdr import RtlSdrRadio

        index = parts.netloc or "0"
        if not index.isdigit():
            raise ConfigError(f"bad device index in {url!r}; use rtlsdr://0")
        return RtlSdrRadio(int(index), **options)
    if scheme == "file":
        from phy.radios._file import FileRadio

        return FileRadio(parts.netloc + parts.path, **options)
    if scheme == "sim":
        from phy.radios._sim import SimRadio

        return SimRadio(**options)
    raise ConfigError(f"unknown radio {url!r}; use one of {_SCHEMES}")
