"""Bad requests get a 4xx in the SCIM error schema naming the problem, never a 500, and change nothing."""

from __future__ import annotations

import json

import pytest

from emulator.scim.service import MAX_BODY_BYTES
from tests.emulator.scim.helpers import (
    GROUP_SCHEMA,
    PATCH_SCHEMA,
    USER_SCHEMA,
    add_members,
    assert_scim_error,
    create_group,
    create_user,
    patch_body,
)


@pytest.fixture
def ids(scim):
    user = create_user(scim, "alice")
    group = create_group(scim, "eng", [user["id"]])
    return {"user": user["id"], "group": group["id"]}


def snapshot(scim):
    return scim.get("/Users").json(), scim.get("/Groups").json()


def body(payload: object) -> bytes:
    return json.dumps(payload).encode()


def bad(label: str, method: str, path: str, raw: bytes, scim_type: str | None, mentions: str | None):
    """One bad request: what is sent, the scimType expected, and what the error detail must name."""
    return pytest.param(method, path, raw, scim_type, mentions, id=label)


BAD_BODIES = [
    bad("truncated JSON", "POST", "/Users", b'{"schemas": [', "invalidSyntax", "JSON"),
    bad("not UTF-8", "POST", "/Users", b"\xff\xfe not utf-8", "invalidSyntax", "JSON"),
    bad("array body", "POST", "/Users", b"[]", None, "object"),
    bad("missing userName", "POST", "/Users", body({"schemas": [USER_SCHEMA]}), None, "userName"),
    bad(
        "userName number",
        "POST",
        "/Users",
        body({"schemas": [USER_SCHEMA], "userName": 42}),
        None,
        "userName",
    ),
    bad(
        "active not boolean",
        "POST",
        "/Users",
        body({"schemas": [USER_SCHEMA], "userName": "x", "active": "maybe"}),
        None,
        "active",
    ),
    bad(
        "unknown attribute",
        "POST",
        "/Users",
        body({"schemas": [USER_SCHEMA], "userName": "x", "favouriteColour": "blue"}),
        None,
        "favouriteColour",
    ),
    bad(
        "displayName list",
        "POST",
        "/Groups",
        body({"schemas": [GROUP_SCHEMA], "displayName": ["a"]}),
        None,
        "displayName",
    ),
    bad(
        "member without value",
        "POST",
        "/Groups",
        body({"schemas": [GROUP_SCHEMA], "displayName": "g", "members": [{"display": "no value"}]}),
        "invalidValue",
        "members[0].value",
    ),
    bad("PATCH truncated JSON", "PATCH", "/Groups/{group}", b"{", "invalidSyntax", "JSON"),
    bad("PATCH without operations", "PATCH", "/Groups/{group}", body({"Operations": []}), None, "operations"),
    bad(
        "PATCH unknown op",
        "PATCH",
        "/Groups/{group}",
        body(patch_body({"op": "merge", "path": "members"})),
        None,
        "merge",
    ),
    bad(
        "member value number",
        "PATCH",
        "/Groups/{group}",
        body(patch_body({"op": "add", "path": "members", "value": [{"value": 7}]})),
        "invalidValue",
        "value",
    ),
    bad(
        "member unknown sub-attribute",
        "PATCH",
        "/Groups/{group}",
        body(patch_body({"op": "add", "path": "members", "value": [{"value": "u", "colour": "x"}]})),
        "invalidValue",
        "colour",
    ),
    bad(
        "PATCH unknown path",
        "PATCH",
        "/Groups/{group}",
        body(patch_body({"op": "add", "path": "nonsense", "value": "x"})),
        "invalidPath",
        "nonsense",
    ),
    bad(
        "PATCH broken filter",
        "PATCH",
        "/Groups/{group}",
        body(patch_body({"op": "remove", "path": 'members[value eq "x" and]'})),
        "invalidPath",
        "column",
    ),
    bad(
        "PATCH read-only id",
        "PATCH",
        "/Users/{user}",
        body({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "id", "value": "x"}]}),
        "mutability",
        "id",
    ),
    bad(
        "PUT null userName",
        "PUT",
        "/Users/{user}",
        body({"schemas": [USER_SCHEMA], "userName": None}),
        None,
        "userName",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "scim_type", "mentions"), BAD_BODIES)
def test_bad_bodies_get_400_in_the_scim_error_schema_and_change_nothing(
    scim, ids, method, path, body, scim_type, mentions
):
    before = snapshot(scim)
    response = scim.request(method, path.format(**ids), content=body)
    error = assert_scim_error(response, 400, scim_type)
    if mentions:
        assert mentions in error["detail"]
    assert snapshot(scim) == before


@pytest.mark.parametrize(
    "params",
    [
        {"count": "many"},
        {"startIndex": "first"},
        {"sortOrder": "sideways", "sortBy": "userName"},
        {"filter": "userName zz 1"},
        {"attributes": "userName", "excludedAttributes": "title"},
    ],
)
def test_bad_query_parameters_get_400(scim, params):
    response = scim.get("/Users", params=params)
    assert response.status_code == 400, response.text
    assert_scim_error(response, 400)


@pytest.mark.parametrize("path", ["/Users", "/Groups/{group}"])
def test_an_oversized_body_is_400_before_it_is_parsed(scim, ids, path):
    body = b'{"schemas": ["' + b"x" * MAX_BODY_BYTES + b'"]}'
    method = "POST" if path == "/Users" else "PATCH"
    before = snapshot(scim)
    error = assert_scim_error(scim.request(method, path.format(**ids), content=body), 400)
    assert str(MAX_BODY_BYTES) in error["detail"]
    assert snapshot(scim) == before


def test_a_large_but_allowed_patch_goes_through(scim, ids):
    """A batch of 5,000 members (~240 kB) is well inside the limit."""
    values = [f"member-{n:05d}" for n in range(5000)]
    response = scim.patch(f"/Groups/{ids['group']}", json=patch_body(add_members(*values)))
    assert response.status_code == 200
    assert len(response.json()["members"]) == 5001


def test_a_non_json_content_type_is_415(scim):
    response = scim.post("/Users", content=b"userName=alice", headers={"Content-Type": "text/plain"})
    assert_scim_error(response, 415)


def test_zpa_json_patch_media_type_is_accepted(scim, ids):
    """ZIA's group PATCH examples send application/json-patch+json; treat it as JSON."""
    other = create_user(scim, "bob")["id"]
    response = scim.patch(
        f"/Groups/{ids['group']}",
        content=json.dumps(patch_body(add_members(other))),
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert response.status_code == 200


def test_unknown_endpoint_is_404_and_wrong_method_is_405(scim, ids):
    assert_scim_error(scim.get("/Widgets"), 404)
    assert_scim_error(scim.get(f"/Groups/{ids['group']}x"), 404)
    response = scim.delete("/Users")
    assert_scim_error(response, 405)
    assert "POST" in response.headers["allow"]
