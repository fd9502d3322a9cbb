"""One emulator per test module for the audit and export tests, reset before each test.

A process per test would cost about a second each; resetting the tenant (delete every client but the
admin client, every group, every user) costs a few requests and gives each test the same start.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.scopectl.tenant_setup import reset_tenant, settings_of
from tests.support.emulator import RunningEmulator, run_emulator


@pytest.fixture(scope="module")
def module_emulator(tmp_path_factory) -> Iterator[RunningEmulator]:
    with run_emulator(tmp_path_factory.mktemp("scopectl") / "tenant") as running:
        yield running


@pytest.fixture
def tenant(module_emulator: RunningEmulator) -> RunningEmulator:
    """The module's emulator, emptied of everything but its admin client."""
    reset_tenant(settings_of(module_emulator.data_dir / "credentials.json"))
    return module_emulator
