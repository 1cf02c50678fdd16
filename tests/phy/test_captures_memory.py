"""Replaying a 2 GB capture uses bounded memory (a sparse file, so the disk stays empty)."""

from __future__ import annotations

import os
import tracemalloc

import numpy as np
import pytest

from phy.captures import CaptureReader

FILE_BYTES = 2 << 30  # 2 GiB of cu8: 1 Gi samples


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    pytest.skip("no /proc/self/status on this system")


@pytest.fixture
def sparse_capture(tmp_path):
    path = tmp_path / "big.cu8"
    with open(path, "wb") as f:
        f.truncate(FILE_BYTES)
        f.seek(FILE_BYTES - 4)
        f.write(bytes([255, 0, 128, 127]))  # something to find at the very end
    if os.stat(path).st_blocks * 512 > 64 << 20:
        pytest.skip("this filesystem does not make sparse files")
    return path


def test_replaying_2gb_capture_has_bounded_memory(sparse_capture):
    window = 32 << 20
    reader = CaptureReader(sparse_capture, sample_rate_hz=2.4e6, window_bytes=window)
    assert reader.num_samples == FILE_BYTES // 2
    rss_before = _rss_mib()
    rss_peak = rss_before
    tracemalloc.start()
    try:
        total = 0
        last = None
        for i, chunk in enumerate(reader.chunks(1 << 18)):
            total += chunk.size
            last = chunk
            if i % 256 == 0:
                rss_peak = max(rss_peak, _rss_mib())
        _, traced_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == FILE_BYTES // 2
    np.testing.assert_allclose(last[-2:], [(127.5 - 127.5j) / 127.5, (0.5 - 0.5j) / 127.5])
    # No array the size of the file: Python-side allocations stay at a few chunks.
    assert traced_peak < 16 << 20
    # Resident memory grows by about one mapped window, not by the 2 GiB file.
    assert rss_peak - rss_before < (window >> 20) + 96
