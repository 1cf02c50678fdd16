import json

import pytest

from upper.cli import main
from upper.cli.simulate import parse_sweep

FAST = ["--profile", "bpsk1m", "--rate", "native", "--payload-bytes", "64", "--quiet"]


def _records(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_simulate_json_ber_sweep_and_plot(capsys, tmp_path):
    plot = tmp_path / "ber.png"
    argv = ["simulate", *FAST, "--ebn0", "3:23:20", "--min-errors", "100", "--max-bits", "6000"]
    assert main([*argv, "--json", "--plot", str(plot), "--seed", "2"]) == 0
    records = _records(capsys.readouterr().out)
    low, high = (r for r in records if r["kind"] == "ber")
    assert high["ber"] == 0 and high["bits"] >= 6000 and high["detection"] == 1.0
    assert low["bit_errors"] >= 100 and 0.005 < low["ber"] < 0.2
    assert low["theory_ber"] > high["theory_ber"] > 0
    summary = records[-1]
    assert summary["kind"] == "summary" and "1e-03" in summary["at_ber"]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_simulate_table_is_reproducible_with_a_seed(capsys):
    argv = ["simulate", *FAST, "--ebn0", "4", "--min-errors", "20", "--seed", "9"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert main(argv) == 0
    assert capsys.readouterr().out == first
    assert "BER 1e-03" in first and "theory" in first


def test_simulate_per_with_mac_fec(capsys):
    pytest.importorskip("mac.fec")
    argv = ["simulate", *FAST, "--ebn0", "20", "--fec", "rs", "--max-packets", "4", "--json"]
    assert main(argv) == 0
    (record,) = _records(capsys.readouterr().out)
    assert record["kind"] == "per" and record["fec"] == "rs"
    assert record["packets"] >= 4 and record["per"] == 0 and record["info_rate"] < 1


def test_bad_arguments_are_one_line_errors(capsys):
    assert main(["simulate", "--profile", "bpsk1m", "--ebn0", "5:1:1"]) == 2
    assert main(["simulate", "--profile", "nope", "--ebn0", "5"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("sdrlink simulate: error:") for line in err)


def test_parse_sweep():
    assert parse_sweep("0:2:0.5") == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert parse_sweep("7") == [7.0]
