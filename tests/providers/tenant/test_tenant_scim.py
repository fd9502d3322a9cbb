"""ScimClient against three real servers over loopback: the emulator (strict and ZPA dialects) and
stock scim2-server. The same tests pass on all three; where servers legitimately differ, the test
states what the client must make of it.
"""

from __future__ import annotations

import pytest

from providers._user_index import user_index
from providers.tenant import Conflict, NotFound, member_ids
from tests.providers.tenant.conftest import unique


def new_user(scim, prefix="u", **extra):
    return scim.create_user({"userName": f"{unique(prefix)}@example.com", "active": True, **extra})


def test_user_crud(make_scim_tenant):
    scim = make_scim_tenant().scim
    user = new_user(scim, name={"givenName": "Ann", "familyName": "Lee"})
    assert user["id"] and user["active"] is True  # a bool even where the server sends "true"
    assert scim.get_user(user["id"])["userName"] == user["userName"]

    replaced = scim.replace_user(
        user["id"],
        {"userName": user["userName"], "active": True, "name": {"givenName": "Anne", "familyName": "Lee"}},
    )
    assert replaced is None or replaced["name"]["givenName"] == "Anne"
    assert scim.get_user(user["id"])["name"]["givenName"] == "Anne"

    patched = scim.patch_user(
        user["id"], [{"op": "replace", "path": "name.familyName", "value": "Li"}], want_body=True
    )
    assert patched["name"]["familyName"] == "Li"

    scim.delete_user(user["id"])
    scim.delete_user(user["id"])  # already gone: fine
    assert scim.get_user(user["id"]) is None


def test_find_user_is_exact_case_insensitive_and_escapes_quotes(make_scim_tenant):
    scim = make_scim_tenant().scim
    tricky = f'o"neil\\{unique("q")}@example.com'
    user = scim.create_user({"userName": tricky, "active": True})
    other = new_user(scim)
    assert scim.find_user(tricky)["id"] == user["id"]
    assert scim.find_user(tricky.upper())["id"] == user["id"]
    assert scim.find_user(other["userName"])["id"] == other["id"]
    assert scim.find_user(f"{unique('nobody')}@example.com") is None


def test_duplicate_user_name_is_a_conflict_with_the_scim_error(make_scim_tenant):
    scim = make_scim_tenant().scim
    user = new_user(scim)
    with pytest.raises(Conflict) as caught:
        scim.create_user({"userName": user["userName"]})
    assert caught.value.status == 409 and caught.value.path.endswith("/Users")


def test_deactivating_a_user(make_scim_tenant, scim_backend):
    scim = make_scim_tenant().scim
    user = new_user(scim)
    scim.patch_user(user["id"], [{"op": "replace", "path": "active", "value": False}])
    after = scim.get_user(user["id"])
    if scim_backend.deletes_inactive_users:
        assert after is None  # ZPA: active=false deletes the user
    else:
        assert after["active"] is False


