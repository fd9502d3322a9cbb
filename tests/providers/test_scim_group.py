"""``scim:Group`` and its members through the real plugin process and the emulator's SCIM API."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pytest

from providers import ScimGroup
from tests.providers.conftest import SCIM_GROUP
from tests.providers.helpers import requests_during, writes
from tests.support.emulator import RunningEmulator
from tests.support.engine_double import CheckFailed, Engine, ProviderError

PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def make_users(scim_http: httpx.Client, user_names: Sequence[str]) -> dict[str, str]:
    """Users created directly in the tenant (as an HR feed would): userName -> id."""
    ids = {}
    for user_name in user_names:
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "active": True,
        }
        response = scim_http.post("/Users", json=body)
        response.raise_for_status()
        ids[user_name] = response.json()["id"]
    return ids


def live_members(scim_http: httpx.Client, group_id: str) -> list[str]:
    response = scim_http.get(f"/Groups/{group_id}")
    response.raise_for_status()
    return sorted(member["value"] for member in response.json().get("members") or [])


def group(display_name: str, members: Sequence[str], **inputs: Any) -> Callable[[], None]:
    return lambda: ScimGroup("team", display_name=display_name, members=list(members), **inputs)


@pytest.fixture(scope="module")
def people(tenant: RunningEmulator) -> dict[str, str]:
    with httpx.Client(
        base_url=tenant.credentials["scim_url"],
        headers={"Authorization": f"Bearer {tenant.credentials['scim_token']}"},
        timeout=30.0,
    ) as client:
        return make_users(client, [f"p{i}@ex.com" for i in range(6)])


def test_preview_sends_no_request(engine: Engine, tenant: RunningEmulator, people: dict[str, str]) -> None:
    counts = requests_during(tenant, lambda: engine.run(group("g-preview", ["p0@ex.com"]), preview=True))

    assert counts == {}


def test_up_creates_the_group_with_its_members_and_the_next_up_changes_nothing(
    engine: Engine, tenant: RunningEmulator, scim_http: httpx.Client, people: dict[str, str]
) -> None:
    program = group("g-create", ["p0@ex.com", "p1@ex.com"], external_id="ext-1")

    engine.run(program)

    state = engine.resource(SCIM_GROUP, "team")
    assert live_members(scim_http, state.id) == sorted([people["p0@ex.com"], people["p1@ex.com"]])
    assert state.outputs["member_ids"] == sorted([people["p0@ex.com"], people["p1@ex.com"]])
    assert state.inputs["members"] == {"p0@ex.com": True, "p1@ex.com": True}
    counts = requests_during(tenant, lambda: engine.run(program))
    assert writes(counts) == {}


def test_membership_changes_are_one_entry_per_member_and_one_patch(
    engine: Engine, tenant: RunningEmulator, scim_http: httpx.Client, people: dict[str, str]
) -> None:
    engine.run(group("g-change", ["p0@ex.com", "p1@ex.com"]))
    steps: list[Any] = []

    counts = requests_during(
        tenant, lambda: steps.extend(engine.run(group("g-change-renamed", ["p1@ex.com", "p2@ex.com"])))
    )

    (update,) = steps
    assert update.diff is not None
    assert update.diff.detailed_diff == {
        "display_name": "UPDATE",
        'members["p0@ex.com"]': "DELETE",
        'members["p2@ex.com"]': "ADD",
    }
    assert writes(counts) == {"PATCH /scim/1/{idpId}/v2/Groups/{id}": 2}, "a rename and one member batch"
    group_id = engine.resource(SCIM_GROUP, "team").id
    assert live_members(scim_http, group_id) == sorted([people["p1@ex.com"], people["p2@ex.com"]])
    assert scim_http.get(f"/Groups/{group_id}").json()["displayName"] == "g-change-renamed"


def test_refresh_sees_a_member_added_by_hand_and_up_removes_it(
    engine: Engine, scim_http: httpx.Client, people: dict[str, str]
) -> None:
    program = group("g-drift", ["p0@ex.com"])
    engine.run(program)
    group_id = engine.resource(SCIM_GROUP, "team").id
    add = {"op": "add", "path": "members", "value": [{"value": people["p3@ex.com"]}]}
    scim_http.patch(
        f"/Groups/{group_id}", json={"schemas": [PATCH_SCHEMA], "Operations": [add]}
    ).raise_for_status()
    engine.provider.restart()

    (refresh,) = engine.refresh()

    assert refresh.diff is not None and refresh.diff.detailed_diff == {'members["p3@ex.com"]': "ADD"}
    (update,) = engine.run(program)
    assert update.diff is not None and update.diff.detailed_diff == {'members["p3@ex.com"]': "DELETE"}
    assert live_members(scim_http, group_id) == [people["p0@ex.com"]]


def test_a_non_exclusive_group_leaves_other_members_alone(
    engine: Engine, scim_http: httpx.Client, people: dict[str, str]
) -> None:
    engine.run(group("g-shared", ["p0@ex.com", "p1@ex.com"], exclusive=False))
    group_id = engine.resource(SCIM_GROUP, "team").id
    add = {"op": "add", "path": "members", "value": [{"value": people["p4@ex.com"]}]}
    scim_http.patch(
        f"/Groups/{group_id}", json={"schemas": [PATCH_SCHEMA], "Operations": [add]}
    ).raise_for_status()
    engine.provider.restart()

    (refresh,) = engine.refresh()
    assert refresh.diff is not None and refresh.diff.changes == "DIFF_NONE"

    engine.run(group("g-shared", ["p0@ex.com"], exclusive=False))

    assert live_members(scim_http, group_id) == sorted([people["p0@ex.com"], people["p4@ex.com"]])


def test_an_unknown_member_is_a_clear_error_naming_it(engine: Engine, scim_http: httpx.Client) -> None:
    with pytest.raises(ProviderError, match=r'members\["ghost@ex.com"\]'):
        engine.run(group("g-ghost", ["p0@ex.com", "ghost@ex.com"]))

    found = scim_http.get("/Groups", params={"filter": 'displayName eq "g-ghost"'}).json()
    assert found["totalResults"] == 0, "nothing was created"


def test_an_existing_display_name_needs_adopt(
    engine: Engine, scim_http: httpx.Client, people: dict[str, str]
) -> None:
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "g-existing"}
    body["members"] = [{"value": people["p5@ex.com"]}]
    existing = scim_http.post("/Groups", json=body).json()
    engine.provider.restart()

    with pytest.raises(ProviderError, match=r"already exists.*adopt: true"):
        engine.run(group("g-existing", ["p0@ex.com"]))

    engine.run(group("g-existing", ["p0@ex.com"], adopt=True))

    assert engine.resource(SCIM_GROUP, "team").id == existing["id"]
    assert live_members(scim_http, existing["id"]) == [people["p0@ex.com"]], "exclusive: p5 removed"


def test_refresh_drops_a_group_deleted_by_hand(
    engine: Engine, scim_http: httpx.Client, people: dict[str, str]
) -> None:
    engine.run(group("g-deleted", ["p0@ex.com"]))
    scim_http.delete(f"/Groups/{engine.resource(SCIM_GROUP, 'team').id}").raise_for_status()
    engine.provider.restart()

    (refresh,) = engine.refresh()

    assert refresh.gone and engine.state == {}
    (create,) = engine.run(group("g-deleted", ["p0@ex.com"]))
    assert create.op == "create"
    assert live_members(scim_http, engine.resource(SCIM_GROUP, "team").id) == [people["p0@ex.com"]]


def test_refresh_sees_a_member_removed_and_a_rename_by_hand_and_up_reverts_both(
    engine: Engine, scim_http: httpx.Client, people: dict[str, str]
) -> None:
    program = group("g-edited", ["p0@ex.com", "p1@ex.com"])
    engine.run(program)
    group_id = engine.resource(SCIM_GROUP, "team").id
    operations = [
        {"op": "remove", "path": f'members[value eq "{people["p1@ex.com"]}"]'},
        {"op": "replace", "path": "displayName", "value": "g-edited-by-hand"},
    ]
    scim_http.patch(
        f"/Groups/{group_id}", json={"schemas": [PATCH_SCHEMA], "Operations": operations}
    ).raise_for_status()
    engine.provider.restart()

    (refresh,) = engine.refresh()

    assert refresh.diff is not None
    assert refresh.diff.detailed_diff == {"display_name": "UPDATE", 'members["p1@ex.com"]': "DELETE"}
    (update,) = engine.run(program)
    assert update.diff is not None
    assert update.diff.detailed_diff == {"display_name": "UPDATE", 'members["p1@ex.com"]': "ADD"}
    live = scim_http.get(f"/Groups/{group_id}").json()
    assert live["displayName"] == "g-edited"
    assert live_members(scim_http, group_id) == sorted([people["p0@ex.com"], people["p1@ex.com"]])


def test_check_reports_bad_inputs_without_any_request(engine: Engine, tenant: RunningEmulator) -> None:
    def program() -> None:
        ScimGroup("bad", display_name="  ", members=["ok@ex.com", " spaced@ex.com"], exclusive="yes")  # type: ignore[arg-type]

    def run() -> None:
        with pytest.raises(CheckFailed) as raised:
            engine.run(program)
        assert dict(raised.value.failures) == {
            "display_name": "display_name must not be empty",
            'members[" spaced@ex.com"]': "member userName must not start or end with whitespace",
            "exclusive": "exclusive must be true or false, got 'yes'",
        }

    assert requests_during(tenant, run) == {}


def test_destroy_deletes_the_group_but_not_its_members(
    engine: Engine, scim_http: httpx.Client, people: dict[str, str]
) -> None:
    engine.run(group("g-destroy", ["p0@ex.com"]))
    group_id = engine.resource(SCIM_GROUP, "team").id

    engine.destroy()

    assert scim_http.get(f"/Groups/{group_id}").status_code == 404
    assert scim_http.get(f"/Users/{people['p0@ex.com']}").status_code == 200


def test_members_given_as_one_string_fail_where_the_group_is_declared() -> None:
    with pytest.raises(TypeError, match="members must be a list of userNames, not a single string"):
        ScimGroup("team", display_name="G", members="bob@example.com")  # type: ignore[arg-type]
