"""Shared helpers of the KISS interop tests: a free loopback port, an ``sdrlink kiss-server``
process and reading its log."""

from __future__ import annotations

import random
import socket
import subprocess
import sys


def free_port() -> int:
    """A free loopback TCP port in 20000..39999 (Dire Wolf's KISSPORT must be below 49152)."""
    rng = random.Random()
    for _ in range(50):
        port = rng.randrange(20000, 40000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def start_server(*args: str, stdout=subprocess.PIPE) -> subprocess.Popen:
    """``sdrlink kiss-server ARGS`` with its log on a text pipe (``stderr``)."""
    return subprocess.Popen(
        [sys.executable, "-m", "upper.cli", "kiss-server", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )


def server_log(server: subprocess.Popen, marker: str, count: int) -> list[str]:
    """The next ``count`` lines of the server's log that contain ``marker`` (text after it)."""
    found: list[str] = []
    while len(found) < count:
        line = server.stderr.readline()
        if not line:
            break
        if marker in line:
            found.append(line.split(marker, 1)[1].strip())
    return found
