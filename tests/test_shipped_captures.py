"""Every shipped capture in ``captures/`` decodes to the payloads its sidecar lists."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from phy.captures import CaptureReader, sigmf_paths
from phy.profiles import get_profile

CAPTURES = Path(__file__).resolve().parent.parent / "captures"
SIDECARS = sorted(CAPTURES.glob("*.json"))
_MODULES = {"gfsk": "phy.gfsk", "bpsk": "phy.psk", "qpsk": "phy.psk", "afsk": "phy.afsk"}


def test_there_are_at_least_three_small_captures():
    assert len(SIDECARS) >= 3
    for sidecar in SIDECARS:
        path = CAPTURES / json.loads(sidecar.read_text())["recording"]
        if path.suffix == ".sigmf-meta":
            assert path.exists()
            path = sigmf_paths(path)[1]
        assert path.stat().st_size < 2_000_000


@pytest.mark.parametrize("sidecar", SIDECARS, ids=[s.stem for s in SIDECARS])
def test_shipped_capture_decodes_as_its_sidecar_says(sidecar):
    info = json.loads(sidecar.read_text())
    profile = get_profile(info["profile"])
    module = _MODULES[profile.modulation]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} has not landed; cannot decode {info['recording']}")
    from phy.modem import make_receiver

    with CaptureReader(CAPTURES / info["recording"]) as reader:
        if reader.format == "sigmf":
            assert reader.profile == info["profile"]
            assert reader.datatype.name == "cu8"
            assert reader.verify()  # core:sha512 of the data file
            annotated = [a.fields["sdrlink:payload_hex"] for a in reader.annotations]
            assert annotated == info["payloads_hex"]
        else:
            assert reader.format == "wav" and not reader.is_complex
        receiver = make_receiver(profile, sample_rate_hz=reader.sample_rate_hz)
        bursts = []
        for chunk in reader.chunks(1 << 16):
            bursts += receiver.process(chunk)
        bursts += receiver.flush()
        annotations = reader.annotations
    expected = info["expected"]
    got = [b.payload.hex() for b in bursts]
    wrong = [
        f"#{i}: {g} instead of {e}"
        for i, (g, e) in enumerate(zip(got, expected["payloads_hex"], strict=False))
        if g != e
    ]
    assert got == expected["payloads_hex"], (
        f"{info['recording']}: the {profile.name} receiver no longer decodes this capture "
        f"({len(got)} bursts, expected {expected['bursts']}; {'; '.join(wrong)})"
    )
    assert len(bursts) == expected["bursts"]
    cfo = np.array([b.cfo_hz for b in bursts])
    assert np.all(np.abs(cfo - expected["cfo_hz"]) < expected["cfo_tolerance_hz"])
    for burst, annotation in zip(bursts, annotations, strict=len(annotations) > 0):
        start = annotation.sample_start
        assert start <= burst.start_sample < start + annotation.sample_count
