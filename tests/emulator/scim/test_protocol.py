"""The strict dialect (RFC 7644) as a SCIM client sees it: CRUD, filters, paging, ETags, member PATCH."""

from __future__ import annotations

import pytest

from emulator.scim import make_scim_app
from tests.emulator.scim.conftest import scim_client
from tests.emulator.scim.helpers import (
    LIST_SCHEMA,
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
from tests.emulator.scim.shim import BASE_URL

# -- create / read / replace / delete ------------------------------------------------------------


def test_created_user_has_id_meta_location_and_etag(scim):
    response = scim.post("/Users", json=user_body("alice@example.com", displayName="Alice"))
    assert response.status_code == 201
    user = response.json()
    assert user["meta"]["location"] == f"{BASE_URL}/Users/{user['id']}"
    assert response.headers["location"] == user["meta"]["location"]
    assert response.headers["etag"] == user["meta"]["version"]
    assert scim.get(f"/Users/{user['id']}").json() == user


def test_duplicate_user_name_is_409_uniqueness_whatever_its_case(scim):
    create_user(scim, "alice@example.com")
    assert_scim_error(scim.post("/Users", json=user_body("ALICE@example.com")), 409, "uniqueness")
    assert scim.get("/Users").json()["totalResults"] == 1


def test_put_replaces_and_delete_removes(scim):
    user = create_user(scim, "alice", displayName="Alice", title="Engineer")
    response = scim.put(f"/Users/{user['id']}", json=user_body("alice", displayName="Alice L."))
    assert response.status_code == 200
    assert response.json()["displayName"] == "Alice L."
    assert "title" not in response.json()
    assert response.json()["meta"]["version"] != user["meta"]["version"]
    assert scim.delete(f"/Users/{user['id']}").status_code == 204
    assert_scim_error(scim.get(f"/Users/{user['id']}"), 404)


def test_user_patch_answers_200_with_the_resource(scim):
    user = create_user(scim, "alice")
    response = scim.patch(
        f"/Users/{user['id']}", json=patch_body({"op": "replace", "path": "active", "value": False})
    )
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert response.headers["etag"] == response.json()["meta"]["version"]


def test_read_only_groups_attribute_is_ignored_on_user_writes(scim):
    group = create_group(scim, "eng")
    user = create_user(scim, "alice", groups=[{"value": group["id"]}])
    assert "groups" not in user
    assert member_values(scim.get(f"/Groups/{group['id']}").json()) == []


# -- searching -------------------------------------------------------------------------------------


@pytest.fixture
def people(scim):
    for name, title, active in [
        ("alice", "Engineer", True),
        ("bob", "Manager", False),
        ("carol", "Engineer", True),
        ("dave", None, True),
    ]:
        extra = {"active": active} | ({"title": title} if title else {})
        create_user(scim, f"{name}@example.com", **extra)
    return scim


@pytest.mark.parametrize(
    ("scim_filter", "expected"),
    [
        ('userName eq "ALICE@example.com"', ["alice"]),
        ('userName sw "c"', ["carol"]),
        ('title eq "engineer"', ["alice", "carol"]),
        ('title eq "Engineer" and active eq true', ["alice", "carol"]),
        ('userName eq "bob@example.com" or title pr', ["alice", "bob", "carol"]),
        ("not (title pr)", ["dave"]),
        ('userName eq "nobody"', []),
    ],
)
def test_filters_select_what_rfc_7644_says(people, scim_filter, expected):
    response = people.get("/Users", params={"filter": scim_filter})
    assert response.status_code == 200
    page = response.json()
    assert page["schemas"] == [LIST_SCHEMA]
    assert page["totalResults"] == len(expected)
    assert sorted(user["userName"].split("@")[0] for user in page.get("Resources", [])) == expected


def test_a_broken_filter_is_400_invalid_filter(people):
    assert_scim_error(people.get("/Users", params={"filter": 'userName eq "x" and'}), 400, "invalidFilter")


def test_paging_with_start_index_and_count(people):
    names = []
    for start in (1, 3):
        page = people.get("/Users", params={"startIndex": start, "count": 2, "sortBy": "userName"}).json()
        assert (page["totalResults"], page["itemsPerPage"], page["startIndex"]) == (4, 2, start)
        names += [user["userName"] for user in page["Resources"]]
    assert names == ["alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com"]
    empty = people.get("/Users", params={"count": 0}).json()
    assert empty["totalResults"] == 4
    assert empty.get("Resources", []) == []


def test_unsorted_pages_cover_every_user_once_in_a_stable_order(scim):
    created = create_users(scim, 23)
    seen = []
    for start in range(1, 24, 5):
        page = scim.get("/Users", params={"startIndex": start, "count": 5}).json()
        assert page["totalResults"] == 23
        seen += [user["id"] for user in page["Resources"]]
    assert seen == sorted(created)
    everything = scim.get("/Users").json()
    assert [user["id"] for user in everything["Resources"]] == sorted(created)


@pytest.mark.parametrize("params", [{}, {"sortBy": "userName"}])
def test_a_start_index_past_any_sqlite_integer_is_an_empty_page(people, params):
    """The unsorted page is cut in SQL, whose integers stop at 2**63; the answer must not depend on that."""
    start = 10**20
    page = people.get("/Users", params={"startIndex": start, **params})
    assert page.status_code == 200, page.text
    body = page.json()
    assert (body["totalResults"], body["itemsPerPage"], body["startIndex"]) == (4, 0, start)
    assert body.get("Resources", []) == []


def test_sort_descending(people):
    page = people.get("/Users", params={"sortBy": "userName", "sortOrder": "descending"}).json()
    assert [user["userName"][0] for user in page["Resources"]] == ["d", "c", "b", "a"]


def test_attributes_and_excluded_attributes(people):
    only = people.get("/Users", params={"attributes": "userName"}).json()["Resources"][0]
    assert set(only) == {"schemas", "id", "userName"}
    without = people.get("/Users", params={"excludedAttributes": "title,meta"}).json()["Resources"]
    assert all("title" not in user and "meta" not in user for user in without)


def test_search_with_post(people):
    response = people.post(
        "/Users/.search",
        json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "active eq false",
        },
    )
    assert response.status_code == 200
    assert [user["userName"] for user in response.json()["Resources"]] == ["bob@example.com"]


