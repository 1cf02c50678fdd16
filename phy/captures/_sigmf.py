"""SigMF metadata: parse and validate a ``.sigmf-meta`` file, build one, annotate bursts.

A SigMF recording is a JSON metadata file ``NAME.sigmf-meta`` next to the raw samples
``NAME.sigmf-data`` (or both inside an uncompressed tar ``NAME.sigmf``). sdrlink reads and
writes these fields (SigMF 1.2):

* global: ``core:datatype``, ``core:sample_rate``, ``core:version``, ``core:hw``,
  ``core:description``, ``core:recorder``, ``core:extensions``, and in the ``sdrlink``
  namespace ``sdrlink:profile`` (the modem profile) and ``sdrlink:num_samples``;
* the first capture segment: ``core:sample_start``, ``core:frequency`` (centre, Hz),
  ``core:datetime`` (UTC, ISO 8601 with ``Z``);
* one annotation per burst: ``core:sample_start``, ``core:sample_count``, ``core:label``,
  ``core:comment``, ``core:freq_lower_edge`` / ``core:freq_upper_edge`` (at RF when the
  centre frequency is known), plus ``sdrlink:snr_db``, ``sdrlink:cfo_hz``, ``sdrlink:evm_db``,
  ``sdrlink:payload_hex``.

Fields of other namespaces are kept as they are and otherwise ignored, as the spec asks.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phy.errors import CaptureError

__all__ = [
    "SIGMF_VERSION",
    "Annotation",
    "SigmfMeta",
    "burst_annotation",
    "parse_sigmf_meta",
    "sigmf_paths",
]

SIGMF_VERSION = "1.2.0"
NAMESPACE = "sdrlink"
_EXTENSION = {"name": NAMESPACE, "version": "0.1.0", "optional": True}


@dataclass(frozen=True, slots=True, kw_only=True)
class Annotation:
    """One SigMF annotation segment (frequencies in hertz, at RF when the centre is known)."""

    sample_start: int
    sample_count: int
    label: str | None = None
    comment: str | None = None
    freq_lower_edge_hz: float | None = None
    freq_upper_edge_hz: float | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # namespaced extras, e.g. sdrlink:*

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "core:sample_start": int(self.sample_start),
            "core:sample_count": int(self.sample_count),
        }
        if self.label is not None:
            out["core:label"] = self.label
        if self.comment is not None:
            out["core:comment"] = self.comment
        if self.freq_lower_edge_hz is not None and self.freq_upper_edge_hz is not None:
            out["core:freq_lower_edge"] = float(self.freq_lower_edge_hz)
            out["core:freq_upper_edge"] = float(self.freq_upper_edge_hz)
        out.update(self.fields)
        return out

    @classmethod
    def from_json(cls, item: dict[str, Any], *, where: str) -> Annotation:
        start = _uint(item.get("core:sample_start"), f"{where}: annotation core:sample_start")
        count = item.get("core:sample_count")
        count = 0 if count is None else _uint(count, f"{where}: annotation core:sample_count")
        extras = {k: v for k, v in item.items() if not k.startswith("core:")}
        return cls(
            sample_start=start,
            sample_count=count,
            label=item.get("core:label"),
            comment=item.get("core:comment"),
            freq_lower_edge_hz=item.get("core:freq_lower_edge"),
            freq_upper_edge_hz=item.get("core:freq_upper_edge"),
            fields=extras,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SigmfMeta:
    """The parts of a SigMF metadata file sdrlink uses (plus everything else, kept)."""

    datatype: str
    sample_rate_hz: float | None = None
    center_freq_hz: float | None = None
    datetime: str | None = None
    hw: str | None = None
    description: str | None = None
    profile: str | None = None
    num_samples: int | None = None
    dataset: str | None = None  # core:dataset: a non-conforming data file's name
    header_bytes: int = 0  # core:header_bytes of the first capture segment
    trailing_bytes: int = 0  # core:trailing_bytes
    annotations: tuple[Annotation, ...] = ()
    extra_global: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        glob: dict[str, Any] = {
            "core:datatype": self.datatype,
            "core:version": SIGMF_VERSION,
            "core:recorder": "sdrlink",
            "core:extensions": [dict(_EXTENSION)],
        }
        if self.sample_rate_hz is not None:
            glob["core:sample_rate"] = float(self.sample_rate_hz)
        if self.hw is not None:
            glob["core:hw"] = self.hw
        if self.description is not None:
            glob["core:description"] = self.description
        if self.profile is not None:
            glob[f"{NAMESPACE}:profile"] = self.profile
        if self.num_samples is not None:
            glob[f"{NAMESPACE}:num_samples"] = int(self.num_samples)
        if self.dataset is not None:
            glob["core:dataset"] = self.dataset
        if self.trailing_bytes:
            glob["core:trailing_bytes"] = self.trailing_bytes
        glob.update(self.extra_global)
        capture: dict[str, Any] = {"core:sample_start": 0}
        if self.header_bytes:
            capture["core:header_bytes"] = self.header_bytes
        if self.center_freq_hz is not None:
            capture["core:frequency"] = float(self.center_freq_hz)
        if self.datetime is not None:
            capture["core:datetime"] = self.datetime
        annotations = sorted(self.annotations, key=lambda a: a.sample_start)
        return {
            "global": glob,
            "captures": [capture],
            "annotations": [a.to_json() for a in annotations],
        }


def _uint(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CaptureError(
            f"{what} must be a non-negative integer, got {value!r}; fix the metadata"
        )
    return value


def _number(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CaptureError(f"{what} must be a number, got {value!r}; fix the metadata")
    return float(value)


def parse_sigmf_meta(text: str, *, where: str) -> SigmfMeta:
    """Validate the JSON text of a ``.sigmf-meta`` file (``where`` names it in errors)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        raise CaptureError(
            f"{where}: not valid JSON ({error.msg} at line {error.lineno} column {error.colno}); "
            "fix the file or record it again"
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("global"), dict):
        raise CaptureError(f'{where}: no "global" object; a SigMF metadata file needs one')
    glob = doc["global"]
    datatype = glob.get("core:datatype")
    if not isinstance(datatype, str):
        raise CaptureError(f'{where}: global core:datatype is missing; add e.g. "cu8" or "cf32_le"')
    channels = glob.get("core:num_channels", 1)
    if channels != 1:
        raise CaptureError(
            f"{where}: {channels} interleaved channels; sdrlink reads single-channel recordings"
        )
    rate = _number(glob.get("core:sample_rate"), f"{where}: core:sample_rate")
    if rate is not None and rate <= 0:
        raise CaptureError(f"{where}: core:sample_rate must be positive, got {rate:g}")
    captures = doc.get("captures") or [{}]
    if not isinstance(captures, list) or not all(isinstance(c, dict) for c in captures):
        raise CaptureError(f'{where}: "captures" must be a list of objects; fix the metadata')
    first = captures[0]
    annotations_json = doc.get("annotations") or []
    if not isinstance(annotations_json, list) or not all(
        isinstance(a, dict) for a in annotations_json
    ):
        raise CaptureError(f'{where}: "annotations" must be a list of objects; fix the metadata')
    num_samples = glob.get(f"{NAMESPACE}:num_samples")
    if num_samples is not None:
        num_samples = _uint(num_samples, f"{where}: {NAMESPACE}:num_samples")
    dataset = glob.get("core:dataset")
    if dataset is not None and (
        not isinstance(dataset, str) or not dataset or any(c in dataset for c in "/\\")
    ):
        raise CaptureError(f"{where}: core:dataset must be a file name beside the metadata")
    if any(c.get("core:header_bytes") for c in captures[1:]):
        raise CaptureError(
            f"{where}: header bytes inside the dataset (core:header_bytes after the first "
            "capture segment) are not supported; strip them into a plain data file"
        )
    header_bytes = _uint(first.get("core:header_bytes", 0), f"{where}: core:header_bytes")
    trailing = _uint(glob.get("core:trailing_bytes", 0), f"{where}: core:trailing_bytes")
    known = {
        "core:dataset",
        "core:trailing_bytes",
        "core:datatype",
        "core:sample_rate",
        "core:version",
        "core:recorder",
        "core:extensions",
        "core:hw",
        "core:description",
        f"{NAMESPACE}:profile",
        f"{NAMESPACE}:num_samples",
    }
    return SigmfMeta(
        datatype=datatype,
        sample_rate_hz=rate,
        center_freq_hz=_number(first.get("core:frequency"), f"{where}: core:frequency"),
        datetime=first.get("core:datetime"),
        hw=glob.get("core:hw"),
        description=glob.get("core:description"),
        profile=glob.get(f"{NAMESPACE}:profile"),
        num_samples=num_samples,
        dataset=dataset,
        header_bytes=header_bytes,
        trailing_bytes=trailing,
        annotations=tuple(Annotation.from_json(a, where=where) for a in annotations_json),
        extra_global={k: v for k, v in glob.items() if k not in known},
    )


