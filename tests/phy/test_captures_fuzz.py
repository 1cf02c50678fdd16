"""Mutated and random capture files: a reader either works or raises CaptureError, never more."""

from __future__ import annotations

import json
import random
import wave

import numpy as np
import pytest

from phy.captures import CaptureReader, write_capture
from phy.errors import CaptureError

_ODD_VALUES = [None, -1, 0, 1.5, 1e300, float("nan"), "", "x", "cu8", [], {}, True, 2**70]


def _mutate_json(doc, rng: random.Random):
    """One random structural change somewhere in a JSON document."""
    if isinstance(doc, dict) and doc:
        key = rng.choice(sorted(doc))
        action = rng.random()
        if action < 0.3:
            del doc[key]
        elif action < 0.7:
            doc[key] = rng.choice(_ODD_VALUES)
        else:
            doc[key] = _mutate_json(doc[key], rng)
        return doc
    if isinstance(doc, list) and doc:
        i = rng.randrange(len(doc))
        doc[i] = _mutate_json(doc[i], rng) if rng.random() < 0.6 else rng.choice(_ODD_VALUES)
        return doc
    return rng.choice(_ODD_VALUES)


def _read_all(path, **options) -> None:
    with CaptureReader(path, **options) as reader:
        for _ in reader.chunks(4096):
            pass
        reader.verify()


@pytest.fixture(scope="module")
def good_sigmf(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fuzz")
    rng = np.random.default_rng(0)
    x = (0.2 * (rng.standard_normal(3000) + 1j * rng.standard_normal(3000))).astype(np.complex64)
    with_annotations = write_capture(
        directory / "good", x, format="sigmf", datatype="cu8", sample_rate_hz=1e6
    )
    doc = json.loads(with_annotations.read_text())
    doc["annotations"] = [
        {"core:sample_start": 10, "core:sample_count": 100, "core:label": "b"},
        {"core:sample_start": 500, "core:sample_count": 50, "sdrlink:snr_db": 3.0},
    ]
    return directory, json.dumps(doc)


def test_mutated_sigmf_metadata_gives_capture_error_or_works(good_sigmf):
    directory, text = good_sigmf
    rng = random.Random(1234)
    meta = directory / "good.sigmf-meta"
    outcomes = {"ok": 0, "error": 0}
    for _ in range(400):
        doc = json.loads(text)
        for _ in range(rng.randint(1, 3)):
            doc = _mutate_json(doc, rng)
        meta.write_text(json.dumps(doc))
        try:
            _read_all(meta)
            outcomes["ok"] += 1
        except CaptureError as error:
            assert "\n" not in str(error)
            outcomes["error"] += 1
    assert outcomes["ok"] > 0 and outcomes["error"] > 0


def test_truncated_metadata_text_gives_capture_error(good_sigmf):
    directory, text = good_sigmf
    meta = directory / "good.sigmf-meta"
    for cut in range(0, len(text), 7):
        meta.write_text(text[:cut])
        with pytest.raises(CaptureError):
            _read_all(meta)


def test_random_bytes_as_wav_and_sigmf(tmp_path):
    rng = np.random.default_rng(7)
    good = tmp_path / "good.wav"
    with wave.open(str(good), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48_000)
        w.writeframes(rng.integers(-3000, 3000, 500, dtype=np.int16).tobytes())
    template = bytearray(good.read_bytes())
    for trial in range(300):
        data = bytearray(template)
        for _ in range(int(rng.integers(1, 6))):
            data[int(rng.integers(0, 64))] = int(rng.integers(0, 256))  # the header
        if trial % 3 == 0:
            data = data[: int(rng.integers(0, len(data)))]
        path = tmp_path / f"m{trial}.wav"
        path.write_bytes(bytes(data))
        try:
            _read_all(path)
        except CaptureError as error:
            assert "\n" not in str(error)
    for trial in range(50):
        path = tmp_path / f"r{trial}.sigmf-meta"
        path.write_bytes(rng.integers(0, 256, int(rng.integers(0, 300)), dtype=np.uint8).tobytes())
        with pytest.raises(CaptureError):
            _read_all(path)
