"""Fixtures of the end-to-end tests: one emulator per module, a fresh project stack per test."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import httpx
import pytest

from tests.support.emulator import RunningEmulator, run_emulator
from tests.support.pulumi_cli import require_pulumi


@pytest.fixture(autouse=True)
def _pulumi_cli() -> None:
    """Every end-to-end test needs the CLI: skipped without one, failed without one under CI=true."""
    require_pulumi()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    with run_emulator(tmp_path_factory.mktemp("e2e") / "tenant") as running:
        yield running


@pytest.fixture
def admin(emulator: RunningEmulator) -> Iterator[httpx.Client]:
    """The admin API, for checking the tenant and editing it as a console user would."""
    with emulator.admin_http() as client:
        client.base_url = emulator.credentials["api_url"] + "/ziam/admin/api/v1"
        yield client


@pytest.fixture
def prefix(request: pytest.FixtureRequest) -> str:
    """Object names unique to the test, so tests can share one tenant."""
    readable = request.node.originalname.removeprefix("test_")[:24].replace("_", "-").strip("-")
    unique = hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:6]
    return f"e2e-{readable}-{unique}"