def sigmf_paths(path: str | Path) -> tuple[Path, Path]:
    """(metadata, data) paths of the recording ``path`` names (either file or the base)."""
    path = Path(path)
    base = path.with_suffix("") if path.suffix in (".sigmf-meta", ".sigmf-data", ".sigmf") else path
    return base.with_name(base.name + ".sigmf-meta"), base.with_name(base.name + ".sigmf-data")


def burst_annotation(
    burst, *, center_freq_hz: float | None = None, bandwidth_hz: float | None = None
) -> Annotation:
    """An annotation for a received ``phy.burst.Burst`` (SNR, CFO, EVM, payload).

    ``sample_start`` is the burst's sync-word start and ``sample_count`` spans sync word,
    PHY header and payload at the profile's bit rate. The frequency edges are the profile's
    occupied bandwidth (or ``bandwidth_hz``) around the centre plus the measured CFO.
    """
    from phy.profiles import get_profile

    profile = get_profile(burst.profile)
    bits = profile.sync_bits + 48 + burst.llrs.size
    count = round(bits / profile.bit_rate_bps * burst.sample_rate_hz)
    bandwidth_hz = profile.occupied_bandwidth_hz if bandwidth_hz is None else bandwidth_hz
    centre = (center_freq_hz or 0.0) + burst.cfo_hz
    fields = {
        f"{NAMESPACE}:snr_db": round(float(burst.snr_db), 2),
        f"{NAMESPACE}:cfo_hz": round(float(burst.cfo_hz), 1),
        f"{NAMESPACE}:payload_hex": burst.payload.hex(),
    }
    if burst.evm_db is not None:
        fields[f"{NAMESPACE}:evm_db"] = round(float(burst.evm_db), 2)
    return Annotation(
        sample_start=max(int(burst.start_sample), 0),
        sample_count=count,
        label=burst.profile,
        comment=f"{len(burst.payload)} B, SNR {burst.snr_db:.1f} dB, CFO {burst.cfo_hz:+.0f} Hz",
        freq_lower_edge_hz=centre - bandwidth_hz / 2,
        freq_upper_edge_hz=centre + bandwidth_hz / 2,
        fields=fields,
    )
