"""The read-only scope catalog (``resource-servers``), seeded as docs/architecture.md lists it."""

from __future__ import annotations

from tests.emulator.conftest import ADMIN

SERVERS = f"{ADMIN}/resource-servers"

CONTRACT_SCOPES = {
    "ZIAM": ["ziam:admin", "ziam:read"],
    "SCIM": ["scim:read", "scim:write"],
    "SYNC": ["sync:profile:read"],
    "CONNECTOR": ["connector:read", "connector:write"],
    "ZIA": ["Role:API_Role01"],
    "ZPA": ["Scope:Default: Role:API Full Access"],
    "ZDX": ["Role:ZDX Read Only"],
}


def test_the_catalog_holds_one_default_resource_server_with_the_contract_scopes(tenant):
    response = tenant.http.get(SERVERS, headers=tenant.admin_headers())
    assert response.status_code == 200
    page = response.json()
    assert page["totalRecord"] == 1
    assert "next_link" not in page
    [server] = page["records"]
    assert server["name"] == "Zscaler APIs"
    assert server["primaryAud"] == "https://api.zscaler.com"
    assert server["defaultApi"] is True
    by_service = {entry["service"]["name"]: entry for entry in server["serviceScopes"]}
    assert {
        name: [s["name"] for s in entry["scopes"]] for name, entry in by_service.items()
    } == CONTRACT_SCOPES
    for entry in server["serviceScopes"]:
        service_id = entry["service"]["id"]
        for scope in entry["scopes"]:
            prefix, _, role_id = scope["id"].partition("::")
            assert prefix == service_id
            assert len(role_id) == 13


def test_a_resource_server_can_be_fetched_by_id_and_unknown_ids_are_404(tenant):
    headers = tenant.admin_headers()
    [server] = tenant.http.get(SERVERS, headers=headers).json()["records"]
    assert tenant.http.get(f"{SERVERS}/{server['id']}", headers=headers).json() == server
    assert tenant.http.get(f"{SERVERS}/nosuchserver1", headers=headers).status_code == 404


def test_the_catalog_is_read_only(tenant):
    headers = tenant.admin_headers()
    response = tenant.http.post(SERVERS, json={"name": "mine"}, headers=headers)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


def test_name_like_filters_resource_servers(tenant):
    headers = tenant.admin_headers()
    assert (
        tenant.http.get(SERVERS, params={"name[like]": "zscaler"}, headers=headers).json()["totalRecord"] == 1
    )
    assert (
        tenant.http.get(SERVERS, params={"name[like]": "nothing"}, headers=headers).json()["totalRecord"] == 0
    )


def test_scope_ids_are_the_same_in_every_tenant(tenant, tmp_path):
    from tests.emulator.conftest import make_tenant

    other = make_tenant(tmp_path / "other")
    try:
        mine = tenant.http.get(SERVERS, headers=tenant.admin_headers()).json()
        theirs = other.http.get(SERVERS, headers=other.admin_headers()).json()
        assert mine == theirs
    finally:
        other.http.close()
        other.app.close()
