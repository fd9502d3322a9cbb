"""Fixtures for the provider protocol tests: one emulator and one plugin process per test module.

Every test gets its own ``Engine`` (its own state) on the module's plugin, uses resource names unique
to the test, and destroys what it created on the way out, so tests in a module do not see each other.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest

from providers._base import SECRET_STACK_KEYS, config_from_credentials
from tests.support.emulator import RunningEmulator, run_emulator
from tests.support.engine_double import Engine, EngineError, ProviderProcess

REPO_ROOT = Path(__file__).resolve().parents[2]

API_CLIENT = "pulumi-python:dynamic/zidentity:ApiClient"
SCOPE_ASSIGNMENT = "pulumi-python:dynamic/zidentity:ScopeAssignment"
CLIENT_SECRET = "pulumi-python:dynamic/zidentity:ClientSecret"
SCIM_GROUP = "pulumi-python:dynamic/scim:Group"
SCIM_USER = "pulumi-python:dynamic/scim:User"


def stack_config(credentials: Mapping[str, str]) -> dict[str, str]:
    """The stack config a user sets for the emulator (``pulumi config set [--secret] ...``), plus a key
    of another namespace that the provider must ignore."""
    return {**config_from_credentials(credentials), "other-project:unrelated": "not for us"}


def start_plugin(emulator: RunningEmulator, **options: object) -> ProviderProcess:
    """A started and configured plugin pointed at ``emulator`` (caller stops it)."""
    plugin = ProviderProcess(
        REPO_ROOT,
        config=stack_config(emulator.credentials),
        secret_keys=SECRET_STACK_KEYS,
        **options,  # type: ignore[arg-type]
    )
    plugin.start()
    plugin.configure()
    return plugin


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    """One emulator for the module (fresh data dir)."""
    with run_emulator(tmp_path_factory.mktemp("providers") / "tenant") as running:
        yield running


@pytest.fixture(scope="module")
def plugin(tenant: RunningEmulator) -> Iterator[ProviderProcess]:
    """The real ``python -m pulumi.dynamic`` for the module, configured with the emulator."""
    process = start_plugin(tenant)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def engine(plugin: ProviderProcess) -> Iterator[Engine]:
    """A fresh deployment (empty state) on the module's plugin; destroys what is left at the end."""
    deployment = Engine(plugin)
    yield deployment
    if deployment.state:
        if not plugin.running:
            plugin.start()
            plugin.configure()
        # A test may have broken the tenant on purpose; the module's emulator goes away anyway.
        with contextlib.suppress(EngineError):
            deployment.destroy()


@pytest.fixture
def admin(tenant: RunningEmulator) -> Iterator[httpx.Client]:
    """The admin API (``{api_url}/ziam/admin/api/v1``) for out-of-band edits, as a console user would."""
    with tenant.admin_http() as client:
        client.base_url = tenant.credentials["api_url"] + "/ziam/admin/api/v1"
        yield client


@pytest.fixture
def scim_http(tenant: RunningEmulator) -> Iterator[httpx.Client]:
    """The SCIM API with the IdP bearer token, for out-of-band edits."""
    with httpx.Client(
        base_url=tenant.credentials["scim_url"],
        headers={"Authorization": f"Bearer {tenant.credentials['scim_token']}"},
        timeout=30.0,
    ) as client:
        yield client
