"""`bench/scopectl_scale.py --quick` still runs (its full run records bench/results/scopectl_scale.md)."""

from __future__ import annotations

from pathlib import Path

from tests.support.bench import run_quick_bench


def test_scopectl_bench_runs_in_quick_mode(tmp_path: Path) -> None:
    text = run_quick_bench("scopectl_scale.py", tmp_path / "scopectl_scale.md", timeout=180)
    assert "| 20 | 60 |" in text  # 20 changed clients: three steps each
    assert "- **audit**:" in text and "exit 0, 0 findings" in text  # the export audits clean
