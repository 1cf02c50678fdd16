"""``import phy`` and ``sdrlink --help`` must not load Numba (so they compile nothing)."""

import subprocess
import sys

_CHECK = "import sys\n{body}\nassert 'numba' not in sys.modules, 'numba was imported'"


def _run(body: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _CHECK.format(body=body)], capture_output=True, text=True, timeout=60
    )


def test_import_phy_loads_no_numba():
    result = _run("import phy, phy.channel, phy.measure, phy.dsp")
    assert result.returncode == 0, result.stderr


def test_sdrlink_help_loads_no_numba():
    body = (
        "from upper.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "try:\n    main(['simulate', '--help'])\nexcept SystemExit:\n    pass\n"
        "try:\n    main(['bench', '--help'])\nexcept SystemExit:\n    pass"
    )
    result = _run(body)
    assert result.returncode == 0, result.stderr
    assert "simulate" in result.stdout and "bench" in result.stdout
