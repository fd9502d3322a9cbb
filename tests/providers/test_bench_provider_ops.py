"""``bench/provider_ops.py --quick`` still runs end to end (so the benchmark cannot rot)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_quick_benchmark_writes_a_figure_for_every_operation(tmp_path: Path) -> None:
    out = tmp_path / "provider_ops.md"

    subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "provider_ops.py"), "--quick", "--out", str(out)],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        timeout=240,
    )

    rows = [line for line in out.read_text().splitlines() if line.startswith("| ") and "seconds" not in line]
    assert [row.split(" | ")[0].removeprefix("| ") for row in rows] == [
        "create",
        "no-op refresh",
        "1% change",
        "destroy",
    ]
    create = rows[0].split(" | ")
    assert create[4].startswith("create 37"), "4 clients x 3 + 5 groups + 20 users, all created"
