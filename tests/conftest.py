"""Fixtures shared by the whole suite: running emulator processes.

``emulator`` gives each test its own tenant (fresh data dir, own process) for tests that change
tenant-wide settings (faults, rate limits, restarts). ``shared_emulator`` is one process per test
session (per xdist worker) for read-mostly tests that clean up what they create.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.emulator import RunningEmulator, run_emulator


@pytest.fixture
def emulator(tmp_path) -> Iterator[RunningEmulator]:
    with run_emulator(tmp_path / "tenant") as running:
        yield running


@pytest.fixture(scope="session")
def shared_emulator(tmp_path_factory) -> Iterator[RunningEmulator]:
    with run_emulator(tmp_path_factory.mktemp("shared") / "tenant") as running:
        yield running


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e/ drives the real Pulumi CLI: mark it `e2e` (`-m "not e2e"` skips them)."""
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.e2e)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line saying how many end-to-end tests ran on which Pulumi CLI, so a CI log shows it."""
    from tests.support.pulumi_cli import PULUMI

    counts = {
        outcome: sum(
            1
            for report in terminalreporter.stats.get(outcome, [])
            if getattr(report, "when", "call") in ("call", "setup")
            and "e2e" in getattr(report, "keywords", {})
        )
        for outcome in ("passed", "failed", "error", "skipped")
    }
    if not any(counts.values()):
        return
    cli = str(PULUMI) if PULUMI else "none found"
    summary = ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)
    terminalreporter.write_line(f"end-to-end tests with the real Pulumi CLI ({cli}): {summary}")