def test_listing_follows_what_the_server_returns_even_when_it_caps_count(make_scim_tenant, scim_backend):
    scim = make_scim_tenant().scim
    prefix = unique("page")
    made = {scim.create_user({"userName": f"{prefix}-{i:03d}@example.com"})["id"] for i in range(130)}
    tenant = make_scim_tenant()
    before = tenant.transport.count_of("scim")
    listed = tenant.scim.list_users()
    pages = tenant.transport.count_of("scim") - before
    assert made <= {u["id"] for u in listed}
    assert len({u["id"] for u in listed}) == len(listed)  # no page read twice
    per_page = 100 if scim_backend.name == "emulator-zpa" else 1000
    assert pages == -(-len(listed) // per_page)


def test_resolving_user_names_uses_one_listing_for_any_number_of_names(make_scim_tenant, scim_backend):
    """userName -> id the way the providers resolve group members (`user_index`): one shared users
    listing, whatever the number of names, case-insensitive as SCIM compares userNames."""
    setup = make_scim_tenant().scim
    users = [new_user(setup, "ids") for _ in range(5)]
    tenant = make_scim_tenant()
    index = user_index(tenant.scim)
    before = tenant.transport.count_of("scim")
    names = [u["userName"].upper() for u in users] + ["missing@example.com"]
    found = index.resolve(tenant.scim, names)
    assert found == {u["userName"].upper(): u["id"] for u in users}
    assert index.resolve(tenant.scim, [users[0]["userName"]]) == {users[0]["userName"]: users[0]["id"]}
    per_page = 100 if scim_backend.name == "emulator-zpa" else 1000
    assert tenant.transport.count_of("scim") - before == -(-len(tenant.scim.users_snapshot()) // per_page)


def test_reading_some_groups_costs_what_the_server_allows_and_no_more(make_scim_tenant, scim_backend):
    """Members are read only for the groups asked about. Where lists carry members that is the
    listing (after 2 single GETs); on ZPA, which lists groups without members and offers no other
    way to read them, one GET per group asked about plus one listing that finds this out."""
    setup = make_scim_tenant().scim
    user = new_user(setup, "few")
    made = [
        setup.create_group({"displayName": unique("few"), "members": [{"value": user["id"]}]})
        for _ in range(4)
    ]
    tenant = make_scim_tenant()
    asked = made[:3]
    read = [tenant.scim.get_group(g["id"]) for g in asked]
    spent = tenant.transport.count_of("scim")
    assert [member_ids(g) for g in read] == [[user["id"]]] * len(asked)
    per_page = 1000 if scim_backend.lists_members else 100
    listed_groups = tenant.scim.groups_snapshot()  # the listing the reads used (still fresh)
    assert len(listed_groups) >= len(made)
    listing_pages = -(-len(listed_groups) // per_page)
    if scim_backend.lists_members:
        assert spent == 2 + listing_pages  # 2 single GETs, then the listing answers
    else:
        assert spent == len(asked) + listing_pages  # one GET per group asked, never for the 4th


def test_group_crud_and_lists_with_and_without_members(make_scim_tenant, scim_backend):
    scim = make_scim_tenant().scim
    users = [new_user(scim, "gm") for _ in range(3)]
    name = unique("Group")
    group = scim.create_group({"displayName": name, "members": [{"value": u["id"]} for u in users[:2]]})
    assert sorted(member_ids(scim.get_group(group["id"]))) == sorted(u["id"] for u in users[:2])

    light = {g["id"]: g for g in scim.list_groups()}
    assert group["id"] in light and "members" not in light[group["id"]]
    full = {g["id"]: g for g in scim.list_groups(include_members=True)}
    assert sorted(member_ids(full[group["id"]])) == sorted(u["id"] for u in users[:2])

    assert scim.find_group(name.lower())["id"] == group["id"]
    assert scim.find_group(unique("nothing")) is None
    scim.rename_group(group["id"], name + "-renamed")
    assert scim.get_group(group["id"])["displayName"] == name + "-renamed"

    snapshot = scim.groups_snapshot()[group["id"]]
    assert ("members" in snapshot) is scim_backend.lists_members

    scim.delete_group(group["id"])
    scim.delete_group(group["id"])
    assert scim.get_group(group["id"]) is None


def test_membership_changes_are_batched(make_scim_tenant):
    tenant = make_scim_tenant(scim_batch_size=10)
    scim = tenant.scim
    users = [new_user(scim, "batch")["id"] for _ in range(30)]
    group = scim.create_group({"displayName": unique("Batch"), "members": [{"value": u} for u in users[:5]]})
    before = tenant.transport.count_of("scim")
    result = scim.change_members(group["id"], add=users[5:30], remove=users[:5])
    assert result == {"added": 25, "removed": 5, "requests": 3}
    assert tenant.transport.count_of("scim") - before == 3  # 200-with-body or 204: never a re-GET
    assert sorted(member_ids(scim.get_group(group["id"]))) == sorted(users[5:30])

    result = scim.set_members(group["id"], users[:3] + users[5:20])
    assert result == {"added": 3, "removed": 10, "requests": 2}
    assert sorted(member_ids(scim.get_group(group["id"]))) == sorted(users[:3] + users[5:20])

    assert scim.set_members(group["id"], users[:3] + users[5:20]) == {"added": 0, "removed": 0, "requests": 0}


def test_a_big_group_is_created_in_batches(make_scim_tenant):
    tenant = make_scim_tenant(scim_batch_size=10)
    scim = tenant.scim
    users = [new_user(scim, "big")["id"] for _ in range(35)]
    group = scim.create_group({"displayName": unique("Big"), "members": [{"value": u} for u in users]})
    assert sorted(member_ids(group)) == sorted(users)
    assert sorted(member_ids(scim.get_group(group["id"]))) == sorted(users)


def test_a_membership_change_made_elsewhere_meanwhile_is_absorbed(make_scim_tenant):
    """Our view of the group is stale (someone removed a member and added another): the final
    membership is still exactly what we asked for, with no duplicate entries."""
    ours, theirs = make_scim_tenant(scim_batch_size=5).scim, make_scim_tenant().scim
    users = [new_user(ours, "race")["id"] for _ in range(6)]
    group = ours.create_group({"displayName": unique("Race"), "members": [{"value": u} for u in users[:3]]})
    ours.get_group(group["id"])  # we read (and remember the version)
    theirs.change_members(group["id"], add=[users[3]], remove=[users[0]])  # out of band
    ours.change_members(group["id"], add=[users[3], users[4]], remove=[users[0], users[1]])
    final = member_ids(theirs.get_group(group["id"]))
    assert sorted(final) == sorted([users[2], users[3], users[4]])
    assert len(final) == len(set(final))


def test_set_members_on_a_missing_group(make_scim_tenant):
    with pytest.raises(NotFound):
        make_scim_tenant().scim.set_members("00000000-0000-0000-0000-000000000000", [])
