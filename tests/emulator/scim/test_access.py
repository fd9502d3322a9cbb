"""Every SCIM route against every kind of caller: who gets in, and that refusals change nothing.

The core turns a bearer token into a principal (or none); these tests declare the principal directly
(see shim.py) to pin the SCIM app's own rule. ``test_loopback.py`` checks the same rule end to end
with real OAuth tokens.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from emulator.scim import ScimApplication
from tests.emulator.scim.conftest import scim_client
from tests.emulator.scim.helpers import (
    BULK_SCHEMA,
    add_members,
    assert_scim_error,
    create_group,
    create_user,
    group_body,
    patch_body,
    user_body,
)

SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

# (method, path, body, needs write)
ROUTES: list[tuple[str, str, Any, bool]] = [
    ("GET", "/ServiceProviderConfig", None, False),
    ("GET", "/Schemas", None, False),
    ("GET", "/ResourceTypes", None, False),
    ("GET", "/Users", None, False),
    ("GET", "/Users/{user}", None, False),
    ("POST", "/Users/.search", {"schemas": [SEARCH_SCHEMA], "filter": 'userName eq "alice"'}, False),
    ("GET", "/Groups", None, False),
    ("GET", "/Groups/{group}", None, False),
    ("GET", "/Groups/{group}?excludedAttributes=members", None, False),
    ("POST", "/Users", user_body("newcomer@example.com"), True),
    ("PUT", "/Users/{user}", user_body("alice", displayName="Alice"), True),
    ("PATCH", "/Users/{user}", patch_body({"op": "replace", "path": "displayName", "value": "A"}), True),
    ("DELETE", "/Users/{user}", None, True),
    ("POST", "/Groups", group_body("newcomers"), True),
    ("PUT", "/Groups/{group}", group_body("renamed"), True),
    ("PATCH", "/Groups/{group}", patch_body(add_members("{other}")), True),
    ("PATCH", "/Groups/{group}", patch_body({"op": "replace", "path": "displayName", "value": "x"}), True),
    ("DELETE", "/Groups/{group}", None, True),
    (
        "POST",
        "/Bulk",
        {
            "schemas": [BULK_SCHEMA],
            "Operations": [{"method": "POST", "path": "/Users", "data": user_body("b")}],
        },
        True,
    ),
]
ROUTE_IDS = [
    f"{method} {path}" + (f" {body['Operations'][0]}" if method == "PATCH" else "")
    for method, path, body, _ in ROUTES
]


def fill(template: Any, ids: dict[str, str]) -> Any:
    if isinstance(template, str):
        return template.format(**ids)
    if isinstance(template, list):
        return [fill(item, ids) for item in template]
    if isinstance(template, dict):
        return {key: fill(value, ids) for key, value in template.items()}
    return template


@pytest.fixture
def seeded(scim_app: ScimApplication) -> dict[str, str]:
    with scim_client(scim_app, "idp") as admin:
        user = create_user(admin, "alice")
        other = create_user(admin, "bob")
        group = create_group(admin, "eng", [user["id"]])
    return {"user": user["id"], "other": other["id"], "group": group["id"]}


def tenant_state(app: ScimApplication) -> tuple[Any, Any]:
    with scim_client(app, "idp") as admin:
        return admin.get("/Users").json()["Resources"], admin.get("/Groups").json()["Resources"]


def call(
    app: ScimApplication, scopes: str | None, route: tuple[str, str, Any, bool], ids: dict[str, str]
) -> httpx.Response:
    method, path, body, _ = route
    with scim_client(app, scopes) as client:
        return client.request(method, fill(path, ids), json=fill(body, ids))


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_no_caller_gets_401_with_a_bearer_challenge_and_nothing_changes(scim_app, seeded, route):
    before = tenant_state(scim_app)
    response = call(scim_app, None, route, seeded)
    assert_scim_error(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert tenant_state(scim_app) == before


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_a_token_without_scim_scopes_gets_403_and_nothing_changes(scim_app, seeded, route):
    before = tenant_state(scim_app)
    assert_scim_error(call(scim_app, "ziam:admin sync:profile:read", route, seeded), 403)
    assert tenant_state(scim_app) == before


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_scim_read_may_read_but_not_write(scim_app, seeded, route):
    before = tenant_state(scim_app)
    response = call(scim_app, "scim:read", route, seeded)
    if route[3]:
        assert_scim_error(response, 403)
        assert "scim:write" in response.json()["detail"]
        assert tenant_state(scim_app) == before
    else:
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("scopes", ["scim:write", "idp"])
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_scim_write_and_the_idp_token_may_do_everything(scim_app, seeded, route, scopes):
    response = call(scim_app, scopes, route, seeded)
    assert response.status_code in (200, 201, 204), response.text


def test_authentication_comes_before_routing(scim_app, scim):
    """An anonymous caller learns nothing about which paths exist."""
    with scim_client(scim_app, None) as anonymous:
        assert_scim_error(anonymous.get("/NoSuchEndpoint"), 401)
    assert_scim_error(scim.get("/NoSuchEndpoint"), 404)
