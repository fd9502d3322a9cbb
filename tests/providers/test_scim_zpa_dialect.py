"""SCIM resources against a ZPA-style SCIM server (the emulator's ``zpa`` dialect).

ZPA leaves ``members`` out of group listings (the provider must read members per group to see drift)
and deletes a user when it is deactivated (so destroying a ``ScimUser`` makes it disappear).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pulumi
import pytest

from providers import ScimGroup, ScimUser
from tests.providers.conftest import SCIM_GROUP, SCIM_USER
from tests.support.emulator import RunningEmulator, run_emulator
from tests.support.engine_double import Engine

PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    """Overrides the package fixture: this module's emulator speaks the ZPA dialect."""
    with run_emulator(tmp_path_factory.mktemp("zpa") / "tenant", dialect="zpa") as running:
        yield running


def team(members: list[str]) -> None:
    users = [ScimUser(name.split("@")[0], user_name=name) for name in ("zed@ex.com", "yan@ex.com")]
    ScimGroup("team", display_name="ZPA Team", members=members, opts=pulumi.ResourceOptions(depends_on=users))


def test_group_drift_is_seen_although_listings_omit_members(engine: Engine, scim_http: httpx.Client) -> None:
    engine.run(lambda: team(["zed@ex.com"]))
    group_id = engine.resource(SCIM_GROUP, "team").id
    assert "members" not in scim_http.get("/Groups").json()["Resources"][0], "the dialect really omits them"
    add = {"op": "add", "path": "members", "value": [{"value": engine.resource(SCIM_USER, "yan").id}]}
    scim_http.patch(
        f"/Groups/{group_id}", json={"schemas": [PATCH_SCHEMA], "Operations": [add]}
    ).raise_for_status()
    engine.provider.restart()

    drift = {
        step.name: step.diff.detailed_diff
        for step in engine.refresh()
        if step.diff and step.diff.changes != "DIFF_NONE"
    }

    assert drift == {"team": {'members["yan@ex.com"]': "ADD"}}
    engine.run(lambda: team(["zed@ex.com"]))
    members = scim_http.get(f"/Groups/{group_id}").json().get("members") or []
    assert [member["value"] for member in members] == [engine.resource(SCIM_USER, "zed").id]


def test_destroying_a_user_deactivates_it_which_zpa_turns_into_a_deletion(
    engine: Engine, scim_http: httpx.Client
) -> None:
    engine.run(lambda: ScimUser("temp", user_name="temp@ex.com"))
    user_id = engine.resource(SCIM_USER, "temp").id

    engine.destroy()

    assert scim_http.get(f"/Users/{user_id}").status_code == 404
