"""First-run Numba compile time, measured in a subprocess with an empty cache directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from phy.profiles import Profile, get_profile

__all__ = ["first_run_seconds"]

_SCRIPT = """
import json, sys, time
import numpy as np
t0 = time.process_time()
from phy.modem import make_receiver, modulate
name, rate = sys.argv[1], float(sys.argv[2])
x = modulate(name, bytes(16), sample_rate_hz=rate)
t1 = time.process_time()
rx = make_receiver(name, sample_rate_hz=rate)
rx.process(np.concatenate([np.zeros(4096, x.dtype), x, np.zeros(4096, x.dtype)]))
rx.flush()
t2 = time.process_time()
print(json.dumps({"modulate_s": t1 - t0, "receive_s": t2 - t1}))
"""


def first_run_seconds(profile: str | Profile, rate_hz: float, *, timeout_s: float = 600) -> dict:
    """CPU seconds of the first ``modulate`` (imports included) and first receive (at
    ``rate_hz``) in a fresh interpreter whose ``NUMBA_CACHE_DIR`` is empty: the compile
    cost a cold start pays.
    Cost: a subprocess that compiles every kernel the profile uses (tens of seconds).
    """
    profile = get_profile(profile)
    with tempfile.TemporaryDirectory(prefix="sdrlink-numba-") as cache_dir:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
        result = subprocess.run(
            [sys.executable, "-c", _SCRIPT, profile.name, repr(rate_hz)],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout_s,
            check=False,
        )
    if result.returncode != 0:
        tail = result.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"error": tail[0]}
    return json.loads(result.stdout.strip().splitlines()[-1])
