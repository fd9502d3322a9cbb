"""``bench/emulator_throughput.py --quick`` still runs end to end (its full run records the figures)."""

from __future__ import annotations

from tests.support.bench import run_quick_bench


def test_throughput_bench_runs_in_quick_mode(tmp_path):
    report = run_quick_bench("emulator_throughput.py", tmp_path / "emulator_throughput.md", timeout=180)
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
