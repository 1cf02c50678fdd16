"""Capture formats: round trips in every format, and every kind of bad file."""

from __future__ import annotations

import hashlib
import json
import tarfile
import wave

import numpy as np
import pytest

from phy.captures import (
    DATATYPES,
    CaptureReader,
    CaptureWriter,
    StreamReader,
    burst_annotation,
    get_datatype,
    sigmf_paths,
    write_capture,
)
from phy.errors import CaptureError

RATE = 1_024_000.0


def _iq(n: int, seed: int = 1, amplitude: float = 0.15) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (amplitude * (rng.standard_normal(n) + 1j * rng.standard_normal(n))).astype(np.complex64)


def _audio(n: int, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(0.2 * rng.standard_normal(n), -0.99, 0.99).astype(np.float32)


def _step(datatype: str) -> float:
    d = get_datatype(datatype)
    return 0.0 if not d.is_integer else 0.5 / d.full_scale + 1e-7


# -- round trips -------------------------------------------------------------------------
@pytest.mark.parametrize("datatype", ["cu8", "ci16_le", "cf32_le"])
def test_sigmf_round_trip_each_datatype(tmp_path, datatype):
    x = _iq(10_007)
    path = write_capture(
        tmp_path / "rec",
        x,
        format="sigmf",
        datatype=datatype,
        sample_rate_hz=RATE,
        center_freq_hz=433.92e6,
        profile="gfsk9k6",
        hw="test bench",
    )
    with CaptureReader(path) as reader:
        assert reader.num_samples == x.size
        assert reader.sample_rate_hz == RATE
        assert reader.center_freq_hz == 433.92e6
        assert reader.profile == "gfsk9k6"
        assert reader.datatype.name == datatype
        y = np.concatenate(list(reader.chunks(999)))
    assert y.dtype == np.complex64
    err = np.max(np.abs(np.concatenate([(y - x).real, (y - x).imag])))
    assert err <= _step(datatype)


@pytest.mark.parametrize("fmt", ["cu8", "cs8", "cs16", "cf32"])
def test_raw_round_trip(tmp_path, fmt):
    x = _iq(5_000, seed=3)
    path = write_capture(tmp_path / f"rec.{fmt}", x, sample_rate_hz=RATE)
    with CaptureReader(path, sample_rate_hz=RATE) as reader:
        y = reader.read(10**9)
    d = DATATYPES[{"cu8": "cu8", "cs8": "ci8", "cs16": "ci16_le", "cf32": "cf32_le"}[fmt]]
    assert y.size == x.size
    assert np.max(np.abs((y - x).real)) <= _step(d.name)
    assert np.max(np.abs((y - x).imag)) <= _step(d.name)


def test_cu8_matches_rtl_sdr_convention(tmp_path):
    raw = np.array([0, 255, 127, 128, 200, 10], dtype=np.uint8)
    path = tmp_path / "x.cu8"
    raw.tofile(path)
    y = CaptureReader(path, sample_rate_hz=RATE).read(3)
    expected = (raw.astype(np.float64) - 127.5) / 127.5
    np.testing.assert_allclose(y.real, expected[0::2], rtol=0, atol=1e-6)
    np.testing.assert_allclose(y.imag, expected[1::2], rtol=0, atol=1e-6)


def test_wav_round_trip_pcm16(tmp_path):
    a = _audio(4_801)
    path = write_capture(tmp_path / "a.wav", a, sample_rate_hz=48_000)
    with wave.open(str(path)) as w:  # a real WAV the stdlib reads
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 48_000)
    with CaptureReader(path) as reader:
        assert not reader.is_complex
        y = np.concatenate(list(reader.chunks(1000)))
    assert y.dtype == np.float32
    assert np.max(np.abs(y - a)) <= 0.5 / 32768 + 1e-7


