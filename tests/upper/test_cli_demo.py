"""``sdrlink demo`` as a user runs it."""

from __future__ import annotations

import subprocess
import sys


def test_demo_runs_and_delivers_through_b():
    result = subprocess.run(
        [sys.executable, "-m", "upper.cli", "demo"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "route to C via B, 2 hops" in out
    assert "C <- A: 'hello C, this is A'" in out
    assert "per-hop link statistics" in out and "A->B" in out and "B->C" in out
    assert "retransmissions" in out
    assert "OK: 4 of 4 messages delivered in order" in out
