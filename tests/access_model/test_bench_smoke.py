"""`bench/model_scale.py --quick` still runs (its full run records the figures in docs/access-model.md)."""

from __future__ import annotations

from pathlib import Path

from tests.support.bench import run_quick_bench


def test_model_scale_bench_runs_in_quick_mode(tmp_path: Path) -> None:
    table = run_quick_bench("model_scale.py", tmp_path / "model_scale.md", timeout=120)
    assert "| 5 | 26 |" in table  # 5 clients: 4 resources each, 5 users, 1 group
    assert "Policy pack over gRPC" in table
    assert "Reading the stack file" in table and "| 5 |" in table.split("Reading the stack file")[1]
