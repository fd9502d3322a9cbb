"""``bench/emulator_throughput.py --quick`` still runs end to end (its full run records the figures)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_throughput_bench_runs_in_quick_mode(tmp_path):
    out = tmp_path / "emulator_throughput.md"
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "emulator_throughput.py"), "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    report = out.read_text()
    for operation in (
        "POST /oauth2/v1/token",
        "GET api-clients",
        "SCIM PATCH add 1 member, group of 100",
        "SCIM PATCH remove 1 member, group of 100, excludedAttributes=members",
        "SCIM GET group of 100",
        "scim2-server path",
    ):
        assert operation in report
    assert report.count("\n| SCIM PATCH") == 10
