"""The group fast path and scim2-server's path give the same answers and store the same groups.

Two groups start equal; every PATCH is sent to one through the fast path and to the other through
scim2-server (``X-Test-Slow-Path``). After each step the answers (status, body, whether the version
moved) must match. The operations are drawn at random from a fixed seed, over the shapes clients
send: adds with duplicates and present members, filter and Entra-style removes, replace and clear,
re-adding the last member, and requests mixing in non-member operations (which both serve slowly).
"""

from __future__ import annotations

import datetime
import random
from typing import Any

import httpx
import pytest
from scim2_models import Meta

from emulator.scim import ScimApplication
from emulator.scim.sqlite_storage import timestamp
from tests.emulator.scim.conftest import scim_client
from tests.emulator.scim.helpers import (
    add_members,
    create_group,
    create_user,
    member_values,
    patch_body,
    remove_member,
)
from tests.emulator.scim.shim import SLOW_PATH_HEADER

SEED = 20261122
STEPS = 160
SLOW = {SLOW_PATH_HEADER: "1"}


def random_entry(rng: random.Random, value: str) -> dict[str, str]:
    entry = {"value": value}
    if rng.random() < 0.3:
        entry["display"] = rng.choice(["Alice", "alice", "Someone"])
    if rng.random() < 0.2:
        entry |= {"type": "User", "$ref": f"Users/{value}"}
    return entry


def random_operations(rng: random.Random, pool: list[str], members: list[str]) -> list[dict[str, Any]]:
    """One PATCH's operations, shaped like what IdPs and our client send."""
    pick = lambda: rng.choice(pool)  # noqa: E731
    shape = rng.choices(
        ["add", "remove", "entra", "mixed", "replace", "clear", "readd-last", "rename-too"],
        weights=[6, 4, 2, 4, 2, 1, 2, 1],
    )[0]
    if shape == "add":
        return [
            {
                "op": "add",
                "path": "members",
                "value": [random_entry(rng, pick()) for _ in range(rng.randint(0, 3))],
            }
        ]
    if shape == "remove":
        return [remove_member(rng.choice(members) if members and rng.random() < 0.7 else pick())]
    if shape == "entra":
        return [
            {
                "op": "remove",
                "path": "members",
                "value": [{"value": pick()} for _ in range(rng.randint(1, 2))],
            }
        ]
    if shape == "mixed":
        return [
            add_members(pick()) if rng.random() < 0.5 else remove_member(pick())
            for _ in range(rng.randint(2, 4))
        ]
    if shape == "replace":
        chosen = rng.sample(pool, rng.randint(0, min(4, len(pool))))
        if members and rng.random() < 0.3:
            chosen = rng.sample(members, len(members))  # same members, another order
        if chosen and rng.random() < 0.2:
            chosen.append(chosen[0])  # a duplicate entry
        return [{"op": "replace", "path": "members", "value": [{"value": value} for value in chosen]}]
    if shape == "clear":
        return [{"op": "remove", "path": "members"}]
    if shape == "readd-last" and members:
        return [remove_member(members[-1]), add_members(members[-1])]
    return [{"op": "replace", "path": "displayName", "value": "team"}, add_members(pick())]


def comparable(response: httpx.Response) -> tuple[int, Any]:
    """Status and body without what differs between two groups (id, dates, location, version)."""
    if response.status_code >= 400:
        error = response.json()
        return response.status_code, (error.get("scimType"), error["detail"])
    body = response.json()
    assert response.headers["etag"] == body["meta"]["version"]
    meta = body.pop("meta")
    body.pop("id")
    return response.status_code, (body, sorted(meta))


