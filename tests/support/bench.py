"""Run a `bench/` script in its `--quick` mode from a test, so no benchmark can rot unnoticed.

Every bench script takes `--quick` (tiny sizes) and `--out FILE` (where it writes its Markdown
results); the tests then check the figures in that file. A failing run shows the tail of the script's
stderr, which is where the benchmarks print their progress and errors.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_quick_bench(script: str, out: Path, *args: str, timeout: float = 240) -> str:
    """Run `bench/<script> --quick --out <out> [args]` from the project root; return what it wrote."""
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--quick", "--out", str(out), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert finished.returncode == 0, f"bench/{script} --quick failed:\n{finished.stderr[-3000:]}"
    return out.read_text()
