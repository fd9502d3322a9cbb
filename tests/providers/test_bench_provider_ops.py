"""``bench/provider_ops.py --quick`` still runs end to end (so the benchmark cannot rot)."""

from __future__ import annotations

from pathlib import Path

from tests.support.bench import run_quick_bench


def test_quick_benchmark_writes_a_figure_for_every_operation(tmp_path: Path) -> None:
    text = run_quick_bench("provider_ops.py", tmp_path / "provider_ops.md")

    rows = [line for line in text.splitlines() if line.startswith("| ") and "seconds" not in line]
    assert [row.split(" | ")[0].removeprefix("| ") for row in rows] == [
        "create",
        "no-op refresh",
        "1% change",
        "destroy",
    ]
    create = rows[0].split(" | ")
    assert create[4].startswith("create 37"), "4 clients x 3 + 5 groups + 20 users, all created"