def test_groups_can_be_found_by_member(scim):
    alice, bob = create_user(scim, "alice"), create_user(scim, "bob")
    eng = create_group(scim, "eng", [alice["id"], bob["id"]])
    create_group(scim, "ops", [bob["id"]])
    page = scim.get("/Groups", params={"filter": f'members.value eq "{alice["id"]}"'}).json()
    assert [group["id"] for group in page["Resources"]] == [eng["id"]]


# -- ETags -------------------------------------------------------------------------------------------


def test_if_none_match_with_the_current_etag_is_304(scim):
    user = create_user(scim, "alice")
    response = scim.get(f"/Users/{user['id']}", headers={"If-None-Match": user["meta"]["version"]})
    assert response.status_code == 304
    assert response.headers["etag"] == user["meta"]["version"]


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_a_stale_if_match_is_412_and_changes_nothing(scim, method):
    user = create_user(scim, "alice", displayName="Alice")
    stale = user["meta"]["version"]
    current = scim.patch(
        f"/Users/{user['id']}", json=patch_body({"op": "replace", "path": "displayName", "value": "A"})
    ).json()
    bodies = {
        "PUT": user_body("alice", displayName="B"),
        "PATCH": patch_body({"op": "replace", "path": "displayName", "value": "B"}),
        "DELETE": None,
    }
    response = scim.request(method, f"/Users/{user['id']}", json=bodies[method], headers={"If-Match": stale})
    assert_scim_error(response, 412)
    assert scim.get(f"/Users/{user['id']}").json() == current


def test_a_current_if_match_lets_the_write_through(scim):
    alice, bob = create_user(scim, "alice"), create_user(scim, "bob")
    group = create_group(scim, "eng", [alice["id"]])
    response = scim.patch(
        f"/Groups/{group['id']}",
        json=patch_body(add_members(bob["id"])),
        headers={"If-Match": group["meta"]["version"]},
    )
    assert response.status_code == 200
    assert member_values(response.json()) == [alice["id"], bob["id"]]


# -- group membership PATCH --------------------------------------------------------------------------


@pytest.fixture
def team(scim):
    ids = [create_user(scim, name)["id"] for name in ("alice", "bob", "carol", "dave")]
    group = create_group(scim, "eng", ids[:2])
    return scim, group, ids


def patch_group(scim, group, *operations):
    response = scim.patch(f"/Groups/{group['id']}", json=patch_body(*operations))
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == response.json()["meta"]["version"]
    return response.json()


def test_add_members_appends_in_order(team):
    scim, group, (alice, bob, carol, dave) = team
    assert member_values(patch_group(scim, group, add_members(carol, dave))) == [alice, bob, carol, dave]