def test_wav_float32_read(tmp_path):
    a = _audio(1000)
    path = tmp_path / "f.wav"
    data = a.astype("<f4").tobytes()
    fmt = (3).to_bytes(2, "little") + (1).to_bytes(2, "little") + (8000).to_bytes(4, "little")
    fmt += (32000).to_bytes(4, "little") + (4).to_bytes(2, "little") + (32).to_bytes(2, "little")
    body = b"WAVE" + b"fmt " + len(fmt).to_bytes(4, "little") + fmt
    body += b"data" + len(data).to_bytes(4, "little") + data
    path.write_bytes(b"RIFF" + len(body).to_bytes(4, "little") + body)
    reader = CaptureReader(path)
    assert reader.sample_rate_hz == 8000
    np.testing.assert_array_equal(reader.read(2000), a)


def test_sigmf_real_audio_round_trip(tmp_path):
    a = _audio(3000)
    path = write_capture(tmp_path / "aud", a, format="sigmf", sample_rate_hz=48_000)
    y = CaptureReader(path).read(5000)
    assert y.dtype == np.float32 and np.max(np.abs(y - a)) <= 0.5 / 32768 + 1e-7


def test_sigmf_metadata_is_spec_shaped(tmp_path):
    x = _iq(2000)
    with CaptureWriter(
        tmp_path / "rec.sigmf-meta",
        format="sigmf",
        datatype="cu8",
        sample_rate_hz=2.4e6,
        center_freq_hz=868e6,
        profile="qpsk250k",
        hw="RTL-SDR (simulated)",
    ) as writer:
        writer.write(x)
        writer.annotate(
            sample_start=100,
            sample_count=500,
            label="qpsk250k",
            freq_lower_edge_hz=868e6 - 1e5,
            freq_upper_edge_hz=868e6 + 1e5,
            fields={"sdrlink:snr_db": 12.5},
        )
        writer.annotate(sample_start=10, sample_count=20)
    meta_path, data_path = sigmf_paths(tmp_path / "rec")
    doc = json.loads(meta_path.read_text())
    glob = doc["global"]
    assert glob["core:datatype"] == "cu8"
    assert glob["core:sample_rate"] == 2.4e6
    assert glob["core:version"].count(".") == 2
    assert glob["core:hw"] == "RTL-SDR (simulated)"
    assert glob["sdrlink:profile"] == "qpsk250k"
    assert {"name": "sdrlink", "version": "0.1.0", "optional": True} in glob["core:extensions"]
    capture = doc["captures"][0]
    assert capture["core:sample_start"] == 0 and capture["core:frequency"] == 868e6
    assert capture["core:datetime"].endswith("Z")
    starts = [a["core:sample_start"] for a in doc["annotations"]]
    assert starts == sorted(starts) == [10, 100]
    annotation = doc["annotations"][1]
    assert annotation["core:freq_lower_edge"] < annotation["core:freq_upper_edge"]
    assert annotation["sdrlink:snr_db"] == 12.5
    assert data_path.stat().st_size == 2 * x.size
    reader = CaptureReader(meta_path)
    assert [a.sample_start for a in reader.annotations] == [10, 100]
    assert reader.annotations[1].fields["sdrlink:snr_db"] == 12.5


def test_sigmf_opens_by_any_name_and_from_archive(tmp_path):
    x = _iq(1000)
    write_capture(tmp_path / "r", x, format="sigmf", sample_rate_hz=RATE)
    for name in ("r", "r.sigmf-meta", "r.sigmf-data"):
        np.testing.assert_array_equal(CaptureReader(tmp_path / name).read(1000), x)
    archive = tmp_path / "r.sigmf"
    with tarfile.open(archive, "w") as tar:
        tar.add(tmp_path / "r.sigmf-meta", arcname="r/r.sigmf-meta")
        tar.add(tmp_path / "r.sigmf-data", arcname="r/r.sigmf-data")
    with CaptureReader(archive) as reader:
        np.testing.assert_array_equal(reader.read(1000), x)


