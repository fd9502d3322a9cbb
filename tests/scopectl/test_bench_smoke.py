"""`bench/scopectl_scale.py --quick` still runs (its full run records bench/results/scopectl_scale.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_scopectl_bench_runs_in_quick_mode(tmp_path: Path) -> None:
    out = tmp_path / "scopectl_scale.md"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "scopectl_scale.py"), "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert "| 20 | 60 |" in text  # 20 changed clients: three steps each
    assert "- **audit**:" in text and "exit 0, 0 findings" in text  # the export audits clean
