"""SCIM through the real ``python -m emulator`` over loopback: tokens, scopes, dialect flag, restarts."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from emulator.catalog import RESOURCE_SERVER_ID, scope_id_by_name
from tests.emulator.scim.helpers import (
    add_members,
    assert_scim_error,
    create_group,
    create_user,
    loopback_client,
    member_values,
    patch_body,
    user_body,
)
from tests.support.emulator import RunningEmulator, run_emulator

ADMIN = "/ziam/admin/api/v1"


def oauth_token(emulator: RunningEmulator, name: str, scopes: list[str]) -> str:
    """An access token of a new API client granted ``scopes``, made through the admin API."""
    ids = scope_id_by_name()
    body = {
        "name": name,
        "description": "SCIM scope test client",
        "status": True,
        "accessTokenLifeTime": 3600,
        "clientAuthentication": {"authType": "SECRET"},
        "clientResources": [{"id": RESOURCE_SERVER_ID, "selectedScopes": [{"id": ids[s]} for s in scopes]}],
    }
    with emulator.admin_http() as admin:
        created = admin.post(f"{ADMIN}/api-clients", json=body)
        assert created.status_code == 201, created.text
        client_id = created.json()["id"]
        secret = admin.post(
            f"{ADMIN}/api-clients/{client_id}/secrets", json={"expiresAt": int(time.time()) + 90 * 86400}
        )
        assert secret.status_code == 201, secret.text
    return emulator.access_token(client_id, secret.json()["value"])


def scim_http(emulator: RunningEmulator, token: str | None) -> httpx.Client:
    return loopback_client(emulator.credentials["scim_url"], token)


@pytest.fixture(scope="module")
def tenant(tmp_path_factory) -> Iterator[RunningEmulator]:
    with run_emulator(tmp_path_factory.mktemp("scim-loopback") / "tenant") as running:
        yield running


def test_oauth_scopes_decide_what_a_client_may_do_on_scim(tenant):
    reader = oauth_token(tenant, "scim-reader", ["scim:read"])
    writer = oauth_token(tenant, "scim-writer", ["scim:write"])
    outsider = oauth_token(tenant, "reporting", ["ziam:read"])
    with scim_http(tenant, writer) as scim:
        user = create_user(scim, "loopback-alice")
    with scim_http(tenant, reader) as scim:
        assert scim.get(f"/Users/{user['id']}").json() == user
        assert_scim_error(scim.post("/Users", json=user_body("loopback-bob")), 403)
        assert_scim_error(scim.delete(f"/Users/{user['id']}"), 403)
    with scim_http(tenant, outsider) as scim:
        assert_scim_error(scim.get("/ServiceProviderConfig"), 403)
    for token in (None, "not-a-token"):
        with scim_http(tenant, token) as scim:
            response = scim.get("/Users")
            assert_scim_error(response, 401)
            assert response.headers["www-authenticate"].startswith("Bearer")
    with scim_http(tenant, tenant.credentials["scim_token"]) as scim:
        assert scim.delete(f"/Users/{user['id']}").status_code == 204


def test_requests_are_counted_per_scim_route(tenant):
    with scim_http(tenant, tenant.credentials["scim_token"]) as scim:
        tenant.reset_stats()
        group = create_group(scim, "counted")
        scim.get(f"/Groups/{group['id']}")
        scim.delete(f"/Groups/{group['id']}")
    stats = tenant.stats()
    assert stats["POST /scim/1/{idpId}/v2/Groups"] == 1
    assert stats["GET /scim/1/{idpId}/v2/Groups/{id}"] == 1
    assert stats["DELETE /scim/1/{idpId}/v2/Groups/{id}"] == 1


def test_users_groups_and_members_survive_a_restart(emulator):
    with scim_http(emulator, emulator.credentials["scim_token"]) as scim:
        alice = create_user(scim, "alice")
        group = create_group(scim, "eng")
        group = scim.patch(f"/Groups/{group['id']}", json=patch_body(add_members(alice["id"]))).json()
    emulator.restart()
    with scim_http(emulator, emulator.credentials["scim_token"]) as scim:
        assert scim.get(f"/Users/{alice['id']}").json() == alice
        assert scim.get(f"/Groups/{group['id']}").json() == group
        assert (
            scim.get(
                f"/Groups/{group['id']}", headers={"If-None-Match": group["meta"]["version"]}
            ).status_code
            == 304
        )


def test_the_dialect_flag_reaches_the_scim_server(tmp_path):
    with run_emulator(tmp_path / "zpa", dialect="zpa") as zpa_tenant, scim_http(zpa_tenant, None) as scim:
        scim.headers["Authorization"] = f"Bearer {zpa_tenant.credentials['scim_token']}"
        alice = create_user(scim, "alice")["id"]
        group = create_group(scim, "eng")
        response = scim.patch(f"/Groups/{group['id']}", json=patch_body(add_members(alice)))
        assert (response.status_code, response.content) == (204, b"")
        assert "members" not in scim.get("/Groups").json()["Resources"][0]
        assert member_values(scim.get(f"/Groups/{group['id']}").json()) == [alice]
