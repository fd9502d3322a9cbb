"""Authorization on every route: {no token, bad token, wrong scope, right scope} (plus the IdP token
on SCIM routes). A refused write must also leave the tenant unchanged."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from emulator.catalog import RESOURCE_SERVER_ID
from tests.emulator.conftest import ADMIN, DAY, Tenant, client_body, make_tenant

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
BULK_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


@dataclass
class Target:
    """Objects the routes act on, created fresh for each test through the public API."""

    client_id: str
    secret_id: str
    scim_base: str
    user_id: str = ""
    group_id: str = ""


@dataclass(frozen=True)
class RouteCase:
    method: str
    path: Callable[[Target], str]
    body: Callable[[Tenant, Target], Any] | None
    access: str  # "read" or "write"
    ok_status: tuple[int, ...]


def _now_plus(tenant: Tenant, days: int) -> int:
    return int(tenant.clock()) + days * DAY


ADMIN_ROUTES: dict[str, RouteCase] = {
    "GET api-clients": RouteCase("GET", lambda t: f"{ADMIN}/api-clients", None, "read", (200,)),
    "POST api-clients": RouteCase(
        "POST", lambda t: f"{ADMIN}/api-clients", lambda tn, t: client_body("brand-new"), "write", (201,)
    ),
    "GET api-clients/{id}": RouteCase(
        "GET", lambda t: f"{ADMIN}/api-clients/{t.client_id}", None, "read", (200,)
    ),
    "PUT api-clients/{id}": RouteCase(
        "PUT",
        lambda t: f"{ADMIN}/api-clients/{t.client_id}",
        lambda tn, t: client_body("renamed"),
        "write",
        (200,),
    ),
    "DELETE api-clients/{id}": RouteCase(
        "DELETE", lambda t: f"{ADMIN}/api-clients/{t.client_id}", None, "write", (204,)
    ),
    "GET secrets": RouteCase(
        "GET", lambda t: f"{ADMIN}/api-clients/{t.client_id}/secrets", None, "read", (200,)
    ),
    "POST secrets": RouteCase(
        "POST",
        lambda t: f"{ADMIN}/api-clients/{t.client_id}/secrets",
        lambda tn, t: {"expiresAt": _now_plus(tn, 60)},
        "write",
        (201,),
    ),
    "DELETE secrets/{secretId}": RouteCase(
        "DELETE", lambda t: f"{ADMIN}/api-clients/{t.client_id}/secrets/{t.secret_id}", None, "write", (204,)
    ),
    "GET resource-servers": RouteCase("GET", lambda t: f"{ADMIN}/resource-servers", None, "read", (200,)),
    "GET resource-servers/{id}": RouteCase(
        "GET", lambda t: f"{ADMIN}/resource-servers/{RESOURCE_SERVER_ID}", None, "read", (200,)
    ),
}


def _user(name: str) -> dict:
    return {"schemas": [USER_SCHEMA], "userName": name, "name": {"givenName": "A", "familyName": "B"}}


SCIM_ROUTES: dict[str, RouteCase] = {
    "GET Users": RouteCase("GET", lambda t: f"{t.scim_base}/Users", None, "read", (200,)),
    "POST Users": RouteCase(
        "POST",
        lambda t: f"{t.scim_base}/Users",
        lambda tn, t: _user(f"new-{uuid.uuid4().hex}@x.test"),
        "write",
        (201,),
    ),
    "GET Users/{id}": RouteCase("GET", lambda t: f"{t.scim_base}/Users/{t.user_id}", None, "read", (200,)),
    "PUT Users/{id}": RouteCase(
        "PUT",
        lambda t: f"{t.scim_base}/Users/{t.user_id}",
        lambda tn, t: _user(f"put-{t.user_id}@x.test"),
        "write",
        (200,),
    ),
    "PATCH Users/{id}": RouteCase(
        "PATCH",
        lambda t: f"{t.scim_base}/Users/{t.user_id}",
        lambda tn, t: {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "replace", "path": "name.familyName", "value": "C"}],
        },
        "write",
        (200, 204),
    ),
    "DELETE Users/{id}": RouteCase(
        "DELETE", lambda t: f"{t.scim_base}/Users/{t.user_id}", None, "write", (204,)
    ),
    "GET Groups": RouteCase("GET", lambda t: f"{t.scim_base}/Groups", None, "read", (200,)),
    "POST Groups": RouteCase(
        "POST",
        lambda t: f"{t.scim_base}/Groups",
        lambda tn, t: {"schemas": [GROUP_SCHEMA], "displayName": f"New {uuid.uuid4().hex}"},
        "write",
        (201,),
    ),
    "GET Groups/{id}": RouteCase("GET", lambda t: f"{t.scim_base}/Groups/{t.group_id}", None, "read", (200,)),
    "PUT Groups/{id}": RouteCase(
        "PUT",
        lambda t: f"{t.scim_base}/Groups/{t.group_id}",
        lambda tn, t: {"schemas": [GROUP_SCHEMA], "displayName": f"Renamed {t.group_id}"},
        "write",
        (200,),
    ),
    "PATCH Groups/{id}": RouteCase(
        "PATCH",
        lambda t: f"{t.scim_base}/Groups/{t.group_id}",
        lambda tn, t: {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": t.user_id}]}],
        },
        "write",
        (200, 204),
    ),
    "DELETE Groups/{id}": RouteCase(
        "DELETE", lambda t: f"{t.scim_base}/Groups/{t.group_id}", None, "write", (204,)
    ),
    "GET ServiceProviderConfig": RouteCase(
        "GET", lambda t: f"{t.scim_base}/ServiceProviderConfig", None, "read", (200,)
    ),
    "GET Schemas": RouteCase("GET", lambda t: f"{t.scim_base}/Schemas", None, "read", (200,)),
    "GET Schemas/{id}": RouteCase(
        "GET", lambda t: f"{t.scim_base}/Schemas/{USER_SCHEMA}", None, "read", (200,)
    ),
    "GET ResourceTypes": RouteCase("GET", lambda t: f"{t.scim_base}/ResourceTypes", None, "read", (200,)),
    "GET ResourceTypes/{id}": RouteCase(
        "GET", lambda t: f"{t.scim_base}/ResourceTypes/User", None, "read", (200,)
    ),
    "POST Users/.search": RouteCase(
        "POST",
        lambda t: f"{t.scim_base}/Users/.search",
        lambda tn, t: {"schemas": [SEARCH_SCHEMA], "filter": f'id eq "{t.user_id}"'},
        "read",
        (200,),
    ),
    "POST .search": RouteCase(
        "POST",
        lambda t: f"{t.scim_base}/.search",
        lambda tn, t: {"schemas": [SEARCH_SCHEMA], "count": 1},
        "read",
        (200,),
    ),
    "POST Bulk": RouteCase(
        "POST",
        lambda t: f"{t.scim_base}/Bulk",
        lambda tn, t: {
            "schemas": [BULK_SCHEMA],
            "Operations": [
                {
                    "method": "POST",
                    "path": "/Users",
                    "bulkId": "u1",
                    "data": _user(f"bulk-{uuid.uuid4().hex}@x.test"),
                }
            ],
        },
        "write",
        (200,),
    ),
}

# Which scopes a "wrong scope" token holds: close to what the route needs, but not enough.
ADMIN_WRONG = {"read": ["scim:read", "scim:write"], "write": ["ziam:read", "scim:write"]}
ADMIN_RIGHT = {"read": ["ziam:read"], "write": ["ziam:admin"]}
SCIM_WRONG = {"read": ["ziam:admin"], "write": ["scim:read", "ziam:admin"]}
SCIM_RIGHT = {"read": ["scim:read"], "write": ["scim:write"]}


def _target(tenant: Tenant, with_scim: bool) -> Target:
    base = tenant.credentials["scim_url"].split("tenant.test", 1)[1]
    if not with_scim:
        client = tenant.create_client("target", ["scim:read"])
        secret = tenant.add_secret(client["id"])
        return Target(client["id"], secret["id"], base)
    # SCIM cases share one tenant per module (building the SCIM app is the slow part), so every
    # test works on its own freshly created user and group.
    target = Target(tenant.credentials["client_id"], "", base)
    idp = {"Authorization": f"Bearer {tenant.credentials['scim_token']}"}
    user = tenant.http.post(f"{base}/Users", json=_user(f"target-{uuid.uuid4().hex}@x.test"), headers=idp)
    assert user.status_code == 201, user.text
    target.user_id = user.json()["id"]
    group = tenant.http.post(
        f"{base}/Groups",
        json={"schemas": [GROUP_SCHEMA], "displayName": f"Target {uuid.uuid4().hex}"},
        headers=idp,
    )
    assert group.status_code == 201, group.text
    target.group_id = group.json()["id"]
    return target


def _state(tenant: Tenant, target: Target, with_scim: bool) -> list:
    """Everything a refused write might have changed, read with the admin and IdP credentials."""
    admin = tenant.admin_headers()
    state = [
        tenant.http.get(f"{ADMIN}/api-clients", headers=admin).json(),
        tenant.http.get(f"{ADMIN}/api-clients/{target.client_id}/secrets", headers=admin).json(),
    ]
    if with_scim:
        idp = {"Authorization": f"Bearer {tenant.credentials['scim_token']}"}
        for kind, object_id in (("Users", target.user_id), ("Groups", target.group_id)):
            state.append(tenant.http.get(f"{target.scim_base}/{kind}", headers=idp).json()["totalResults"])
            state.append(tenant.http.get(f"{target.scim_base}/{kind}/{object_id}", headers=idp).json())
    return state


_CALLERS: dict[tuple[str, tuple[str, ...]], dict[str, str]] = {}


def _headers(tenant: Tenant, case: str, scopes: dict[str, list[str]], access: str) -> dict[str, str]:
    if case == "no token":
        return {}
    if case == "bad token":
        return {"Authorization": "Bearer not-a-real-token"}
    if case == "idp token":
        return {"Authorization": f"Bearer {tenant.credentials['scim_token']}"}
    # Keyed by the tenant's (random, per-instance) control token: id() could be reused after GC.
    key = (tenant.credentials["control_token"], tuple(scopes[access]))
    if key not in _CALLERS:  # one caller client per scope set and tenant
        _CALLERS[key] = tenant.bearer_for_scopes(f"caller-{uuid.uuid4().hex[:12]}", scopes[access])
    return _CALLERS[key]


def _run(tenant: Tenant, route: RouteCase, case: str, wrong: dict, right: dict, with_scim: bool) -> None:
    target = _target(tenant, with_scim)
    headers = _headers(tenant, case, wrong if case == "wrong scope" else right, route.access)
    before = _state(tenant, target, with_scim)
    body = route.body(tenant, target) if route.body else None
    response = tenant.http.request(route.method, route.path(target), json=body, headers=headers)
    if case in ("no token", "bad token"):
        assert response.status_code == 401, response.text
        assert "www-authenticate" in response.headers or with_scim
    elif case == "wrong scope":
        assert response.status_code == 403, response.text
    else:
        assert response.status_code in route.ok_status, response.text
        return
    assert _state(tenant, target, with_scim) == before, "a refused request changed the tenant"


@pytest.mark.parametrize("case", ["no token", "bad token", "wrong scope", "right scope"])
@pytest.mark.parametrize("route", list(ADMIN_ROUTES))
def test_admin_api_authorization(tenant, route, case):
    _run(tenant, ADMIN_ROUTES[route], case, ADMIN_WRONG, ADMIN_RIGHT, with_scim=False)


@pytest.fixture(scope="module")
def scim_tenant(tmp_path_factory) -> Iterator[Tenant]:
    built = make_tenant(tmp_path_factory.mktemp("authz-scim") / "tenant")
    try:
        yield built
    finally:
        built.http.close()
        built.app.close()


@pytest.mark.parametrize("case", ["no token", "bad token", "wrong scope", "right scope", "idp token"])
@pytest.mark.parametrize("route", list(SCIM_ROUTES))
def test_scim_authorization(scim_tenant, route, case):
    _run(scim_tenant, SCIM_ROUTES[route], case, SCIM_WRONG, SCIM_RIGHT, with_scim=True)


@pytest.mark.parametrize("case", ["no credentials", "bad secret", "disabled client", "right credentials"])
@pytest.mark.parametrize("how", ["form", "basic"])
def test_token_endpoint_authorization(tenant, how, case):
    """The token route's own authorization: the client's credentials (scopes are what it hands out)."""
    client, secret = tenant.client_with_secret(f"token-{how}-{uuid.uuid4().hex[:8]}", ["scim:read"])
    if case == "disabled client":
        disabled = tenant.http.put(
            f"{ADMIN}/api-clients/{client['id']}",
            json=client_body(client["name"], ["scim:read"], status=False),
            headers=tenant.admin_headers(),
        )
        assert disabled.status_code == 200, disabled.text
    form = {"grant_type": "client_credentials", "audience": "https://api.zscaler.com"}
    credentials = {
        "no credentials": None,
        "bad secret": (client["id"], "not-the-secret"),
        "disabled client": (client["id"], secret),
        "right credentials": (client["id"], secret),
    }[case]
    if credentials is None or how == "basic":
        response = tenant.http.post("/oauth2/v1/token", data=form, auth=credentials)
    else:
        form.update(client_id=credentials[0], client_secret=credentials[1])
        response = tenant.http.post("/oauth2/v1/token", data=form)
    if case == "right credentials":
        assert response.status_code == 200, response.text
        assert response.json()["token_type"] == "Bearer"
        return
    # ZIdentity answers bad form credentials 400; HTTP Basic failures are 401 with a Basic challenge.
    assert response.status_code == (401 if how == "basic" and credentials else 400), response.text
    assert response.json()["error"] == "invalid_client"
    assert "access_token" not in response.json()
    if response.status_code == 401:
        assert response.headers["www-authenticate"].startswith("Basic")


def test_an_idp_token_is_not_an_admin_api_credential(tenant):
    response = tenant.http.get(
        f"{ADMIN}/api-clients", headers={"Authorization": f"Bearer {tenant.credentials['scim_token']}"}
    )
    assert response.status_code == 401


def test_unknown_idp_ids_are_404_even_with_a_valid_token(tenant):
    response = tenant.http.get(
        "/scim/1/999999999999999999/v2/Users",
        headers={"Authorization": f"Bearer {tenant.credentials['scim_token']}"},
    )
    assert response.status_code == 404
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


CONTROL_ROUTES = [
    ("GET", "/_emulator/stats", None),
    ("POST", "/_emulator/stats/reset", None),
    ("GET", "/_emulator/faults", None),
    ("PUT", "/_emulator/faults", {}),
    ("GET", "/_emulator/ratelimit", None),
    ("PUT", "/_emulator/ratelimit", {}),
]


@pytest.mark.parametrize("case", ["no token", "bad token", "admin oauth token", "control token"])
@pytest.mark.parametrize(("method", "path", "body"), CONTROL_ROUTES)
def test_control_api_needs_the_control_token(tenant, method, path, body, case):
    headers = {
        "no token": {},
        "bad token": {"Authorization": "Bearer nope"},
        "admin oauth token": tenant.admin_headers(),
        "control token": {"Authorization": f"Bearer {tenant.credentials['control_token']}"},
    }[case]
    response = tenant.http.request(method, path, json=body, headers=headers)
    assert response.status_code == (200 if case == "control token" else 401), response.text
    if case != "control token":
        assert response.headers["www-authenticate"] == 'Bearer realm="emulator-control"'


def test_health_needs_no_token(tenant):
    assert tenant.http.get("/_emulator/health").json() == {"ok": True}


def test_scim_says_a_token_is_required_only_when_none_was_sent(tenant):
    """A wrong token is "invalid or expired", not "required" (issue 13, point 10)."""
    idp_id = tenant.credentials["scim_url"].rstrip("/").split("/")[-2]
    path = f"/scim/1/{idp_id}/v2/Users"

    missing = tenant.http.get(path)
    wrong = tenant.http.get(path, headers={"Authorization": "Bearer not-a-valid-token-1234"})

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.json()["detail"] == "A bearer token is required"
    assert wrong.json()["detail"] == "The bearer token is invalid or expired"
