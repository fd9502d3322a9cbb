"""`bench/model_scale.py --quick` still runs (its full run records the figures in docs/access-model.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_model_scale_bench_runs_in_quick_mode(tmp_path: Path) -> None:
    out = tmp_path / "model_scale.md"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "model_scale.py"), "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    table = out.read_text()
    assert "| 5 | 21 |" in table  # 5 clients: 3 resources each, 5 users, 1 group
    assert "Policy pack over gRPC" in table
    assert "Reading the stack file" in table and "| 5 |" in table.split("Reading the stack file")[1]
