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
