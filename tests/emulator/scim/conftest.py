"""Fixtures: the SCIM app in-process (strict and zpa), behind the test principal shim."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from emulator.scim import ScimApplication, make_scim_app
from tests.emulator.scim.helpers import SCIM_JSON
from tests.emulator.scim.shim import BASE_URL, READ_WRITE, SCOPES_HEADER, PrincipalShim


def scim_client(app: ScimApplication, scopes: str | None = READ_WRITE) -> httpx.Client:
    """An httpx client on the in-process app, calling as a holder of ``scopes`` (None: anonymous)."""
    headers = {"Content-Type": SCIM_JSON}
    if scopes is not None:
        headers[SCOPES_HEADER] = scopes
    return httpx.Client(
        transport=httpx.WSGITransport(app=PrincipalShim(app)), base_url=BASE_URL, headers=headers
    )


@pytest.fixture
def scim_app(tmp_path) -> Iterator[ScimApplication]:
    app = make_scim_app(tmp_path / "scim.db")
    yield app
    app.close()


@pytest.fixture
def zpa_app(tmp_path) -> Iterator[ScimApplication]:
    app = make_scim_app(tmp_path / "scim-zpa.db", dialect="zpa")
    yield app
    app.close()


@pytest.fixture
def scim(scim_app: ScimApplication) -> Iterator[httpx.Client]:
    with scim_client(scim_app) as client:
        yield client


@pytest.fixture
def zpa(zpa_app: ScimApplication) -> Iterator[httpx.Client]:
    with scim_client(zpa_app) as client:
        yield client
