"""Fixtures for the HTTP client tests: the real emulator (in-process and over loopback) and a stock
third-party SCIM server (scim2-server), so the SCIM client is proven against more than our own code.
"""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.app import EmulatorApp, create_app
from emulator.options import EmulatorOptions
from providers.tenant import Tenant, TenantSettings
from tests.support.emulator import RunningEmulator, run_emulator

# WSGITransport never opens a socket; a loopback address keeps the settings' http check happy.
INPROC_URL = "http://127.0.0.1:9"
SCIM2_SERVER_TOKEN = "scim2-server-test-token-5c1d"
SCIM2_SERVER = Path(sys.executable).with_name("scim2-server")


# A loopback address nothing dials: `httpx.MockTransport` answers every request sent to it.
MOCK_URL = "http://127.0.0.1:1"


def mock_tenant(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    clock: Callable[[], float] = time.monotonic,
    **config: str,
) -> Tenant:
    """A `Tenant` whose every request is answered by `handler`, for exact sequences a real server
    cannot produce on demand. OAuth settings by default (client `cid`); `config` adds or replaces
    stack-config keys (`clientSecret`, `scimUrl`, ...). Backoff sleeps are skipped; `clock` is the
    tenant's clock (token lifetimes, listings' freshness)."""
    settings = TenantSettings.resolve(
        {
            "tokenUrl": f"{MOCK_URL}/oauth2/v1/token",
            "apiUrl": MOCK_URL,
            "clientId": "cid",
            "clientSecret": "client-secret-xyz",
            **config,
        },
        env={},
    )
    return Tenant(settings, http_transport=httpx.MockTransport(handler), sleep=lambda s: None, clock=clock)


class FakeTime:
    """Time that moves only when the code under test sleeps (recorded, not done): backoff and
    give-up rules are judged on the waits the client chose, whatever the machine's load."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def unique(prefix: str) -> str:
    """A name no other test (or earlier run on a shared server) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def settings_from(credentials: dict[str, str], **overrides: Any) -> TenantSettings:
    return TenantSettings.resolve(
        {
            "tokenUrl": credentials["token_url"],
            "apiUrl": credentials["api_url"],
            "clientId": credentials["client_id"],
            "clientSecret": credentials["client_secret"],
            "scimUrl": credentials["scim_url"],
            "scimToken": credentials["scim_token"],
            **{k: str(v) for k, v in overrides.items()},
        },
        env={},
    )


@pytest.fixture
def emulator_app(tmp_path: Path) -> Iterator[EmulatorApp]:
    """The real emulator WSGI app (strict dialect), in-process."""
    app = create_app(tmp_path / "tenant", EmulatorOptions(dialect="strict"))
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def make_inproc_tenant(emulator_app: EmulatorApp) -> Iterator[Callable[..., Tenant]]:
    """Build `Tenant`s talking to the in-process emulator through `httpx.WSGITransport`."""
    made: list[Tenant] = []

    def make(**overrides: Any) -> Tenant:
        settings = settings_from(emulator_app.credentials(INPROC_URL), **overrides)
        tenant = Tenant(settings, http_transport=httpx.WSGITransport(app=emulator_app))
        made.append(tenant)
        return tenant

    yield make
    for tenant in made:
        tenant.close()


@pytest.fixture
def inproc_tenant(make_inproc_tenant: Callable[..., Tenant]) -> Tenant:
    return make_inproc_tenant()


def free_port() -> int:
    """A loopback port nothing listens on (once the probe socket is closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def scim2_server_url() -> Iterator[str]:
    """Stock scim2-server (third-party, in-memory) on loopback with a bearer token; stopped after."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(SCIM2_SERVER),
            "--hostname",
            "127.0.0.1",
            "--port",
            str(port),
            "--bearer-token",
            SCIM2_SERVER_TOKEN,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v2"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                headers = {"Authorization": f"Bearer {SCIM2_SERVER_TOKEN}"}
                if httpx.get(f"{base}/ServiceProviderConfig", headers=headers, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("scim2-server did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture(scope="session")
def zpa_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    """One loopback emulator in the ZPA dialect for the whole session (tests use unique names)."""
    with run_emulator(tmp_path_factory.mktemp("zpa") / "tenant", dialect="zpa") as running:
        yield running


@dataclasses.dataclass(frozen=True)
class ScimBackend:
    """A SCIM server under test and the behaviour differences the client must absorb."""

    name: str
    settings: TenantSettings
    lists_members: bool  # GET /Groups includes members
    deletes_inactive_users: bool  # active=false deletes the user (ZPA)


@pytest.fixture(params=["emulator-strict", "emulator-zpa", "scim2-server"])
def scim_backend(request: pytest.FixtureRequest) -> ScimBackend:
    if request.param == "scim2-server":
        url = request.getfixturevalue("scim2_server_url")
        settings = TenantSettings.resolve({"scimUrl": url, "scimToken": SCIM2_SERVER_TOKEN}, env={})
        return ScimBackend("scim2-server", settings, lists_members=True, deletes_inactive_users=False)
    zpa = request.param == "emulator-zpa"  # lists groups without members; active=false deletes
    running = request.getfixturevalue("zpa_emulator" if zpa else "shared_emulator")
    return ScimBackend(
        request.param, settings_from(running.credentials), lists_members=not zpa, deletes_inactive_users=zpa
    )


@pytest.fixture
def make_scim_tenant(scim_backend: ScimBackend) -> Iterator[Callable[..., Tenant]]:
    """Private `Tenant`s on the SCIM backend under test (settings overrides: `scimBatchSize`, ...)."""
    made: list[Tenant] = []

    def make(**overrides: Any) -> Tenant:
        settings = dataclasses.replace(scim_backend.settings, **overrides)
        tenant = Tenant(settings)
        made.append(tenant)
        return tenant

    yield make
    for tenant in made:
        tenant.close()
