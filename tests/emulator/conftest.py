"""In-process emulator fixtures: the real WSGI app behind ``httpx.WSGITransport``, with a fake clock.

Most emulator behaviour is HTTP semantics, which needs no socket; running in-process keeps the suite
fast and lets tests move time forward (token and secret expiry) instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from emulator.app import EmulatorApp, create_app
from emulator.catalog import AUDIENCE, RESOURCE_SERVER_ID, scope_id_by_name
from emulator.options import EmulatorOptions

ADMIN = "/ziam/admin/api/v1"
BASE_URL = "http://tenant.test"
DAY = 86400


class FakeClock:
    """Wall clock that only moves when a test says so."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def client_body(name: str, scopes: list[str] = (), lifetime: int = 3600, **extra: Any) -> dict:
    """An API client create body holding ``scopes`` (by name) on the seeded resource server."""
    ids = scope_id_by_name()
    body = {
        "name": name,
        "description": f"{name} (test)",
        "status": True,
        "accessTokenLifeTime": lifetime,
        "clientAuthentication": {"authType": "SECRET"},
        "clientResources": [{"id": RESOURCE_SERVER_ID, "selectedScopes": [{"id": ids[s]} for s in scopes]}],
    }
    body.update(extra)
    return body


@dataclass
class Tenant:
    """An in-process tenant plus helpers that go through the public HTTP API only."""

    app: EmulatorApp
    http: httpx.Client
    clock: FakeClock
    credentials: dict[str, str] = field(default_factory=dict)

    def token_response(
        self, client_id: str, client_secret: str, overrides: dict[str, str] | None = None
    ) -> httpx.Response:
        form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
            "audience": AUDIENCE,
        }
        form.update(overrides or {})
        return self.http.post("/oauth2/v1/token", data=form)

    def token(self, client_id: str | None = None, client_secret: str | None = None) -> str:
        response = self.token_response(
            client_id or self.credentials["client_id"], client_secret or self.credentials["client_secret"]
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def create_client(self, name: str, scopes: list[str] = (), **extra: Any) -> dict:
        response = self.http.post(
            f"{ADMIN}/api-clients",
            json=client_body(name, list(scopes), **extra),
            headers=self.admin_headers(),
        )
        assert response.status_code == 201, response.text
        return response.json()

    def add_secret(self, client_id: str, days: int = 90) -> dict:
        response = self.http.post(
            f"{ADMIN}/api-clients/{client_id}/secrets",
            json={"expiresAt": int(self.clock()) + days * DAY},
            headers=self.admin_headers(),
        )
        assert response.status_code == 201, response.text
        return response.json()

    def client_with_secret(self, name: str, scopes: list[str], **extra: Any) -> tuple[dict, str]:
        client = self.create_client(name, scopes, **extra)
        return client, self.add_secret(client["id"])["value"]

    def bearer_for_scopes(self, name: str, scopes: list[str]) -> dict[str, str]:
        client, secret = self.client_with_secret(name, scopes)
        return {"Authorization": f"Bearer {self.token(client['id'], secret)}"}


def make_tenant(data_dir, **options: Any) -> Tenant:
    clock = FakeClock()
    app = create_app(data_dir, EmulatorOptions(clock=clock, monotonic=clock, sleep=clock.sleep, **options))
    http = httpx.Client(transport=httpx.WSGITransport(app=app), base_url=BASE_URL)
    return Tenant(app, http, clock, app.credentials(BASE_URL))


@pytest.fixture
def tenant(tmp_path) -> Iterator[Tenant]:
    built = make_tenant(tmp_path / "tenant")
    try:
        yield built
    finally:
        built.http.close()
        built.app.close()