def test_sha512_is_written_and_verified(tmp_path):
    x = _iq(5000)
    path = write_capture(tmp_path / "h", x, format="sigmf", datatype="cu8", sample_rate_hz=RATE)
    meta, data = sigmf_paths(path)
    doc = json.loads(meta.read_text())
    assert doc["global"]["core:sha512"] == hashlib.sha512(data.read_bytes()).hexdigest()
    assert CaptureReader(path, window_bytes=1 << 16).verify() is True
    damaged = bytearray(data.read_bytes())
    damaged[777] ^= 1
    data.write_bytes(bytes(damaged))
    with pytest.raises(CaptureError, match="SHA-512 differs"):
        CaptureReader(path).verify()
    raw = write_capture(tmp_path / "h.cu8", x, sample_rate_hz=RATE)
    assert CaptureReader(raw, sample_rate_hz=RATE).verify() is False


def test_non_conforming_dataset_with_header_and_trailing_bytes(tmp_path):
    x = _iq(1000)
    raw = write_capture(tmp_path / "rtl.cu8", x, sample_rate_hz=RATE)
    wrapped = tmp_path / "wrapped.bin"
    wrapped.write_bytes(b"HEAD" * 4 + raw.read_bytes() + b"TAIL")
    meta = tmp_path / "described.sigmf-meta"
    doc = {
        "global": {
            "core:datatype": "cu8",
            "core:sample_rate": RATE,
            "core:version": "1.2.0",
            "core:dataset": "wrapped.bin",
            "core:trailing_bytes": 4,
        },
        "captures": [{"core:sample_start": 0, "core:header_bytes": 16}],
        "annotations": [],
    }
    meta.write_text(json.dumps(doc))
    with CaptureReader(meta) as reader:
        assert reader.num_samples == 1000
        np.testing.assert_array_equal(
            reader.read(2000), CaptureReader(raw, sample_rate_hz=RATE).read(2000)
        )
    doc["global"]["core:sha512"] = hashlib.sha512(wrapped.read_bytes()).hexdigest()
    meta.write_text(json.dumps(doc))
    assert CaptureReader(meta).verify() is True
    doc["global"]["core:dataset"] = "../elsewhere.bin"
    meta.write_text(json.dumps(doc))
    assert "core:dataset must be a file name" in _error(meta)
    doc["global"]["core:dataset"] = "wrapped.bin"
    doc["captures"].append({"core:sample_start": 500, "core:header_bytes": 4})
    meta.write_text(json.dumps(doc))
    assert "header bytes inside the dataset" in _error(meta)


def test_seek_and_position(tmp_path):
    x = _iq(1000)
    path = write_capture(tmp_path / "s.cf32", x, sample_rate_hz=RATE)
    reader = CaptureReader(path, sample_rate_hz=RATE, window_bytes=1 << 16)
    reader.seek(990)
    np.testing.assert_array_equal(reader.read(100), x[990:])
    assert reader.position == 1000 and reader.read(5).size == 0


def test_small_window_gives_same_samples(tmp_path):
    x = _iq(100_000)
    path = write_capture(tmp_path / "w.cu8", x, sample_rate_hz=RATE)
    whole = CaptureReader(path, sample_rate_hz=RATE).read(x.size)
    rng = np.random.default_rng(5)
    reader = CaptureReader(path, sample_rate_hz=RATE, window_bytes=1 << 16)
    parts = []
    while True:
        part = reader.read(int(rng.integers(1, 40_000)))
        if part.size == 0:
            break
        parts.append(part)
    np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_stream_reader(tmp_path):
    x = _iq(3000)
    path = write_capture(tmp_path / "p.cu8", x, sample_rate_hz=RATE)
    with open(path, "rb") as f:
        reader = StreamReader(f, format="cu8", sample_rate_hz=RATE)
        y = np.concatenate(list(reader.chunks(700)))
    np.testing.assert_array_equal(y, CaptureReader(path, sample_rate_hz=RATE).read(3000))
    path.write_bytes(path.read_bytes() + b"\x01")
    with open(path, "rb") as f, pytest.raises(CaptureError, match="ended 1 bytes into"):
        list(StreamReader(f, format="cu8", sample_rate_hz=RATE).chunks(700))


