"""SigMF interop with the reference implementation (the ``sigmf`` package from PyPI).

Our recordings validate against the official schema and read back the same samples there;
recordings the reference writes read back here. Skipped where ``sigmf`` is not installed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phy.captures import CaptureReader, write_capture

sigmf = pytest.importorskip("sigmf", reason="the reference SigMF package is not installed")
from sigmf import SigMFFile, sigmffile  # noqa: E402

CAPTURES = Path(__file__).resolve().parents[2] / "captures"


def _iq(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (0.15 * (rng.standard_normal(n) + 1j * rng.standard_normal(n))).astype(np.complex64)


@pytest.mark.parametrize("datatype", ["cf32_le", "ci16_le", "cu8"])
def test_our_recordings_validate_and_read_in_the_reference(tmp_path, datatype):
    x = _iq(4000)
    path = write_capture(
        tmp_path / "ours",
        x,
        format="sigmf",
        datatype=datatype,
        sample_rate_hz=2.4e6,
        center_freq_hz=433.92e6,
        profile="gfsk9k6",
    )
    ref = sigmffile.fromfile(str(path))
    ref.validate()  # the official JSON schema
    assert ref.get_global_field("core:datatype") == datatype
    assert ref.get_global_field("core:sample_rate") == 2.4e6
    assert ref.get_captures()[0]["core:frequency"] == 433.92e6
    theirs = np.asarray(ref.read_samples(), dtype=np.complex64)
    ours = CaptureReader(path).read(x.size)
    if (
        datatype == "cu8"
    ):  # the reference maps u8 as (v - 128) / 128, rtl_sdr as (v - 127.5) / 127.5
        theirs = (theirs * 128 + (0.5 + 0.5j)) / 127.5
    elif datatype == "ci16_le":
        assert ref.get_global_field("core:datatype") == "ci16_le"
    np.testing.assert_allclose(theirs, ours, rtol=0, atol=2e-6)


@pytest.mark.parametrize("name", sorted(p.name for p in CAPTURES.glob("*.sigmf-meta")))
def test_shipped_captures_validate_in_the_reference(name):
    ref = sigmffile.fromfile(str(CAPTURES / name))
    ref.validate()
    ours = CaptureReader(CAPTURES / name)
    assert ref.sample_count == ours.num_samples
    annotations = ref.get_annotations()
    assert len(annotations) == len(ours.annotations)
    assert [a["core:sample_start"] for a in annotations] == [
        a.sample_start for a in ours.annotations
    ]


def test_reference_recordings_read_here(tmp_path):
    x = _iq(3000, 1)
    data = tmp_path / "ref.sigmf-data"
    x.tofile(data)
    meta = SigMFFile(
        data_file=str(data),
        global_info={
            "core:datatype": "cf32_le",
            "core:sample_rate": 1_024_000,
            "core:version": "1.2.0",
            "core:hw": "reference writer",
            "core:extensions": [{"name": "sdrlink", "version": "0.1.0", "optional": True}],
        },
    )
    meta.add_capture(0, metadata={"core:frequency": 868.3e6})
    meta.add_annotation(
        100,
        200,
        metadata={"core:label": "burst", "sdrlink:snr_db": 9.5},
    )
    meta.tofile(str(tmp_path / "ref.sigmf-meta"))
    with CaptureReader(tmp_path / "ref.sigmf-meta") as reader:
        assert reader.sample_rate_hz == 1_024_000 and reader.center_freq_hz == 868.3e6
        assert reader.metadata.hw == "reference writer"
        assert reader.annotations[0].label == "burst"
        assert reader.annotations[0].fields["sdrlink:snr_db"] == 9.5
        np.testing.assert_array_equal(reader.read(5000), x)
        assert reader.verify() == ("core:sha512" in reader.metadata.extra_global)
