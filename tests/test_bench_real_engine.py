"""``bench/real_engine.py --quick`` still runs end to end through the real Pulumi CLI.

The full run takes many minutes, so only this smoke run guards the script against rot: every operation
measured on both engines, the emulator counted requests for each, and the no-op ``preview --refresh``
wrote nothing to the tenant. Figures are not judged; seconds depend on the machine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.bench import run_quick_bench
from tests.support.pulumi_cli import require_pulumi

pytestmark = pytest.mark.e2e

COLUMNS = [
    "operation",
    "engine",
    "seconds",
    "API requests",
    "per resource",
    "tenant writes",
    "request mix",
    "resources",
]


def table(text: str) -> list[dict[str, str]]:
    """The figures table of the results file, one dict per row keyed by column name."""
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == COLUMNS, header
    return [
        dict(zip(header, (cell.strip() for cell in line.strip("|").split("|")), strict=True))
        for line in lines[1:]
    ]


def test_quick_real_engine_bench_measures_every_operation_on_both_engines(tmp_path: Path) -> None:
    require_pulumi()  # skipped without a CLI; under CI=true, failed

    text = run_quick_bench("real_engine.py", tmp_path / "real_engine.md")

    rows = table(text)
    assert [(row["operation"], row["engine"]) for row in rows] == [
        (operation, engine)
        for operation in ("create", "no-op refresh", "1% change")
        for engine in ("real", "double")
    ]
    figures = {(row["operation"], row["engine"]): row for row in rows}
    # One admin token per plugin process, plus one per rotated secret (the new one proves it works
    # before anything older is revoked): none on create (a client's first secret has nothing older to
    # protect, so it is not proved), none on the no-op, one rotation in the 1% change.
    tokens = {"create": 1, "no-op refresh": 1, "1% change": 1 + 1}
    for row in rows:
        assert int(row["API requests"]) > 0, row
        assert f"(token {tokens[row['operation']]})" in row["request mix"], row
    assert figures["no-op refresh", "real"]["tenant writes"] == "0"
    assert figures["no-op refresh", "double"]["tenant writes"] == "0"
    # 4 clients x 4 (client, scope set, secret, previous secret) + 5 groups + 20 users, plus the stack.
    assert figures["create", "real"]["resources"] == "create 42"
    assert figures["create", "real"]["tenant writes"] == figures["create", "double"]["tenant writes"]
    # Per resource of the bench's shape: 4 clients x 3 + 5 groups + 20 users = 37.
    for row in rows:
        assert row["per resource"] == f"{int(row['API requests']) / 37:.3f}", row
    assert "route: stack config" in text  # a quick-size model travels where users put it
    assert "policy pack OFF" in text
    assert "pulumi v3." in text
