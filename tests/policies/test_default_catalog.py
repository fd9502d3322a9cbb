"""The pack's defaults describe the tenant the project ships with: the `scopes-in-catalog` default is
the scope catalog the emulator serves, and the scopes the pack treats as write/admin (or read-only) by
default are the ones the emulator lets write (or only read). Read over loopback HTTP through the
product's own client, so a scope added to or renamed in either side fails here."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from policies import rules
from providers.tenant import Tenant, TenantSettings
from tests.policies.builders import POLICIES
from tests.support.emulator import RunningEmulator, run_emulator

ADMIN_API = "/ziam/admin/api/v1"


def schema_default(policy: str, prop: str) -> list[str]:
    """A config default exactly as the pack serves it to the engine (its config schema)."""
    return list(POLICIES[policy].config_schema.properties[prop]["default"])


@pytest.fixture(scope="module")
def emu(tmp_path_factory) -> Iterator[RunningEmulator]:
    with run_emulator(tmp_path_factory.mktemp("catalog") / "tenant") as running:
        yield running


@pytest.fixture(scope="module")
def served_catalog(emu: RunningEmulator):
    with Tenant(TenantSettings.from_credentials_file(emu.data_dir / "credentials.json")) as tenant:
        return tenant.zidentity.catalog()


def test_the_packs_default_catalog_is_the_catalog_the_emulator_serves(served_catalog) -> None:
    default = schema_default("scopes-in-catalog", "catalog")

    assert len(default) == len(set(default)), "the default catalog lists a scope twice"
    assert sorted(default) == served_catalog.all_names()


def _client_holding(emu: RunningEmulator, http: httpx.Client, scope: str) -> tuple[str, str]:
    """A new API client granted only `scope`, with a secret: (client id, secret value)."""
    scope_id = served_scope_ids(http)[scope]
    body = {
        "name": f"probe {scope}",
        "status": True,
        "accessTokenLifeTime": 600,
        "clientAuthentication": {"authType": "SECRET"},
        "clientResources": [{"id": scope_id[0], "selectedScopes": [{"id": scope_id[1]}]}],
    }
    created = http.post(f"{ADMIN_API}/api-clients", json=body)
    created.raise_for_status()
    client_id = created.json()["id"]
    secret = http.post(
        f"{ADMIN_API}/api-clients/{client_id}/secrets", json={"expiresAt": int(time.time()) + 40 * 86400}
    )
    secret.raise_for_status()
    return client_id, secret.json()["value"]


def served_scope_ids(http: httpx.Client) -> dict[str, tuple[str, str]]:
    """Scope name -> (resource server id, scope id), from the emulator's resource-servers API."""
    ids = {}
    for server in http.get(f"{ADMIN_API}/resource-servers").json()["records"]:
        for group in server.get("serviceScopes") or []:
            for scope in group.get("scopes") or []:
                ids[scope["name"]] = (server["id"], scope["id"])
    return ids


def _access(emu: RunningEmulator, token: str) -> tuple[bool, bool]:
    """(may read, may write) on the APIs whose access the emulator enforces by scope: the admin API and
    SCIM. An empty body tells the two apart without changing anything: authorization comes first, so a
    refused write is 403 and an allowed one fails validation (400) instead."""
    headers = {"Authorization": f"Bearer {token}"}
    api, scim = emu.credentials["api_url"] + ADMIN_API, emu.credentials["scim_url"]
    with httpx.Client(headers=headers, timeout=30.0) as http:
        reads = [http.get(f"{api}/api-clients"), http.get(f"{scim}/Users")]
        writes = [http.post(f"{api}/api-clients", json={}), http.post(f"{scim}/Users", json={})]
    for response in reads + writes:
        assert response.status_code in (200, 400, 403), response.text
    return any(r.status_code == 200 for r in reads), any(r.status_code == 400 for r in writes)


def test_the_scopes_the_pack_calls_write_or_read_only_are_those_the_emulator_lets_write_or_only_read(
    emu: RunningEmulator, served_catalog
) -> None:
    write_markers = schema_default("write-scopes-justified", "writeMarkers")
    read_markers = schema_default("read-only-purposes", "readMarkers")
    assert write_markers == schema_default("read-only-purposes", "writeMarkers")

    access = {}
    with emu.admin_http() as admin:
        for scope in served_catalog.all_names():
            client_id, secret = _client_holding(emu, admin, scope)
            access[scope] = _access(emu, emu.access_token(client_id, secret))
    # Only scopes that open an enforced API say anything; the others (ZIA, ZPA, ...) are not judged.
    enforced = {scope: rights for scope, rights in access.items() if any(rights)}
    writers = {scope for scope, (_, may_write) in enforced.items() if may_write}
    readers = {scope for scope, (may_read, may_write) in enforced.items() if may_read and not may_write}
    assert writers and readers, f"the emulator enforced no write/read-only scope: {access}"

    assert {s for s in enforced if rules.is_write_scope(s, write_markers)} == writers
    assert {s for s in enforced if rules.is_read_scope(s, read_markers, write_markers)} == readers
