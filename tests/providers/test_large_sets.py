"""Plans stay readable at scale: one new member of a 500-member group and one new scope of a client show
as exactly one added entry each in the engine's detailed diff, and cost one write each."""

from __future__ import annotations

import httpx

from providers import ApiClient, ScimGroup, ScopeAssignment
from tests.providers.conftest import SCIM_GROUP, SCOPE_ASSIGNMENT
from tests.providers.helpers import requests_during, writes
from tests.support.emulator import RunningEmulator
from tests.support.engine_double import Engine

GROUP_SIZE = 500


def test_one_more_member_of_500_and_one_more_scope_are_one_entry_each(
    engine: Engine, tenant: RunningEmulator, scim_http: httpx.Client
) -> None:
    user_names = [f"member{i:03d}@ex.com" for i in range(GROUP_SIZE + 1)]
    for user_name in user_names:
        body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name}
        scim_http.post("/Users", json=body).raise_for_status()
    newcomer = user_names.pop()

    def program(members: list[str], scopes: dict[str, dict[str, str]]) -> None:
        client = ApiClient("sync", name="directory-sync")
        ScopeAssignment("sync-scopes", client_id=client.id, scopes=scopes)
        ScimGroup("everyone", display_name="Everyone", members=members)

    base_scopes: dict[str, dict[str, str]] = {"scim:read": {}, "connector:read": {}}
    engine.run(lambda: program(user_names, base_scopes))
    assert len(engine.resource(SCIM_GROUP, "everyone").outputs["member_ids"]) == GROUP_SIZE
    engine.provider.restart()

    grown_scopes = {**base_scopes, "scim:write": {"justification": "CHG-1234"}}
    preview = engine.run(lambda: program([*user_names, newcomer], grown_scopes), preview=True)
    steps: list = []
    counts = requests_during(
        tenant, lambda: steps.extend(engine.run(lambda: program([*user_names, newcomer], grown_scopes)))
    )

    for plan in (preview, steps):
        changed = {step.type: step.diff.detailed_diff for step in plan if step.op != "same" and step.diff}
        assert changed == {
            SCIM_GROUP: {f'members["{newcomer}"]': "ADD"},
            SCOPE_ASSIGNMENT: {'scopes["scim:write"]': "ADD"},
        }
        assert sorted(step.op for step in plan) == ["same", "update", "update"]
    assert writes(counts) == {
        "PATCH /scim/1/{idpId}/v2/Groups/{id}": 1,
        "PUT /ziam/admin/api/v1/api-clients/{id}": 1,
    }
    assert len(engine.resource(SCIM_GROUP, "everyone").outputs["member_ids"]) == GROUP_SIZE + 1
