"""``sdrlink air`` + two ``sdrlink chat`` processes on loopback, as two terminals would."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest


def _sdrlink(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "upper.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.fixture
def air():
    proc = _sdrlink("air", "--port", "0", "--loss", "0.1", "--seed", "1", "--duration-s", "90")
    line = proc.stdout.readline()
    assert line.startswith("air: listening on 127.0.0.1:"), line
    yield line.split()[3]
    proc.kill()
    proc.wait(timeout=10)


def test_two_stations_chat_through_air(air):
    bob = _sdrlink(
        "chat", "--name", "bob", "--air", air, "--duration-s", "45", stdin=subprocess.PIPE
    )
    alice = _sdrlink(
        "chat", "--name", "alice", "--air", air, "--linger-s", "40", stdin=subprocess.PIPE
    )
    try:
        for text in ("hello bob", "second line", "73"):
            alice.stdin.write(text + "\n")
        alice.stdin.close()  # end of input: alice waits for delivery, then exits
        assert alice.wait(timeout=60) == 0, alice.stdout.read() + alice.stderr.read()
        seen = []
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and len(seen) < 3:
            line = bob.stdout.readline()
            if line.startswith("<alice>"):
                seen.append(line.strip())
        assert seen == ["<alice> hello bob", "<alice> second line", "<alice> 73"]
    finally:
        for proc in (alice, bob):
            proc.kill()
            proc.wait(timeout=10)


def test_blocking_front_end_calls_through_air(air):
    import random

    from upper.application import Node
    from upper.runtime import BlockingNode, parse_host_port

    server = parse_host_port(air, 7300)
    alice = Node(name="alice", rng=random.Random(1))
    bob = Node(name="bob", rng=random.Random(2))
    bob.on("double", lambda sender, data: 2 * data)
    a, b = BlockingNode(alice, server=server), BlockingNode(bob, server=server)
    try:
        deadline = time.monotonic() + 30
        while alice.network.route_to(bob.address) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert a.call("double", 21, to=bob.address, timeout_s=20.0) == 42
    finally:
        a.close()
        b.close()