def patch_both(scim: httpx.Client, fast: dict, slow: dict, operations: list[dict], params: dict) -> None:
    body = patch_body(*operations)
    fast_answer = scim.patch(f"/Groups/{fast['id']}", json=body, params=params)
    slow_answer = scim.patch(f"/Groups/{slow['id']}", json=body, params=params, headers=SLOW)
    assert comparable(fast_answer) == comparable(slow_answer), operations
    for group, answer in ((fast, fast_answer), (slow, slow_answer)):
        version = answer.headers.get("etag", group["version"])
        group["moved"], group["version"] = version != group["version"], version
    assert fast["moved"] == slow["moved"], operations


def test_fast_and_slow_paths_agree_on_random_member_patches(scim):
    rng = random.Random(SEED)
    pool = [create_user(scim, f"user{n}")["id"] for n in range(7)] + ["not-a-user-yet"]
    initial = rng.sample(pool, 4)
    fast = create_group(scim, "team", initial)
    slow = create_group(scim, "team", initial)
    for group in (fast, slow):
        group["version"] = group["meta"]["version"]
    for _ in range(STEPS):
        members = member_values(scim.get(f"/Groups/{fast['id']}").json())
        params = rng.choice([{}, {}, {"excludedAttributes": "members"}])
        patch_both(scim, fast, slow, random_operations(rng, pool, members), params)
    final_fast = scim.get(f"/Groups/{fast['id']}")
    final_slow = scim.get(f"/Groups/{slow['id']}", headers=SLOW)
    assert comparable(final_fast) == comparable(final_slow)


@pytest.mark.parametrize(
    "operations",
    [
        pytest.param([add_members("u1")], id="add present"),
        pytest.param([add_members("u3", "u3")], id="add duplicate"),
        pytest.param(
            [{"op": "add", "path": "members", "value": [{"value": "u1", "display": "x"}]}], id="add variant"
        ),
        pytest.param([remove_member("u2"), add_members("u2")], id="re-add last"),
        pytest.param([remove_member("u1"), add_members("u1")], id="re-add first"),
        pytest.param([add_members("u3"), remove_member("u3")], id="add then remove"),
        pytest.param(
            [{"op": "replace", "path": "members", "value": [{"value": "u2"}, {"value": "u1"}]}], id="reorder"
        ),
        pytest.param(
            [
                {
                    "op": "replace",
                    "path": "members",
                    "value": [{"value": "u1"}, {"value": "u2"}, {"value": "u1"}],
                }
            ],
            id="replace with duplicate",
        ),
        pytest.param([{"op": "replace", "path": "members", "value": []}], id="replace empty"),
        pytest.param([{"op": "remove", "path": "members", "value": []}], id="entra remove nothing"),
    ],
)
def test_edge_cases_agree_including_whether_the_version_moves(scim, operations):
    users = {f"u{n}": create_user(scim, f"u{n}")["id"] for n in (1, 2, 3)}
    fast = create_group(scim, "team", [users["u1"], users["u2"]])
    slow = create_group(scim, "team", [users["u1"], users["u2"]])
    for group in (fast, slow):
        group["version"] = group["meta"]["version"]
    patch_both(scim, fast, slow, with_ids(operations, users), {})


def with_ids(template: Any, users: dict[str, str]) -> Any:
    """``template`` with the user names ``u1``... (as values or quoted in filters) replaced by ids."""
    if isinstance(template, str):
        for name, user_id in users.items():
            template = template.replace(f'"{name}"', f'"{user_id}"')
        return users.get(template, template)
    if isinstance(template, list):
        return [with_ids(item, users) for item in template]
    if isinstance(template, dict):
        return {key: with_ids(value, users) for key, value in template.items()}
    return template


@pytest.mark.parametrize("with_refs", [False, True], ids=["members as IdPs send them", "members with $ref"])
@pytest.mark.parametrize("params", [{}, {"excludedAttributes": "members"}])
def test_group_reads_agree(scim, params, with_refs):
    alice, bob = create_user(scim, "alice")["id"], create_user(scim, "bob")["id"]
    members = [{"value": alice, "display": "Alice"}, {"value": bob}]
    if with_refs:
        members[0] |= {"$ref": f"Users/{alice}", "type": "User"}
    group = create_group(scim, "eng", externalId="ext-1", members=members)
    fast = scim.get(f"/Groups/{group['id']}", params=params)
    slow = scim.get(f"/Groups/{group['id']}", params=params, headers=SLOW)
    assert fast.status_code == slow.status_code == 200
    assert fast.json() == slow.json()
    assert {key: fast.headers[key] for key in ("etag", "content-location", "location")} == {
        key: slow.headers[key] for key in ("etag", "content-location", "location")
    }