def test_burst_annotation_fields():
    from phy.burst import Burst

    llrs = np.where(np.unpackbits(np.frombuffer(b"hi", np.uint8)) == 1, -4.0, 4.0)
    burst = Burst(
        profile="gfsk9k6",
        llrs=llrs.astype(np.float32),
        start_sample=2400,
        sample_rate_hz=2.4e6,
        snr_db=11.234,
        cfo_hz=-4999.6,
    )
    annotation = burst_annotation(burst, center_freq_hz=433.92e6)
    doc = annotation.to_json()
    assert doc["core:sample_start"] == 2400 and doc["core:sample_count"] > 0
    assert doc["sdrlink:snr_db"] == 11.23 and doc["sdrlink:cfo_hz"] == -4999.6
    assert doc["sdrlink:payload_hex"] == b"hi".hex()
    assert doc["core:freq_lower_edge"] < 433.92e6 - 4999 < doc["core:freq_upper_edge"]


# -- bad files ---------------------------------------------------------------------------
def _good_sigmf(tmp_path, n=1000, datatype="cu8"):
    write_capture(tmp_path / "g", _iq(n), format="sigmf", datatype=datatype, sample_rate_hz=RATE)
    return sigmf_paths(tmp_path / "g")


def _edit_meta(meta_path, change):
    doc = json.loads(meta_path.read_text())
    change(doc)
    meta_path.write_text(json.dumps(doc))


def _error(path, **options) -> str:
    with pytest.raises(CaptureError) as info:
        CaptureReader(path, **options)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_bad_json(tmp_path):
    meta, _ = _good_sigmf(tmp_path)
    meta.write_text('{"global": {"core:datatype": "cu8",')
    assert "not valid JSON" in _error(meta)


def test_unknown_datatype(tmp_path):
    meta, _ = _good_sigmf(tmp_path)
    _edit_meta(meta, lambda d: d["global"].update({"core:datatype": "cf128_le"}))
    message = _error(meta)
    assert "'cf128_le' is not supported" in message and "cu8" in message


def test_missing_datatype(tmp_path):
    meta, _ = _good_sigmf(tmp_path)
    _edit_meta(meta, lambda d: d["global"].pop("core:datatype"))
    assert "core:datatype is missing" in _error(meta)


def test_missing_sample_rate(tmp_path):
    meta, _ = _good_sigmf(tmp_path)
    _edit_meta(meta, lambda d: d["global"].pop("core:sample_rate"))
    assert "--sample-rate" in _error(meta)
    assert CaptureReader(meta, sample_rate_hz=RATE).sample_rate_hz == RATE


def test_mismatched_sample_rate(tmp_path):
    meta, _ = _good_sigmf(tmp_path)
    assert "recorded at" in _error(meta, sample_rate_hz=2 * RATE)


def test_bad_sample_rate_value(tmp_path):
    meta, _ = _good_sigmf(tmp_path)
    _edit_meta(meta, lambda d: d["global"].update({"core:sample_rate": "fast"}))
    assert "core:sample_rate must be a number" in _error(meta)


def test_truncated_data(tmp_path):
    meta, data = _good_sigmf(tmp_path)
    data.write_bytes(data.read_bytes()[:1000])
    assert "truncated" in _error(meta)


def test_wrong_datatype_in_metadata(tmp_path):
    meta, _ = _good_sigmf(tmp_path, n=1000, datatype="cu8")
    _edit_meta(meta, lambda d: d["global"].update({"core:datatype": "cf32_le"}))
    message = _error(meta)
    assert "holds 250 cf32_le samples but its metadata says 1000" in message
    assert "core:datatype is wrong" in message


def test_truncated_data_found_by_annotations(tmp_path):
    meta, _ = _good_sigmf(tmp_path)
    _edit_meta(
        meta,
        lambda d: (
            d["global"].pop("sdrlink:num_samples"),
            d["annotations"].append({"core:sample_start": 900, "core:sample_count": 500}),
        ),
    )
    assert "annotations reach sample 1400" in _error(meta)


