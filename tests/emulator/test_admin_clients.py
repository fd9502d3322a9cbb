"""The ``api-clients`` admin API: CRUD, the list envelope, validation, name clashes and the cap."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest

from emulator.catalog import RESOURCE_SERVER_ID, scope_id_by_name
from tests.emulator.conftest import ADMIN, client_body

CLIENTS = f"{ADMIN}/api-clients"


def test_create_returns_201_with_the_full_object_and_resolved_scope_names(tenant):
    response = tenant.http.post(
        CLIENTS,
        json=client_body("directory-sync", ["scim:read", "scim:write"]),
        headers=tenant.admin_headers(),
    )
    assert response.status_code == 201
    created = response.json()
    assert len(created["id"]) == 13
    assert created["name"] == "directory-sync"
    assert created["status"] is True
    assert created["accessTokenLifeTime"] == 3600
    assert created["clientAuthentication"] == {"authType": "SECRET"}
    [resource] = created["clientResources"]
    assert resource["id"] == RESOURCE_SERVER_ID
    assert resource["name"] == "Zscaler APIs"
    assert resource["defaultApi"] is True
    ids = scope_id_by_name()
    assert resource["selectedScopes"] == [
        {"id": ids["scim:read"], "name": "scim:read"},
        {"id": ids["scim:write"], "name": "scim:write"},
    ]
    fetched = tenant.http.get(f"{CLIENTS}/{created['id']}", headers=tenant.admin_headers())
    assert fetched.status_code == 200
    assert fetched.json() == created


def test_put_is_a_full_replace(tenant):
    created = tenant.create_client("replace-me", ["scim:read"])
    body = {"name": "replaced", "accessTokenLifeTime": 7200}  # no description, no scopes
    response = tenant.http.put(f"{CLIENTS}/{created['id']}", json=body, headers=tenant.admin_headers())
    assert response.status_code == 200
    replaced = response.json()
    assert replaced["name"] == "replaced"
    assert replaced["description"] == ""
    assert replaced["clientResources"] == []
    assert replaced["accessTokenLifeTime"] == 7200
    assert tenant.http.get(f"{CLIENTS}/{created['id']}", headers=tenant.admin_headers()).json() == replaced


def test_a_record_read_back_can_be_put_back_unchanged(tenant):
    created = tenant.create_client("round-trip", ["connector:read"])
    response = tenant.http.put(f"{CLIENTS}/{created['id']}", json=created, headers=tenant.admin_headers())
    assert response.status_code == 200
    assert response.json() == created


def test_delete_is_204_then_404(tenant):
    created = tenant.create_client("short-lived-client")
    headers = tenant.admin_headers()
    assert tenant.http.delete(f"{CLIENTS}/{created['id']}", headers=headers).status_code == 204
    assert tenant.http.get(f"{CLIENTS}/{created['id']}", headers=headers).status_code == 404
    again = tenant.http.delete(f"{CLIENTS}/{created['id']}", headers=headers)
    assert again.status_code == 404
    assert again.json()["code"] == "NOT_FOUND"


def test_unknown_client_ids_are_404_on_every_verb(tenant):
    headers = tenant.admin_headers()
    assert tenant.http.get(f"{CLIENTS}/doesnotexist1", headers=headers).status_code == 404
    put = tenant.http.put(f"{CLIENTS}/doesnotexist1", json=client_body("x"), headers=headers)
    assert put.status_code == 404


def test_list_pages_with_the_zidentity_envelope(tenant):
    for index in range(5):
        tenant.create_client(f"paged-{index}")
    headers = tenant.admin_headers()
    first = tenant.http.get(CLIENTS, params={"limit": 2}, headers=headers).json()
    assert first["pageOffset"] == 0
    assert first["pageSize"] == 2
    assert first["totalRecord"] == 6  # five plus the seeded admin client
    assert first["results_total"] == 6
    assert [r["name"] for r in first["records"]] == ["emulator-admin", "paged-0"]
    link = urlparse(first["next_link"])
    assert link.path == CLIENTS
    assert parse_qs(link.query) == {"limit": ["2"], "offset": ["2"]}

    names, offset = [], 0
    while True:
        page = tenant.http.get(CLIENTS, params={"limit": 2, "offset": offset}, headers=headers).json()
        names += [r["name"] for r in page["records"]]
        if "next_link" not in page:
            break
        offset = int(parse_qs(urlparse(page["next_link"]).query)["offset"][0])
    assert names == ["emulator-admin"] + [f"paged-{i}" for i in range(5)]


def test_default_page_size_is_100_and_a_complete_page_has_no_next_link(tenant):
    page = tenant.http.get(CLIENTS, headers=tenant.admin_headers()).json()
    assert page["pageSize"] == 100
    assert "next_link" not in page


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({"limit": 1001}, "limit"),
        ({"limit": -1}, "limit"),
        ({"offset": "x"}, "offset"),
        ({"offset": -5}, "offset"),
    ],
)
def test_bad_paging_parameters_are_400(tenant, params, mentions):
    response = tenant.http.get(CLIENTS, params=params, headers=tenant.admin_headers())
    assert response.status_code == 400
    assert mentions in response.json()["message"]


@pytest.mark.parametrize("path", [CLIENTS, f"{ADMIN}/resource-servers"])
def test_an_offset_past_any_sqlite_integer_is_an_empty_page(tenant, path):
    """Lists are cut in SQL, whose integers stop at 2**63; an offset past the end is just past the end."""
    response = tenant.http.get(path, params={"offset": 10**20}, headers=tenant.admin_headers())
    assert response.status_code == 200, response.text
    page = response.json()
    assert (page["pageOffset"], page["totalRecord"], page["records"]) == (10**20, 1, [])
    assert "next_link" not in page


def test_limit_zero_returns_totals_without_records_or_next_link(tenant):
    page = tenant.http.get(CLIENTS, params={"limit": 0}, headers=tenant.admin_headers()).json()
    assert page["records"] == []
    assert page["totalRecord"] == 1
    assert "next_link" not in page


def test_name_like_is_a_case_insensitive_partial_match(tenant):
    tenant.create_client("reporting-integration")
    tenant.create_client("Reporting-Legacy")
    tenant.create_client("directory-sync")
    tenant.create_client("percent%name")
    page = tenant.http.get(CLIENTS, params={"name[like]": "reporting"}, headers=tenant.admin_headers()).json()
    assert sorted(r["name"] for r in page["records"]) == ["Reporting-Legacy", "reporting-integration"]
    assert page["totalRecord"] == 2
    literal = tenant.http.get(CLIENTS, params={"name[like]": "%"}, headers=tenant.admin_headers()).json()
    assert [r["name"] for r in literal["records"]] == ["percent%name"]


def test_duplicate_names_are_409_on_create_and_on_rename(tenant):
    tenant.create_client("taken")
    other = tenant.create_client("other")
    headers = tenant.admin_headers()
    clash = tenant.http.post(CLIENTS, json=client_body("taken"), headers=headers)
    assert clash.status_code == 409
    assert clash.json()["code"] == "DUPLICATE_NAME"
    rename = tenant.http.put(f"{CLIENTS}/{other['id']}", json=client_body("taken"), headers=headers)
    assert rename.status_code == 409


def test_the_tenant_holds_at_most_256_clients(tenant):
    headers = tenant.admin_headers()
    for index in range(255):  # plus the seeded admin client = 256
        response = tenant.http.post(CLIENTS, json=client_body(f"bulk-{index:03d}"), headers=headers)
        assert response.status_code == 201, response.text
    over = tenant.http.post(CLIENTS, json=client_body("one-too-many"), headers=headers)
    assert over.status_code == 409
    assert over.json() == {
        "code": "LIMIT_EXCEEDED",
        "message": "the tenant already has the maximum of 256 API clients",
    }
    assert tenant.http.get(CLIENTS, params={"limit": 0}, headers=headers).json()["totalRecord"] == 256


@pytest.mark.parametrize(
    ("change", "mentions"),
    [
        ({"clientAuthentication": {"authType": "PASSWORD"}}, "clientAuthentication.authType: must be one of"),
        ({"accessTokenLifeTime": 59}, "accessTokenLifeTime: must be between 60 and 86400"),
        ({"accessTokenLifeTime": 86401}, "accessTokenLifeTime: must be between 60 and 86400"),
        ({"accessTokenLifeTime": "3600"}, "accessTokenLifeTime: expected an integer"),
        ({"accessTokenLifeTime": True}, "accessTokenLifeTime: expected an integer"),
        ({"status": "yes"}, "status: expected a boolean"),
        ({"name": ""}, "name: must not be blank"),
        ({"name": 7}, "name: expected a string"),
        ({"scopes": ["scim:read"]}, "scopes: unknown field"),
        ({"clientResources": {}}, "clientResources: expected an array"),
        (
            {"clientResources": [{"id": "nosuchserver1", "selectedScopes": []}]},
            "clientResources[0].id: no resource",
        ),
        (
            {"clientResources": [{"id": RESOURCE_SERVER_ID, "selectedScopes": [{"id": "x::y"}]}]},
            "clientResources[0].selectedScopes[0].id: no scope with id 'x::y'",
        ),
        (
            {"clientResources": [{"id": RESOURCE_SERVER_ID, "selectedScopes": [{"id": "x", "extra": 1}]}]},
            "clientResources[0].selectedScopes[0].extra: unknown field",
        ),
        ({"clientAuthentication": {"authType": "JWKS"}}, "clientAuthentication.clientJWKsUrl: required"),
        ({"id": "abc"}, "id: assigned by the server"),
    ],
)
def test_invalid_client_bodies_are_400_naming_the_field(tenant, change, mentions):
    body = client_body("invalid")
    body.update(change)
    response = tenant.http.post(CLIENTS, json=body, headers=tenant.admin_headers())
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "INVALID_INPUT"
    assert mentions in error["message"]
    listing = tenant.http.get(
        CLIENTS, params={"name[like]": "invalid"}, headers=tenant.admin_headers()
    ).json()
    assert listing["totalRecord"] == 0


def test_missing_required_fields_are_named(tenant):
    response = tenant.http.post(CLIENTS, json={"name": "no-lifetime"}, headers=tenant.admin_headers())
    assert response.status_code == 400
    assert response.json()["message"] == "accessTokenLifeTime: required field is missing"
    response = tenant.http.post(CLIENTS, json={"accessTokenLifeTime": 600}, headers=tenant.admin_headers())
    assert response.json()["message"] == "name: required field is missing"


def test_put_with_a_different_id_in_the_body_is_400(tenant):
    created = tenant.create_client("id-mismatch")
    body = dict(created, id="somethingelse")
    response = tenant.http.put(f"{CLIENTS}/{created['id']}", json=body, headers=tenant.admin_headers())
    assert response.status_code == 400
    assert "id: does not match" in response.json()["message"]


@pytest.mark.parametrize("field", ["name", "description"])
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_a_lone_surrogate_is_a_400_naming_the_field_not_a_500(tenant, field, method):
    """``"x\\ud800"`` is valid JSON but not Unicode text; SQLite could not store it (issue 13, point 9)."""
    existing = tenant.create_client("surrogates")
    body = json.dumps(client_body("surrogates")).replace(
        f'"{client_body("surrogates")[field]}"', '"x\\ud800"'
    )
    path = f"{ADMIN}/api-clients" + (f"/{existing['id']}" if method == "PUT" else "")

    response = tenant.http.request(
        method, path, content=body, headers={**tenant.admin_headers(), "Content-Type": "application/json"}
    )

    assert response.status_code == 400, response.text
    assert response.json()["message"] == f"{field}: not valid Unicode text (a lone surrogate)"
    listed = tenant.http.get(f"{ADMIN}/api-clients", headers=tenant.admin_headers()).json()["records"]
    assert [record["name"] for record in listed if record["name"].startswith("x")] == []