def test_conditional_requests_on_the_fast_path(scim):
    alice, bob = create_user(scim, "alice")["id"], create_user(scim, "bob")["id"]
    group = create_group(scim, "eng", [alice])
    version = group["meta"]["version"]
    not_modified = scim.get(f"/Groups/{group['id']}", headers={"If-None-Match": version})
    assert (not_modified.status_code, not_modified.headers["etag"]) == (304, version)
    changed = scim.patch(
        f"/Groups/{group['id']}", json=patch_body(add_members(bob)), headers={"If-Match": version}
    )
    assert changed.status_code == 200
    stale = scim.patch(
        f"/Groups/{group['id']}", json=patch_body(remove_member(alice)), headers={"If-Match": version}
    )
    assert stale.status_code == 412
    assert member_values(scim.get(f"/Groups/{group['id']}").json()) == [alice, bob]
    assert scim.get("/Groups/unknown").status_code == 404
    assert scim.patch("/Groups/unknown", json=patch_body(add_members(bob))).status_code == 404


class CountingGets:
    """Counts the storage reads that materialise a resource as a model (what the fast path avoids)."""

    def __init__(self, app: ScimApplication) -> None:
        self.calls = 0
        self._get = app.storage.get
        app.storage.get = self  # type: ignore[method-assign]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self._get(*args, **kwargs)


@pytest.mark.parametrize(
    ("method", "params", "operations", "served_fast"),
    [
        ("PATCH", {}, [add_members("u2")], True),
        ("PATCH", {}, [remove_member("u1")], True),
        ("PATCH", {"excludedAttributes": "members"}, [add_members("u2")], True),
        ("PATCH", {}, [{"op": "replace", "path": "members", "value": [{"value": "u2"}]}], True),
        ("GET", {}, None, True),
        ("GET", {"excludedAttributes": "members"}, None, True),
        ("PATCH", {}, [{"op": "replace", "path": "displayName", "value": "x"}], False),
        ("PATCH", {}, [add_members("u2"), {"op": "replace", "path": "externalId", "value": "x"}], False),
        ("PATCH", {"attributes": "members"}, [add_members("u2")], False),
        ("PATCH", {}, [{"op": "remove", "path": 'members[value eq "u2" or value eq "u1"]'}], False),
        ("GET", {"attributes": "displayName"}, None, False),
    ],
)
def test_which_requests_the_fast_path_serves(scim_app, method, params, operations, served_fast):
    with scim_client(scim_app) as scim:
        users = {name: create_user(scim, name)["id"] for name in ("u1", "u2")}
        group = create_group(scim, "eng", [users["u1"]])
        counter = CountingGets(scim_app)
        body = None if operations is None else with_ids(patch_body(*operations), users)
        response = scim.request(method, f"/Groups/{group['id']}", params=params, json=body)
    assert response.status_code == 200, response.text
    assert (counter.calls == 0) is served_fast


@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2026, 11, 22, 12, 0, 0, tzinfo=datetime.UTC),
        datetime.datetime(2026, 11, 22, 12, 0, 0, 7, tzinfo=datetime.UTC),
        datetime.datetime(2026, 11, 22, 12, 0, 0, 123456, tzinfo=datetime.UTC),
    ],
)
def test_fast_path_dates_are_written_as_scim2_models_writes_them(moment):
    """The fast path stamps lastModified itself; a client must not see two date formats."""
    assert timestamp(moment) == Meta(last_modified=moment).model_dump()["lastModified"]
