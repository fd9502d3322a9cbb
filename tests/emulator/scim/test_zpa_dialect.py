"""``--dialect zpa``: the documented ZPA deviations (zscaler-api.md §3.4), each next to strict's answer."""

from __future__ import annotations

import pytest

from emulator.scim import dialect_named
from tests.emulator.scim.helpers import (
    add_members,
    assert_scim_error,
    create_group,
    create_user,
    create_users,
    member_values,
    patch_body,
    remove_member,
    user_body,
)


def test_group_patch_answers_204_with_the_etag_and_applies_the_change(zpa):
    alice, bob = create_user(zpa, "alice")["id"], create_user(zpa, "bob")["id"]
    group = create_group(zpa, "eng", [alice])
    for operations, expected in (
        ([add_members(bob)], [alice, bob]),
        ([remove_member(alice)], [bob]),
        ([{"op": "replace", "path": "displayName", "value": "engineering"}], [bob]),
    ):
        response = zpa.patch(f"/Groups/{group['id']}", json=patch_body(*operations))
        assert response.status_code == 204
        assert response.content == b""
        current = zpa.get(f"/Groups/{group['id']}").json()
        assert response.headers["etag"] == current["meta"]["version"]
        assert member_values(current) == expected
    assert current["displayName"] == "engineering"


def test_group_patch_is_200_with_the_group_in_strict(scim):
    alice = create_user(scim, "alice")["id"]
    group = create_group(scim, "eng")
    response = scim.patch(f"/Groups/{group['id']}", json=patch_body(add_members(alice)))
    assert response.status_code == 200
    assert member_values(response.json()) == [alice]


def test_user_patch_still_answers_200_with_the_user(zpa):
    user = create_user(zpa, "alice")
    response = zpa.patch(
        f"/Users/{user['id']}", json=patch_body({"op": "replace", "path": "displayName", "value": "Alice"})
    )
    assert response.status_code == 200
    assert response.json()["displayName"] == "Alice"


@pytest.mark.parametrize(
    "params", [{}, {"attributes": "displayName,members"}, {"filter": 'displayName eq "eng"'}, {"count": 5}]
)
def test_group_lists_never_carry_members_but_a_single_group_does(zpa, params):
    alice = create_user(zpa, "alice")["id"]
    group = create_group(zpa, "eng", [alice])
    listed = zpa.get("/Groups", params=params).json()["Resources"]
    assert [found["id"] for found in listed] == [group["id"]]
    assert "members" not in listed[0]
    assert member_values(zpa.get(f"/Groups/{group['id']}").json()) == [alice]


def test_group_search_with_post_carries_no_members_either(zpa):
    create_group(zpa, "eng", [create_user(zpa, "alice")["id"]])
    response = zpa.post(
        "/Groups/.search", json={"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
    )
    assert response.status_code == 200
    assert "members" not in response.json()["Resources"][0]


@pytest.mark.parametrize("how", ["PATCH", "PUT"])
def test_setting_active_false_deletes_the_user_and_its_memberships(zpa, how):
    user = create_user(zpa, "alice")
    group = create_group(zpa, "eng", [user["id"]])
    if how == "PATCH":
        body = patch_body({"op": "replace", "path": "active", "value": False})
    else:
        body = user_body("alice", active=False)
    response = zpa.request(how, f"/Users/{user['id']}", json=body)
    assert response.status_code == 200
    assert response.json()["active"] == "false"
    assert_scim_error(zpa.get(f"/Users/{user['id']}"), 404)
    assert member_values(zpa.get(f"/Groups/{group['id']}").json()) == []


def test_active_false_only_deactivates_in_strict(scim):
    user = create_user(scim, "alice")
    scim.patch(f"/Users/{user['id']}", json=patch_body({"op": "replace", "path": "active", "value": False}))
    assert scim.get(f"/Users/{user['id']}").json()["active"] is False


def test_searches_page_10_by_default_and_100_at_most(zpa):
    create_users(zpa, 105)
    default = zpa.get("/Users").json()
    assert (default["totalResults"], default["itemsPerPage"]) == (105, 10)
    capped = zpa.get("/Users", params={"count": 500}).json()
    assert capped["itemsPerPage"] == 100
    last = zpa.get("/Users", params={"startIndex": 101, "count": 100}).json()
    assert last["itemsPerPage"] == 5
    config = zpa.get("/ServiceProviderConfig").json()
    assert config["pagination"]["defaultPageSize"] == 10
    assert config["filter"]["maxResults"] == 100


def test_strict_returns_every_match_without_count(scim):
    create_users(scim, 15)
    assert scim.get("/Users").json()["itemsPerPage"] == 15


def test_group_memberships_sent_on_user_writes_are_ignored(zpa):
    group = create_group(zpa, "eng")
    user = create_user(zpa, "alice", groups=[{"value": group["id"]}])
    assert "groups" not in user
    zpa.put(f"/Users/{user['id']}", json=user_body("alice", groups=[{"value": group["id"]}]))
    assert member_values(zpa.get(f"/Groups/{group['id']}").json()) == []


def test_an_unknown_dialect_is_refused_with_the_valid_names():
    with pytest.raises(ValueError, match="strict, zpa"):
        dialect_named("okta")


def test_active_is_shown_as_a_string_and_accepted_as_one(zpa):
    """Most ZPA examples show ``"active": "true"``; clients must cope, and may send it back."""
    user = create_user(zpa, "alice", active="true")
    assert user["active"] == "true"
    assert zpa.get(f"/Users/{user['id']}").json()["active"] == "true"
    assert zpa.get("/Users").json()["Resources"][0]["active"] == "true"
    replaced = zpa.put(f"/Users/{user['id']}", json=user_body("alice", active=True, displayName="A"))
    assert replaced.json()["active"] == "true"


def test_active_is_a_boolean_in_strict(scim):
    assert create_user(scim, "alice", active=True)["active"] is True