def test_remove_one_member_with_a_value_filter(team):
    scim, group, (alice, bob, _, _) = team
    assert member_values(patch_group(scim, group, remove_member(alice))) == [bob]


def test_remove_members_the_entra_way_with_a_value(team):
    scim, group, (alice, bob, _, _) = team
    removed = patch_group(scim, group, {"op": "remove", "path": "members", "value": [{"value": bob}]})
    assert member_values(removed) == [alice]


def test_replace_and_remove_all_members(team):
    scim, group, (_, _, carol, dave) = team
    replaced = patch_group(
        scim, group, {"op": "replace", "path": "members", "value": [{"value": dave}, {"value": carol}]}
    )
    assert member_values(replaced) == [dave, carol]
    assert member_values(patch_group(scim, group, {"op": "remove", "path": "members"})) == []


def test_operations_apply_in_order_and_capitalised_ops_are_accepted(team):
    scim, group, (alice, bob, carol, _) = team
    result = patch_group(
        scim,
        group,
        {"op": "Add", "path": "members", "value": [{"value": carol}]},
        {"op": "Remove", "path": f'members[value eq "{alice}"]'},
        {"op": "Replace", "path": "displayName", "value": "engineering"},
    )
    assert member_values(result) == [bob, carol]
    assert result["displayName"] == "engineering"


def test_a_patch_that_changes_nothing_keeps_the_version(team):
    scim, group, (alice, _, _, dave) = team
    again = patch_group(scim, group, add_members(alice), remove_member(dave))
    assert again["meta"]["version"] == group["meta"]["version"]
    assert again["meta"]["lastModified"] == group["meta"]["lastModified"]


def test_a_member_listed_twice_is_kept_once(team):
    scim, group, (alice, bob, carol, _) = team
    assert member_values(patch_group(scim, group, add_members(carol, carol, alice))) == [alice, bob, carol]
    created = create_group(scim, "dups", [carol, carol])
    assert member_values(created) == [carol]


def test_members_naming_no_user_yet_are_accepted(team):
    """An IdP may add a member before it creates the user (RFC 7644 does not require the check)."""
    scim, group, (alice, bob, _, _) = team
    assert member_values(patch_group(scim, group, add_members("not-created-yet"))) == [
        alice,
        bob,
        "not-created-yet",
    ]


def test_deleting_a_user_removes_it_from_its_groups(team):
    scim, group, (alice, bob, _, _) = team
    other = create_group(scim, "ops", [alice])
    assert scim.delete(f"/Users/{alice}").status_code == 204
    for before, expected in ((group, [bob]), (other, [])):
        after = scim.get(f"/Groups/{before['id']}").json()
        assert member_values(after) == expected
        assert after["meta"]["version"] != before["meta"]["version"]


def test_deleting_a_group_removes_it_from_groups_that_contain_it(scim):
    inner = create_group(scim, "inner")
    outer = create_group(scim, "outer", [inner["id"]])
    assert scim.delete(f"/Groups/{inner['id']}").status_code == 204
    assert member_values(scim.get(f"/Groups/{outer['id']}").json()) == []


def test_member_refs_are_published_as_urls(team):
    scim, group, (_, _, carol, _) = team
    result = patch_group(
        scim,
        group,
        {
            "op": "add",
            "path": "members",
            "value": [{"value": carol, "$ref": f"Users/{carol}", "type": "User"}],
        },
    )
    assert result["members"][-1] == {"value": carol, "$ref": f"{BASE_URL}/Users/{carol}", "type": "User"}


def test_bulk_creates_many_users_in_one_request(scim):
    ids = create_users(scim, 25)
    assert len(set(ids)) == 25
    assert scim.get("/Users", params={"count": 0}).json()["totalResults"] == 25


# -- state survives a restart --------------------------------------------------------------------------


def test_users_groups_and_members_survive_reopening_the_database(tmp_path):
    app = make_scim_app(tmp_path / "scim.db")
    with scim_client(app) as scim:
        alice = create_user(scim, "alice")
        group = scim.patch(
            f"/Groups/{create_group(scim, 'eng')['id']}", json=patch_body(add_members(alice["id"]))
        ).json()
    app.close()
    reopened = make_scim_app(tmp_path / "scim.db")
    try:
        with scim_client(reopened) as scim:
            assert scim.get(f"/Users/{alice['id']}").json() == alice
            assert scim.get(f"/Groups/{group['id']}").json() == group
            assert create_user(scim, "bob")["meta"]["version"] not in (
                alice["meta"]["version"],
                group["meta"]["version"],
            )
    finally:
        reopened.close()
