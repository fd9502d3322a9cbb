"""``zidentity:ScopeAssignment`` through the real plugin process and the emulator."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pytest

from providers import ApiClient, ScopeAssignment
from tests.providers.conftest import API_CLIENT, SCOPE_ASSIGNMENT
from tests.providers.helpers import client_record, edit_client, requests_during, scope_names, writes
from tests.support.emulator import RunningEmulator
from tests.support.engine_double import CheckFailed, Engine


def granting(client_name: str, scopes: Mapping[str, Any]) -> Callable[[], None]:
    def program() -> None:
        client = ApiClient("app", name=client_name)
        ScopeAssignment("app-scopes", client_id=client.id, scopes=scopes)

    return program


def live_scopes(engine: Engine, admin: httpx.Client) -> list[str]:
    record = client_record(admin, engine.resource(API_CLIENT, "app").id)
    assert record is not None
    return scope_names(record)


def test_preview_only_reads_the_catalog(engine: Engine, tenant: RunningEmulator) -> None:
    counts = requests_during(
        tenant, lambda: engine.run(granting("sa-preview", {"scim:read": {}}), preview=True)
    )

    assert writes(counts) == {}
    assert set(counts) <= {"GET /ziam/admin/api/v1/resource-servers", "POST /oauth2/v1/token"}


def test_up_grants_exactly_the_declared_scopes_and_a_second_up_is_a_no_op(
    engine: Engine, tenant: RunningEmulator, admin: httpx.Client
) -> None:
    program = granting("sa-exact", {"scim:read": {}, "sync:profile:read": {"justification": "CHG-1"}})

    engine.run(program)

    assert live_scopes(engine, admin) == ["scim:read", "sync:profile:read"]
    assignment = engine.resource(SCOPE_ASSIGNMENT, "app-scopes")
    assert assignment.id == engine.resource(API_CLIENT, "app").id
    assert assignment.outputs["granted"] == ["scim:read", "sync:profile:read"]
    counts = requests_during(tenant, lambda: engine.run(program))
    assert writes(counts) == {}


def test_one_added_and_one_removed_scope_show_as_one_entry_each(engine: Engine, admin: httpx.Client) -> None:
    engine.run(granting("sa-change", {"scim:read": {}, "connector:read": {}}))

    steps = engine.run(granting("sa-change", {"scim:read": {}, "scim:write": {"justification": "CHG-2"}}))

    (update,) = [step for step in steps if step.op != "same"]
    assert update.type == SCOPE_ASSIGNMENT
    assert update.diff is not None
    assert update.diff.detailed_diff == {'scopes["connector:read"]': "DELETE", 'scopes["scim:write"]': "ADD"}
    assert live_scopes(engine, admin) == ["scim:read", "scim:write"]


def test_a_justification_change_is_kept_in_state_without_a_write(
    engine: Engine, tenant: RunningEmulator
) -> None:
    engine.run(granting("sa-meta", {"scim:write": {"justification": "old"}}))

    counts = requests_during(
        tenant,
        lambda: engine.run(
            granting("sa-meta", {"scim:write": {"justification": "new", "expires": "2030-01-31"}})
        ),
    )

    assert writes(counts) == {}
    scopes = engine.resource(SCOPE_ASSIGNMENT, "app-scopes").outputs["scopes"]
    assert scopes == {"scim:write": {"justification": "new", "expires": "2030-01-31"}}


def test_refresh_shows_a_scope_granted_in_the_console_and_up_revokes_it(
    engine: Engine, admin: httpx.Client
) -> None:
    program = granting("sa-drift", {"scim:read": {"justification": "reports"}})
    engine.run(program)
    client_id = engine.resource(API_CLIENT, "app").id
    record = client_record(admin, client_id)
    assert record is not None
    resources = [
        {"id": r["id"], "selectedScopes": [{"id": s["id"]} for s in r["selectedScopes"]]}
        for r in record["clientResources"]
    ]
    catalog = admin.get("/resource-servers").json()["records"][0]
    write_scope = next(
        scope["id"]
        for group in catalog["serviceScopes"]
        for scope in group["scopes"]
        if scope["name"] == "scim:write"
    )
    resources[0]["selectedScopes"].append({"id": write_scope})
    edit_client(admin, client_id, clientResources=resources)
    engine.provider.restart()

    steps = engine.refresh()

    drift = {
        step.type: step.diff.detailed_diff for step in steps if step.diff and step.diff.changes != "DIFF_NONE"
    }
    assert drift == {SCOPE_ASSIGNMENT: {'scopes["scim:write"]': "ADD"}}
    refreshed = engine.resource(SCOPE_ASSIGNMENT, "app-scopes")
    assert refreshed.inputs["scopes"]["scim:read"] == {"justification": "reports"}, (
        "metadata survives refresh"
    )

    steps = engine.run(program)

    (update,) = [step for step in steps if step.op != "same"]
    assert update.diff is not None
    assert update.diff.detailed_diff == {'scopes["scim:write"]': "DELETE"}
    assert live_scopes(engine, admin) == ["scim:read"]


def test_refresh_shows_a_scope_revoked_in_the_console_and_up_grants_it_again(
    engine: Engine, admin: httpx.Client
) -> None:
    program = granting("sa-revoked", {"scim:read": {}, "scim:write": {"justification": "provisioning"}})
    engine.run(program)
    client_id = engine.resource(API_CLIENT, "app").id
    edit_client(admin, client_id, clientResources=[])
    engine.provider.restart()

    steps = engine.refresh()

    drift = {
        step.type: step.diff.detailed_diff for step in steps if step.diff and step.diff.changes != "DIFF_NONE"
    }
    assert drift == {SCOPE_ASSIGNMENT: {'scopes["scim:read"]': "DELETE", 'scopes["scim:write"]': "DELETE"}}
    steps = engine.run(program)
    (update,) = [step for step in steps if step.op != "same"]
    assert update.diff is not None
    assert update.diff.detailed_diff == {'scopes["scim:read"]': "ADD", 'scopes["scim:write"]': "ADD"}
    assert live_scopes(engine, admin) == ["scim:read", "scim:write"]
    assert engine.resource(SCOPE_ASSIGNMENT, "app-scopes").inputs["scopes"]["scim:write"] == {
        "justification": "provisioning"
    }


def test_check_names_each_bad_scope_with_a_suggestion(engine: Engine, tenant: RunningEmulator) -> None:
    scopes = {
        "scim:wrte": {},
        "scim:read": {"expires": "2027-13-01", "reason": "x"},
    }

    def run() -> None:
        with pytest.raises(CheckFailed) as raised:
            engine.run(granting("sa-bad", scopes))
        failures = dict(raised.value.failures)
        assert failures['scopes["scim:wrte"]'].startswith(
            "unknown scope 'scim:wrte'; did you mean scim:write"
        )
        assert "YYYY-MM-DD" in failures['scopes["scim:read"].expires']
        assert "unknown scope metadata 'reason'" in failures['scopes["scim:read"].reason']

    counts = requests_during(tenant, run)

    assert writes(counts) == {"POST /ziam/admin/api/v1/api-clients": 1}, "only the client itself was created"
    assert "PUT /ziam/admin/api/v1/api-clients/{id}" not in counts


def test_a_malformed_scope_name_fails_check_without_any_request(
    engine: Engine, tenant: RunningEmulator
) -> None:
    def program() -> None:
        ScopeAssignment("orphan-scopes", client_id="no-such-client", scopes={" scim:read": {}, "": {}})

    def run() -> None:
        with pytest.raises(CheckFailed) as raised:
            engine.run(program)
        assert dict(raised.value.failures) == {
            'scopes[" scim:read"]': "scope name must not start or end with whitespace",
            'scopes[""]': "scope name must not be empty",
        }

    assert requests_during(tenant, run) == {}


def test_refresh_drops_the_assignment_of_a_deleted_client(engine: Engine, admin: httpx.Client) -> None:
    engine.run(granting("sa-gone", {"scim:read": {}}))
    admin.delete(f"/api-clients/{engine.resource(API_CLIENT, 'app').id}").raise_for_status()
    engine.provider.restart()

    steps = engine.refresh()

    assert all(step.gone for step in steps)
    assert engine.state == {}


def test_destroy_revokes_every_scope_of_a_client_it_did_not_create(
    engine: Engine, admin: httpx.Client
) -> None:
    body = {"name": "sa-external", "status": True, "accessTokenLifeTime": 3600}
    body["clientAuthentication"] = {"authType": "SECRET"}
    client_id = admin.post("/api-clients", json=body).json()["id"]

    engine.run(lambda: ScopeAssignment("external-scopes", client_id=client_id, scopes={"scim:read": {}}))
    record = client_record(admin, client_id)
    assert record is not None and scope_names(record) == ["scim:read"]

    engine.destroy()

    record = client_record(admin, client_id)
    assert record is not None, "the client is not the assignment's to delete"
    assert scope_names(record) == []


def test_moving_the_assignment_to_another_client_replaces_it(engine: Engine, admin: httpx.Client) -> None:
    def program(target: str) -> None:
        first = ApiClient("first", name="sa-first")
        second = ApiClient("second", name="sa-second")
        ScopeAssignment(
            "moving", client_id=(first if target == "first" else second).id, scopes={"scim:read": {}}
        )

    engine.run(lambda: program("first"))
    first_id = engine.resource(API_CLIENT, "first").id

    steps = engine.run(lambda: program("second"))

    (replace,) = [step for step in steps if step.op != "same"]
    assert replace.op == "replace"
    assert replace.diff is not None and replace.diff.replaces == ["client_id"]
    first, second = (
        client_record(admin, first_id),
        client_record(admin, engine.resource(API_CLIENT, "second").id),
    )
    assert first is not None and second is not None
    assert (scope_names(first), scope_names(second)) == ([], ["scim:read"])


def test_scopes_given_as_one_string_fail_where_the_assignment_is_declared() -> None:
    with pytest.raises(TypeError, match="scopes must be a map of scope name"):
        ScopeAssignment("app-scopes", client_id="c1", scopes="scim:read")
