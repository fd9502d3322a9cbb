"""`scopectl.live.read_tenant`: an emulator tenant, over loopback HTTP, read into the records the audit
and the export judge: clients with their status as a bool, scope names and secrets; users; groups
with members by userName; on the strict and the ZPA dialect."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from collections.abc import Iterator

import httpx
import pytest

from providers.tenant import Tenant
from scopectl.errors import ScopectlError
from scopectl.live import read_tenant
from scopectl.progress import Progress
from tests.scopectl.tenant_setup import (
    ADMIN_API,
    console_client,
    patch_members,
    reset_tenant,
    scim_http,
    settings_of,
)
from tests.support.emulator import RunningEmulator, run_emulator

QUIET = Progress(enabled=False)
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def settings(emu: RunningEmulator):
    return settings_of(emu.data_dir / "credentials.json")


def read(emu: RunningEmulator, *, transport: httpx.BaseTransport | None = None, **options):
    options = {"zidentity": True, "scim": True, "admin_client_id": emu.credentials["client_id"], **options}
    with Tenant(settings(emu), http_transport=transport) as tenant:
        return read_tenant(tenant, QUIET, **options)


def create_client(
    emu: RunningEmulator,
    name: str,
    scopes: list[str],
    *,
    enabled: bool = True,
    description: str | None = None,
    lifetime: int = 3600,
    secret_expiries: tuple[int, ...] = (),
) -> str:
    with emu.admin_http() as http:
        client_id = console_client(
            http, name, scopes, enabled=enabled, lifetime=lifetime, description=description
        )
        for expires_at in secret_expiries:
            http.post(
                f"{ADMIN_API}/api-clients/{client_id}/secrets", json={"expiresAt": expires_at}
            ).raise_for_status()
    return client_id


def create_user(emu: RunningEmulator, user_name: str, **fields) -> str:
    with scim_http(emu.credentials) as http:
        response = http.post("/Users", json={"schemas": [USER_SCHEMA], "userName": user_name, **fields})
        response.raise_for_status()
        return response.json()["id"]


def create_group(emu: RunningEmulator, display_name: str, member_ids: list[str] = (), **fields) -> str:
    with scim_http(emu.credentials) as http:
        body = {
            "schemas": [GROUP_SCHEMA],
            "displayName": display_name,
            "members": [{"value": m} for m in member_ids],
            **fields,
        }
        response = http.post("/Groups", json=body)
        response.raise_for_status()
        return response.json()["id"]


# -- API clients ------------------------------------------------------------------------------------


def admin_name(live) -> str:
    (admin,) = [c for c in live.clients if c.id == live.admin_client_id]
    return admin.name


def test_clients_are_read_with_scope_names_settings_and_the_whole_catalog(tenant: RunningEmulator) -> None:
    create_client(
        tenant, "directory-sync", ["scim:write", "scim:read"], description="Provisions users", lifetime=900
    )
    create_client(tenant, "old-reporting", [], enabled=False, description="")

    live = read(tenant, secrets_of=())

    assert live.read_zidentity and live.read_scim
    by_name = {c.name: c for c in live.clients}
    assert set(by_name) == {"directory-sync", "old-reporting", admin_name(live)}
    sync, old = by_name["directory-sync"], by_name["old-reporting"]
    assert (sync.enabled, sync.description, sync.access_token_lifetime) == (True, "Provisions users", 900)
    assert sync.scopes == ["scim:read", "scim:write"]
    assert (old.enabled, old.description, old.scopes) == (False, None, [])
    assert [c.name for c in live.clients] == sorted(by_name)
    with Tenant(settings(tenant)) as direct:
        assert live.catalog == direct.zidentity.catalog().all_names()
    assert "scim:write" in live.catalog and "Role:ZDX Read Only" in live.catalog


def test_only_the_secrets_asked_for_are_read(tenant: RunningEmulator) -> None:
    soon, later = int(time.time()) + 40 * 86400, int(time.time()) + 200 * 86400
    create_client(tenant, "sync", ["scim:read"], secret_expiries=(soon, later))
    create_client(tenant, "bare", ["scim:read"])
    create_client(tenant, "other", ["scim:read"], secret_expiries=(soon,))

    some = {c.name: c for c in read(tenant, secrets_of=["sync", "bare"]).clients}
    every = {c.name: c for c in read(tenant, secrets_of=None).clients}

    assert sorted(s.expires_at for s in some["sync"].secrets) == [
        dt.datetime.fromtimestamp(soon, tz=dt.UTC),
        dt.datetime.fromtimestamp(later, tz=dt.UTC),
    ]
    assert all(s.id and s.created_at is not None for s in some["sync"].secrets)
    assert some["bare"].secrets == []  # read, and there are none: not the same as not read
    assert some["other"].secrets is None and some["other"].secrets_error is None
    assert [s.expires_at for s in every["other"].secrets] == [dt.datetime.fromtimestamp(soon, tz=dt.UTC)]


class ConsoleRecords(httpx.BaseTransport):
    """Loopback HTTP to the emulator, with API client records rewritten the way the console and older
    gateways write them: `status` as a word or a number instead of a boolean. The emulator's API only
    takes booleans, so this is the one way to get such records from it."""

    def __init__(self, spelling: dict[bool, object]) -> None:
        self.inner = httpx.HTTPTransport()
        self.spelling = spelling

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method != "GET" or "/api-clients" not in request.url.path or response.status_code != 200:
            return response
        body = json.loads(response.read())
        for record in body.get("records", [body]) if isinstance(body, dict) else body:
            if isinstance(record, dict) and isinstance(record.get("status"), bool):
                record["status"] = self.spelling[record["status"]]
        return httpx.Response(200, json=body, request=request)

    def close(self) -> None:
        self.inner.close()


@pytest.mark.parametrize(
    "spelling",
    [{True: "true", False: "false"}, {True: "ENABLED", False: "DISABLED"}, {True: 1, False: 0}],
    ids=["true-false", "ENABLED-DISABLED", "1-0"],
)
def test_a_status_written_as_a_word_or_number_reads_as_enabled_or_not(
    tenant: RunningEmulator, spelling
) -> None:
    create_client(tenant, "on", ["scim:read"])
    create_client(tenant, "off", ["scim:read"], enabled=False)

    live = read(tenant, transport=ConsoleRecords(spelling), secrets_of=())

    enabled = {c.name: c.enabled for c in live.clients if c.name in ("on", "off")}
    assert enabled == {"on": True, "off": False}


class DeletesBeforeSecrets(httpx.BaseTransport):
    """Loopback HTTP to the emulator; a person deletes one client in the console just before its
    secrets are read (after the client listing), as can happen during a long audit."""

    def __init__(self, emu: RunningEmulator, client_id: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.emu = emu
        self.client_id = client_id

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(f"/api-clients/{self.client_id}/secrets"):
            with self.emu.admin_http() as http:
                http.delete(f"{ADMIN_API}/api-clients/{self.client_id}")
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_secrets_that_cannot_be_read_are_that_clients_error_not_the_whole_read(
    tenant: RunningEmulator,
) -> None:
    expires = int(time.time()) + 30 * 86400
    doomed = create_client(tenant, "doomed", ["scim:read"], secret_expiries=(expires,))
    create_client(tenant, "fine", ["scim:read"], secret_expiries=(expires,))

    live = read(tenant, transport=DeletesBeforeSecrets(tenant, doomed), secrets_of=["doomed", "fine"])

    by_name = {c.name: c for c in live.clients}
    assert by_name["doomed"].secrets is None and by_name["doomed"].secrets_error
    assert len(by_name["fine"].secrets) == 1 and by_name["fine"].secrets_error is None


# -- SCIM users and groups --------------------------------------------------------------------------


def test_users_are_read_with_names_emails_and_active(tenant: RunningEmulator) -> None:
    create_user(
        tenant,
        "ann@example.com",
        name={"givenName": "Ann", "familyName": "Lee"},
        emails=[{"value": "ann@example.com", "primary": True}],
        externalId="hr-1",
    )
    create_user(tenant, "Bob@example.com", active=False)

    live = read(tenant, zidentity=False)

    assert not live.read_zidentity and live.clients == []
    ann, bob = live.users
    assert (ann.user_name, ann.given_name, ann.family_name, ann.emails, ann.external_id, ann.active) == (
        "ann@example.com",
        "Ann",
        "Lee",
        ["ann@example.com"],
        "hr-1",
        True,
    )
    assert (bob.user_name, bob.active, bob.given_name, bob.emails, bob.external_id) == (
        "Bob@example.com",
        False,
        None,
        [],
        None,
    )


def test_group_members_are_named_by_user_name_and_other_members_are_described(
    tenant: RunningEmulator,
) -> None:
    ann = create_user(tenant, "ann@example.com")
    zed = create_user(tenant, "Zed@example.com")
    bob = create_user(tenant, "bob@example.com")
    nested = create_group(tenant, "Nested")
    group = create_group(tenant, "Contractors", [zed, ann, bob], externalId="hr-4711")
    patch_members(tenant.credentials, group, "add", nested)

    live = read(tenant, zidentity=False)

    by_name = {g.display_name: g for g in live.groups}
    contractors = by_name["Contractors"]
    assert contractors.members == ["ann@example.com", "bob@example.com", "Zed@example.com"]
    assert contractors.other_members == ["group 'Nested'"]
    assert contractors.external_id == "hr-4711"
    assert by_name["Nested"].members == [] and by_name["Nested"].external_id is None
    assert [g.display_name for g in live.groups] == ["Contractors", "Nested"]


def test_reading_only_the_directory_or_only_clients(tenant: RunningEmulator) -> None:
    create_client(tenant, "sync", ["scim:read"])
    create_user(tenant, "ann@example.com")

    clients_only = read(tenant, scim=False, secrets_of=())
    directory_only = read(tenant, zidentity=False)

    assert clients_only.read_zidentity and not clients_only.read_scim and clients_only.users == []
    assert directory_only.read_scim and not directory_only.read_zidentity and directory_only.catalog == []
    assert [u.user_name for u in directory_only.users] == ["ann@example.com"]


def test_a_tenant_that_refuses_the_credentials_is_one_error(tenant: RunningEmulator) -> None:
    wrong = dataclasses.replace(settings(tenant), client_secret="not-the-secret")

    with Tenant(wrong) as refused, pytest.raises(ScopectlError) as caught:
        read_tenant(refused, QUIET, zidentity=True, scim=False)

    assert str(caught.value).startswith("reading the tenant failed: ")
    assert "not-the-secret" not in str(caught.value)


# -- the ZPA dialect --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zpa_emulator(tmp_path_factory) -> Iterator[RunningEmulator]:
    with run_emulator(tmp_path_factory.mktemp("zpa") / "tenant", dialect="zpa") as running:
        yield running


@pytest.fixture
def zpa(zpa_emulator: RunningEmulator) -> RunningEmulator:
    reset_tenant(settings(zpa_emulator))
    return zpa_emulator


def test_on_zpa_members_are_read_per_group_and_active_strings_read_as_booleans(zpa: RunningEmulator) -> None:
    ann = create_user(zpa, "ann@example.com")
    raj = create_user(zpa, "raj@example.com")
    create_group(zpa, "Contractors", [ann, raj])
    create_group(zpa, "Empty")

    live = read(zpa, zidentity=False)

    assert [(u.user_name, u.active) for u in live.users] == [
        ("ann@example.com", True),
        ("raj@example.com", True),
    ]
    assert {g.display_name: g.members for g in live.groups} == {
        "Contractors": ["ann@example.com", "raj@example.com"],
        "Empty": [],
    }
