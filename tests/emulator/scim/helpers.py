"""Request bodies and assertions shared by the SCIM tests (plain dicts: what a client really sends)."""

from __future__ import annotations

from typing import Any

import httpx

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
BULK_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
SCIM_JSON = "application/scim+json"


def loopback_client(scim_url: str, token: str | None) -> httpx.Client:
    """A SCIM client for a running emulator's ``scim_url``, sending ``token`` as bearer (None: no token)."""
    headers = {"Content-Type": SCIM_JSON} | ({"Authorization": f"Bearer {token}"} if token else {})
    return httpx.Client(base_url=scim_url, headers=headers, timeout=30)


def user_body(user_name: str, **extra: Any) -> dict[str, Any]:
    return {"schemas": [USER_SCHEMA], "userName": user_name, **extra}


def group_body(display_name: str, member_ids: list[str] = (), **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "displayName": display_name, **extra}
    if member_ids:
        body["members"] = [{"value": member} for member in member_ids]
    return body


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def add_members(*ids: str) -> dict[str, Any]:
    return {"op": "add", "path": "members", "value": [{"value": member} for member in ids]}


def remove_member(member_id: str) -> dict[str, Any]:
    return {"op": "remove", "path": f'members[value eq "{member_id}"]'}


def create_user(http: httpx.Client, user_name: str, **extra: Any) -> dict[str, Any]:
    response = http.post("/Users", json=user_body(user_name, **extra))
    assert response.status_code == 201, response.text
    return response.json()


def create_users(http: httpx.Client, count: int, prefix: str = "user") -> list[str]:
    """``count`` users made with one Bulk request per 1,000 (how a provisioning job seeds a tenant)."""
    ids: list[str] = []
    for start in range(0, count, 1000):
        operations = [
            {
                "method": "POST",
                "path": "/Users",
                "bulkId": f"u{n}",
                "data": user_body(f"{prefix}{n}@example.com"),
            }
            for n in range(start, min(count, start + 1000))
        ]
        response = http.post("/Bulk", json={"schemas": [BULK_SCHEMA], "Operations": operations})
        assert response.status_code == 200, response.text
        for outcome in response.json()["Operations"]:
            assert str(outcome["status"]) == "201", outcome
            ids.append(outcome["location"].rsplit("/", 1)[-1])
    return ids


def create_group(
    http: httpx.Client, display_name: str, member_ids: list[str] = (), **extra: Any
) -> dict[str, Any]:
    response = http.post("/Groups", json=group_body(display_name, list(member_ids), **extra))
    assert response.status_code == 201, response.text
    return response.json()


def member_values(group: dict[str, Any]) -> list[str]:
    return [member["value"] for member in group.get("members", [])]


def assert_scim_error(response: httpx.Response, status: int, scim_type: str | None = None) -> dict[str, Any]:
    """The response is a SCIM error (RFC 7644 §3.12) with this status (and scimType, when given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(SCIM_JSON)
    error = response.json()
    assert error["schemas"] == [ERROR_SCHEMA]
    assert str(error["status"]) == str(status)
    assert error.get("detail")
    if scim_type is not None:
        assert error.get("scimType") == scim_type, error
    return error