def test_odd_byte_count(tmp_path):
    meta, data = _good_sigmf(tmp_path)
    _edit_meta(meta, lambda d: d["global"].pop("sdrlink:num_samples"))
    data.write_bytes(data.read_bytes()[:-1])
    assert "not a whole number of cu8 samples" in _error(meta)
    raw = tmp_path / "odd.cf32"
    raw.write_bytes(b"\0" * 13)
    assert "not a whole number" in _error(raw, sample_rate_hz=RATE)


def test_missing_data_file(tmp_path):
    meta, data = _good_sigmf(tmp_path)
    data.unlink()
    assert "data file g.sigmf-data is missing" in _error(meta)


def test_missing_file(tmp_path):
    assert "no such file" in _error(tmp_path / "nothing.cu8", sample_rate_hz=RATE)
    assert "no such file" in _error(tmp_path / "nothing.sigmf-meta")


def test_raw_needs_rate_and_known_extension(tmp_path):
    raw = tmp_path / "x.cu8"
    raw.write_bytes(b"\x80" * 100)
    assert "--sample-rate" in _error(raw)
    other = tmp_path / "x.bin"
    other.write_bytes(b"\x80" * 100)
    assert "--format" in _error(other, sample_rate_hz=RATE)
    assert "unknown capture format" in _error(other, format="mp3")


def test_empty_file(tmp_path):
    raw = tmp_path / "e.cu8"
    raw.write_bytes(b"")
    assert "holds no samples" in _error(raw, sample_rate_hz=RATE)


def test_meta_not_an_object(tmp_path):
    meta, _ = _good_sigmf(tmp_path)
    meta.write_text("[1, 2]")
    assert 'no "global" object' in _error(meta)
    meta.write_bytes(b"\xff\xfe\x00garbage")
    assert "not UTF-8" in _error(meta)


def test_bad_annotation(tmp_path):
    meta, _ = _good_sigmf(tmp_path)
    _edit_meta(meta, lambda d: d["annotations"].append({"core:sample_start": -3}))
    assert "core:sample_start must be a non-negative integer" in _error(meta)


def test_bad_wav_files(tmp_path):
    not_wav = tmp_path / "n.wav"
    not_wav.write_bytes(b"hello, this is text" * 10)
    assert "not a RIFF/WAVE file" in _error(not_wav)
    stereo = tmp_path / "s.wav"
    with wave.open(str(stereo), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0" * 400)
    assert "2 channels" in _error(stereo)
    eight = tmp_path / "8.wav"
    with wave.open(str(eight), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(b"\x80" * 400)
    assert "8-bit PCM audio is not supported" in _error(eight)
    good = write_capture(tmp_path / "g.wav", _audio(1000), sample_rate_hz=8000)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(good.read_bytes()[:900])
    assert "truncated" in _error(cut)


def test_sigmf_archive_errors(tmp_path):
    fake = tmp_path / "f.sigmf"
    fake.write_bytes(b"\x1f\x8b" + b"\0" * 600)
    assert "not an uncompressed tar" in _error(fake)
    empty = tmp_path / "e.sigmf"
    with tarfile.open(empty, "w"):
        pass
    assert "holds 0 .sigmf-meta files" in _error(empty)


def test_writer_errors(tmp_path):
    with pytest.raises(CaptureError, match="WAV holds audio"):
        CaptureWriter(tmp_path / "x.wav", sample_rate_hz=48_000, is_complex=True)
    with pytest.raises(CaptureError, match="cannot hold"):
        CaptureWriter(tmp_path / "x.s16", sample_rate_hz=48_000, is_complex=True)
    with pytest.raises(CaptureError, match="cannot write"):
        CaptureWriter(tmp_path / "no" / "dir" / "x.cu8", sample_rate_hz=RATE)
    with pytest.raises(CaptureError, match="sample rate must be positive"):
        CaptureWriter(tmp_path / "x.cu8", sample_rate_hz=0)
    with pytest.raises(CaptureError, match="standard output"):
        CaptureWriter("-", format="wav", sample_rate_hz=48_000, is_complex=False)
