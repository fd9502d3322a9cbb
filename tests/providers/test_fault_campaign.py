"""The fault-injection campaign, bounded: seeded runs through 500s (not retried for writes), dropped
connections, lost create answers and 429s converge with no duplicate, no orphan secret and no
foreign leftover (issue 13). ``bench/fault_campaign.py`` runs 20 seeds and records the figures."""

from __future__ import annotations

from pathlib import Path

from tests.support.bench import run_quick_bench


def test_three_seeded_campaign_runs_converge_with_nothing_left_behind(tmp_path: Path) -> None:
    text = run_quick_bench("fault_campaign.py", tmp_path / "campaign.md", timeout=280)

    summary = next(line for line in text.splitlines() if line.startswith("| 3 |"))
    seeds, converged, _failed_runs, duplicates, orphans, foreign = summary.strip("| ").split(" | ")
    assert (seeds, converged) == ("3", "3/3")
    assert (duplicates, orphans, foreign) == ("0", "0", "0")
