import json

from phy.measure import BenchRecord, register_stage
from phy.measure._bench import STAGES
from upper.cli import main

FIELDS = ("profile", "stage", "symbols_per_s", "samples_per_s", "realtime_factor")


def test_bench_json_records_per_stage(capsys):
    argv = ["bench", "--profile", "bpsk1m", "--seconds", "0.05", "--json", "--no-compile"]
    assert main(argv) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    stages = {r["stage"] for r in records}
    assert {"modulate", "demodulate", "receive", "resample"} <= stages
    for record in records:
        assert record["profile"] == "bpsk1m"
        for field in FIELDS[2:]:
            assert record[field] > 0, (record["stage"], field)
        # symbols/s is samples/s over the samples per symbol at the stage's rate
        sps = record["sample_rate_hz"] / 1e6
        assert abs(record["symbols_per_s"] * sps / record["samples_per_s"] - 1) < 1e-3
    receive = next(r for r in records if r["stage"] == "receive")
    assert receive["sample_rate_hz"] == 2.4e6 and receive["bursts_decoded"] > 0


def test_bench_runs_registered_stages_and_prints_a_table(capsys):
    def codec_stage(profile, seconds):
        return [
            BenchRecord(
                profile="rs",
                stage="decode",
                symbols_per_s=1.0,
                samples_per_s=1.0,
                realtime_factor=1.0,
                extra={"mbytes_per_s": 5.0},
            )
        ]

    register_stage("codec_test", codec_stage, per_profile=False)
    try:
        argv = ["bench", "--profile", "afsk1200", "--stage", "codec_test", "--no-compile"]
        assert main(argv) == 0
    finally:
        del STAGES["codec_test"]
    out = capsys.readouterr().out
    assert "decode" in out and "mbytes_per_s=5.0" in out


def test_bench_unknown_stage_is_an_error(capsys):
    assert main(["bench", "--stage", "nope", "--no-compile"]) == 2
    assert "unknown stage" in capsys.readouterr().err
